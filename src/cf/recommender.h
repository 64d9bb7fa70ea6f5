#pragma once
// The interface every collaborative model implements (implicit's RecommenderBase, in C++):
// fit on a users x items matrix, score a known user, score a new user from a history (fold-in),
// similar items, save/load. Ranking with exclusions and the manifest are shared code.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cf/params.h"
#include "cf/sparse.h"

namespace mn {

class Catalog;

struct ScoredItem {
  std::int32_t item;
  float score;
};

struct FitContext {
  int threads = 0;  // 0: every core
  bool show_progress = false;
  const CsrMatrix* item_features = nullptr;  // items x features (genres, tags) for hybrid models
  const Catalog* catalog = nullptr;          // item i = catalog movie i, for content models
  // Same shape and entries as the fitted matrix, values = days before the user's latest entry
  // (for recency decay); null when the caller has no timestamps.
  const CsrMatrix* entry_age_days = nullptr;
};

class Recommender {
 public:
  explicit Recommender(Params params) : params_(std::move(params)) {}
  virtual ~Recommender() = default;
  Recommender(const Recommender&) = delete;
  Recommender& operator=(const Recommender&) = delete;

  virtual std::string name() const = 0;
  const Params& params() const { return params_; }
  std::int32_t n_users() const { return n_users_; }
  std::int32_t n_items() const { return n_items_; }

  // user_items: users x items; values are the weights the model reads (1 for implicit positives,
  // or the ratings). Refitting replaces the previous state.
  virtual void fit(const CsrMatrix& user_items, const FitContext& context) = 0;
  // Scores of every item (out.size() == n_items()) for a user of the fitted matrix.
  virtual void score(std::int32_t user, std::span<float> out) const = 0;
  // Scores for a user known only by a history (items and their values): fold-in, no refit. For a
  // training user with their training history this agrees with score() (exactly for
  // neighbourhood models, to solver tolerance for factor models).
  virtual void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                             std::span<float> out) const = 0;
  // The k items most similar to item (itself excluded), best first.
  virtual std::vector<ScoredItem> similar_items(std::int32_t item, int k) const = 0;
  // Writes / reads the fitted state (arrays as .npy) in dir; save_model adds the manifest.
  virtual void save(const std::filesystem::path& dir) const = 0;
  virtual void load(const std::filesystem::path& dir) = 0;

 protected:
  Params params_;
  std::int32_t n_users_ = 0;
  std::int32_t n_items_ = 0;
};

// The k best items of scores, best first; ties go to the smaller item index. Items whose score is
// -infinity are never returned, so callers exclude items by setting that.
std::vector<ScoredItem> top_k(std::span<const float> scores, int k);
// Sets the scores of the given items to -infinity.
void exclude_items(std::span<float> scores, std::span<const std::int32_t> items);

// Convenience: score, drop what the user has in `seen` (their row), take the top k.
std::vector<ScoredItem> recommend(const Recommender& model, std::int32_t user, int k,
                                  const CsrMatrix* seen = nullptr);
std::vector<ScoredItem> recommend_history(const Recommender& model, std::span<const std::int32_t> items,
                                          std::span<const float> values, int k, bool exclude_history = true);

}  // namespace mn
