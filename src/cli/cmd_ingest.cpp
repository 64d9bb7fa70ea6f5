#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/data_source.h"
#include "data/snapshot.h"
#include "data/summary.h"
#include "util/hash.h"
#include "util/progress.h"

namespace mn::cli {

void add_ingest_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string out;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("ingest", "read every data file once and write a binary snapshot for fast start-up");
  options->source.add_options(*cmd);
  cmd->add_option("--out", options->out, "snapshot file to write (atomically)")->required();
  cmd->callback([options] {
    const Dataset dataset = options->source.load();
    const auto start = std::chrono::steady_clock::now();
    save_snapshot(dataset, options->out);
    const auto bytes = std::filesystem::file_size(options->out);
    std::printf(
        "wrote %s: %d users, %d movies, %lld ratings, %d recipes (%.1f MB, fingerprint %s) in %.2f s\n",
        options->out.c_str(), dataset.ratings.n_users(), dataset.catalog.size(),
        static_cast<long long>(dataset.ratings.nnz()), dataset.recipes.size(),
        static_cast<double>(bytes) / 1e6, hex64(dataset.fingerprint).c_str(), seconds_since(start));
  });
}

}  // namespace mn::cli
