// VectorIndex (FAISS 1.7.3): building over 10k movie vectors of dim 256 and 384 (the issue's
// figure: "under 5 s"), and searching: one query, and a batch of 610 queries (ml-latest-small's
// users) with and without each user's ~100 seen items excluded. Data: clustered Gaussian vectors
// (50 centres), fixed seed, cosine.
//   build/bench/vector_index_bench [--benchmark_filter=...]
// Arguments: /dim/threads for builds, /dim for searches. The label says whether OPENBLAS_CORETYPE
// was set (it pins OpenBLAS to older kernels, which slows the flat batch path).
// Measured on the 2-core dev machine while other builds ran (CPU time; wall time was up to 3x):
// flat build 17 ms (dim 256) / 27 ms (384); HNSW (M=32, efConstruction=80) 1.6 s / 2.5 s on one
// thread, 0.8 s / 1.2 s of CPU per thread on two; one query, flat 1.3 / 2.2 ms, HNSW 0.3 / 0.5 ms.
// Debian's FAISS 1.7.3 is a generic build (scalar reference distance kernels, no AVX2).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <random>
#include <vector>

#include "index/vector_index.h"

namespace {

constexpr std::int64_t kItems = 10000;
constexpr std::int64_t kUsers = 610;

std::vector<float> clustered(std::int64_t n, int dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(50 * static_cast<std::size_t>(dim));
  for (float& v : centres) v = normal(rng);
  std::vector<float> rows(static_cast<std::size_t>(n) * static_cast<std::size_t>(dim));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t c = rng() % 50;
    for (int j = 0; j < dim; ++j) {
      const auto at =
          static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j);
      rows[at] =
          centres[c * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] + 0.7f * normal(rng);
    }
  }
  return rows;
}

const std::vector<float>& items(int dim) {
  static std::map<int, std::vector<float>> cache;
  auto it = cache.find(dim);
  if (it == cache.end()) it = cache.emplace(dim, clustered(kItems, dim, 1)).first;
  return it->second;
}

const std::vector<float>& users(int dim) {
  static std::map<int, std::vector<float>> cache;
  auto it = cache.find(dim);
  if (it == cache.end()) it = cache.emplace(dim, clustered(kUsers, dim, 2)).first;
  return it->second;
}

// ~100 seen items per user, as ml-latest-small's median user has.
const std::vector<std::vector<std::int64_t>>& seen() {
  static const std::vector<std::vector<std::int64_t>> lists = [] {
    std::mt19937 rng(3);
    std::vector<std::vector<std::int64_t>> out(kUsers);
    for (auto& list : out) {
      for (int i = 0; i < 100; ++i) list.push_back(static_cast<std::int64_t>(rng() % kItems));
    }
    return out;
  }();
  return lists;
}

void label(benchmark::State& state) {
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  state.SetLabel(core != nullptr ? std::string("OPENBLAS_CORETYPE=") + core : "OPENBLAS_CORETYPE unset");
}

void build(benchmark::State& state, mn::IndexKind kind) {
  const int dim = static_cast<int>(state.range(0));
  const std::vector<float>& rows = items(dim);
  mn::IndexOptions options;
  options.kind = kind;
  options.threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    mn::VectorIndex index = mn::VectorIndex::build(rows, dim, options);
    benchmark::DoNotOptimize(index.size());
  }
  state.counters["items"] = static_cast<double>(kItems);
  label(state);
}

void BM_BuildFlat(benchmark::State& state) { build(state, mn::IndexKind::kFlat); }
BENCHMARK(BM_BuildFlat)->Args({256, 2})->Args({384, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BuildHnsw(benchmark::State& state) { build(state, mn::IndexKind::kHnsw); }
BENCHMARK(BM_BuildHnsw)
    ->Args({256, 1})
    ->Args({256, 2})
    ->Args({384, 1})
    ->Args({384, 2})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

const mn::VectorIndex& index_of(mn::IndexKind kind, int dim) {
  static std::map<std::pair<int, int>, mn::VectorIndex> cache;
  const auto key = std::make_pair(static_cast<int>(kind), dim);
  auto it = cache.find(key);
  if (it == cache.end()) {
    mn::IndexOptions options;
    options.kind = kind;
    it = cache.emplace(key, mn::VectorIndex::build(items(dim), dim, options)).first;
  }
  return it->second;
}

void search_single(benchmark::State& state, mn::IndexKind kind, bool exclude) {
  const int dim = static_cast<int>(state.range(0));
  const mn::VectorIndex& index = index_of(kind, dim);
  const std::vector<float>& q = users(dim);
  std::int64_t u = 0;
  for (auto _ : state) {
    const std::span<const float> query(q.data() + static_cast<std::size_t>(u) * static_cast<std::size_t>(dim),
                                       static_cast<std::size_t>(dim));
    const std::span<const std::int64_t> skip =
        exclude ? std::span<const std::int64_t>(seen()[static_cast<std::size_t>(u)])
                : std::span<const std::int64_t>();
    benchmark::DoNotOptimize(index.search(query, 10, skip));
    u = (u + 1) % kUsers;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  label(state);
}

void BM_SearchFlat(benchmark::State& state) { search_single(state, mn::IndexKind::kFlat, false); }
BENCHMARK(BM_SearchFlat)->Arg(256)->Arg(384)->Unit(benchmark::kMicrosecond);
void BM_SearchFlatExcludingSeen(benchmark::State& state) { search_single(state, mn::IndexKind::kFlat, true); }
BENCHMARK(BM_SearchFlatExcludingSeen)->Arg(384)->Unit(benchmark::kMicrosecond);
void BM_SearchHnsw(benchmark::State& state) { search_single(state, mn::IndexKind::kHnsw, false); }
BENCHMARK(BM_SearchHnsw)->Arg(256)->Arg(384)->Unit(benchmark::kMicrosecond);
void BM_SearchHnswExcludingSeen(benchmark::State& state) { search_single(state, mn::IndexKind::kHnsw, true); }
BENCHMARK(BM_SearchHnswExcludingSeen)->Arg(384)->Unit(benchmark::kMicrosecond);

void search_batch(benchmark::State& state, mn::IndexKind kind, bool exclude) {
  const int dim = static_cast<int>(state.range(0));
  const mn::VectorIndex& index = index_of(kind, dim);
  const std::vector<float>& q = users(dim);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        index.search_batch(q, 10, exclude ? seen() : std::vector<std::vector<std::int64_t>>{}));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kUsers);
  label(state);
}

void BM_BatchFlat(benchmark::State& state) { search_batch(state, mn::IndexKind::kFlat, false); }
BENCHMARK(BM_BatchFlat)->Arg(384)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_BatchFlatExcludingSeen(benchmark::State& state) { search_batch(state, mn::IndexKind::kFlat, true); }
BENCHMARK(BM_BatchFlatExcludingSeen)->Arg(384)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_BatchHnsw(benchmark::State& state) { search_batch(state, mn::IndexKind::kHnsw, false); }
BENCHMARK(BM_BatchHnsw)->Arg(384)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_BatchHnswExcludingSeen(benchmark::State& state) { search_batch(state, mn::IndexKind::kHnsw, true); }
BENCHMARK(BM_BatchHnswExcludingSeen)->Arg(384)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
