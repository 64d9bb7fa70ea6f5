#include "cf/features.h"

#include <map>

#include "util/error.h"

namespace mn {

ItemFeatures build_item_features(const Catalog& catalog, const std::string& which, int min_tag_count) {
  const bool genres = which == "genres" || which == "genres+tags";
  const bool tags = which == "tags" || which == "genres+tags";
  if (!genres && !tags) {
    throw Error(ErrorKind::kInvalidInput,
                "item features '" + which + "': expected genres, tags or genres+tags");
  }
  std::map<std::string, int> tag_count;
  if (tags) {
    for (const Movie& m : catalog.movies()) {
      for (const auto& t : m.tags) ++tag_count[t];
    }
  }
  ItemFeatures out;
  std::map<std::string, std::int32_t> column;
  std::vector<SparseEntry> entries;
  auto add = [&](std::int32_t item, const std::string& name) {
    const auto [it, added] = column.emplace(name, static_cast<std::int32_t>(column.size()));
    if (added) out.names.push_back(name);
    entries.push_back({item, it->second, 1.0f});
  };
  for (std::int32_t i = 0; i < catalog.size(); ++i) {
    const Movie& m = catalog[i];
    if (genres) {
      if (m.genres.empty()) add(i, "genre:(no genres listed)");
      for (const auto& g : m.genres) add(i, "genre:" + g);
    }
    if (tags) {
      for (const auto& t : m.tags) {
        if (tag_count[t] >= min_tag_count) add(i, "tag:" + t);
      }
    }
  }
  out.matrix =
      CsrMatrix::from_entries(catalog.size(), static_cast<std::int32_t>(column.size()), std::move(entries));
  return out;
}

}  // namespace mn
