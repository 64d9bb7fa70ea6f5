#include "data/dataset.h"

#include <gtest/gtest.h>

#include "data/summary.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

class SharedDatasetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dataset_ = new Dataset(load_dataset({test::datasets_dir()}, {false})); }
  static void TearDownTestSuite() {
    delete dataset_;
    dataset_ = nullptr;
  }
  static Dataset* dataset_;
};
Dataset* SharedDatasetTest::dataset_ = nullptr;

TEST_F(SharedDatasetTest, MovieLensLatestSmallCounts) {
  const Dataset& d = *dataset_;
  EXPECT_EQ(d.movielens, "csv");
  EXPECT_EQ(d.ratings.n_users(), 610);
  EXPECT_EQ(d.catalog.size(), 9742);
  EXPECT_EQ(d.ratings.rated_items(), 9724);
  EXPECT_EQ(d.ratings.nnz(), 100836);
  EXPECT_EQ(d.tags.size(), 3683u);
  EXPECT_EQ(d.ratings.user_ids.front(), 1);
  EXPECT_EQ(d.ratings.user_ids.back(), 610);
}

TEST_F(SharedDatasetTest, TitlesYearsGenresAndLinks) {
  const Dataset& d = *dataset_;
  const Movie& toy = d.catalog[*d.catalog.index_of(1)];
  EXPECT_EQ(toy.title, "Toy Story (1995)");
  EXPECT_EQ(toy.year, 1995);
  EXPECT_EQ(toy.genres,
            (std::vector<std::string>{"Adventure", "Animation", "Children", "Comedy", "Fantasy"}));
  EXPECT_EQ(toy.imdb_id, "0114709");
  EXPECT_EQ(toy.tmdb_id, 862);
  EXPECT_NE(std::find(toy.tags.begin(), toy.tags.end(), "pixar"), toy.tags.end());
  // Quoted title with a comma; titles without a year; 34 movies have no genres.
  EXPECT_EQ(d.catalog[*d.catalog.index_of(11)].title, "American President, The (1995)");
  int no_year = 0, no_genres = 0, trailing_space = 0;
  for (const Movie& m : d.catalog.movies()) {
    no_year += m.year == 0;
    no_genres += m.genres.empty();
    trailing_space += !m.title.empty() && m.title.back() == ' ';
  }
  // 13 titles lack a "(year)" suffix; one of them is the range "(2006–2007)", read as 2006.
  EXPECT_EQ(no_year, 12);
  EXPECT_EQ(d.catalog[*d.catalog.index_of(171749)].year, 2006);
  EXPECT_EQ(no_genres, 34);
  EXPECT_EQ(trailing_space, 0);
  // 8 movies have no tmdbId in links.csv.
  int no_tmdb = 0;
  for (const Movie& m : d.catalog.movies()) no_tmdb += m.tmdb_id == 0;
  EXPECT_LE(no_tmdb, 8);
}

TEST_F(SharedDatasetTest, EachUsersEntriesAreInTimeOrderAndCscMatchesCsr) {
  const Interactions& x = dataset_->ratings;
  for (std::int32_t u = 0; u < x.n_users(); ++u) {
    for (auto p = x.user_ptr[static_cast<std::size_t>(u)] + 1;
         p < x.user_ptr[static_cast<std::size_t>(u) + 1]; ++p) {
      const auto i = static_cast<std::size_t>(p);
      ASSERT_TRUE(x.timestamps[i - 1] < x.timestamps[i] ||
                  (x.timestamps[i - 1] == x.timestamps[i] && x.items[i - 1] < x.items[i]));
    }
  }
  ASSERT_EQ(x.item_users.size(), x.items.size());
  for (std::int32_t i = 0; i < x.n_items(); ++i) {
    for (auto p = x.item_ptr[static_cast<std::size_t>(i)]; p < x.item_ptr[static_cast<std::size_t>(i) + 1];
         ++p) {
      const auto pos = static_cast<std::size_t>(x.csr_pos[static_cast<std::size_t>(p)]);
      ASSERT_EQ(x.items[pos], i);
      const std::int32_t u = x.item_users[static_cast<std::size_t>(p)];
      ASSERT_GE(static_cast<std::int64_t>(pos), x.user_ptr[static_cast<std::size_t>(u)]);
      ASSERT_LT(static_cast<std::int64_t>(pos), x.user_ptr[static_cast<std::size_t>(u) + 1]);
    }
  }
}

TEST_F(SharedDatasetTest, SummaryJsonHasTheDocumentedFields) {
  const nlohmann::json j = dataset_summary(*dataset_);
  for (const char* key : {"users", "items", "ratings", "rated_items", "density", "rating_min", "rating_max",
                          "tags", "recipes", "recipe_interactions", "metadata", "skipped_rows"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["users"], 610);
  EXPECT_EQ(j["items"], 9742);
  EXPECT_EQ(j["rated_items"], 9724);
  EXPECT_EQ(j["ratings"], 100836);
  EXPECT_NEAR(j["density"].get<double>(), 100836.0 / (610.0 * 9742.0), 1e-12);
  EXPECT_EQ(j["rating_min"], 0.5);
  EXPECT_EQ(j["rating_max"], 5.0);
  EXPECT_EQ(j["tags"], 3683);
  for (const char* key : {"overview", "keywords", "cast", "director"})
    EXPECT_TRUE(j["metadata"].contains(key)) << key;
}

TEST(DatasetTest, TwoMovieLensFoldersAreRefused) {
  try {
    load_dataset({test::fixtures_dir() / "ml-1m", test::fixtures_dir() / "ml-100k"}, {false});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than one folder"), std::string::npos) << e.what();
  }
}

TEST(DatasetTest, MissingFolderSaysHowToGetData) {
  try {
    load_dataset({"/nonexistent/movienight"}, {false});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("movienight fetch ml-latest-small"), std::string::npos);
  }
}

TEST(DatasetTest, SameInputSameFingerprint) {
  const Dataset a = load_dataset({test::fixtures_dir() / "ml-1m"}, {false});
  const Dataset b = load_dataset({test::fixtures_dir() / "ml-1m"}, {false});
  const Dataset c = load_dataset({test::fixtures_dir() / "ml-100k"}, {false});
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

}  // namespace
}  // namespace mn
