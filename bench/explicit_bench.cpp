// Explicit-rating models on Surprise's 80/20 split of ml-latest-small (../shared/peers/splits/
// ml-latest-small-holdout80, the split surprise.model_selection.train_test_split(test_size=0.2,
// random_state=42) makes): fit seconds, predict seconds for the 20,168 test ratings, RMSE and MAE
// of each configuration of ../shared/peers/PEERS.md section 2, and the 3-fold CV mean RMSE of
// svd(50, 30, 0.007, 0.05) on our own k-fold splits (seeds 42, 0, 1).
//   explicit_bench [--threads 2] [--only NAME_SUBSTRING] [--runs 1] [--no-cv] [--shared DIR]
//                  [--model SPEC ...]
// Test ratings whose user or item is absent from the training part count through their fallback,
// as in Surprise. Surprise's figures (one thread, same machine kind) are printed beside ours.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cf/registry.h"
#include "data/dataset.h"
#include "eval/split.h"
#include "explicit/knn.h"
#include "explicit/rating_model.h"
#include "explicit/slope_one.h"
#include "util/progress.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct Reference {
  const char* spec;
  double rmse, mae, fit_s, predict_s;  // Surprise 1.1.4, PEERS.md section 2 (0: none)
};

const Reference kReferences[] = {
    {"baseline", 0.8785, 0.6778, 0.15, 0.06},
    {"svd:n_factors=80,n_epochs=25,lr_all=0.005,reg_all=0.02,seed=42", 0.8811, 0.6768, 1.08, 0.15},
    {"svd:n_factors=50,n_epochs=30,lr_all=0.007,reg_all=0.05,seed=42", 0.8667, 0.6642, 1.19, 0.20},
    {"svdpp:seed=42", 0.8695, 0.6661, 59.01, 9.50},
    {"knnbaseline:k=40,min_k=2,sim=pearson_baseline,user_based=false", 0.8590, 0.6547, 16.10, 6.21},
    {"nmf", 0, 0, 0, 0},
    {"slopeone", 0, 0, 0, 0},
    {"coclustering", 0, 0, 0, 0},
    {"knnbasic:sim=msd,user_based=false", 0, 0, 0, 0},
    {"knnwithmeans:sim=pearson,user_based=true", 0, 0, 0, 0},
    {"knnwithzscore", 0, 0, 0, 0},
    {"normal", 0, 0, 0, 0},
};

