#include "cf/warp.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "io/npy.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn {

ModelInfo warp_model_info() {
  ModelInfo info;
  info.name = "warp";
  info.description = "LightFM-style hybrid MF: WARP / BPR / WARP-kOS loss, adagrad, optional item features";
  // clang-format off
  info.params = {
      {"factors", ParamType::kInt, "64", 1, 4096, {}, "embedding size (LightFM's no_components)", {}},
      {"learning_rate", ParamType::kFloat, "0.05", 1e-9, 100, {}, "initial step of the adagrad schedule", {}},
      {"learning_schedule", ParamType::kChoice, "adagrad", 0, 0, {"adagrad", "adadelta"}, "per-parameter step schedule", {}},
      {"rho", ParamType::kFloat, "0.95", 1e-9, 0.999999, {}, "adadelta: decay of the running averages", {}},
      {"epsilon", ParamType::kFloat, "1e-6", 0, 1, {}, "adadelta: numerical floor", {}},
      {"item_alpha", ParamType::kFloat, "1e-4", 0, 1, {}, "L2 penalty on item feature parameters (LightFM's lazy form; LightFM's default 0)", {}},
      {"user_alpha", ParamType::kFloat, "1e-4", 0, 1, {}, "L2 penalty on user parameters (LightFM's lazy form; LightFM's default 0)", {}},
      {"max_sampled", ParamType::kInt, "30", 1, 1e7, {}, "warp: most negatives tried per positive (LightFM's default 10)", {}},
      {"iterations", ParamType::kInt, "30", 0, 1e7, {}, "epochs (each visits every positive once)", {"epochs"}},
      {"loss", ParamType::kChoice, "warp", 0, 0, {"warp", "bpr", "warp-kos"}, "training loss", {}},
      {"k", ParamType::kInt, "5", 1, 1e6, {}, "warp-kos: the k-th best sampled positive is used", {}},
      {"n", ParamType::kInt, "10", 1, 1e6, {}, "warp-kos: positives sampled per step", {}},
      {"item_features", ParamType::kChoice, "none", 0, 0, {"none", "genres", "tags", "genres+tags"},
       "side features added to the identity features (the caller builds them: FitContext::item_features)", {}},
      {"fold_in_epochs", ParamType::kInt, "0", 0, 1e6, {},
       "epochs over the history when folding in a user (0: iterations)", {}},
      {"refit_users", ParamType::kBool, "true", 0, 0, {},
       "after the last epoch, re-solve each user's vector by fold-in against the final items (false: LightFM's SGD vectors)", {}},
      {"seed", ParamType::kInt, "0", 0, 4294967295.0, {}, "random seed (initial embeddings and sampling)", {}},
  };
  // clang-format on
  info.stochastic = true;
  info.test_settings = "factors=8,iterations=30";
  info.make = [](Params p) { return std::make_unique<Warp>(std::move(p)); };
  return info;
}

Warp::Warp(Params params)
    : Recommender(std::move(params)), factors_(static_cast<int>(params_.get_int("factors"))) {}

namespace {

enum class Loss { kWarp, kBpr, kWarpKos };

constexpr double kMaxRegScale = 1e6;  // LightFM's MAX_REG_SCALE
constexpr double kMaxLoss = 10.0;     // LightFM clips the WARP weight here

// One side's parameters (item features or users): embeddings with their schedule state, biases.
struct Side {
  float* emb;
  float* g;  // adagrad: sum of squared gradients (starts at 1); adadelta: running mean of them
  float* m;  // adadelta: running mean of squared updates
  float* bias;
  float* bias_g;
  float* bias_m;
  float alpha;
};

struct Schedule {
  bool adadelta;
  float learning_rate;
  float rho;
  float eps;
};

// One parameter row's step for gradient coef * grad[j] (LightFM's update_features, all components
// at once). Returns the sum of the per-parameter step sizes, for the lazy regularisation.
MN_INLINE float step_row(float* p, float* g, float* m, const float* grad, float coef, int n,
                         const Schedule& s, float alpha) {
  float sum = 0;
  if (!s.adadelta) {
    const float lr = s.learning_rate;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; ++j) {
      const float gj = coef * grad[j];
      const float l = lr * sgd::rsqrt(g[j]);
      const float pj = p[j] - l * gj;
      g[j] += gj * gj;
      p[j] = pj * (1.0f + alpha * l);
      sum += l;
    }
  } else {
    const float rho = s.rho;
    const float eps = s.eps;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; ++j) {
      const float gj = coef * grad[j];
      const float gg = rho * g[j] + (1.0f - rho) * gj * gj;
      g[j] = gg;
      // sqrt(m + eps) / sqrt(gg + eps), with sqrt(x) = x / sqrt(x) (and 0 at 0).
      const float num = m[j] + eps;
      const float l = (num > 0.0f ? num * sgd::rsqrt(num) : 0.0f) * sgd::rsqrt(gg + eps);
      const float update = l * gj;
      m[j] = rho * m[j] + (1.0f - rho) * update * update;
      p[j] = (p[j] - update) * (1.0f + alpha * l);
      sum += l;
    }
  }
  return sum;
}

