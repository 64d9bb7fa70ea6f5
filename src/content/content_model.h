#pragma once
// `content`: recommends by what movies are about. Every item is its text embedding (catalog
// encoding: tfidf by default, genres or minilm); a user is the rating-weighted mean of the
// embeddings of their positives, optionally with older ones decayed; an item's score is its inner
// product with that profile. Fold-in is the same computation, so a brand-new user needs no refit,
// and an item nobody has rated scores like any other (item cold start).
#include <memory>

#include "cf/recommender.h"
#include "cf/registry.h"
#include "index/half_rows.h"
#include "index/vector_index.h"
#include "text/text_encoder.h"

namespace mn {

class ContentModel final : public Recommender {
 public:
  explicit ContentModel(Params params);
  ~ContentModel() override;
  std::string name() const override { return "content"; }
  // Needs context.catalog (item i = catalog movie i); context.entry_age_days enables the decay.
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // The profile of a history (weights already applied), not normalised; zero when empty.
  std::vector<float> profile(std::span<const std::int32_t> items, std::span<const float> weights) const;
  // The profiles score() and score_history() use.
  std::vector<float> user_profile(std::int32_t user) const;
  std::vector<float> history_profile(std::span<const std::int32_t> items,
                                     std::span<const float> values) const;
  // Scores of every item against a query vector of dim() floats.
  void score_vector(std::span<const float> query, std::span<float> out) const;
  // Several queries at once (n x dim() floats) into out (n x n_items()), one pass over the items.
  // half: over a half-precision copy of the embeddings (half the memory traffic; scores within
  // about 1e-4), where the CPU has F16C; the floats elsewhere.
  enum class Precision { kFloat, kHalf };
  void score_vectors(std::span<const float> queries, std::span<float> out,
                     Precision precision = Precision::kFloat) const;
  int dim() const { return dim_; }
  const std::vector<float>& item_embeddings() const { return embeddings_; }
  const TextEncoder& encoder() const { return *encoder_; }
  const VectorIndex& index() const { return *index_; }

 private:
  void build_index();
  void make_half_copy();

  int dim_ = 0;
  std::vector<float> embeddings_;  // n_items x dim
  HalfRows embeddings_half_;       // the same, for Precision::kHalf (empty without F16C)
  std::shared_ptr<const TextEncoder> encoder_;
  std::unique_ptr<VectorIndex> index_;
  CsrMatrix user_weights_;  // training histories with the weights the profiles use
};

ModelInfo content_model_info();
// The catalog-encoding options a content model's parameters ask for (shared with content2cf).
struct CatalogEncodingOptions;
CatalogEncodingOptions encoding_options_from_params(const Params& params, int threads);
std::vector<ParamSpec> content_encoder_params();

}  // namespace mn
