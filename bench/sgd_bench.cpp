// BPR and WARP speed (issue 4: "BPR and WARP epochs per second against implicit BPR and LightFM on
// ml-latest-small"), plus fold-in.
//
// Two modes:
//   build/bench/sgd_bench [--benchmark_filter=...]
//     Google Benchmark on the ml-latest-small positives (rating >= 4 of ../shared/datasets, or
//     $MOVIENIGHT_SHARED): epochs per second of bpr and warp with 1 and 2 threads, a whole warp fit
//     (epochs + the user re-solve), and one fold-in of a user.
//   build/bench/sgd_bench --speed RATINGS.csv [--threads 2] [--bpr-iterations 300]
//                         [--warp-iterations 30]
//     The figure: positives = rating >= 4 (users and movies numbered densely in id order, as the
//     peers' scripts do), one fit per configuration, one line each:
//       movienight bpr <settings> threads=2: 300 epochs in 0.412 s = 728.2 epochs/s
//     bench/bpr_warp_vs_peers.sh runs it beside implicit's BPR and LightFM and prints the ratios.
// Expected on the 2-core AVX-512 machines: see bench/bpr_warp_vs_peers.sh.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cf/bpr.h"
#include "cf/registry.h"
#include "cf/warp.h"
#include "data/movielens.h"
#include "util/error.h"