MN_INLINE float step_bias(float& p, float& g, float& m, float grad, const Schedule& s, float alpha) {
  float l;
  if (!s.adadelta) {
    l = s.learning_rate / std::sqrt(g);
    p -= l * grad;
    g += grad * grad;
  } else {
    g = s.rho * g + (1.0f - s.rho) * grad * grad;
    l = std::sqrt(m + s.eps) / std::sqrt(g + s.eps);
    const float update = l * grad;
    m = s.rho * m + (1.0f - s.rho) * update * update;
    p -= update;
  }
  p *= 1.0f + alpha * l;
  return l;
}

struct WarpTask {
  Side items;  // rows: item features
  Side users;
  std::size_t stride;
  int k;
  Schedule schedule;
  const std::int64_t* f_indptr;  // items x item features
  const std::int32_t* f_indices;
  const float* f_values;
  const std::int64_t* indptr;  // the fitted matrix
  const std::int32_t* indices;
  const std::int32_t* row_of;
  const sgd::LikedSet* liked;
  std::int32_t n_items;
  std::int64_t nnz;
  Loss loss;
  int max_sampled;
  int kos_k;
  int kos_n;
  std::int32_t item_rows;  // item features
  std::int32_t user_rows;
};

// LightFM's regularize: the lazy L2 made real, every parameter divided by its side's scale.
void regularize(const WarpTask& t, double item_div, double user_div) {
  const auto shrink = [&](const Side& side, std::int32_t rows, double div) {
    if (div == 1.0) return;
    const auto inv = static_cast<float>(1.0 / div);
    const std::size_t n = static_cast<std::size_t>(rows) * t.stride;
    for (std::size_t j = 0; j < n; ++j) side.emb[j] *= inv;
    for (std::int32_t r = 0; r < rows; ++r) side.bias[r] *= inv;
  };
  shrink(t.items, t.item_rows, item_div);
  shrink(t.users, t.user_rows, user_div);
}

// One thread's state, written at every step: a cache line of its own.
struct alignas(64) WarpThread {
  explicit WarpThread(std::uint64_t seed, std::uint64_t stream, std::size_t stride)
      : rng(seed, stream), ur(stride), pr(stride), nr(stride), gu(stride) {}
  sgd::Rng rng;
  double item_scale = 1;
  double user_scale = 1;
  std::vector<float> ur, pr, nr, gu;
  std::vector<std::pair<float, std::int32_t>> kos;
};

MN_INLINE float* row_of_side(float* base, std::int32_t r, std::size_t stride) {
  return base + static_cast<std::size_t>(r) * stride;
}

// LightFM's compute_representation: the weighted sum of an item's feature rows times the scale.
MN_INLINE float item_representation(const WarpTask& t, std::int32_t item, float scale, float* out) {
  const int n = static_cast<int>(t.stride);
  float bias = 0;
  const std::int64_t b = t.f_indptr[item];
  const std::int64_t e = t.f_indptr[item + 1];
  {
    const float w = t.f_values[b] * scale;
    const float* r = row_of_side(t.items.emb, t.f_indices[b], t.stride);
#pragma omp simd
    for (int j = 0; j < n; ++j) out[j] = w * r[j];
    bias = w * t.items.bias[t.f_indices[b]];
  }
  for (std::int64_t f = b + 1; f < e; ++f) {
    const float w = t.f_values[f] * scale;
    const float* r = row_of_side(t.items.emb, t.f_indices[f], t.stride);
#pragma omp simd
    for (int j = 0; j < n; ++j) out[j] += w * r[j];
    bias += w * t.items.bias[t.f_indices[f]];
  }
  return bias;
}

MN_INLINE void prefetch_item(const WarpTask& t, std::int32_t item) {
  for (std::int64_t f = t.f_indptr[item]; f < t.f_indptr[item + 1]; ++f) {
    sgd::prefetch_row(row_of_side(t.items.emb, t.f_indices[f], t.stride), static_cast<int>(t.stride));
  }
}

