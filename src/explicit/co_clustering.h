#pragma once
// Surprise's CoClustering (George and Merugu 2005): users and items are assigned to n_cltr_u and
// n_cltr_i clusters (random start, then n_epochs of reassignment by least squared error) and
// r(u, i) = avg(cocluster) + (mean_u - avg(user cluster)) + (mean_i - avg(item cluster)).
// Surprise accumulates ratings in C ints (half stars truncated); here they are used as given.
#include "explicit/rating_model.h"

namespace mn {

class CoClustering final : public RatingModel {
 public:
  explicit CoClustering(Params params);
  std::string name() const override { return "coclustering"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  // The user's cluster is the one of least squared error over the history (the training step).
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  // Items whose estimates across the user clusters are closest (negative Euclidean distance).
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  const std::vector<std::int32_t>& user_clusters() const { return cltr_u_; }
  const std::vector<std::int32_t>& item_clusters() const { return cltr_i_; }

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  void compute_averages(const CsrMatrix& ratings);
  double cell(int uc, int ic) const;
  int n_u_;
  int n_i_;
  std::vector<std::int32_t> cltr_u_, cltr_i_;
  std::vector<double> user_mean_, item_mean_;
  std::vector<double> avg_u_, avg_i_, avg_co_;  // avg_co_: n_u_ x n_i_
};

}  // namespace mn
