// The movienight command as a user meets it: exit codes, error wording, JSON output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mn {
namespace {

std::string bin() { return "'" + test::movienight_binary().string() + "'"; }

TEST(CliTest, HelpOnEverySubcommand) {
  std::string out;
  for (const char* cmd : {"info", "ingest", "synth", "fetch"}) {
    ASSERT_EQ(test::run_command(bin() + " " + cmd + " --help", out), 0) << cmd << out;
    EXPECT_NE(out.find("Usage"), std::string::npos) << out;
  }
}

TEST(CliTest, InfoJsonOnTheSharedData) {
  std::string out;
  ASSERT_EQ(test::run_command(
                bin() + " -q info --json --data '" + test::datasets_dir().string() + "' 2>/dev/null", out),
            0)
      << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["users"], 610);
  EXPECT_EQ(j["ratings"], 100836);
  EXPECT_EQ(j["items"], 9742);
}

TEST(CliTest, IngestThenInfoFromTheSnapshotAgree) {
  test::TempDir tmp;
  std::string out;
  const std::string data = "'" + (test::fixtures_dir() / "ml-100k").string() + "'";
  ASSERT_EQ(test::run_command(
                bin() + " -q ingest --data " + data + " --out '" + (tmp / "s.snap").string() + "'", out),
            0)
      << out;
  std::string from_data, from_snap;
  ASSERT_EQ(test::run_command(bin() + " -q info --json --data " + data + " 2>/dev/null", from_data), 0);
  ASSERT_EQ(
      test::run_command(bin() + " -q info --json --snapshot '" + (tmp / "s.snap").string() + "' 2>/dev/null",
                        from_snap),
      0);
  EXPECT_EQ(nlohmann::json::parse(from_data), nlohmann::json::parse(from_snap));
}

TEST(CliTest, BadInputExitsTwoWithFileLineReason) {
  std::string out;
  const std::string data = "'" + (test::fixtures_dir() / "bad/rating-off-scale").string() + "'";
  EXPECT_EQ(test::run_command(bin() + " -q info --data " + data, out), 2);
  EXPECT_NE(out.find("error: "), std::string::npos) << out;
  EXPECT_NE(out.find("ratings.csv:3: rating: 7 is outside the scale"), std::string::npos) << out;
}

TEST(CliTest, NoDataExplainsWhatToDo) {
  test::TempDir tmp;
  std::string out;
  EXPECT_EQ(
      test::run_command("cd '" + tmp.path().string() + "' && env -u MOVIENIGHT_DATA " + bin() + " info", out),
      2);
  EXPECT_NE(out.find("movienight fetch ml-latest-small"), std::string::npos) << out;
}

TEST(CliTest, DataAndSnapshotAreExclusive) {
  std::string out;
  EXPECT_NE(test::run_command(bin() + " info --data x --snapshot y", out), 0);
  EXPECT_NE(out.find("excludes"), std::string::npos) << out;
}

}  // namespace
}  // namespace mn
