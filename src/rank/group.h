#pragma once
// Group aggregation: from each person's scores over the same candidates to one group order.
// Each person ranks the candidates by their own score; an item's utility for a person is
// 1 / log2(1 + rank) (the DCG gain of that position), so people with differently scaled scores
// weigh the same.
//   average        mean utility
//   least-misery   the smallest utility (nobody hates it)
//   most-pleasure  the largest utility (somebody loves it)
//   fair           greedy: mean utility, plus a bonus for the people whose satisfaction so far
//                  (utility of the picks) is below fair_share of what their own top picks would
//                  have given them; the least served person pulls the next pick their way
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
  double score = 0;               // the aggregated utility when it was picked
  std::vector<int> person_ranks;  // 1-based rank in each person's own order
};

struct GroupRanking {
  std::vector<GroupPick> order;  // best first
};

// "average", "least-misery", "most-pleasure", "fair".
const std::vector<std::string>& group_aggregations();

// The n best candidates for the group (fewer when fewer exist). Throws kInvalidInput for an unknown
// method or mismatched sizes.
GroupRanking aggregate_group(const GroupInput& input, const std::string& method, double fair_share,
                             std::size_t n);

}  // namespace mn