// LightFM's warp_update: one step for (user, positive, negative) with weight `loss`, from the
// representations in the thread's buffers (copies, so the order of the row updates is free).
MN_INLINE void apply_step(const WarpTask& t, WarpThread& th, std::int32_t user, std::int32_t pos,
                          std::int32_t neg, float loss) {
  const int n = static_cast<int>(t.stride);
  float* gu = th.gu.data();
  const float* pr = th.pr.data();
  const float* nr = th.nr.data();
#pragma omp simd
  for (int j = 0; j < n; ++j) gu[j] = nr[j] - pr[j];
  float sum = 0;
  int rows = 1;
  const Side& it = t.items;
  for (int side = 0; side < 2; ++side) {
    const std::int32_t item = side == 0 ? pos : neg;
    const float sign = side == 0 ? -loss : loss;
    for (std::int64_t f = t.f_indptr[item]; f < t.f_indptr[item + 1]; ++f) {
      const std::int32_t feat = t.f_indices[f];
      const float w = t.f_values[f];
      const std::size_t o = static_cast<std::size_t>(feat) * t.stride;
      sum += step_bias(it.bias[feat], it.bias_g[feat], it.bias_m[feat], sign * w, t.schedule, it.alpha);
      sum += step_row(it.emb + o, it.g + o, it.m + o, th.ur.data(), sign * w, t.k, t.schedule, it.alpha);
      ++rows;
    }
  }
  const Side& us = t.users;
  const std::size_t o = static_cast<std::size_t>(user) * t.stride;
  sum += step_bias(us.bias[user], us.bias_g[user], us.bias_m[user], loss, t.schedule, us.alpha);
  sum += step_row(us.emb + o, us.g + o, us.m + o, gu, loss, t.k, t.schedule, us.alpha);
  const double avg = static_cast<double>(sum) / ((t.k + 1) * rows);
  th.item_scale *= 1.0 + it.alpha * avg;
  th.user_scale *= 1.0 + us.alpha * avg;
}

MN_INLINE float warp_weight(std::int32_t n_items, int trials) {
  const double w = std::log(std::max(1.0, std::floor(static_cast<double>(n_items - 1) / trials)));
  return static_cast<float>(std::min(w, kMaxLoss));
}

// A candidate negative, uniform over the items, with its rows and liked-bit prefetched.
MN_INLINE std::int32_t draw_negative(const WarpTask& t, WarpThread& th, std::int32_t user) {
  const auto neg = static_cast<std::int32_t>(th.rng.below(static_cast<std::uint64_t>(t.n_items)));
  prefetch_item(t, neg);
  t.liked->prefetch(user, neg);
  return neg;
}

// WARP's search: negatives until one violates the margin against pos_pred, then one step. The
// next candidate is drawn (and its rows prefetched) before the current one is scored.
MN_INLINE void warp_search(const WarpTask& t, WarpThread& th, std::int32_t user, std::int32_t pos,
                           float pos_pred) {
  const float item_scale = static_cast<float>(th.item_scale);
  std::int32_t neg = draw_negative(t, th, user);
  for (int sampled = 1; sampled <= t.max_sampled; ++sampled) {
    const std::int32_t current = neg;
    if (sampled < t.max_sampled) neg = draw_negative(t, th, user);
    const float nb = item_representation(t, current, item_scale, th.nr.data());
    const float neg_pred = sgd::dot16(th.ur.data(), th.nr.data(), static_cast<int>(t.stride)) + nb;
    if (neg_pred > pos_pred - 1.0f) {
      if (t.liked->contains(user, current)) continue;
      apply_step(t, th, user, pos, current, warp_weight(t.n_items, sampled));
      return;
    }
  }
}

