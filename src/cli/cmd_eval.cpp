// `movienight eval`: fit each model on a split and print the side-by-side metrics table.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "cli/eval_common.h"
#include "eval/evaluate.h"
#include "io/file.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"

namespace mn::cli {

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalCliOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "fit models on a split and print their metrics side by side");
  options->add_options(*cmd);
  cmd->add_option("--models", options->models,
                  "models and parameters, e.g. \"pop;itemknn:sim=bm25,k=100;als:factors=64\"")
      ->required();
  cmd->add_option("--json", options->json_out, "also write the results as JSON to this file");
  cmd->callback([options] {
    options->columns();
    const std::vector<ModelSpec> specs = parse_model_list(options->models);
    for (const ModelSpec& spec : specs) make_model(spec);  // unknown names and parameters fail before loading
    options->check_models(specs);
    const Dataset dataset = options->source.load();
    options->set_scale(dataset);
    const std::vector<Split> splits = options->splits(dataset);
    const ItemGenres genres = item_genres(dataset.catalog);
    std::vector<ModelResult> results;
    for (const ModelSpec& spec : specs) {
      results.push_back(run_model(spec, splits, dataset.catalog, genres, *options));
    }
    const std::string table = format_table(results, *options);
    std::fwrite(table.data(), 1, table.size(), stdout);
    if (!options->json_out.empty()) {
      write_file_atomic(options->json_out, results_json(results, dataset, splits, *options).dump(2) + "\n");
    }
  });
}

}  // namespace mn::cli
