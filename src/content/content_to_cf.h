#pragma once
// `content2cf`: implicit ALS whose items without ratings get a collaborative vector from their
// text. A ridge regression maps content embeddings to the ALS item factors of the rated items;
// an unrated item's factors are its mapped embedding, so it can be recommended to anyone (item
// cold start) while rated items keep their learned factors.
#include <memory>

#include "cf/als.h"
#include "cf/recommender.h"
#include "cf/registry.h"

namespace mn {

class ContentToCf final : public Recommender {
 public:
  explicit ContentToCf(Params params);
  ~ContentToCf() override;
  std::string name() const override { return "content2cf"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // n_items x factors: ALS factors for rated items, mapped embeddings for the others.
  const std::vector<float>& item_vectors() const { return item_vectors_; }
  // d x factors ridge map from content embeddings to item factors.
  const std::vector<float>& content_map() const { return map_; }

 private:
  void score_user_vector(std::span<const float> user, std::span<float> out) const;

  std::unique_ptr<Als> als_;
  int factors_ = 0;
  std::vector<float> item_vectors_;
  std::vector<float> map_;
};

ModelInfo content_to_cf_model_info();

// W = argmin |E W - Q|^2 + lambda |W|^2 over the rows in `rows`: E is n x d, Q is n x f, W is d x f
// (row-major). Exposed for tests.
std::vector<float> fit_ridge_map(const std::vector<float>& embeddings, int d,
                                 const std::vector<float>& targets, int f,
                                 const std::vector<std::int32_t>& rows, double lambda);

}  // namespace mn
