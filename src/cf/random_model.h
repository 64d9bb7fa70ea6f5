#pragma once
// Random ranking: the floor every table is read against. Scores are a hash of (seed, user, item),
// so a run is reproducible, and a new user's scores are a hash of their history.
#include "cf/recommender.h"
#include "cf/registry.h"

namespace mn {

class RandomModel final : public Recommender {
 public:
  explicit RandomModel(Params params) : Recommender(std::move(params)) {}
  std::string name() const override { return "random"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

 private:
  void fill(std::uint64_t key, std::span<float> out) const;
};

ModelInfo random_model_info();

}  // namespace mn
