#pragma once
// Item-item nearest neighbours, as implicit 0.7.2's ItemItemRecommender family defines them:
//   cosine  item vectors (over users) scaled to unit length            (CosineRecommender)
//   tfidf   sqrt(x) * idf(user), then unit length                      (TFIDFRecommender)
//   bm25    x (K1 + 1) / (K1 * length_norm(item) + x) * idf(user)      (BM25Recommender)
// with idf(u) = log(n_items) - log1p(items of u) and length_norm(i) = 1 - B + B * |i| / mean |i|.
// similarity(i, j) = sum_u w_ui w_uj, kept for the k best j per item (the item itself counts as
// one of them, as in implicit); score(u) = sum over the user's items of x_ui * similarity(i, :).
// shrink > 0 scales each similarity by n_i n_j / (n_i n_j + shrink), n = the L2 norm of the
// weighted item vector before normalisation: for cosine that is dot / (|i| |j| + shrink), the
// usual shrinkage of similarities built on few co-occurrences.
#include "cf/registry.h"
#include "cf/similarity.h"

namespace mn {

class ItemKnn final : public ItemWeightsModel {
 public:
  explicit ItemKnn(Params params) : ItemWeightsModel(std::move(params)) {}
  std::string name() const override { return "itemknn"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
};

ModelInfo itemknn_model_info();

}  // namespace mn
