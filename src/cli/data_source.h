#pragma once
// The options every data-reading command shares: --data DIR (repeatable) or --snapshot FILE.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mn::cli {

struct DataSource {
  std::vector<std::string> data_dirs;
  std::string snapshot;
  bool fetch_missing = false;

  void add_options(CLI::App& command);
  // Loads from the snapshot, the given folders, or the default folders; without any data it
  // fetches ml-latest-small when fetch_missing is set, else explains how to get data.
  Dataset load() const;
};

}  // namespace mn::cli
