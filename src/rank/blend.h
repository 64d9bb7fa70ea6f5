#pragma once
// `blend`: the movie-night ranker for one person, as a registry model so that `eval` measures the
// same thing `night` serves. Four parts, each scored over every item:
//   cf       implicit ALS (exact fold-in for a new person)
//   itemknn  cosine item neighbours of the history
//   content  the text profile of the history (the `content` model)
//   pop      log(1 + positives)
// fusion=blend: each part's scores are standardised (z-scores over the items) and summed with the
// weights; fusion=rrf: reciprocal-rank fusion, sum of weight / (rrf_k + rank) over cf and content.
#include <memory>

#include "cf/recommender.h"
#include "cf/registry.h"

namespace mn {

class ContentModel;

class BlendModel final : public Recommender {
 public:
  explicit BlendModel(Params params);
  ~BlendModel() override;
  std::string name() const override { return "blend"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // The parts' raw scores for a history (each out.size() == n_items()); a part with weight 0 is
  // left empty. For the planner's per-person candidates and reasons.
  struct Parts {
    std::vector<float> cf, itemknn, content, pop;
  };
  // with_content false leaves the content part to the caller (the planner scores every person's
  // content profile and the mood in one pass over the items).
  Parts parts_for_user(std::int32_t user, bool with_content = true) const;
  Parts parts_for_history(std::span<const std::int32_t> items, std::span<const float> values,
                          bool with_content = true) const;
  // Fuses parts into out with the model's weights (and extra, e.g. a mood part, with its weight).
  void fuse(const Parts& parts, std::span<float> out, std::span<const float> extra = {},
            double extra_weight = 0) const;

  const ContentModel& content() const { return *content_; }
  const Recommender& cf() const { return *cf_; }
  const Recommender& itemknn() const { return *itemknn_; }

 private:
  std::unique_ptr<Recommender> cf_;
  std::unique_ptr<Recommender> itemknn_;
  std::unique_ptr<ContentModel> content_;
  std::vector<float> pop_;
};

ModelInfo blend_model_info();

// z-scores in place over the finite entries (-infinity stays); a constant list becomes zeros.
void standardise(std::span<float> scores);

}  // namespace mn