namespace {

std::filesystem::path datasets() {
  if (const char* env = std::getenv("MOVIENIGHT_SHARED"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "datasets";
  }
  return std::filesystem::path(MOVIENIGHT_SOURCE_DIR) / ".." / "shared" / "datasets";
}

// Ratings >= 4 as a binary users x items matrix; users and movies are every id of the file,
// numbered densely in ascending order (implicit's and LightFM's scripts build the same matrix).
mn::CsrMatrix positives(const std::filesystem::path& ratings) {
  const mn::RawRatings raw = mn::read_ratings_csv(ratings, {0.5f, 5.0f, true}, 1);
  std::map<std::int32_t, std::int32_t> users, movies;
  for (const std::int32_t u : raw.users) users.emplace(u, 0);
  for (const std::int32_t m : raw.movies) movies.emplace(m, 0);
  std::int32_t next = 0;
  for (auto& [id, index] : users) index = next++;
  next = 0;
  for (auto& [id, index] : movies) index = next++;
  std::vector<mn::SparseEntry> entries;
  for (std::size_t e = 0; e < raw.users.size(); ++e) {
    if (raw.ratings[e] >= 4.0f) entries.push_back({users[raw.users[e]], movies[raw.movies[e]], 1.0f});
  }
  return mn::CsrMatrix::from_entries(static_cast<std::int32_t>(users.size()),
                                     static_cast<std::int32_t>(movies.size()), std::move(entries));
}

const mn::CsrMatrix& small_positives() {
  static const mn::CsrMatrix m = positives(datasets() / "ml-latest-small" / "ratings.csv");
  return m;
}

double fit_seconds(const std::string& spec, const mn::CsrMatrix& x, int threads) {
  auto model = mn::make_model(spec);
  mn::FitContext ctx;
  ctx.threads = threads;
  const auto start = std::chrono::steady_clock::now();
  model->fit(x, ctx);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Google Benchmark: one fit of `epochs` epochs per iteration; the counter is epochs per second.
void run_epochs(benchmark::State& state, const std::string& spec, int epochs) {
  const auto threads = static_cast<int>(state.range(0));
  const mn::CsrMatrix& x = small_positives();
  for (auto _ : state) benchmark::DoNotOptimize(fit_seconds(spec, x, threads));
  state.counters["epochs/s"] =
      benchmark::Counter(static_cast<double>(epochs), benchmark::Counter::kIsIterationInvariantRate);
}

// implicit's sampler (negatives proportional to popularity), so the work matches implicit's BPR.
const char* kBprImplicit =
    "bpr:factors=64,learning_rate=0.05,regularization=0.01,negatives=popularity,pop_exponent=1";
const char* kWarpLightFm =
    "warp:factors=64,learning_rate=0.05,item_alpha=1e-5,user_alpha=1e-5,max_sampled=10";

void BM_BprEpochs(benchmark::State& state) {
  run_epochs(state, std::string(kBprImplicit) + ",iterations=50", 50);
}
BENCHMARK(BM_BprEpochs)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BprDefaultEpochs(benchmark::State& state) { run_epochs(state, "bpr:iterations=50", 50); }
BENCHMARK(BM_BprDefaultEpochs)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WarpEpochs(benchmark::State& state) {
  run_epochs(state, std::string(kWarpLightFm) + ",iterations=30,refit_users=false", 30);
}
BENCHMARK(BM_WarpEpochs)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WarpFitWithUserResolve(benchmark::State& state) {
  run_epochs(state, std::string(kWarpLightFm) + ",iterations=30", 30);
}
BENCHMARK(BM_WarpFitWithUserResolve)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One new user's fold-in (a history of ~80 positives, every item scored).
void fold_in(benchmark::State& state, const std::string& spec) {
  const mn::CsrMatrix& x = small_positives();
  auto model = mn::make_model(spec);
  mn::FitContext ctx;
  ctx.threads = 2;
  model->fit(x, ctx);
  std::vector<float> scores(static_cast<std::size_t>(x.cols));
  std::int32_t user = 0;
  for (auto _ : state) {
    model->score_history(x.row_indices(user), x.row_values(user), scores);
    benchmark::DoNotOptimize(scores.data());
    user = (user + 37) % x.rows;
  }
}
void BM_BprFoldIn(benchmark::State& state) { fold_in(state, std::string(kBprImplicit) + ",iterations=100"); }
BENCHMARK(BM_BprFoldIn)->Unit(benchmark::kMillisecond);
void BM_WarpFoldIn(benchmark::State& state) { fold_in(state, std::string(kWarpLightFm) + ",iterations=30"); }
BENCHMARK(BM_WarpFoldIn)->Unit(benchmark::kMillisecond);

int speed(int argc, char** argv) {
  std::filesystem::path ratings;
  int threads = 2, bpr_iterations = 300, warp_iterations = 30;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    const auto value = [&]() -> std::string {
      if (a + 1 >= argc) throw mn::Error(mn::ErrorKind::kInvalidInput, arg + " needs a value");
      return argv[++a];
    };
    if (arg == "--speed") {
      ratings = value();
    } else if (arg == "--threads") {
      threads = std::stoi(value());
    } else if (arg == "--bpr-iterations") {
      bpr_iterations = std::stoi(value());
    } else if (arg == "--warp-iterations") {
      warp_iterations = std::stoi(value());
    } else {
      throw mn::Error(mn::ErrorKind::kInvalidInput, "unknown option " + arg);
    }
  }
  const mn::CsrMatrix x = positives(ratings);
  std::printf("matrix: %d users x %d items, %lld positives (rating >= 4)\n", x.rows, x.cols,
              static_cast<long long>(x.nnz()));
  const auto report = [&](const std::string& spec, int epochs) {
    const double s = fit_seconds(spec, x, threads);
    std::printf("movienight %s threads=%d: %d epochs in %.3f s = %.1f epochs/s\n", spec.c_str(), threads,
                epochs, s, epochs / s);
    std::fflush(stdout);
  };
  report(std::string(kBprImplicit) + ",iterations=" + std::to_string(bpr_iterations), bpr_iterations);
  report("bpr:iterations=" + std::to_string(bpr_iterations), bpr_iterations);
  report(std::string(kWarpLightFm) + ",iterations=" + std::to_string(warp_iterations) + ",refit_users=false",
         warp_iterations);
  report(std::string(kWarpLightFm) + ",iterations=" + std::to_string(warp_iterations), warp_iterations);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    if (std::strcmp(argv[a], "--speed") == 0) {
      try {
        return speed(argc, argv);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "sgd_bench: %s\n", e.what());
        return 2;
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
