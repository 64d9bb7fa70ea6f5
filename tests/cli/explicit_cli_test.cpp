// eval / tune / fit / export with the explicit-rating models (issue 7), as a user runs them.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/file.h"
#include "test_support.h"

namespace mn {
namespace {

std::string bin() { return "'" + test::movienight_binary().string() + "'"; }
std::string small() { return "'" + (test::datasets_dir() / "ml-latest-small").string() + "'"; }

TEST(ExplicitCliTest, KfoldTableHasMeanStdAndTestSeconds) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " -q eval --data " + small() +
                                  " --protocol kfold --folds 3 --seed 0 --models \"svd:n_epochs=10;baseline\""
                                  " --metrics rmse,mae --json '" +
                                  (tmp / "r.json").string() + "'",
                              out),
            0)
      << out;
  EXPECT_NE(out.find("| model | params | fit s | test s | rmse | mae |"), std::string::npos) << out;
  EXPECT_NE(out.find("| svd | n_epochs=10 |"), std::string::npos) << out;
  EXPECT_NE(out.find(" ± "), std::string::npos) << out;
  const auto j = nlohmann::json::parse(read_file(tmp / "r.json"));
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& row : j["results"]) {
    EXPECT_EQ(row["runs"], 3);
    EXPECT_EQ(row["per_run"].size(), 3u);
    EXPECT_LE(row["metrics"]["rmse"].get<double>(), 0.90) << row["model"];
    EXPECT_GT(row["metrics"]["rmse"].get<double>(), row["metrics"]["mae"].get<double>());
    EXPECT_GT(row["std"]["rmse"].get<double>(), 0.0);
    EXPECT_GT(row["test_seconds"].get<double>(), 0.0);
    // Every rating of the data is tested once over the folds.
    double tested = 0;
    for (const auto& run : row["per_run"]) tested += run["metrics"]["test_ratings"].get<double>();
    EXPECT_EQ(tested, 100836);
  }
  EXPECT_EQ(j["protocol"]["values"], "auto");
}

TEST(ExplicitCliTest, HoldoutBaselineMatchesSurprise) {
  std::string out;
  const auto split = test::shared_dir() / "peers" / "splits" / "ml-latest-small-holdout80";
  ASSERT_EQ(test::run_command(bin() + " -q eval --data " + small() + " --load-split '" + split.string() +
                                  "' --models baseline --metrics rmse,mae",
                              out),
            0)
      << out;
  // Surprise's BaselineOnly on this split: RMSE 0.8785099, MAE 0.6777861.
  EXPECT_NE(out.find("| 0.8785 | 0.6778 |"), std::string::npos) << out;
}

TEST(ExplicitCliTest, PredictionsProtocolRanksEachUsersTestItems) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " -q eval --data " + small() +
                                  " --protocol predictions --test-frac 0.2 --seed 0 --models svd:n_epochs=10"
                                  " --k 5,10 --metrics precision,recall,ndcg,rmse,mae --json '" +
                                  (tmp / "r.json").string() + "'",
                              out),
            0)
      << out;
  EXPECT_NE(out.find("| precision@5 | precision@10 | recall@5 | recall@10 | ndcg@5 | ndcg@10 | rmse | mae |"),
            std::string::npos)
      << out;
  const auto j = nlohmann::json::parse(read_file(tmp / "r.json"));
  EXPECT_EQ(j["protocol"]["name"], "predictions");
  const auto& m = j["results"][0]["metrics"];
  for (const char* name : {"precision@10", "recall@10", "ndcg@10"}) {
    EXPECT_GT(m[name].get<double>(), 0.0) << name;
    EXPECT_LE(m[name].get<double>(), 1.0) << name;
  }
  // Recall over the user's own test items grows with k; rmse is that of a decent model.
  EXPECT_GE(m["recall@10"].get<double>(), m["recall@5"].get<double>());
  EXPECT_LT(m["rmse"].get<double>(), 0.95);
  EXPECT_TRUE(m.contains("was_impossible"));
  EXPECT_EQ(m["test_ratings"].get<double>(), 20168);  // ceil(0.2 * 100836)
  // Implicit models have no predicted ratings to rank.
  EXPECT_EQ(
      test::run_command(bin() + " -q eval --data " + small() + " --protocol predictions --models pop", out),
      2);
  EXPECT_NE(out.find("not an explicit-rating model"), std::string::npos) << out;
}

