// Every metric against a hand-computed example.
#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "util/error.h"

namespace mn {
namespace {

// Ranked list [5, 1, 7, 3, 9], relevant {1, 3, 4}: hits at ranks 2 and 4.
const std::vector<std::int32_t> kRanked = {5, 1, 7, 3, 9};
const std::vector<std::int32_t> kRelevant = {1, 3, 4};

TEST(Metrics, HandComputedAtFive) {
  RankingMetrics m({5});
  m.add({kRanked, kRelevant});
  const auto v = m.means();
  EXPECT_DOUBLE_EQ(v.at("hr@5"), 1.0);
  EXPECT_DOUBLE_EQ(v.at("recall@5"), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(v.at("trecall@5"), 2.0 / 3.0);  // min(5, 3) = 3
  EXPECT_DOUBLE_EQ(v.at("precision@5"), 2.0 / 5.0);
  const double dcg = 1 / std::log2(3.0) + 1 / std::log2(5.0);
  const double idcg = 1 / std::log2(2.0) + 1 / std::log2(3.0) + 1 / std::log2(4.0);
  EXPECT_DOUBLE_EQ(v.at("ndcg@5"), dcg / idcg);
  EXPECT_DOUBLE_EQ(v.at("map@5"), (1.0 / 2 + 2.0 / 4) / 3.0);
  EXPECT_DOUBLE_EQ(v.at("mrr@5"), 0.5);
}

TEST(Metrics, CutOffBelowTheHitsAndTheTwoRecalls) {
  RankingMetrics m({1, 2});
  m.add({kRanked, kRelevant});
  const auto v = m.means();
  EXPECT_DOUBLE_EQ(v.at("hr@1"), 0.0);
  EXPECT_DOUBLE_EQ(v.at("ndcg@1"), 0.0);
  EXPECT_DOUBLE_EQ(v.at("mrr@1"), 0.0);
  EXPECT_DOUBLE_EQ(v.at("recall@2"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(v.at("trecall@2"), 1.0 / 2.0);  // min(2, 3) = 2
  EXPECT_DOUBLE_EQ(v.at("ndcg@2"), (1 / std::log2(3.0)) / (1 + 1 / std::log2(3.0)));
  EXPECT_DOUBLE_EQ(v.at("map@2"), (1.0 / 2) / 2.0);
}

TEST(Metrics, AveragesOverUsersAndKeepsPerUserValues) {
  RankingMetrics m({1});
  const std::vector<std::int32_t> a = {1}, b = {2};
  m.add({a, a});  // hit
  m.add({a, b});  // miss
  EXPECT_EQ(m.users(), 2);
  EXPECT_DOUBLE_EQ(m.means().at("hr@1"), 0.5);
  EXPECT_EQ(m.per_user("hr@1"), (std::vector<double>{1.0, 0.0}));
}

TEST(Metrics, MergeEqualsAddingInOrder) {
  RankingMetrics whole({3}), left({3}), right({3});
  const std::vector<std::int32_t> r1 = {1, 2, 3}, t1 = {3}, r2 = {4, 5, 6}, t2 = {4, 9};
  whole.add({r1, t1});
  whole.add({r2, t2});
  left.add({r1, t1});
  right.add({r2, t2});
  left.merge(right);
  EXPECT_EQ(left.means(), whole.means());
  EXPECT_EQ(left.per_user("ndcg@3"), whole.per_user("ndcg@3"));
}

TEST(Metrics, CoverageIlsAndGenreCoverage) {
  ItemGenres g;
  g.genres = {{0}, {0, 1}, {1}, {2}};  // four items, three genres
  g.n_genres = 3;
  EXPECT_DOUBLE_EQ(g.jaccard(0, 1), 0.5);
  EXPECT_DOUBLE_EQ(g.jaccard(0, 2), 0.0);
  RankingMetrics m({2}, &g, 4);
  const std::vector<std::int32_t> r1 = {0, 1}, r2 = {2, 3}, none = {9};
  m.add({r1, none});
  m.add({r2, none});
  const auto v = m.means();
  EXPECT_DOUBLE_EQ(v.at("coverage@2"), 1.0);         // all four items recommended
  EXPECT_DOUBLE_EQ(v.at("ils@2"), (0.5 + 0.0) / 2);  // one pair per list
  EXPECT_DOUBLE_EQ(v.at("genre_coverage@2"), (2.0 / 3 + 2.0 / 3) / 2);
}

TEST(Metrics, RatingErrors) {
  RatingErrors e;
  e.add(4.0, 5.0);
  e.add(3.0, 1.0);
  EXPECT_DOUBLE_EQ(e.rmse(), std::sqrt((1.0 + 4.0) / 2));
  EXPECT_DOUBLE_EQ(e.mae(), 1.5);
}

TEST(Metrics, ParseKs) {
  EXPECT_EQ(parse_ks("10,20,100"), (std::vector<int>{10, 20, 100}));
  EXPECT_THROW(parse_ks("10,x"), Error);
  EXPECT_THROW(parse_ks("0"), Error);
}

}  // namespace
}  // namespace mn
