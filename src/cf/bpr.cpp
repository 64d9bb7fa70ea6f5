#include "cf/bpr.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "io/npy.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn {

ModelInfo bpr_model_info() {
  ModelInfo info;
  info.name = "bpr";
  info.description = "Bayesian Personalised Ranking, SGD as implicit's BPR (item bias as a factor column)";
  // Defaults chosen on the ml-latest-small loo validation split (PEERS.md grid plus the sampler).
  // clang-format off
  info.params = {
      {"factors", ParamType::kInt, "64", 2, 4096, {},
       "factor columns including the item-bias column (implicit's factors=63 is 64 here)", {}},
      {"learning_rate", ParamType::kFloat, "0.05", 1e-9, 100, {}, "constant SGD step size", {}},
      {"regularization", ParamType::kFloat, "0.02", 0, 1e4, {},
       "L2 weight applied at every update to the user, liked and disliked vectors (implicit's units)", {}},
      {"iterations", ParamType::kInt, "500", 0, 1e7, {},
       "epochs; each draws as many samples as there are positives", {"epochs"}},
      {"negatives", ParamType::kChoice, "popularity", 0, 0, {"uniform", "popularity"},
       "negative sampler: every item alike, or proportional to popularity^pop_exponent", {}},
      {"pop_exponent", ParamType::kFloat, "0.75", 0, 4, {},
       "exponent of item popularity for negatives=popularity (1 reproduces implicit's sampler)", {}},
      {"verify_negatives", ParamType::kBool, "true", 0, 0, {},
       "skip a sample whose negative the user has liked (implicit's verify_negative_samples)", {}},
      {"seed", ParamType::kInt, "0", 0, 4294967295.0, {}, "random seed (initial factors and sampling)", {}},
  };
  // clang-format on
  info.stochastic = true;
  // A small step and stronger L2 keep the SGD noise of the stored users well under the fold-in
  // tolerance of the contract suite (about 1 % of the largest score here).
  info.test_settings = "factors=8,learning_rate=0.05,regularization=0.05,iterations=200,negatives=uniform";
  info.make = [](Params p) { return std::make_unique<Bpr>(std::move(p)); };
  return info;
}

Bpr::Bpr(Params params)
    : Recommender(std::move(params)), factors_(static_cast<int>(params_.get_int("factors"))) {}

std::vector<double> Bpr::negative_weights() const {
  std::vector<double> w(static_cast<std::size_t>(n_items_), 1.0);
  if (params_.get_choice("negatives") == "popularity") {
    const double e = params_.get_float("pop_exponent");
    for (std::size_t i = 0; i < w.size(); ++i) {
      w[i] = item_counts_[i] > 0 ? std::pow(static_cast<double>(item_counts_[i]), e) : 0.0;
    }
  }
  return w;
}

namespace {

struct BprTask {
  const std::int32_t* row_of;  // user of each stored entry
  const std::int32_t* indices;
  float* users;
  float* items;
  std::size_t stride;
  int bias_col;
  float learning_rate;
  float regularization;
  bool verify;
  const sgd::AliasTable* sampler;  // null: uniform over items
  std::int32_t n_items;
  const sgd::LikedSet* liked;
};

struct BprCounts {
  std::int64_t correct = 0;
  std::int64_t skipped = 0;
};

struct BprSample {
  std::int32_t user;
  std::int32_t liked;
  std::int32_t disliked;
};

MN_INLINE BprSample draw_sample(const BprTask& t, std::int64_t begin, std::uint64_t span, sgd::Rng& rng) {
  const std::int64_t entry = begin + static_cast<std::int64_t>(rng.below(span));
  BprSample s;
  s.user = t.row_of[entry];
  s.liked = t.indices[entry];
  s.disliked = t.sampler != nullptr
                   ? t.sampler->sample(rng)
                   : static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(t.n_items)));
  if (t.verify) t.liked->prefetch(s.user, s.disliked);
  const int stride = static_cast<int>(t.stride);
  sgd::prefetch_row(t.users + static_cast<std::size_t>(s.user) * t.stride, stride);
  sgd::prefetch_row(t.items + static_cast<std::size_t>(s.liked) * t.stride, stride);
  sgd::prefetch_row(t.items + static_cast<std::size_t>(s.disliked) * t.stride, stride);
  return s;
}

