// `movienight predict`: Surprise's algo.predict(uid, iid) from a saved rating model: the estimate,
// clipped to the rating scale, and the details (was_impossible, reason, actual_k). A userId or
// movieId the model never saw is not an error: the prediction falls back the way Surprise's does.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "explicit/rating_model.h"
#include "util/error.h"
#include "util/hash.h"

namespace mn::cli {

void add_predict_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string model_dir;
    std::int64_t user = 0;
    std::vector<std::int64_t> movies;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("predict", "predict ratings with a saved rating model (Surprise's predict)");
  o->source.add_options(*cmd);
  cmd->add_option("--model-dir", o->model_dir, "a folder written by `movienight fit --model svd ...`")
      ->required();
  cmd->add_option("--user", o->user, "a userId")->required();
  cmd->add_option("--movie", o->movies, "a movieId (repeatable)")->required();
  cmd->add_flag("--json", o->json, "one JSON object per prediction");
  cmd->callback([o] {
    const auto model = load_model(o->model_dir);
    const RatingModel* rating = as_rating_model(*model);
    if (rating == nullptr) {
      throw Error(ErrorKind::kInvalidInput,
                  o->model_dir + ": '" + model->name() + "' predicts no ratings (use svd, knnbaseline, ...)");
    }
    const Dataset dataset = o->source.load();
    const std::string fingerprint = read_manifest(o->model_dir).value("data_fingerprint", "");
    if (!fingerprint.empty() && fingerprint != hex64(dataset.fingerprint)) {
      throw Error(ErrorKind::kInvalidInput,
                  o->model_dir + ": the model was fitted on other data; give the --data it was fitted on");
    }
    // Dense ids; an id outside the data maps past the end, which the model treats as unknown.
    const auto& ids = dataset.ratings.user_ids;
    const auto it = std::lower_bound(ids.begin(), ids.end(), o->user);
    const std::int32_t u =
        it != ids.end() && *it == o->user ? static_cast<std::int32_t>(it - ids.begin()) : model->n_users();
    for (const std::int64_t movie : o->movies) {
      const auto found = dataset.catalog.index_of(movie);
      const std::int32_t i = found ? *found : model->n_items();
      const RatingPrediction p = rating->predict(u, i);
      if (o->json) {
        const nlohmann::json j = {{"uid", o->user},
                                  {"iid", movie},
                                  {"est", p.estimate},
                                  {"details",
                                   {{"was_impossible", p.was_impossible},
                                    {"reason", std::string(p.reason)},
                                    {"actual_k", p.actual_k}}}};
        std::printf("%s\n", j.dump().c_str());
      } else {
        std::printf("user: %lld item: %lld est = %.2f   %s\n", static_cast<long long>(o->user),
                    static_cast<long long>(movie), p.estimate,
                    p.was_impossible ? ("(impossible: " + std::string(p.reason) + ")").c_str() : "");
      }
    }
  });
}

}  // namespace mn::cli
