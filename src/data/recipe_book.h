#pragma once
// Food.com recipes and their interactions, merged from every recipe / interaction file found and
// de-duplicated by recipe id (first file wins; later copies are counted).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mn {

struct Recipe {
  std::int64_t id = 0;
  std::string name;  // kept as written, runs of spaces included
  std::int32_t minutes = 0;
  std::int64_t contributor_id = 0;
  std::string submitted;  // YYYY-MM-DD
  std::vector<std::string> tags;
  std::array<float, 7> nutrition{};  // calories, fat, sugar, sodium, protein, saturated fat, carbs (PDV)
  std::vector<std::string> steps;
  std::string description;
  std::vector<std::string> ingredients;
};

struct RecipeInteraction {
  std::int64_t user_id = 0;
  std::int64_t recipe_id = 0;
  std::int64_t date = 0;   // Unix seconds (midnight UTC)
  std::int8_t rating = 0;  // 1..5; 0 = no rating given
};

class RecipeBook {
 public:
  // False (and nothing added) when a recipe with this id is already present.
  bool add(Recipe recipe);
  void add_interaction(const RecipeInteraction& interaction) { interactions_.push_back(interaction); }
  std::optional<std::int32_t> index_of(std::int64_t recipe_id) const;
  std::int32_t size() const { return static_cast<std::int32_t>(recipes_.size()); }
  const std::vector<Recipe>& recipes() const { return recipes_; }
  const std::vector<RecipeInteraction>& interactions() const { return interactions_; }
  std::vector<RecipeInteraction>& interactions() { return interactions_; }
  std::vector<Recipe>& recipes() { return recipes_; }
  void rebuild_index();

 private:
  std::vector<Recipe> recipes_;
  std::vector<RecipeInteraction> interactions_;
  std::unordered_map<std::int64_t, std::int32_t> by_id_;
};

}  // namespace mn
