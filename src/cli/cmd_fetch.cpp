// Placeholder while the command is being written.
#include "cli/commands.h"
#include "util/error.h"

namespace mn::cli {
void add_fetch_command(CLI::App& app) {
  app.add_subcommand("fetch", "(being written)")->callback([] { throw Error(ErrorKind::kInternal, "fetch: not built yet"); });
}
}  // namespace mn::cli
