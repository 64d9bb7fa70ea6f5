#pragma once
// Bayesian Personalised Ranking (Rendle et al. 2009) as implicit 0.7.2's CPU BPR, so that its
// configurations transfer:
// - each epoch draws nnz samples; a sample is a uniformly drawn stored (user, liked) entry and a
//   negative item; with verify_negatives a negative the user has liked is skipped, not redrawn;
// - plain SGD with a constant learning_rate; `regularization` is applied at every update to the
//   three vectors the sample touches, bias included (implicit's semantics);
// - the item bias is the last factor column and every user's last column is fixed at 1, so a
//   score is one dot product. `factors` counts that column: bpr:factors=64 is implicit's
//   BayesianPersonalizedRanking(factors=63) (63 latent factors + bias, 64 columns saved);
// - Hogwild threads (sgd::EpochWork): each epoch's samples are drawn within blocks of users
//   (balanced by positives) that free threads claim, with no barrier between epochs; item rows
//   are updated without locks. One thread draws from all entries at once, as implicit does, and
//   is bit-reproducible for a seed (on one machine: the vector code differs between AVX-512,
//   AVX2 and plain x86-64); several threads are not (as in implicit). Threads beyond one per
//   ~4k positives are not used.
// The SGD step uses a polynomial exp (relative error 3e-7) for the sigmoid.
// Negatives: implicit draws them from the stored entries, i.e. proportional to item popularity;
// here that is negatives=popularity,pop_exponent=1. negatives=uniform draws every item alike
// (the paper's sampler); popularity with pop_exponent 0.75 is in between (word2vec's choice).
// Values of the fitted matrix are ignored: every stored entry is a positive.
//
// Fold-in (score_history) solves the user's own BPR problem against the frozen item factors,
//   min_u  mean_{i in history, j ~ negatives}  log(1 + exp(s_j - s_i)) + regularization/2 |u|^2,
// the objective whose stochastic gradient training follows for that user (j drawn as training
// draws negatives, the history left out when verify_negatives), by Newton's method with
// conjugate-gradient steps over every (history item, negative) pair: exact to 1e-5 of the first
// gradient, deterministic, no sampling noise, ~10 ms for 140 history items on ml-latest-small.
// A trained user's vector is that optimum plus SGD noise (noise grows with learning_rate): the
// contract toy agrees to ~1 % of the largest score with its test settings.
#include <cstdint>
#include <vector>

#include "cf/recommender.h"
#include "cf/registry.h"
#include "cf/sgd_util.h"

namespace mn {

class Bpr final : public Recommender {
 public:
  explicit Bpr(Params params);
  std::string name() const override { return "bpr"; }
  void fit(const CsrMatrix& user_items, const FitContext& context) override;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;

  // users x factors and items x factors; the last column is 1 (users) and the item bias (items).
  const sgd::FactorMatrix& user_factors() const { return user_factors_; }
  const sgd::FactorMatrix& item_factors() const { return item_factors_; }
  // Positives per item in the fitted matrix (the popularity the negative sampler uses).
  const std::vector<std::int64_t>& item_counts() const { return item_counts_; }
  // Per epoch of the last fit: the share of sampled pairs already ranked right (training AUC)
  // and the share skipped because the negative was a positive.
  const std::vector<double>& train_auc() const { return train_auc_; }
  const std::vector<double>& skipped() const { return skipped_; }

  // The user vector fold-in finds for a history (factors floats, the last one 1).
  std::vector<float> fold_in(std::span<const std::int32_t> items) const;
  // Unnormalised probability with which training draws each item as a negative (an alias table
  // over these): 1 for negatives=uniform, count^pop_exponent (0 for unseen items) for popularity.
  std::vector<double> negative_weights() const;

 private:
  int factors_;
  sgd::FactorMatrix user_factors_;
  sgd::FactorMatrix item_factors_;
  std::vector<std::int64_t> item_counts_;
  std::vector<double> train_auc_;
  std::vector<double> skipped_;
};

ModelInfo bpr_model_info();

}  // namespace mn
