#include "data/movielens.h"

#include <gtest/gtest.h>

#include "data/dataset.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

using test::fixtures_dir;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(MovieLensTest, Ml1mLatin1TitlesBecomeUtf8AndUsersGetOccupations) {
  const Dataset d = load_dataset({fixtures_dir() / "ml-1m"}, {false});
  EXPECT_EQ(d.movielens, "ml-1m");
  ASSERT_EQ(d.catalog.size(), 4);
  const auto idx = d.catalog.index_of(31);
  ASSERT_TRUE(idx);
  EXPECT_EQ(d.catalog[*idx].title, "Misérables, Les (1995)");
  EXPECT_EQ(d.catalog[*idx].year, 1995);
  EXPECT_EQ(d.catalog[*idx].genres, (std::vector<std::string>{"Drama", "Musical"}));
  EXPECT_EQ(d.ratings.nnz(), 7);
  EXPECT_EQ(d.ratings.n_users(), 3);
  EXPECT_EQ(d.ratings.rating_min, 1.0f);
  ASSERT_EQ(d.users.size(), 3u);
  EXPECT_EQ(d.users[0].occupation, "K-12 student");
  EXPECT_EQ(d.users[1].occupation, "self-employed");
  EXPECT_EQ(d.users[1].age, 56);
}

