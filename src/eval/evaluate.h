#pragma once
// Runs a fitted model over held-out data and averages the metrics. Users are evaluated in
// parallel in fixed contiguous blocks, so per-user results come out in user order whatever the
// thread count.
#include <map>
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

ItemGenres item_genres(const Catalog& catalog);

}  // namespace mn
