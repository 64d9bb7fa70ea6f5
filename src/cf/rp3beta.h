#pragma once
// RP3beta (Paudel et al. 2017; the configuration of Dacrema et al. 2019): a three-step random walk
// item -> user -> item, its transition probabilities raised to alpha, re-ranked by dividing each
// target item j by popularity(j)^beta:
//   P_ui = x_ui / sum_j x_uj,  P_iu = 1 / |users of i|  (on the binary pattern)
//   W[i, j] = sum_u P_iu^alpha * P_uj^alpha / popularity(j)^beta,  W[i, i] = 0
// keeping the k largest W[i, j] per item, then (normalize=true) scaling each row to sum 1, as
// Dacrema et al.'s RP3betaRecommender does. score(u) = sum over the user's items of x_ui * W[i, :].
#include "cf/registry.h"
#include "cf/similarity.h"

namespace mn {

class Rp3Beta final : public ItemWeightsModel {
 public:
  explicit Rp3Beta(Params params) : ItemWeightsModel(std::move(params)) {}
  std::string name() const override { return "rp3beta"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
};

ModelInfo rp3beta_model_info();

}  // namespace mn
