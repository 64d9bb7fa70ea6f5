#pragma once
// Runs a fitted model over held-out data and averages the metrics. Users are evaluated in
// parallel in fixed contiguous blocks, so per-user results come out in user order whatever the
// thread count.
#include <map>
#include <span>
#include <string>
#include <vector>

#include "cf/recommender.h"
#include "data/catalog.h"
#include "eval/metrics.h"
#include "eval/split.h"

namespace mn {

struct EvalOptions {
  std::vector<int> ks = {10};
  int threads = 0;
  const ItemGenres* genres = nullptr;
};

struct EvalResult {
  std::map<std::string, double> metrics;
  std::int64_t users = 0;
  RankingMetrics detail{{10}};
};

// Full ranking: each user with held-out rows ranks every candidate item except those in `known`
// (the matrix the model was fitted on).
EvalResult evaluate_ranking(const Recommender& model, const CsrMatrix& known,
                            const std::vector<RatingTriple>& heldout, const std::vector<char>& candidate,
                            const EvalOptions& options);
// strong protocol: held-out users are scored from their fold-in history (not seen in training).
EvalResult evaluate_fold_in(const Recommender& model, const std::vector<RatingTriple>& fold_in,
                            const std::vector<RatingTriple>& heldout, const std::vector<char>& candidate,
                            const EvalOptions& options);
// sampled protocol: each test item ranked against its sampled negatives only.
EvalResult evaluate_sampled(const Recommender& model, const Split& split, const EvalOptions& options);

// predictions protocol (Surprise's FAQ "precision@k and recall@k from predictions"): each user
// ranks only their own held-out rows by estimate (descending; ties keep the rows' order).
// relevant = true rating >= threshold; recommended = in the top k with estimate >= threshold.
//   precision@K  |relevant ∩ recommended| / |recommended|   (0 when nothing is recommended)
//   recall@K     |relevant ∩ recommended| / |relevant|      (0 when nothing is relevant)
//   ndcg@K       binary relevance over the user's top-K by estimate (0 when nothing is relevant)
// Means over every user with held-out rows, plus rmse / mae over all rows.
// estimates[r] is the prediction of heldout[r].
EvalResult evaluate_predictions(std::span<const RatingTriple> heldout, std::span<const double> estimates,
                                const std::vector<int>& ks, double threshold);

ItemGenres item_genres(const Catalog& catalog);

}  // namespace mn