// One thread's share of an epoch: the stored entries listed in order[0, count).
MN_SIMD_CLONES void warp_entries(const WarpTask& t, const std::int64_t* order, std::int64_t count,
                                 WarpThread& th) {
  const int n = static_cast<int>(t.stride);
  for (std::int64_t s = 0; s < count; ++s) {
    if (s + 1 < count) {
      const std::int64_t next = order[s + 1];
      sgd::prefetch_row(row_of_side(t.users.emb, t.row_of[next], t.stride), n);
      prefetch_item(t, t.indices[next]);
    }
    const std::int64_t entry = order[s];
    const std::int32_t user = t.row_of[entry];
    const auto user_scale = static_cast<float>(th.user_scale);
    const auto item_scale = static_cast<float>(th.item_scale);
    {
      const float* r = row_of_side(t.users.emb, user, t.stride);
      float* ur = th.ur.data();
#pragma omp simd
      for (int j = 0; j < n; ++j) ur[j] = user_scale * r[j];
    }
    if (t.loss == Loss::kWarp) {
      const std::int32_t pos = t.indices[entry];
      const float pb = item_representation(t, pos, item_scale, th.pr.data());
      warp_search(t, th, user, pos, sgd::dot16(th.ur.data(), th.pr.data(), n) + pb);
    } else if (t.loss == Loss::kBpr) {
      const std::int32_t pos = t.indices[entry];
      std::int32_t neg = 0;
      for (std::int64_t tries = 0; tries < t.nnz; ++tries) {
        neg = t.indices[th.rng.below(static_cast<std::uint64_t>(t.nnz))];
        if (!t.liked->contains(user, neg)) break;
      }
      const float pb = item_representation(t, pos, item_scale, th.pr.data());
      const float nb = item_representation(t, neg, item_scale, th.nr.data());
      const float diff =
          (sgd::dot16(th.ur.data(), th.pr.data(), n) + pb) - (sgd::dot16(th.ur.data(), th.nr.data(), n) + nb);
      apply_step(t, th, user, pos, neg, 1.0f - sgd::sigmoid(diff));
    } else {
      // k-OS: the k-th best of n positives drawn from the user's row (with replacement).
      const std::int64_t b = t.indptr[user];
      const std::int64_t len = t.indptr[user + 1] - b;
      const auto draws = static_cast<int>(std::min<std::int64_t>(t.kos_n, len));
      th.kos.clear();
      for (int d = 0; d < draws; ++d) {
        const std::int32_t p =
            t.indices[b + static_cast<std::int64_t>(th.rng.below(static_cast<std::uint64_t>(len)))];
        const float pb = item_representation(t, p, item_scale, th.pr.data());
        th.kos.emplace_back(sgd::dot16(th.ur.data(), th.pr.data(), n) + pb, p);
      }
      std::stable_sort(th.kos.begin(), th.kos.end(),
                       [](const auto& a, const auto& c) { return a.first > c.first; });
      const auto& chosen = th.kos[static_cast<std::size_t>(std::min(t.kos_k, draws) - 1)];
      item_representation(t, chosen.second, item_scale, th.pr.data());
      warp_search(t, th, user, chosen.second, chosen.first);
    }
    if (th.item_scale > kMaxRegScale || th.user_scale > kMaxRegScale) {
      // LightFM's locked_regularize, with this thread's scales.
#pragma omp critical(mn_warp_regularize)
      regularize(t, th.item_scale, th.user_scale);
      th.item_scale = 1;
      th.user_scale = 1;
    }
  }
}

// What fold-in needs: the frozen item representations and the training settings.
struct FoldIn {
  const sgd::FactorMatrix* repr;         // items x (factors + 1), bias last
  const sgd::AliasTable* by_popularity;  // loss=bpr negatives; empty when nothing was fitted
  int k;
  Schedule schedule;
  float alpha;
  Loss loss;
  int max_sampled;
  int kos_k;
  int kos_n;
  std::int64_t epochs;
  std::uint64_t seed;
};

struct FoldInState {
  std::vector<float> g, m, ur, grad;
  std::vector<std::uint64_t> seen;  // the history as a bitset over items
  std::vector<std::pair<float, std::int32_t>> kos;
  double scale = 1;
};

MN_INLINE bool in_history(const FoldInState& st, std::int32_t item) {
  return ((st.seen[static_cast<std::size_t>(item >> 6)] >> (item & 63)) & 1) != 0;
}

// One step on the user's vector: LightFM's user gradient, loss * (negative - positive).
MN_INLINE void fold_step(const FoldIn& c, FoldInState& st, float* u, std::int32_t pos, std::int32_t neg,
                         float loss) {
  const float* rp = c.repr->row(pos);
  const float* rn = c.repr->row(neg);
  const int n = c.repr->stride;
  float* grad = st.grad.data();
#pragma omp simd
  for (int j = 0; j < n; ++j) grad[j] = rn[j] - rp[j];
  const float sum = step_row(u, st.g.data(), st.m.data(), grad, loss, c.k, c.schedule, c.alpha);
  st.scale *= 1.0 + c.alpha * static_cast<double>(sum) / (c.k + 1);
}

MN_INLINE std::int32_t fold_negative(const FoldIn& c, sgd::Rng& rng) {
  const auto neg = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(c.repr->rows)));
  sgd::prefetch_row(c.repr->row(neg), c.repr->stride);
  return neg;
}

MN_INLINE void fold_search(const FoldIn& c, FoldInState& st, sgd::Rng& rng, float* u, std::int32_t pos,
                           float pos_pred) {
  std::int32_t neg = fold_negative(c, rng);
  for (int sampled = 1; sampled <= c.max_sampled; ++sampled) {
    const std::int32_t current = neg;
    if (sampled < c.max_sampled) neg = fold_negative(c, rng);
    if (sgd::dot16(st.ur.data(), c.repr->row(current), c.repr->stride) > pos_pred - 1.0f) {
      if (in_history(st, current)) continue;
      fold_step(c, st, u, pos, current, warp_weight(c.repr->rows, sampled));
      return;
    }
  }
}

