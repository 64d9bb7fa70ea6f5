// `movienight predict`: Surprise's predict(uid, iid) with its details. Unbiased SVD, as in Surprise,
// cannot predict for an unknown id (biased SVD falls back to the baselines and says nothing).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace mn {
namespace {

TEST(PredictCli, KnownAndUnknownIdsAsSurpriseSaysThem) {
  test::TempDir tmp;
  const std::string bin = "'" + test::movienight_binary().string() + "' -q ";
  const std::string data = " --data '" + (test::datasets_dir() / "ml-latest-small").string() + "' ";
  const std::string dir = "'" + (tmp / "svd").string() + "'";
  std::string out;
  ASSERT_EQ(test::run_command(bin + "fit" + data + "--model svd:n_factors=10,n_epochs=5,biased=false --out " +
                                  dir + " 2>&1",
                              out),
            0)
      << out;
  ASSERT_EQ(test::run_command(bin + "predict" + data + "--model-dir " + dir +
                                  " --user 1 --movie 1 --movie 999999999 --json 2>&1",
                              out),
            0)
      << out;
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  const auto known = nlohmann::json::parse(line);
  EXPECT_EQ(known["uid"], 1);
  EXPECT_FALSE(known["details"]["was_impossible"].get<bool>());
  EXPECT_GE(known["est"].get<double>(), 0.5);
  EXPECT_LE(known["est"].get<double>(), 5.0);
  std::getline(lines, line);
  const auto unknown = nlohmann::json::parse(line);
  EXPECT_TRUE(unknown["details"]["was_impossible"].get<bool>());
  EXPECT_EQ(unknown["details"]["reason"], "User and/or item is unknown.");
  EXPECT_EQ(
      test::run_command(bin + "predict" + data + "--model-dir /nonexistent --user 1 --movie 1 2>&1", out), 2);
}

}  // namespace
}  // namespace mn
