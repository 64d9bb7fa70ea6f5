#pragma once
// Surprise's k-NN family (KNNBasic, KNNWithMeans, KNNWithZScore, KNNBaseline) and its four
// similarities (cosine, msd, pearson, pearson_baseline with shrinkage), user- or item-based.
//
// Surprise keeps a dense n x n similarity matrix; here each row keeps only the similarities that
// can ever be used: a neighbour contributes to an estimate only when its similarity is > 0, so the
// rest (and pairs below min_support) are dropped exactly. `keep_neighbors` then bounds each row to
// its K largest entries; the default (0) keeps every positive one up to 10,000 users (items) and
// the 1,000 largest per row beyond. That bound is the one approximation: Surprise picks the k most
// similar among the items the user rated (not a global top-k), so a row cut to K entries can miss
// a neighbour when fewer than k of the user's items are among the row's K. Larger K costs memory
// (8 bytes an entry) and prediction time. On ml-latest-small item-based pearson_baseline
// (k 40, min_k 2) the exact rows hold 3.2 M entries (25 MB) and give RMSE 0.85897 (Surprise
// 0.8590); K = 1000: 0.85910, 500: 0.85944, 200: 0.86098, 100: 0.86402. Rows are computed in
// parallel with one dense accumulator per thread (n doubles per statistic), never an n x n matrix.
#include <cstdint>
#include <span>
#include <vector>

#include "explicit/explicit_common.h"
#include "explicit/rating_model.h"

namespace mn {

enum class SimMeasure { kCosine, kMsd, kPearson, kPearsonBaseline };

struct SimOptions {
  SimMeasure measure = SimMeasure::kMsd;
  bool user_based = true;
  int min_support = 1;
  double shrinkage = 100;
  std::int64_t keep = 0;  // per row; 0: all (knn_similarities; the model's 0 means automatic)
};

// Inputs of a similarity computation over the x's (users when user_based, else items):
// by_x: x by y ratings, by_y: its transpose; for pearson_baseline the global mean and the x and y
// biases (bi and bu when item-based).
struct SimInputs {
  const CsrMatrix* by_x = nullptr;
  const CsrMatrix* by_y = nullptr;
  double global_mean = 0;
  std::span<const double> x_bias;
  std::span<const double> y_bias;
};

// Row x: the x2 != x with support >= min_support (>= 2 for pearson_baseline) and similarity > 0,
// at most options.keep of them (the largest; ties to the smaller index), columns ascending.
CsrMatrix knn_similarities(const SimInputs& in, const SimOptions& options, int threads);
// The same row for an entity given by its (y, rating) list (ys ascending) and its own x bias; self
// is its index when it is one of the x's (left out), else -1. Not cut to keep.
void knn_similarity_row(const SimInputs& in, const SimOptions& options, std::span<const std::int32_t> ys,
                        std::span<const float> ratings, double self_bias, std::int32_t self,
                        std::vector<std::int32_t>& cols, std::vector<float>& sims);
class Knn final : public RatingModel {
 public:
  enum class Variant { kBasic, kWithMeans, kWithZScore, kBaseline };
  Knn(Params params, Variant variant);
  std::string name() const override;
  void fit(const CsrMatrix& ratings, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  // Item-based: the history is the new user's ratings (exact). User-based: the new user's
  // similarities to every user are computed from the history, then estimates as for a user.
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  // Item-based: the stored neighbours; user-based: the item's row of the item-item similarity by
  // the same measure, computed on demand.
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // Baselines (knnbaseline, or pearson_baseline): user_bias.npy, item_bias.npy; the similarity
  // rows as scipy CSR (similarity_*.npy); meta.json.
  void export_factors(const std::filesystem::path& dir, const ExportIds* ids = nullptr) const override;

  const CsrMatrix& similarities() const { return sim_; }
  const SimOptions& sim_options() const { return sim_options_; }

 protected:
  Estimate estimate(std::int32_t user, std::int32_t item) const override;

 private:
  // Who is estimated: its similarity row (ascending), its index among the x's (-1 for a new one),
  // and its mean, sigma and bias.
  struct Target {
    std::span<const std::int32_t> cols;
    std::span<const float> sims;
    std::int32_t x = -1;
    double mean = 0;
    double sigma = 1;
  };
  struct Neighbour {
    float sim;
    std::int32_t x2;
    float r;
  };
  // Surprise's estimate from the candidate neighbours (every x2 rated by y with a positive
  // similarity to the target): the k most similar, then the variant's weighted mean. y_bias is
  // b_y and base the baseline estimate (knnbaseline).
  Estimate combine(std::vector<Neighbour>& cands, const Target& t, double y_bias, double base) const;
  // The candidates of a target among the raters ys (ascending) with ratings rs.
  static void gather(const Target& t, std::span<const std::int32_t> ys, std::span<const float> rs,
                     std::vector<Neighbour>& cands);
  Estimate aggregate(const Target& t, std::span<const std::int32_t> ys, std::span<const float> rs,
                     double y_bias, double base) const;
  // Estimates of a target for every item y (user-based) or of every target item for one user's
  // ratings (item-based), with dense lookups; out gets clipped estimates (fallbacks included).
  void score_dense(const Target* user_target, std::span<const std::int32_t> ys, std::span<const float> rs,
                   double bu, bool known_user, std::span<float> out) const;

 public:
  // Groups the triples by target (item when item-based, user when user-based) so that each
  // target's similarity row is scattered once into a dense array and every neighbour lookup is
  // O(1).
  std::vector<RatingPrediction> predict_many(std::span<const RatingTriple> triples,
                                             int threads) const override;

 private:
  void prepare();  // by_x / by_y, means and sigmas after fit or load
  SimInputs sim_inputs() const;

  Variant variant_;
  SimOptions sim_options_;
  xp::BaselineOptions bsl_options_;
  int k_;
  int min_k_;
  CsrMatrix ratings_;  // users x items
  CsrMatrix by_item_;  // items x users
  CsrMatrix sim_;      // x by x
  std::vector<double> bu_, bi_;
  std::vector<double> means_, sigmas_;  // per x
  double overall_sigma_ = 1;
};

}  // namespace mn
