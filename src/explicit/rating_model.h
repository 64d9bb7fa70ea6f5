#pragma once
// The base of the explicit-rating models (Surprise's algorithms): fit on a users x items matrix of
// ratings, predict one rating with Surprise's semantics (estimate clipped to the rating scale;
// `was_impossible` and the reason when the estimate falls back), batch prediction in parallel, and
// the Recommender interface on top (score = the estimates of every item; top-N from them).
//
// Surprise's "unknown" is an id absent from the trainset. Our ids are dense, so a user or item is
// unknown when it has no rating in the fitted matrix or lies outside it: predict() accepts such
// ids (they fall back) where score() only takes users of the fitted matrix.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cf/recommender.h"
#include "data/interactions.h"
#include "eval/metrics.h"

namespace mn {

// Surprise's PredictionImpossible messages, word for word.
inline constexpr std::string_view kUnknownReason = "User and/or item is unknown.";
inline constexpr std::string_view kNotEnoughNeighbors = "Not enough neighbors.";

struct RatingPrediction {
  double estimate = 0;  // clipped to [rating_min, rating_max]
  bool was_impossible = false;
  std::string_view reason;  // empty, or one of the messages above (static storage)
  int actual_k = -1;        // k-NN models: neighbours that took part (Surprise's details['actual_k'])
};

// What estimate() returns: the unclipped value, or impossible with a reason (then predict() uses
// default_prediction(), as Surprise's AlgoBase.predict does).
struct Estimate {
  double value = 0;
  std::string_view impossible;  // empty when possible
  int actual_k = -1;
};

// Optional raw ids for export_factors (the dataset's userId / movieId of each dense index).
struct ExportIds {
  std::vector<std::int64_t> user_ids;
  std::vector<std::int64_t> item_ids;
};

class RatingModel : public Recommender {
 public:
  using Recommender::Recommender;

  // Surprise's predict(uid, iid) with clip=True.
  virtual RatingPrediction predict(std::int32_t user, std::int32_t item) const;
  // predict() of every triple (rating and timestamp ignored), in order, on `threads` threads
  // (0: every core).
  virtual std::vector<RatingPrediction> predict_many(std::span<const RatingTriple> triples,
                                                     int threads) const;

  // The rating scale: by default the smallest and largest rating of the fitted matrix; a scale set
  // before fit (Surprise's Reader(rating_scale=...)) is kept instead.
  void set_rating_scale(float lo, float hi);
  float rating_min() const { return rating_min_; }
  float rating_max() const { return rating_max_; }
  double global_mean() const { return global_mean_; }
  std::int64_t n_ratings() const { return n_ratings_; }
  bool knows_user(std::int32_t u) const {
    return u >= 0 && u < n_users_ && user_count_[static_cast<std::size_t>(u)] > 0;
  }
  bool knows_item(std::int32_t i) const {
    return i >= 0 && i < n_items_ && item_count_[static_cast<std::size_t>(i)] > 0;
  }

  // Recommender: the clipped estimates of every item for a user of the fitted matrix.
  void score(std::int32_t user, std::span<float> out) const override;
  // Models without an item similarity: the items they rate highest for an unknown user (as pop
  // returns the most popular ones).
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;

  // Writes the fitted arrays as .npy plus meta.json (global mean, rating scale, the formula that
  // rebuilds a prediction, the files) into dir, so that numpy can rebuild predictions. Models
  // without latent factors or biases throw kInvalidInput.
  virtual void export_factors(const std::filesystem::path& dir, const ExportIds* ids = nullptr) const;

 protected:
  // Surprise's estimate(u, i) for any ids (unknown ones included), unclipped.
  virtual Estimate estimate(std::int32_t user, std::int32_t item) const = 0;
  // Surprise's default_prediction(): the global mean.
  virtual double default_prediction() const { return global_mean_; }
  RatingPrediction finish(const Estimate& e) const;

  // Validates the ratings (finite, at least one) and sets shape, global mean, scale and counts.
  void begin_fit(const CsrMatrix& ratings);
  // The common state (meta.json-like rating_model.json plus counts) in a model folder.
  void save_rating_state(const std::filesystem::path& dir) const;
  void load_rating_state(const std::filesystem::path& dir);
  // Writes meta.json for export_factors: the common fields plus `extra`.
  void write_export_meta(const std::filesystem::path& dir, const nlohmann::json& extra,
                         const ExportIds* ids) const;
  void check_user(std::int32_t user) const;  // score(): must be a user of the fitted matrix

  double global_mean_ = 0;
  float rating_min_ = 0;
  float rating_max_ = 0;
  bool scale_pinned_ = false;
  std::int64_t n_ratings_ = 0;
  std::vector<std::int32_t> user_count_;
  std::vector<std::int32_t> item_count_;
};

// The model behind a Recommender, or nullptr when it is not an explicit-rating model.
const RatingModel* as_rating_model(const Recommender& model);

// RMSE / MAE of predict() over triples (their rating is the truth), Surprise's accuracy.rmse/mae:
// every triple counts, those with unknown users or items through their fallback.
RatingErrors rating_errors(const RatingModel& model, std::span<const RatingTriple> triples, int threads);

// FitContext::threads to a count (0: every core).
int rating_threads(int requested);

}  // namespace mn
