// `movienight tune`: grid search on validation, then the best configuration refitted on
// train + validation and scored once on test.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <random>

#include "cli/commands.h"
#include "cli/eval_common.h"
#include "io/file.h"
#include "util/error.h"
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
};

}  // namespace

void add_tune_command(CLI::App& app) {
  struct Options : EvalCliOptions {
    std::string grid;
    std::string metric = "ndcg@10";
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
  cmd->add_option("--metric", options->metric, "validation metric to maximise")->capture_default_str();
  cmd->add_option("--json", options->json_out, "also write the grid and the test result as JSON");
  cmd->callback([options] {
    const auto specs = parse_model_list(options->models);
    if (specs.size() != 1) throw Error(ErrorKind::kInvalidInput, "tune takes one model in --models");
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
      return a.validation.metrics.at(options->metric) > b.validation.metrics.at(options->metric);
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
