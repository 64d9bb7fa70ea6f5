#pragma once
// Group aggregation: from each person's scores over the same candidates to one group order.
// Each person ranks the candidates by their own score; an item's utility for a person is
// 1 / log2(1 + rank) (the DCG gain of that position), so people with differently scaled scores
// weigh the same.
//   average        mean utility
//   least-misery   the smallest utility (nobody hates it)
//   most-pleasure  the largest utility (somebody loves it)
//   fair           each person's satisfaction at least a share of what they would get alone.
//                  Satisfaction: the chance of liking at least one pick (like_chance per pick).
//                  Greedy: each pick maximises the group's gain in satisfaction, and a person below
//                  fair_share of their solo satisfaction weighs more, so the least served pulls the
//                  next pick their way. Diminishing returns spread the list over the people.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mn {

struct GroupInput {
  std::vector<std::int32_t> candidates;    // catalog indices
  std::vector<std::vector<float>> scores;  // per person, per candidate (-infinity: excluded)
};

struct GroupPick {
  std::size_t candidate = 0;      // index into GroupInput::candidates
  double score = 0;               // the aggregated utility when picked (fair: the mean, capped so
                                  // that scores never rise along the order and MMR keeps it)
  std::vector<int> person_ranks;  // 1-based rank in each person's own order
};

struct GroupRanking {
  std::vector<GroupPick> order;  // best first
};

// fair's model of taste: the chance that a person likes the movie at their own (1-based) rank,
// kLikeAtTop * (1 + rank / kLikeRankScale)^-kLikeDecay, fitted to the hit rate by own rank of
// held-out positives in eval-night's tuning pairs (0.29 at rank 1, 0.13 at 11-20, 0.01 beyond 100).
inline constexpr double kLikeAtTop = 0.3;
inline constexpr double kLikeRankScale = 15;
inline constexpr double kLikeDecay = 1.2;
double like_chance(int rank);

// "average", "least-misery", "most-pleasure", "fair".
const std::vector<std::string>& group_aggregations();

// The n best candidates for the group (fewer when fewer exist). Throws kInvalidInput for an unknown
// method or mismatched sizes.
GroupRanking aggregate_group(const GroupInput& input, const std::string& method, double fair_share,
                             std::size_t n);

}  // namespace mn
