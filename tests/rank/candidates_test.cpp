#include "rank/candidates.h"

#include <gtest/gtest.h>

#include <limits>

#include "util/error.h"

namespace mn {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Candidates, RankedHeadIsTheBestFirstWithTiesToTheSmallerIndex) {
  const std::vector<float> s = {1, 3, 3, -kInf, 2, 5};
  const std::vector<char> blocked = {0, 0, 0, 0, 0, 1};
  EXPECT_EQ(ranked_head(s, blocked, 3), (std::vector<std::int32_t>{1, 2, 4}));
  EXPECT_EQ(ranked_head(s, blocked, 10), (std::vector<std::int32_t>{1, 2, 4, 0}));  // 3: -inf, 5: blocked
  const std::vector<float> knn = {0, 0.5f, 0, 0.2f, 0, 0};
  EXPECT_EQ(ranked_head(knn, blocked, 10, true), (std::vector<std::int32_t>{1, 3}));  // 0 = no neighbour
  EXPECT_TRUE(ranked_head({}, blocked, 10).empty());
  EXPECT_THROW(ranked_head(s, std::vector<char>(2, 0), 3), Error);
}

TEST(Candidates, UnionOfEachSourcesTopNWithWhoProposedIt) {
  const std::vector<char> blocked(6, 0);
  const auto cf = ranked_head(std::vector<float>{5, 4, 3, 2, 1, 0}, blocked, 100);
  const auto knn = ranked_head(std::vector<float>{0, 0, 0, 0, 0.5f, 0.2f}, blocked, 100, true);
  const auto mood = ranked_head(std::vector<float>{0.1f, 0.9f, 0.2f, 0.3f, 0.4f, 0.8f}, blocked, 100);
  const std::vector<CandidateSource> sources = {{"cf", cf}, {"itemknn", knn}, {"mood", mood}};
  const CandidatePool pool = gather_candidates(sources, 2);
  EXPECT_EQ(pool.items, (std::vector<std::int32_t>{0, 1, 4, 5}));
  EXPECT_EQ(pool.per_source, (std::vector<std::size_t>{2, 2, 2}));
  EXPECT_EQ(proposers(pool, sources, 0), std::vector<std::string>{"cf"});
  EXPECT_EQ(proposers(pool, sources, 1), (std::vector<std::string>{"cf", "mood"}));
  EXPECT_EQ(proposers(pool, sources, 2), std::vector<std::string>{"itemknn"});
  EXPECT_EQ(proposers(pool, sources, 3), (std::vector<std::string>{"itemknn", "mood"}));
}

TEST(Candidates, ShortListsGiveWhatTheyHaveAndOneKindSharesAName) {
  const std::vector<std::int32_t> a = {0}, b = {2, 1}, none = {};
  const std::vector<CandidateSource> sources = {{"cf", a}, {"cf", b}, {"itemknn", none}};
  const CandidatePool pool = gather_candidates(sources, 5);
  EXPECT_EQ(pool.items, (std::vector<std::int32_t>{0, 1, 2}));
  EXPECT_EQ(pool.per_source, (std::vector<std::size_t>{1, 2, 0}));
  EXPECT_EQ(proposers(pool, sources, 2), std::vector<std::string>{"cf"});
  EXPECT_THROW(gather_candidates(sources, 0), Error);
}

}  // namespace
}  // namespace mn
