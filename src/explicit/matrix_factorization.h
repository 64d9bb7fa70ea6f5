#pragma once
// Surprise's matrix-factorisation algorithms with its parameters, defaults and update rules:
//   svd    biased (or not) Funk SVD by SGD, r = mu + b_u + b_i + q_i . p_u
//   svdpp  SVD++: r = mu + b_u + b_i + q_i . (p_u + |I_u|^-1/2 sum_{j in I_u} y_j)
//   nmf    non-negative factorisation by multiplicative updates (optionally biased by SGD)
// SGD visits the ratings user by user in a seeded shuffled order, the same every epoch, as
// Surprise visits a shuffled trainset. Factors are float32 (Surprise: float64); a seed gives one
// result. svd's default schedule (blocks) splits users and items in four groups and runs the
// disjoint blocks of a phase at once (up to four threads), each block in that order, with the
// same result on any number of threads; its initial factors come from a vectorised normal
// generator (schedule=surprise: Surprise's single order and init_normal's draws).
//
// SVD++ is Surprise's algorithm exactly, but not its cost: Surprise recomputes the implicit
// feedback sum and updates every y_j of the user after each rating (O(|I_u|^2) per user and epoch).
// Within one user's block every y_j of I_u receives the same affine update
// y <- (1 - lr_yj reg_yj) y + lr_yj err q_i / sqrt|I_u|, so the block keeps the running sum and
// the composed map and applies it to each y_j once at the user's end: O(|I_u|) per user.
//
// Fold-in (score_history) solves the new user's terms against the fixed item terms at the
// stationary point of the per-rating SGD updates: a ridge solve of [b_u, p_u] with penalty
// n * reg (deterministic); for nmf, multiplicative user updates from a constant start.
#include <vector>

#include "cf/sgd_util.h"
#include "explicit/rating_model.h"

namespace mn {

class Svd final : public RatingModel {
 public:
  explicit Svd(Params params);
  std::string name() const override { return "svd"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  // Cosine of item factors (items without ratings left out).
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // user_factors.npy, item_factors.npy (float32), user_bias.npy, item_bias.npy (float64), meta.json.
  void export_factors(const std::filesystem::path& dir, const ExportIds* ids = nullptr) const override;

  // The new user's [b_u, p_u] from a history (the fold-in of score_history).
  std::vector<double> fold_in(std::span<const std::int32_t> items, std::span<const float> values) const;

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  int factors_;
  bool biased_;
  sgd::FactorMatrix pu_;
  sgd::FactorMatrix qi_;
  std::vector<float> bu_;
  std::vector<float> bi_;
};

class SvdPp final : public RatingModel {
 public:
  explicit SvdPp(Params params);
  std::string name() const override { return "svdpp"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // As svd, plus implicit_factors.npy (y_j) and user_implicit.npy (|I_u|^-1/2 sum y_j per user).
  void export_factors(const std::filesystem::path& dir, const ExportIds* ids = nullptr) const override;

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  // p_u + implicit feedback of the history, and b_u (the fold-in).
  void fold_in(std::span<const std::int32_t> items, std::span<const float> values, std::vector<float>& user,
               double& bias) const;

  int factors_;
  sgd::FactorMatrix pu_;
  sgd::FactorMatrix qi_;
  sgd::FactorMatrix yj_;
  sgd::FactorMatrix implicit_;  // per user: |I_u|^-1/2 sum_{j in I_u} y_j
  std::vector<float> bu_;
  std::vector<float> bi_;
};

class Nmf final : public RatingModel {
 public:
  explicit Nmf(Params params);
  std::string name() const override { return "nmf"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  void export_factors(const std::filesystem::path& dir, const ExportIds* ids = nullptr) const override;

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  double dot(const double* a, std::int32_t item) const;
  int factors_;
  bool biased_;
  std::vector<double> pu_;  // users x factors, row-major
  std::vector<double> qi_;  // items x factors
  std::vector<double> bu_;
  std::vector<double> bi_;
};

}  // namespace mn
