#pragma once
// Loaders for the MovieLens layouts: the csv releases (latest-small, 20M, 25M and Kaggle's 20M
// spelling with date-time timestamps), 1M (".dat", "::"-separated, Latin-1) and 100k (tab and
// '|' files, Latin-1, predefined splits).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/catalog.h"
#include "data/dataset.h"
#include "data/interactions.h"
#include "util/skip_log.h"

namespace mn {

// Ratings as read, before ids are made dense. Raw ids are the file's ids.
struct RawRatings {
  std::vector<std::int32_t> users;
  std::vector<std::int32_t> movies;
  std::vector<float> ratings;
  std::vector<std::int64_t> timestamps;
  bool grouped_by_user = true;  // user ids never decrease through the file
  float rating_min = 0.5f;      // the format's scale
  float rating_max = 5.0f;
  bool half_stars = true;
};

struct RatingScale {
  float min;
  float max;
  bool half_stars;  // 0.5 steps; otherwise whole numbers
};

// Fast parallel reader for "userId,movieId,rating,timestamp" files (ratings.csv / rating.csv).
// Any malformed row or a rating off the scale is an error naming file, line and field.
RawRatings read_ratings_csv(const std::filesystem::path& path, RatingScale scale, int threads = 0);
// ratings.dat ("::") and u.data / u1.base ("\t"): user, movie, rating, timestamp.
RawRatings read_ratings_plain(const std::filesystem::path& path, const std::string& delimiter,
                              RatingScale scale);

void read_movies_csv(const std::filesystem::path& path, Catalog& catalog, SkipLog& skipped);
void read_movies_1m(const std::filesystem::path& path, Catalog& catalog, SkipLog& skipped);
// genre_names: u.genre's list in flag order (the default list when the file is absent).
void read_movies_100k(const std::filesystem::path& path, const std::vector<std::string>& genre_names,
                      Catalog& catalog, SkipLog& skipped);
std::vector<std::string> read_genres_100k(const std::filesystem::path& path);
std::vector<std::string> default_genres_100k();

// movieId,imdbId,tmdbId. With fill_only, only movies without ids get them (a second links file).
// Returns the number of movies that got ids.
std::int64_t read_links(const std::filesystem::path& path, Catalog& catalog, bool fill_only,
                        SkipLog& skipped);

void read_users_1m(const std::filesystem::path& path, std::vector<UserInfo>& users, SkipLog& skipped);
void read_users_100k(const std::filesystem::path& path, std::vector<UserInfo>& users, SkipLog& skipped);

// userId,movieId,tag,timestamp; fills tags and each movie's lower-cased, de-duplicated tag list.
void read_tags_csv(const std::filesystem::path& path, Catalog& catalog, std::vector<TagApplication>& tags,
                   SkipLog& skipped);

Genome read_genome(const std::filesystem::path& scores, const std::filesystem::path& tags,
                   const Catalog& catalog, SkipLog& skipped);

// Dense users (ascending file id) and catalog items; rated movies missing from the catalog are
// added with a placeholder title and reported in notes.
Interactions build_interactions(RawRatings&& raw, Catalog& catalog, std::vector<std::string>& notes);

// Maps a predefined split's raw rows onto the dataset's dense ids. Rows with unknown ids are an
// error: the split files come from the same dataset.
std::vector<RatingTriple> map_split(const RawRatings& raw, const Interactions& interactions,
                                    const Catalog& catalog, const std::filesystem::path& path);

}  // namespace mn
