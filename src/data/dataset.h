#pragma once
// Everything ingest builds: the movie catalog, the ratings, tags, user facts, genome scores,
// predefined splits, the Food.com recipes, and a record of what was skipped and why.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/catalog.h"
#include "data/interactions.h"
#include "data/recipe_book.h"
#include "data/sources.h"
#include "util/skip_log.h"

namespace mn {

struct TagApplication {
  std::int64_t user_id;  // the file's userId (taggers need not have rated anything)
  std::int32_t item;     // catalog index
  std::string tag;       // as written
  std::int64_t timestamp;
};

struct UserInfo {
  std::int64_t user_id = 0;
  std::int32_t age = 0;
  std::string gender;
  std::string occupation;
  std::string zip;
};

// MovieLens 25M tag genome: relevance of each tag to each movie.
struct Genome {
  std::vector<std::string> tags;    // by tagId - 1
  std::vector<std::int32_t> items;  // catalog indices of the scored movies
  std::vector<float> relevance;     // items.size() x tags.size(), row-major
};

// A split a dataset ships (ml-100k u1..u5, ua, ub).
struct PredefinedSplit {
  std::string name;  // "u1", "ua", ...
  std::vector<RatingTriple> train;
  std::vector<RatingTriple> test;
};

// How many catalog movies have each TMDB field, and what the join met on the way.
struct MetadataStats {
  std::int32_t overview = 0;
  std::int32_t keywords = 0;
  std::int32_t cast = 0;
  std::int32_t director = 0;
  std::int32_t cast_and_director = 0;
  std::int32_t joined_by_tmdb = 0;
  std::int32_t joined_by_imdb = 0;
  std::int32_t id_disagreements = 0;  // rows whose imdb id matched a movie whose tmdb id differs
};

struct SourceSummary {
  std::string path;
  std::string kind;
  std::int64_t rows = 0;
};

struct Dataset {
  std::string movielens;  // "csv", "ml-1m", "ml-100k" or "" when no MovieLens files were found
  Catalog catalog;
  Interactions ratings;
  std::vector<TagApplication> tags;
  std::vector<UserInfo> users;
  std::optional<Genome> genome;
  std::vector<PredefinedSplit> splits;
  RecipeBook recipes;
  MetadataStats metadata;
  SkipLog skipped;
  std::vector<SourceSummary> sources;
  std::vector<std::string> notes;  // things worth telling the user (duplicates, disagreements)
  std::uint64_t fingerprint = 0;   // hash of the content; keys caches of derived artifacts
};

struct LoadOptions {
  bool show_progress = true;
};

Dataset load_dataset(const Discovery& discovery, const LoadOptions& options = {});
Dataset load_dataset(const std::vector<std::filesystem::path>& roots, const LoadOptions& options = {});

// Fills dataset.metadata from the catalog.
void count_metadata(Dataset& dataset);

}  // namespace mn
