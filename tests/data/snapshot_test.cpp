#include "data/snapshot.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/file.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

void expect_same(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.movielens, b.movielens);
  ASSERT_EQ(a.catalog.size(), b.catalog.size());
  for (std::int32_t i = 0; i < a.catalog.size(); ++i) {
    const Movie& x = a.catalog[i];
    const Movie& y = b.catalog[i];
    ASSERT_EQ(x.movie_id, y.movie_id);
    ASSERT_EQ(x.title, y.title);
    ASSERT_EQ(x.genres, y.genres);
    ASSERT_EQ(x.tags, y.tags);
    ASSERT_EQ(x.overview, y.overview);
    ASSERT_EQ(x.cast, y.cast);
    ASSERT_EQ(x.keywords, y.keywords);
    ASSERT_EQ(x.tmdb_id, y.tmdb_id);
  }
  EXPECT_EQ(a.ratings.user_ids, b.ratings.user_ids);
  EXPECT_EQ(a.ratings.user_ptr, b.ratings.user_ptr);
  EXPECT_EQ(a.ratings.items, b.ratings.items);
  EXPECT_EQ(a.ratings.ratings, b.ratings.ratings);
  EXPECT_EQ(a.ratings.timestamps, b.ratings.timestamps);
  EXPECT_EQ(a.ratings.item_ptr, b.ratings.item_ptr);
  EXPECT_EQ(a.ratings.item_users, b.ratings.item_users);
  EXPECT_EQ(a.ratings.csr_pos, b.ratings.csr_pos);
  EXPECT_EQ(a.tags.size(), b.tags.size());
  EXPECT_EQ(a.users.size(), b.users.size());
  EXPECT_EQ(a.splits.size(), b.splits.size());
  EXPECT_EQ(a.recipes.size(), b.recipes.size());
  EXPECT_EQ(a.recipes.interactions().size(), b.recipes.interactions().size());
  EXPECT_EQ(a.skipped.total(), b.skipped.total());
  EXPECT_EQ(a.notes, b.notes);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.genome.has_value(), b.genome.has_value());
}

TEST(SnapshotTest, RoundTripOfTheSharedData) {
  const Dataset d = load_dataset({test::datasets_dir()}, {false});
  test::TempDir tmp;
  save_snapshot(d, tmp / "all.snap");
  EXPECT_TRUE(is_snapshot(tmp / "all.snap"));
  expect_same(d, load_snapshot(tmp / "all.snap"));
}

TEST(SnapshotTest, RoundTripOfFixturesWithSplitsUsersAndGenome) {
  test::TempDir tmp;
  for (const char* name : {"ml-100k", "ml-1m", "ml-25m-genome"}) {
    const Dataset d = load_dataset({test::fixtures_dir() / name}, {false});
    save_snapshot(d, tmp / "x.snap");
    const Dataset back = load_snapshot(tmp / "x.snap");
    expect_same(d, back);
    if (d.genome) {
      EXPECT_EQ(d.genome->relevance, back.genome->relevance);
    }
    if (!d.splits.empty()) {
      EXPECT_EQ(d.splits[0].test[0].timestamp, back.splits[0].test[0].timestamp);
    }
  }
}

TEST(SnapshotTest, CorruptTruncatedAndForeignFilesAreRefused) {
  const Dataset d = load_dataset({test::fixtures_dir() / "ml-1m"}, {false});
  test::TempDir tmp;
  save_snapshot(d, tmp / "x.snap");
  std::string bytes = read_file(tmp / "x.snap");

  auto expect_refused = [&](const std::string& contents, const std::string& why) {
    write_file_atomic(tmp / "bad.snap", contents);
    try {
      load_snapshot(tmp / "bad.snap");
      FAIL() << "expected refusal: " << why;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.snap"), std::string::npos) << e.what();
    }
  };
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  expect_refused(flipped, "checksum mismatch");
  expect_refused(bytes.substr(0, bytes.size() - 7), "truncated");
  expect_refused("userId,movieId,rating,timestamp\n1,2,3,4\n", "not a movienight snapshot");
  std::string newer = bytes;
  newer[8] = 99;
  expect_refused(newer, "newer than this movienight");
}

TEST(SnapshotTest, WritingIsAtomic) {
  const Dataset d = load_dataset({test::fixtures_dir() / "ml-1m"}, {false});
  test::TempDir tmp;
  save_snapshot(d, tmp / "x.snap");
  save_snapshot(d, tmp / "x.snap");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path())) ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
}

}  // namespace
}  // namespace mn
