#include "explicit/matrix_factorization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "explicit/explicit_common.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

// A per-term rate: -1 (the default) means the *_all value, as Surprise's None.
double rate(const Params& p, const char* name, const char* all) {
  const double v = p.get_float(name);
  return v < 0 ? p.get_float(all) : v;
}

using xp::init_normal;

struct Ordered {
  std::vector<std::int32_t> user;
  std::vector<std::int32_t> item;
  std::vector<float> rating;
};

Ordered ordered_ratings(const CsrMatrix& x, std::uint64_t seed) {
  const std::vector<std::int64_t> order = xp::surprise_order(x, seed);
  std::vector<std::int32_t> row_of(order.size());
  for (std::int32_t u = 0; u < x.rows; ++u) {
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) row_of[static_cast<std::size_t>(e)] = u;
  }
  Ordered o;
  o.user.reserve(order.size());
  o.item.reserve(order.size());
  o.rating.reserve(order.size());
  for (const std::int64_t e : order) {
    const auto p = static_cast<std::size_t>(e);
    o.user.push_back(row_of[p]);
    o.item.push_back(x.indices[p]);
    o.rating.push_back(x.values[p]);
  }
  return o;
}

// The ratings of each (user group, item group), in the order they have in o. Groups go by runs of
// 16 indices (64 bytes of biases), so two threads never write to one cache line of b_u or b_i.
constexpr int kGroups = 2;
struct Blocks {
  Ordered part[kGroups][kGroups];
};

Blocks split_blocks(const Ordered& o) {
  Blocks b;
  for (std::size_t t = 0; t < o.user.size(); ++t) {
    Ordered& part = b.part[(o.user[t] / 16) % kGroups][(o.item[t] / 16) % kGroups];
    part.user.push_back(o.user[t]);
    part.item.push_back(o.item[t]);
    part.rating.push_back(o.rating[t]);
  }
  return b;
}

struct SgdRates {
  float lr_bu, lr_bi, lr_pu, lr_qi, lr_yj;
  float reg_bu, reg_bi, reg_pu, reg_qi, reg_yj;
};

SgdRates rates_of(const Params& p, bool with_yj) {
  SgdRates r{};
  r.lr_bu = static_cast<float>(rate(p, "lr_bu", "lr_all"));
  r.lr_bi = static_cast<float>(rate(p, "lr_bi", "lr_all"));
  r.lr_pu = static_cast<float>(rate(p, "lr_pu", "lr_all"));
  r.lr_qi = static_cast<float>(rate(p, "lr_qi", "lr_all"));
  r.reg_bu = static_cast<float>(rate(p, "reg_bu", "reg_all"));
  r.reg_bi = static_cast<float>(rate(p, "reg_bi", "reg_all"));
  r.reg_pu = static_cast<float>(rate(p, "reg_pu", "reg_all"));
  r.reg_qi = static_cast<float>(rate(p, "reg_qi", "reg_all"));
  if (with_yj) {
    r.lr_yj = static_cast<float>(rate(p, "lr_yj", "lr_all"));
    r.reg_yj = static_cast<float>(rate(p, "reg_yj", "reg_all"));
  }
  return r;
}

// Surprise's SVD.sgd inner loop over every epoch (padded rows: the padding stays 0). Within a
// user's block the next rating's dot product is not recomputed from the updated p_u, which would
// chain every rating's latency to the last: as p_u' = (1 - lr_pu reg_pu) p_u + lr_pu err q_i,
// p_u'.q_j = (1 - lr_pu reg_pu) p_u.q_j + lr_pu err q_i.q_j, and both products are independent of
// the current error, so they are computed alongside it.
MN_SIMD_CLONES void svd_epochs(const Ordered& o, int epochs, sgd::FactorMatrix& pu, sgd::FactorMatrix& qi,
                               float* bu, float* bi, float mu, bool biased, const SgdRates& k) {
  const int stride = pu.stride;
  const std::size_t n = o.user.size();
  const float shrink = 1.0f - k.lr_pu * k.reg_pu;
  constexpr std::size_t kAhead = 4;  // the item rows are random reads: fetch them early
  for (int epoch = 0; epoch < epochs; ++epoch) {
    float dot = 0;
    for (std::size_t t = 0; t < n; ++t) {
      if (t + kAhead < n) sgd::prefetch_row(qi.row(o.item[t + kAhead]), stride);
      const std::int32_t u = o.user[t];
      const std::int32_t i = o.item[t];
      float* p = pu.row(u);
      float* q = qi.row(i);
      if (t == 0 || o.user[t - 1] != u) dot = sgd::dot16(p, q, stride);
      const bool same_user_next = t + 1 < n && o.user[t + 1] == u;
      float p_next = 0;
      float q_next = 0;
      if (same_user_next) {
        const float* qn = qi.row(o.item[t + 1]);
        p_next = sgd::dot16(p, qn, stride);
        q_next = sgd::dot16(q, qn, stride);
      }
      float& b_u = bu[u];
      float& b_i = bi[i];
      const float err = o.rating[t] - (mu + b_u + b_i + dot);
      if (biased) {
        b_u += k.lr_bu * (err - k.reg_bu * b_u);
        b_i += k.lr_bi * (err - k.reg_bi * b_i);
      }
      for (int f0 = 0; f0 < stride; f0 += 16) {  // whole 16-float blocks: no remainder loop
#pragma omp simd
        for (int f = f0; f < f0 + 16; ++f) {
          const float pf = p[f];
          const float qf = q[f];
          p[f] = pf + k.lr_pu * (err * qf - k.reg_pu * pf);
          q[f] = qf + k.lr_qi * (err * pf - k.reg_qi * qf);
        }
      }
      dot = shrink * p_next + k.lr_pu * err * q_next;
    }
  }
}

