#include "eval/evaluate.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "util/error.h"

namespace mn {
namespace {

constexpr float kExcluded = -std::numeric_limits<float>::infinity();

// Held-out items grouped by user, users ascending.
std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> group_by_user(
    const std::vector<RatingTriple>& rows) {
  std::map<std::int32_t, std::vector<std::int32_t>> by_user;
  for (const RatingTriple& t : rows) by_user[t.user].push_back(t.item);
  return {by_user.begin(), by_user.end()};
}

int max_k(const EvalOptions& o) { return *std::max_element(o.ks.begin(), o.ks.end()); }

// Runs body(user_index, scores_buffer, metrics) over contiguous blocks of users in parallel and
// merges the per-thread metrics in block order.
template <typename Body>
EvalResult run_parallel(std::size_t n, std::int32_t n_items, const std::vector<char>& candidate,
                        const EvalOptions& o, Body body) {
  const int threads = std::max(1, std::min<int>(o.threads > 0 ? o.threads : omp_get_max_threads(),
                                                static_cast<int>(std::max<std::size_t>(n, 1))));
  const auto n_candidates = static_cast<std::int32_t>(std::count(candidate.begin(), candidate.end(), 1));
  std::vector<RankingMetrics> parts;
  for (int t = 0; t < threads; ++t)
    parts.emplace_back(o.ks, o.genres, static_cast<std::int32_t>(candidate.size()));
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    const auto team = static_cast<std::size_t>(omp_get_num_threads());
    std::vector<float> scores(static_cast<std::size_t>(n_items));
    for (std::size_t k = n * t / team; k < n * (t + 1) / team; ++k) body(k, scores, parts[t]);
  }
  EvalResult result;
  result.detail = RankingMetrics(o.ks, o.genres, static_cast<std::int32_t>(candidate.size()));
  for (const RankingMetrics& p : parts) result.detail.merge(p);
  result.metrics = result.detail.means();
  // Catalog coverage is over the candidate items, not every catalog entry.
  for (auto& [name, value] : result.metrics) {
    if (name.rfind("coverage@", 0) == 0 && n_candidates > 0) {
      value = value * static_cast<double>(candidate.size()) / static_cast<double>(n_candidates);
    }
  }
  result.users = result.detail.users();
  return result;
}

void mask_non_candidates(std::vector<float>& scores, const std::vector<char>& candidate) {
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!candidate[i]) scores[i] = kExcluded;
  }
}

std::vector<std::int32_t> ranked_items(const std::vector<float>& scores, int k) {
  std::vector<std::int32_t> out;
  for (const ScoredItem& s : top_k(scores, k)) out.push_back(s.item);
  return out;
}

}  // namespace

EvalResult evaluate_ranking(const Recommender& model, const CsrMatrix& known,
                            const std::vector<RatingTriple>& heldout, const std::vector<char>& candidate,
                            const EvalOptions& o) {
  const auto users = group_by_user(heldout);
  const int k = max_k(o);
  return run_parallel(users.size(), model.n_items(), candidate, o,
                      [&](std::size_t idx, std::vector<float>& scores, RankingMetrics& metrics) {
                        const auto& [user, items] = users[idx];
                        model.score(user, scores);
                        mask_non_candidates(scores, candidate);
                        if (user < known.rows) exclude_items(scores, known.row_indices(user));
                        const auto ranked = ranked_items(scores, k);
                        metrics.add({ranked, items});
                      });
}

EvalResult evaluate_fold_in(const Recommender& model, const std::vector<RatingTriple>& fold_in,
                            const std::vector<RatingTriple>& heldout, const std::vector<char>& candidate,
                            const EvalOptions& o) {
  const auto users = group_by_user(heldout);
  std::unordered_map<std::int32_t, std::pair<std::vector<std::int32_t>, std::vector<float>>> history;
  for (const RatingTriple& t : fold_in) {
    auto& h = history[t.user];
    h.first.push_back(t.item);
    h.second.push_back(1.0f);
  }
  const int k = max_k(o);
  return run_parallel(users.size(), model.n_items(), candidate, o,
                      [&](std::size_t idx, std::vector<float>& scores, RankingMetrics& metrics) {
                        const auto& [user, items] = users[idx];
                        static const std::pair<std::vector<std::int32_t>, std::vector<float>> kNone;
                        const auto it = history.find(user);
                        const auto& h = it == history.end() ? kNone : it->second;
                        model.score_history(h.first, h.second, scores);
                        mask_non_candidates(scores, candidate);
                        exclude_items(scores, h.first);
                        const auto ranked = ranked_items(scores, k);
                        metrics.add({ranked, items});
                      });
}

