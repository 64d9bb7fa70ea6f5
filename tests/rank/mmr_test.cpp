#include "rank/mmr.h"

#include <gtest/gtest.h>

namespace mn {
namespace {

// Items 0-2 are near-copies of one direction, 3 and 4 point elsewhere.
std::vector<float> vectors() { return {1, 0, 0, 0.99f, 0.141f, 0, 0.98f, 0.199f, 0, 0, 1, 0, 0, 0, 1}; }

TEST(Mmr, LambdaOneKeepsTheOrderAndLowerLambdaDiversifies) {
  const std::vector<double> relevance = {1.0, 0.95, 0.9, 0.5, 0.4};
  EXPECT_EQ(mmr_select(relevance, vectors(), 3, 3, 1.0).selected, (std::vector<std::size_t>{0, 1, 2}));
  const auto diverse = mmr_select(relevance, vectors(), 3, 3, 0.5).selected;
  EXPECT_EQ(diverse, (std::vector<std::size_t>{0, 3, 4}));
  EXPECT_EQ(mmr_select(relevance, vectors(), 3, 10, 0.7).selected.size(), 5u);
}

TEST(Mmr, DiversityReportComparesThePoolHeadWithThePicks) {
  const std::vector<std::vector<std::string>> genres = {
      {"Comedy"}, {"Comedy"}, {"Comedy"}, {"Horror"}, {"Drama"}};
  const DiversityReport r = diversity_report(vectors(), 3, genres, {0, 3, 4}, 3);
  EXPECT_GT(r.ils_before, 0.9);
  EXPECT_NEAR(r.ils_after, 0.0, 1e-6);
  EXPECT_NEAR(r.genre_coverage_before, 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(r.genre_coverage_after, 1.0, 1e-9);
}

TEST(Mmr, DoubleFeaturesPairSimilarMoodsWithOtherGenres) {
  const std::vector<std::vector<std::string>> genres = {
      {"Comedy"}, {"Comedy"}, {"Drama"}, {"Horror"}, {"Drama"}};
  const auto pairs = pair_double_features({0, 1, 2, 3}, vectors(), 3, genres);
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0], 0u);
  EXPECT_EQ(pairs[1], 2u);  // as close as 1 in content, and a different genre
}

TEST(Mmr, DoubleFeaturesAvoidAnOverlongEvening) {
  const std::vector<std::vector<std::string>> genres = {
      {"Comedy"}, {"Comedy"}, {"Drama"}, {"Horror"}, {"Drama"}};
  // 0 + 2 would run 6 hours; 0 + 1 fits in the evening, so the pairing changes.
  const std::vector<float> runtimes = {120, 100, 240, 90, 0};
  const auto pairs = pair_double_features({0, 1, 2, 3}, vectors(), 3, genres, runtimes, 240);
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0], 0u);
  EXPECT_EQ(pairs[1], 1u);
  // An unknown runtime is no penalty.
  const std::vector<float> unknown = {120, 100, 0, 90, 0};
  EXPECT_EQ(pair_double_features({0, 1, 2, 3}, vectors(), 3, genres, unknown, 240)[1], 2u);
  EXPECT_EQ(total_runtime_text(100, 92), "3 h 12 min");
  EXPECT_EQ(total_runtime_text(100, 0), "");
}

}  // namespace
}  // namespace mn
