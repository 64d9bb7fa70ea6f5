#pragma once
// What eval, tune and fit share: the split options, fitting a model over splits and seeds, and the
// result table / JSON.
#include <CLI/CLI.hpp>
#include <map>
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
  std::string values = "binary";
  std::string models;
  std::string json_out;
  int seeds = 1;

  void add_options(CLI::App& command);
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
};

// Fits spec on each split (train + validation when there is one) and scores its test part;
// stochastic models once per seed.
ModelResult run_model(const ModelSpec& spec, const std::vector<Split>& splits, const Catalog& catalog,
                      const ItemGenres& genres, const EvalCliOptions& options);
// Fits and scores one model on one split: fit on `fit_rows`, evaluate on `heldout`.
// Item features (genres, tags) are built from the catalog when the model's `item_features` asks.
RunMetrics fit_and_score(const ModelSpec& spec, const Split& split, const std::vector<RatingTriple>& fit_rows,
                         const std::vector<RatingTriple>& heldout, const Catalog& catalog,
                         const ItemGenres& genres, const EvalCliOptions& options);

std::string format_table(const std::vector<ModelResult>& results, const EvalCliOptions& options);
nlohmann::json results_json(const std::vector<ModelResult>& results, const Dataset& dataset,
                            const std::vector<Split>& splits, const EvalCliOptions& options);

}  // namespace mn::cli
