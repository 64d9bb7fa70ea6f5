#pragma once
// Most popular: every user gets the same ranking, by the number of positives (the baseline every
// table starts with), or by a damped mean rating (Bayesian average towards the global mean).
#include "cf/recommender.h"
#include "cf/registry.h"

namespace mn {

class Popularity final : public Recommender {
 public:
  explicit Popularity(Params params) : Recommender(std::move(params)) {}
  std::string name() const override { return "pop"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  const std::vector<float>& item_scores() const { return scores_; }

 private:
  std::vector<float> scores_;
};

ModelInfo popularity_model_info();

}  // namespace mn
