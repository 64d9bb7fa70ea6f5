// The snack stage: filtering, damped quality, the mood lexicon, pairing without repeats, and the
// real Food.com subsets paired with real movies.
#include "snacks/snack_pairing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <numeric>
#include <random>
#include <set>

#include "content/catalog_encoding.h"
#include "data/dataset.h"
#include "snacks/assignment.h"
#include "test_support.h"
#include "text/embedding_cache.h"
#include "text/mood.h"
#include "text/movie_text.h"
#include "util/error.h"

namespace mn {
namespace {

// A bag of words over a fixed vocabulary (one dimension per word, counts, L2-normalised), so that
// every cosine in a test can be worked out by hand.
class WordCountEncoder final : public TextEncoder {
 public:
  explicit WordCountEncoder(std::vector<std::string> vocabulary) : vocab_(std::move(vocabulary)) {}
  std::string name() const override { return "wordcount"; }
  int dim() const override { return static_cast<int>(vocab_.size()); }
  std::string fingerprint() const override {
    std::string f = "wordcount";
    for (const auto& w : vocab_) f += "|" + w;
    return f;
  }
  void encode(std::span<const std::string> texts, float* out) const override {
    const std::size_t d = vocab_.size();
    for (std::size_t t = 0; t < texts.size(); ++t) {
      float* row = out + t * d;
      std::fill(row, row + d, 0.0f);
      for (const std::string& w : normalized_words(texts[t])) {
        const auto it = std::find(vocab_.begin(), vocab_.end(), w);
        if (it != vocab_.end()) row[it - vocab_.begin()] += 1.0f;
      }
      float norm = 0;
      for (std::size_t k = 0; k < d; ++k) norm += row[k] * row[k];
      if (norm > 0) {
        for (std::size_t k = 0; k < d; ++k) row[k] /= std::sqrt(norm);
      }
    }
  }

