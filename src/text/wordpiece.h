#pragma once
// The BERT WordPiece tokenizer as Hugging Face's fast BertTokenizer runs it (tokenizer.json of
// all-MiniLM-L6-v2: BertNormalizer + BertPreTokenizer + WordPiece + "[CLS] $A [SEP]"):
//   1. the literal special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) are cut out of the raw text;
//   2. clean text: drop U+0000, U+FFFD and control/format/private/unassigned characters (C*)
//      except \t \n \r; every whitespace becomes a space;
//   3. spaces around CJK ideographs;
//   4. strip accents (NFD, drop Mn) and lower-case per character (no final-sigma rule);
//   5. split on whitespace, and isolate punctuation (ASCII symbol ranges and Unicode P*);
//   6. greedy longest-match-first WordPiece with "##" continuations; a word that cannot be
//      covered, or has more than max_chars_per_word characters, becomes one [UNK].
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mn {

struct WordPieceOptions {
  bool lower_case = true;
  bool strip_accents = true;  // HF: strip_accents null means "same as lower_case"
  bool tokenize_chinese_chars = true;
  std::size_t max_chars_per_word = 100;
  std::string continuation_prefix = "##";
};

class WordPieceTokenizer {
 public:
  // vocab.txt: one token per line, the id is the line number from 0.
  static WordPieceTokenizer from_vocab_file(const std::filesystem::path& path, WordPieceOptions options = {});
  // Reads do_lower_case, strip_accents and tokenize_chinese_chars from a tokenizer_config.json
  // (absent keys keep the defaults above; an absent file keeps them all).
  static WordPieceOptions options_from_config(const std::filesystem::path& tokenizer_config);

  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options, std::string source = "vocab");

  // Word-piece ids of the text, without [CLS]/[SEP] and without truncation.
  std::vector<std::int32_t> tokenize(std::string_view text) const;
  // [CLS] pieces [SEP], the pieces cut so that the whole is at most max_length ids (>= 2).
  std::vector<std::int32_t> encode(std::string_view text, std::size_t max_length) const;
  // The text after cleaning, CJK spacing, accent stripping and lower-casing (step 2-4), for
  // tests and debugging.
  std::string normalize(std::string_view text) const;

  std::size_t vocab_size() const { return vocab_.size(); }
  std::string_view token(std::int32_t id) const;
  std::optional<std::int32_t> id(std::string_view token) const;
  std::int32_t cls_id() const { return cls_; }
  std::int32_t sep_id() const { return sep_; }
  std::int32_t unk_id() const { return unk_; }
  std::int32_t pad_id() const { return pad_; }
  const WordPieceOptions& options() const { return options_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Special {
    std::string text;
    std::int32_t id;
  };

  // Normalises and pre-tokenises one stretch of raw text (no special tokens in it), calling
  // word_pieces on each word.
  void tokenize_plain(std::string_view text, std::vector<std::int32_t>& out) const;
  void word_pieces(std::string_view word, std::size_t chars, std::vector<std::int32_t>& out) const;
  std::optional<std::int32_t> lookup(std::string_view piece) const;

  WordPieceOptions options_;
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int32_t, Hash, std::equal_to<>> ids_;
  std::vector<Special> specials_;
  std::size_t max_token_bytes_ = 0;
  std::int32_t cls_ = -1;
  std::int32_t sep_ = -1;
  std::int32_t unk_ = -1;
  std::int32_t pad_ = -1;
};

}  // namespace mn
