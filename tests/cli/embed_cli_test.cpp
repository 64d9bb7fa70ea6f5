// movienight embed as a user runs it: texts on stdin, JSON lines on stdout, the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace mn {
namespace {

namespace fs = std::filesystem;

std::string bin() { return "'" + test::movienight_binary().string() + "'"; }
fs::path synthetic_model() { return test::shared_dir() / "testvectors" / "minilm" / "synthetic-model"; }

nlohmann::json vectors() {
  std::ifstream in(test::shared_dir() / "testvectors" / "minilm" / "public_synthetic.json");
  return nlohmann::json::parse(in);
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// The public sentences that fit on one line, written one per line to a file.
std::vector<nlohmann::json> one_line_sentences(const fs::path& file) {
  std::vector<nlohmann::json> kept;
  std::string text;
  const nlohmann::json all = vectors();
  for (const auto& s : all["sentences"]) {
    const std::string t = s["text"];
    if (t.find_first_of("\n\r") != std::string::npos) continue;
    kept.push_back(s);
    text += t + "\n";
  }
  test::write_text(file, text);
  return kept;
}

TEST(EmbedCliTest, TokenIdsOfThePublicSentences) {
  test::TempDir tmp;
  const auto sentences = one_line_sentences(tmp / "in.txt");
  ASSERT_GE(sentences.size(), 24u);
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " embed --encoder minilm --model '" + synthetic_model().string() +
                                  "' --tokens < '" + (tmp / "in.txt").string() + "' 2>/dev/null",
                              out),
            0)
      << out;
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), sentences.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["tokens"], sentences[i]["token_ids"]) << sentences[i]["text"];
    EXPECT_EQ(lines[i].size(), 1u);
  }
}

TEST(EmbedCliTest, TokensNeedNoWeights) {
  // The real model folder has everything but model.safetensors.
  test::TempDir tmp;
  const auto sentences = one_line_sentences(tmp / "in.txt");
  std::string out;
  const fs::path real = test::shared_dir() / "models" / "all-MiniLM-L6-v2";
  ASSERT_EQ(test::run_command(bin() + " embed --model '" + real.string() + "' --tokens < '" +
                                  (tmp / "in.txt").string() + "' 2>/dev/null",
                              out),
            0)
      << out;
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), sentences.size());
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["tokens"], sentences[i]["token_ids"]);
}

TEST(EmbedCliTest, EmbeddingsOfTheSyntheticModel) {
  test::TempDir tmp;
  const auto sentences = one_line_sentences(tmp / "in.txt");
  std::string first;
  for (const char* flags : {"", " --threads 1 --batch 3"}) {
    std::string out;
    ASSERT_EQ(test::run_command(bin() + " embed --encoder minilm --model '" + synthetic_model().string() +
                                    "'" + flags + " < '" + (tmp / "in.txt").string() + "' 2>/dev/null",
                                out),
              0)
        << out;
    const auto lines = json_lines(out);
    ASSERT_EQ(lines.size(), sentences.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto got = lines[i]["embedding"].get<std::vector<float>>();
      const auto expected = sentences[i]["embedding"].get<std::vector<float>>();
      ASSERT_EQ(got.size(), expected.size());
      for (std::size_t d = 0; d < got.size(); ++d) EXPECT_NEAR(got[d], expected[d], 1e-5) << i << " " << d;
    }
    if (first.empty()) {
      first = out;
    } else {
      EXPECT_EQ(out, first);  // threads and batch size change nothing
    }
  }
}

TEST(EmbedCliTest, EmptyInputAndEmptyLines) {
  std::string out;
  const std::string cmd = bin() + " embed --model '" + synthetic_model().string() + "' --tokens";
  ASSERT_EQ(test::run_command("printf '' | " + cmd, out), 0) << out;
  EXPECT_EQ(out, "");
  ASSERT_EQ(test::run_command("printf 'a\\n\\r\\nb' | " + cmd, out), 0) << out;
  EXPECT_EQ(out, "{\"tokens\":[101,1037,102]}\n{\"tokens\":[101,102]}\n{\"tokens\":[101,1038,102]}\n");
}

TEST(EmbedCliTest, UnknownEncoderListsTheKnownOnes) {
  std::string out;
  EXPECT_NE(test::run_command("echo x | " + bin() + " embed --encoder bert-large --model '" +
                                  synthetic_model().string() + "'",
                              out),
            0);
  EXPECT_NE(out.find("unknown encoder 'bert-large' (known: minilm, tfidf, genres)"), std::string::npos) << out;
}

TEST(EmbedCliTest, MissingWeightsSayWhereToGetThem) {
  std::string out;
  const fs::path real = test::shared_dir() / "models" / "all-MiniLM-L6-v2";
  EXPECT_EQ(
      test::run_command("echo x | " + bin() + " embed --encoder minilm --model '" + real.string() + "'", out),
      2);
  EXPECT_NE(out.find("model.safetensors is missing"), std::string::npos) << out;
  EXPECT_NE(out.find("sentence-transformers/all-MiniLM-L6-v2"), std::string::npos) << out;
  EXPECT_NE(out.find("movienight fetch minilm"), std::string::npos) << out;
}

}  // namespace
}  // namespace mn
