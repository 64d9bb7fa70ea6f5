// `movienight night` and `eval-night` as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mn {
namespace {

class NightCli : public ::testing::Test {
 protected:
  std::string run(const std::string& args, int* status) {
    std::string out;
    *status = test::run_command("MOVIENIGHT_CACHE='" + cache_.path().string() + "' '" +
                                    test::movienight_binary().string() + "' -q " + args + " 2>&1",
                                out);
    return out;
  }
  std::string data() const { return " --data '" + test::datasets_dir().string() + "' "; }
  test::TempDir cache_;
};

TEST_F(NightCli, LikesAndAMoodPrintTenMoviesWithSnacks) {
  int status = -1;
  const std::string out =
      run("night" + data() +
              "--like 'Toy Story' --like '1:Finding Nemo' --like Heat --names Alice,Bob --mood cozy",
          &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Movie night for Alice, Bob, mood \"cozy\""), std::string::npos) << out;
  EXPECT_NE(out.find("10. "), std::string::npos) << out;
  EXPECT_NE(out.find("snack: "), std::string::npos) << out;
  EXPECT_NE(out.find("ranks: Alice #"), std::string::npos) << out;
  EXPECT_EQ(out.find(" 1. Toy Story (1995)"), std::string::npos) << out;  // liked: never recommended back
}

TEST_F(NightCli, JsonIsTheApiShape) {
  int status = -1;
  const std::string out = run("night" + data() + "--user 1 --user 2 --k 5 --json", &status);
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["items"].size(), 5u);
  for (const auto& item : j["items"]) {
    EXPECT_TRUE(item["movie"]["title"].is_string());
    EXPECT_FALSE(item["why"].empty());
    EXPECT_EQ(item["per_user_rank"].size(), 2u);
    EXPECT_LE(item["snack"]["minutes"].get<int>(), 25);
  }
}

TEST_F(NightCli, MistakesAreClear) {
  int status = -1;
  std::string out = run("night" + data() + "--like 'Toy Story' --like 'Zzqxv Plorkt Wibble'", &status);
  EXPECT_EQ(status, 3) << out;
  EXPECT_NE(out.find("Did you mean:"), std::string::npos) << out;
  out = run("night" + data() + "--user 999999 --user 1", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("999999"), std::string::npos) << out;
  out = run("night" + data(), &status);
  EXPECT_EQ(status, 2) << out;
}

TEST_F(NightCli, EvalNightPrintsTheThreeTables) {
  int status = -1;
  const std::string out = run("eval-night" + data() + "--pairs 20", &status);
  ASSERT_EQ(status, 0) << out;
  for (const char* part : {"## Single users", "| blend |", "## MMR", "## Pairs", "| fair |"}) {
    EXPECT_NE(out.find(part), std::string::npos) << part << "\n" << out;
  }
}

}  // namespace
}  // namespace mn
