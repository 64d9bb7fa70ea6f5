#include "data/foodcom.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "data/dataset.h"
#include "io/file.h"
#include "test_support.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

using test::datasets_dir;
using test::fixtures_dir;

std::filesystem::path food_dir() { return datasets_dir() / "foodcom"; }

const Recipe* find(const RecipeBook& book, std::int64_t id) {
  const auto idx = book.index_of(id);
  return idx ? &book.recipes()[static_cast<std::size_t>(*idx)] : nullptr;
}

bool has_any_tag(const Recipe& r, const std::set<std::string>& wanted) {
  return std::any_of(r.tags.begin(), r.tags.end(), [&](const std::string& t) { return wanted.count(t) > 0; });
}

std::size_t skips_with(const SkipLog& log, const std::string& text) {
  std::size_t n = 0;
  for (const auto& [file, rows] : log.by_file()) {
    for (const auto& example : rows.examples) n += example.find(text) != std::string::npos;
  }
  return n;
}

// ---- the real subsets in shared/datasets/foodcom ------------------------------------------

class FoodcomSharedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(food_dir())) GTEST_SKIP() << "no " << food_dir();
  }
};

TEST_F(FoodcomSharedTest, ThreeRecipeFilesMergeInto3210RecipesAndOneCutOffRow) {
  RecipeBook book;
  SkipLog skipped;
  const FoodLoadStats a =
      load_foodcom_recipes(food_dir() / "amaldre-sample/RAW_recipes_sample.csv", book, skipped);
  EXPECT_EQ(a.rows, 1000);
  EXPECT_EQ(a.added, 1000);
  EXPECT_EQ(a.duplicates, 0);
  const FoodLoadStats d =
      load_foodcom_recipes(food_dir() / "dishcovery-dense-subset/recipes_small.csv", book, skipped);
  EXPECT_EQ(d.rows, 381);
  EXPECT_EQ(skipped.total(), 0u);
  const FoodLoadStats c = load_foodcom_recipes(food_dir() / "cairo-squad-first-rows/food.csv", book, skipped);
  EXPECT_EQ(c.rows, 1840);  // 1839 complete + the cut-off record
  EXPECT_EQ(a.duplicates + d.duplicates + c.duplicates, 10);
  EXPECT_EQ(book.size(), 3210);
  EXPECT_EQ(skipped.total(), 1u);
  EXPECT_EQ(skips_with(skipped, "record cut off at end of file"), 1u);
  const auto& food = skipped.by_file();
  ASSERT_EQ(food.size(), 1u);
  EXPECT_NE(food.begin()->first.find("food.csv"), std::string::npos);
  // Every recipe has 7 nutrition values and a non-empty ingredient list.
  for (const Recipe& r : book.recipes()) {
    ASSERT_FALSE(r.ingredients.empty()) << r.id;
    ASSERT_EQ(r.submitted.size(), 10u) << r.id;
    ASSERT_EQ(r.description.find('\r'), std::string::npos) << r.id;
  }
}

TEST_F(FoodcomSharedTest, TheWellKnownFirstRowFieldByField) {
  RecipeBook book;
  SkipLog skipped;
  load_foodcom_recipes(food_dir() / "cairo-squad-first-rows/food.csv", book, skipped);
  const Recipe* r = find(book, 137739);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(book.recipes().front().id, 137739);
  EXPECT_EQ(r->name, "arriba   baked winter squash mexican style");
  EXPECT_EQ(r->minutes, 55);
  EXPECT_EQ(r->contributor_id, 47892);
  EXPECT_EQ(r->submitted, "2005-09-16");
  ASSERT_EQ(r->tags.size(), 20u);
  EXPECT_EQ(r->tags.front(), "60-minutes-or-less");
  EXPECT_EQ(r->tags.back(), "squash");
  EXPECT_EQ(r->nutrition, (std::array<float, 7>{51.5f, 0.0f, 13.0f, 0.0f, 2.0f, 0.0f, 4.0f}));
  ASSERT_EQ(r->steps.size(), 11u);
  EXPECT_EQ(r->steps.front(), "make a choice and proceed with recipe");
  EXPECT_EQ(r->steps.back(), "if desired , season with salt");
  EXPECT_EQ(
      r->description,
      "autumn is my favorite time of year to cook! this recipe \ncan be prepared either spicy or sweet, your "
      "choice!\ntwo of my posted mexican-inspired seasoning mix recipes are offered as suggestions.");
  EXPECT_EQ(r->ingredients, (std::vector<std::string>{"winter squash", "mexican seasoning", "mixed spice",
                                                      "honey", "butter", "olive oil", "salt"}));
  // The last complete record of the file.
  EXPECT_EQ(book.recipes().back().id, 77976);
  EXPECT_EQ(book.size(), 1839);
}