 private:
  std::vector<std::string> vocab_;
};

Recipe make_recipe(std::int64_t id, const std::string& name, int minutes, std::vector<std::string> tags,
                   std::vector<std::string> ingredients = {"water"}, const std::string& description = "") {
  Recipe r;
  r.id = id;
  r.name = name;
  r.minutes = minutes;
  r.tags = std::move(tags);
  r.ingredients = std::move(ingredients);
  r.description = description;
  return r;
}

void rate(RecipeBook& book, std::int64_t recipe_id, int rating, int times) {
  static std::int64_t user = 1;
  for (int i = 0; i < times; ++i)
    book.add_interaction({user++, recipe_id, 0, static_cast<std::int8_t>(rating)});
}

std::vector<std::int32_t> recipes_of(const std::vector<SnackCandidate>& list) {
  std::vector<std::int32_t> out;
  for (const auto& c : list) out.push_back(c.recipe);
  return out;
}

// Words -> the encoder's vector (for movies and moods).
std::vector<float> vec(const TextEncoder& e, const std::string& text) {
  std::vector<float> v(static_cast<std::size_t>(e.dim()));
  e.encode(std::span<const std::string>(&text, 1), v.data());
  return v;
}

std::vector<float> rows(const TextEncoder& e, const std::vector<std::string>& texts) {
  std::vector<float> out;
  for (const auto& t : texts) {
    const auto v = vec(e, t);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// ---- assignment ----------------------------------------------------------------------------

double brute_force_best(const std::vector<double>& w, int rows_n, int cols_n) {
  // Every injective map of rows to columns (or nothing, when there are more rows).
  double best = -1e300;
  std::vector<int> pick(static_cast<std::size_t>(rows_n), -1);
  std::vector<char> used(static_cast<std::size_t>(cols_n), 0);
  const int must_assign = std::min(rows_n, cols_n);
  std::function<void(int, int, double)> go = [&](int r, int assigned, double total) {
    if (r == rows_n) {
      if (assigned == must_assign) best = std::max(best, total);
      return;
    }
    go(r + 1, assigned, total);  // this row left out (counted against must_assign at the end)
    for (int c = 0; c < cols_n; ++c) {
      if (used[static_cast<std::size_t>(c)]) continue;
      used[static_cast<std::size_t>(c)] = 1;
      go(r + 1, assigned + 1, total + w[static_cast<std::size_t>(r * cols_n + c)]);
      used[static_cast<std::size_t>(c)] = 0;
    }
  };
  go(0, 0, 0.0);
  return best;
}

TEST(SnackAssignmentTest, MatchesBruteForceOnSmallMatrices) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int trial = 0; trial < 300; ++trial) {
    const int r = 1 + static_cast<int>(rng() % 6), c = 1 + static_cast<int>(rng() % 6);
    std::vector<double> w(static_cast<std::size_t>(r * c));
    // Some coarse weights so that ties happen too.
    for (auto& x : w) x = trial % 3 == 0 ? std::round(u(rng) * 2) : u(rng);
    const auto a = max_weight_assignment(w, r, c);
    ASSERT_EQ(a.size(), static_cast<std::size_t>(r));
    std::set<std::int32_t> cols_used;
    double total = 0;
    int unassigned = 0;
    for (int i = 0; i < r; ++i) {
      if (a[static_cast<std::size_t>(i)] < 0) {
        ++unassigned;
        continue;
      }
      ASSERT_LT(a[static_cast<std::size_t>(i)], c);
      ASSERT_TRUE(cols_used.insert(a[static_cast<std::size_t>(i)]).second) << "column used twice";
      total += w[static_cast<std::size_t>(i * c + a[static_cast<std::size_t>(i)])];
    }
    EXPECT_EQ(unassigned, std::max(0, r - c));
    EXPECT_NEAR(total, brute_force_best(w, r, c), 1e-9) << r << "x" << c << " trial " << trial;
  }
}

TEST(SnackAssignmentTest, GivesTheSecondRowItsOnlyGoodColumnWhereGreedyWouldNot) {
  // Greedy in row order: row 0 takes column 0 (0.9), row 1 is left with 0.1 -> 1.0.
  // Best: row 0 -> column 1 (0.85), row 1 -> column 0 (0.9) -> 1.75.
  const std::vector<double> w = {0.9, 0.85, 0.9, 0.1};
  EXPECT_EQ(max_weight_assignment(w, 2, 2), (std::vector<std::int32_t>{1, 0}));
}

TEST(SnackAssignmentTest, RejectsBadInput) {
  EXPECT_THROW(max_weight_assignment(std::vector<double>{1, 2, 3}, 2, 2), Error);
  EXPECT_THROW(max_weight_assignment(std::vector<double>{1, std::nan("")}, 1, 2), Error);
  EXPECT_TRUE(max_weight_assignment({}, 0, 5).empty());
  EXPECT_EQ(max_weight_assignment({}, 2, 0), (std::vector<std::int32_t>{-1, -1}));
}

// ---- the pairer on hand-made books ---------------------------------------------------------

TEST(SnackPairingTest, KeepsQuickRecipesWithASnackTagAndTheFilterIsConfigurable) {
  RecipeBook book;
  book.add(make_recipe(1, "quick dip", 25, {"dips", "easy"}));               // boundary: kept
  book.add(make_recipe(2, "slow dip", 26, {"dips"}));                        // one minute too long
  book.add(make_recipe(3, "quick stew", 10, {"main-dish", "soups-stews"}));  // no snack tag
  book.add(make_recipe(4, "zero minute punch", 0, {"beverages"}));           // Food.com's 0-minute rows
  book.add(make_recipe(5, "fudge", 15, {"candy", "desserts"}));
  book.add(make_recipe(6, "long stew", 90, {"main-dish"}));
  const WordCountEncoder enc({"dip", "fudge", "stew"});
  const SnackPairer defaults(book, enc);
  EXPECT_EQ(defaults.qualifying(), (std::vector<std::int32_t>{0, 4}));
  EXPECT_EQ(defaults.size(), 2u);
  EXPECT_TRUE(defaults.qualifies(0));
  EXPECT_FALSE(defaults.qualifies(1));
  // A call can narrow the time limit, never widen it.
  EXPECT_EQ(defaults.best_for(vec(enc, "dip"), {}, {}, 5)[0].recipe, 0);
  EXPECT_EQ(recipes_of(defaults.best_for(vec(enc, "dip"), {}, {}, 5, {}, 20)),
            (std::vector<std::int32_t>{4}));
  EXPECT_EQ(recipes_of(defaults.pair(rows(enc, {"dip", "dip"}), 2, {}, {}, 15)),
            (std::vector<std::int32_t>{4, SnackCandidate::kNoSnack}));
  EXPECT_EQ(defaults.pair(vec(enc, "dip"), 1, {}, {}, 10)[0].recipe, SnackCandidate::kNoSnack);
  EXPECT_THROW(defaults.pair(vec(enc, "dip"), 1, {}, {}, 30), Error);
  EXPECT_THROW(defaults.best_for(vec(enc, "dip"), {}, {}, 1, {}, -1), Error);
  EXPECT_EQ(recipes_of(defaults.best_for(vec(enc, "dip"), {}, {}, 5, std::vector<std::int32_t>{0})),
            (std::vector<std::int32_t>{4}));

  SnackOptions o;
  o.max_minutes = 60;
  o.snack_tags = {"main-dish"};
  EXPECT_EQ(SnackPairer(book, enc, o).qualifying(), (std::vector<std::int32_t>{2}));
  o.snack_tags.clear();  // any tag
  o.min_minutes = 0;
  EXPECT_EQ(SnackPairer(book, enc, o).qualifying(), (std::vector<std::int32_t>{0, 1, 2, 3, 4}));
}

TEST(SnackPairingTest, DampedQualityPutsManyGoodRatingsAboveAFewPerfectOnes) {
  RecipeBook book;
  book.add(make_recipe(10, "few perfect", 10, {"snacks"}));
  book.add(make_recipe(20, "many good", 10, {"snacks"}));
  book.add(make_recipe(30, "middling", 10, {"snacks"}));
  book.add(make_recipe(40, "unrated", 10, {"snacks"}));
  rate(book, 10, 5, 3);
  rate(book, 10, 0, 4);  // "no rating": ignored
  rate(book, 20, 5, 240);
  rate(book, 20, 4, 60);  // mean 4.8
  rate(book, 30, 3, 100);
  rate(book, 999, 1, 50);  // a recipe not in the book: ignored
  const WordCountEncoder enc({"snacks"});
  const SnackPairer p(book, enc);
  EXPECT_EQ(p.rating_count(0), 3);
  EXPECT_EQ(p.rating_count(1), 300);
  const double global = (3 * 5 + 240 * 5 + 60 * 4 + 100 * 3) / 403.0;
  EXPECT_NEAR(p.damped_rating(0), (15 + 10 * global) / 13, 1e-4);
  EXPECT_NEAR(p.damped_rating(1), (1440 + 10 * global) / 310, 1e-4);
  EXPECT_NEAR(p.damped_rating(3), global, 1e-4);
  EXPECT_LT(p.damped_rating(0), p.damped_rating(1));
  // Same cosine (every text has "snacks" once): quality decides.
  const auto best = p.best_for(vec(enc, "snacks"), {}, {}, 4);
  EXPECT_NEAR(best[0].cosine, 1.0f, 1e-6);
  EXPECT_EQ(recipes_of(best), (std::vector<std::int32_t>{1, 0, 3, 2}));
  EXPECT_NEAR(best[0].quality, p.damped_rating(1), 1e-6);
  // Without damping the three perfect ratings win.
  SnackOptions o;
  o.damping = 0;
  const SnackPairer undamped(book, enc, o);
  EXPECT_EQ(undamped.best_for(vec(enc, "snacks"), {}, {}, 1)[0].recipe, 0);
}

class SnackPairingBook : public ::testing::Test {
 protected:
  // Vocabulary: what movies and recipes can share.
  WordCountEncoder enc_{{"chocolate", "cheese", "popcorn", "holiday", "cake", "spicy"}};
};

TEST_F(SnackPairingBook, PairingMaximisesTheWholeListNotTheFirstMovie) {
  RecipeBook book;
  book.add(make_recipe(1, "chocolate cheese bites", 10, {"snacks"}));
  book.add(make_recipe(2, "chocolate bark", 10, {"candy"}));
  book.add(make_recipe(3, "popcorn", 5, {"snacks"}));
  const SnackPairer p(book, enc_);
  // Movie A likes chocolate and some cheese; movie B only cheese. Greedy in list order would hand
  // A the chocolate-cheese bites (its best) and leave B with nothing that fits.
  const std::string a =
      "chocolate chocolate chocolate chocolate chocolate chocolate chocolate chocolate "
      "chocolate chocolate cheese cheese cheese cheese cheese cheese cheese cheese cheese";
  EXPECT_EQ(p.best_for(vec(enc_, a), {}, {}, 1)[0].recipe, 0);
  const auto movies = rows(enc_, {a, "cheese"});
  const auto paired = p.pair(movies, 2, {}, {});
  EXPECT_EQ(recipes_of(paired), (std::vector<std::int32_t>{1, 0}));
  EXPECT_NEAR(paired[1].cosine, std::sqrt(0.5f), 1e-5);
}

TEST_F(SnackPairingBook, NoRecipeTwiceWhenMoviesOutnumberStrongMatches) {
  RecipeBook book;
  book.add(make_recipe(1, "chocolate cake", 10, {"desserts"}));
  book.add(make_recipe(2, "chocolate fudge cake", 20, {"desserts"}));
  for (int i = 0; i < 6; ++i)
    book.add(make_recipe(100 + i, "plain crackers " + std::to_string(i), 5, {"snacks"}));
  const SnackPairer p(book, enc_);
  const auto movies = rows(enc_, std::vector<std::string>(6, "chocolate cake"));
  const auto paired = p.pair(movies, 6, {}, {});
  ASSERT_EQ(paired.size(), 6u);
  std::set<std::int32_t> seen;
  for (const auto& c : paired) {
    ASSERT_NE(c.recipe, SnackCandidate::kNoSnack);
    EXPECT_TRUE(seen.insert(c.recipe).second) << "recipe " << c.recipe << " twice";
  }
  EXPECT_TRUE(seen.count(0) && seen.count(1)) << "both strong matches are used";

  // Five movies, three recipes: three snacks, two movies without, still no repeat.
  RecipeBook small;
  small.add(make_recipe(1, "chocolate cake", 10, {"desserts"}));
  small.add(make_recipe(2, "cheese plate", 10, {"appetizers"}));
  small.add(make_recipe(3, "popcorn", 10, {"snacks"}));
  const SnackPairer q(small, enc_);
  const auto five = q.pair(rows(enc_, {"chocolate", "cheese", "popcorn", "chocolate", "cake"}), 5, {}, {});
  ASSERT_EQ(five.size(), 5u);
  std::multiset<std::int32_t> got;
  for (const auto& c : five) got.insert(c.recipe);
  EXPECT_EQ(got, (std::multiset<std::int32_t>{-1, -1, 0, 1, 2}));
}

TEST_F(SnackPairingBook, CozyLexiconLiftsTheBakedCocoaRecipe) {
  RecipeBook book;
  // Closer to the movie in words, nothing cozy about it.
  book.add(make_recipe(1, "holiday punch", 10, {"beverages"}, {"ginger ale", "juice"}));
  // A little further from the movie, but baked and cocoa.
  book.add(make_recipe(2, "baked holiday cocoa cake", 20, {"desserts"}, {"cocoa powder", "flour"},
                       "a holiday favourite"));
  book.add(make_recipe(3, "spicy nuts", 10, {"nuts"}, {"pecans"}));
  const SnackPairer p(book, enc_);
  const auto movie = vec(enc_, "holiday");
  const auto plain = p.best_for(movie, {}, {}, 3);
  EXPECT_EQ(plain[0].recipe, 0);
  EXPECT_EQ(plain[0].lift, 0.0f);
  const auto cozy = p.best_for(movie, {}, {"cozy"}, 3);
  EXPECT_EQ(cozy[0].recipe, 1);
  EXPECT_NEAR(cozy[0].lift, p.options().mood_lift, 1e-6);  // two cozy terms: the full lift
  EXPECT_EQ(cozy[0].matched, (std::vector<std::string>{"baked", "cocoa"}));
  // A mood the recipe says nothing about lifts nothing; an unknown mood name is ignored.
  EXPECT_EQ(p.best_for(movie, {}, {"scary", "no-such-mood"}, 1)[0].recipe, 0);
  // And through pair() too.
  EXPECT_EQ(p.pair(movie, 1, {}, {"cozy"})[0].recipe, 1);
  // The scary lexicon finds "spicy".
  const auto scary = p.best_for(vec(enc_, "spicy"), {}, {"scary"}, 1);
  EXPECT_EQ(scary[0].recipe, 2);
  EXPECT_EQ(scary[0].matched, (std::vector<std::string>{"spicy"}));

  // Tags count whole: "comfort-food" is the cozy term "comfort food", while "cookies-and-brownies"
  // is neither "cookies" nor "brownies".
  RecipeBook tagged;
  tagged.add(make_recipe(1, "bars", 10, {"cookies-and-brownies", "comfort-food"}, {"oats"}));
  const SnackPairer t(tagged, enc_);
  const auto bars = t.best_for(vec(enc_, "cake"), {}, {"cozy", "sad"}, 1);
  EXPECT_EQ(bars[0].matched, (std::vector<std::string>{"comfort food"}));  // listed once for both moods
  // Two moods, one term each: half the lift of each, averaged.
  EXPECT_NEAR(bars[0].lift, t.options().mood_lift * 0.5f, 1e-6);
}

TEST_F(SnackPairingBook, TheMoodVectorPullsTowardsItsWords) {
  RecipeBook book;
  book.add(make_recipe(1, "cheese popcorn", 10, {"snacks"}));
  book.add(make_recipe(2, "cheese cake", 10, {"desserts"}));
  book.add(make_recipe(3, "holiday", 10, {"snacks"}));
  const SnackPairer p(book, enc_);
  const auto movie = vec(enc_, "cheese");
  EXPECT_EQ(p.best_for(movie, {}, {}, 1)[0].recipe, 0);  // tie on cheese, lower index first
  const auto with_mood = p.best_for(movie, vec(enc_, "cake"), {}, 1);
  EXPECT_EQ(with_mood[0].recipe, 1);
  EXPECT_NEAR(with_mood[0].mood_cosine, std::sqrt(0.5f), 1e-5);
  // A mood that embeds as zero changes nothing.
  EXPECT_EQ(p.best_for(movie, std::vector<float>(6, 0.0f), {}, 1)[0].recipe, 0);
}

TEST_F(SnackPairingBook, EmptyBookOrNothingQualifyingGivesNoSnacksAndBadSizesThrow) {
  const RecipeBook empty;
  const SnackPairer none(empty, enc_);
  EXPECT_EQ(none.size(), 0u);
  const auto paired = none.pair(rows(enc_, {"cake", "cheese"}), 2, {}, {"cozy"});
  ASSERT_EQ(paired.size(), 2u);
  EXPECT_EQ(paired[0].recipe, SnackCandidate::kNoSnack);
  EXPECT_EQ(paired[1].recipe, SnackCandidate::kNoSnack);
  EXPECT_TRUE(none.best_for(vec(enc_, "cake"), {}, {}, 5).empty());

  RecipeBook slow;
  slow.add(make_recipe(1, "slow cake", 120, {"desserts"}));
  const SnackPairer nothing(slow, enc_);
  EXPECT_EQ(nothing.size(), 0u);
  EXPECT_EQ(nothing.pair(vec(enc_, "cake"), 1, {}, {})[0].recipe, SnackCandidate::kNoSnack);
  EXPECT_THROW(nothing.embedding(0), Error);

  EXPECT_THROW(none.pair(std::vector<float>(7, 0.0f), 1, {}, {}), Error);
  EXPECT_THROW(none.pair(vec(enc_, "cake"), 1, std::vector<float>(3, 1.0f), {}), Error);
  EXPECT_THROW(none.best_for(std::vector<float>(2, 1.0f), {}, {}, 1), Error);
  EXPECT_TRUE(none.pair({}, 0, {}, {}).empty());
}

TEST_F(SnackPairingBook, SummaryDisplayNameAndRecipeText) {
  RecipeBook book;
  book.add(make_recipe(1, "arriba   baked  cheese  dip", 12, {"time-to-make", "dips", "appetizers", "easy"},
                       {"cream cheese", "salsa", "cheddar"}, "great for game night"));
  std::vector<std::string> many;
  for (int i = 0; i < 10; ++i) many.push_back("item" + std::to_string(i));
  book.add(make_recipe(2, "trail mix", 1, {"snacks"}, many));
  const SnackPairer p(book, enc_);
  EXPECT_EQ(p.display_name(0), "arriba baked cheese dip");
  EXPECT_EQ(p.summary(0), "12 min · 3 ingredients: cream cheese, salsa, cheddar · dips, appetizers");
  EXPECT_EQ(
      p.summary(1),
      "1 min · 10 ingredients: item0, item1, item2, item3, item4, item5, item6, item7 +2 more · snacks");
  EXPECT_EQ(
      recipe_text(book.recipes()[0]),
      "arriba   baked  cheese  dip. dips, appetizers. cream cheese, salsa, cheddar. great for game night");
  EXPECT_THROW(p.recipe(5), Error);
}

TEST(SnackOptionsTest, JsonRoundTripAndErrors) {
  SnackOptions o;
  o.max_minutes = 20;
  o.snack_tags = {"dips"};
  o.lexicon = {{"cozy", {"cocoa", "hot chocolate"}}};
  const SnackOptions back = SnackOptions::from_json(o.to_json());
  EXPECT_EQ(back.to_json(), o.to_json());
  EXPECT_EQ(back.max_minutes, 20);
  EXPECT_EQ(back.lexicon.size(), 1u);
  EXPECT_EQ(SnackOptions::from_json(nullptr).to_json(), SnackOptions{}.to_json());
  EXPECT_THROW(SnackOptions::from_json({{"max_minuts", 20}}), Error);
  EXPECT_THROW(SnackOptions::from_json({{"content_weight", -1}}), Error);
  EXPECT_THROW(SnackOptions::from_json({{"max_minutes", 20.5}}), Error);
  EXPECT_THROW(SnackOptions::from_json({{"min_minutes", 30}}), Error);  // above max_minutes
  EXPECT_THROW(SnackOptions::from_json({{"snack_tags", "dips"}}), Error);
  EXPECT_THROW(
      SnackOptions::from_json(nlohmann::json::parse(R"({"lexicon": {"cozy": ["one two three four"]}})")),
      Error);
  EXPECT_EQ(
      SnackOptions::from_json(nlohmann::json::parse(R"({"lexicon": {"cozy": ["cocoa"]}})")).lexicon.size(),
      1u);
  // Every built-in lexicon mood is one expand_mood can recognise.
  for (const auto& e : default_snack_lexicon()) {
    const auto& known = known_moods();
    EXPECT_NE(std::find(known.begin(), known.end(), e.mood), known.end()) << e.mood;
  }
  EXPECT_EQ(default_snack_lexicon().size(), known_moods().size());
}

TEST(SnackCacheTest, SecondPairerReadsTheEmbeddingCache) {
  test::TempDir dir;
  EmbeddingCache cache(dir.path());
  RecipeBook book;
  book.add(make_recipe(1, "cheese popcorn", 10, {"snacks"}));
  book.add(make_recipe(2, "chocolate cake", 10, {"desserts"}));
  const WordCountEncoder enc({"chocolate", "cheese", "popcorn", "cake"});
  const SnackPairer first(book, enc, {}, &cache);
  EXPECT_TRUE(std::filesystem::exists(cache.file_for(enc)));
  const SnackPairer second(book, enc, {}, &cache);
  const SnackPairer uncached(book, enc);
  for (const std::int32_t r : {0, 1}) {
    const auto a = second.embedding(r), b = uncached.embedding(r);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
}

// ---- real data: ml-latest-small + TMDB movies, the Food.com subsets ----------------------------

class SnackRealData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto root = test::datasets_dir();
    if (!std::filesystem::exists(root / "ml-latest-small") || !std::filesystem::exists(root / "foodcom"))
      return;
    cache_ = new test::TempDir();
    setenv("MOVIENIGHT_CACHE", cache_->path().c_str(), 1);
    const auto t0 = std::chrono::steady_clock::now();
    movies_ = new Dataset(load_dataset({root / "ml-latest-small", root / "the-movies-dataset"}, {false}));
    food_ = new Dataset(load_dataset({root / "foodcom"}, {false}));
    encoding_ = new CatalogEncoding(encode_catalog(movies_->catalog, {}));
    const auto t1 = std::chrono::steady_clock::now();
    EmbeddingCache cache;
    pairer_ = new SnackPairer(food_->recipes, *encoding_->encoder, {}, &cache);
    const auto t2 = std::chrono::steady_clock::now();
    std::cout << "snacks: data + movie encoder " << std::chrono::duration<double>(t1 - t0).count()
              << " s; pairer over " << food_->recipes.size() << " recipes "
              << std::chrono::duration<double>(t2 - t1).count() << " s\n";
  }
  static void TearDownTestSuite() {
    delete pairer_;
    delete encoding_;
    delete food_;
    delete movies_;
    delete cache_;
    pairer_ = nullptr;
    unsetenv("MOVIENIGHT_CACHE");
  }
  void SetUp() override {
    if (pairer_ == nullptr) GTEST_SKIP() << "no ml-latest-small / foodcom under " << test::datasets_dir();
  }
  static std::span<const float> movie(std::int32_t i) {
    const auto d = static_cast<std::size_t>(encoding_->dim);
    return {encoding_->embeddings.data() + static_cast<std::size_t>(i) * d, d};
  }
  // The ten movies nearest to Toy Story in the content space.
  static std::vector<std::int32_t> toy_story_neighbours() {
    const Catalog& c = movies_->catalog;
    std::int32_t toy = -1;
    for (std::int32_t i = 0; i < c.size(); ++i) {
      if (c[i].title == "Toy Story (1995)") toy = i;
    }
    EXPECT_GE(toy, 0);
    std::vector<std::pair<float, std::int32_t>> sims;
    const auto t = movie(toy);
    for (std::int32_t i = 0; i < c.size(); ++i) {
      if (i == toy) continue;
      const auto m = movie(i);
      sims.emplace_back(std::inner_product(t.begin(), t.end(), m.begin(), 0.0f), i);
    }
    std::partial_sort(sims.begin(), sims.begin() + 10, sims.end(), std::greater<>());
    std::vector<std::int32_t> out;
    for (int k = 0; k < 10; ++k) out.push_back(sims[static_cast<std::size_t>(k)].second);
    return out;
  }