// SVDpp.sgd with the per-user affine composition of the y_j updates (see the header).
MN_SIMD_CLONES void svdpp_epochs(const Ordered& o, const CsrMatrix& x, int epochs, sgd::FactorMatrix& pu,
                                 sgd::FactorMatrix& qi, sgd::FactorMatrix& yj, float* bu, float* bi, float mu,
                                 const SgdRates& k) {
  const int stride = pu.stride;
  const std::size_t n = o.user.size();
  std::vector<float, sgd::CacheAligned<float>> s(static_cast<std::size_t>(stride)), offset(s.size()),
      imp(s.size());
  const float a = 1.0f - k.lr_yj * k.reg_yj;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::size_t t = 0;
    while (t < n) {
      const std::int32_t u = o.user[t];
      const auto items = x.row_indices(u);
      const auto n_u = static_cast<float>(items.size());
      const float inv_sqrt = 1.0f / std::sqrt(n_u);
      std::fill(s.begin(), s.end(), 0.0f);
      std::fill(offset.begin(), offset.end(), 0.0f);
      for (const std::int32_t j : items) {
        const float* y = yj.row(j);
#pragma omp simd
        for (int f = 0; f < stride; ++f) s[static_cast<std::size_t>(f)] += y[f];
      }
      float scale = 1.0f;
      float* p = pu.row(u);
      float& b_u = bu[u];
      for (; t < n && o.user[t] == u; ++t) {
        const std::int32_t i = o.item[t];
        float* q = qi.row(i);
        float dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int f = 0; f < stride; ++f) {
          imp[static_cast<std::size_t>(f)] = s[static_cast<std::size_t>(f)] * inv_sqrt;
          dot += q[f] * (p[f] + imp[static_cast<std::size_t>(f)]);
        }
        float& b_i = bi[i];
        const float err = o.rating[t] - (mu + b_u + b_i + dot);
        b_u += k.lr_bu * (err - k.reg_bu * b_u);
        b_i += k.lr_bi * (err - k.reg_bi * b_i);
        const float g = k.lr_yj * err * inv_sqrt;
#pragma omp simd
        for (int f = 0; f < stride; ++f) {
          const auto fs = static_cast<std::size_t>(f);
          const float pf = p[f];
          const float qf = q[f];
          p[f] = pf + k.lr_pu * (err * qf - k.reg_pu * pf);
          q[f] = qf + k.lr_qi * (err * (pf + imp[fs]) - k.reg_qi * qf);
          const float b = g * qf;  // every y_j of I_u: y <- a y + b
          offset[fs] = a * offset[fs] + b;
          s[fs] = a * s[fs] + n_u * b;
        }
        scale *= a;
      }
      for (const std::int32_t j : items) {
        float* y = yj.row(j);
#pragma omp simd
        for (int f = 0; f < stride; ++f) y[f] = scale * y[f] + offset[static_cast<std::size_t>(f)];
      }
    }
  }
}

// Cosine of the first n columns of row `item` with every known row (the item itself left out).
std::vector<ScoredItem> factor_cosine(const sgd::FactorMatrix& q, int n, std::int32_t item, int k,
                                      const std::vector<std::int32_t>& item_count, const std::string& model) {
  if (item < 0 || item >= q.rows) {
    throw Error(ErrorKind::kInvalidInput,
                model + ": item " + std::to_string(item) + " is not in the fitted matrix");
  }
  const float* a = q.row(item);
  const float na = std::sqrt(sgd::dot(a, a, n));
  std::vector<float> s(static_cast<std::size_t>(q.rows), -std::numeric_limits<float>::infinity());
  for (std::int32_t j = 0; j < q.rows; ++j) {
    if (j == item || item_count[static_cast<std::size_t>(j)] == 0) continue;
    const float* b = q.row(j);
    const float nb = std::sqrt(sgd::dot(b, b, n));
    s[static_cast<std::size_t>(j)] = na > 0 && nb > 0 ? sgd::dot(a, b, n) / (na * nb) : 0.0f;
  }
  return top_k(s, k);
}

