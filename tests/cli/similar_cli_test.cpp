#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mn {
namespace {

class SimilarCli : public ::testing::Test {
 protected:
  std::string run(const std::string& args, int* status = nullptr) {
    std::string out;
    const int rc = test::run_command("MOVIENIGHT_CACHE='" + cache_.path().string() + "' '" +
                                         test::movienight_binary().string() + "' -q similar --data '" +
                                         test::datasets_dir().string() + "' " + args + " 2>&1",
                                     out);
    if (status != nullptr) *status = rc;
    return out;
  }
  test::TempDir cache_;
};

// Lines "NN. Title ..." in printed order.
std::vector<std::string> result_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.size() > 4 && line[2] == '.' && std::isdigit(static_cast<unsigned char>(line[1])))
      lines.push_back(line);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

TEST_F(SimilarCli, ToyStory2IsInTheTopFiveOfToyStory) {
  int status = -1;
  const std::string out = run("--title 'Toy Story (1995)' --k 10", &status);
  ASSERT_EQ(status, 0) << out;
  const auto lines = result_lines(out);
  ASSERT_EQ(lines.size(), 10u) << out;
  bool found = false;
  for (std::size_t r = 0; r < 5; ++r)
    found = found || lines[r].find("Toy Story 2 (1999)") != std::string::npos;
  EXPECT_TRUE(found) << out;
  // The same from a lowercase title without its year, and the second run reads the cache.
  const std::string again = run("--title 'toy story' --k 10", &status);
  ASSERT_EQ(status, 0) << again;
  EXPECT_EQ(result_lines(again), lines);
}

TEST_F(SimilarCli, UnknownTitleExitsThreeWithSuggestions) {
  int status = -1;
  const std::string out = run("--title 'Toy Storyyy Zzqx 9'", &status);
  EXPECT_EQ(status, 3) << out;
  EXPECT_NE(out.find("Did you mean:"), std::string::npos) << out;
  EXPECT_NE(out.find("Toy Story"), std::string::npos) << out;
}

TEST_F(SimilarCli, MoodAloneAndWithATitleAsJson) {
  int status = -1;
  const std::string out = run("--mood 'something scary' --k 5 --json", &status);
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["results"].size(), 5u);
  int horror = 0;
  for (const auto& r : j["results"]) {
    for (const auto& g : r["genres"]) horror += g == "Horror";
  }
  EXPECT_GE(horror, 4) << out;
  EXPECT_EQ(j["query"]["moods"][0], "scary");

  const std::string both = run("--title 'Matrix, The (1999)' --mood funny --k 5 --json", &status);
  ASSERT_EQ(status, 0) << both;
  const auto jb = nlohmann::json::parse(both);
  EXPECT_EQ(jb["query"]["title"], "Matrix, The (1999)");
  for (const auto& r : jb["results"]) EXPECT_NE(r["title"], "Matrix, The (1999)");
}

TEST_F(SimilarCli, MistakesAreClear) {
  int status = -1;
  std::string out = run("", &status);
  EXPECT_EQ(status, 2) << out;
  out = run("--mood 'xqzzv'", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("no word of it is known"), std::string::npos) << out;
  out = run("--title 'Toy Story (1995)' --encoder minilm --model /nonexistent", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("model.safetensors"), std::string::npos) << out;
}

}  // namespace
}  // namespace mn
