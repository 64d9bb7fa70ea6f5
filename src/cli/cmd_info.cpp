#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/data_source.h"
#include "data/summary.h"

namespace mn::cli {

void add_info_command(CLI::App& app) {
  struct Options {
    DataSource source;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "info", "load the data and print its summary (counts, metadata coverage, skipped rows)");
  options->source.add_options(*cmd);
  cmd->add_flag("--json", options->json, "print the summary as JSON");
  cmd->callback([options] {
    const Dataset dataset = options->source.load();
    const nlohmann::json summary = dataset_summary(dataset);
    const std::string text = options->json ? summary.dump(2) + "\n" : format_summary(summary);
    std::fwrite(text.data(), 1, text.size(), stdout);
  });
}

}  // namespace mn::cli
