// evaluate_predictions (the `predictions` protocol) against figures worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/evaluate.h"
#include "util/error.h"

namespace mn {
namespace {

TEST(PredictionsEvalTest, HandComputedTwoUsers) {
  // User 0 ranks d (4.8, true 2), a (4.5, 5), b (4.2, 3), c (3.0, 4): relevant (>= 4) a and c.
  // User 1 ranks e (3.5, 4), f (2.0, 1): nothing is recommended (estimates < 4), e is relevant.
  // Rows interleave the users to check the grouping.
  const std::vector<RatingTriple> rows = {{0, 10, 5.0f, 0}, {1, 14, 4.0f, 0}, {0, 11, 3.0f, 0},
                                          {0, 12, 4.0f, 0}, {1, 15, 1.0f, 0}, {0, 13, 2.0f, 0}};
  const std::vector<double> est = {4.5, 3.5, 4.2, 3.0, 2.0, 4.8};
  const EvalResult r = evaluate_predictions(rows, est, {2, 3}, 4.0);
  EXPECT_EQ(r.users, 2);
  const double gain2 = 1.0 / std::log2(3.0);
  // @2: user 0 top {d, a}: 2 recommended, 1 hit; P 1/2, R 1/2, NDCG gain2 / (1 + gain2).
  //     user 1: P 0 (none recommended), R 0, NDCG 1 (e first).
  EXPECT_NEAR(r.metrics.at("precision@2"), 0.25, 1e-12);
  EXPECT_NEAR(r.metrics.at("recall@2"), 0.25, 1e-12);
  EXPECT_NEAR(r.metrics.at("ndcg@2"), (gain2 / (1 + gain2) + 1.0) / 2, 1e-12);
  // @3: user 0 top {d, a, b}: 3 recommended, 1 hit; P 1/3, R 1/2, NDCG unchanged.
  EXPECT_NEAR(r.metrics.at("precision@3"), 1.0 / 6, 1e-12);
  EXPECT_NEAR(r.metrics.at("recall@3"), 0.25, 1e-12);
  EXPECT_NEAR(r.metrics.at("ndcg@3"), (gain2 / (1 + gain2) + 1.0) / 2, 1e-12);
  // Errors 0.5, 1.2, 1.0, 2.8, 0.5, 1.0.
  EXPECT_NEAR(r.metrics.at("rmse"), std::sqrt(11.78 / 6), 1e-12);
  EXPECT_NEAR(r.metrics.at("mae"), 7.0 / 6, 1e-12);
}

TEST(PredictionsEvalTest, TiesKeepTheRowOrder) {
  // Equal estimates: the first row ranks first (Python's stable sort in Surprise's FAQ).
  const std::vector<RatingTriple> rows = {{3, 1, 2.0f, 0}, {3, 2, 5.0f, 0}};
  const std::vector<double> est = {4.0, 4.0};
  const EvalResult r = evaluate_predictions(rows, est, {1}, 4.0);
  EXPECT_EQ(r.metrics.at("precision@1"), 0.0);
  EXPECT_EQ(r.metrics.at("recall@1"), 0.0);
  EXPECT_EQ(r.metrics.at("ndcg@1"), 0.0);
  const std::vector<double> swapped = {4.0, 4.1};
  const EvalResult s = evaluate_predictions(rows, swapped, {1}, 4.0);
  EXPECT_EQ(s.metrics.at("precision@1"), 1.0);
  EXPECT_EQ(s.metrics.at("recall@1"), 1.0);
  EXPECT_EQ(s.metrics.at("ndcg@1"), 1.0);
}

TEST(PredictionsEvalTest, MismatchedSizesThrow) {
  const std::vector<RatingTriple> rows = {{0, 1, 4.0f, 0}};
  EXPECT_THROW(evaluate_predictions(rows, std::vector<double>{}, {1}, 4.0), Error);
}

}  // namespace
}  // namespace mn