// One thread's share of an epoch: `end - begin` samples drawn from the entries [begin, end). The
// next sample is drawn (and its rows prefetched) before the current one is applied, which hides
// the memory latency of the random rows; the random stream is consumed in the same order.
MN_SIMD_CLONES void bpr_samples(const BprTask& t, std::int64_t begin, std::int64_t end, sgd::Rng& shared_rng,
                                BprCounts& counts) {
  const auto span = static_cast<std::uint64_t>(end - begin);
  if (span == 0) return;
  const int n = static_cast<int>(t.stride);
  const float lr = t.learning_rate;
  const float reg = t.regularization;
  // Counters and generator live on this thread's stack: the arrays they come from share cache lines.
  BprCounts local;
  sgd::Rng rng = shared_rng;
  BprSample next = draw_sample(t, begin, span, rng);
  for (std::uint64_t s = 0; s < span; ++s) {
    const BprSample cur = next;
    if (s + 1 < span) next = draw_sample(t, begin, span, rng);
    if (t.verify && t.liked->contains(cur.user, cur.disliked)) {
      ++local.skipped;
      continue;
    }
    float* x = t.users + static_cast<std::size_t>(cur.user) * t.stride;
    float* p = t.items + static_cast<std::size_t>(cur.liked) * t.stride;
    float* q = t.items + static_cast<std::size_t>(cur.disliked) * t.stride;
    float acc[16] = {};
    for (int j = 0; j < n; j += 16) {
#pragma omp simd
      for (int l = 0; l < 16; ++l) acc[l] += x[j + l] * (p[j + l] - q[j + l]);
    }
    for (int w = 8; w > 0; w /= 2) {
#pragma omp simd
      for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
    }
    const float z = 1.0f / (1.0f + sgd::exp_fast(acc[0]));
    local.correct += z < 0.5f ? 1 : 0;
    // The user's bias column takes the step too and is put back to 1 below: one loop, no branch.
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      const float xu = x[j];
      const float pj = p[j];
      const float qj = q[j];
      x[j] = xu + lr * (z * (pj - qj) - reg * xu);
      p[j] = pj + lr * (z * xu - reg * pj);
      q[j] = qj + lr * (-z * xu - reg * qj);
    }
    x[t.bias_col] = 1.0f;
  }
  counts.correct += local.correct;
  counts.skipped += local.skipped;
  shared_rng = rng;
}

}  // namespace

