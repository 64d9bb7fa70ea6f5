#include "cli/eval_common.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "cf/features.h"
#include "explicit/rating_model.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn::cli {

void EvalCliOptions::add_options(CLI::App& command) {
  source.add_options(command);
  command
      .add_option("--protocol", split.protocol,
                  "loo, holdout, kfold, random, predefined, strong, sampled, coldstart, predictions")
      ->capture_default_str();
  command
      .add_option("--cold-items", split.cold_items, "coldstart: hide the most popular items or random ones")
      ->check(CLI::IsMember({"popular", "random"}))
      ->capture_default_str();
  command.add_option("--cold-frac", split.cold_frac, "coldstart: fraction of the rated items hidden")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command.add_option("--threshold", split.threshold, "ratings >= this are positives (predictions: relevant)")
      ->capture_default_str();
  command.add_option("--test-frac", split.test_frac, "holdout / random: fraction held out")
      ->capture_default_str();
  command.add_option("--folds", split.folds, "kfold: number of folds")->capture_default_str();
  command.add_option("--seed", split.seed, "seed of the split")->capture_default_str();
  command.add_option("--heldout-users", split.heldout_users,
                     "strong: number of held-out users (default 10 %)");
  command.add_option("--load-split", load_split, "use train.csv / val.csv / test.csv from this folder");
  command.add_option("--save-split", save_split, "write the split as train.csv / val.csv / test.csv here");
  command.add_option("--k", ks, "cut-offs, e.g. 10,20,100")->capture_default_str();
  command
      .add_option(
          "--metrics", metrics,
          "table columns (JSON has all): hr, ndcg, recall, trecall, precision, map, mrr, coverage, ils, "
          "genre_coverage, rmse, mae")
      ->capture_default_str();
  command.add_option("--seeds", seeds, "fit stochastic models with seeds 0..N-1 and report mean ± std")
      ->check(CLI::Range(1, 100));
  command.add_option("--threads", threads, "threads (0: every core)")->capture_default_str();
  command
      .add_option("--values", values,
                  "what the models fit on: binary positives or the ratings; auto: the ratings for "
                  "explicit-rating models (always), binary for the others")
      ->check(CLI::IsMember({"auto", "binary", "rating"}))
      ->capture_default_str();
}

void EvalCliOptions::set_scale(const Dataset& dataset) {
  rating_min = dataset.ratings.rating_min;
  rating_max = dataset.ratings.rating_max;
}

bool EvalCliOptions::needs_ranking() const {
  const auto cols = columns();
  return std::any_of(cols.begin(), cols.end(),
                     [](const std::string& c) { return c != "rmse" && c != "mae"; });
}

void EvalCliOptions::check_models(const std::vector<ModelSpec>& specs) const {
  if (!predictions_protocol()) return;
  for (const ModelSpec& spec : specs) {
    if (!find_model(spec.name).explicit_ratings)
      throw Error(ErrorKind::kInvalidInput,
                  "--protocol predictions ranks predicted ratings: '" + spec.name +
                      "' is not an explicit-rating model (svd, baseline, knnbaseline, ...)");
  }
}

std::vector<Split> EvalCliOptions::splits(const Dataset& dataset) const {
  std::vector<Split> out;
  if (!load_split.empty()) {
    out.push_back(mn::load_split(load_split, dataset));
  } else if (predictions_protocol()) {
    SplitOptions random = split;  // predictions: train_test_split, then rank each user's test rows
    random.protocol = "random";
    out = make_splits(dataset, random);
    for (Split& s : out) s.name = "predictions";
  } else {
    out = make_splits(dataset, split);
  }
  if (!save_split.empty()) {
    if (out.size() != 1)
      throw Error(ErrorKind::kInvalidInput,
                  "--save-split writes one split; this protocol makes " + std::to_string(out.size()));
    mn::save_split(out[0], dataset, save_split);
    std::fprintf(stderr, "wrote the split to %s\n", save_split.c_str());
  }
  return out;
}

EvalOptions EvalCliOptions::eval_options(const ItemGenres* genres) const {
  EvalOptions o;
  o.ks = parse_ks(ks);
  o.threads = threads;
  o.genres = genres;
  return o;
}

std::map<std::string, double> ModelResult::mean() const {
  std::map<std::string, double> m;
  for (const RunMetrics& r : runs) {
    for (const auto& [k, v] : r.metrics) m[k] += v / static_cast<double>(runs.size());
  }
  return m;
}

std::map<std::string, double> ModelResult::stddev() const {
  const auto m = mean();
  std::map<std::string, double> s;
  if (runs.size() < 2) return s;
  for (const RunMetrics& r : runs) {
    for (const auto& [k, v] : r.metrics) s[k] += (v - m.at(k)) * (v - m.at(k));
  }
  for (auto& [k, v] : s) v = std::sqrt(v / static_cast<double>(runs.size() - 1));
  return s;
}