// Ridge fold-in: [b, p] minimising sum (t_i - b - q_i.p)^2 + n (reg_b b^2 + reg_p |p|^2) (no b
// when unbiased) over the rows given; the stationary point of the per-rating SGD updates.
std::vector<double> ridge_fold_in(const std::vector<const float*>& rows, const std::vector<double>& targets,
                                  int f, bool biased, double reg_b, double reg_p) {
  const int off = biased ? 1 : 0;
  const int dim = f + off;
  std::vector<double> a(static_cast<std::size_t>(dim) * static_cast<std::size_t>(dim), 0.0);
  std::vector<double> b(static_cast<std::size_t>(dim), 0.0);
  std::vector<double> x(static_cast<std::size_t>(dim));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (biased) x[0] = 1.0;
    for (int c = 0; c < f; ++c) x[static_cast<std::size_t>(c + off)] = rows[r][c];
    for (int i = 0; i < dim; ++i) {
      const double xi = x[static_cast<std::size_t>(i)];
      b[static_cast<std::size_t>(i)] += xi * targets[r];
      for (int j = 0; j <= i; ++j)
        a[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] +=
            xi * x[static_cast<std::size_t>(j)];
    }
  }
  const auto n = static_cast<double>(rows.size());
  for (int i = 0; i < dim; ++i) {
    for (int j = i + 1; j < dim; ++j)
      a[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] =
          a[static_cast<std::size_t>(j) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(i)];
    // A tiny floor keeps the system definite when the regularisation is 0.
    a[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(i)] +=
        std::max(n * (biased && i == 0 ? reg_b : reg_p), 1e-9);
  }
  if (rows.empty() || !xp::cholesky_solve(a, b, dim))
    return std::vector<double>(static_cast<std::size_t>(dim), 0.0);
  return b;
}

void save_bias(const std::filesystem::path& path, const std::vector<float>& b) {
  const std::vector<double> d(b.begin(), b.end());
  save_npy(path, d, {d.size()});
}

std::vector<float> load_bias(const std::filesystem::path& path, std::int32_t n) {
  const std::vector<double> d = load_npy(path).as<double>();
  if (d.size() != static_cast<std::size_t>(n)) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected " + std::to_string(n) + " values");
  }
  return {d.begin(), d.end()};
}

void load_factors(sgd::FactorMatrix& m, const std::filesystem::path& path, std::int32_t rows, int cols) {
  m.load(path);
  if (m.rows != rows || m.cols != cols) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected a (" + std::to_string(rows) + ", " +
                                              std::to_string(cols) + ") array");
  }
}

float clip(double v, float lo, float hi) {
  return static_cast<float>(std::clamp(v, static_cast<double>(lo), static_cast<double>(hi)));
}

}  // namespace

// ---------------------------------------------------------------------------------------------- svd

Svd::Svd(Params params)
    : RatingModel(std::move(params)),
      factors_(static_cast<int>(params_.get_int("n_factors"))),
      biased_(params_.get_bool("biased")) {}

void Svd::fit(const CsrMatrix& ratings, const FitContext& context) {
  begin_fit(ratings);
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  const double init_mean = params_.get_float("init_mean");
  const double init_std = params_.get_float("init_std_dev");
  const int threads = rating_threads(context.threads);
  init_normal(pu_, n_users_, factors_, seed, 1, init_mean, init_std, threads);
  init_normal(qi_, n_items_, factors_, seed, 2, init_mean, init_std, threads);
  bu_.assign(static_cast<std::size_t>(n_users_), 0.0f);
  bi_.assign(static_cast<std::size_t>(n_items_), 0.0f);
  const Ordered o = ordered_ratings(ratings, seed);
  const int epochs = static_cast<int>(params_.get_int("n_epochs"));
  const float mu = biased_ ? static_cast<float>(global_mean_) : 0.0f;
  const SgdRates rates = rates_of(params_, false);
  if (params_.get_choice("schedule") == "surprise") {
    svd_epochs(o, epochs, pu_, qi_, bu_.data(), bi_.data(), mu, biased_, rates);
  } else {
    // Users and items in kGroups groups: in phase p the blocks (g, g + p mod kGroups) share no user
    // and no item, so they run on any number of threads with no race and the same result as on one
    // (stratified SGD, Gemulla et al. 2011). Each block keeps Surprise's order of its ratings.
    const Blocks blocks = split_blocks(o);
#pragma omp parallel num_threads(threads)
    for (int epoch = 0; epoch < epochs; ++epoch) {
      for (int phase = 0; phase < kGroups; ++phase) {
#pragma omp for schedule(dynamic, 1)
        for (int g = 0; g < kGroups; ++g) {
          svd_epochs(blocks.part[g][(g + phase) % kGroups], 1, pu_, qi_, bu_.data(), bi_.data(), mu, biased_,
                     rates);
        }
      }
    }
  }
  sgd::check_finite(pu_, "svd user factors (lower the learning rates)");
  sgd::check_finite(qi_, "svd item factors (lower the learning rates)");
}