// Fits one user's vector (u: repr->stride floats) to a sorted history against the frozen items,
// with the training loss: LightFM's start, a fresh schedule state, `epochs` passes over the
// history in a seeded random order. Deterministic: seeded by the model's seed and the history.
MN_SIMD_CLONES void fold_in_user(const FoldIn& c, const std::vector<std::int32_t>& history, float* u) {
  const int n = c.repr->stride;
  const int k = c.k;
  std::fill(u, u + n, 0.0f);
  if (history.empty() || c.repr->rows == 0) return;
  std::uint64_t h = static_cast<std::uint64_t>(history.size());
  for (const std::int32_t i : history) h = sgd::Rng::mix(h ^ static_cast<std::uint64_t>(i));
  sgd::Rng rng(c.seed, h);
  FoldInState st;
  // Only the first k columns take steps (the item bias column k is picked up through ur[k] = 1).
  st.g.assign(static_cast<std::size_t>(n), 0.0f);
  st.m.assign(static_cast<std::size_t>(n), 0.0f);
  st.ur.assign(static_cast<std::size_t>(n), 0.0f);
  st.grad.assign(static_cast<std::size_t>(n), 0.0f);
  st.seen.assign((static_cast<std::size_t>(c.repr->rows) + 63) / 64, 0);
  for (const std::int32_t i : history)
    st.seen[static_cast<std::size_t>(i >> 6)] |= std::uint64_t{1} << (i & 63);
  for (int j = 0; j < k; ++j) {
    u[j] = (rng.uniform() - 0.5f) / static_cast<float>(k);
    st.g[static_cast<std::size_t>(j)] = c.schedule.adadelta ? 0.0f : 1.0f;
  }
  std::vector<std::int32_t> order = history;
  for (std::int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (const std::int32_t pos : order) {
      const auto s = static_cast<float>(st.scale);
      float* ur = st.ur.data();
#pragma omp simd
      for (int j = 0; j < n; ++j) ur[j] = s * u[j];
      ur[k] = 1.0f;  // picks up the item bias column
      if (c.loss == Loss::kWarp) {
        fold_search(c, st, rng, u, pos, sgd::dot16(ur, c.repr->row(pos), n));
      } else if (c.loss == Loss::kBpr) {
        if (c.by_popularity->empty()) continue;
        std::int32_t neg = c.by_popularity->sample(rng);
        for (int tries = 0; tries < 1000 && in_history(st, neg); ++tries) neg = c.by_popularity->sample(rng);
        if (in_history(st, neg)) continue;
        const float diff = sgd::dot16(ur, c.repr->row(pos), n) - sgd::dot16(ur, c.repr->row(neg), n);
        fold_step(c, st, u, pos, neg, 1.0f - sgd::sigmoid(diff));
      } else {
        const auto draws =
            static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(c.kos_n), history.size()));
        st.kos.clear();
        for (int d = 0; d < draws; ++d) {
          const std::int32_t p = history[rng.below(history.size())];
          st.kos.emplace_back(sgd::dot16(ur, c.repr->row(p), n), p);
        }
        std::stable_sort(st.kos.begin(), st.kos.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        const auto& chosen = st.kos[static_cast<std::size_t>(std::min(c.kos_k, draws) - 1)];
        fold_search(c, st, rng, u, chosen.second, chosen.first);
      }
    }
    const auto inv = static_cast<float>(1.0 / st.scale);
    for (int j = 0; j < k; ++j) u[j] *= inv;
    st.scale = 1;
  }
}

FoldIn fold_in_config(const Params& p, const sgd::FactorMatrix& repr, const sgd::AliasTable& by_popularity,
                      int k) {
  const std::string& loss = p.get_choice("loss");
  return FoldIn{
      &repr,
      &by_popularity,
      k,
      {p.get_choice("learning_schedule") == "adadelta", static_cast<float>(p.get_float("learning_rate")),
       static_cast<float>(p.get_float("rho")), static_cast<float>(p.get_float("epsilon"))},
      static_cast<float>(p.get_float("user_alpha")),
      loss == "warp"  ? Loss::kWarp
      : loss == "bpr" ? Loss::kBpr
                      : Loss::kWarpKos,
      static_cast<int>(p.get_int("max_sampled")),
      static_cast<int>(p.get_int("k")),
      static_cast<int>(p.get_int("n")),
      p.get_int("fold_in_epochs") > 0 ? p.get_int("fold_in_epochs") : p.get_int("iterations"),
      static_cast<std::uint64_t>(p.get_int("seed"))};
}

}  // namespace

