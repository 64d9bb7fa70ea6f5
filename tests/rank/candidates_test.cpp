#include "rank/candidates.h"

#include <gtest/gtest.h>

#include <limits>

#include "util/error.h"

namespace mn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Candidates, UnionOfEachSourcesTopNWithWhoProposedIt) {
  const std::vector<float> cf = {5, 4, 3, 2, 1, 0};
  const std::vector<float> knn = {0, 0, 0, 0, 0.5f, 0.2f};  // only 4 and 5 are neighbours
  const std::vector<float> mood = {0.1f, 0.9f, 0.2f, 0.3f, 0.4f, 0.8f};
  const std::vector<CandidateSource> sources = {
      {"cf", cf, false}, {"itemknn", knn, true}, {"mood", mood, false}};
  const std::vector<char> blocked(6, 0);
  const CandidatePool pool = gather_candidates(sources, blocked, 2);
  EXPECT_EQ(pool.items, (std::vector<std::int32_t>{0, 1, 4, 5}));
  EXPECT_EQ(pool.per_source, (std::vector<std::size_t>{2, 2, 2}));
  EXPECT_EQ(proposers(pool, sources, 0), std::vector<std::string>{"cf"});
  EXPECT_EQ(proposers(pool, sources, 1), (std::vector<std::string>{"cf", "mood"}));
  EXPECT_EQ(proposers(pool, sources, 2), std::vector<std::string>{"itemknn"});
  EXPECT_EQ(proposers(pool, sources, 3), (std::vector<std::string>{"itemknn", "mood"}));
}

TEST(Candidates, BlockedExcludedAndNonNeighboursNeverProposed) {
  const std::vector<float> cf = {5, 4, -kInf, 2};
  const std::vector<float> knn = {0, 0, 0, 0};
  const std::vector<CandidateSource> sources = {{"cf", cf, false}, {"itemknn", knn, true}};
  const std::vector<char> blocked = {1, 0, 0, 0};
  const CandidatePool pool = gather_candidates(sources, blocked, 10);
  EXPECT_EQ(pool.items, (std::vector<std::int32_t>{1, 3}));  // 0 blocked, 2 excluded by -infinity
  EXPECT_EQ(pool.per_source, (std::vector<std::size_t>{2, 0}));
}

TEST(Candidates, TwoPeoplesSourcesOfOneKindShareAName) {
  const std::vector<float> a = {1, 0, 0}, b = {0, 0, 1};
  const std::vector<CandidateSource> sources = {{"cf", a, false}, {"cf", b, false}};
  const CandidatePool pool = gather_candidates(sources, std::vector<char>(3, 0), 1);
  EXPECT_EQ(pool.items, (std::vector<std::int32_t>{0, 2}));
  EXPECT_EQ(proposers(pool, sources, 1), std::vector<std::string>{"cf"});
}

TEST(Candidates, MismatchedSizesAndBadNThrow) {
  const std::vector<float> cf = {1, 2};
  const std::vector<CandidateSource> sources = {{"cf", cf, false}};
  EXPECT_THROW(gather_candidates(sources, std::vector<char>(3, 0), 5), Error);
  EXPECT_THROW(gather_candidates(sources, std::vector<char>(2, 0), 0), Error);
}

}  // namespace
}  // namespace mn
