// movienight synth: a MovieLens-shaped synthetic ratings.csv + movies.csv (default: the ML-25M shape).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "data/synth.h"

namespace mn::cli {

void add_synth_command(CLI::App& app) {
  auto options = std::make_shared<SynthOptions>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "write a MovieLens-shaped synthetic ratings.csv and movies.csv (default: the ML-25M shape)");
  cmd->add_option("--users", options->users, "users (each gets at least 1 rating, 20 when there are enough)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--items", options->items, "movies (ids 1..items)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--ratings", options->ratings, "rating rows, exactly; at most users x items")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", options->seed, "random seed; the same options give byte-identical files")
      ->capture_default_str();
  cmd->add_option("--out", options->out, "folder for ratings.csv and movies.csv (created when missing)")
      ->required();
  cmd->add_option("--threads", options->threads, "threads (0: every core); the output does not depend on it")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([options] {
    const SynthSummary s = write_synthetic_movielens(*options);
    std::printf("synth: wrote %lld ratings (%lld users, %lld movies) to %s in %.2f s\n",
                static_cast<long long>(s.ratings), static_cast<long long>(s.users),
                static_cast<long long>(s.items), options->out.string().c_str(), s.seconds);
  });
}

}  // namespace mn::cli