Estimate Svd::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  if (!biased_) {
    if (!(ku && ki)) return {0, kUnknownReason, -1};
    return {sgd::dot(pu_.row(user), qi_.row(item), factors_), {}, -1};
  }
  double est = global_mean_;
  if (ku) est += bu_[static_cast<std::size_t>(user)];
  if (ki) est += bi_[static_cast<std::size_t>(item)];
  if (ku && ki) est += sgd::dot(pu_.row(user), qi_.row(item), factors_);
  return {est, {}, -1};
}

void Svd::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  if (!knows_user(user)) {
    RatingModel::score(user, out);
    return;
  }
  sgd::score_all(qi_, pu_.row(user), qi_.stride, -1, out);
  const double base = biased_ ? global_mean_ + bu_[static_cast<std::size_t>(user)] : 0.0;
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    if (!knows_item(i)) {
      out[s] = static_cast<float>(predict(user, i).estimate);
      continue;
    }
    out[s] = clip(base + (biased_ ? bi_[s] : 0.0f) + out[s], rating_min_, rating_max_);
  }
}

std::vector<double> Svd::fold_in(std::span<const std::int32_t> items, std::span<const float> values) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<const float*> rows;
  std::vector<double> targets;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (!knows_item(items[e])) continue;  // untrained factors carry no information
    rows.push_back(qi_.row(items[e]));
    targets.push_back(biased_ ? values[e] - global_mean_ - bi_[static_cast<std::size_t>(items[e])]
                              : values[e]);
  }
  std::vector<double> x = ridge_fold_in(rows, targets, factors_, biased_, rate(params_, "reg_bu", "reg_all"),
                                        rate(params_, "reg_pu", "reg_all"));
  if (!biased_) x.insert(x.begin(), 0.0);
  return x;
}

void Svd::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                        std::span<float> out) const {
  const std::vector<double> x = fold_in(items, values);
  bool known = false;
  for (const std::int32_t i : items) known = known || knows_item(i);
  std::vector<float, sgd::CacheAligned<float>> p(static_cast<std::size_t>(qi_.stride), 0.0f);
  for (int f = 0; f < factors_; ++f)
    p[static_cast<std::size_t>(f)] = static_cast<float>(x[static_cast<std::size_t>(f) + 1]);
  sgd::score_all(qi_, p.data(), qi_.stride, -1, out);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    const bool ki = knows_item(i);
    double est;
    if (biased_) {
      est = global_mean_ + (known ? x[0] : 0.0) + (ki ? bi_[s] : 0.0) + (known && ki ? out[s] : 0.0);
    } else {
      est = known && ki ? out[s] : default_prediction();
    }
    out[s] = clip(est, rating_min_, rating_max_);
  }
}

std::vector<ScoredItem> Svd::similar_items(std::int32_t item, int k) const {
  return factor_cosine(qi_, factors_, item, k, item_count_, name());
}

void Svd::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  pu_.save(dir / "user_factors.npy");
  qi_.save(dir / "item_factors.npy");
  save_bias(dir / "user_bias.npy", bu_);
  save_bias(dir / "item_bias.npy", bi_);
}

void Svd::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  load_factors(pu_, dir / "user_factors.npy", n_users_, factors_);
  load_factors(qi_, dir / "item_factors.npy", n_items_, factors_);
  bu_ = load_bias(dir / "user_bias.npy", n_users_);
  bi_ = load_bias(dir / "item_bias.npy", n_items_);
}

