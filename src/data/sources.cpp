#include "data/sources.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>

#include "io/file.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {

const char* file_kind_name(FileKind kind) {
  switch (kind) {
    case FileKind::kMlRatingsCsv:
      return "movielens ratings";
    case FileKind::kMlMoviesCsv:
      return "movielens movies";
    case FileKind::kMlLinksCsv:
      return "movielens links";
    case FileKind::kMlTagsCsv:
      return "movielens tags";
    case FileKind::kMlGenomeScores:
      return "movielens genome scores";
    case FileKind::kMlGenomeTags:
      return "movielens genome tags";
    case FileKind::kMl1mRatings:
      return "movielens-1m ratings";
    case FileKind::kMl1mMovies:
      return "movielens-1m movies";
    case FileKind::kMl1mUsers:
      return "movielens-1m users";
    case FileKind::kMl100kData:
      return "movielens-100k ratings";
    case FileKind::kMl100kItem:
      return "movielens-100k movies";
    case FileKind::kMl100kUser:
      return "movielens-100k users";
    case FileKind::kMl100kGenre:
      return "movielens-100k genres";
    case FileKind::kMl100kSplitBase:
      return "movielens-100k split (train)";
    case FileKind::kMl100kSplitTest:
      return "movielens-100k split (test)";
    case FileKind::kTmdbMetadata:
      return "tmdb movies_metadata";
    case FileKind::kTmdbKeywords:
      return "tmdb keywords";
    case FileKind::kTmdbCredits:
      return "tmdb credits";
    case FileKind::kTmdbCreditsTop3:
      return "tmdb credits (top-3 cast, director)";
    case FileKind::kTmdb5000Movies:
      return "tmdb 5000 movies";
    case FileKind::kTmdbUdacity:
      return "tmdb movies (udacity)";
    case FileKind::kTmdbLinks:
      return "tmdb links";
    case FileKind::kFoodRecipes:
      return "food.com recipes";
    case FileKind::kFoodInteractions:
      return "food.com interactions";
  }
  return "unknown";
}

namespace {

// The first line of a file without BOM and line end.
std::string header_line(const std::filesystem::path& path) {
  std::string prefix = read_prefix(path, 4096);
  if (prefix.rfind("\xEF\xBB\xBF", 0) == 0) prefix.erase(0, 3);
  const std::size_t eol = prefix.find_first_of("\r\n");
  if (eol != std::string::npos) prefix.resize(eol);
  return prefix;
}

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<FileKind> classify(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  // MovieLens 1M and 100k have no header: their names are fixed.
  static const std::map<std::string, FileKind> kFixedNames = {
      {"ratings.dat", FileKind::kMl1mRatings}, {"movies.dat", FileKind::kMl1mMovies},
      {"users.dat", FileKind::kMl1mUsers},     {"u.data", FileKind::kMl100kData},
      {"u.item", FileKind::kMl100kItem},       {"u.user", FileKind::kMl100kUser},
      {"u.genre", FileKind::kMl100kGenre},
  };
  if (const auto it = kFixedNames.find(name); it != kFixedNames.end()) return it->second;
  if (name.size() == 7 && name[0] == 'u' && (name.ends_with(".base") || name.ends_with(".test"))) {
    const char which = name[1];
    if ((which >= '1' && which <= '5') || which == 'a' || which == 'b') {
      return name.ends_with(".base") ? FileKind::kMl100kSplitBase : FileKind::kMl100kSplitTest;
    }
  }
  if (!name.ends_with(".csv")) return std::nullopt;

  const std::string header = header_line(path);
  // MovieLens csv files are known by their fixed names (their loaders then check the header and
  // name a missing column). Other tools' split files (train.csv, test.csv) share the ratings
  // header and must not be taken for a second dataset.
  static const std::map<std::string, FileKind> kMovieLensNames = {
      {"ratings.csv", FileKind::kMlRatingsCsv},
      {"rating.csv", FileKind::kMlRatingsCsv},
      {"movies.csv", FileKind::kMlMoviesCsv},
      {"movie.csv", FileKind::kMlMoviesCsv},
      {"tags.csv", FileKind::kMlTagsCsv},
      {"tag.csv", FileKind::kMlTagsCsv},
      {"genome-scores.csv", FileKind::kMlGenomeScores},
      {"genome_scores.csv", FileKind::kMlGenomeScores},
      {"genome-tags.csv", FileKind::kMlGenomeTags},
      {"genome_tags.csv", FileKind::kMlGenomeTags},
  };
  if (const auto it = kMovieLensNames.find(name); it != kMovieLensNames.end()) return it->second;
  if (header == "movieId,imdbId,tmdbId") {
    // A links file beside a MovieLens movies file belongs to that dataset; elsewhere it is The
    // Movies Dataset's (same header, ids of the full MovieLens).
    const auto dir = path.parent_path();
    const bool beside_movies =
        std::filesystem::exists(dir / "movies.csv") || std::filesystem::exists(dir / "movie.csv");
    return beside_movies ? FileKind::kMlLinksCsv : FileKind::kTmdbLinks;
  }
  if (has_prefix(header, "adult,belongs_to_collection,budget,genres,homepage,id,imdb_id"))
    return FileKind::kTmdbMetadata;
  if (header == "id,keywords") return FileKind::kTmdbKeywords;
  if (header == "cast,crew,id") return FileKind::kTmdbCredits;
  if (header == "id,top_cast,director") return FileKind::kTmdbCreditsTop3;
  if (has_prefix(header, "budget,genres,homepage,id,keywords,original_language"))
    return FileKind::kTmdb5000Movies;
  if (has_prefix(header, "id,imdb_id,popularity,budget,revenue,original_title,cast"))
    return FileKind::kTmdbUdacity;
  if (has_prefix(header, "name,id,minutes,contributor_id,submitted,tags,nutrition"))
    return FileKind::kFoodRecipes;
  if (header == "user_id,recipe_id,date,rating,review") return FileKind::kFoodInteractions;
  return std::nullopt;
}

bool looks_like_data(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".csv" || ext == ".dat" || ext == ".tsv";
}

}  // namespace

