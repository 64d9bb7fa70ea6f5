#pragma once
// What eval, tune and fit share: the split options, fitting a model over splits and seeds, and the
// result table / JSON.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cf/registry.h"
#include "cli/data_source.h"
#include "eval/evaluate.h"
#include "eval/split.h"

namespace mn::cli {

struct EvalCliOptions {
  DataSource source;
  SplitOptions split;
  std::string load_split;
  std::string save_split;
  std::string ks = "10,20,100";
  std::string metrics = "hr,ndcg,recall,trecall,map,coverage";
  int threads = 0;
  // auto: explicit-rating models fit on the ratings, the others on binary positives. Explicit
  // models always fit on the ratings (a rating model fitted on 1s can only predict 1).
  std::string values = "auto";
  std::string models;
  std::string json_out;
  int seeds = 1;
  // The dataset's rating scale (Surprise's Reader rating_scale), set by set_scale after loading;
  // equal bounds leave each explicit model's scale to its fitted matrix.
  float rating_min = 0;
  float rating_max = 0;

  void add_options(CLI::App& command);
  void set_scale(const Dataset& dataset);
  // --protocol predictions: a random split whose test rows each user ranks by predicted rating.
  bool predictions_protocol() const { return split.protocol == "predictions"; }
  // Whether any column needs the full-ranking evaluation (not only rmse / mae).
  bool needs_ranking() const;
  // Fails before any loading when a model cannot run under these options (predictions needs
  // explicit-rating models).
  void check_models(const std::vector<ModelSpec>& specs) const;
  // The splits of the chosen protocol (or the loaded folder); writes --save-split.
  std::vector<Split> splits(const Dataset& dataset) const;
  EvalOptions eval_options(const ItemGenres* genres) const;
  // The table's columns; throws for an unknown metric name (checked before any fitting).
  std::vector<std::string> columns() const;
};

struct RunMetrics {
  std::map<std::string, double> metrics;
  double fit_seconds = 0;
  double eval_seconds = 0;
};

struct ModelResult {
  std::string model;
  nlohmann::json params;
  std::string changed;           // parameters that differ from the defaults
  std::vector<RunMetrics> runs;  // one per split x seed
  std::map<std::string, double> mean() const;
  std::map<std::string, double> stddev() const;
  double mean_fit_seconds() const;
  double mean_eval_seconds() const;
};

// Fits spec on each split (train + validation when there is one) and scores its test part;
// stochastic models once per seed.
ModelResult run_model(const ModelSpec& spec, const std::vector<Split>& splits, const Catalog& catalog,
                      const ItemGenres& genres, const EvalCliOptions& options);
// Makes spec and fits it on rows (explicit-rating models: the ratings and the dataset's scale; the
// others per --values), with item features / entry ages where the model asks; `train` receives
// the fitted matrix and fit_seconds (when given) the time of fit() alone.
std::unique_ptr<Recommender> fit_model(const ModelSpec& spec, const std::vector<RatingTriple>& rows,
                                       std::int32_t n_users, std::int32_t n_items, const Catalog& catalog,
                                       const EvalCliOptions& options, CsrMatrix& train,
                                       double* fit_seconds = nullptr);
// Fits and scores one model on one split: fit on `fit_rows`, evaluate on `heldout`. Explicit-rating
// models also get rmse / mae (and was_impossible, the number of fallback predictions) over every
// held-out rating; under the predictions protocol they get precision / recall / ndcg from ranking
// each user's held-out rows instead of the full ranking.
// Item features (genres, tags) are built from the catalog when the model's `item_features` asks.
RunMetrics fit_and_score(const ModelSpec& spec, const Split& split, const std::vector<RatingTriple>& fit_rows,
                         const std::vector<RatingTriple>& heldout, const Catalog& catalog,
                         const ItemGenres& genres, const EvalCliOptions& options);

std::string format_table(const std::vector<ModelResult>& results, const EvalCliOptions& options);
nlohmann::json results_json(const std::vector<ModelResult>& results, const Dataset& dataset,
                            const std::vector<Split>& splits, const EvalCliOptions& options);

}  // namespace mn::cli