void run(const std::string& spec, const mn::Split& split, int threads, int runs, const Reference* ref) {
  const mn::CsrMatrix train = mn::to_matrix(split.train, split.n_users, split.n_items, false);
  double best_fit = 1e300, best_predict = 1e300;
  mn::RatingErrors errors;
  std::int64_t impossible = 0;
  for (int r = 0; r < runs; ++r) {
    auto model = mn::make_model(spec);
    auto* rating = const_cast<mn::RatingModel*>(mn::as_rating_model(*model));
    if (rating == nullptr) {
      std::fprintf(stderr, "%s is not an explicit-rating model\n", spec.c_str());
      std::exit(2);
    }
    rating->set_rating_scale(0.5f, 5.0f);  // Surprise's Reader(rating_scale=(0.5, 5.0))
    mn::FitContext ctx;
    ctx.threads = threads;
    auto t0 = std::chrono::steady_clock::now();
    model->fit(train, ctx);
    best_fit = std::min(best_fit, seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    const auto predictions = rating->predict_many(split.test, threads);
    best_predict = std::min(best_predict, seconds_since(t0));
    errors = {};
    impossible = 0;
    for (std::size_t t = 0; t < predictions.size(); ++t) {
      errors.add(predictions[t].estimate, split.test[t].rating);
      impossible += predictions[t].was_impossible ? 1 : 0;
    }
  }
  std::printf("%-72s rmse %.7f  mae %.7f  fit %8.4f s  predict %7.4f s  impossible %lld", spec.c_str(),
              errors.rmse(), errors.mae(), best_fit, best_predict, static_cast<long long>(impossible));
  if (ref != nullptr && ref->rmse > 0) {
    std::printf("  | Surprise rmse %.4f (ours %+.4f)  fit x%.0f  predict x%.0f", ref->rmse,
                errors.rmse() - ref->rmse, ref->fit_s / best_fit, ref->predict_s / best_predict);
  }
  std::printf("\n");
  // The sparse item-item (user-user) arrays the neighbourhood models keep.
  auto model = mn::make_model(spec);
  if (dynamic_cast<mn::Knn*>(model.get()) != nullptr || dynamic_cast<mn::SlopeOne*>(model.get()) != nullptr) {
    model->fit(train, {threads, false, nullptr});
    const mn::CsrMatrix& m = dynamic_cast<mn::Knn*>(model.get()) != nullptr
                                 ? dynamic_cast<mn::Knn*>(model.get())->similarities()
                                 : dynamic_cast<mn::SlopeOne*>(model.get())->deviations();
    std::printf("%-72s %lld stored pairs (%.1f MB)\n", "", static_cast<long long>(m.nnz()),
                static_cast<double>(m.nnz()) * 8.0 / 1e6);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  int runs = 1;
  bool cv = true;
  std::string only;
  std::vector<std::string> models;
  std::filesystem::path shared = std::filesystem::path(MOVIENIGHT_SOURCE_DIR) / ".." / "shared";
  if (const char* env = std::getenv("MOVIENIGHT_SHARED"); env != nullptr && *env != '\0') shared = env;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    const auto next = [&]() -> std::string {
      if (a + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++a];
    };
    if (arg == "--threads") {
      threads = std::atoi(next().c_str());
    } else if (arg == "--runs") {
      runs = std::max(1, std::atoi(next().c_str()));
    } else if (arg == "--only") {
      only = next();
    } else if (arg == "--model") {
      models.push_back(next());
    } else if (arg == "--no-cv") {
      cv = false;
    } else if (arg == "--shared") {
      shared = next();
    } else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  mn::Progress::set_quiet(true);
  // Start the OpenMP thread pool before timing (a serving process has it warm).
#pragma omp parallel num_threads(threads)
  { (void)omp_get_thread_num(); }
  const mn::Dataset dataset = mn::load_dataset({shared / "datasets" / "ml-latest-small"}, {false});
  const mn::Split split = mn::load_split(shared / "peers" / "splits" / "ml-latest-small-holdout80", dataset);
  std::printf(
      "ml-latest-small holdout80: %zu train, %zu test ratings; %d threads, best of %d run(s); %d cores\n",
      split.train.size(), split.test.size(), threads, runs, omp_get_num_procs());
  if (!models.empty()) {
    for (const std::string& m : models) run(m, split, threads, runs, nullptr);
  } else {
    for (const Reference& r : kReferences) {
      if (only.empty() || std::string(r.spec).find(only) != std::string::npos)
        run(r.spec, split, threads, runs, &r);
    }
  }
  if (!cv) return 0;
  // Surprise: 0.8682 (seed 42), 0.8705 (seed 0), 0.8687 (seed 1) on its own folds.
  for (const std::uint64_t seed : {42, 0, 1}) {
    mn::SplitOptions o;
    o.protocol = "kfold";
    o.folds = 3;
    o.seed = seed;
    const auto folds = mn::make_splits(dataset, o);
    double sum = 0;
    double fit_s = 0;
    for (const mn::Split& f : folds) {
      auto model = mn::make_model("svd:n_factors=50,n_epochs=30,lr_all=0.007,reg_all=0.05,seed=" +
                                  std::to_string(seed));
      auto* rating = const_cast<mn::RatingModel*>(mn::as_rating_model(*model));
      rating->set_rating_scale(0.5f, 5.0f);
      mn::FitContext ctx;
      ctx.threads = threads;
      const auto t0 = std::chrono::steady_clock::now();
      model->fit(mn::to_matrix(f.train, f.n_users, f.n_items, false), ctx);
      fit_s += seconds_since(t0);
      sum += mn::rating_errors(*rating, f.test, threads).rmse();
    }
    std::printf("3-fold CV svd(50,30,0.007,0.05) seed %2llu: mean rmse %.5f  mean fit %.4f s\n",
                static_cast<unsigned long long>(seed), sum / static_cast<double>(folds.size()),
                fit_s / static_cast<double>(folds.size()));
  }
  return 0;
}
