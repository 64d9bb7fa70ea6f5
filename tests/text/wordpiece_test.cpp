// The WordPiece tokenizer against the test vectors of ../shared/testvectors/minilm (made by an
// independent reference and cross-checked with a second tokenizer), plus the rules one by one.
#include "text/wordpiece.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

std::filesystem::path model_dir() { return test::shared_dir() / "models" / "all-MiniLM-L6-v2"; }
std::filesystem::path vectors_dir() { return test::shared_dir() / "testvectors" / "minilm"; }

const WordPieceTokenizer& tokenizer() {
  static const WordPieceTokenizer t = WordPieceTokenizer::from_vocab_file(
      model_dir() / "vocab.txt",
      WordPieceTokenizer::options_from_config(model_dir() / "tokenizer_config.json"));
  return t;
}

nlohmann::json load_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::vector<std::int32_t> ids_of(const std::vector<std::string>& tokens) {
  std::vector<std::int32_t> out;
  for (const auto& t : tokens) out.push_back(tokenizer().id(t).value_or(-1));
  return out;
}

void expect_vectors(const std::filesystem::path& file) {
  const nlohmann::json j = load_json(file);
  ASSERT_EQ(j["max_seq_length"], 256);
  ASSERT_EQ(j["sentences"].size(), 25u);
  for (const auto& s : j["sentences"]) {
    const std::string text = s["text"];
    const auto expected = s["token_ids"].get<std::vector<std::int32_t>>();
    EXPECT_EQ(tokenizer().encode(text, 256), expected) << file.filename() << ": " << text;
    EXPECT_EQ(tokenizer().tokenize(text).size() + 2, s["num_tokens_before_truncation"].get<std::size_t>())
        << text;
  }
}

TEST(WordPieceTest, ConfigOfTheRealModel) {
  const WordPieceOptions o = tokenizer().options();
  EXPECT_TRUE(o.lower_case);
  EXPECT_TRUE(o.strip_accents);  // strip_accents: null follows do_lower_case
  EXPECT_TRUE(o.tokenize_chinese_chars);
  EXPECT_EQ(tokenizer().vocab_size(), 30522u);
  EXPECT_EQ(tokenizer().cls_id(), 101);
  EXPECT_EQ(tokenizer().sep_id(), 102);
  EXPECT_EQ(tokenizer().unk_id(), 100);
  EXPECT_EQ(tokenizer().pad_id(), 0);
}

TEST(WordPieceTest, EveryPublicSentence) { expect_vectors(vectors_dir() / "public.json"); }
TEST(WordPieceTest, EveryPublicSyntheticSentence) { expect_vectors(vectors_dir() / "public_synthetic.json"); }

TEST(WordPieceTest, TruncatesTo256IncludingClsAndSep) {
  const nlohmann::json j = load_json(vectors_dir() / "public.json");
  int truncated = 0;
  for (const auto& s : j["sentences"]) {
    if (!s["truncated"].get<bool>()) continue;
    ++truncated;
    const auto ids = tokenizer().encode(s["text"].get<std::string>(), 256);
    ASSERT_EQ(ids.size(), 256u);
    EXPECT_EQ(ids.front(), 101);
    EXPECT_EQ(ids.back(), 102);
    EXPECT_EQ(s["num_tokens_before_truncation"], 325);
    // The cut keeps the first 254 pieces.
    const auto all = tokenizer().tokenize(s["text"].get<std::string>());
    EXPECT_TRUE(std::equal(ids.begin() + 1, ids.end() - 1, all.begin()));
  }
  EXPECT_EQ(truncated, 1);
  EXPECT_EQ(tokenizer().encode("a b c d", 4), (std::vector<std::int32_t>{101, 1037, 1038, 102}));
  EXPECT_EQ(tokenizer().encode("a b c d", 2), (std::vector<std::int32_t>{101, 102}));
  EXPECT_THROW(tokenizer().encode("a", 1), Error);
}

TEST(WordPieceTest, EmptyAndBlankTextsAreClsSep) {
  EXPECT_EQ(tokenizer().encode("", 256), (std::vector<std::int32_t>{101, 102}));
  EXPECT_EQ(tokenizer().encode(" \t\n\r\u00a0\u200b\x07", 256), (std::vector<std::int32_t>{101, 102}));
}