void Warp::build_feature_matrix(const FitContext& context) {
  const std::string& which = params_.get_choice("item_features");
  std::int32_t extra = 0;
  const CsrMatrix* side = nullptr;
  if (which != "none") {
    side = context.item_features;
    if (side == nullptr) {
      throw Error(ErrorKind::kInvalidInput,
                  "warp: item_features=" + which +
                      " needs the items x features matrix (FitContext::item_features), "
                      "and none was given; use item_features=none or pass the catalog's "
                      "features");
    }
    if (side->rows != n_items_) {
      throw Error(ErrorKind::kInvalidInput,
                  "warp: the item feature matrix has " + std::to_string(side->rows) +
                      " rows but the fitted matrix has " + std::to_string(n_items_) + " items");
    }
    extra = side->cols;
  }
  features_ = CsrMatrix{};
  features_.rows = n_items_;
  features_.cols = n_items_ + extra;
  features_.indptr.assign(1, 0);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    // Identity first, then the side features; the row is normalised to sum 1 (LightFM's
    // Dataset.build_item_features(normalize=True)).
    std::vector<std::pair<std::int32_t, float>> row{{i, 1.0f}};
    if (side != nullptr) {
      const auto cols = side->row_indices(i);
      const auto vals = side->row_values(i);
      for (std::size_t c = 0; c < cols.size(); ++c) {
        if (vals[c] != 0) row.emplace_back(n_items_ + cols[c], vals[c]);
      }
    }
    double total = 0;
    for (const auto& [c, v] : row) total += v;
    if (!(total > 0)) total = 1;  // only with negative feature values
    for (const auto& [c, v] : row) {
      features_.indices.push_back(c);
      features_.values.push_back(static_cast<float>(v / total));
    }
    features_.indptr.push_back(static_cast<std::int64_t>(features_.indices.size()));
  }
}

void Warp::prepare_scoring() {
  item_repr_.reset(n_items_, factors_ + 1);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    float* out = item_repr_.row(i);
    for (std::int64_t f = features_.row_begin(i); f < features_.row_end(i); ++f) {
      const float w = features_.values[static_cast<std::size_t>(f)];
      const std::int32_t feat = features_.indices[static_cast<std::size_t>(f)];
      const float* r = item_emb_.row(feat);
      for (int j = 0; j < factors_; ++j) out[j] += w * r[j];
      out[factors_] += w * item_bias_[static_cast<std::size_t>(feat)];
    }
  }
  fold_negatives_ = sgd::AliasTable{};
  if (params_.get_choice("loss") == "bpr") {
    const std::vector<double> w(item_counts_.begin(), item_counts_.end());
    if (std::accumulate(w.begin(), w.end(), 0.0) > 0) fold_negatives_ = sgd::AliasTable(w);
  }
}

void Warp::refit_users(const CsrMatrix& x, int threads) {
  const FoldIn config = fold_in_config(params_, item_repr_, fold_negatives_, factors_);
  // Each user's fold-in is seeded by its history, so the result does not depend on the threads.
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> u(static_cast<std::size_t>(item_repr_.stride));
#pragma omp for schedule(dynamic, 8)
    for (std::int32_t user = 0; user < n_users_; ++user) {
      const auto row = x.row_indices(user);
      // An empty history folds in to zeros (scores = item biases), as score_history gives.
      fold_in_user(config, std::vector<std::int32_t>(row.begin(), row.end()), u.data());
      std::copy(u.begin(), u.begin() + factors_, user_emb_.row(user));
    }
  }
}

