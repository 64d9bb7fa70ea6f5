#include "cli/title_resolve.h"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace mn::cli {

std::int32_t resolve_title(const Dataset& dataset, const TitleIndex& index, const std::string& query) {
  if (const auto match = index.find(query)) return match->index;
  std::string suggestions;
  for (const TitleMatch& m : index.closest(query, 5)) {
    suggestions += (suggestions.empty() ? "" : "; ") + m.title;
  }
  std::fprintf(stderr, "error: no movie in the %d titles matches \"%s\"\nDid you mean: %s\n",
               static_cast<int>(dataset.catalog.size()), query.c_str(), suggestions.c_str());
  throw CLI::RuntimeError(kExitTitleNotFound);
}

}  // namespace mn::cli