void Svd::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save(dir);
  std::filesystem::remove(dir / "rating_model.json");
  write_export_meta(
      dir,
      {{"user_factors", "user_factors.npy"},
       {"item_factors", "item_factors.npy"},
       {"user_bias", "user_bias.npy"},
       {"item_bias", "item_bias.npy"},
       {"biased", biased_},
       {"formula",
        biased_ ? "clip(global_mean + user_bias[u] + item_bias[i] + user_factors[u] @ item_factors[i], "
                  "rating_min, rating_max)"
                : "clip(user_factors[u] @ item_factors[i], rating_min, rating_max); global_mean when "
                  "u or i is unknown"}},
      ids);
}

// -------------------------------------------------------------------------------------------- svdpp

SvdPp::SvdPp(Params params)
    : RatingModel(std::move(params)), factors_(static_cast<int>(params_.get_int("n_factors"))) {}

void SvdPp::fit(const CsrMatrix& ratings, const FitContext& context) {
  begin_fit(ratings);
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  const double init_mean = params_.get_float("init_mean");
  const double init_std = params_.get_float("init_std_dev");
  const int threads = rating_threads(context.threads);
  init_normal(pu_, n_users_, factors_, seed, 1, init_mean, init_std, threads);
  init_normal(qi_, n_items_, factors_, seed, 2, init_mean, init_std, threads);
  init_normal(yj_, n_items_, factors_, seed, 3, init_mean, init_std, threads);
  bu_.assign(static_cast<std::size_t>(n_users_), 0.0f);
  bi_.assign(static_cast<std::size_t>(n_items_), 0.0f);
  const Ordered o = ordered_ratings(ratings, seed);
  svdpp_epochs(o, ratings, static_cast<int>(params_.get_int("n_epochs")), pu_, qi_, yj_, bu_.data(),
               bi_.data(), static_cast<float>(global_mean_), rates_of(params_, true));
  sgd::check_finite(pu_, "svdpp user factors (lower the learning rates)");
  sgd::check_finite(qi_, "svdpp item factors (lower the learning rates)");
  sgd::check_finite(yj_, "svdpp implicit factors (lower the learning rates)");
  implicit_.reset(n_users_, factors_);
  for (std::int32_t u = 0; u < n_users_; ++u) {
    const auto items = ratings.row_indices(u);
    if (items.empty()) continue;
    std::vector<double> sum(static_cast<std::size_t>(factors_), 0.0);
    for (const std::int32_t j : items) {
      for (int f = 0; f < factors_; ++f) sum[static_cast<std::size_t>(f)] += yj_.row(j)[f];
    }
    const double inv = 1.0 / std::sqrt(static_cast<double>(items.size()));
    for (int f = 0; f < factors_; ++f)
      implicit_.row(u)[f] = static_cast<float>(sum[static_cast<std::size_t>(f)] * inv);
  }
}

Estimate SvdPp::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  double est = global_mean_;
  if (ku) est += bu_[static_cast<std::size_t>(user)];
  if (ki) est += bi_[static_cast<std::size_t>(item)];
  if (ku && ki) {
    const float* q = qi_.row(item);
    const float* p = pu_.row(user);
    const float* y = implicit_.row(user);
    double dot = 0;
    for (int f = 0; f < factors_; ++f) dot += static_cast<double>(q[f]) * (p[f] + y[f]);
    est += dot;
  }
  return {est, {}, -1};
}

void SvdPp::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  if (!knows_user(user)) {
    RatingModel::score(user, out);
    return;
  }
  std::vector<float, sgd::CacheAligned<float>> v(static_cast<std::size_t>(qi_.stride), 0.0f);
  for (int f = 0; f < factors_; ++f)
    v[static_cast<std::size_t>(f)] = pu_.row(user)[f] + implicit_.row(user)[f];
  sgd::score_all(qi_, v.data(), qi_.stride, -1, out);
  const double base = global_mean_ + bu_[static_cast<std::size_t>(user)];
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    out[s] = clip(knows_item(i) ? base + bi_[s] + out[s] : base, rating_min_, rating_max_);
  }
}

