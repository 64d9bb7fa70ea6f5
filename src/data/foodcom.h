#pragma once
// Loaders for the Food.com "Recipes and Interactions" files (Kaggle shuyangli94): RAW_recipes and
// RAW_interactions, or any subset of them with the same header. Columns are found by name; the
// list columns are Python literals. Rows the format is known to have malformed (a record cut off
// at the end of the file, a wrong field count, a non-numeric id, a bad list literal, a rating off
// the 0..5 scale) are skipped and counted in the SkipLog; a missing column is an error.
#include <cstdint>
#include <filesystem>

#include "data/recipe_book.h"
#include "util/skip_log.h"

namespace mn {

struct FoodLoadStats {
  std::int64_t rows = 0;        // data records read, the skipped ones included
  std::int64_t added = 0;       // recipes / interactions added to the book
  std::int64_t duplicates = 0;  // recipes whose id was already in the book (the first copy is kept)
};

// RAW_recipes layout: name,id,minutes,contributor_id,submitted,tags,nutrition,n_steps,steps,
// description,ingredients,n_ingredients (n_steps and n_ingredients are optional: they are the
// lists' lengths). The name is kept as written; line breaks inside the description become "\n".
FoodLoadStats load_foodcom_recipes(const std::filesystem::path& path, RecipeBook& book, SkipLog& skipped);

// RAW_interactions layout: user_id,recipe_id,date,rating,review (rating 0 = no rating; the review
// text is not kept and its column is optional).
FoodLoadStats load_foodcom_interactions(const std::filesystem::path& path, RecipeBook& book,
                                        SkipLog& skipped);

}  // namespace mn