TEST(ExplicitCliTest, TuneCvRanksRefitsAndExports) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " -q tune --data " + small() +
                                  " --models svd:n_epochs=5 --grid \"n_factors=5,20;reg_all=0.02,0.5\" --cv 2"
                                  " --seed 1 --metric rmse --refit --out '" +
                                  (tmp / "model").string() + "' --json '" + (tmp / "t.json").string() + "'",
                              out),
            0)
      << out;
  EXPECT_NE(out.find("| rank | svd grid | rmse | mae | fit s | test s |"), std::string::npos) << out;
  EXPECT_NE(out.find("| 4 | "), std::string::npos) << out;
  EXPECT_NE(out.find("best rmse: "), std::string::npos) << out;
  EXPECT_NE(out.find("best mae: "), std::string::npos) << out;
  EXPECT_NE(out.find("refitted svd"), std::string::npos) << out;
  const auto j = nlohmann::json::parse(read_file(tmp / "t.json"));
  ASSERT_EQ(j["grid"].size(), 4u);
  for (std::size_t r = 1; r < 4; ++r) {  // lowest rmse first
    EXPECT_LE(j["grid"][r - 1]["mean"]["rmse"].get<double>(), j["grid"][r]["mean"]["rmse"].get<double>());
  }
  EXPECT_EQ(j["cv"]["folds"], 2);
  EXPECT_EQ(j["best_score"]["rmse"], j["grid"][0]["mean"]["rmse"]);
  EXPECT_TRUE(j["best_params"]["rmse"].contains("n_factors"));
  EXPECT_TRUE(j["best_params"]["mae"].contains("reg_all"));
  ASSERT_TRUE(std::filesystem::exists(tmp / "model" / "manifest.json"));

  ASSERT_EQ(test::run_command(bin() + " -q export --data " + small() + " --model-dir '" +
                                  (tmp / "model").string() + "' --out '" + (tmp / "export").string() + "'",
                              out),
            0)
      << out;
  for (const char* f : {"meta.json", "user_factors.npy", "item_factors.npy", "user_bias.npy", "item_bias.npy",
                        "user_ids.npy", "item_ids.npy"}) {
    EXPECT_TRUE(std::filesystem::exists(tmp / "export" / f)) << f;
  }
  const auto meta = nlohmann::json::parse(read_file(tmp / "export" / "meta.json"));
  EXPECT_NEAR(meta["global_mean"].get<double>(), 3.501557, 1e-5);  // every rating of the data
  EXPECT_EQ(meta["n_users"], 610);
}

TEST(ExplicitCliTest, FitSavesAnExplicitModelOnTheRatings) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " -q fit --data " + small() + " --model baseline --out '" +
                                  (tmp / "m").string() + "'",
                              out),
            0)
      << out;
  EXPECT_NE(out.find("on 100836 entries"), std::string::npos) << out;  // every rating, not the positives
  ASSERT_EQ(test::run_command(bin() + " -q export --data " + small() + " --model-dir '" +
                                  (tmp / "m").string() + "' --out '" + (tmp / "x").string() + "'",
                              out),
            0)
      << out;
  const auto meta = nlohmann::json::parse(read_file(tmp / "x" / "meta.json"));
  EXPECT_NEAR(meta["global_mean"].get<double>(), 3.501557, 1e-5);
  EXPECT_EQ(meta["rating_min"], 0.5);
  EXPECT_EQ(meta["rating_max"], 5.0);
  // Another data set's ids would be wrong: export refuses it.
  EXPECT_EQ(test::run_command(bin() + " -q export --data '" + (test::fixtures_dir() / "ml-100k").string() +
                                  "' --model-dir '" + (tmp / "m").string() + "' --out '" +
                                  (tmp / "y").string() + "'",
                              out),
            2);
  EXPECT_NE(out.find("fitted on other data"), std::string::npos) << out;
  // An implicit model has no factors to export this way.
  ASSERT_EQ(
      test::run_command(
          bin() + " -q fit --data " + small() + " --model pop --out '" + (tmp / "p").string() + "'", out),
      0)
      << out;
  EXPECT_EQ(test::run_command(bin() + " -q export --data " + small() + " --model-dir '" +
                                  (tmp / "p").string() + "' --out '" + (tmp / "z").string() + "'",
                              out),
            2);
  EXPECT_NE(out.find("not an explicit-rating model"), std::string::npos) << out;
}

TEST(ExplicitCliTest, PredefinedOnTheMl100kFixture) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(
      test::run_command(bin() + " -q eval --data '" + (test::fixtures_dir() / "ml-100k").string() +
                            "' --protocol predefined --models \"baseline;svd:n_factors=2\" --metrics rmse,mae"
                            " --json '" +
                            (tmp / "r.json").string() + "'",
                        out),
      0)
      << out;
  const auto j = nlohmann::json::parse(read_file(tmp / "r.json"));
  EXPECT_EQ(j["protocol"]["splits"], 1);  // the fixture ships u1 only
  for (const auto& row : j["results"]) {
    EXPECT_EQ(row["metrics"]["test_ratings"], 2);  // u1.test
    const double rmse = row["metrics"]["rmse"].get<double>();
    EXPECT_GT(rmse, 0.0);
    EXPECT_LT(rmse, 4.0);  // clipped to the 1..5 scale
  }
}

TEST(ExplicitCliTest, MistakesFailFast) {
  std::string out;
  EXPECT_EQ(
      test::run_command(bin() + " -q eval --data " + small() + " --models svd --metrics rmse,bogus", out), 2);
  EXPECT_NE(out.find("unknown metric 'bogus'"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(
                bin() + " -q tune --data " + small() + " --models svd --grid n_factors=5,10 --cv 1", out),
            2);
  EXPECT_NE(out.find("--cv must be at least 2"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(bin() + " -q tune --data " + small() +
                                  " --models svd --grid n_factors=5,10 --cv 3 --metric bogus",
                              out),
            2);
  EXPECT_NE(out.find("unknown metric 'bogus'"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(
                bin() + " -q tune --data " + small() + " --models svd --grid n_factors=5 --out /tmp/x", out),
            2);
}

}  // namespace
}  // namespace mn