double ModelResult::mean_fit_seconds() const {
  double t = 0;
  for (const RunMetrics& r : runs) t += r.fit_seconds;
  return runs.empty() ? 0 : t / static_cast<double>(runs.size());
}

double ModelResult::mean_eval_seconds() const {
  double t = 0;
  for (const RunMetrics& r : runs) t += r.eval_seconds;
  return runs.empty() ? 0 : t / static_cast<double>(runs.size());
}

std::unique_ptr<Recommender> fit_model(const ModelSpec& spec, const std::vector<RatingTriple>& rows,
                                       std::int32_t n_users, std::int32_t n_items, const Catalog& catalog,
                                       const EvalCliOptions& options, CsrMatrix& train, double* fit_seconds) {
  const bool explicit_model = find_model(spec.name).explicit_ratings;
  const bool binary = !explicit_model && options.values != "rating";
  train = to_matrix(rows, n_users, n_items, binary);
  std::unique_ptr<Recommender> model = make_model(spec);
  if (auto* rating_model = dynamic_cast<RatingModel*>(model.get());
      rating_model != nullptr && options.rating_max > options.rating_min) {
    rating_model->set_rating_scale(options.rating_min, options.rating_max);
  }
  FitContext ctx;
  ctx.threads = options.threads;
  ctx.catalog = &catalog;
  CsrMatrix ages;
  if (model->params().has("half_life_days") && model->params().get_float("half_life_days") > 0) {
    ages = to_age_matrix(rows, n_users, n_items);
    ctx.entry_age_days = &ages;
  }
  ItemFeatures features;
  if (model->params().has("item_features") && model->params().get_choice("item_features") != "none") {
    features = build_item_features(catalog, model->params().get_choice("item_features"));
    ctx.item_features = &features.matrix;
  }
  const auto t0 = std::chrono::steady_clock::now();
  model->fit(train, ctx);
  if (fit_seconds != nullptr) *fit_seconds = seconds_since(t0);
  return model;
}

RunMetrics fit_and_score(const ModelSpec& spec, const Split& split, const std::vector<RatingTriple>& fit_rows,
                         const std::vector<RatingTriple>& heldout, const Catalog& catalog,
                         const ItemGenres& genres, const EvalCliOptions& options) {
  RunMetrics run;
  CsrMatrix train;
  const std::unique_ptr<Recommender> model =
      fit_model(spec, fit_rows, split.n_users, split.n_items, catalog, options, train, &run.fit_seconds);
  const auto* rating_model = as_rating_model(*model);
  const auto t1 = std::chrono::steady_clock::now();
  const EvalOptions eo = options.eval_options(&genres);
  if (rating_model != nullptr && split.fold_in.empty()) {
    // Surprise's test(): a prediction for every held-out rating, positives or not.
    const auto predictions = rating_model->predict_many(heldout, options.threads);
    std::vector<double> estimates(predictions.size());
    double impossible = 0;
    for (std::size_t r = 0; r < predictions.size(); ++r) {
      estimates[r] = predictions[r].estimate;
      if (predictions[r].was_impossible) impossible += 1;
    }
    if (options.predictions_protocol()) {
      const EvalResult result = evaluate_predictions(heldout, estimates, eo.ks, options.split.threshold);
      run.metrics = result.metrics;
      run.metrics["users"] = static_cast<double>(result.users);
    } else {
      RatingErrors errors;
      for (std::size_t r = 0; r < heldout.size(); ++r)
        errors.add(estimates[r], static_cast<double>(heldout[r].rating));
      if (errors.count > 0) {
        run.metrics["rmse"] = errors.rmse();
        run.metrics["mae"] = errors.mae();
      }
    }
    run.metrics["was_impossible"] = impossible;
    run.metrics["test_ratings"] = static_cast<double>(heldout.size());
  }
  if (!options.predictions_protocol() && options.needs_ranking()) {
    EvalResult result;
    if (!split.fold_in.empty()) {
      result = evaluate_fold_in(*model, split.fold_in, heldout, split.candidate, eo);
    } else if (!split.sampled_negatives.empty() && &heldout == &split.test) {
      result = evaluate_sampled(*model, split, eo);
    } else {
      result = evaluate_ranking(*model, train, heldout, split.candidate, eo);
    }
    for (const auto& [name, value] : result.metrics) run.metrics[name] = value;
    run.metrics["users"] = static_cast<double>(result.users);
  }
  run.eval_seconds = seconds_since(t1);
  return run;
}

