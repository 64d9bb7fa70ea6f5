#pragma once
// Finding data: every --data folder is scanned recursively and each file is recognised by its
// header (or by MovieLens's fixed names for the header-less .dat / ml-100k files).
#include <filesystem>
#include <string>
#include <vector>

namespace mn {

enum class FileKind {
  // MovieLens csv (latest-small / 20M / 25M, and Kaggle's rating.csv/movie.csv/... spelling)
  kMlRatingsCsv,
  kMlMoviesCsv,
  kMlLinksCsv,
  kMlTagsCsv,
  kMlGenomeScores,
  kMlGenomeTags,
  // MovieLens 1M ("::"-separated, Latin-1)
  kMl1mRatings,
  kMl1mMovies,
  kMl1mUsers,
  // MovieLens 100k
  kMl100kData,
  kMl100kItem,
  kMl100kUser,
  kMl100kGenre,
  kMl100kSplitBase,  // u1.base ... u5.base, ua.base, ub.base
  kMl100kSplitTest,
  // The Movies Dataset (Kaggle) and the other TMDB layouts
  kTmdbMetadata,     // movies_metadata.csv layout (24 columns, Python-literal lists)
  kTmdbKeywords,     // id,keywords
  kTmdbCredits,      // cast,crew,id
  kTmdbCreditsTop3,  // id,top_cast,director
  kTmdb5000Movies,   // tmdb_5000_movies.csv (JSON list columns)
  kTmdbUdacity,      // tmdb-movies.csv ('|'-separated lists)
  kTmdbLinks,        // links.csv / links_small.csv of The Movies Dataset (movieId,imdbId,tmdbId)
  // Food.com
  kFoodRecipes,
  kFoodInteractions,
};

const char* file_kind_name(FileKind kind);

struct DataFile {
  std::filesystem::path path;
  FileKind kind;
};

struct Discovery {
  std::vector<DataFile> files;                 // sorted by path, so loading order is stable
  std::vector<std::filesystem::path> ignored;  // .csv/.dat-like files that matched no format
  std::vector<std::filesystem::path> roots;
};

// Scans each root recursively. Throws mn::Error when a root does not exist.
Discovery discover_data(const std::vector<std::filesystem::path>& roots);

// What --data means when it is absent: $MOVIENIGHT_DATA, then ./data, then ../shared/datasets.
// Returns the folders given, or the first default that exists; empty when there is none.
std::vector<std::filesystem::path> resolve_data_dirs(const std::vector<std::string>& given);

// The text printed when no data can be found.
std::string no_data_help();

}  // namespace mn
