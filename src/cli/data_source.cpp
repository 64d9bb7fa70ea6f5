#include "cli/data_source.h"

#include <cstdio>

#include "data/fetch.h"
#include "data/snapshot.h"
#include "data/sources.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn::cli {

void DataSource::add_options(CLI::App& command) {
  auto* data =
      command.add_option("--data", data_dirs,
                         "data folder, scanned recursively (repeatable); default: $MOVIENIGHT_DATA, ./data, "
                         "../shared/datasets");
  auto* snap = command.add_option("--snapshot", snapshot, "a snapshot written by `movienight ingest`");
  data->excludes(snap);
  command.add_flag("--fetch-missing", fetch_missing,
                   "download ml-latest-small into ./data when no data is found");
}

Dataset DataSource::load() const {
  const auto start = std::chrono::steady_clock::now();
  if (!snapshot.empty()) {
    Dataset d = load_snapshot(snapshot);
    if (!Progress::quiet())
      std::fprintf(stderr, "loaded snapshot %s in %.3f s\n", snapshot.c_str(), seconds_since(start));
    return d;
  }
  std::vector<std::filesystem::path> roots = resolve_data_dirs(data_dirs);
  if (roots.empty() && fetch_missing) {
    std::fprintf(stderr, "no data found; fetching ml-latest-small from GroupLens into ./data\n");
    try {
      FetchOptions options;
      options.name = "ml-latest-small";
      roots.push_back(fetch_dataset(options).folder);
    } catch (const Error& e) {
      throw Error(e.kind(), std::string(e.what()) + "\n" + no_data_help());
    }
  }
  if (roots.empty()) throw Error(ErrorKind::kNotFound, "no data found.\n" + no_data_help());
  Dataset d = load_dataset(roots);
  if (!Progress::quiet())
    std::fprintf(stderr, "loaded %zu files in %.2f s\n", d.sources.size(), seconds_since(start));
  return d;
}

}  // namespace mn::cli