  // Pairs the ten movies, checks the promises, prints and returns (ours, random baseline).
  static std::pair<double, double> run(const std::vector<std::int32_t>& ids, const std::string& mood_text) {
    const SnackMood mood = encode_snack_mood(*encoding_->encoder, mood_text);
    std::vector<float> vectors;
    for (const std::int32_t i : ids) vectors.insert(vectors.end(), movie(i).begin(), movie(i).end());
    const auto t0 = std::chrono::steady_clock::now();
    const auto paired = pairer_->pair(vectors, ids.size(), mood.vector, mood.moods);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(paired.size(), ids.size());
    std::set<std::int32_t> seen;
    double ours = 0, random = 0;
    const auto& q = pairer_->qualifying();
    std::cout << "snacks for Toy Story's neighbours, mood '" << mood_text << "' (pair() " << ms << " ms):\n";
    for (std::size_t m = 0; m < paired.size(); ++m) {
      const SnackCandidate& c = paired[m];
      EXPECT_NE(c.recipe, SnackCandidate::kNoSnack);
      if (c.recipe == SnackCandidate::kNoSnack) continue;
      EXPECT_TRUE(seen.insert(c.recipe).second) << "snack repeated: " << c.recipe;
      const Recipe& r = pairer_->recipe(c.recipe);
      EXPECT_LE(r.minutes, 25);
      EXPECT_GE(r.minutes, 1);
      ours += c.cosine;
      // The random-snack baseline: the expected cosine of a uniformly drawn qualifying recipe.
      double all = 0;
      for (const std::int32_t x : q) {
        const auto e = pairer_->embedding(x);
        all += std::inner_product(e.begin(), e.end(), movie(ids[m]).begin(), 0.0);
      }
      random += all / static_cast<double>(q.size());
      std::string matched;
      for (const auto& w : c.matched) matched += (matched.empty() ? " [" : ", ") + w;
      if (!matched.empty()) matched += "]";
      std::cout << "  " << movies_->catalog[ids[m]].title << " -> " << pairer_->display_name(c.recipe) << " ("
                << pairer_->summary(c.recipe) << "; cos " << c.cosine << ", rating " << c.quality << ")"
                << matched << "\n";
    }
    ours /= static_cast<double>(paired.size());
    random /= static_cast<double>(paired.size());
    std::cout << "  mean snack-movie cosine " << ours << " vs random snack " << random << "\n";
    return {ours, random};
  }

