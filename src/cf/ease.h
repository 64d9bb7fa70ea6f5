#pragma once
// EASE^R (Steck 2019): a closed-form item-item ridge regression with a zero diagonal,
//   P = (X^T X + lambda I)^-1,   B = I - P diagMat(1 / diag(P))   (so B_ii = 0),
//   score(u) = x_u B.
// Only items with at least one interaction enter the dense Gram matrix (an item nobody has gets
// B = 0 in closed form anyway), which is then inverted in place by a blocked Cholesky inverse
// parallelised with OpenMP. The dense matrix needs n^2 * 4 bytes (8 for precision=float64); fit
// refuses, before allocating, when that exceeds max_memory_gb.
#include <vector>

#include "cf/recommender.h"
#include "cf/registry.h"

namespace mn {

class Ease final : public Recommender {
 public:
  explicit Ease(Params params) : Recommender(std::move(params)) {}
  std::string name() const override { return "ease"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  // Files: B.npy (n_active x n_active, row i = weights of item_ids[i] over the other active
  // items), item_ids.npy (the active items' indices), user_items_*.npy.
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // B over the active items, row-major; exactly one of the two is filled (by precision).
  const std::vector<float>& weights32() const { return b32_; }
  const std::vector<double>& weights64() const { return b64_; }
  const std::vector<std::int32_t>& active_items() const { return active_; }

 private:
  void set_active(std::vector<std::int32_t> active, std::int32_t n_items);
  template <typename T>
  void accumulate(std::span<const std::int32_t> items, std::span<const float> values, const std::vector<T>& b,
                  std::span<float> out) const;

  CsrMatrix user_items_;
  std::vector<std::int32_t> active_;    // row of B -> item
  std::vector<std::int32_t> position_;  // item -> row of B, -1 for items without interactions
  std::vector<float> b32_;
  std::vector<double> b64_;
};

// Bytes the dense n x n matrix of EASE needs at the given element size (what max_memory_gb is
// checked against).
double ease_memory_bytes(std::int64_t n_active, std::size_t element_size);

ModelInfo ease_model_info();

}  // namespace mn
