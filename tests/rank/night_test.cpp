// The movie-night pipeline end to end on the shared data (ml-latest-small + TMDB + Food.com).
#include "rank/night.h"

#include <gtest/gtest.h>

#include <set>

#include "test_support.h"

namespace mn {
namespace {

class NightTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_ = new test::TempDir();
    dataset_ = new Dataset(load_dataset({test::datasets_dir()}, {false}));
    PlannerOptions o;
    o.cache_dir = cache_->path().string();
    o.show_progress = false;
    planner_ = new NightPlanner(*dataset_, o);
  }
  static void TearDownTestSuite() {
    delete planner_;
    delete dataset_;
    delete cache_;
  }
  static NightRequest two_users(const std::string& mood = "") {
    NightRequest r;
    Person a, b;
    a.user_id = 1;
    b.user_id = 2;
    r.people = {a, b};
    r.mood = mood;
    return r;
  }
  static test::TempDir* cache_;
  static Dataset* dataset_;
  static NightPlanner* planner_;
};
test::TempDir* NightTest::cache_ = nullptr;
Dataset* NightTest::dataset_ = nullptr;
NightPlanner* NightTest::planner_ = nullptr;

TEST_F(NightTest, TwoUsersAndAMoodGetTenMoviesWithReasonsAndSnacks) {
  const NightResult r = planner_->plan(two_users("cozy"));
  ASSERT_EQ(r.items.size(), 10u);
  EXPECT_EQ(r.moods, std::vector<std::string>{"cozy"});
  std::set<std::int32_t> movies;
  std::set<std::int64_t> snacks;
  const auto rated_by = [&](std::int64_t user_id, std::int32_t item) {
    const auto& ids = dataset_->ratings.user_ids;
    const auto u = static_cast<std::int32_t>(std::lower_bound(ids.begin(), ids.end(), user_id) - ids.begin());
    const auto items = dataset_->ratings.user_items(u);
    return std::find(items.begin(), items.end(), item) != items.end();
  };
  for (const NightPick& p : r.items) {
    EXPECT_TRUE(movies.insert(p.item).second);
    EXPECT_FALSE(rated_by(1, p.item) || rated_by(2, p.item)) << dataset_->catalog[p.item].title;
    EXPECT_FALSE(p.why.empty()) << dataset_->catalog[p.item].title;
    ASSERT_EQ(p.per_person_rank.size(), 2u);
    ASSERT_TRUE(p.has_snack);
    EXPECT_LE(p.snack.minutes, 25);
    EXPECT_GE(p.snack.minutes, 1);
    EXPECT_TRUE(snacks.insert(p.snack.id).second) << "snack repeated: " << p.snack.name;
    EXPECT_FALSE(p.snack.summary.empty());
  }
  // The cozy mood shows: several picks carry its terms.
  int cozy = 0;
  for (const NightPick& p : r.items) {
    for (const auto& w : p.why) cozy += w.rfind("fits the cozy mood", 0) == 0;
  }
  EXPECT_GE(cozy, 3);
  const auto j = planner_->to_json(r);
  ASSERT_EQ(j["items"].size(), 10u);
  EXPECT_TRUE(j["items"][0]["movie"].contains("title"));
  EXPECT_TRUE(j["items"][0]["per_user_rank"].contains("user 1"));
  EXPECT_TRUE(j["items"][0]["snack"]["minutes"].is_number());
  EXPECT_TRUE(j["diversity"].contains("genre_coverage_after"));
  // Candidates come from every source: two people's ALS, ItemKNN and content lists, and the mood.
  EXPECT_GE(r.candidates, 300u);
  std::set<std::string> kinds;
  for (const auto& [name, n] : r.candidate_sources) {
    kinds.insert(name);
    EXPECT_GT(n, 0u) << name;
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"cf", "itemknn", "content", "mood"}));
  for (const NightPick& p : r.items) EXPECT_FALSE(p.sources.empty()) << dataset_->catalog[p.item].title;
  EXPECT_EQ(j["candidates"]["total"].get<std::size_t>(), r.candidates);
  EXPECT_TRUE(j["items"][0]["movie"].contains("runtime"));
  EXPECT_TRUE(j["items"][0]["sources"].is_array());
  // Where the time went: every stage once, in order, adding up to no more than the whole.
  std::vector<std::string> stages;
  double staged = 0;
  for (const auto& [name, ms] : r.stage_ms) {
    stages.push_back(name);
    EXPECT_GE(ms, 0.0) << name;
    staged += ms;
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"people_and_mood", "parts", "content", "heads", "fusion",
                                              "candidates", "group", "diversity", "snacks", "reasons"}));
  EXPECT_LE(staged, r.took_ms + 1e-6);
  EXPECT_EQ(j["stages_ms"].size(), stages.size());
}