void Bpr::fit(const CsrMatrix& x, const FitContext& context) {
  n_users_ = x.rows;
  n_items_ = x.cols;
  const int k = factors_;
  const int bias = k - 1;
  item_counts_.assign(static_cast<std::size_t>(n_items_), 0);
  for (const std::int32_t i : x.indices) ++item_counts_[static_cast<std::size_t>(i)];

  // implicit's start: uniform in [-0.5, 0.5) / latent factors, zero rows without positives,
  // users' bias column 1. Items first, then users, one stream.
  sgd::Rng init(static_cast<std::uint64_t>(params_.get_int("seed")), 0xb9);
  const float scale = 1.0f / static_cast<float>(k - 1);
  item_factors_.reset(n_items_, k);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    float* row = item_factors_.row(i);
    for (int j = 0; j < k; ++j) row[j] = (init.uniform() - 0.5f) * scale;
    if (item_counts_[static_cast<std::size_t>(i)] == 0) std::fill(row, row + k, 0.0f);
  }
  user_factors_.reset(n_users_, k);
  for (std::int32_t u = 0; u < n_users_; ++u) {
    float* row = user_factors_.row(u);
    for (int j = 0; j < k; ++j) row[j] = (init.uniform() - 0.5f) * scale;
    if (x.row_end(u) == x.row_begin(u)) std::fill(row, row + k, 0.0f);
    row[bias] = 1.0f;
  }
  train_auc_.clear();
  skipped_.clear();
  const auto iterations = params_.get_int("iterations");
  if (x.nnz() == 0 || n_items_ == 0 || iterations == 0) return;

  std::vector<std::int32_t> row_of(static_cast<std::size_t>(x.nnz()));
  for (std::int32_t u = 0; u < n_users_; ++u) {
    std::fill(row_of.begin() + x.row_begin(u), row_of.begin() + x.row_end(u), u);
  }
  const std::vector<double> weights = negative_weights();
  sgd::AliasTable sampler;
  if (params_.get_choice("negatives") == "popularity") sampler = sgd::AliasTable(weights);

  // Hogwild over blocks of users (see sgd::EpochWork), one random stream per thread.
  const int threads = sgd::fit_threads(context.threads, x);
  sgd::EpochWork work(x, threads, iterations);
  std::vector<sgd::Rng> rngs;
  for (int t = 0; t < threads; ++t) {
    rngs.emplace_back(static_cast<std::uint64_t>(params_.get_int("seed")),
                      1000 + static_cast<std::uint64_t>(t));
  }
  const sgd::LikedSet liked(x);
  const BprTask task{row_of.data(),
                     x.indices.data(),
                     user_factors_.data.data(),
                     item_factors_.data.data(),
                     static_cast<std::size_t>(item_factors_.stride),
                     bias,
                     static_cast<float>(params_.get_float("learning_rate")),
                     static_cast<float>(params_.get_float("regularization")),
                     params_.get_bool("verify_negatives"),
                     sampler.empty() ? nullptr : &sampler,
                     n_items_,
                     &liked};

  std::unique_ptr<Progress> progress;
  if (context.show_progress) {
    progress = std::make_unique<Progress>("bpr", static_cast<std::uint64_t>(iterations), "epochs");
  }
  std::vector<std::vector<BprCounts>> counts(static_cast<std::size_t>(threads),
                                             std::vector<BprCounts>(static_cast<std::size_t>(iterations)));
#pragma omp parallel num_threads(threads)
  {
    const auto me = static_cast<std::size_t>(omp_get_thread_num());
    std::int64_t epoch = 0;
    std::int32_t block = 0;
    while (work.next(epoch, block)) {
      bpr_samples(task, work.begin(block), work.end(block), rngs[me],
                  counts[me][static_cast<std::size_t>(epoch)]);
      if (me == 0 && progress) progress->set(static_cast<std::uint64_t>(epoch));
    }
  }
  if (progress) progress->finish();
  const auto n = static_cast<double>(x.nnz());
  for (std::size_t epoch = 0; epoch < static_cast<std::size_t>(iterations); ++epoch) {
    BprCounts total;
    for (const auto& c : counts) {
      total.correct += c[epoch].correct;
      total.skipped += c[epoch].skipped;
    }
    const double kept = n - static_cast<double>(total.skipped);
    train_auc_.push_back(kept > 0 ? static_cast<double>(total.correct) / kept : 0.0);
    skipped_.push_back(static_cast<double>(total.skipped) / n);
  }
  sgd::check_finite(item_factors_, "bpr item factors");
  sgd::check_finite(user_factors_, "bpr user factors");
}

void Bpr::score(std::int32_t user, std::span<float> out) const {
  if (user < 0 || user >= n_users_) {
    throw Error(ErrorKind::kInvalidInput, "user " + std::to_string(user) +
                                              " is out of range (the model has " + std::to_string(n_users_) +
                                              " users)");
  }
  sgd::score_all(item_factors_, user_factors_.row(user), item_factors_.stride, -1, out);
}

