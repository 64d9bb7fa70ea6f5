// `movienight export`: a saved explicit-rating model's factors and biases as .npy plus meta.json
// (global mean, rating scale, the formula), with the data's userId / movieId of every row, so a
// Python user can rebuild the predictions with numpy.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "explicit/rating_model.h"
#include "util/error.h"
#include "util/hash.h"

namespace mn::cli {

void add_export_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string model_dir;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a saved explicit-rating model's factors and biases as .npy + meta.json for numpy");
  o->source.add_options(*cmd);
  cmd->add_option("--model-dir", o->model_dir, "a folder written by `movienight fit` or `tune --refit --out`")
      ->required();
  cmd->add_option("--out", o->out, "folder to write the .npy arrays and meta.json into")->required();
  cmd->callback([o] {
    const auto model = load_model(o->model_dir);
    const RatingModel* rating_model = as_rating_model(*model);
    if (rating_model == nullptr) {
      throw Error(ErrorKind::kInvalidInput,
                  o->model_dir + ": '" + model->name() +
                      "' is not an explicit-rating model (svd, svdpp, baseline, knnbaseline, ...)");
    }
    const Dataset dataset = o->source.load();
    // The ids come from the data: they are only right for the data the model was fitted on.
    const std::string fingerprint = read_manifest(o->model_dir).value("data_fingerprint", "");
    if (fingerprint.empty() || fingerprint != hex64(dataset.fingerprint)) {
      throw Error(ErrorKind::kInvalidInput,
                  o->model_dir + ": the model was fitted on other data (fingerprint " +
                      (fingerprint.empty() ? std::string("none") : fingerprint) + ", this data " +
                      hex64(dataset.fingerprint) + "); give the --data / --snapshot it was fitted on");
    }
    if (model->n_users() != dataset.ratings.n_users() || model->n_items() != dataset.catalog.size()) {
      throw Error(ErrorKind::kInvalidInput, o->model_dir + ": the model has " +
                                                std::to_string(model->n_users()) + " users x " +
                                                std::to_string(model->n_items()) + " items but the data " +
                                                std::to_string(dataset.ratings.n_users()) + " x " +
                                                std::to_string(dataset.catalog.size()));
    }
    ExportIds ids;
    ids.user_ids = dataset.ratings.user_ids;
    ids.item_ids.reserve(static_cast<std::size_t>(dataset.catalog.size()));
    for (std::int32_t i = 0; i < dataset.catalog.size(); ++i)
      ids.item_ids.push_back(dataset.catalog[i].movie_id);
    rating_model->export_factors(o->out, &ids);
    std::printf("exported %s (%s): %d users x %d items to %s\n", model->name().c_str(),
                model->params().to_string().c_str(), model->n_users(), model->n_items(), o->out.c_str());
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(o->out))
      files.push_back(entry.path().filename().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) std::printf("  %s\n", f.c_str());
  });
}

}  // namespace mn::cli
