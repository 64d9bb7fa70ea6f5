// Placeholder while the command is being written.
#include "cli/commands.h"
#include "util/error.h"

namespace mn::cli {
void add_info_command(CLI::App& app) {
  app.add_subcommand("info", "(being written)")->callback([] { throw Error(ErrorKind::kInternal, "info: not built yet"); });
}
}  // namespace mn::cli