void Warp::fit(const CsrMatrix& x, const FitContext& context) {
  n_users_ = x.rows;
  n_items_ = x.cols;
  build_feature_matrix(context);
  const int k = factors_;
  const bool adadelta = params_.get_choice("learning_schedule") == "adadelta";
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));

  // LightFM's _initialize: embeddings uniform in [-0.5, 0.5) / factors, biases 0; adagrad
  // accumulators 1, adadelta's 0.
  sgd::Rng init(seed, 0x3a);
  const float scale = 1.0f / static_cast<float>(k);
  const auto init_side = [&](sgd::FactorMatrix& emb, sgd::FactorMatrix& g, sgd::FactorMatrix& m,
                             std::vector<float>& bias, std::vector<float>& bias_g, std::vector<float>& bias_m,
                             std::int32_t rows) {
    emb.reset(rows, k);
    g.reset(rows, k);
    m.reset(rows, k);
    for (std::int32_t r = 0; r < rows; ++r) {
      float* e = emb.row(r);
      float* a = g.row(r);
      for (int j = 0; j < k; ++j) e[j] = (init.uniform() - 0.5f) * scale;
      std::fill(a, a + k, adadelta ? 0.0f : 1.0f);
    }
    bias.assign(static_cast<std::size_t>(rows), 0.0f);
    bias_g.assign(static_cast<std::size_t>(rows), adadelta ? 0.0f : 1.0f);
    bias_m.assign(static_cast<std::size_t>(rows), 0.0f);
  };
  sgd::FactorMatrix item_g, item_m, user_g, user_m;
  std::vector<float> item_bias_g, item_bias_m, user_bias_g, user_bias_m;
  init_side(item_emb_, item_g, item_m, item_bias_, item_bias_g, item_bias_m, features_.cols);
  init_side(user_emb_, user_g, user_m, user_bias_, user_bias_g, user_bias_m, n_users_);

  const auto iterations = params_.get_int("iterations");
  if (x.nnz() > 0 && n_items_ > 0 && iterations > 0) {
    std::vector<std::int32_t> row_of(static_cast<std::size_t>(x.nnz()));
    for (std::int32_t u = 0; u < n_users_; ++u) {
      std::fill(row_of.begin() + x.row_begin(u), row_of.begin() + x.row_end(u), u);
    }
    const sgd::LikedSet liked(x);
    const std::string& loss = params_.get_choice("loss");
    const WarpTask task{
        {item_emb_.data.data(), item_g.data.data(), item_m.data.data(), item_bias_.data(), item_bias_g.data(),
         item_bias_m.data(), static_cast<float>(params_.get_float("item_alpha"))},
        {user_emb_.data.data(), user_g.data.data(), user_m.data.data(), user_bias_.data(), user_bias_g.data(),
         user_bias_m.data(), static_cast<float>(params_.get_float("user_alpha"))},
        static_cast<std::size_t>(item_emb_.stride),
        k,
        {adadelta, static_cast<float>(params_.get_float("learning_rate")),
         static_cast<float>(params_.get_float("rho")), static_cast<float>(params_.get_float("epsilon"))},
        features_.indptr.data(),
        features_.indices.data(),
        features_.values.data(),
        x.indptr.data(),
        x.indices.data(),
        row_of.data(),
        &liked,
        n_items_,
        x.nnz(),
        loss == "warp"  ? Loss::kWarp
        : loss == "bpr" ? Loss::kBpr
                        : Loss::kWarpKos,
        static_cast<int>(params_.get_int("max_sampled")),
        static_cast<int>(params_.get_int("k")),
        static_cast<int>(params_.get_int("n")),
        features_.cols,
        n_users_};

    const int threads = sgd::fit_threads(context.threads, x);
    sgd::EpochWork work(x, threads, iterations);
    std::vector<WarpThread> states;
    for (int t = 0; t < threads; ++t) {
      states.emplace_back(seed, 2000 + static_cast<std::uint64_t>(t),
                          static_cast<std::size_t>(item_emb_.stride));
    }
    std::unique_ptr<Progress> progress;
    if (context.show_progress) {
      progress = std::make_unique<Progress>("warp", static_cast<std::uint64_t>(iterations), "epochs");
    }
    // Hogwild over blocks of users (see sgd::EpochWork). A thread applies LightFM's end-of-epoch
    // regularize by its own scales when it moves on to the next epoch (one thread: exactly
    // LightFM's order of work).
    const auto flush_scales = [&task](WarpThread& th) {
      if (th.item_scale == 1.0 && th.user_scale == 1.0) return;
#pragma omp critical(mn_warp_regularize)
      regularize(task, th.item_scale, th.user_scale);
      th.item_scale = th.user_scale = 1;
    };
#pragma omp parallel num_threads(threads)
    {
      WarpThread& th = states[static_cast<std::size_t>(omp_get_thread_num())];
      std::vector<std::int64_t> order;
      std::int64_t epoch = 0, current = 0;
      std::int32_t block = 0;
      while (work.next(epoch, block)) {
        if (epoch != current) flush_scales(th);
        current = epoch;
        // The block's entries in a fresh random order (LightFM shuffles every epoch).
        order.resize(static_cast<std::size_t>(work.end(block) - work.begin(block)));
        std::iota(order.begin(), order.end(), work.begin(block));
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[th.rng.below(i)]);
        warp_entries(task, order.data(), static_cast<std::int64_t>(order.size()), th);
        if (omp_get_thread_num() == 0 && progress) progress->set(static_cast<std::uint64_t>(epoch));
      }
      flush_scales(th);
    }
    sgd::check_finite(item_emb_, "warp item embeddings");
    sgd::check_finite(user_emb_, "warp user embeddings");
    if (progress) progress->finish();
  }
  item_counts_.assign(static_cast<std::size_t>(n_items_), 0);
  for (const std::int32_t i : x.indices) ++item_counts_[static_cast<std::size_t>(i)];
  prepare_scoring();
  if (params_.get_bool("refit_users")) refit_users(x, sgd::resolve_threads(context.threads));
}