void SvdPp::fold_in(std::span<const std::int32_t> items, std::span<const float> values,
                    std::vector<float>& user, double& bias) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<std::int32_t> known;
  std::vector<float> known_values;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (knows_item(items[e])) {
      known.push_back(items[e]);
      known_values.push_back(values[e]);
    }
  }
  user.assign(static_cast<std::size_t>(factors_), 0.0f);
  bias = 0;
  if (known.empty()) return;
  std::vector<double> imp(static_cast<std::size_t>(factors_), 0.0);
  for (const std::int32_t j : known) {
    for (int f = 0; f < factors_; ++f) imp[static_cast<std::size_t>(f)] += yj_.row(j)[f];
  }
  const double inv = 1.0 / std::sqrt(static_cast<double>(known.size()));
  for (double& v : imp) v *= inv;
  std::vector<const float*> rows;
  std::vector<double> targets;
  for (std::size_t e = 0; e < known.size(); ++e) {
    const float* q = qi_.row(known[e]);
    double qy = 0;
    for (int f = 0; f < factors_; ++f) qy += q[f] * imp[static_cast<std::size_t>(f)];
    rows.push_back(q);
    targets.push_back(known_values[e] - global_mean_ - bi_[static_cast<std::size_t>(known[e])] - qy);
  }
  const std::vector<double> x = ridge_fold_in(
      rows, targets, factors_, true, rate(params_, "reg_bu", "reg_all"), rate(params_, "reg_pu", "reg_all"));
  bias = x[0];
  for (int f = 0; f < factors_; ++f)
    user[static_cast<std::size_t>(f)] =
        static_cast<float>(x[static_cast<std::size_t>(f) + 1] + imp[static_cast<std::size_t>(f)]);
}

void SvdPp::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                          std::span<float> out) const {
  std::vector<float> user;
  double bias = 0;
  fold_in(items, values, user, bias);
  std::vector<float, sgd::CacheAligned<float>> v(static_cast<std::size_t>(qi_.stride), 0.0f);
  std::copy(user.begin(), user.end(), v.begin());
  bool known = false;
  for (const std::int32_t i : items) known = known || knows_item(i);
  sgd::score_all(qi_, v.data(), qi_.stride, -1, out);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    const bool ki = knows_item(i);
    const double est = global_mean_ + bias + (ki ? bi_[s] : 0.0) + (known && ki ? out[s] : 0.0);
    out[s] = clip(est, rating_min_, rating_max_);
  }
}

std::vector<ScoredItem> SvdPp::similar_items(std::int32_t item, int k) const {
  return factor_cosine(qi_, factors_, item, k, item_count_, name());
}

void SvdPp::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  pu_.save(dir / "user_factors.npy");
  qi_.save(dir / "item_factors.npy");
  yj_.save(dir / "implicit_factors.npy");
  implicit_.save(dir / "user_implicit.npy");
  save_bias(dir / "user_bias.npy", bu_);
  save_bias(dir / "item_bias.npy", bi_);
}

void SvdPp::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  load_factors(pu_, dir / "user_factors.npy", n_users_, factors_);
  load_factors(qi_, dir / "item_factors.npy", n_items_, factors_);
  load_factors(yj_, dir / "implicit_factors.npy", n_items_, factors_);
  load_factors(implicit_, dir / "user_implicit.npy", n_users_, factors_);
  bu_ = load_bias(dir / "user_bias.npy", n_users_);
  bi_ = load_bias(dir / "item_bias.npy", n_items_);
}

void SvdPp::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save(dir);
  std::filesystem::remove(dir / "rating_model.json");
  write_export_meta(
      dir,
      {{"user_factors", "user_factors.npy"},
       {"item_factors", "item_factors.npy"},
       {"implicit_factors", "implicit_factors.npy"},
       {"user_implicit", "user_implicit.npy"},
       {"user_bias", "user_bias.npy"},
       {"item_bias", "item_bias.npy"},
       {"formula",
        "clip(global_mean + user_bias[u] + item_bias[i] + item_factors[i] @ (user_factors[u] + "
        "user_implicit[u]), rating_min, rating_max); user_implicit[u] = sum of implicit_factors[j] "
        "over u's rated items j / sqrt(their count)"}},
      ids);
}

// ---------------------------------------------------------------------------------------------- nmf

Nmf::Nmf(Params params)
    : RatingModel(std::move(params)),
      factors_(static_cast<int>(params_.get_int("n_factors"))),
      biased_(params_.get_bool("biased")) {
  if (params_.get_float("init_low") > params_.get_float("init_high"))
    throw Error(ErrorKind::kInvalidInput, "nmf: init_low must not exceed init_high");
}

double Nmf::dot(const double* a, std::int32_t item) const {
  const double* q = qi_.data() + static_cast<std::size_t>(item) * static_cast<std::size_t>(factors_);
  double s = 0;
  for (int f = 0; f < factors_; ++f) s += a[f] * q[f];
  return s;
}

