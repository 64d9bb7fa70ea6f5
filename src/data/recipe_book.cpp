#include "data/recipe_book.h"

namespace mn {

bool RecipeBook::add(Recipe recipe) {
  const auto index = static_cast<std::int32_t>(recipes_.size());
  if (!by_id_.emplace(recipe.id, index).second) return false;
  recipes_.push_back(std::move(recipe));
  return true;
}

std::optional<std::int32_t> RecipeBook::index_of(std::int64_t recipe_id) const {
  const auto it = by_id_.find(recipe_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

void RecipeBook::rebuild_index() {
  by_id_.clear();
  for (std::size_t i = 0; i < recipes_.size(); ++i)
    by_id_.emplace(recipes_[i].id, static_cast<std::int32_t>(i));
}

}  // namespace mn