TEST_F(FoodcomSharedTest, QuickSnacksCountMatchesAnIndependentCount) {
  RecipeBook book;
  SkipLog skipped;
  for (const char* f : {"amaldre-sample/RAW_recipes_sample.csv", "dishcovery-dense-subset/recipes_small.csv",
                        "cairo-squad-first-rows/food.csv"}) {
    load_foodcom_recipes(food_dir() / f, book, skipped);
  }
  const std::set<std::string> snack_tags{"snacks", "appetizers", "finger-food"};
  std::int64_t quick_snacks = 0, quick = 0;
  for (const Recipe& r : book.recipes()) {
    quick += r.minutes <= 25;
    quick_snacks += r.minutes <= 25 && has_any_tag(r, snack_tags);
  }
  // Counted independently with pandas (read_csv, drop_duplicates('id'), ast.literal_eval on tags).
  EXPECT_EQ(quick, 1129);
  EXPECT_EQ(quick_snacks, 197);
  std::cout << "recipes with minutes <= 25 tagged snacks/appetizers/finger-food: " << quick_snacks << "\n";
}

TEST_F(FoodcomSharedTest, InteractionFilesLoadEveryRow) {
  RecipeBook book;
  SkipLog skipped;
  const FoodLoadStats a =
      load_foodcom_interactions(food_dir() / "amaldre-sample/RAW_interactions_sample.csv", book, skipped);
  EXPECT_EQ(a.rows, 1000);
  EXPECT_EQ(a.added, 1000);
  const FoodLoadStats d =
      load_foodcom_interactions(food_dir() / "dishcovery-dense-subset/interactions_small.csv", book, skipped);
  EXPECT_EQ(d.rows, 10077);
  EXPECT_EQ(d.added, 10077);
  EXPECT_EQ(skipped.total(), 0u);
  ASSERT_EQ(book.interactions().size(), 11077u);
  const RecipeInteraction& first = book.interactions().front();
  EXPECT_EQ(first.user_id, 1001417);
  EXPECT_EQ(first.recipe_id, 69924);
  EXPECT_EQ(first.date, days_from_civil(2009, 12, 9) * 86400);
  EXPECT_EQ(first.rating, 5);
  const auto unrated = std::count_if(book.interactions().begin(), book.interactions().end(),
                                     [](const RecipeInteraction& i) { return i.rating == 0; });
  EXPECT_EQ(unrated, 49 + 158);
  // The Dishcovery subset is consistent: every interaction points at one of its recipes.
  RecipeBook dense;
  load_foodcom_recipes(food_dir() / "dishcovery-dense-subset/recipes_small.csv", dense, skipped);
  load_foodcom_interactions(food_dir() / "dishcovery-dense-subset/interactions_small.csv", dense, skipped);
  for (const RecipeInteraction& i : dense.interactions())
    ASSERT_TRUE(dense.index_of(i.recipe_id)) << i.recipe_id;
}

TEST_F(FoodcomSharedTest, DiscoveryLoadsTheFolderByHeader) {
  const Dataset d = load_dataset({food_dir()}, {false});
  EXPECT_EQ(d.recipes.size(), 3210);
  EXPECT_EQ(d.recipes.interactions().size(), 11077u);
  EXPECT_EQ(d.skipped.total(), 1u);
}

// ---- hand-made fixtures --------------------------------------------------------------------

TEST(FoodcomFixtureTest, RecipesWithLineBreaksInsideFieldsAndBadRows) {
  const auto path = fixtures_dir() / "foodcom/recipes.csv";
  ASSERT_NE(read_file(path).find("crunchy, cheesy\r\nand quick"), std::string::npos)
      << "fixture lost its CRLF";
  RecipeBook book;
  SkipLog skipped;
  const FoodLoadStats stats = load_foodcom_recipes(path, book, skipped);
  EXPECT_EQ(stats.rows, 10);
  EXPECT_EQ(stats.added, 3);
  EXPECT_EQ(stats.duplicates, 1);
  EXPECT_EQ(skipped.total(), 6u);
  EXPECT_EQ(skipped.by_file().begin()->second.examples.size(), SkipLog::kMaxExamples);
  ASSERT_EQ(book.size(), 3);

  const Recipe* nachos = find(book, 1);
  ASSERT_NE(nachos, nullptr);
  EXPECT_EQ(nachos->name, "cheesy   nachos");  // the first copy, runs of spaces kept
  EXPECT_EQ(nachos->minutes, 15);
  EXPECT_EQ(nachos->description, "crunchy, cheesy\nand quick");  // CRLF inside the field
  EXPECT_EQ(nachos->steps, (std::vector<std::string>{"heat oven to 350 , then bake", "serve"}));
  EXPECT_EQ(nachos->ingredients,
            (std::vector<std::string>{"tortilla chips", "campbell's condensed tomato soup"}));
  EXPECT_EQ(nachos->nutrition[0], 250.5f);
  EXPECT_EQ(nachos->nutrition[6], 8.0f);

  const Recipe* dip = find(book, 2);
  ASSERT_NE(dip, nullptr);
  EXPECT_EQ(dip->description, "line one\nline two");  // bare LF inside the field
  EXPECT_EQ(dip->tags, (std::vector<std::string>{"appetizers"}));

  const Recipe* water = find(book, 7);
  ASSERT_NE(water, nullptr);
  EXPECT_EQ(water->minutes, 0);
  EXPECT_EQ(water->description, "");
  EXPECT_EQ(water->nutrition, (std::array<float, 7>{}));
  EXPECT_EQ(water->ingredients, (std::vector<std::string>{"water", "ice"}));
  for (std::int64_t bad : {3, 4, 5, 6, 8}) EXPECT_FALSE(book.index_of(bad)) << bad;

  SkipLog all;
  RecipeBook again;
  load_foodcom_recipes(path, again, all);
  const std::string& log = all.by_file().begin()->first;
  EXPECT_NE(log.find("recipes.csv"), std::string::npos);
  // The five kept examples name the line and the reason.
  const auto& examples = all.by_file().begin()->second.examples;
  EXPECT_NE(examples[0].find(":6: expected 12 fields, found 11"), std::string::npos) << examples[0];
  EXPECT_NE(examples[1].find(":7: id: expected an integer, found 'abc'"), std::string::npos) << examples[1];
  EXPECT_NE(examples[2].find(":8: minutes:"), std::string::npos) << examples[2];
  EXPECT_NE(examples[3].find(":9: tags: bad list literal"), std::string::npos) << examples[3];
  EXPECT_NE(examples[4].find(":10: nutrition: expected a list of 7 numbers"), std::string::npos)
      << examples[4];
}

