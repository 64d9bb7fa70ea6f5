#pragma once
// Surprise's BaselineOnly (mu + b_u + b_i, biases by ALS or SGD) and NormalPredictor (a random
// rating from N(mu, sigma) of the training ratings).
#include "explicit/explicit_common.h"
#include "explicit/rating_model.h"

namespace mn {

class BaselineOnly final : public RatingModel {
 public:
  explicit BaselineOnly(Params params);
  std::string name() const override { return "baseline"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  // b_u of the history by the ALS user step (exact for a training user under ALS), then mu + b_u + b_i.
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // user_bias.npy, item_bias.npy (float64) and meta.json.
  void export_factors(const std::filesystem::path& dir, const ExportIds* ids = nullptr) const override;

  const std::vector<double>& user_bias() const { return bu_; }
  const std::vector<double>& item_bias() const { return bi_; }

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  xp::BaselineOptions options_;
  std::vector<double> bu_;
  std::vector<double> bi_;
};

// Each prediction is a normal draw keyed on (seed, user, item): the same pair always gets the same
// draw (Surprise redraws on every call), distinct pairs are independent.
class NormalPredictor final : public RatingModel {
 public:
  explicit NormalPredictor(Params params);
  std::string name() const override { return "normal"; }
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  // Draws for an anonymous user (the history is not used, as Surprise's estimate ignores the user).
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  double sigma() const { return sigma_; }

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  double sigma_ = 0;
};

}  // namespace mn
