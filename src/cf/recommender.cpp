#include "cf/recommender.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mn {

std::vector<ScoredItem> top_k(std::span<const float> scores, int k) {
  std::vector<ScoredItem> out;
  if (k <= 0) return out;
  const auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  // A bounded heap: its top is the worst of the k kept so far.
  out.reserve(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const float s = scores[i];
    if (std::isnan(s) || s == -std::numeric_limits<float>::infinity()) continue;
    const ScoredItem cand{static_cast<std::int32_t>(i), s};
    if (out.size() < static_cast<std::size_t>(k)) {
      out.push_back(cand);
      std::push_heap(out.begin(), out.end(), better);
    } else if (better(cand, out.front())) {
      std::pop_heap(out.begin(), out.end(), better);
      out.back() = cand;
      std::push_heap(out.begin(), out.end(), better);
    }
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

void exclude_items(std::span<float> scores, std::span<const std::int32_t> items) {
  for (const std::int32_t i : items) {
    if (i >= 0 && static_cast<std::size_t>(i) < scores.size()) {
      scores[static_cast<std::size_t>(i)] = -std::numeric_limits<float>::infinity();
    }
  }
}

std::vector<ScoredItem> recommend(const Recommender& model, std::int32_t user, int k, const CsrMatrix* seen) {
  std::vector<float> scores(static_cast<std::size_t>(model.n_items()));
  model.score(user, scores);
  if (seen != nullptr && user < seen->rows) exclude_items(scores, seen->row_indices(user));
  return top_k(scores, k);
}

std::vector<ScoredItem> recommend_history(const Recommender& model, std::span<const std::int32_t> items,
                                          std::span<const float> values, int k, bool exclude_history) {
  std::vector<float> scores(static_cast<std::size_t>(model.n_items()));
  model.score_history(items, values, scores);
  if (exclude_history) exclude_items(scores, items);
  return top_k(scores, k);
}

}  // namespace mn