TEST(MovieLensTest, Ml100kGenreFlagsUsersAndPredefinedSplits) {
  const Dataset d = load_dataset({fixtures_dir() / "ml-100k"}, {false});
  EXPECT_EQ(d.movielens, "ml-100k");
  ASSERT_EQ(d.catalog.size(), 4);
  const Movie& toy = d.catalog[*d.catalog.index_of(1)];
  EXPECT_EQ(toy.genres, (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
  EXPECT_EQ(d.catalog[*d.catalog.index_of(3)].title, "Café au Lait (1994)");
  EXPECT_EQ(d.catalog[*d.catalog.index_of(267)].year, 0);
  EXPECT_TRUE(d.catalog[*d.catalog.index_of(267)].genres.empty());
  EXPECT_EQ(d.ratings.nnz(), 8);
  ASSERT_EQ(d.splits.size(), 1u);
  EXPECT_EQ(d.splits[0].name, "u1");
  EXPECT_EQ(d.splits[0].train.size(), 6u);
  ASSERT_EQ(d.splits[0].test.size(), 2u);
  // u1.test's first row is user 3, movie 3, rating 5.
  EXPECT_EQ(d.ratings.user_ids[static_cast<std::size_t>(d.splits[0].test[0].user)], 3);
  EXPECT_EQ(d.catalog[d.splits[0].test[0].item].movie_id, 3);
  EXPECT_EQ(d.splits[0].test[0].rating, 5.0f);
  EXPECT_EQ(d.users.size(), 3u);
}

TEST(MovieLensTest, KaggleSpellingWithDateTimeTimestamps) {
  const Dataset d = load_dataset({fixtures_dir() / "ml-20m-kaggle"}, {false});
  EXPECT_EQ(d.movielens, "csv");
  EXPECT_EQ(d.catalog.size(), 3);
  EXPECT_EQ(d.catalog[*d.catalog.index_of(3)].title, "American President, The (1995)");
  EXPECT_EQ(d.catalog[*d.catalog.index_of(1)].tmdb_id, 862);
  EXPECT_EQ(d.catalog[*d.catalog.index_of(1)].imdb_id, "0114709");
  ASSERT_EQ(d.ratings.nnz(), 4);
  // User 1's entries are ordered by time: movie 3 (23:31:16) before movie 2 (23:53:47).
  EXPECT_EQ(d.catalog[d.ratings.items[0]].movie_id, 3);
  EXPECT_EQ(d.ratings.timestamps[0], 1112484676);
  // Tags: lower-cased and de-duplicated per movie, every application kept.
  EXPECT_EQ(d.tags.size(), 3u);
  EXPECT_EQ(d.catalog[*d.catalog.index_of(1)].tags, std::vector<std::string>{"pixar"});
}

TEST(MovieLensTest, GenomeAndUnsortedUsers) {
  const Dataset d = load_dataset({fixtures_dir() / "ml-25m-genome"}, {false});
  ASSERT_TRUE(d.genome);
  EXPECT_EQ(d.genome->tags, (std::vector<std::string>{"007", "pixar animation"}));
  ASSERT_EQ(d.genome->items.size(), 2u);
  EXPECT_FLOAT_EQ(d.genome->relevance[1], 0.99750f);
  // Users are dense in ascending id order although the file lists user 2 first.
  EXPECT_EQ(d.ratings.user_ids, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(d.ratings.user_ptr, (std::vector<std::int64_t>{0, 2, 4}));
  EXPECT_EQ(d.catalog[d.ratings.items[0]].movie_id, 5);  // earlier timestamp first
  EXPECT_EQ(d.ratings.ratings[0], 0.5f);
  // CSC: item Toy Story is rated by both users, in user order, pointing back into the CSR.
  const std::int32_t toy = *d.catalog.index_of(1);
  const auto b = static_cast<std::size_t>(d.ratings.item_ptr[static_cast<std::size_t>(toy)]);
  ASSERT_EQ(d.ratings.item_ptr[static_cast<std::size_t>(toy) + 1] -
                d.ratings.item_ptr[static_cast<std::size_t>(toy)],
            2);
  EXPECT_EQ(d.ratings.item_users[b], 0);
  EXPECT_EQ(d.ratings.ratings[static_cast<std::size_t>(d.ratings.csr_pos[b])], 3.0f);
  EXPECT_EQ(d.ratings.ratings[static_cast<std::size_t>(d.ratings.csr_pos[b + 1])], 4.5f);
}

TEST(MovieLensTest, RatingOffTheScaleNamesFileLineAndField) {
  const std::string msg = error_of([] { load_dataset({fixtures_dir() / "bad/rating-off-scale"}, {false}); });
  EXPECT_NE(msg.find("ratings.csv:3: rating: 7 is outside the scale 0.5..5"), std::string::npos) << msg;
}

TEST(MovieLensTest, MissingColumnIsAnError) {
  const std::string msg = error_of([] { load_dataset({fixtures_dir() / "bad/missing-column"}, {false}); });
  EXPECT_NE(msg.find("movies.csv:1: missing column 'genres'"), std::string::npos) << msg;
}

TEST(MovieLensTest, UnterminatedQuoteIsAnError) {
  const std::string msg =
      error_of([] { load_dataset({fixtures_dir() / "bad/unterminated-quote"}, {false}); });
  EXPECT_NE(msg.find("movies.csv:3: unterminated quoted field at end of file"), std::string::npos) << msg;
}

TEST(MovieLensTest, BinaryGarbageIsAnError) {
  const std::string msg = error_of([] { load_dataset({fixtures_dir() / "bad/garbage-ratings"}, {false}); });
  EXPECT_NE(msg.find("ratings.csv:3: userId"), std::string::npos) << msg;
}

TEST(MovieLensTest, RatingsWithoutMoviesFileIsAnError) {
  const std::string msg =
      error_of([] { load_dataset({fixtures_dir() / "bad/ratings-without-movies"}, {false}); });
  EXPECT_NE(msg.find("movies.csv: missing"), std::string::npos) << msg;
}

TEST(MovieLensTest, YearFromTitle) {
  EXPECT_EQ(year_from_title("Toy Story (1995)"), 1995);
  EXPECT_EQ(year_from_title("Toy Story (1995) "), 1995);
  EXPECT_EQ(year_from_title("Babylon 5"), 0);
  EXPECT_EQ(year_from_title("Fawlty Towers (1975-1979)"), 1975);
  EXPECT_EQ(year_from_title("Big Bang Theory, The (2007-)"), 2007);
  EXPECT_EQ(year_from_title("1984 (1956)"), 1956);
  EXPECT_EQ(year_from_title("(500) Days of Summer (2009)"), 2009);
}

TEST(MovieLensTest, FastReaderMatchesPlainReaderOnRealRatings) {
  const auto path = test::datasets_dir() / "ml-latest-small" / "ratings.csv";
  const RawRatings fast = read_ratings_csv(path, {0.5f, 5.0f, true}, 2);
  ASSERT_EQ(fast.users.size(), 100836u);
  EXPECT_TRUE(fast.grouped_by_user);
  // The general CSV reader over the same file, row by row.
  test::TempDir tmp;
  std::string output;
  ASSERT_EQ(
      test::run_command(
          "tail -n +2 '" + path.string() + "' | tr ',' '\\t' > '" + (tmp / "r.tsv").string() + "'", output),
      0)
      << output;
  const RawRatings plain = read_ratings_plain(tmp / "r.tsv", "\t", {0.5f, 5.0f, true});
  EXPECT_EQ(fast.users, plain.users);
  EXPECT_EQ(fast.movies, plain.movies);
  EXPECT_EQ(fast.ratings, plain.ratings);
  EXPECT_EQ(fast.timestamps, plain.timestamps);
}

TEST(MovieLensTest, FastReaderHandlesManyBlocksAndThreadCounts) {
  test::TempDir tmp;
  std::string text = "userId,movieId,rating,timestamp\n";
  // ~40 MB: more than one 32 MiB block, so rows straddle a block boundary.
  for (int u = 1; u <= 20000; ++u) {
    for (int k = 0; k < 100; ++k) {
      text += std::to_string(u) + "," + std::to_string(k * 7 + 1) + "," + (k % 2 ? "4.5" : "3") + "," +
              std::to_string(1000000000 + u * 1000 + k) + "\r\n";
    }
  }
  test::write_text(tmp / "ratings.csv", text);
  const RawRatings one = read_ratings_csv(tmp / "ratings.csv", {0.5f, 5.0f, true}, 1);
  const RawRatings three = read_ratings_csv(tmp / "ratings.csv", {0.5f, 5.0f, true}, 3);
  ASSERT_EQ(one.users.size(), 2000000u);
  EXPECT_EQ(one.users, three.users);
  EXPECT_EQ(one.movies, three.movies);
  EXPECT_EQ(one.ratings, three.ratings);
  EXPECT_EQ(one.timestamps, three.timestamps);
  EXPECT_EQ(one.users.back(), 20000);
  EXPECT_EQ(one.ratings[1], 4.5f);
  EXPECT_EQ(one.timestamps.back(), 1000000000 + 20000 * 1000 + 99);
}

TEST(MovieLensTest, FastReaderReportsTheRightLineAcrossBlocks) {
  test::TempDir tmp;
  std::string text = "userId,movieId,rating,timestamp\n";
  for (int i = 0; i < 1500000; ++i) text += "1,2,3.0,964982703\n";
  text += "1,2,3.0,oops\n";
  test::write_text(tmp / "ratings.csv", text);
  const std::string msg = error_of([&] { read_ratings_csv(tmp / "ratings.csv", {0.5f, 5.0f, true}, 2); });
  EXPECT_NE(msg.find("ratings.csv:1500002: timestamp"), std::string::npos) << msg;
}

}  // namespace
}  // namespace mn
