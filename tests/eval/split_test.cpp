#include "eval/split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "io/file.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

class SplitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dataset_ = new Dataset(load_dataset({test::datasets_dir() / "ml-latest-small"}, {false}));
  }
  static void TearDownTestSuite() {
    delete dataset_;
    dataset_ = nullptr;
  }
  static Dataset* dataset_;
};
Dataset* SplitTest::dataset_ = nullptr;

TEST_F(SplitTest, LooIsByteIdenticalToThePeersSplit) {
  const auto splits = make_splits(*dataset_, {});
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].train.size(), 47364u);
  EXPECT_EQ(splits[0].validation.size(), 608u);
  EXPECT_EQ(splits[0].test.size(), 608u);
  EXPECT_EQ(std::count(splits[0].candidate.begin(), splits[0].candidate.end(), 1), 9724);
  test::TempDir tmp;
  save_split(splits[0], *dataset_, tmp.path());
  const auto peers = test::shared_dir() / "peers" / "splits" / "ml-latest-small-loo4";
  for (const char* name : {"train.csv", "val.csv", "test.csv"}) {
    EXPECT_TRUE(read_file(tmp / name) == read_file(peers / name)) << name;
  }
}

TEST_F(SplitTest, LoadSplitReadsBackWhatWasSaved) {
  const auto peers = test::shared_dir() / "peers" / "splits";
  const Split loo = load_split(peers / "ml-latest-small-loo4", *dataset_);
  EXPECT_EQ(loo.train.size(), 47364u);
  EXPECT_EQ(loo.validation.size(), 608u);
  const Split holdout80 = load_split(peers / "ml-latest-small-holdout80", *dataset_);  // no val.csv
  EXPECT_TRUE(holdout80.validation.empty());
  EXPECT_EQ(holdout80.train.size() + holdout80.test.size(), 100836u);
}

TEST_F(SplitTest, HoldoutTakesACeilingFractionOfEachUsersPositives) {
  SplitOptions o;
  o.protocol = "holdout";
  o.seed = 3;
  const Split s = make_splits(*dataset_, o)[0];
  std::map<std::int32_t, int> train, test;
  for (const auto& t : s.train) ++train[t.user];
  for (const auto& t : s.test) ++test[t.user];
  for (const auto& [u, n_test] : test) {
    const int n = n_test + train[u];
    EXPECT_GE(n, 5);
    EXPECT_EQ(n_test, static_cast<int>(std::ceil(0.2 * n - 1e-9))) << "user " << u;
  }
  for (const auto& t : s.test) EXPECT_GE(t.rating, 4.0f);
  // Same seed, same split; another seed, another.
  const Split again = make_splits(*dataset_, o)[0];
  EXPECT_EQ(again.test.size(), s.test.size());
  EXPECT_EQ(again.test[10].item, s.test[10].item);
  o.seed = 4;
  const Split other = make_splits(*dataset_, o)[0];
  int same = 0;
  for (std::size_t i = 0; i < std::min(other.test.size(), s.test.size()); ++i)
    same += other.test[i].item == s.test[i].item;
  EXPECT_LT(same, static_cast<int>(s.test.size()) / 2);
}

TEST_F(SplitTest, HideRowsKeepsUsersAndCatalogButNotTheHeldOutRows) {
  SplitOptions o;
  o.protocol = "holdout";
  const Split s = make_splits(*dataset_, o)[0];
  const Dataset d = hide_rows(*dataset_, s.test);
  EXPECT_EQ(d.ratings.nnz(), dataset_->ratings.nnz() - static_cast<std::int64_t>(s.test.size()));
  EXPECT_EQ(d.ratings.user_ids, dataset_->ratings.user_ids);
  EXPECT_EQ(d.catalog.size(), dataset_->catalog.size());
  EXPECT_EQ(d.recipes.size(), dataset_->recipes.size());
  const auto has = [](const Dataset& x, const RatingTriple& t) {
    const auto items = x.ratings.user_items(t.user);
    return std::find(items.begin(), items.end(), t.item) != items.end();
  };
  for (std::size_t i = 0; i < s.test.size(); i += 97) EXPECT_FALSE(has(d, s.test[i])) << i;
  for (std::size_t i = 0; i < s.train.size(); i += 397) EXPECT_TRUE(has(d, s.train[i])) << i;
  // The positives a planner fits on are exactly the split's training rows.
  EXPECT_EQ(dataset_matrix(d, 4.0, true).nnz(), to_matrix(s.train, s.n_users, s.n_items, true).nnz());
  // A cache keyed by the fingerprint tells the two apart, and finds the same hidden rows again.
  EXPECT_NE(d.fingerprint, dataset_->fingerprint);
  EXPECT_EQ(hide_rows(*dataset_, s.test).fingerprint, d.fingerprint);
}

TEST_F(SplitTest, KfoldPartitionsEveryRatingOnce) {
  SplitOptions o;
  o.protocol = "kfold";
  o.folds = 5;
  const auto folds = make_splits(*dataset_, o);
  ASSERT_EQ(folds.size(), 5u);
  std::size_t tested = 0;
  for (const Split& f : folds) {
    EXPECT_EQ(f.train.size() + f.test.size(), 100836u);
    tested += f.test.size();
  }
  EXPECT_EQ(tested, 100836u);
}

