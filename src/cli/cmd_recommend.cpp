// `movienight fit` trains a model on all of the data's positives and saves it as a model folder;
// `movienight recommend` loads one and prints titles for a known user or a list of liked titles.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "cli/title_resolve.h"
#include "content/catalog_encoding.h"
#include "eval/split.h"
#include "explicit/rating_model.h"
#include "rank/blend.h"
#include "text/mood.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn::cli {
namespace {

// Adds the mood: the catalog's text embeddings against the mood's query vector, both scores
// standardised (z-scores over the items that can be recommended), blended with weight w on the mood.
void blend_mood(const Dataset& d, const std::string& mood_text, double w, std::vector<float>& scores) {
  CatalogEncodingOptions eo;
  const CatalogEncoding enc = encode_catalog(d.catalog, eo);
  const MoodExpansion mood = expand_mood(mood_text);
  const std::vector<float> query = encode_mood(*enc.encoder, mood_text, mood);
  if (query.empty()) {
    throw Error(ErrorKind::kInvalidInput,
                "--mood \"" + mood_text +
                    "\": no word of it is known; try one of: cozy, "
                    "romantic, funny, scary, tense, mind-bending, feel-good, family, epic, sad, action");
  }
  std::vector<float> fit(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const float* e = enc.embeddings.data() + i * static_cast<std::size_t>(enc.dim);
    float s = 0;
    for (int k = 0; k < enc.dim; ++k) s += e[k] * query[static_cast<std::size_t>(k)];
    fit[i] = std::isfinite(scores[i]) ? s : -std::numeric_limits<float>::infinity();
  }
  standardise(scores);
  standardise(fit);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (std::isfinite(scores[i])) scores[i] = static_cast<float>((1 - w) * scores[i] + w * fit[i]);
  }
}

}  // namespace

void add_fit_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string model;
    std::string out;
    double threshold = 4.0;
    std::string values = "auto";
    int threads = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("fit", "fit one model on all of the data and save it as a model folder");
  o->source.add_options(*cmd);
  cmd->add_option("--model", o->model,
                  "model and parameters, e.g. \"als:factors=64,regularization=30,alpha=5\"")
      ->required();
  cmd->add_option("--out", o->out, "model folder to write (manifest.json + .npy arrays)")->required();
  cmd->add_option("--threshold", o->threshold, "ratings >= this are positives")->capture_default_str();
  cmd->add_option("--values", o->values,
                  "binary positives or the ratings; auto: the ratings for explicit-rating models (always), "
                  "binary for the others")
      ->check(CLI::IsMember({"auto", "binary", "rating"}))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "threads (0: every core)")->capture_default_str();
  cmd->callback([o] {
    auto model = make_model(o->model);
    auto* rating_model = dynamic_cast<RatingModel*>(model.get());
    const Dataset dataset = o->source.load();
    // Explicit-rating models fit on every rating, on the data's scale (Surprise's Reader).
    const bool binary = rating_model == nullptr && o->values != "rating";
    if (rating_model != nullptr && dataset.ratings.rating_max > dataset.ratings.rating_min)
      rating_model->set_rating_scale(dataset.ratings.rating_min, dataset.ratings.rating_max);
    const CsrMatrix x = dataset_matrix(dataset, o->threshold, binary);
    FitContext ctx;
    ctx.threads = o->threads;
    ctx.show_progress = !Progress::quiet();
    ctx.catalog = &dataset.catalog;  // content models read the movies' text
    const auto t0 = std::chrono::steady_clock::now();
    model->fit(x, ctx);
    const double secs = seconds_since(t0);
    save_model(*model, o->out, {hex64(dataset.fingerprint), {}});
    std::printf("fitted %s (%s) on %lld entries in %.2f s; saved to %s\n", model->name().c_str(),
                model->params().to_string().c_str(), static_cast<long long>(x.nnz()), secs, o->out.c_str());
  });
}

