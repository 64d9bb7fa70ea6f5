#include "rank/group.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "rank/mmr.h"
#include "util/error.h"

namespace mn {
namespace {

// Two people who disagree: A loves candidates 0-4, B loves 5-9; candidate 10 is fine for both.
GroupInput disagreeing() {
  GroupInput in;
  for (std::int32_t i = 0; i < 11; ++i) in.candidates.push_back(100 + i);
  std::vector<float> a(11), b(11);
  for (int i = 0; i < 11; ++i) {
    a[static_cast<std::size_t>(i)] = i < 5 ? 10.0f - static_cast<float>(i) : static_cast<float>(-i);
    b[static_cast<std::size_t>(i)] =
        i >= 5 && i < 10 ? 20.0f - static_cast<float>(i) : static_cast<float>(-i);
  }
  a[10] = 5.5f;   // A's 6th
  b[10] = 10.5f;  // B's 6th
  in.scores = {a, b};
  return in;
}

TEST(GroupAggregation, RanksAreEachPersonsOwn) {
  const GroupRanking r = aggregate_group(disagreeing(), "average", 0.5, 11);
  ASSERT_EQ(r.order.size(), 11u);
  for (const auto& pick : r.order) {
    ASSERT_EQ(pick.person_ranks.size(), 2u);
    if (pick.candidate == 0) {
      EXPECT_EQ(pick.person_ranks[0], 1);
    } else if (pick.candidate == 5) {
      EXPECT_EQ(pick.person_ranks[1], 1);
    } else if (pick.candidate == 10) {
      EXPECT_EQ(pick.person_ranks, (std::vector<int>{6, 6}));
    }
  }
}

TEST(GroupAggregation, LeastMiseryPrefersTheCompromise) {
  const GroupRanking r = aggregate_group(disagreeing(), "least-misery", 0.5, 3);
  EXPECT_EQ(r.order[0].candidate, 10u);  // the only candidate nobody ranks low
  const GroupRanking most = aggregate_group(disagreeing(), "most-pleasure", 0.5, 2);
  EXPECT_TRUE(most.order[0].candidate == 0 || most.order[0].candidate == 5);
}

TEST(GroupAggregation, FairKeepsTheMinorityAboveItsShare) {
  // Five people, four of whom agree: the least served person's satisfaction (utility of the picks
  // over what their own top picks would give) is higher under fair than under average.
  GroupInput in;
  const int n = 100;
  for (int i = 0; i < n; ++i) in.candidates.push_back(i);
  std::vector<float> major(static_cast<std::size_t>(n)), minor(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    major[static_cast<std::size_t>(i)] = static_cast<float>(n - i);  // 0 best
    minor[static_cast<std::size_t>(i)] = static_cast<float>(i);      // 99 best
  }
  in.scores = {major, major, major, major, minor};
  const std::size_t k = 10;
  const auto least_served = [&](const GroupRanking& r) {
    double solo = 0;
    for (std::size_t t = 0; t < k; ++t) solo += 1.0 / std::log2(2.0 + static_cast<double>(t));
    double worst = 1e9;
    for (std::size_t p = 0; p < 5; ++p) {
      double got = 0;
      for (std::size_t t = 0; t < k; ++t) got += 1.0 / std::log2(1.0 + r.order[t].person_ranks[p]);
      worst = std::min(worst, got / solo);
    }
    return worst;
  };
  const double avg = least_served(aggregate_group(in, "average", 0.5, k));
  const double fair = least_served(aggregate_group(in, "fair", 0.7, k));
  EXPECT_GT(fair, avg + 0.05) << "fair " << fair << ", average " << avg;
  EXPECT_GE(fair, 0.65);
}

// n candidates; `agree` people rank them 0 best, the last person the other way round.
GroupInput majority_and_outsider(int agree, int n = 100) {
  GroupInput in;
  std::vector<float> major(static_cast<std::size_t>(n)), minor(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    in.candidates.push_back(i);
    major[static_cast<std::size_t>(i)] = static_cast<float>(n - i);
    minor[static_cast<std::size_t>(i)] = static_cast<float>(i);
  }
  in.scores.assign(static_cast<std::size_t>(agree), major);
  in.scores.push_back(minor);
  return in;
}

// A person's satisfaction in fair's terms: the chance of liking at least one of the first k picks.
double satisfaction(const GroupRanking& r, std::size_t person, std::size_t k) {
  double unmet = 1;
  for (std::size_t t = 0; t < k && t < r.order.size(); ++t)
    unmet *= 1 - like_chance(r.order[t].person_ranks[person]);
  return 1 - unmet;
}

double solo_satisfaction(std::size_t k) {
  double unmet = 1;
  for (std::size_t t = 1; t <= k; ++t) unmet *= 1 - like_chance(static_cast<int>(t));
  return 1 - unmet;
}

int own_top(const GroupRanking& r, std::size_t person, std::size_t k, int top) {
  int n = 0;
  for (std::size_t t = 0; t < k; ++t) n += r.order[t].person_ranks[person] <= top;
  return n;
}

TEST(GroupAggregation, LikeChanceFallsWithRankAsMeasured) {
  EXPECT_NEAR(like_chance(1), 0.28, 0.01);   // eval-night's holdout pairs: 0.29-0.31 at rank 1
  EXPECT_NEAR(like_chance(15), 0.13, 0.01);  // 0.12-0.13 at ranks 11-20
  EXPECT_LT(like_chance(200), 0.015);        // about 0.01 beyond 100
  for (int r = 1; r < 500; ++r) EXPECT_GT(like_chance(r), like_chance(r + 1));
}

TEST(GroupAggregation, FairGivesTheOutsiderMoreThanAverageDoes) {
  // Two people agree, the third wants the opposite: average hands the pair most of the list.
  const GroupInput in = majority_and_outsider(2);
  const std::size_t k = 10;
  const GroupRanking avg = aggregate_group(in, "average", 0.5, k);
  const GroupRanking fair = aggregate_group(in, "fair", 0.5, k);
  EXPECT_GT(own_top(fair, 2, k, 10), own_top(avg, 2, k, 10));
  EXPECT_GT(satisfaction(fair, 2, k), satisfaction(avg, 2, k) + 0.05);
  EXPECT_GE(satisfaction(fair, 2, k), 0.75 * solo_satisfaction(k));
  for (std::size_t p = 0; p < 2; ++p)
    EXPECT_GE(own_top(fair, p, k, 10), 5) << p;  // the pair still gets theirs
}

TEST(GroupAggregation, FairKeepsEveryoneAboveTheShareOfTheirSoloSatisfaction) {
  const GroupInput in = majority_and_outsider(4);
  const std::size_t k = 10;
  const GroupRanking avg = aggregate_group(in, "average", 0.7, k);
  const GroupRanking fair = aggregate_group(in, "fair", 0.7, k);
  EXPECT_LT(satisfaction(avg, 4, k), 0.7 * solo_satisfaction(k));  // average leaves the outsider out
  for (std::size_t p = 0; p < 5; ++p) {
    EXPECT_GE(satisfaction(fair, p, k), 0.7 * solo_satisfaction(k)) << p;
  }
}

TEST(GroupAggregation, FairScoresNeverRiseSoThatMmrKeepsItsOrder) {
  const GroupInput in = majority_and_outsider(2);
  const GroupRanking fair = aggregate_group(in, "fair", 0.5, 50);
  ASSERT_EQ(fair.order.size(), 50u);
  std::vector<double> scores;
  for (std::size_t t = 0; t < fair.order.size(); ++t) {
    if (t > 0) {
      EXPECT_LE(fair.order[t].score, fair.order[t - 1].score) << t;
    }
    scores.push_back(fair.order[t].score);
  }
  // MMR with lambda 1 (no diversity) takes the pool by score: fair's own order, not the mean's.
  const std::size_t dim = 2;
  std::vector<float> vectors(scores.size() * dim, 0.0f);
  const MmrResult mmr = mmr_select(scores, vectors, dim, 10, 1.0);
  for (std::size_t t = 0; t < 10; ++t) EXPECT_EQ(mmr.selected[t], t);
}

// fair's pick by a scan of every candidate, as the issue defines it: the largest value, then the
// largest mean utility, then the first candidate. The threshold walk must give the same picks.
std::vector<std::size_t> fair_by_scan(const GroupInput& in, double fair_share, std::size_t n) {
  const std::size_t people = in.scores.size(), m = in.candidates.size();
  std::vector<std::vector<int>> rank(people, std::vector<int>(m));
  for (std::size_t p = 0; p < people; ++p) {
    std::vector<std::size_t> order(m);
    for (std::size_t c = 0; c < m; ++c) order[c] = c;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return in.scores[p][a] > in.scores[p][b]; });
    for (std::size_t r = 0; r < m; ++r) rank[p][order[r]] = static_cast<int>(r + 1);
  }
  std::vector<double> unmet(people, 1.0), weight(people, 1.0);
  std::vector<char> taken(m, 0);
  std::vector<std::size_t> picks;
  double solo_unmet = 1.0;
  for (std::size_t t = 0; t < std::min(n, m); ++t) {
    solo_unmet *= 1.0 - like_chance(static_cast<int>(t + 1));
    for (std::size_t p = 0; p < people; ++p)
      weight[p] = 1.0 + std::max(0.0, fair_share - (1.0 - unmet[p]) / (1.0 - solo_unmet)) *
                            static_cast<double>(people);
    std::size_t best = m;
    double best_value = -1, best_mean = 0;
    for (std::size_t c = 0; c < m; ++c) {
      if (taken[c]) continue;
      double value = 0, mean = 0;
      for (std::size_t p = 0; p < people; ++p) {
        value += weight[p] * unmet[p] * like_chance(rank[p][c]);
        mean += 1.0 / std::log2(1.0 + rank[p][c]);
      }
      mean /= static_cast<double>(people);
      if (value > best_value || (value == best_value && mean > best_mean)) {
        best = c;
        best_value = value;
        best_mean = mean;
      }
    }
    taken[best] = 1;
    for (std::size_t p = 0; p < people; ++p) unmet[p] *= 1.0 - like_chance(rank[p][best]);
    picks.push_back(best);
  }
  return picks;
}

