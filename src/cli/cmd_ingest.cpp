// Placeholder while the command is being written.
#include "cli/commands.h"
#include "util/error.h"

namespace mn::cli {
void add_ingest_command(CLI::App& app) {
  app.add_subcommand("ingest", "(being written)")->callback([] { throw Error(ErrorKind::kInternal, "ingest: not built yet"); });
}
}  // namespace mn::cli
