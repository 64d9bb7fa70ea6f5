// Neighbourhood and closed-form item models on ml-latest-small (../shared/datasets, or
// $MOVIENIGHT_SHARED): fit time of itemknn (cosine K=20, BM25 K=50, TF-IDF), rp3beta and EASE on
// the positives (rating >= 4: 610 users x 9,724 items, 48,580 positives), and scoring every user.
// The reference: implicit 0.7.2 CosineRecommender(K=20) fits this matrix in 0.07 s and
// BM25Recommender(K=50) in 0.10 s with 2 threads (../shared/peers/PEERS.md section 1, train+val).
//   build/bench/knn_bench [--benchmark_filter=...]
// Expected (2 cores, no -march flags): itemknn and rp3beta well under 0.1 s; EASE a few seconds
// (a dense 6-7k x 6-7k inverse with Eigen's SSE2 kernels).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "cf/registry.h"
#include "data/movielens.h"
#include "util/progress.h"

namespace {

std::filesystem::path datasets() {
  if (const char* env = std::getenv("MOVIENIGHT_SHARED"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "datasets";
  }
  return std::filesystem::path(MOVIENIGHT_SOURCE_DIR) / ".." / "shared" / "datasets";
}

// Users and items numbered by ascending id over all ratings (as the peers' scripts do); values 1.
const mn::CsrMatrix& positives() {
  static const mn::CsrMatrix matrix = [] {
    mn::Progress::set_quiet(true);
    const mn::RawRatings raw =
        mn::read_ratings_csv(datasets() / "ml-latest-small" / "ratings.csv", {0.5f, 5.0f, true}, 1);
    std::map<std::int32_t, std::int32_t> users, items;
    for (std::size_t r = 0; r < raw.users.size(); ++r) {
      users.emplace(raw.users[r], 0);
      items.emplace(raw.movies[r], 0);
    }
    std::int32_t next = 0;
    for (auto& [id, index] : users) index = next++;
    next = 0;
    for (auto& [id, index] : items) index = next++;
    std::vector<mn::SparseEntry> entries;
    for (std::size_t r = 0; r < raw.users.size(); ++r) {
      if (raw.ratings[r] >= 4.0f) entries.push_back({users[raw.users[r]], items[raw.movies[r]], 1.0f});
    }
    return mn::CsrMatrix::from_entries(static_cast<std::int32_t>(users.size()),
                                       static_cast<std::int32_t>(items.size()), std::move(entries));
  }();
  return matrix;
}

void fit_model(benchmark::State& state, const char* spec) {
  const mn::CsrMatrix& x = positives();
  mn::FitContext ctx;
  ctx.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto model = mn::make_model(spec);
    model->fit(x, ctx);
    benchmark::DoNotOptimize(model.get());
  }
  state.counters["items"] = x.cols;
  state.counters["positives"] = static_cast<double>(x.nnz());
}

void BM_FitItemKnnCosineK20(benchmark::State& state) { fit_model(state, "itemknn:sim=cosine,k=20"); }
BENCHMARK(BM_FitItemKnnCosineK20)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FitItemKnnBm25K50(benchmark::State& state) { fit_model(state, "itemknn:sim=bm25,k=50"); }
BENCHMARK(BM_FitItemKnnBm25K50)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FitItemKnnTfidfK200(benchmark::State& state) { fit_model(state, "itemknn:sim=tfidf,k=200"); }
BENCHMARK(BM_FitItemKnnTfidfK200)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FitRp3Beta(benchmark::State& state) { fit_model(state, "rp3beta"); }
BENCHMARK(BM_FitRp3Beta)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FitEaseFloat32(benchmark::State& state) { fit_model(state, "ease"); }
BENCHMARK(BM_FitEaseFloat32)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime();

void BM_FitEaseFloat64(benchmark::State& state) { fit_model(state, "ease:precision=float64"); }
BENCHMARK(BM_FitEaseFloat64)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime();

// Scoring and top-10 for every user, one thread (what evaluation does per user).
void recommend_all(benchmark::State& state, const char* spec) {
  const mn::CsrMatrix& x = positives();
  auto model = mn::make_model(spec);
  model->fit(x, {});
  for (auto _ : state) {
    for (std::int32_t u = 0; u < x.rows; ++u) benchmark::DoNotOptimize(mn::recommend(*model, u, 10, &x));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * x.rows);
}

void BM_RecommendAllUsersItemKnn(benchmark::State& state) { recommend_all(state, "itemknn"); }
BENCHMARK(BM_RecommendAllUsersItemKnn)->Unit(benchmark::kMillisecond);

void BM_RecommendAllUsersEase(benchmark::State& state) { recommend_all(state, "ease"); }
BENCHMARK(BM_RecommendAllUsersEase)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
