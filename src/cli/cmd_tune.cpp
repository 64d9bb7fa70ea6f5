// `movienight tune`: grid search on validation, then the best configuration refitted on
// train + validation and scored once on test; or, with --cv N, GridSearchCV: every grid point
// scored by N-fold cross-validation, ranked by the mean of --metric, optionally refitted on all
// the data.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <random>

#include "cli/commands.h"
#include "cli/eval_common.h"
#include "io/file.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn::cli {
namespace {

// "factors=64,128;regularization=0.1,1" -> every combination, in grid order.
std::vector<std::vector<std::pair<std::string, std::string>>> expand_grid(const std::string& text) {
  std::vector<std::vector<std::pair<std::string, std::string>>> points = {{}};
  for (const auto axis : split(text, ";")) {
    if (trim(axis).empty()) continue;
    const std::size_t eq = axis.find('=');
    if (eq == std::string_view::npos)
      throw Error(ErrorKind::kInvalidInput, "--grid: expected name=v1,v2 in '" + std::string(axis) + "'");
    const std::string name(trim(axis.substr(0, eq)));
    std::vector<std::string> values;
    for (const auto v : split(axis.substr(eq + 1), ",")) {
      if (!trim(v).empty()) values.emplace_back(trim(v));
    }
    if (values.empty()) throw Error(ErrorKind::kInvalidInput, "--grid: no values for " + name);
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& p : points) {
      for (const auto& v : values) {
        auto q = p;
        q.emplace_back(name, v);
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

// Splits without a validation part get one carved from train: for each user with >= 5 training
// rows, a random 20 % (rounded up) of them.
Split with_validation(Split split, std::uint64_t seed) {
  if (!split.validation.empty()) return split;
  std::map<std::int32_t, std::vector<RatingTriple>> by_user;
  for (const RatingTriple& t : split.train) by_user[t.user].push_back(t);
  std::mt19937_64 rng(seed + 1);
  split.train.clear();
  for (auto& [user, rows] : by_user) {
    if (rows.size() >= 5) {
      std::shuffle(rows.begin(), rows.end(), rng);
      const auto n_val = static_cast<std::size_t>(std::ceil(0.2 * static_cast<double>(rows.size())));
      split.validation.insert(split.validation.end(), rows.begin(),
                              rows.begin() + static_cast<std::ptrdiff_t>(n_val));
      split.train.insert(split.train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_val), rows.end());
    } else {
      split.train.insert(split.train.end(), rows.begin(), rows.end());
    }
  }
  return split;
}

struct GridRow {
  ModelSpec spec;
  std::string label;
  RunMetrics validation;
  ModelResult cv;  // --cv: one run per fold
};

// Error metrics fall, the others rise.
bool lower_is_better(const std::string& metric) { return metric == "rmse" || metric == "mae"; }

bool better(const std::string& metric, double a, double b) { return lower_is_better(metric) ? a < b : a > b; }

// "ndcg@10" -> "ndcg"; "rmse" stays.
std::string metric_base(const std::string& metric) { return metric.substr(0, metric.find('@')); }

std::string format_mean_std(const ModelResult& r, const std::string& column) {
  const auto mean = r.mean();
  const auto sd = r.stddev();
  const auto it = mean.find(column);
  if (it == mean.end()) return "-";
  char buf[64];
  if (sd.count(column) > 0) {
    std::snprintf(buf, sizeof buf, "%.4f ± %.4f", it->second, sd.at(column));
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", it->second);
  }
  return buf;
}

}  // namespace

namespace {

// GridSearchCV: every (grid point, fold) pair is one task, tasks run side by side one thread each.
void run_grid_cv(const EvalCliOptions& options, int folds, const std::string& metric, bool refit,
                 const std::string& out_dir, const ModelSpec& base, std::vector<GridRow>& grid,
                 const Dataset& dataset) {
  SplitOptions kf = options.split;
  kf.protocol = "kfold";
  kf.folds = folds;
  const std::vector<Split> splits = make_splits(dataset, kf);
  const ItemGenres genres = item_genres(dataset.catalog);
  const std::size_t n_folds = splits.size();
  const std::size_t tasks = grid.size() * n_folds;
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const int lanes = std::max(1, std::min<int>(threads, static_cast<int>(tasks)));
  EvalCliOptions lane_options = options;
  if (lanes > 1) lane_options.threads = 1;
  for (GridRow& g : grid) {
    g.cv.model = base.name;
    g.cv.changed = g.label;
    g.cv.runs.assign(n_folds, RunMetrics{});
  }
  Progress progress("tune --cv " + base.name, tasks, "fits");
  std::atomic<std::size_t> done{0};
  std::exception_ptr failure;
  const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 1) num_threads(lanes)
  for (std::size_t t = 0; t < tasks; ++t) {
    const std::size_t g = t / n_folds;
    const std::size_t f = t % n_folds;
    try {
      grid[g].cv.runs[f] = fit_and_score(grid[g].spec, splits[f], splits[f].train, splits[f].test,
                                         dataset.catalog, genres, lane_options);
    } catch (...) {
#pragma omp critical
      if (!failure) failure = std::current_exception();
    }
    const std::size_t n = ++done;
#pragma omp critical
    progress.set(n);
  }
  if (failure) std::rethrow_exception(failure);
  progress.finish();
  const double total_seconds = seconds_since(t0);
  if (grid[0].cv.mean().count(metric) == 0) {
    throw Error(ErrorKind::kInvalidInput,
                "--metric " + metric + " is not computed for " + base.name + "; check --k and --metrics");
  }
  std::stable_sort(grid.begin(), grid.end(), [&](const GridRow& a, const GridRow& b) {
    return better(metric, a.cv.mean().at(metric), b.cv.mean().at(metric));
  });
  const std::vector<std::string> cols = options.columns();
  std::string out = "| rank | " + base.name + " grid |";
  for (const auto& c : cols) out += " " + c + " |";
  out += " fit s | test s |\n|---|---|";
  for (std::size_t c = 0; c < cols.size() + 2; ++c) out += "---|";
  out += "\n";
  char buf[256];
  for (std::size_t r = 0; r < grid.size(); ++r) {
    out += "| " + std::to_string(r + 1) + " | " + grid[r].label + " |";
    for (const auto& c : cols) out += " " + format_mean_std(grid[r].cv, c) + " |";
    std::snprintf(buf, sizeof buf, " %.3f | %.3f |\n", grid[r].cv.mean_fit_seconds(),
                  grid[r].cv.mean_eval_seconds());
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "\n%zu configurations x %zu folds in %.1f s on %d lanes, ranked by mean %s (%s first)\n",
                grid.size(), n_folds, total_seconds, lanes, metric.c_str(),
                lower_is_better(metric) ? "lowest" : "highest");
  out += buf;
  // Surprise's best_params[m] / best_score[m]: the best point by each metric of the table.
  nlohmann::json best_params = nlohmann::json::object();
  nlohmann::json best_score = nlohmann::json::object();
  for (const auto& c : cols) {
    const GridRow* best = nullptr;
    for (const GridRow& g : grid) {
      const auto m = g.cv.mean();
      if (m.count(c) == 0) continue;
      if (best == nullptr || better(c, m.at(c), best->cv.mean().at(c))) best = &g;
    }
    if (best == nullptr) continue;
    std::snprintf(buf, sizeof buf, "best %s: %.4f with %s\n", c.c_str(), best->cv.mean().at(c),
                  best->label.c_str());
    out += buf;
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : best->spec.settings) params[k] = v;
    best_params[c] = params;
    best_score[c] = best->cv.mean().at(c);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (refit) {
    std::vector<RatingTriple> all = concat(splits[0].train, splits[0].test);
    CsrMatrix train;
    double fit_seconds = 0;
    const auto model = fit_model(grid[0].spec, all, splits[0].n_users, splits[0].n_items, dataset.catalog,
                                 options, train, &fit_seconds);
    std::printf("refitted %s (%s) on all %lld ratings in %.2f s\n", base.name.c_str(), grid[0].label.c_str(),
                static_cast<long long>(train.nnz()), fit_seconds);
    if (!out_dir.empty()) {
      ManifestExtras extras;
      extras.data_fingerprint = hex64(dataset.fingerprint);
      extras.metrics = {
          {"cv_folds", n_folds}, {"cv_mean", grid[0].cv.mean()}, {"cv_std", grid[0].cv.stddev()}};
      save_model(*model, out_dir, extras);
      std::printf("saved to %s\n", out_dir.c_str());
    }
  }
  if (!options.json_out.empty()) {
    nlohmann::json j;
    j["cv"] = {{"folds", n_folds}, {"seed", options.split.seed}};
    j["metric"] = metric;
    j["model"] = base.name;
    j["seconds"] = total_seconds;
    nlohmann::json rows = nlohmann::json::array();
    for (const GridRow& g : grid) {
      rows.push_back({{"params", g.label},
                      {"mean", g.cv.mean()},
                      {"std", g.cv.stddev()},
                      {"fit_seconds", g.cv.mean_fit_seconds()},
                      {"test_seconds", g.cv.mean_eval_seconds()}});
    }
    j["grid"] = rows;
    j["best_params"] = best_params;
    j["best_score"] = best_score;
    write_file_atomic(options.json_out, j.dump(2) + "\n");
  }
}

}  // namespace

void add_tune_command(CLI::App& app) {
  struct Options : EvalCliOptions {
    std::string grid;
    std::string metric = "ndcg@10";
    int cv = 0;
    bool refit = false;
    std::string out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "grid search on validation; the best configuration is refitted and tested once");
  options->add_options(*cmd);
  cmd->add_option("--models", options->models,
                  "one model with its fixed parameters, e.g. \"als:iterations=15\"")
      ->required();
  cmd->add_option("--grid", options->grid,
                  "values to try, e.g. \"factors=64,128;regularization=0.1,1,10,30,100\"")
      ->required();
  cmd->add_option("--metric", options->metric,
                  "metric that ranks the grid (rmse / mae: lowest first, the others highest first; "
                  "default rmse for explicit-rating models)")
      ->capture_default_str();
  cmd->add_option("--cv", options->cv,
                  "GridSearchCV: score every grid point by N-fold cross-validation on all the data (--seed "
                  "shuffles the folds)");
  cmd->add_flag("--refit", options->refit, "--cv: fit the best configuration on all the data");
  cmd->add_option("--out", options->out, "--cv --refit: save the refitted model in this folder");
  cmd->add_option("--json", options->json_out, "also write the grid and the test result as JSON");
  cmd->callback([options, cmd] {
    const auto specs = parse_model_list(options->models);
    if (specs.size() != 1) throw Error(ErrorKind::kInvalidInput, "tune takes one model in --models");
    const bool explicit_model = find_model(specs[0].name).explicit_ratings;
    if (cmd->count("--metric") == 0 && explicit_model) options->metric = "rmse";
    if (cmd->count("--metrics") == 0 && lower_is_better(options->metric)) options->metrics = "rmse,mae";
    // The ranking metric must be computed: add its column when --metrics leaves it out.
    {
      const std::string base = metric_base(options->metric);
      bool listed = false;
      for (const auto m : split(options->metrics, ",")) listed = listed || trim(m) == base;
      if (!listed) options->metrics += "," + base;
    }
    options->columns();  // unknown metric names fail here
    if (options->cv != 0) {
      if (options->cv < 2) throw Error(ErrorKind::kInvalidInput, "--cv must be at least 2 folds");
      if (!options->load_split.empty())
        throw Error(ErrorKind::kInvalidInput, "--cv makes its own folds; it does not take --load-split");
    }
    if ((options->refit || !options->out.empty()) && options->cv == 0)
      throw Error(ErrorKind::kInvalidInput, "--refit / --out go with --cv (without it tune always refits)");
    if (!options->out.empty() && !options->refit)
      throw Error(ErrorKind::kInvalidInput, "--out saves the refitted model: add --refit");
    if (options->predictions_protocol() && options->cv != 0)
      throw Error(ErrorKind::kInvalidInput, "--cv scores k-fold splits; drop --protocol predictions");
    options->check_models(specs);
    std::vector<GridRow> grid;
    for (const auto& point : expand_grid(options->grid)) {
      GridRow row;
      row.spec = specs[0];
      for (const auto& [k, v] : point) {
        row.spec.settings.emplace_back(k, v);
        row.label += (row.label.empty() ? "" : ",") + k + "=" + v;
      }
      make_model(row.spec);  // bad names and values fail before any fitting
      grid.push_back(std::move(row));
    }
    const Dataset dataset = options->source.load();
    options->set_scale(dataset);
    if (options->cv != 0) {
      run_grid_cv(*options, options->cv, options->metric, options->refit, options->out, specs[0], grid,
                  dataset);
      return;
    }
    const std::vector<Split> splits = options->splits(dataset);
    if (splits.size() != 1)
      throw Error(ErrorKind::kInvalidInput,
                  "tune needs a protocol with one split (loo, holdout, strong, random or --load-split)");
    const Split split = with_validation(splits[0], options->split.seed);
    const ItemGenres genres = item_genres(dataset.catalog);
    // Configurations run side by side, one thread each: every model then scales perfectly, where
    // a single fit (SGD models above all) rarely uses two cores fully. Results are those of a
    // one-thread fit, so they do not depend on the machine's core count.
    const int threads = options->threads > 0 ? options->threads : omp_get_max_threads();
    const int lanes = std::max(1, std::min<int>(threads, static_cast<int>(grid.size())));
    EvalCliOptions lane_options = *options;
    if (lanes > 1) lane_options.threads = 1;
    Progress progress("tune " + specs[0].name, grid.size(), "configurations");
    std::atomic<std::size_t> done{0};
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(lanes)
    for (std::size_t g = 0; g < grid.size(); ++g) {
      try {
        grid[g].validation = fit_and_score(grid[g].spec, split, split.train, split.validation,
                                           dataset.catalog, genres, lane_options);
      } catch (...) {
#pragma omp critical
        if (!failure) failure = std::current_exception();
      }
      const std::size_t n = ++done;
#pragma omp critical
      progress.set(n);
    }
    if (failure) std::rethrow_exception(failure);
    progress.finish();
    if (grid[0].validation.metrics.count(options->metric) == 0) {
      throw Error(ErrorKind::kInvalidInput, "--metric " + options->metric + " is not computed; check --k");
    }
    std::stable_sort(grid.begin(), grid.end(), [&](const GridRow& a, const GridRow& b) {
      return better(options->metric, a.validation.metrics.at(options->metric),
                    b.validation.metrics.at(options->metric));
    });
    std::string out = "| rank | " + specs[0].name + " grid | validation " + options->metric +
                      " | fit s |\n|---|---|---|---|\n";
    char buf[256];
    for (std::size_t r = 0; r < grid.size(); ++r) {
      std::snprintf(buf, sizeof buf, "| %zu | %s | %.4f | %.2f |\n", r + 1, grid[r].label.c_str(),
                    grid[r].validation.metrics.at(options->metric), grid[r].validation.fit_seconds);
      out += buf;
    }
    // The best configuration, refitted on train + validation, scored once on test.
    ModelResult best;
    best.model = specs[0].name;
    {
      auto probe = make_model(grid[0].spec);
      best.params = probe->params().to_json();
      best.changed = probe->params().changed();
    }
    const std::vector<RatingTriple> fit_rows = concat(split.train, split.validation);
    const ModelInfo& info = find_model(specs[0].name);
    const int seeds = info.stochastic ? options->seeds : 1;
    for (int s = 0; s < seeds; ++s) {
      ModelSpec seeded = grid[0].spec;
      if (seeds > 1) seeded.settings.emplace_back("seed", std::to_string(s));
      best.runs.push_back(
          fit_and_score(seeded, split, fit_rows, split.test, dataset.catalog, genres, *options));
    }
    out += "\nbest on validation: " + grid[0].label + "; refitted on train + validation, test:\n";
    out += format_table({best}, *options);
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (!options->json_out.empty()) {
      nlohmann::json j = results_json({best}, dataset, splits, *options);
      nlohmann::json rows = nlohmann::json::array();
      for (const GridRow& g : grid) {
        rows.push_back({{"params", g.label},
                        {"validation", g.validation.metrics},
                        {"fit_seconds", g.validation.fit_seconds}});
      }
      j["grid"] = rows;
      j["metric"] = options->metric;
      write_file_atomic(options->json_out, j.dump(2) + "\n");
    }
  });
}

}  // namespace mn::cli