void Warp::score(std::int32_t user, std::span<float> out) const {
  if (user < 0 || user >= n_users_) {
    throw Error(ErrorKind::kInvalidInput, "user " + std::to_string(user) +
                                              " is out of range (the model has " + std::to_string(n_users_) +
                                              " users)");
  }
  std::vector<float> q(static_cast<std::size_t>(item_repr_.stride), 0.0f);
  std::copy(user_emb_.row(user), user_emb_.row(user) + factors_, q.begin());
  q[static_cast<std::size_t>(factors_)] = 1.0f;
  sgd::score_all(item_repr_, q.data(), item_repr_.stride, -1, out);
}

std::vector<float> Warp::fold_in(std::span<const std::int32_t> items) const {
  std::vector<float> out(static_cast<std::size_t>(item_repr_.stride), 0.0f);
  const std::vector<std::int32_t> history = sgd::clean_history(items, n_items_);
  fold_in_user(fold_in_config(params_, item_repr_, fold_negatives_, factors_), history, out.data());
  out.resize(static_cast<std::size_t>(factors_));
  return out;
}

void Warp::score_history(std::span<const std::int32_t> items, std::span<const float>,
                         std::span<float> out) const {
  std::vector<float> q = fold_in(items);
  q.resize(static_cast<std::size_t>(item_repr_.stride), 0.0f);
  q[static_cast<std::size_t>(factors_)] = 1.0f;
  sgd::score_all(item_repr_, q.data(), item_repr_.stride, -1, out);
}

std::vector<ScoredItem> Warp::similar_items(std::int32_t item, int k) const {
  return sgd::cosine_neighbours(item_repr_, factors_, item, k);
}

void Warp::save(const std::filesystem::path& dir) const {
  item_emb_.save(dir / "item_embeddings.npy");
  save_npy(dir / "item_biases.npy", item_bias_, {item_bias_.size()});
  user_emb_.save(dir / "user_embeddings.npy");
  save_npy(dir / "user_biases.npy", user_bias_, {user_bias_.size()});
  save_npy(dir / "item_features_indptr.npy", features_.indptr, {features_.indptr.size()});
  save_npy(dir / "item_features_indices.npy", features_.indices, {features_.indices.size()});
  save_npy(dir / "item_features_values.npy", features_.values, {features_.values.size()});
  save_npy(dir / "item_counts.npy", item_counts_, {item_counts_.size()});
}

void Warp::load(const std::filesystem::path& dir) {
  item_emb_.load(dir / "item_embeddings.npy");
  item_bias_ = load_npy(dir / "item_biases.npy").as<float>();
  user_emb_.load(dir / "user_embeddings.npy");
  user_bias_ = load_npy(dir / "user_biases.npy").as<float>();
  features_ = CsrMatrix{};
  features_.indptr = load_npy(dir / "item_features_indptr.npy").as<std::int64_t>();
  features_.indices = load_npy(dir / "item_features_indices.npy").as<std::int32_t>();
  features_.values = load_npy(dir / "item_features_values.npy").as<float>();
  item_counts_ = load_npy(dir / "item_counts.npy").as<std::int64_t>();
  const auto bad = [&](const std::string& why) {
    return Error(ErrorKind::kInvalidInput, dir.string() + ": warp model files do not agree: " + why);
  };
  if (item_emb_.cols != factors_ || user_emb_.cols != factors_) {
    throw bad("embeddings are not factors=" + std::to_string(factors_) + " wide");
  }
  if (item_bias_.size() != static_cast<std::size_t>(item_emb_.rows) ||
      user_bias_.size() != static_cast<std::size_t>(user_emb_.rows)) {
    throw bad("biases and embeddings differ in length");
  }
  n_users_ = user_emb_.rows;
  n_items_ = static_cast<std::int32_t>(item_counts_.size());
  features_.rows = n_items_;
  features_.cols = item_emb_.rows;
  if (features_.indptr.size() != static_cast<std::size_t>(n_items_) + 1 || features_.indptr.front() != 0 ||
      features_.indptr.back() != static_cast<std::int64_t>(features_.indices.size()) ||
      features_.values.size() != features_.indices.size()) {
    throw bad("the item feature matrix is malformed");
  }
  for (std::size_t r = 0; r + 1 < features_.indptr.size(); ++r) {
    if (features_.indptr[r] >= features_.indptr[r + 1]) throw bad("an item has no features");
  }
  for (const std::int32_t c : features_.indices) {
    if (c < 0 || c >= features_.cols) throw bad("a feature index is out of range");
  }
  prepare_scoring();
}

}  // namespace mn
