#include "cli/title_resolve.h"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace mn::cli {

TitleIndex make_title_index(const Dataset& dataset) {
  TitleIndex index(dataset.catalog);
  std::vector<float> counts(static_cast<std::size_t>(dataset.catalog.size()), 0.0f);
  for (std::int32_t i = 0; i < dataset.catalog.size(); ++i) {
    const auto p = static_cast<std::size_t>(i);
    if (p + 1 < dataset.ratings.item_ptr.size()) {
      counts[p] = static_cast<float>(dataset.ratings.item_ptr[p + 1] - dataset.ratings.item_ptr[p]);
    }
  }
  index.set_popularity(counts);
  return index;
}

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