TEST(GroupAggregation, FairPicksWhatAScanOfEveryCandidatePicks) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t people = 1 + static_cast<std::size_t>(trial % 4);
    const std::size_t m = 20 + static_cast<std::size_t>(rng() % 400);
    GroupInput in;
    for (std::size_t c = 0; c < m; ++c) in.candidates.push_back(static_cast<std::int32_t>(c));
    // Coarse scores (many ties) on odd trials, mirrored ranks (tied values) on every third.
    for (std::size_t p = 0; p < people; ++p) {
      std::vector<float> s(m);
      for (std::size_t c = 0; c < m; ++c) {
        s[c] = trial % 2 == 1 ? static_cast<float>(rng() % 7) : static_cast<float>(rng() % 100000) / 1000.0f;
        if (trial % 3 == 0 && p == 1) s[c] = in.scores[0][m - 1 - c];
      }
      in.scores.push_back(std::move(s));
    }
    const double share = 0.25 * static_cast<double>(trial % 5);
    const GroupRanking r = aggregate_group(in, "fair", share, 50);
    const std::vector<std::size_t> want = fair_by_scan(in, share, 50);
    ASSERT_EQ(r.order.size(), want.size()) << "trial " << trial;
    for (std::size_t t = 0; t < want.size(); ++t)
      ASSERT_EQ(r.order[t].candidate, want[t]) << "trial " << trial << ", pick " << t;
  }
}

TEST(GroupAggregation, FairForOnePersonIsTheirOwnOrder) {
  GroupInput in = disagreeing();
  in.scores.resize(1);
  const GroupRanking r = aggregate_group(in, "fair", 0.5, 11);
  for (std::size_t t = 0; t < r.order.size(); ++t)
    EXPECT_EQ(r.order[t].person_ranks[0], static_cast<int>(t + 1));
}

TEST(GroupAggregation, ExcludedCandidatesNeverComeBackAndMistakesAreErrors) {
  GroupInput in = disagreeing();
  in.scores[0][3] = -std::numeric_limits<float>::infinity();
  for (const auto& method : group_aggregations()) {
    const GroupRanking r = aggregate_group(in, method, 0.5, 100);
    EXPECT_EQ(r.order.size(), 10u) << method;
    for (const auto& pick : r.order) EXPECT_NE(pick.candidate, 3u) << method;
  }
  EXPECT_THROW(aggregate_group(in, "median", 0.5, 3), Error);
  in.scores[1].pop_back();
  EXPECT_THROW(aggregate_group(in, "average", 0.5, 3), Error);
}

}  // namespace
}  // namespace mn