namespace {

// The pair loops of fold-in, over one history item's row of negatives (float, vectorised; the
// sums that matter are kept in double by the callers).

// z = sigmoid(s_neg - s_pos), qz = q z: returns sum_b qz, adds qz to c, stores the Hessian weights
// q z (1 - z) in w (when not null).
MN_SIMD_CLONES float pair_gradient(float sp, const float* sn, const float* q, std::int64_t n, float* c,
                                   float* w) {
  float a = 0;
#pragma omp simd reduction(+ : a)
  for (std::int64_t b = 0; b < n; ++b) {
    const float z = 1.0f / (1.0f + sgd::exp_fast(sp - sn[b]));
    const float qz = q[b] * z;
    a += qz;
    c[b] += qz;
    if (w != nullptr) w[b] = qz * (1.0f - z);
  }
  return a;
}

MN_SIMD_CLONES float pair_value(float sp, const float* sn, const float* q, std::int64_t n) {
  float f = 0;
#pragma omp simd reduction(+ : f)
  for (std::int64_t b = 0; b < n; ++b) f += q[b] * sgd::softplus_fast(sn[b] - sp);
  return f;
}

// e = w (t_pos - t_neg): returns sum_b e and adds e to c. Without stored weights they are
// recomputed from the scores.
MN_SIMD_CLONES float pair_hessian(float tp, const float* tn, const float* w, float sp, const float* sn,
                                  const float* q, std::int64_t n, float* c) {
  float r = 0;
  if (w != nullptr) {
#pragma omp simd reduction(+ : r)
    for (std::int64_t b = 0; b < n; ++b) {
      const float e = w[b] * (tp - tn[b]);
      r += e;
      c[b] += e;
    }
  } else {
#pragma omp simd reduction(+ : r)
    for (std::int64_t b = 0; b < n; ++b) {
      const float z = 1.0f / (1.0f + sgd::exp_fast(sp - sn[b]));
      const float e = q[b] * z * (1.0f - z) * (tp - tn[b]);
      r += e;
      c[b] += e;
    }
  }
  return r;
}

// out[0..d) += sum_b weight[b] * rows[which[b]][0..d).
MN_SIMD_CLONES void weighted_row_sum(const sgd::FactorMatrix& m, const std::int32_t* which,
                                     const float* weight, std::size_t n, int d, float* out) {
  for (std::size_t b = 0; b < n; ++b) {
    const float wb = weight[b];
    const float* row = m.row(which[b]);
#pragma omp simd
    for (int j = 0; j < d; ++j) out[j] += wb * row[j];
  }
}

// F(u) = pi sum_i sum_j q_j softplus(s_j - s_i) + reg/2 |u|^2 and its derivatives, for Newton-CG.
class FoldInProblem {
 public:
  FoldInProblem(const sgd::FactorMatrix& items, std::vector<std::int32_t> positives,
                std::vector<std::int32_t> negatives, std::vector<float> q, double reg)
      : items_(items),
        pos_(std::move(positives)),
        neg_(std::move(negatives)),
        q_(std::move(q)),
        reg_(reg),
        latent_(items.cols - 1),
        pi_(1.0 / static_cast<double>(pos_.size())) {
    // The pair weights are kept when they fit in 64 MB and recomputed from the scores otherwise.
    if (pos_.size() * neg_.size() <= (std::size_t{1} << 24)) w_.resize(pos_.size() * neg_.size());
    all_.resize(static_cast<std::size_t>(items.rows));
    sp_.resize(pos_.size());
    sn_.resize(neg_.size());
    tp_.resize(pos_.size());
    tn_.resize(neg_.size());
    c_.resize(neg_.size());
    a_.resize(pos_.size());
    v_.resize(static_cast<std::size_t>(items.stride));
  }

  int dims() const { return latent_; }

  // Scores of the history items and the negatives at u (latent part; the bias column adds the
  // item bias).
  void set_point(const std::vector<double>& u) {
    scores(u, 1.0f, sp_, sn_);
    u_ = u;
  }

  double value() const {
    double f = 0;
    for (std::size_t p = 0; p < pos_.size(); ++p) {
      f += pair_value(sp_[p], sn_.data(), q_.data(), static_cast<std::int64_t>(neg_.size()));
    }
    double n2 = 0;
    for (const double v : u_) n2 += v * v;
    return pi_ * f + 0.5 * reg_ * n2;
  }

  // Gradient at the current point; also refreshes the pair weights for hessian_times.
  std::vector<double> gradient() {
    std::fill(c_.begin(), c_.end(), 0.0f);
    const auto n = static_cast<std::int64_t>(neg_.size());
    for (std::size_t p = 0; p < pos_.size(); ++p) {
      a_[p] = pair_gradient(sp_[p], sn_.data(), q_.data(), n, c_.data(),
                            w_.empty() ? nullptr : &w_[p * neg_.size()]);
    }
    std::vector<double> g = combine(a_, c_);
    for (int j = 0; j < latent_; ++j) {
      g[static_cast<std::size_t>(j)] =
          -g[static_cast<std::size_t>(j)] + reg_ * u_[static_cast<std::size_t>(j)];
    }
    return g;
  }