void add_recommend_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string model_dir;
    std::int64_t user = -1;
    std::vector<std::string> likes;
    int k = 10;
    double threshold = 4.0;
    std::string mood;
    double mood_weight = 0.3;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "recommend", "recommend movies from a saved model for a user or a list of liked titles");
  o->source.add_options(*cmd);
  cmd->add_option("--model-dir", o->model_dir, "a folder written by `movienight fit`")->required();
  auto* user = cmd->add_option("--user", o->user, "a userId of the data");
  auto* like = cmd->add_option("--like", o->likes, "a liked title, e.g. \"Toy Story (1995)\" (repeatable)");
  user->excludes(like);
  cmd->add_option("--k", o->k, "how many")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_option("--threshold", o->threshold, "a known user's ratings >= this count as liked")
      ->capture_default_str();
  cmd->add_option("--mood", o->mood,
                  "a mood (cozy, tense, ...) blended in through the movies' text embeddings");
  cmd->add_option("--mood-weight", o->mood_weight,
                  "weight of the mood against the model's standardised scores")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->callback([o] {
    if (o->user < 0 && o->likes.empty())
      throw Error(ErrorKind::kInvalidInput, "give --user ID or at least one --like TITLE");
    auto model = load_model(o->model_dir);
    const Dataset dataset = o->source.load();
    const std::string fingerprint = read_manifest(o->model_dir).value("data_fingerprint", "");
    if (model->n_items() != dataset.catalog.size()) {
      throw Error(ErrorKind::kInvalidInput,
                  o->model_dir + ": the model has " + std::to_string(model->n_items()) +
                      " items but the data has " + std::to_string(dataset.catalog.size()) +
                      "; fit it on this data");
    }
    if (!fingerprint.empty() && fingerprint != hex64(dataset.fingerprint)) {
      std::fprintf(stderr, "note: the model was fitted on other data (fingerprint %s, data %s)\n",
                   fingerprint.c_str(), hex64(dataset.fingerprint).c_str());
    }
    std::vector<ScoredItem> recs;
    std::vector<std::int32_t> known;
    if (o->user >= 0) {
      const auto& ids = dataset.ratings.user_ids;
      const auto it = std::lower_bound(ids.begin(), ids.end(), o->user);
      if (it == ids.end() || *it != o->user)
        throw Error(ErrorKind::kNotFound, "userId " + std::to_string(o->user) + " is not in the data");
      const auto u = static_cast<std::int32_t>(it - ids.begin());
      std::vector<float> scores(static_cast<std::size_t>(model->n_items()));
      if (u < model->n_users()) {
        model->score(u, scores);
      } else {
        throw Error(ErrorKind::kInvalidInput,
                    "userId " + std::to_string(o->user) + " is beyond the model's users");
      }
      exclude_items(scores, dataset.ratings.user_items(u));  // never what they already rated
      if (!o->mood.empty()) blend_mood(dataset, o->mood, o->mood_weight, scores);
      recs = top_k(scores, o->k);
    } else {
      const TitleIndex titles = make_title_index(dataset);
      for (const auto& title : o->likes) known.push_back(resolve_title(dataset, titles, title));
      const std::vector<float> values(known.size(), 1.0f);
      std::vector<float> scores(static_cast<std::size_t>(model->n_items()));
      model->score_history(known, values, scores);
      exclude_items(scores, known);
      if (!o->mood.empty()) blend_mood(dataset, o->mood, o->mood_weight, scores);
      recs = top_k(scores, o->k);
    }
    for (std::size_t r = 0; r < recs.size(); ++r) {
      const Movie& m = dataset.catalog[recs[r].item];
      std::string genres;
      for (const auto& g : m.genres) genres += (genres.empty() ? "" : "|") + g;
      std::printf("%2zu. %-60s %8.4f  %s\n", r + 1, m.title.c_str(), static_cast<double>(recs[r].score),
                  genres.c_str());
    }
  });
}

}  // namespace mn::cli