TEST_F(NightTest, NewPeopleByTitleWithTyposAndDislikes) {
  NightRequest r;
  Person a, b;
  a.name = "Alice";
  a.likes = {"toy story", "finding nemo"};
  b.name = "Bob";
  b.likes = {"Heat (1995)", "the godfater"};
  b.dislikes = {"Titanic"};
  r.people = {a, b};
  r.k = 8;
  const NightResult res = planner_->plan(r);
  ASSERT_EQ(res.items.size(), 8u);
  EXPECT_EQ(res.people, (std::vector<std::string>{"Alice", "Bob"}));
  bool alice_named = false;
  for (const NightPick& p : res.items) {
    const std::string& t = dataset_->catalog[p.item].title;
    EXPECT_NE(t, "Toy Story (1995)");
    EXPECT_NE(t, "Titanic (1997)");
    for (const auto& w : p.why) alice_named = alice_named || w.find("Alice liked") != std::string::npos;
  }
  EXPECT_TRUE(alice_named);
}

TEST_F(NightTest, MistakesAreClear) {
  NightRequest r = two_users();
  r.people[1].user_id = 999999;
  try {
    planner_->plan(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("999999"), std::string::npos);
  }
  r = two_users();
  r.people[1].user_id = -1;
  r.people[1].likes = {"Qwxzv Plorkt"};
  try {
    planner_->plan(r);
    FAIL();
  } catch (const TitleNotFound& e) {
    EXPECT_EQ(e.suggestions().size(), 5u);
  }
  r = two_users();
  r.people.resize(9, r.people[0]);
  EXPECT_THROW(planner_->plan(r), Error);
  r = two_users();
  r.k = 0;
  EXPECT_THROW(planner_->plan(r), Error);
  r.k = 101;
  EXPECT_THROW(planner_->plan(r), Error);
  EXPECT_THROW(NightOptions::from_json({{"aggregation", "median"}}), Error);
  EXPECT_THROW(NightOptions::from_json({{"weights", {{"bogus", 1}}}}), Error);
  // An unknown mood is a stated fallback, not an error.
  r = two_users("xqzzv");
  const NightResult res = planner_->plan(r);
  EXPECT_EQ(res.items.size(), 10u);
  ASSERT_FALSE(res.notes.empty());
  EXPECT_NE(res.notes[0].find("not understood"), std::string::npos);
}

TEST_F(NightTest, EveryAggregationFusionAndDoubleFeatures) {
  for (const char* aggregation : {"average", "least-misery", "most-pleasure", "fair"}) {
    for (const char* fusion : {"rrf", "blend"}) {
      NightRequest r = two_users("tense");
      r.options.aggregation = aggregation;
      r.options.fusion = fusion;
      EXPECT_EQ(planner_->plan(r).items.size(), 10u) << aggregation << " " << fusion;
    }
  }
  NightRequest r = two_users("funny");
  r.double_feature = true;
  const NightResult res = planner_->plan(r);
  ASSERT_EQ(res.items.size(), 10u);
  for (std::size_t p = 1; p < res.items.size(); p += 2) {
    EXPECT_NE(res.items[p].why.back().find("double feature with"), std::string::npos);
  }
  // Runtimes are known for most of these movies: the reason gives the evening's length.
  int with_runtime = 0;
  for (std::size_t p = 1; p < res.items.size(); p += 2)
    with_runtime += res.items[p].why.back().find(" together)") != std::string::npos;
  EXPECT_GE(with_runtime, 3);
}

TEST_F(NightTest, ASecondPlannerLoadsTheCachedModels) {
  PlannerOptions o;
  o.cache_dir = cache_->path().string();
  o.show_progress = false;
  const NightPlanner again(*dataset_, o);
  const NightResult a = planner_->plan(two_users("sad"));
  const NightResult b = again.plan(two_users("sad"));
  ASSERT_EQ(a.items.size(), b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) EXPECT_EQ(a.items[i].item, b.items[i].item);
  const auto titles = planner_->search_titles("toy sto", 5);
  ASSERT_FALSE(titles.empty());
  EXPECT_EQ(titles[0].title.rfind("Toy Story", 0), 0u);
  const auto similar = planner_->similar("Toy Story (1995)", "", 5);
  EXPECT_EQ(similar["results"].size(), 5u);
}

}  // namespace
}  // namespace mn