  std::vector<double> hessian_times(const std::vector<double>& v) {
    scores(v, 0.0f, tp_, tn_);
    std::fill(c_.begin(), c_.end(), 0.0f);
    const auto n = static_cast<std::int64_t>(neg_.size());
    for (std::size_t p = 0; p < pos_.size(); ++p) {
      a_[p] = pair_hessian(tp_[p], tn_.data(), w_.empty() ? nullptr : &w_[p * neg_.size()], sp_[p],
                           sn_.data(), q_.data(), n, c_.data());
    }
    std::vector<double> h = combine(a_, c_);
    for (int j = 0; j < latent_; ++j) h[static_cast<std::size_t>(j)] += reg_ * v[static_cast<std::size_t>(j)];
    return h;
  }

 private:
  // Item scores for the latent vector u (plus `bias` times the bias column), split into the
  // history items and the negatives.
  void scores(const std::vector<double>& u, float bias, std::vector<float>& at_pos,
              std::vector<float>& at_neg) {
    std::fill(v_.begin(), v_.end(), 0.0f);
    for (int j = 0; j < latent_; ++j)
      v_[static_cast<std::size_t>(j)] = static_cast<float>(u[static_cast<std::size_t>(j)]);
    v_[static_cast<std::size_t>(latent_)] = bias;
    sgd::score_all(items_, v_.data(), items_.stride, -1, all_);
    for (std::size_t p = 0; p < pos_.size(); ++p) at_pos[p] = all_[static_cast<std::size_t>(pos_[p])];
    for (std::size_t b = 0; b < neg_.size(); ++b) at_neg[b] = all_[static_cast<std::size_t>(neg_[b])];
  }

  // pi (sum_i a_i y_i - sum_j c_j y_j) over the latent columns.
  std::vector<double> combine(const std::vector<float>& a, const std::vector<float>& c) {
    std::vector<float> plus(static_cast<std::size_t>(items_.stride), 0.0f), minus(plus.size(), 0.0f);
    weighted_row_sum(items_, pos_.data(), a.data(), pos_.size(), latent_, plus.data());
    weighted_row_sum(items_, neg_.data(), c.data(), neg_.size(), latent_, minus.data());
    std::vector<double> out(static_cast<std::size_t>(latent_));
    for (std::size_t j = 0; j < out.size(); ++j) out[j] = pi_ * (static_cast<double>(plus[j]) - minus[j]);
    return out;
  }