TEST(WordPieceTest, Normalisation) {
  const WordPieceTokenizer& t = tokenizer();
  EXPECT_EQ(t.normalize("Amélie CRÈME façon Pokémon naïve"), "amelie creme facon pokemon naive");
  // ø and ß have no decomposition; İ lower-cases through NFD; no final-sigma rule.
  EXPECT_EQ(t.normalize("Ø ß İ ΟΔΟΣ"), "ø ß i οδοσ");
  EXPECT_EQ(t.normalize("a\tb\nc\rd\u00a0e\u3000f"), "a b c d e f");
  // Dropped: NUL, U+FFFD, controls, format characters (zero-width space, BOM), private use.
  EXPECT_EQ(t.normalize(std::string("x\0y", 3) + "\uFFFD\x07\u200b\uFEFF\uE000z"), "xyz");
  EXPECT_EQ(t.normalize("千と千尋"), " 千 と 千  尋 ");
  // Kana and Hangul stay inside their word; a CJK ideograph outside the BMP is spaced too.
  EXPECT_EQ(t.normalize("カタ\U00020000x"), "カタ \U00020000 x");
  // Malformed UTF-8 reads as U+FFFD and is dropped.
  EXPECT_EQ(t.normalize("a\xff\xfe"
                        "b"),
            "ab");
}

TEST(WordPieceTest, PunctuationAndPieces) {
  const WordPieceTokenizer& t = tokenizer();
  const auto pieces = [&](const std::string& text) {
    std::vector<std::string> out;
    for (const auto id : t.tokenize(text)) out.emplace_back(t.token(id));
    return out;
  };
  EXPECT_EQ(pieces("R&D, C++ $1,000 <PG-13>"),
            (std::vector<std::string>{"r", "&", "d", ",", "c", "+", "+", "$", "1", ",", "000", "<", "pg", "-",
                                      "13", ">"}));
  // Unicode punctuation (em dash, guillemets) is split; symbols such as ™ are not punctuation.
  EXPECT_EQ(pieces("a—b «c»"), (std::vector<std::string>{"a", "—", "b", "«", "c", "»"}));
  EXPECT_EQ(pieces("unaffable lightyear"),
            (std::vector<std::string>{"una", "##ffa", "##ble", "light", "##year"}));
  // A word that cannot be covered is one [UNK], whatever pieces matched before.
  EXPECT_EQ(t.tokenize("🍿"), (std::vector<std::int32_t>{100}));
  EXPECT_EQ(t.tokenize("abc🍿"), (std::vector<std::int32_t>{100}));
}

TEST(WordPieceTest, WordsOverOneHundredCharactersAreUnknown) {
  const std::string hundred(100, 'a');
  EXPECT_NE(tokenizer().tokenize(hundred), (std::vector<std::int32_t>{100}));
  EXPECT_EQ(tokenizer().tokenize(hundred + "a"), (std::vector<std::int32_t>{100}));
  // Characters, not bytes: 100 two-byte characters are still a word.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "ø";
  EXPECT_NE(tokenizer().tokenize(accented), (std::vector<std::int32_t>{100}));
}

TEST(WordPieceTest, LiteralSpecialTokensAreKept) {
  const WordPieceTokenizer& t = tokenizer();
  EXPECT_EQ(t.tokenize("a[SEP]b [MASK] [cls] [CLS"),
            (std::vector<std::int32_t>{1037, 102, 1038, 103, 1031, 18856, 2015, 1033, 1031, 18856, 2015}));
  EXPECT_EQ(ids_of({"[PAD]", "[UNK]"}), (std::vector<std::int32_t>{0, 100}));
}

TEST(WordPieceTest, OptionsFromConfigAndSmallVocab) {
  test::TempDir tmp;
  test::write_text(tmp / "tokenizer_config.json", R"({"do_lower_case": false, "strip_accents": null})");
  const WordPieceOptions o = WordPieceTokenizer::options_from_config(tmp / "tokenizer_config.json");
  EXPECT_FALSE(o.lower_case);
  EXPECT_FALSE(o.strip_accents);
  const WordPieceTokenizer cased({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "É", "é", "##a"}, o);
  EXPECT_EQ(cased.tokenize("Éa é"), (std::vector<std::int32_t>{4, 6, 5}));
  EXPECT_THROW(WordPieceTokenizer({"a", "b"}, {}), Error);
  EXPECT_THROW(WordPieceTokenizer::from_vocab_file(tmp / "missing.txt"), Error);
}

}  // namespace
}  // namespace mn
