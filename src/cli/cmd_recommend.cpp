// `movienight fit` trains a model on all of the data's positives and saves it as a model folder;
// `movienight recommend` loads one and prints titles for a known user or a list of liked titles.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cf/registry.h"
#include "cli/commands.h"
#include "cli/data_source.h"
#include "eval/split.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn::cli {
namespace {

// Every rating >= threshold (binary), or every rating with its value.
CsrMatrix fitting_matrix(const Dataset& d, double threshold, bool binary) {
  std::vector<RatingTriple> rows;
  const Interactions& x = d.ratings;
  for (std::int32_t u = 0; u < x.n_users(); ++u) {
    for (auto p = x.user_ptr[static_cast<std::size_t>(u)]; p < x.user_ptr[static_cast<std::size_t>(u) + 1];
         ++p) {
      const auto i = static_cast<std::size_t>(p);
      if (!binary || x.ratings[i] >= threshold)
        rows.push_back({u, x.items[i], x.ratings[i], x.timestamps[i]});
    }
  }
  return to_matrix(rows, x.n_users(), d.catalog.size(), binary);
}

std::string normalise_title(std::string_view title) { return to_lower_ascii(trim(title)); }

// Exact title (case-insensitive), else the title without its "(year)"; several matches: the most
// rated. The fuzzy lookup with suggestions belongs to the content tower.
std::int32_t find_title(const Dataset& d, const std::string& wanted) {
  const std::string w = normalise_title(wanted);
  std::int32_t best = -1;
  std::int64_t best_count = -1;
  for (int pass = 0; pass < 2 && best < 0; ++pass) {
    for (std::int32_t i = 0; i < d.catalog.size(); ++i) {
      std::string t = normalise_title(d.catalog[i].title);
      if (pass == 1 && d.catalog[i].year != 0) {
        const std::size_t open = t.rfind(" (");
        if (open != std::string::npos) t = t.substr(0, open);
      }
      if (t != w) continue;
      const std::int64_t count = d.ratings.item_ptr[static_cast<std::size_t>(i) + 1] -
                                 d.ratings.item_ptr[static_cast<std::size_t>(i)];
      if (count > best_count) {
        best = i;
        best_count = count;
      }
    }
  }
  if (best < 0)
    throw Error(ErrorKind::kNotFound, "no movie titled \"" + wanted +
                                          "\" (give the title as in movies.csv, e.g. \"Toy Story (1995)\")");
  return best;
}

}  // namespace

void add_fit_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string model;
    std::string out;
    double threshold = 4.0;
    std::string values = "binary";
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
  cmd->add_option("--values", o->values, "binary positives or the ratings")
      ->check(CLI::IsMember({"binary", "rating"}))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "threads (0: every core)")->capture_default_str();
  cmd->callback([o] {
    auto model = make_model(o->model);
    const Dataset dataset = o->source.load();
    const CsrMatrix x = fitting_matrix(dataset, o->threshold, o->values == "binary");
    FitContext ctx;
    ctx.threads = o->threads;
    ctx.show_progress = !Progress::quiet();
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
      recs = top_k(scores, o->k);
    } else {
      for (const auto& title : o->likes) known.push_back(find_title(dataset, title));
      const std::vector<float> values(known.size(), 1.0f);
      recs = recommend_history(*model, known, values, o->k);
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