ModelResult run_model(const ModelSpec& spec, const std::vector<Split>& splits, const Catalog& catalog,
                      const ItemGenres& genres, const EvalCliOptions& options) {
  const ModelInfo& info = find_model(spec.name);
  ModelResult result;
  result.model = spec.name;
  {
    auto probe = make_model(spec);  // validates the parameters before any fitting
    result.params = probe->params().to_json();
    result.changed = probe->params().changed();
  }
  const int seeds = info.stochastic ? options.seeds : 1;
  for (const Split& split : splits) {
    // With a validation part, the final model is fitted on train + validation (tuning is `tune`'s job).
    const std::vector<RatingTriple> fit_rows =
        split.validation.empty() ? split.train : concat(split.train, split.validation);
    for (int s = 0; s < seeds; ++s) {
      ModelSpec seeded = spec;
      if (seeds > 1) seeded.settings.emplace_back("seed", std::to_string(s));
      result.runs.push_back(fit_and_score(seeded, split, fit_rows, split.test, catalog, genres, options));
      if (!Progress::quiet()) {
        std::fprintf(stderr, "%s %s on %s: fit %.2f s, eval %.2f s\n", spec.name.c_str(),
                     result.changed.c_str(), split.name.c_str(), result.runs.back().fit_seconds,
                     result.runs.back().eval_seconds);
      }
    }
  }
  return result;
}

namespace {
std::vector<std::string> metric_columns(const EvalCliOptions& options) {
  std::vector<std::string> cols;
  const auto ks = parse_ks(options.ks);
  for (const auto name : split(options.metrics, ",")) {
    const std::string metric(trim(name));
    if (metric.empty()) continue;
    if (metric == "rmse" || metric == "mae") {
      cols.push_back(metric);
      continue;
    }
    static const std::vector<std::string> kKnown = {"hr",  "ndcg", "recall",   "trecall", "precision",
                                                    "map", "mrr",  "coverage", "ils",     "genre_coverage"};
    if (std::find(kKnown.begin(), kKnown.end(), metric) == kKnown.end()) {
      throw Error(ErrorKind::kInvalidInput,
                  "--metrics: unknown metric '" + metric +
                      "'; known: hr, ndcg, recall, trecall, precision, map, mrr, coverage, ils, "
                      "genre_coverage, rmse, mae");
    }
    for (const int k : ks) cols.push_back(metric + "@" + std::to_string(k));
  }
  return cols;
}
}  // namespace

std::vector<std::string> EvalCliOptions::columns() const { return metric_columns(*this); }

std::string format_table(const std::vector<ModelResult>& results, const EvalCliOptions& options) {
  const auto cols = metric_columns(options);
  std::string out = "| model | params | fit s | test s |";
  for (const auto& c : cols) out += " " + c + " |";
  out += "\n|---|---|---|---|";
  for (std::size_t i = 0; i < cols.size(); ++i) out += "---|";
  out += "\n";
  char buf[64];
  for (const ModelResult& r : results) {
    const auto mean = r.mean();
    const auto sd = r.stddev();
    std::snprintf(buf, sizeof buf, "%.3f | %.3f", r.mean_fit_seconds(), r.mean_eval_seconds());
    out += "| " + r.model + " | " + (r.changed.empty() ? "defaults" : r.changed) + " | " + buf + " |";
    for (const auto& c : cols) {
      const auto it = mean.find(c);
      if (it == mean.end()) {
        out += " - |";
        continue;
      }
      if (sd.count(c) > 0) {
        std::snprintf(buf, sizeof buf, " %.4f ± %.4f |", it->second, sd.at(c));
      } else {
        std::snprintf(buf, sizeof buf, " %.4f |", it->second);
      }
      out += buf;
    }
    out += "\n";
  }
  return out;
}

nlohmann::json results_json(const std::vector<ModelResult>& results, const Dataset& dataset,
                            const std::vector<Split>& splits, const EvalCliOptions& options) {
  nlohmann::json j;
  j["protocol"] = {{"name", options.load_split.empty()
                                ? options.split.protocol
                                : (options.predictions_protocol() ? "predictions (loaded)" : "loaded")},
                   {"split_folder", options.load_split},
                   {"threshold", options.split.threshold},
                   {"test_frac", options.split.test_frac},
                   {"folds", options.split.folds},
                   {"seed", options.split.seed},
                   {"values", options.values},
                   {"splits", splits.size()},
                   {"k", parse_ks(options.ks)}};
  j["dataset"] = {{"movielens", dataset.movielens},
                  {"users", dataset.ratings.n_users()},
                  {"items", dataset.catalog.size()},
                  {"ratings", dataset.ratings.nnz()},
                  {"fingerprint", hex64(dataset.fingerprint)}};
  nlohmann::json rows = nlohmann::json::array();
  for (const ModelResult& r : results) {
    nlohmann::json row;
    row["model"] = r.model;
    row["params"] = r.params;
    row["fit_seconds"] = r.mean_fit_seconds();
    row["test_seconds"] = r.mean_eval_seconds();
    row["runs"] = r.runs.size();
    row["metrics"] = r.mean();
    row["std"] = r.stddev();
    nlohmann::json per_run = nlohmann::json::array();
    for (const RunMetrics& run : r.runs) {
      per_run.push_back(
          {{"metrics", run.metrics}, {"fit_seconds", run.fit_seconds}, {"test_seconds", run.eval_seconds}});
    }
    row["per_run"] = per_run;
    rows.push_back(row);
  }
  j["results"] = rows;
  return j;
}

}  // namespace mn::cli