TEST_F(SplitTest, StrongKeepsHeldOutUsersOutOfTraining) {
  SplitOptions o;
  o.protocol = "strong";
  o.heldout_users = 50;
  const Split s = make_splits(*dataset_, o)[0];
  std::set<std::int32_t> heldout;
  for (const auto& t : s.test) heldout.insert(t.user);
  EXPECT_EQ(heldout.size(), 50u);
  for (const auto& t : s.train) EXPECT_EQ(heldout.count(t.user), 0u);
  for (const auto& t : s.fold_in) EXPECT_EQ(heldout.count(t.user), 1u);
}

TEST_F(SplitTest, SampledGivesNinetyNineUnratedNegatives) {
  SplitOptions o;
  o.protocol = "sampled";
  const Split s = make_splits(*dataset_, o)[0];
  ASSERT_EQ(s.sampled_negatives.size(), s.test.size());
  for (std::size_t k = 0; k < s.test.size(); k += 50) {
    EXPECT_EQ(s.sampled_negatives[k].size(), 99u);
    const auto rated = dataset_->ratings.user_items(s.test[k].user);
    for (const auto n : s.sampled_negatives[k]) EXPECT_EQ(std::count(rated.begin(), rated.end(), n), 0);
  }
}

TEST_F(SplitTest, UnknownProtocolAndMissingPredefinedSplitsAreErrors) {
  SplitOptions o;
  o.protocol = "bogus";
  EXPECT_THROW(make_splits(*dataset_, o), Error);
  o.protocol = "predefined";
  EXPECT_THROW(make_splits(*dataset_, o), Error);
}

TEST(SplitFixtureTest, PredefinedSplitsOfMl100k) {
  const Dataset d = load_dataset({test::fixtures_dir() / "ml-100k"}, {false});
  SplitOptions o;
  o.protocol = "predefined";
  const auto splits = make_splits(d, o);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0].name, "u1");
  EXPECT_EQ(splits[0].train.size(), 6u);
  EXPECT_EQ(splits[0].test.size(), 2u);
}

TEST(SplitFixtureTest, LoadSplitNamesUnknownIds) {
  const Dataset d = load_dataset({test::fixtures_dir() / "ml-100k"}, {false});
  test::TempDir tmp;
  test::write_text(tmp / "train.csv", "userId,movieId,rating,timestamp\n1,1,5.0,874965758\n");
  test::write_text(tmp / "test.csv", "userId,movieId,rating,timestamp\n1,99999,5.0,874965758\n");
  try {
    load_split(tmp.path(), d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test.csv:2: movieId 99999 is not in the data"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mn

namespace mn {
namespace {

TEST_F(SplitTest, ColdstartHidesTheMostPopularItemsFromTraining) {
  SplitOptions o;
  o.protocol = "coldstart";
  const Split s = make_splits(*dataset_, o)[0];
  const auto n_cold = std::count(s.candidate.begin(), s.candidate.end(), 1);
  EXPECT_EQ(n_cold, 972);  // 10 % of the 9,724 rated movies
  // No training row touches a cold item; every test row is on one; nothing is positive below 4.
  for (const auto& t : s.train) ASSERT_FALSE(s.candidate[static_cast<std::size_t>(t.item)]);
  for (const auto& t : s.test) {
    ASSERT_TRUE(s.candidate[static_cast<std::size_t>(t.item)]);
    ASSERT_GE(t.rating, 4.0f);
  }
  // The hidden items are the most rated: the least rated cold item has at least as many ratings as
  // the most rated warm one.
  const auto count = [&](std::size_t i) {
    return dataset_->ratings.item_ptr[i + 1] - dataset_->ratings.item_ptr[i];
  };
  std::int64_t least_cold = std::numeric_limits<std::int64_t>::max(), most_warm = 0;
  for (std::size_t i = 0; i < s.candidate.size(); ++i) {
    if (count(i) == 0) continue;
    (s.candidate[i] ? least_cold = std::min(least_cold, count(i))
                    : most_warm = std::max(most_warm, count(i)));
  }
  EXPECT_GE(least_cold, most_warm);
  EXPECT_GT(s.test.size(), 10000u);
}

TEST_F(SplitTest, ColdstartRandomItemsDependOnTheSeed) {
  SplitOptions o;
  o.protocol = "coldstart";
  o.cold_items = "random";
  o.cold_frac = 0.2;
  const Split a = make_splits(*dataset_, o)[0];
  const Split b = make_splits(*dataset_, o)[0];
  o.seed = 1;
  const Split c = make_splits(*dataset_, o)[0];
  EXPECT_EQ(a.candidate, b.candidate);
  EXPECT_NE(a.candidate, c.candidate);
  EXPECT_EQ(std::count(a.candidate.begin(), a.candidate.end(), 1), 1944);
  o.cold_frac = 1.5;
  EXPECT_THROW(make_splits(*dataset_, o), Error);
}

}  // namespace
}  // namespace mn
