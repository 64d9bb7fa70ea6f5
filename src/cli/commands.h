#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the app; main() lists
// them. A command only parses, calls the library and prints.
#include <CLI/CLI.hpp>

namespace mn::cli {

void add_info_command(CLI::App& app);
void add_ingest_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_fetch_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_fit_command(CLI::App& app);
void add_recommend_command(CLI::App& app);
void add_embed_command(CLI::App& app);
void add_similar_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_night_command(CLI::App& app);
void add_eval_night_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_predict_command(CLI::App& app);

}  // namespace mn::cli
