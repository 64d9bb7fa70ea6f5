// ALS speed (docs/BENCHMARKS.md, issue 4: "ALS seconds per iteration at factors 64 and 128 on the
// default 25M-row synth data as binary interactions, 2 threads, float32").
//
// Two modes:
//   build-als/bench/als_bench [--benchmark_filter=...]
//     Google Benchmark: seconds per ALS iteration on ml-latest-small (../shared/datasets, or
//     $MOVIENIGHT_SHARED) and on an in-memory power-law matrix, plus fold-in and scoring.
//   build-als/bench/als_bench --speed RATINGS.csv [--factors 64,128] [--iterations 5] [--threads 2]
//                             [--solver cg|cholesky] [--export-csr DIR]
//     The 25M figure: loads a MovieLens ratings.csv (e.g. `movienight synth --out DIR`), makes every
//     rating a binary interaction, fits implicit's configuration of scripts/als_scaling.py
//     (regularization 0.05, alpha 1, cg_steps 3) and prints seconds per iteration and the peak RSS
//     of the fit. --export-csr writes indptr.npy / indices.npy / shape.npy so that
//     bench/als_vs_implicit.sh hands implicit exactly the same matrix.
// Expected on the 2-core AVX-512 machines: see bench/als_vs_implicit.sh.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cf/als.h"
#include "cf/registry.h"
#include "data/movielens.h"
#include "io/npy.h"
#include "util/error.h"
#include "util/progress.h"

