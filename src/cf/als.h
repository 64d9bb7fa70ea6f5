#pragma once
// Implicit ALS (Hu, Koren, Volinsky 2008) exactly as implicit 0.7.2 (benfred/implicit, CPU)
// defines it, so that configurations transfer: confidence C = alpha * X (implicit's scaling of the
// input, not 1 + alpha * X), unscaled L2 `regularization`, factors initialised uniform in
// [0, 0.01), users solved then items each iteration by conjugate gradient (`cg_steps`, warm-started
// from the previous factors) or exactly by Cholesky; optional bm25_weight of the input first.
// Fold-in (score_history) is implicit's recalculate_user: the exact least-squares solution against
// the frozen item factors. similar_items is the cosine of item factors.
#include <functional>
#include <vector>

#include "cf/als_solver.h"
#include "cf/recommender.h"
#include "cf/registry.h"

namespace mn {

// implicit.nearest_neighbours.bm25_weight of a users x items matrix (rows are BM25's documents,
// items its terms): idf_i = log(rows) - log1p(entries of item i), length norm by the row's sum
// of values against the mean over all rows; computed in double, stored as float.
struct Bm25Stats {
  std::vector<double> idf;    // per item
  double average_length = 0;  // mean row sum
  static Bm25Stats of(const CsrMatrix& x);
  // The weighted value of one entry of a row whose values sum to row_sum.
  double weight(std::int32_t item, double value, double row_sum, double k1, double b) const;
};
CsrMatrix bm25_weight(const CsrMatrix& x, double k1 = 100, double b = 0.8);

class Als final : public Recommender {
 public:
  explicit Als(Params params);
  std::string name() const override { return "als"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // Called after each iteration with (iteration, seconds it took, training loss or NaN when
  // calculate_training_loss is off), as implicit's fit callback.
  using IterationCallback = std::function<void(int iteration, double seconds, double loss)>;
  void set_iteration_callback(IterationCallback callback) { callback_ = std::move(callback); }
  // The training loss after each iteration of the last fit (with calculate_training_loss).
  const std::vector<double>& training_loss() const { return loss_; }

  // Unpadded copies (rows x factors), as implicit's user_factors / item_factors.
  std::vector<float> user_factors() const;
  std::vector<float> item_factors() const;
  // The exact fold-in vector of a history (implicit's recalculate_user).
  std::vector<float> recalculate_user(std::span<const std::int32_t> items,
                                      std::span<const float> values) const;
  // Kernels to use (tests compare instruction sets); default: the best the CPU runs.
  void set_isa(als::Isa isa) { isa_ = isa; }

 private:
  void prepare_queries();  // item Gram matrix and norms after fit / load
  std::vector<float> confidences(std::span<const std::int32_t> items, std::span<const float> values) const;

  int factors_;
  als::Isa isa_;
  als::Factors users_;
  als::Factors items_;
  std::vector<float> item_gram_;  // YtY + reg * I for fold-in
  std::vector<float> item_norms_;
  Bm25Stats bm25_;
  std::vector<double> loss_;
  IterationCallback callback_;
};

ModelInfo als_model_info();

}  // namespace mn
