#include "data/sources.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "test_support.h"

namespace mn {
namespace {

std::map<std::string, FileKind> kinds(const Discovery& d) {
  std::map<std::string, FileKind> out;
  for (const auto& f : d.files) out[f.path.filename().string()] = f.kind;
  return out;
}

TEST(SourcesTest, RecognisesEverySharedFileByHeaderOrName) {
  const Discovery d = discover_data({test::datasets_dir()});
  int ml = 0, tmdb = 0, food = 0;
  for (const auto& f : d.files) {
    const std::string name = file_kind_name(f.kind);
    ml += name.rfind("movielens", 0) == 0;
    tmdb += name.rfind("tmdb", 0) == 0;
    food += name.rfind("food.com", 0) == 0;
  }
  EXPECT_EQ(ml, 4);    // ratings, movies, links, tags
  EXPECT_EQ(tmdb, 7);  // keywords, links, links_small, metadata subset, credits subset, 5000, udacity
  EXPECT_EQ(food, 5);  // three recipe files (two named otherwise), two interaction files
  for (const auto& f : d.files) {
    if (f.path.filename() == "links.csv" && f.path.parent_path().filename() == "ml-latest-small") {
      EXPECT_EQ(f.kind, FileKind::kMlLinksCsv);
    }
    if (f.path.filename() == "links.csv" && f.path.parent_path().filename() == "the-movies-dataset") {
      EXPECT_EQ(f.kind, FileKind::kTmdbLinks);
    }
    if (f.path.filename() == "food.csv") {
      EXPECT_EQ(f.kind, FileKind::kFoodRecipes);
    }
    if (f.path.filename() == "interactions_small.csv") {
      EXPECT_EQ(f.kind, FileKind::kFoodInteractions);
    }
  }
}

TEST(SourcesTest, SplitFilesOfOtherToolsAreNotRatings) {
  test::TempDir tmp;
  test::write_text(tmp / "train.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n");
  test::write_text(tmp / "notes.csv", "a,b\n1,2\n");
  const Discovery d = discover_data({tmp.path()});
  EXPECT_TRUE(d.files.empty());
  EXPECT_EQ(d.ignored.size(), 2u);
}

TEST(SourcesTest, FixedNamesOfMl1mAnd100k) {
  const auto one = kinds(discover_data({test::fixtures_dir() / "ml-1m"}));
  EXPECT_EQ(one.at("ratings.dat"), FileKind::kMl1mRatings);
  EXPECT_EQ(one.at("movies.dat"), FileKind::kMl1mMovies);
  EXPECT_EQ(one.at("users.dat"), FileKind::kMl1mUsers);
  const auto k100 = kinds(discover_data({test::fixtures_dir() / "ml-100k"}));
  EXPECT_EQ(k100.at("u.data"), FileKind::kMl100kData);
  EXPECT_EQ(k100.at("u1.base"), FileKind::kMl100kSplitBase);
  EXPECT_EQ(k100.at("u1.test"), FileKind::kMl100kSplitTest);
}

TEST(SourcesTest, DefaultFoldersFollowTheDocumentedOrder) {
  EXPECT_EQ(resolve_data_dirs({"a", "b"}), (std::vector<std::filesystem::path>{"a", "b"}));
  ::setenv("MOVIENIGHT_DATA", "/x:/y", 1);
  EXPECT_EQ(resolve_data_dirs({}), (std::vector<std::filesystem::path>{"/x", "/y"}));
  ::unsetenv("MOVIENIGHT_DATA");
  test::TempDir tmp;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp.path());
  EXPECT_TRUE(resolve_data_dirs({}).empty());
  std::filesystem::create_directories(tmp / "data");
  EXPECT_EQ(resolve_data_dirs({}), (std::vector<std::filesystem::path>{"data"}));
  std::filesystem::current_path(cwd);
}

}  // namespace
}  // namespace mn
