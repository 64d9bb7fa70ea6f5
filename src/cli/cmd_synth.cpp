// Placeholder while the command is being written.
#include "cli/commands.h"
#include "util/error.h"

namespace mn::cli {
void add_synth_command(CLI::App& app) {
  app.add_subcommand("synth", "(being written)")->callback([] { throw Error(ErrorKind::kInternal, "synth: not built yet"); });
}
}  // namespace mn::cli