namespace {

std::filesystem::path datasets() {
  if (const char* env = std::getenv("MOVIENIGHT_SHARED"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "datasets";
  }
  return std::filesystem::path(MOVIENIGHT_SOURCE_DIR) / ".." / "shared" / "datasets";
}

// Every (user, movie) pair of a ratings file as a binary users x items matrix; users and movies
// numbered densely in ascending id order.
mn::CsrMatrix binary_matrix(const std::filesystem::path& ratings, int threads) {
  mn::RawRatings raw = mn::read_ratings_csv(ratings, {0.5f, 5.0f, true}, threads);
  const auto dense_ids = [](const std::vector<std::int32_t>& ids) {
    const std::int32_t max_id = ids.empty() ? 0 : *std::max_element(ids.begin(), ids.end());
    std::vector<std::int32_t> map(static_cast<std::size_t>(max_id) + 1, -1);
    for (const std::int32_t id : ids) map[static_cast<std::size_t>(id)] = 0;
    std::int32_t next = 0;
    for (std::int32_t& m : map) {
      if (m == 0) m = next++;
    }
    return std::make_pair(map, next);
  };
  const auto [user_map, n_users] = dense_ids(raw.users);
  const auto [item_map, n_items] = dense_ids(raw.movies);
  mn::CsrMatrix m;
  m.rows = n_users;
  m.cols = n_items;
  m.indptr.assign(static_cast<std::size_t>(n_users) + 1, 0);
  for (const std::int32_t u : raw.users)
    ++m.indptr[static_cast<std::size_t>(user_map[static_cast<std::size_t>(u)]) + 1];
  for (std::size_t r = 1; r < m.indptr.size(); ++r) m.indptr[r] += m.indptr[r - 1];
  m.indices.resize(raw.users.size());
  std::vector<std::int64_t> cursor(m.indptr.begin(), m.indptr.end() - 1);
  for (std::size_t e = 0; e < raw.users.size(); ++e) {
    const auto u = static_cast<std::size_t>(user_map[static_cast<std::size_t>(raw.users[e])]);
    m.indices[static_cast<std::size_t>(cursor[u]++)] = item_map[static_cast<std::size_t>(raw.movies[e])];
  }
  raw = {};
  // Sort each row and drop repeated pairs.
  std::int64_t out = 0;
  std::int64_t begin = 0;
  for (std::int32_t r = 0; r < m.rows; ++r) {
    const std::int64_t end = m.indptr[static_cast<std::size_t>(r) + 1];
    std::sort(m.indices.begin() + begin, m.indices.begin() + end);
    const std::int64_t row_start = out;
    for (std::int64_t e = begin; e < end; ++e) {
      if (out > row_start &&
          m.indices[static_cast<std::size_t>(out - 1)] == m.indices[static_cast<std::size_t>(e)])
        continue;
      m.indices[static_cast<std::size_t>(out++)] = m.indices[static_cast<std::size_t>(e)];
    }
    begin = end;
    m.indptr[static_cast<std::size_t>(r) + 1] = out;
  }
  m.indices.resize(static_cast<std::size_t>(out));
  m.indices.shrink_to_fit();
  m.values.assign(static_cast<std::size_t>(out), 1.0f);
  return m;
}

// Power-law items (weight 1 / (rank + 10)), log-normal users; seeded, so every run fits the same.
mn::CsrMatrix synthetic_matrix(std::int32_t users, std::int32_t items, std::int64_t nnz) {
  std::mt19937_64 gen(42);
  std::vector<double> w(static_cast<std::size_t>(items));
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 1.0 / (static_cast<double>(i) + 10.0);
  std::discrete_distribution<std::int32_t> item(w.begin(), w.end());
  std::lognormal_distribution<double> activity(0.0, 1.0);
  std::vector<double> a(static_cast<std::size_t>(users));
  double total = 0;
  for (double& v : a) total += (v = activity(gen));
  std::vector<mn::SparseEntry> e;
  e.reserve(static_cast<std::size_t>(nnz));
  for (std::int32_t u = 0; u < users; ++u) {
    const auto n = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(a[static_cast<std::size_t>(u)] / total * static_cast<double>(nnz)));
    for (std::int64_t j = 0; j < n; ++j) e.push_back({u, item(gen), 1.0f});
  }
  mn::CsrMatrix m = mn::CsrMatrix::from_entries(users, items, std::move(e));
  for (float& v : m.values) v = 1.0f;  // repeated draws were summed
  return m;
}

const mn::CsrMatrix& small_matrix() {
  static const mn::CsrMatrix m = [] {
    mn::Progress::set_quiet(true);
    return binary_matrix(datasets() / "ml-latest-small" / "ratings.csv", 2);
  }();
  return m;
}

const mn::CsrMatrix& synthetic() {
  static const mn::CsrMatrix m = synthetic_matrix(50000, 15000, 3000000);
  return m;
}

// Seconds per ALS iteration (manual time: set-up and transposition are not counted, as implicit's
// fit callback does not count them).
void run_iterations(benchmark::State& state, const mn::CsrMatrix& x, const std::string& extra) {
  const auto factors = state.range(0);
  const auto threads = static_cast<int>(state.range(1));
  auto model = mn::make_model("als:regularization=0.05,alpha=1,factors=" + std::to_string(factors) + extra);
  auto& als = dynamic_cast<mn::Als&>(*model);
  std::vector<double> seconds;
  als.set_iteration_callback([&](int, double s, double) { seconds.push_back(s); });
  mn::FitContext ctx;
  ctx.threads = threads;
  for (auto _ : state) {
    seconds.clear();
    als.fit(x, ctx);
    double sum = 0;
    for (const double s : seconds) sum += s;
    state.SetIterationTime(sum / static_cast<double>(seconds.size()));
  }
  state.counters["nnz"] = static_cast<double>(x.nnz());
}

void BM_AlsIterationMlLatestSmall(benchmark::State& state) {
  run_iterations(state, small_matrix(), ",iterations=5");
}
BENCHMARK(BM_AlsIterationMlLatestSmall)
    ->ArgsProduct({{64, 128}, {1, 2}})
    ->ArgNames({"factors", "threads"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_AlsIterationSynthetic3M(benchmark::State& state) {
  run_iterations(state, synthetic(), ",iterations=2");
}
BENCHMARK(BM_AlsIterationSynthetic3M)
    ->ArgsProduct({{64, 128}, {1, 2}})
    ->ArgNames({"factors", "threads"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_AlsCholeskyIterationMlLatestSmall(benchmark::State& state) {
  run_iterations(state, small_matrix(), ",iterations=2,solver=cholesky");
}
BENCHMARK(BM_AlsCholeskyIterationMlLatestSmall)
    ->ArgsProduct({{64}, {2}})
    ->ArgNames({"factors", "threads"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

std::unique_ptr<mn::Recommender> fitted_small(int factors) {
  auto model = mn::make_model("als:iterations=3,factors=" + std::to_string(factors));
  mn::FitContext ctx;
  ctx.threads = 2;
  model->fit(small_matrix(), ctx);
  return model;
}

// Fold-in of a 100-item history (implicit's recalculate_user): the exact solve.
void BM_AlsFoldIn(benchmark::State& state) {
  const auto model = fitted_small(static_cast<int>(state.range(0)));
  std::vector<std::int32_t> items;
  for (std::int32_t i = 0; i < 100; ++i) items.push_back(i * 37 % model->n_items());
  std::sort(items.begin(), items.end());
  const std::vector<float> values(items.size(), 1.0f);
  std::vector<float> scores(static_cast<std::size_t>(model->n_items()));
  for (auto _ : state) {
    model->score_history(items, values, scores);
    benchmark::DoNotOptimize(scores.data());
  }
}
BENCHMARK(BM_AlsFoldIn)->Arg(64)->Arg(128)->ArgName("factors")->Unit(benchmark::kMicrosecond);

// Scores of every item for every user of ml-latest-small (what an evaluation pass does).
void BM_AlsScoreAllUsers(benchmark::State& state) {
  const auto model = fitted_small(64);
  std::vector<float> scores(static_cast<std::size_t>(model->n_items()));
  for (auto _ : state) {
    for (std::int32_t u = 0; u < model->n_users(); ++u) {
      model->score(u, scores);
      benchmark::DoNotOptimize(scores.data());
    }
  }
}
BENCHMARK(BM_AlsScoreAllUsers)->Unit(benchmark::kMillisecond);

std::int64_t status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::atoll(line.c_str() + std::string(key).size());
  }
  return -1;
}

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    out.push_back(std::stoi(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int speed_main(int argc, char** argv) {
  std::string ratings, export_dir, solver = "cg";
  std::vector<int> factor_list = {64, 128};
  int iterations = 5, threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw mn::Error(mn::ErrorKind::kInvalidInput, a + ": missing value");
      return argv[++i];
    };
    if (a == "--speed")
      ratings = next();
    else if (a == "--factors")
      factor_list = parse_list(next());
    else if (a == "--iterations")
      iterations = std::stoi(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--solver")
      solver = next();
    else if (a == "--export-csr")
      export_dir = next();
    else
      throw mn::Error(mn::ErrorKind::kInvalidInput, "unknown option " + a);
  }
  mn::Progress::set_quiet(true);
  const auto t0 = std::chrono::steady_clock::now();
  const mn::CsrMatrix x = binary_matrix(ratings, threads);
  std::printf("matrix: %d users x %d items, %lld non-zeros (binary), loaded in %.1f s; kernels: %s\n", x.rows,
              x.cols, static_cast<long long>(x.nnz()), mn::seconds_since(t0),
              mn::als::isa_name(mn::als::default_isa()));
  if (!export_dir.empty()) {
    std::filesystem::create_directories(export_dir);
    mn::save_npy(std::filesystem::path(export_dir) / "indptr.npy", x.indptr, {x.indptr.size()});
    mn::save_npy(std::filesystem::path(export_dir) / "indices.npy", x.indices, {x.indices.size()});
    const std::vector<std::int64_t> shape = {x.rows, x.cols};
    mn::save_npy(std::filesystem::path(export_dir) / "shape.npy", shape, {2});
  }
  const std::int64_t matrix_kb = status_kb("VmRSS:");
  for (const int f : factor_list) {
    std::ofstream("/proc/self/clear_refs") << "5";  // restart the peak-RSS count (VmHWM) for this fit
    auto model = mn::make_model("als:regularization=0.05,alpha=1,cg_steps=3,factors=" + std::to_string(f) +
                                ",iterations=" + std::to_string(iterations) + ",solver=" + solver);
    auto& als = dynamic_cast<mn::Als&>(*model);
    std::vector<double> seconds;
    als.set_iteration_callback([&](int, double s, double) { seconds.push_back(s); });
    mn::FitContext ctx;
    ctx.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    als.fit(x, ctx);
    const double total = mn::seconds_since(start);
    double sum = 0;
    std::string list;
    for (const double s : seconds) {
      sum += s;
      list += (list.empty() ? "" : ", ") + std::to_string(s).substr(0, 5);
    }
    std::printf(
        "movienight als factors=%d threads=%d solver=%s: %.3f s/iteration (mean of %zu: %s), fit %.2f s, "
        "peak RSS %.2f GB (matrix alone %.2f GB)\n",
        f, threads, solver.c_str(), sum / static_cast<double>(seconds.size()), seconds.size(), list.c_str(),
        total, static_cast<double>(status_kb("VmHWM:")) / 1048576.0,
        static_cast<double>(matrix_kb) / 1048576.0);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--speed") {
      try {
        return speed_main(argc, argv);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "als_bench: %s\n", e.what());
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
