#include "data/synth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "io/file.h"
#include "test_support.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

struct Row {
  std::int64_t user, movie, time;
  std::string rating;
};

std::vector<Row> read_rows(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  std::vector<Row> rows;
  bool header = true;
  for (std::string_view line : split(std::string_view(text).substr(0, text.size() - 1), "\n")) {
    if (header) {
      EXPECT_EQ(line, "userId,movieId,rating,timestamp");
      header = false;
      continue;
    }
    const auto f = split(line, ",");
    if (f.size() != 4) {
      ADD_FAILURE() << "bad row: " << line;
      break;
    }
    rows.push_back({*parse_int(f[0]), *parse_int(f[1]), *parse_int(f[3]), std::string(f[2])});
  }
  return rows;
}

SynthSummary synth(const std::filesystem::path& out, std::int64_t users, std::int64_t items,
                   std::int64_t ratings, std::uint64_t seed, int threads = 2) {
  SynthOptions o;
  o.users = users;
  o.items = items;
  o.ratings = ratings;
  o.seed = seed;
  o.threads = threads;
  o.out = out;
  return write_synthetic_movielens(o);
}

TEST(SynthTest, SmallDatasetHasTheMovieLensShape) {
  test::TempDir tmp;
  const SynthSummary s = synth(tmp.path(), 1000, 500, 50000, 7);
  EXPECT_EQ(s.ratings, 50000);
  EXPECT_EQ(s.users, 1000);
  const std::vector<Row> rows = read_rows(tmp / "ratings.csv");
  ASSERT_EQ(rows.size(), 50000u);

  std::set<std::pair<std::int64_t, std::int64_t>> pairs;
  std::map<std::int64_t, std::int64_t> per_user;
  std::vector<std::int64_t> per_movie(501, 0);
  std::map<std::string, std::int64_t> histogram;
  const std::int64_t earliest = days_from_civil(1995, 1, 1) * 86400;
  const std::int64_t latest = days_from_civil(2020, 1, 1) * 86400;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    ASSERT_TRUE(pairs.emplace(r.user, r.movie).second) << "duplicate pair " << r.user << "," << r.movie;
    ASSERT_GE(r.movie, 1);
    ASSERT_LE(r.movie, 500);
    ASSERT_GE(r.time, earliest);
    ASSERT_LT(r.time, latest);
    if (i > 0) {
      // Sorted by user, then strictly increasing time within a user.
      ASSERT_GE(r.user, rows[i - 1].user);
      if (r.user == rows[i - 1].user) {
        ASSERT_GT(r.time, rows[i - 1].time) << "row " << i;
      }
    }
    ++per_user[r.user];
    ++per_movie[static_cast<std::size_t>(r.movie)];
    ++histogram[r.rating];
  }
  // Every user 1..1000, each with at least MovieLens's 20 ratings, some far more.
  ASSERT_EQ(per_user.size(), 1000u);
  EXPECT_EQ(per_user.begin()->first, 1);
  EXPECT_EQ(per_user.rbegin()->first, 1000);
  std::int64_t most = 0;
  for (const auto& [user, n] : per_user) {
    EXPECT_GE(n, 20) << user;
    most = std::max(most, n);
  }
  EXPECT_GT(most, 200);

  // Half stars only, 4.0 the most common, then 3.0; 0.5 rare.
  const std::set<std::string> grid{"0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"};
  for (const auto& [rating, n] : histogram) EXPECT_TRUE(grid.count(rating)) << rating;
  const auto mode = std::max_element(histogram.begin(), histogram.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_EQ(mode->first, "4.0");
  EXPECT_GT(histogram["3.0"], histogram["5.0"]);
  EXPECT_GT(histogram["4.0"], histogram["4.5"]);
  EXPECT_LT(histogram["0.5"], histogram["3.5"] / 4);

  // Popularity is heavy-tailed: the top movie has many times the median movie's count.
  std::vector<std::int64_t> counts(per_movie.begin() + 1, per_movie.end());
  std::sort(counts.begin(), counts.end());
  const std::int64_t median = counts[counts.size() / 2];
  EXPECT_GT(counts.back(), 5 * std::max<std::int64_t>(median, 1))
      << "top " << counts.back() << " median " << median;

  // movies.csv: 500 movies, ids 1..500, MovieLens-style titles and 1-3 MovieLens genres.
  const std::string movies = read_file(tmp / "movies.csv");
  const auto lines = split(std::string_view(movies).substr(0, movies.size() - 1), "\n");
  ASSERT_EQ(lines.size(), 501u);
  EXPECT_EQ(lines[0], "movieId,title,genres");
  const std::set<std::string_view> genres{"Action", "Adventure",   "Animation", "Children", "Comedy",
                                          "Crime",  "Documentary", "Drama",     "Fantasy",  "Film-Noir",
                                          "Horror", "IMAX",        "Musical",   "Mystery",  "Romance",
                                          "Sci-Fi", "Thriller",    "War",       "Western"};
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split(lines[i], ",");
    ASSERT_EQ(f.size(), 3u) << lines[i];
    EXPECT_EQ(f[0], std::to_string(i));
    EXPECT_EQ(f[1].substr(0, 16 + f[0].size() + 2), "Synthetic Movie " + std::string(f[0]) + " (") << f[1];
    const auto g = split(f[2], "|");
    EXPECT_GE(g.size(), 1u);
    EXPECT_LE(g.size(), 3u);
    for (std::string_view name : g) EXPECT_TRUE(genres.count(name)) << name;
  }

  // The project's own MovieLens loader takes it as it takes ML-25M.
  const Dataset d = load_dataset({tmp.path()}, {false});
  EXPECT_EQ(d.ratings.nnz(), 50000);
  EXPECT_EQ(d.ratings.n_users(), 1000);
  EXPECT_EQ(d.catalog.size(), 500);
}