  const sgd::FactorMatrix& items_;
  std::vector<std::int32_t> pos_, neg_;
  std::vector<float> q_;
  double reg_;
  int latent_;
  double pi_;
  std::vector<float> w_;
  std::vector<float> all_, sp_, sn_, tp_, tn_, c_, a_, v_;
  std::vector<double> u_;
};

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

std::vector<float> Bpr::fold_in(std::span<const std::int32_t> items) const {
  const int k = factors_;
  std::vector<float> out(static_cast<std::size_t>(k), 0.0f);
  out[static_cast<std::size_t>(k - 1)] = 1.0f;
  std::vector<std::int32_t> positives = sgd::clean_history(items, n_items_);
  if (positives.empty() || n_items_ == 0) return out;
  // The negatives training would draw for this user, with their probabilities.
  const std::vector<double> weights = negative_weights();
  const bool verify = params_.get_bool("verify_negatives");
  std::vector<std::int32_t> negatives;
  std::vector<float> q;
  double total = 0;
  for (std::int32_t j = 0; j < n_items_; ++j) {
    const double w = weights[static_cast<std::size_t>(j)];
    if (w <= 0 || (verify && std::binary_search(positives.begin(), positives.end(), j))) continue;
    negatives.push_back(j);
    q.push_back(static_cast<float>(w));
    total += w;
  }
  if (negatives.empty()) return out;
  for (float& v : q) v = static_cast<float>(v / total);

  FoldInProblem problem(item_factors_, std::move(positives), std::move(negatives), std::move(q),
                        params_.get_float("regularization"));
  const int d = problem.dims();
  std::vector<double> u(static_cast<std::size_t>(d), 0.0);
  problem.set_point(u);
  double f = problem.value();
  double g0 = -1;
  // Newton's method: converges in a handful of steps (the objective is smooth and strongly
  // convex). The scores are float, so it stops at 1e-5 of the first gradient, far below what
  // changes a ranking, or when a step no longer lowers the objective.
  for (int newton = 0; newton < 30; ++newton) {
    const std::vector<double> g = problem.gradient();
    const double gnorm = std::sqrt(dot(g, g));
    if (g0 < 0) g0 = std::max(gnorm, 1e-12);
    if (gnorm <= 1e-5 * g0) break;
    // Conjugate gradient on H p = -g, to a tolerance that tightens as Newton converges.
    std::vector<double> p(static_cast<std::size_t>(d), 0.0), r(g.size()), dir(g.size());
    for (std::size_t j = 0; j < g.size(); ++j) r[j] = dir[j] = -g[j];
    double rr = dot(r, r);
    const double tol = std::min(0.1, std::sqrt(gnorm / g0)) * gnorm;
    for (int cg = 0; cg < 2 * d && std::sqrt(rr) > tol; ++cg) {
      const std::vector<double> hd = problem.hessian_times(dir);
      const double dhd = dot(dir, hd);
      if (dhd <= 0) break;
      const double alpha = rr / dhd;
      for (std::size_t j = 0; j < p.size(); ++j) {
        p[j] += alpha * dir[j];
        r[j] -= alpha * hd[j];
      }
      const double rr_new = dot(r, r);
      for (std::size_t j = 0; j < p.size(); ++j) dir[j] = r[j] + rr_new / rr * dir[j];
      rr = rr_new;
    }
    // Backtracking (Armijo) line search; the full step is almost always taken.
    const double slope = dot(g, p);
    if (!(slope < 0)) break;
    std::vector<double> trial(u.size());
    double f_trial = f;
    bool accepted = false;
    for (double step = 1; step > 1e-3; step *= 0.5) {
      for (std::size_t j = 0; j < u.size(); ++j) trial[j] = u[j] + step * p[j];
      problem.set_point(trial);
      f_trial = problem.value();
      if (f_trial <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    u = trial;
    f = f_trial;
  }
  for (int j = 0; j < d; ++j)
    out[static_cast<std::size_t>(j)] = static_cast<float>(u[static_cast<std::size_t>(j)]);
  return out;
}

void Bpr::score_history(std::span<const std::int32_t> items, std::span<const float>,
                        std::span<float> out) const {
  std::vector<float> u = fold_in(items);
  u.resize(static_cast<std::size_t>(item_factors_.stride), 0.0f);
  sgd::score_all(item_factors_, u.data(), item_factors_.stride, -1, out);
}

std::vector<ScoredItem> Bpr::similar_items(std::int32_t item, int k) const {
  // Cosine of the latent columns; the bias says how popular an item is, not what it is like.
  return sgd::cosine_neighbours(item_factors_, factors_ - 1, item, k);
}

void Bpr::save(const std::filesystem::path& dir) const {
  user_factors_.save(dir / "user_factors.npy");
  item_factors_.save(dir / "item_factors.npy");
  save_npy(dir / "item_counts.npy", item_counts_, {item_counts_.size()});
}

void Bpr::load(const std::filesystem::path& dir) {
  user_factors_.load(dir / "user_factors.npy");
  item_factors_.load(dir / "item_factors.npy");
  item_counts_ = load_npy(dir / "item_counts.npy").as<std::int64_t>();
  if (user_factors_.cols != factors_ || item_factors_.cols != factors_ ||
      item_counts_.size() != static_cast<std::size_t>(item_factors_.rows)) {
    throw Error(ErrorKind::kInvalidInput, dir.string() + ": bpr arrays do not match factors=" +
                                              std::to_string(factors_) + " or each other");
  }
  n_users_ = user_factors_.rows;
  n_items_ = item_factors_.rows;
  train_auc_.clear();
  skipped_.clear();
}

}  // namespace mn
