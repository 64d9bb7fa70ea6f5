#pragma once
// LightFM-style hybrid matrix factorisation (Kula 2015), trained as LightFM 1.17's
// _lightfm_fast.pyx so that its configurations transfer:
// - every item is the weighted sum of its features' embeddings and biases: its identity feature
//   plus, with item_features=genres|tags|genres+tags, the columns of FitContext::item_features
//   (items x features, built by the caller from the catalog, see cf/features.h); each item's row
//   is normalised to sum 1, as lightfm.data.Dataset.build_item_features(normalize=True) does.
//   Users have their identity feature only (user features later);
// - an epoch visits every stored (user, item) entry once in a random order;
//   loss=warp samples up to max_sampled items uniformly until one violates the margin
//   (score > positive - 1; a sampled positive of the user counts as a trial) and takes a step
//   weighted log(max(1, floor((n_items - 1) / trials))) (clipped at 10); loss=bpr takes a
//   logistic step against a negative drawn from the stored entries (proportional to popularity);
//   loss=warp-kos picks the k-th best of n sampled positives of the user, then a WARP step;
// - per-parameter adagrad (accumulators start at 1) or adadelta (rho, epsilon) schedules;
// - item_alpha / user_alpha are LightFM's lazy L2: each update scales the touched parameters by
//   (1 + alpha * step) and a per-side scale by (1 + alpha * mean step); representations use the
//   scale and every parameter is divided by it at the end of an epoch (or when it passes 1e6).
// Scores are user . item + item bias. LightFM's user bias is learned and saved but left out of
// scores: it shifts all of a user's scores alike (ranking unchanged) and fold-in cannot know it.
// Values of the fitted matrix are ignored (LightFM's default sample weight of 1).
//
// Threads: Hogwild over blocks of users claimed by free threads, no barrier between epochs
// (sgd::EpochWork; item rows are shared without locks) and a per-thread lazy-regularisation
// scale, applied when the thread moves on to the next epoch. One thread visits all entries in one
// shuffled order per epoch, is bit-reproducible for a seed (on one machine) and follows LightFM's
// arithmetic step by step (in float; 1/sqrt by Newton steps, relative error 2e-7); several threads
// are not reproducible (as in LightFM).
//
// Fold-in (score_history) runs the same loss against the frozen item representations: the user
// vector starts from LightFM's seeded initialisation and takes fold_in_epochs (default:
// `iterations`) epochs of steps with a fresh adagrad/adadelta state over the history,
// single-threaded and seeded by the model's seed and the history, so it is deterministic
// (~0.5 ms for a user of ml-latest-small). WARP's hinge leaves a whole region of equally good
// user vectors, and where SGD stops inside it depends on how the items moved during training,
// so no fold-in can recover a trained LightFM user vector closely (about 30 % of the largest
// score apart on the contract toy). With refit_users (default) the fit therefore ends by
// replacing every user's vector with its fold-in against the final items (a last half-step of
// alternating optimisation, parallel over users): a known user then scores exactly as its
// folded-in history does, and quality is unchanged on ml-latest-small (loo and holdout splits).
// The re-solve costs about a third of the fit; refit_users=false keeps LightFM's SGD vectors.
#include <cstdint>
#include <vector>

#include "cf/recommender.h"
#include "cf/registry.h"
#include "cf/sgd_util.h"

namespace mn {

class Warp final : public Recommender {
 public:
  explicit Warp(Params params);
  std::string name() const override { return "warp"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // LightFM's arrays: one embedding row and bias per item feature (identity features first, in item
  // order, then the extra features) and per user.
  const sgd::FactorMatrix& item_embeddings() const { return item_emb_; }
  const std::vector<float>& item_biases() const { return item_bias_; }
  const sgd::FactorMatrix& user_embeddings() const { return user_emb_; }
  const std::vector<float>& user_biases() const { return user_bias_; }
  // items x item features (identity included), rows normalised: what the model was fitted with.
  const CsrMatrix& item_feature_matrix() const { return features_; }
  // Each item's representation (sum of its feature embeddings), with its bias in the last column.
  const sgd::FactorMatrix& item_representations() const { return item_repr_; }

  // The user vector fold-in finds for a history (factors floats).
  std::vector<float> fold_in(std::span<const std::int32_t> items) const;

 private:
  void build_feature_matrix(const FitContext& context);
  // Item representations and the fold-in sampler, from the fitted or loaded arrays.
  void prepare_scoring();
  // Replaces every user's vector by its fold-in against the final items (refit_users).
  void refit_users(const CsrMatrix& user_items, int threads);

  int factors_;
  CsrMatrix features_;
  sgd::FactorMatrix item_emb_;
  std::vector<float> item_bias_;
  sgd::FactorMatrix user_emb_;
  std::vector<float> user_bias_;
  sgd::FactorMatrix item_repr_;            // items x (factors + 1): representation, then bias
  std::vector<std::int64_t> item_counts_;  // positives per item (loss=bpr fold-in draws by them)
  sgd::AliasTable fold_negatives_;         // loss=bpr: negatives by popularity, for fold-in
};

ModelInfo warp_model_info();

}  // namespace mn
