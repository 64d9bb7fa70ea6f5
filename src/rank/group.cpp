#include "rank/group.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

#include "util/error.h"
#include "util/sort_key.h"

namespace mn {

namespace {

double like_chance_formula(int rank) {
  return kLikeAtTop * std::pow(1.0 + static_cast<double>(rank) / kLikeRankScale, -kLikeDecay);
}

// A group ranks a few thousand candidates per person: a table spares a pow per rank.
constexpr int kTabulatedRanks = 8192;

// NDCG's gain at 0-based rank r, tabulated like like_chance.
double rank_utility(std::size_t r) {
  static const std::vector<double> table = [] {
    std::vector<double> t(kTabulatedRanks);
    for (std::size_t k = 0; k < t.size(); ++k) t[k] = 1.0 / std::log2(2.0 + static_cast<double>(k));
    return t;
  }();
  return r < table.size() ? table[r] : 1.0 / std::log2(2.0 + static_cast<double>(r));
}

}  // namespace

double like_chance(int rank) {
  static const std::vector<double> table = [] {
    std::vector<double> t(kTabulatedRanks);
    for (int r = 0; r < kTabulatedRanks; ++r) t[static_cast<std::size_t>(r)] = like_chance_formula(r);
    return t;
  }();
  return rank >= 0 && rank < kTabulatedRanks ? table[static_cast<std::size_t>(rank)]
                                             : like_chance_formula(rank);
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
  std::vector<std::uint64_t> order(m);
  // by_rank[p][r]: the candidate at p's rank r + 1
  std::vector<std::vector<std::uint32_t>> by_rank(people, std::vector<std::uint32_t>(m));
  for (std::size_t p = 0; p < people; ++p) {
    // Best score first, ties in candidate order (as a stable sort would); NaN sorts last, like
    // -infinity.
    const auto& s = input.scores[p];
    for (std::size_t c = 0; c < m; ++c) {
      const float v = std::isnan(s[c]) ? -std::numeric_limits<float>::infinity() : s[c];
      order[c] = best_first_key(v, static_cast<std::uint32_t>(c));
    }
    std::sort(order.begin(), order.end());
    for (std::size_t r = 0; r < m; ++r) {
      const std::size_t c = key_index(order[r]);
      by_rank[p][r] = static_cast<std::uint32_t>(c);
      rank[p][c] = static_cast<int>(r + 1);
      utility[p][c] = std::isfinite(s[c]) ? rank_utility(r) : 0.0;
      if (!std::isfinite(s[c])) usable[c] = 0;
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
    // The best value, then the best mean utility, then the first candidate. Fagin's threshold
    // algorithm: walk every person's list rank by rank; a candidate not met yet is below all of
    // them, so its value is at most the threshold (like_chance falls with the rank), and the walk
    // stops once the threshold is under the best value met. The same pick as a scan of every
    // candidate, in a few dozen steps instead of thousands.
    std::size_t best = m;
    double best_value = -1.0, best_mean = 0;
    for (std::size_t r = 0; r < m; ++r) {
      for (std::size_t q = 0; q < people; ++q) {
        const std::size_t c = by_rank[q][r];
        if (!usable[c] || taken[c]) continue;
        double value = 0, mean = 0;
        for (std::size_t p = 0; p < people; ++p) {
          value += weight[p] * unmet[p] * like[p][c];
          mean += utility[p][c];
        }
        mean /= static_cast<double>(people);
        if (value > best_value ||
            (value == best_value && (mean > best_mean || (mean == best_mean && c < best)))) {
          best_value = value;
          best = c;
          best_mean = mean;
        }
      }
      double threshold = 0;
      const double below = like_chance(static_cast<int>(r + 1));
      for (std::size_t p = 0; p < people; ++p) threshold += weight[p] * unmet[p] * below;
      if (threshold < best_value) break;
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
