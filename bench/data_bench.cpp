// Data-layer micro benchmarks on ml-latest-small (../shared/datasets, or $MOVIENIGHT_SHARED):
// loading the snapshot (the figure: < 50 ms), loading from the csv files, and the readers alone.
//   build/bench/data_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "data/dataset.h"
#include "data/movielens.h"
#include "data/snapshot.h"
#include "io/csv_reader.h"
#include "util/progress.h"

namespace {

std::filesystem::path datasets() {
  if (const char* env = std::getenv("MOVIENIGHT_SHARED"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "datasets";
  }
  return std::filesystem::path(MOVIENIGHT_SOURCE_DIR) / ".." / "shared" / "datasets";
}

const std::filesystem::path& small_snapshot() {
  static const std::filesystem::path path = [] {
    mn::Progress::set_quiet(true);
    const auto p = std::filesystem::temp_directory_path() / "movienight-bench-small.snap";
    mn::save_snapshot(mn::load_dataset({datasets()}, {false}), p);
    return p;
  }();
  return path;
}

void BM_LoadSnapshotMlLatestSmall(benchmark::State& state) {
  const auto& path = small_snapshot();
  for (auto _ : state) benchmark::DoNotOptimize(mn::load_snapshot(path));
}
BENCHMARK(BM_LoadSnapshotMlLatestSmall)->Unit(benchmark::kMillisecond);

void BM_LoadCsvSharedDatasets(benchmark::State& state) {
  mn::Progress::set_quiet(true);
  for (auto _ : state) benchmark::DoNotOptimize(mn::load_dataset({datasets()}, {false}));
}
BENCHMARK(BM_LoadCsvSharedDatasets)->Unit(benchmark::kMillisecond);

void BM_ReadRatingsCsv(benchmark::State& state) {
  mn::Progress::set_quiet(true);
  const auto path = datasets() / "ml-latest-small" / "ratings.csv";
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        mn::read_ratings_csv(path, {0.5f, 5.0f, true}, static_cast<int>(state.range(0))));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(std::filesystem::file_size(path)));
}
BENCHMARK(BM_ReadRatingsCsv)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_CsvReaderKeywords(benchmark::State& state) {
  const auto path = datasets() / "the-movies-dataset" / "keywords.csv";
  for (auto _ : state) {
    mn::CsvReader reader = mn::CsvReader::open(path);
    std::size_t fields = 0;
    while (reader.next_or_throw()) fields += reader.size();
    benchmark::DoNotOptimize(fields);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(std::filesystem::file_size(path)));
}
BENCHMARK(BM_CsvReaderKeywords)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