  static test::TempDir* cache_;
  static Dataset* movies_;
  static Dataset* food_;
  static CatalogEncoding* encoding_;
  static SnackPairer* pairer_;
};
test::TempDir* SnackRealData::cache_ = nullptr;
Dataset* SnackRealData::movies_ = nullptr;
Dataset* SnackRealData::food_ = nullptr;
CatalogEncoding* SnackRealData::encoding_ = nullptr;
SnackPairer* SnackRealData::pairer_ = nullptr;

TEST_F(SnackRealData, AboutFiveHundredRecipesQualifyAndEachObeysTheFilter) {
  const RecipeBook& book = food_->recipes;
  EXPECT_EQ(book.size(), 3210);
  const std::set<std::string> tags(default_snack_tags().begin(), default_snack_tags().end());
  std::size_t expected = 0;
  for (std::int32_t i = 0; i < book.size(); ++i) {
    const Recipe& r = book.recipes()[static_cast<std::size_t>(i)];
    const bool ok =
        r.minutes >= 1 && r.minutes <= 25 &&
        std::any_of(r.tags.begin(), r.tags.end(), [&](const std::string& t) { return tags.count(t) > 0; });
    EXPECT_EQ(pairer_->qualifies(i), ok) << r.id;
    expected += ok;
  }
  std::cout << "snacks: " << pairer_->size() << " of " << book.size() << " recipes qualify\n";
  EXPECT_EQ(pairer_->size(), expected);
  EXPECT_GE(pairer_->size(), 450u);
  EXPECT_LE(pairer_->size(), 560u);
  // Most qualifying recipes share some words with the movie vocabulary.
  std::size_t zero = 0;
  for (const std::int32_t r : pairer_->qualifying()) {
    const auto e = pairer_->embedding(r);
    zero += std::all_of(e.begin(), e.end(), [](float x) { return x == 0.0f; });
  }
  EXPECT_LT(zero, pairer_->size() / 10) << zero << " recipes embed as zero";
}

TEST_F(SnackRealData, ToyStoryNeighboursGetDistinctQuickSnacksCloserThanRandom) {
  const auto ids = toy_story_neighbours();
  const auto [ours, random] = run(ids, "");
  EXPECT_GT(ours, random);
  const auto [cozy_ours, cozy_random] = run(ids, "cozy");
  EXPECT_GT(cozy_ours, cozy_random);
}

}  // namespace
}  // namespace mn
