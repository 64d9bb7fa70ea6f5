#include "data/dataset.h"

#include <algorithm>
#include <map>
#include <set>

#include "data/foodcom.h"
#include "data/movielens.h"
#include "data/tmdb.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"

namespace mn {
namespace {

constexpr RatingScale kHalfStars{0.5f, 5.0f, true};
constexpr RatingScale kWholeStars{1.0f, 5.0f, false};

bool is_movielens(FileKind kind) {
  switch (kind) {
    case FileKind::kMlRatingsCsv:
    case FileKind::kMlMoviesCsv:
    case FileKind::kMlLinksCsv:
    case FileKind::kMlTagsCsv:
    case FileKind::kMlGenomeScores:
    case FileKind::kMlGenomeTags:
    case FileKind::kMl1mRatings:
    case FileKind::kMl1mMovies:
    case FileKind::kMl1mUsers:
    case FileKind::kMl100kData:
    case FileKind::kMl100kItem:
    case FileKind::kMl100kUser:
    case FileKind::kMl100kGenre:
    case FileKind::kMl100kSplitBase:
    case FileKind::kMl100kSplitTest:
      return true;
    default:
      return false;
  }
}

bool is_tmdb_table(FileKind kind) {
  switch (kind) {
    case FileKind::kTmdbMetadata:
    case FileKind::kTmdbKeywords:
    case FileKind::kTmdbCredits:
    case FileKind::kTmdbCreditsTop3:
    case FileKind::kTmdb5000Movies:
    case FileKind::kTmdbUdacity:
      return true;
    default:
      return false;
  }
}

// The MovieLens files of one dataset, found in one folder.
struct MovieLensFolder {
  std::filesystem::path dir;
  std::map<FileKind, std::filesystem::path> files;
  std::vector<std::filesystem::path> split_base, split_test;
};

MovieLensFolder pick_movielens(const Discovery& discovery) {
  std::map<std::filesystem::path, MovieLensFolder> folders;
  for (const DataFile& f : discovery.files) {
    if (!is_movielens(f.kind)) continue;
    MovieLensFolder& folder = folders[f.path.parent_path()];
    folder.dir = f.path.parent_path();
    if (f.kind == FileKind::kMl100kSplitBase) {
      folder.split_base.push_back(f.path);
    } else if (f.kind == FileKind::kMl100kSplitTest) {
      folder.split_test.push_back(f.path);
    } else {
      folder.files[f.kind] = f.path;
    }
  }
  if (folders.empty()) return {};
  if (folders.size() > 1) {
    std::string list;
    for (const auto& [dir, folder] : folders) list += "\n  " + dir.string();
    throw Error(ErrorKind::kInvalidInput,
                "found MovieLens files in more than one folder; pass --data with just one of them:" + list);
  }
  return folders.begin()->second;
}

void record_source(Dataset& d, const std::filesystem::path& path, FileKind kind, std::int64_t rows) {
  d.sources.push_back({path.string(), file_kind_name(kind), rows});
}

std::string split_name(const std::filesystem::path& path) { return path.stem().string(); }

void load_movielens(const MovieLensFolder& ml, Dataset& d) {
  auto has = [&](FileKind k) { return ml.files.count(k) > 0; };
  auto path = [&](FileKind k) { return ml.files.at(k); };
  std::vector<std::string>& notes = d.notes;
  RawRatings raw;

  if (has(FileKind::kMlMoviesCsv) || has(FileKind::kMlRatingsCsv)) {
    d.movielens = "csv";
    if (!has(FileKind::kMlMoviesCsv))
      throw_input_error((ml.dir / "movies.csv").string(), 0,
                        "missing: MovieLens ratings need the movies file beside them");
    read_movies_csv(path(FileKind::kMlMoviesCsv), d.catalog, d.skipped);
    record_source(d, path(FileKind::kMlMoviesCsv), FileKind::kMlMoviesCsv, d.catalog.size());
    if (has(FileKind::kMlLinksCsv)) {
      const auto n = read_links(path(FileKind::kMlLinksCsv), d.catalog, false, d.skipped);
      record_source(d, path(FileKind::kMlLinksCsv), FileKind::kMlLinksCsv, n);
    }
    if (has(FileKind::kMlRatingsCsv)) raw = read_ratings_csv(path(FileKind::kMlRatingsCsv), kHalfStars);
  } else if (has(FileKind::kMl1mMovies) || has(FileKind::kMl1mRatings)) {
    d.movielens = "ml-1m";
    if (!has(FileKind::kMl1mMovies))
      throw_input_error((ml.dir / "movies.dat").string(), 0,
                        "missing: ratings.dat needs movies.dat beside it");
    read_movies_1m(path(FileKind::kMl1mMovies), d.catalog, d.skipped);
    record_source(d, path(FileKind::kMl1mMovies), FileKind::kMl1mMovies, d.catalog.size());
    if (has(FileKind::kMl1mUsers)) {
      read_users_1m(path(FileKind::kMl1mUsers), d.users, d.skipped);
      record_source(d, path(FileKind::kMl1mUsers), FileKind::kMl1mUsers,
                    static_cast<std::int64_t>(d.users.size()));
    }
    if (has(FileKind::kMl1mRatings))
      raw = read_ratings_plain(path(FileKind::kMl1mRatings), "::", kWholeStars);
  } else if (has(FileKind::kMl100kItem) || has(FileKind::kMl100kData)) {
    d.movielens = "ml-100k";
    if (!has(FileKind::kMl100kItem))
      throw_input_error((ml.dir / "u.item").string(), 0, "missing: u.data needs u.item beside it");
    const auto genres =
        has(FileKind::kMl100kGenre) ? read_genres_100k(path(FileKind::kMl100kGenre)) : default_genres_100k();
    read_movies_100k(path(FileKind::kMl100kItem), genres, d.catalog, d.skipped);
    record_source(d, path(FileKind::kMl100kItem), FileKind::kMl100kItem, d.catalog.size());
    if (has(FileKind::kMl100kUser)) {
      read_users_100k(path(FileKind::kMl100kUser), d.users, d.skipped);
      record_source(d, path(FileKind::kMl100kUser), FileKind::kMl100kUser,
                    static_cast<std::int64_t>(d.users.size()));
    }
    if (has(FileKind::kMl100kData)) raw = read_ratings_plain(path(FileKind::kMl100kData), "\t", kWholeStars);
  } else {
    return;  // tags or genome alone: nothing to attach them to
  }

  const FileKind ratings_kind = d.movielens == "csv"     ? FileKind::kMlRatingsCsv
                                : d.movielens == "ml-1m" ? FileKind::kMl1mRatings
                                                         : FileKind::kMl100kData;
  const auto n_ratings = static_cast<std::int64_t>(raw.users.size());
  const bool have_ratings = has(ratings_kind);
  d.ratings = build_interactions(std::move(raw), d.catalog, notes);
  if (have_ratings) record_source(d, path(ratings_kind), ratings_kind, n_ratings);

  if (has(FileKind::kMlTagsCsv)) {
    read_tags_csv(path(FileKind::kMlTagsCsv), d.catalog, d.tags, d.skipped);
    record_source(d, path(FileKind::kMlTagsCsv), FileKind::kMlTagsCsv,
                  static_cast<std::int64_t>(d.tags.size()));
  }
  if (has(FileKind::kMlGenomeScores) != has(FileKind::kMlGenomeTags)) {
    notes.push_back(
        "genome-scores.csv and genome-tags.csv come together; the one found alone was not loaded");
  } else if (has(FileKind::kMlGenomeScores)) {
    d.genome =
        read_genome(path(FileKind::kMlGenomeScores), path(FileKind::kMlGenomeTags), d.catalog, d.skipped);
    record_source(d, path(FileKind::kMlGenomeScores), FileKind::kMlGenomeScores,
                  static_cast<std::int64_t>(d.genome->relevance.size()));
  }

  // ml-100k's predefined splits: u1..u5 and ua/ub, each a .base and a .test.
  std::map<std::string, std::pair<std::filesystem::path, std::filesystem::path>> pairs;
  for (const auto& p : ml.split_base) pairs[split_name(p)].first = p;
  for (const auto& p : ml.split_test) pairs[split_name(p)].second = p;
  for (const auto& [name, files] : pairs) {
    if (files.first.empty() || files.second.empty()) {
      notes.push_back("split " + name + " has only one of its .base/.test files; not loaded");
      continue;
    }
    PredefinedSplit split;
    split.name = name;
    split.train =
        map_split(read_ratings_plain(files.first, "\t", kWholeStars), d.ratings, d.catalog, files.first);
    split.test =
        map_split(read_ratings_plain(files.second, "\t", kWholeStars), d.ratings, d.catalog, files.second);
    record_source(d, files.first, FileKind::kMl100kSplitBase, static_cast<std::int64_t>(split.train.size()));
    record_source(d, files.second, FileKind::kMl100kSplitTest, static_cast<std::int64_t>(split.test.size()));
    d.splits.push_back(std::move(split));
  }
}

std::uint64_t fingerprint(const Dataset& d) {
  const Interactions& x = d.ratings;
  std::uint64_t h = hash64(d.movielens);
  auto mix_vec = [&](const auto& v) {
    h = hash_combine(h, hash64_blocks(v.data(), v.size() * sizeof(v[0])));
  };
  mix_vec(x.user_ids);
  mix_vec(x.user_ptr);
  mix_vec(x.items);
  mix_vec(x.ratings);
  mix_vec(x.timestamps);
  for (const Movie& m : d.catalog.movies()) {
    h = hash_combine(h, static_cast<std::uint64_t>(m.movie_id));
    h = hash_combine(h, hash64(m.title));
    h = hash_combine(h, hash64(m.overview));
    h = hash_combine(h,
                     m.genres.size() + 31 * m.tags.size() + 961 * m.keywords.size() + 29791 * m.cast.size());
  }
  h = hash_combine(h, d.tags.size());
  for (const Recipe& r : d.recipes.recipes()) h = hash_combine(h, static_cast<std::uint64_t>(r.id));
  h = hash_combine(h, d.recipes.interactions().size());
  return h;
}

}  // namespace

void count_metadata(Dataset& d) {
  MetadataStats& s = d.metadata;
  const MetadataStats join = s;
  s = MetadataStats{};
  s.joined_by_tmdb = join.joined_by_tmdb;
  s.joined_by_imdb = join.joined_by_imdb;
  s.id_disagreements = join.id_disagreements;
  for (const Movie& m : d.catalog.movies()) {
    s.overview += m.overview.empty() ? 0 : 1;
    s.keywords += m.keywords.empty() ? 0 : 1;
    s.cast += m.cast.empty() ? 0 : 1;
    s.director += m.directors.empty() ? 0 : 1;
    s.cast_and_director += (!m.cast.empty() && !m.directors.empty()) ? 1 : 0;
  }
}

Dataset load_dataset(const Discovery& discovery, const LoadOptions& options) {
  const bool quiet = Progress::quiet();
  if (!options.show_progress) Progress::set_quiet(true);
  Dataset d;
  try {
    load_movielens(pick_movielens(discovery), d);

    // The Movies Dataset's links fill ids for movies the MovieLens links lack.
    for (const DataFile& f : discovery.files) {
      if (f.kind != FileKind::kTmdbLinks || d.catalog.size() == 0) continue;
      const auto n = read_links(f.path, d.catalog, true, d.skipped);
      record_source(d, f.path, f.kind, n);
    }
    std::vector<TmdbTable> tables;
    for (const DataFile& f : discovery.files) {
      if (!is_tmdb_table(f.kind)) continue;
      tables.push_back(load_tmdb_file(f.path, f.kind, d.skipped));
      record_source(d, f.path, f.kind, static_cast<std::int64_t>(tables.back().rows.size()));
    }
    if (!tables.empty() && d.catalog.size() > 0) merge_tmdb(d.catalog, tables, d.metadata, d.notes);

    std::int64_t duplicate_recipes = 0;
    for (const DataFile& f : discovery.files) {
      if (f.kind == FileKind::kFoodRecipes) {
        const FoodLoadStats stats = load_foodcom_recipes(f.path, d.recipes, d.skipped);
        duplicate_recipes += stats.duplicates;
        record_source(d, f.path, f.kind, stats.rows);
      } else if (f.kind == FileKind::kFoodInteractions) {
        const FoodLoadStats stats = load_foodcom_interactions(f.path, d.recipes, d.skipped);
        record_source(d, f.path, f.kind, stats.rows);
      }
    }
    if (duplicate_recipes > 0) {
      d.notes.push_back(std::to_string(duplicate_recipes) +
                        " recipes appear in more than one Food.com file; each is kept once");
    }
    for (const auto& p : discovery.ignored)
      d.notes.push_back("not a known data file, ignored: " + p.string());
  } catch (...) {
    Progress::set_quiet(quiet);
    throw;
  }
  Progress::set_quiet(quiet);
  count_metadata(d);
  d.fingerprint = fingerprint(d);
  return d;
}

Dataset load_dataset(const std::vector<std::filesystem::path>& roots, const LoadOptions& options) {
  return load_dataset(discover_data(roots), options);
}

}  // namespace mn
