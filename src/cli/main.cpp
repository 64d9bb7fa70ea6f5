// The movienight command: turns every error into a one-line message and an exit code.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "util/error.h"
#include "util/progress.h"

int main(int argc, char** argv) {
  CLI::App app{"movienight: movie-night recommendations and a recommender-systems toolkit"};
  app.set_version_flag("--version", std::string("movienight ") + MOVIENIGHT_VERSION);
  app.require_subcommand(1);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "no progress output")->configurable(false);
  app.parse_complete_callback([&] { mn::Progress::set_quiet(quiet); });

  mn::cli::add_info_command(app);
  mn::cli::add_ingest_command(app);
  mn::cli::add_synth_command(app);
  mn::cli::add_fetch_command(app);
  mn::cli::add_eval_command(app);
  mn::cli::add_tune_command(app);
  mn::cli::add_fit_command(app);
  mn::cli::add_recommend_command(app);
  mn::cli::add_embed_command(app);
  mn::cli::add_similar_command(app);
  mn::cli::add_serve_command(app);
  mn::cli::add_night_command(app);
  mn::cli::add_eval_night_command(app);
  mn::cli::add_export_command(app);
  mn::cli::add_predict_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const mn::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.kind() == mn::ErrorKind::kInternal ? 70 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s\n", e.what());
    return 70;
  }
  return 0;
}
