// eval / tune / fit / recommend as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/file.h"
#include "test_support.h"

namespace mn {
namespace {

std::string bin() { return "'" + test::movienight_binary().string() + "'"; }
std::string small() { return "'" + (test::datasets_dir() / "ml-latest-small").string() + "'"; }

TEST(EvalCliTest, PopOnLooMatchesThePeerFigures) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(
                bin() + " -q eval --data " + small() + " --protocol loo --models pop --k 10,100 --json '" +
                    (tmp / "r.json").string() + "' --save-split '" + (tmp / "split").string() + "'",
                out),
            0)
      << out;
  EXPECT_NE(out.find("| pop | defaults |"), std::string::npos) << out;
  const auto j = nlohmann::json::parse(read_file(tmp / "r.json"));
  ASSERT_EQ(j["results"].size(), 1u);
  const auto& m = j["results"][0]["metrics"];
  // PEERS.md, MostPop on this split: HR@10 0.0395, NDCG@10 0.0218, Recall@100 0.2105 (608 users).
  EXPECT_NEAR(m["hr@10"].get<double>(), 0.0395, 5e-5);
  EXPECT_NEAR(m["ndcg@10"].get<double>(), 0.0218, 5e-5);
  EXPECT_NEAR(m["recall@100"].get<double>(), 0.2105, 5e-5);
  EXPECT_EQ(m["users"].get<double>(), 608);
  EXPECT_EQ(j["protocol"]["name"], "loo");
  EXPECT_EQ(j["dataset"]["users"], 610);
  EXPECT_TRUE(j["results"][0]["params"].contains("by"));
  const auto peers = test::shared_dir() / "peers" / "splits" / "ml-latest-small-loo4";
  EXPECT_TRUE(read_file(tmp / "split" / "test.csv") == read_file(peers / "test.csv"));
}

TEST(EvalCliTest, LoadSplitWithoutValidation) {
  std::string out;
  const auto split = test::shared_dir() / "peers" / "splits" / "ml-latest-small-holdout20";
  ASSERT_EQ(test::run_command(bin() + " -q eval --data " + small() + " --load-split '" + split.string() +
                                  "' --models pop --k 20 --metrics trecall,ndcg",
                              out),
            0)
      << out;
  // PEERS.md §1b, MostPop: Recall@20 (÷ min(20,|T|)) 0.1794, NDCG@20 0.1633.
  EXPECT_NE(out.find("| 0.1794 | 0.1633 |"), std::string::npos) << out;
}

TEST(EvalCliTest, MistakesFailFastWithExitTwo) {
  std::string out;
  EXPECT_EQ(test::run_command(bin() + " -q eval --data /nonexistent --models nope", out), 2);
  EXPECT_NE(out.find("unknown model 'nope'; known models: pop"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(bin() + " -q eval --data " + small() + " --models pop:bogus=1", out), 2);
  EXPECT_NE(out.find("unknown parameter 'bogus'"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(bin() + " -q eval --data " + small() + " --models pop --protocol nope", out),
            2);
  EXPECT_NE(out.find("unknown protocol 'nope'"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(bin() + " -q eval --data " + small() + " --models pop --metrics hr,bogus", out),
            2);
}

TEST(EvalCliTest, TuneRanksTheGridOnValidation) {
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " -q tune --data " + small() +
                                  " --models pop --grid \"by=count,mean\" --values rating --k 10",
                              out),
            0)
      << out;
  EXPECT_NE(out.find("| 1 | by=count | 0.0194 |"), std::string::npos)
      << out;  // PEERS.md: MostPop val NDCG@10
  EXPECT_NE(out.find("best on validation: by=count"), std::string::npos) << out;
}

TEST(EvalCliTest, FitThenRecommend) {
  test::TempDir tmp;
  std::string out;
  const std::string dir = "'" + (tmp / "pop").string() + "'";
  ASSERT_EQ(test::run_command(bin() + " -q fit --data " + small() + " --model pop --out " + dir, out), 0)
      << out;
  ASSERT_EQ(test::run_command(
                bin() + " -q recommend --data " + small() + " --model-dir " + dir + " --user 1 --k 3", out),
            0)
      << out;
  // User 1 has not rated Shawshank, the most popular positive, so it comes first.
  EXPECT_NE(out.find(" 1. Shawshank Redemption, The (1994)"), std::string::npos) << out;
  ASSERT_EQ(test::run_command(bin() + " -q recommend --data " + small() + " --model-dir " + dir +
                                  " --like \"shawshank redemption, the\" --k 1",
                              out),
            0)
      << out;
  EXPECT_EQ(out.find("Shawshank"), std::string::npos) << out;  // a liked title is never recommended back
  EXPECT_EQ(test::run_command(
                bin() + " -q recommend --data " + small() + " --model-dir " + dir + " --user 99999", out),
            2);
  EXPECT_NE(out.find("userId 99999 is not in the data"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(bin() + " -q recommend --data " + small() + " --model-dir " + dir +
                                  " --like \"Shawshenk Redemptoin of the Zzyzx\"",
                              out),
            3);
  EXPECT_NE(out.find("Did you mean: Shawshank Redemption, The (1994)"), std::string::npos) << out;
  // A mood pulls its genres up the popular list.
  const std::string cache = "MOVIENIGHT_CACHE='" + (tmp / "cache").string() + "' ";
  ASSERT_EQ(test::run_command(cache + bin() + " -q recommend --data " + small() + " --model-dir " + dir +
                                  " --user 1 --k 10 --mood scary --mood-weight 0.5",
                              out),
            0)
      << out;
  std::size_t horror = 0;
  for (std::size_t at = out.find("Horror"); at != std::string::npos; at = out.find("Horror", at + 1)) ++horror;
  EXPECT_GE(horror, 5u) << out;
  EXPECT_EQ(test::run_command(
                bin() + " -q recommend --data " + small() + " --model-dir /nonexistent --user 1", out),
            2);
  EXPECT_NE(out.find("manifest.json: no such file"), std::string::npos) << out;
}

}  // namespace
}  // namespace mn
