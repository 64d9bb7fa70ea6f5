#pragma once
// Surprise's SlopeOne (Lemire and Maclachlan 2005): r(u, i) = mean_u + the mean over R_i(u) of
// dev(i, j), R_i(u) the items of u rated by someone who also rated i, dev(i, j) the mean of
// r_vi - r_vj over the users v of both. The deviations are kept sparse (every co-rated pair,
// nothing dropped: each one can enter an estimate), computed row by row in parallel.
// Surprise reads the ratings into C ints in its fit (3.5 becomes 3); here they are used as given,
// which matches it on integer scales and is what the algorithm means on half stars.
#include "explicit/rating_model.h"

namespace mn {

class SlopeOne final : public RatingModel {
 public:
  explicit SlopeOne(Params params);
  std::string name() const override { return "slopeone"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  // mean and R_i of the history (exact for a training user).
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  // The items most often rated together with the item (co-rating count; ties to the smaller index).
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  // Grouped by item: each item's deviation row is scattered once, then every lookup is O(1).
  std::vector<RatingPrediction> predict_many(std::span<const RatingTriple> triples,
                                             int threads) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  const CsrMatrix& deviations() const { return dev_; }

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  double deviation_mean(std::int32_t item, std::span<const std::int32_t> rated, bool& any) const;
  void prepare();
  CsrMatrix ratings_;
  CsrMatrix by_item_;
  CsrMatrix dev_;  // items x items, the diagonal included (0)
  std::vector<double> user_mean_;
};

}  // namespace mn
