#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "data/fetch.h"
#include "util/error.h"

namespace mn::cli {
namespace {

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

std::string shell_quote(const std::string& s) {
  if (s.find_first_of(" \t'\"$`\\") == std::string::npos) return s;
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void add_fetch_command(CLI::App& app) {
  struct Options {
    FetchOptions fetch;
    std::string dest = "data";
    bool list = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("fetch",
                         "download a MovieLens dataset (ml-latest-small, ml-100k, ml-1m, ml-20m, ml-25m) "
                         "from GroupLens and unzip it "
                         "into DEST/NAME; for tmdb, foodcom and minilm, print which files to get from where");
  cmd->add_option("name", options->fetch.name, "dataset name (see --list)");
  cmd->add_option("--dest", options->dest, "folder the dataset is unzipped into (as DEST/NAME)")
      ->capture_default_str();
  cmd->add_option("--base-url", options->fetch.base_url,
                  "download from URL/NAME.zip instead of https://files.grouplens.org/datasets/movielens/ "
                  "(default: $MOVIENIGHT_FETCH_BASE_URL, else GroupLens)");
  cmd->add_flag("--force", options->fetch.force, "download again even if DEST/NAME already holds the files");
  cmd->add_flag("--list", options->list, "list the known datasets, their sources and sizes");
  cmd->callback([options] {
    if (options->list) {
      print(known_datasets_table());
      return;
    }
    if (options->fetch.name.empty()) {
      std::string names;
      for (const auto& d : known_datasets()) names += (names.empty() ? "" : ", ") + d.name;
      throw Error(ErrorKind::kInvalidInput, "fetch needs a dataset name: one of " + names +
                                                " (movienight fetch --list describes them)");
    }
    options->fetch.dest = options->dest;
    const FetchResult result = fetch_dataset(options->fetch);
    const std::string folder = result.folder.string();
    switch (result.outcome) {
      case FetchOutcome::kManual:
        print(result.message);
        return;
      case FetchOutcome::kAlreadyPresent:
        print(folder + " already holds " + options->fetch.name +
              "; nothing to do (--force downloads it again).\n");
        break;
      case FetchOutcome::kDownloaded: {
        std::string files;
        for (const auto& f : result.files) files += (files.empty() ? "" : ", ") + f;
        print(options->fetch.name + " is in " + folder + "/ (" + files + ").\n");
        break;
      }
    }
    print("next: movienight info --data " + shell_quote(folder) + "\n");
  });
}

}  // namespace mn::cli