void Nmf::fit(const CsrMatrix& ratings, const FitContext&) {
  begin_fit(ratings);
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  xp::NormalRng rng(seed);
  const double lo = params_.get_float("init_low");
  const double hi = params_.get_float("init_high");
  const auto nf = static_cast<std::size_t>(factors_);
  pu_.resize(static_cast<std::size_t>(n_users_) * nf);
  qi_.resize(static_cast<std::size_t>(n_items_) * nf);
  for (double& v : pu_) v = lo + (hi - lo) * rng.uniform();
  for (double& v : qi_) v = lo + (hi - lo) * rng.uniform();
  bu_.assign(static_cast<std::size_t>(n_users_), 0.0);
  bi_.assign(static_cast<std::size_t>(n_items_), 0.0);
  const double reg_pu = params_.get_float("reg_pu");
  const double reg_qi = params_.get_float("reg_qi");
  const double reg_bu = params_.get_float("reg_bu");
  const double reg_bi = params_.get_float("reg_bi");
  const double lr_bu = params_.get_float("lr_bu");
  const double lr_bi = params_.get_float("lr_bi");
  const double mu = biased_ ? global_mean_ : 0.0;
  const Ordered o = ordered_ratings(ratings, seed);
  std::vector<double> user_num(pu_.size()), user_denom(pu_.size()), item_num(qi_.size()),
      item_denom(qi_.size());
  const auto epochs = params_.get_int("n_epochs");
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    std::fill(user_num.begin(), user_num.end(), 0.0);
    std::fill(user_denom.begin(), user_denom.end(), 0.0);
    std::fill(item_num.begin(), item_num.end(), 0.0);
    std::fill(item_denom.begin(), item_denom.end(), 0.0);
    for (std::size_t t = 0; t < o.user.size(); ++t) {
      const auto u = static_cast<std::size_t>(o.user[t]);
      const auto i = static_cast<std::size_t>(o.item[t]);
      const double r = o.rating[t];
      const double* p = pu_.data() + u * nf;
      const double* q = qi_.data() + i * nf;
      const double est = mu + bu_[u] + bi_[i] + dot(p, o.item[t]);
      const double err = r - est;
      if (biased_) {
        bu_[u] += lr_bu * (err - reg_bu * bu_[u]);
        bi_[i] += lr_bi * (err - reg_bi * bi_[i]);
      }
      for (std::size_t f = 0; f < nf; ++f) {
        user_num[u * nf + f] += q[f] * r;
        user_denom[u * nf + f] += q[f] * est;
        item_num[i * nf + f] += p[f] * r;
        item_denom[i * nf + f] += p[f] * est;
      }
    }
    for (std::int32_t u = 0; u < n_users_; ++u) {
      const double n = user_count_[static_cast<std::size_t>(u)];
      if (n == 0) continue;  // not in Surprise's trainset
      for (std::size_t f = 0; f < nf; ++f) {
        const std::size_t at = static_cast<std::size_t>(u) * nf + f;
        if (pu_[at] == 0) continue;
        const double denom = user_denom[at] + n * reg_pu * pu_[at];
        if (denom != 0) pu_[at] *= user_num[at] / denom;
      }
    }
    for (std::int32_t i = 0; i < n_items_; ++i) {
      const double n = item_count_[static_cast<std::size_t>(i)];
      if (n == 0) continue;
      for (std::size_t f = 0; f < nf; ++f) {
        const std::size_t at = static_cast<std::size_t>(i) * nf + f;
        if (qi_[at] == 0) continue;
        const double denom = item_denom[at] + n * reg_qi * qi_[at];
        if (denom != 0) qi_[at] *= item_num[at] / denom;
      }
    }
  }
  for (const double v : pu_) {
    if (!std::isfinite(v)) throw Error(ErrorKind::kInvalidInput, "nmf: non-finite user factors");
  }
  for (const double v : qi_) {
    if (!std::isfinite(v)) throw Error(ErrorKind::kInvalidInput, "nmf: non-finite item factors");
  }
}

Estimate Nmf::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  const double* p =
      ku ? pu_.data() + static_cast<std::size_t>(user) * static_cast<std::size_t>(factors_) : nullptr;
  if (!biased_) {
    if (!(ku && ki)) return {0, kUnknownReason, -1};
    return {dot(p, item), {}, -1};
  }
  double est = global_mean_;
  if (ku) est += bu_[static_cast<std::size_t>(user)];
  if (ki) est += bi_[static_cast<std::size_t>(item)];
  if (ku && ki) est += dot(p, item);
  return {est, {}, -1};
}

