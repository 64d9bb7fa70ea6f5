#include "rank/candidates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

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

// The head by its definition: (score, item) pairs of the eligible items, sorted.
std::vector<std::int32_t> head_by_sort(const std::vector<float>& s, const std::vector<char>& blocked,
                                       std::size_t depth, bool positive_only) {
  std::vector<std::pair<float, std::int32_t>> e;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!blocked[i] && std::isfinite(s[i]) && (!positive_only || s[i] > 0))
      e.emplace_back(s[i], static_cast<std::int32_t>(i));
  }
  std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::int32_t> head;
  for (std::size_t r = 0; r < e.size() && r < depth; ++r) head.push_back(e[r].second);
  return head;
}

TEST(Candidates, RankedHeadMatchesASortOnAnyScores) {
  // Wide and narrow ranges, coarse ties, signed zeros, NaN and infinities, many blocked items: the
  // histogram ahead of the selection must never leave an item of the head behind.
  std::mt19937 rng(3);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 1 + rng() % 3000;
    std::vector<float> s(n);
    std::vector<char> blocked(n);
    std::normal_distribution<float> normal(0.0f, trial % 3 == 0 ? 1e-30f : (trial % 3 == 1 ? 1.0f : 1e30f));
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = trial % 4 == 0 ? static_cast<float>(static_cast<int>(rng() % 9) - 4) : normal(rng);
      const unsigned special = rng() % 50;
      if (special == 0) s[i] = std::numeric_limits<float>::quiet_NaN();
      if (special == 1) s[i] = kInf;
      if (special == 2) s[i] = -kInf;
      if (special == 3) s[i] = -0.0f;
      if (special == 4) s[i] = std::numeric_limits<float>::max();
      blocked[i] = static_cast<char>(rng() % 5 == 0);
    }
    for (const std::size_t depth : {std::size_t{0}, std::size_t{1}, std::size_t{17}, n / 3, n + 5}) {
      for (const bool positive : {false, true}) {
        ASSERT_EQ(ranked_head(s, blocked, depth, positive), head_by_sort(s, blocked, depth, positive))
            << "trial " << trial << ", depth " << depth << ", positive only " << positive;
      }
    }
  }
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