TEST(FoodcomFixtureTest, InteractionsWithReviewsFullOfCommasQuotesAndNewlines) {
  const auto path = fixtures_dir() / "foodcom/interactions.csv";
  ASSERT_NE(read_file(path).find("ever,\r\nsecond line\nthird line\"\r\n"), std::string::npos)
      << "fixture changed";
  RecipeBook book;
  SkipLog skipped;
  const FoodLoadStats stats = load_foodcom_interactions(path, book, skipped);
  EXPECT_EQ(stats.rows, 8);
  EXPECT_EQ(stats.added, 4);
  EXPECT_EQ(skipped.total(), 4u);
  const auto& rows = book.interactions();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].user_id, 10);
  EXPECT_EQ(rows[0].recipe_id, 1);
  EXPECT_EQ(rows[0].rating, 5);
  EXPECT_EQ(rows[0].date, days_from_civil(2009, 12, 9) * 86400);
  EXPECT_EQ(rows[1].user_id, 11);
  EXPECT_EQ(rows[1].rating, 0);  // no rating given, kept
  EXPECT_EQ(rows[2].user_id, 12);
  EXPECT_EQ(rows[2].rating, 4);  // empty review
  EXPECT_EQ(rows[3].recipe_id, 999);
  const auto& examples = skipped.by_file().begin()->second.examples;
  ASSERT_EQ(examples.size(), 4u);
  EXPECT_NE(examples[0].find(":7: rating: expected 0..5"), std::string::npos) << examples[0];
  EXPECT_NE(examples[1].find(":8: user_id: expected an integer"), std::string::npos) << examples[1];
  EXPECT_NE(examples[2].find(":9: date: expected YYYY-MM-DD"), std::string::npos) << examples[2];
  EXPECT_NE(examples[3].find(":10: expected 5 fields, found 4"), std::string::npos) << examples[3];
}

TEST(FoodcomFixtureTest, MissingColumnIsAnErrorOnLineOne) {
  RecipeBook book;
  SkipLog skipped;
  try {
    load_foodcom_recipes(fixtures_dir() / "foodcom/missing-column.csv", book, skipped);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("missing-column.csv:1: missing column 'nutrition'"),
              std::string::npos)
        << e.what();
  }
  // An interactions loader given a recipe file names the first column it lacks.
  try {
    load_foodcom_interactions(fixtures_dir() / "foodcom/recipes.csv", book, skipped);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":1: missing column 'user_id'"), std::string::npos) << e.what();
  }
}

TEST(FoodcomFixtureTest, RecognisedByHeaderNotName) {
  test::TempDir tmp;
  // Columns in another order, a CRLF file with an odd name, a UTF-8 BOM.
  test::write_text(tmp / "whatever.txt",
                   "\xEF\xBB\xBFrating,date,recipe_id,user_id\r\n3,2001-07-24,5,6\r\n0,2018-12-16,7,8\r\n");
  RecipeBook book;
  SkipLog skipped;
  const FoodLoadStats stats = load_foodcom_interactions(tmp / "whatever.txt", book, skipped);
  EXPECT_EQ(stats.added, 2);
  ASSERT_EQ(book.interactions().size(), 2u);
  EXPECT_EQ(book.interactions()[0].user_id, 6);
  EXPECT_EQ(book.interactions()[0].recipe_id, 5);
  EXPECT_EQ(book.interactions()[0].rating, 3);
  EXPECT_EQ(book.interactions()[1].date, days_from_civil(2018, 12, 16) * 86400);
}

}  // namespace
}  // namespace mn