void Nmf::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                        std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<std::int32_t> known;
  std::vector<double> r;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (knows_item(items[e])) {
      known.push_back(items[e]);
      r.push_back(values[e]);
    }
  }
  const auto nf = static_cast<std::size_t>(factors_);
  // Multiplicative user updates against the fixed items from a constant positive start: the user
  // subproblem is convex, so they reach the same point a trained user sits at.
  std::vector<double> p(
      nf, std::max(0.5 * (params_.get_float("init_low") + params_.get_float("init_high")), 1e-3));
  double bu = 0;
  const double mu = biased_ ? global_mean_ : 0.0;
  const double reg_pu = params_.get_float("reg_pu");
  const double reg_bu = params_.get_float("reg_bu");
  const auto n = static_cast<double>(known.size());
  std::vector<double> num(nf), denom(nf);
  const std::int64_t iterations = std::max<std::int64_t>(200, params_.get_int("n_epochs"));
  for (std::int64_t it = 0; it < iterations && !known.empty(); ++it) {
    std::fill(num.begin(), num.end(), 0.0);
    std::fill(denom.begin(), denom.end(), 0.0);
    double err_sum = 0;
    for (std::size_t e = 0; e < known.size(); ++e) {
      const double* q = qi_.data() + static_cast<std::size_t>(known[e]) * nf;
      const double est = mu + bu + bi_[static_cast<std::size_t>(known[e])] + dot(p.data(), known[e]);
      err_sum += r[e] - est + bu;
      for (std::size_t f = 0; f < nf; ++f) {
        num[f] += q[f] * r[e];
        denom[f] += q[f] * est;
      }
    }
    for (std::size_t f = 0; f < nf; ++f) {
      const double d = denom[f] + n * reg_pu * p[f];
      if (p[f] != 0 && d != 0) p[f] *= num[f] / d;
    }
    if (biased_) bu = err_sum / (n * (1.0 + reg_bu));  // stationary point of the b_u SGD steps
  }
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const bool ki = knows_item(i);
    double est;
    if (biased_) {
      est = global_mean_ + bu + (ki ? bi_[static_cast<std::size_t>(i)] : 0.0) +
            (ki && !known.empty() ? dot(p.data(), i) : 0.0);
    } else {
      est = ki && !known.empty() ? dot(p.data(), i) : default_prediction();
    }
    out[static_cast<std::size_t>(i)] = clip(est, rating_min_, rating_max_);
  }
}

std::vector<ScoredItem> Nmf::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                "nmf: item " + std::to_string(item) + " is not in the fitted matrix");
  }
  const auto nf = static_cast<std::size_t>(factors_);
  const double* a = qi_.data() + static_cast<std::size_t>(item) * nf;
  const double na = std::sqrt(dot(a, item));
  std::vector<float> s(static_cast<std::size_t>(n_items_), -std::numeric_limits<float>::infinity());
  for (std::int32_t j = 0; j < n_items_; ++j) {
    if (j == item || !knows_item(j)) continue;
    const double* b = qi_.data() + static_cast<std::size_t>(j) * nf;
    const double nb = std::sqrt(dot(b, j));
    s[static_cast<std::size_t>(j)] = na > 0 && nb > 0 ? static_cast<float>(dot(a, j) / (na * nb)) : 0.0f;
  }
  return top_k(s, k);
}

void Nmf::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  const auto nf = static_cast<std::size_t>(factors_);
  save_npy(dir / "user_factors.npy", pu_, {static_cast<std::size_t>(n_users_), nf});
  save_npy(dir / "item_factors.npy", qi_, {static_cast<std::size_t>(n_items_), nf});
  save_npy(dir / "user_bias.npy", bu_, {bu_.size()});
  save_npy(dir / "item_bias.npy", bi_, {bi_.size()});
}

void Nmf::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  const auto nf = static_cast<std::size_t>(factors_);
  const auto get = [&](const char* file, std::size_t expected) {
    std::vector<double> v = load_npy(dir / file).as<double>();
    if (v.size() != expected) {
      throw Error(ErrorKind::kInvalidInput,
                  (dir / file).string() + ": expected " + std::to_string(expected) + " values");
    }
    return v;
  };
  pu_ = get("user_factors.npy", static_cast<std::size_t>(n_users_) * nf);
  qi_ = get("item_factors.npy", static_cast<std::size_t>(n_items_) * nf);
  bu_ = get("user_bias.npy", static_cast<std::size_t>(n_users_));
  bi_ = get("item_bias.npy", static_cast<std::size_t>(n_items_));
}

void Nmf::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save(dir);
  std::filesystem::remove(dir / "rating_model.json");
  write_export_meta(
      dir,
      {{"user_factors", "user_factors.npy"},
       {"item_factors", "item_factors.npy"},
       {"user_bias", "user_bias.npy"},
       {"item_bias", "item_bias.npy"},
       {"biased", biased_},
       {"formula",
        biased_ ? "clip(global_mean + user_bias[u] + item_bias[i] + user_factors[u] @ item_factors[i], "
                  "rating_min, rating_max)"
                : "clip(user_factors[u] @ item_factors[i], rating_min, rating_max); global_mean when "
                  "u or i is unknown"}},
      ids);
}

}  // namespace mn