TEST(SynthTest, SameSeedSameBytesWhateverTheThreadCount) {
  test::TempDir a, b, c, d;
  synth(a.path(), 300, 200, 20000, 42, 1);
  synth(b.path(), 300, 200, 20000, 42, 2);
  synth(c.path(), 300, 200, 20000, 42, 3);
  synth(d.path(), 300, 200, 20000, 43, 2);
  const std::string ra = read_file(a / "ratings.csv");
  EXPECT_EQ(ra, read_file(b / "ratings.csv"));
  EXPECT_EQ(ra, read_file(c / "ratings.csv"));
  EXPECT_EQ(read_file(a / "movies.csv"), read_file(b / "movies.csv"));
  EXPECT_NE(ra, read_file(d / "ratings.csv"));
  EXPECT_NE(read_file(a / "movies.csv"), read_file(d / "movies.csv"));
}

TEST(SynthTest, EdgeShapes) {
  {
    // Every user rates every movie.
    test::TempDir tmp;
    synth(tmp.path(), 10, 30, 300, 1);
    const auto rows = read_rows(tmp / "ratings.csv");
    ASSERT_EQ(rows.size(), 300u);
    std::set<std::pair<std::int64_t, std::int64_t>> pairs;
    for (const Row& r : rows) pairs.emplace(r.user, r.movie);
    EXPECT_EQ(pairs.size(), 300u);
  }
  {
    // Fewer ratings than 20 per user: everyone still gets one.
    test::TempDir tmp;
    synth(tmp.path(), 5, 100, 7, 1);
    const auto rows = read_rows(tmp / "ratings.csv");
    ASSERT_EQ(rows.size(), 7u);
    std::set<std::int64_t> users;
    for (const Row& r : rows) users.insert(r.user);
    EXPECT_EQ(users.size(), 5u);
  }
  {
    // Heavy users near the catalogue size.
    test::TempDir tmp;
    synth(tmp.path(), 50, 40, 1900, 3);
    const auto rows = read_rows(tmp / "ratings.csv");
    ASSERT_EQ(rows.size(), 1900u);
    std::map<std::int64_t, std::set<std::int64_t>> seen;
    for (const Row& r : rows) ASSERT_TRUE(seen[r.user].insert(r.movie).second);
    for (const auto& [user, movies] : seen) EXPECT_LE(movies.size(), 40u);
  }
}

TEST(SynthTest, ImpossibleShapesAreInvalidInput) {
  test::TempDir tmp;
  for (const auto& [users, items, ratings] :
       std::vector<std::array<std::int64_t, 3>>{{10, 10, 101}, {10, 10, 5}, {0, 10, 10}, {10, 0, 10}}) {
    try {
      synth(tmp.path(), users, items, ratings, 0);
      ADD_FAILURE() << users << " " << items << " " << ratings << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput) << e.what();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(tmp / "ratings.csv"));
}

std::string bin() { return "'" + test::movienight_binary().string() + "'"; }

TEST(SynthTest, CommandLine) {
  test::TempDir tmp;
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " synth --help", out), 0) << out;
  EXPECT_NE(out.find("--ratings"), std::string::npos) << out;
  EXPECT_NE(out.find("25000095"), std::string::npos) << out;  // the ML-25M shape by default

  const std::string dir = (tmp / "synth").string();
  ASSERT_EQ(
      test::run_command(
          bin() + " -q synth --users 100 --items 80 --ratings 4000 --seed 5 --threads 2 --out '" + dir + "'",
          out),
      0)
      << out;
  EXPECT_NE(out.find("synth: wrote 4000 ratings (100 users, 80 movies)"), std::string::npos) << out;
  EXPECT_EQ(read_rows(tmp / "synth/ratings.csv").size(), 4000u);

  // The library call with the same options writes the same bytes.
  test::TempDir lib;
  synth(lib.path(), 100, 80, 4000, 5, 1);
  EXPECT_EQ(read_file(tmp / "synth/ratings.csv"), read_file(lib / "ratings.csv"));

  EXPECT_EQ(test::run_command(bin() + " synth --users 10 --items 10 --ratings 101 --out '" + dir + "'", out),
            2);
  EXPECT_NE(out.find("error: synth: --users 10 x --items 10 is below --ratings 101"), std::string::npos)
      << out;
  EXPECT_NE(test::run_command(bin() + " synth --users 10", out), 0);  // --out is required
}

}  // namespace
}  // namespace mn
