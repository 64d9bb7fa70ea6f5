#include "rank/group.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "util/error.h"

namespace mn {

double like_chance(int rank) {
  return kLikeAtTop * std::pow(1.0 + static_cast<double>(rank) / kLikeRankScale, -kLikeDecay);
}

const std::vector<std::string>& group_aggregations() {
  static const std::vector<std::string> names = {"average", "least-misery", "most-pleasure", "fair"};
  return names;
}

GroupRanking aggregate_group(const GroupInput& input, const std::string& method, double fair_share,
                             std::size_t n) {
  const auto& names = group_aggregations();
  if (std::find(names.begin(), names.end(), method) == names.end()) {
    throw Error(ErrorKind::kInvalidInput, "unknown group aggregation '" + method +
                                              "'; known: average, least-misery, most-pleasure, fair");
  }
  const std::size_t people = input.scores.size();
  const std::size_t m = input.candidates.size();
  if (people == 0) throw Error(ErrorKind::kInvalidInput, "a group needs at least one person");
  for (const auto& s : input.scores) {
    if (s.size() != m) throw Error(ErrorKind::kInvalidInput, "group scores must cover every candidate");
  }
  // Each person's ranks and utilities.
  std::vector<std::vector<int>> rank(people, std::vector<int>(m));
  std::vector<std::vector<double>> utility(people, std::vector<double>(m));
  std::vector<char> usable(m, 1);
  for (std::size_t p = 0; p < people; ++p) {
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    const auto& s = input.scores[p];
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    for (std::size_t r = 0; r < m; ++r) {
      rank[p][order[r]] = static_cast<int>(r + 1);
      utility[p][order[r]] = std::isfinite(s[order[r]]) ? 1.0 / std::log2(2.0 + static_cast<double>(r)) : 0.0;
      if (!std::isfinite(s[order[r]])) usable[order[r]] = 0;
    }
  }
  const auto aggregate = [&](std::size_t c) {
    double mean = 0, lo = 1e300, hi = -1e300;
    for (std::size_t p = 0; p < people; ++p) {
      mean += utility[p][c];
      lo = std::min(lo, utility[p][c]);
      hi = std::max(hi, utility[p][c]);
    }
    mean /= static_cast<double>(people);
    if (method == "least-misery") return lo;
    if (method == "most-pleasure") return hi;
    return mean;
  };
  const auto make_pick = [&](std::size_t c, double score) {
    GroupPick pick;
    pick.candidate = c;
    pick.score = score;
    for (std::size_t p = 0; p < people; ++p) pick.person_ranks.push_back(rank[p][c]);
    return pick;
  };
  GroupRanking out;
  std::vector<std::size_t> pool;
  for (std::size_t c = 0; c < m; ++c) {
    if (usable[c]) pool.push_back(c);
  }
  n = std::min(n, pool.size());
  if (method != "fair") {
    std::vector<double> value(m);
    for (const std::size_t c : pool) value[c] = aggregate(c);
    std::stable_sort(pool.begin(), pool.end(), [&](std::size_t a, std::size_t b) {
      // Ties (least-misery has many) go to the better mean.
      if (value[a] != value[b]) return value[a] > value[b];
      double ma = 0, mb = 0;
      for (std::size_t p = 0; p < people; ++p) {
        ma += utility[p][a];
        mb += utility[p][b];
      }
      return ma > mb;
    });
    for (std::size_t t = 0; t < n; ++t) out.order.push_back(make_pick(pool[t], value[pool[t]]));
    return out;
  }
  // fair: greedy over each person's satisfaction, the chance that they like at least one pick.
  // A pick adds, per person, weight * P(nothing liked so far) * like_chance(their rank); the weight
  // is 1, plus a bonus while their satisfaction is below fair_share of what their own top picks
  // would give them alone (the same for everyone: like_chance depends on the rank only).
  std::vector<std::vector<double>> like(people, std::vector<double>(m, 0.0));
  for (std::size_t p = 0; p < people; ++p) {
    for (const std::size_t c : pool) like[p][c] = like_chance(rank[p][c]);
  }
  std::vector<double> unmet(people, 1.0);  // chance that nothing picked so far is liked
  std::vector<double> weight(people, 1.0);
  std::vector<char> taken(m, 0);
  double solo_unmet = 1.0;
  for (std::size_t t = 0; t < n; ++t) {
    solo_unmet *= 1.0 - like_chance(static_cast<int>(t + 1));
    const double solo = 1.0 - solo_unmet;
    for (std::size_t p = 0; p < people; ++p) {
      weight[p] = 1.0 + std::max(0.0, fair_share - (1.0 - unmet[p]) / solo) * static_cast<double>(people);
    }
    std::size_t best = m;
    double best_value = -1.0, best_mean = 0;
    for (const std::size_t c : pool) {
      if (taken[c]) continue;
      double value = 0, mean = 0;
      for (std::size_t p = 0; p < people; ++p) {
        value += weight[p] * unmet[p] * like[p][c];
        mean += utility[p][c];
      }
      mean /= static_cast<double>(people);
      if (value > best_value || (value == best_value && mean > best_mean)) {
        best_value = value;
        best = c;
        best_mean = mean;
      }
    }
    if (best == m) break;
    taken[best] = 1;
    for (std::size_t p = 0; p < people; ++p) unmet[p] *= 1.0 - like[p][best];
    // The mean utility, never above the previous pick's: whatever ranks by score afterwards (MMR)
    // keeps the fair order.
    if (!out.order.empty()) best_mean = std::min(best_mean, out.order.back().score);
    out.order.push_back(make_pick(best, best_mean));
  }
  return out;
}

}  // namespace mn
