#include "data/summary.h"

#include <algorithm>
#include <cstdio>

#include "util/hash.h"

namespace mn {

nlohmann::json dataset_summary(const Dataset& d) {
  const Interactions& x = d.ratings;
  nlohmann::json j;
  j["movielens"] = d.movielens;
  j["users"] = x.n_users();
  j["items"] = d.catalog.size();
  j["ratings"] = x.nnz();
  j["rated_items"] = x.rated_items();
  const double cells = static_cast<double>(x.n_users()) * static_cast<double>(d.catalog.size());
  j["density"] = cells > 0 ? static_cast<double>(x.nnz()) / cells : 0.0;
  float lo = 0, hi = 0;
  if (!x.ratings.empty()) {
    const auto [mn_it, mx_it] = std::minmax_element(x.ratings.begin(), x.ratings.end());
    lo = *mn_it;
    hi = *mx_it;
  }
  j["rating_min"] = lo;
  j["rating_max"] = hi;
  j["rating_scale"] = {x.rating_min, x.rating_max};
  if (!x.timestamps.empty()) {
    const auto [t0, t1] = std::minmax_element(x.timestamps.begin(), x.timestamps.end());
    j["timestamp_min"] = *t0;
    j["timestamp_max"] = *t1;
  }
  j["tags"] = d.tags.size();
  j["users_with_demographics"] = d.users.size();
  j["genome"] = d.genome ? nlohmann::json{{"tags", d.genome->tags.size()}, {"movies", d.genome->items.size()}}
                         : nlohmann::json(nullptr);
  nlohmann::json splits = nlohmann::json::array();
  for (const auto& s : d.splits)
    splits.push_back({{"name", s.name}, {"train", s.train.size()}, {"test", s.test.size()}});
  j["predefined_splits"] = splits;
  j["recipes"] = d.recipes.size();
  j["recipe_interactions"] = d.recipes.interactions().size();
  const MetadataStats& m = d.metadata;
  j["metadata"] = {{"overview", m.overview},
                   {"keywords", m.keywords},
                   {"cast", m.cast},
                   {"director", m.director},
                   {"cast_and_director", m.cast_and_director},
                   {"joined_by_tmdb_id", m.joined_by_tmdb},
                   {"joined_by_imdb_id", m.joined_by_imdb},
                   {"tmdb_imdb_disagreements", m.id_disagreements}};
  nlohmann::json skipped = nlohmann::json::object();
  for (const auto& [file, rows] : d.skipped.by_file())
    skipped[file] = {{"count", rows.count}, {"first", rows.examples}};
  j["skipped_rows"] = skipped;
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : d.sources) sources.push_back({{"path", s.path}, {"kind", s.kind}, {"rows", s.rows}});
  j["sources"] = sources;
  j["notes"] = d.notes;
  j["fingerprint"] = hex64(d.fingerprint);
  j["memory_bytes"] = x.memory_bytes();
  return j;
}

std::string format_summary(const nlohmann::json& j) {
  std::string out;
  char line[512];
  auto add = [&](const char* fmt, auto... args) {
    std::snprintf(line, sizeof line, fmt, args...);
    out += line;
  };
  const std::string ml = j["movielens"].get<std::string>();
  add("MovieLens (%s): %d users, %d movies (%d rated), %lld ratings, density %.4f%%\n",
      ml.empty() ? "none found" : ml.c_str(), j["users"].get<int>(), j["items"].get<int>(),
      j["rated_items"].get<int>(), static_cast<long long>(j["ratings"].get<std::int64_t>()),
      100 * j["density"].get<double>());
  add("  ratings %.1f..%.1f, %zu tag applications", j["rating_min"].get<double>(),
      j["rating_max"].get<double>(), j["tags"].get<std::size_t>());
  if (!j["genome"].is_null()) {
    add(", genome %zu tags x %zu movies", j["genome"]["tags"].get<std::size_t>(),
        j["genome"]["movies"].get<std::size_t>());
  }
  out += "\n";
  if (!j["predefined_splits"].empty()) {
    out += "  predefined splits:";
    for (const auto& s : j["predefined_splits"]) out += " " + s["name"].get<std::string>();
    out += "\n";
  }
  const auto& m = j["metadata"];
  add("TMDB metadata: overview %d, keywords %d, cast %d, director %d, cast+director %d movies\n",
      m["overview"].get<int>(), m["keywords"].get<int>(), m["cast"].get<int>(), m["director"].get<int>(),
      m["cast_and_director"].get<int>());
  add("Food.com: %d recipes, %zu interactions\n", j["recipes"].get<int>(),
      j["recipe_interactions"].get<std::size_t>());
  std::size_t skipped = 0;
  for (const auto& [file, rows] : j["skipped_rows"].items()) skipped += rows["count"].get<std::size_t>();
  if (skipped > 0) {
    add("Skipped %zu malformed rows:\n", skipped);
    for (const auto& [file, rows] : j["skipped_rows"].items()) {
      add("  %s: %zu\n", file.c_str(), rows["count"].get<std::size_t>());
      for (const auto& e : rows["first"]) out += "    " + e.get<std::string>() + "\n";
    }
  }
  for (const auto& note : j["notes"]) out += "note: " + note.get<std::string>() + "\n";
  return out;
}

}  // namespace mn