Discovery discover_data(const std::vector<std::filesystem::path>& roots) {
  Discovery out;
  for (const auto& root : roots) {
    std::error_code ec;
    if (!std::filesystem::exists(root, ec)) {
      throw Error(ErrorKind::kNotFound, root.string() + ": no such folder\n" + no_data_help());
    }
    out.roots.push_back(root);
    std::vector<std::filesystem::path> paths;
    if (std::filesystem::is_regular_file(root, ec)) {
      paths.push_back(root);
    } else {
      for (auto it = std::filesystem::recursive_directory_iterator(
               root, std::filesystem::directory_options::follow_directory_symlink |
                         std::filesystem::directory_options::skip_permission_denied);
           it != std::filesystem::recursive_directory_iterator(); ++it) {
        const auto& entry = *it;
        // Hidden folders (.git, caches) are not data.
        if (entry.is_directory() && entry.path().filename().string().starts_with(".")) {
          it.disable_recursion_pending();
          continue;
        }
        if (entry.is_regular_file()) paths.push_back(entry.path());
      }
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      if (const auto kind = classify(path)) {
        out.files.push_back({path, *kind});
      } else if (looks_like_data(path)) {
        out.ignored.push_back(path);
      }
    }
  }
  return out;
}

std::vector<std::filesystem::path> resolve_data_dirs(const std::vector<std::string>& given) {
  std::vector<std::filesystem::path> out;
  for (const auto& g : given) out.emplace_back(g);
  if (!out.empty()) return out;
  if (const char* env = std::getenv("MOVIENIGHT_DATA"); env != nullptr && *env != '\0') {
    for (const auto part : split(env, ":")) {
      if (!part.empty()) out.emplace_back(std::string(part));
    }
    return out;
  }
  for (const char* candidate : {"data", "../shared/datasets"}) {
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return {candidate};
  }
  return out;
}

std::string no_data_help() {
  return "movienight needs MovieLens data. Either:\n"
         "  movienight fetch ml-latest-small          # downloads from GroupLens into ./data\n"
         "  movienight info --data DIR                # a folder holding ratings.csv, movies.csv, ...\n"
         "or set MOVIENIGHT_DATA=DIR. Without --data, movienight looks in $MOVIENIGHT_DATA, ./data and\n"
         "../shared/datasets. (MovieLens's licence forbids redistribution, so it is not shipped.)";
}

}  // namespace mn