EvalResult evaluate_sampled(const Recommender& model, const Split& split, const EvalOptions& o) {
  const int k = max_k(o);
  return run_parallel(split.test.size(), model.n_items(), split.candidate, o,
                      [&](std::size_t idx, std::vector<float>& scores, RankingMetrics& metrics) {
                        const RatingTriple& t = split.test[idx];
                        model.score(t.user, scores);
                        // Only the test item and its negatives compete.
                        std::vector<float> pool(scores.size(), kExcluded);
                        pool[static_cast<std::size_t>(t.item)] = scores[static_cast<std::size_t>(t.item)];
                        for (const std::int32_t n : split.sampled_negatives[idx]) {
                          pool[static_cast<std::size_t>(n)] = scores[static_cast<std::size_t>(n)];
                        }
                        const auto ranked = ranked_items(pool, k);
                        const std::int32_t relevant[1] = {t.item};
                        metrics.add({ranked, relevant});
                      });
}

EvalResult evaluate_predictions(std::span<const RatingTriple> heldout, std::span<const double> estimates,
                                const std::vector<int>& ks, double threshold) {
  if (estimates.size() != heldout.size()) {
    throw Error(ErrorKind::kInternal, "evaluate_predictions: " + std::to_string(estimates.size()) +
                                          " estimates for " + std::to_string(heldout.size()) + " rows");
  }
  std::map<std::int32_t, std::vector<std::size_t>> by_user;  // row indices, in row order
  RatingErrors errors;
  for (std::size_t r = 0; r < heldout.size(); ++r) {
    by_user[heldout[r].user].push_back(r);
    errors.add(estimates[r], static_cast<double>(heldout[r].rating));
  }
  std::map<std::string, double> sums;
  for (auto& [user, rows] : by_user) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](std::size_t a, std::size_t b) { return estimates[a] > estimates[b]; });
    auto relevant = [&](std::size_t r) { return static_cast<double>(heldout[r].rating) >= threshold; };
    const auto n_relevant = static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), relevant));
    for (const int k : ks) {
      const std::size_t top = std::min(rows.size(), static_cast<std::size_t>(std::max(k, 0)));
      std::size_t recommended = 0, hits = 0;
      double dcg = 0, idcg = 0;
      for (std::size_t p = 0; p < top; ++p) {
        const std::size_t r = rows[p];
        const double gain = 1.0 / std::log2(static_cast<double>(p) + 2.0);
        if (relevant(r)) dcg += gain;
        if (p < n_relevant) idcg += gain;
        if (estimates[r] >= threshold) {
          ++recommended;
          if (relevant(r)) ++hits;
        }
      }
      const std::string at = "@" + std::to_string(k);
      sums["precision" + at] +=
          recommended > 0 ? static_cast<double>(hits) / static_cast<double>(recommended) : 0;
      sums["recall" + at] += n_relevant > 0 ? static_cast<double>(hits) / static_cast<double>(n_relevant) : 0;
      sums["ndcg" + at] += idcg > 0 ? dcg / idcg : 0;
    }
  }
  EvalResult result;
  result.users = static_cast<std::int64_t>(by_user.size());
  for (const auto& [name, sum] : sums) result.metrics[name] = sum / static_cast<double>(by_user.size());
  if (errors.count > 0) {
    result.metrics["rmse"] = errors.rmse();
    result.metrics["mae"] = errors.mae();
  }
  return result;
}

ItemGenres item_genres(const Catalog& catalog) {
  ItemGenres g;
  std::map<std::string, std::int16_t> ids;
  g.genres.resize(static_cast<std::size_t>(catalog.size()));
  for (std::int32_t i = 0; i < catalog.size(); ++i) {
    auto& mine = g.genres[static_cast<std::size_t>(i)];
    for (const auto& name : catalog[i].genres) {
      const auto [it, added] = ids.emplace(name, static_cast<std::int16_t>(ids.size()));
      mine.push_back(it->second);
    }
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  }
  g.n_genres = static_cast<int>(ids.size());
  return g;
}

}  // namespace mn
