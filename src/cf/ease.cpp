#include "cf/ease.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
// Eigen's folder is not on the include path; its headers include each other relatively.
#include <eigen3/Eigen/Dense>

#include "cf/similarity.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

constexpr Eigen::Index kBlock = 128;  // panel width of the blocked factorisations
// Rows / columns per parallel task; fixed, so that results do not depend on the thread count.
constexpr Eigen::Index kChunk = 64;

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using MatrixMap = Eigen::Map<Matrix<T>>;

// Eigen parallelises its products with omp_get_max_threads(); every product here runs inside our
// own fixed-chunk loops, so Eigen is held to one thread (results then do not depend on threads).
class SerialEigen {
 public:
  SerialEigen() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SerialEigen() { omp_set_num_threads(saved_); }
  SerialEigen(const SerialEigen&) = delete;
  SerialEigen& operator=(const SerialEigen&) = delete;

 private:
  int saved_;
};

Eigen::Index chunks(Eigen::Index n) { return (n + kChunk - 1) / kChunk; }

// In-place blocked Cholesky, lower triangle (right-looking): the lower triangle of a becomes L.
template <typename T>
bool cholesky_lower(MatrixMap<T>& a, int threads) {
  const Eigen::Index n = a.rows();
  for (Eigen::Index k0 = 0; k0 < n; k0 += kBlock) {
    const Eigen::Index b = std::min(kBlock, n - k0);
    const Eigen::Index r = n - k0 - b;
    Eigen::Ref<Matrix<T>> a11 = a.block(k0, k0, b, b);
    Eigen::LLT<Eigen::Ref<Matrix<T>>> llt(a11);
    if (llt.info() != Eigen::Success) return false;
    if (r == 0) break;
    auto a21 = a.block(k0 + b, k0, r, b);
    // a21 <- a21 L11^-T, rows independently.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (Eigen::Index c = 0; c < chunks(r); ++c) {
      const Eigen::Index r0 = c * kChunk;
      auto rows = a21.middleRows(r0, std::min(kChunk, r - r0));
      a11.transpose().template triangularView<Eigen::Upper>().template solveInPlace<Eigen::OnTheRight>(rows);
    }
    // a22 <- a22 - a21 a21^T on and below the diagonal, by column chunks.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (Eigen::Index c = 0; c < chunks(r); ++c) {
      const Eigen::Index c0 = c * kChunk;
      const Eigen::Index len = std::min(kChunk, r - c0);
      a.block(k0 + b + c0, k0 + b + c0, r - c0, len).noalias() -=
          a21.middleRows(c0, r - c0) * a21.middleRows(c0, len).transpose();
    }
  }
  return true;
}

// In-place inverse of a lower-triangular matrix (LAPACK trtri's blocked order: last block first).
template <typename T>
void invert_lower(MatrixMap<T>& a, int threads) {
  const Eigen::Index n = a.rows();
  Matrix<T> tmp;
  for (Eigen::Index j0 = ((n - 1) / kBlock) * kBlock; j0 >= 0; j0 -= kBlock) {
    const Eigen::Index b = std::min(kBlock, n - j0);
    const Eigen::Index r = n - j0 - b;
    auto ljj = a.block(j0, j0, b, b);
    Matrix<T> inv = Matrix<T>::Identity(b, b);
    ljj.template triangularView<Eigen::Lower>().solveInPlace(inv);
    const Matrix<T> minus_inv = -inv;
    if (r > 0) {
      auto l21 = a.block(j0 + b, j0, r, b);
      auto x22 = a.block(j0 + b, j0 + b, r, r);  // already inverted
      tmp.resize(r, b);
      // tmp = X22 L21 by row chunks (a row chunk of lower-triangular X22: dense left, triangle).
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
      for (Eigen::Index c = 0; c < chunks(r); ++c) {
        const Eigen::Index r0 = c * kChunk;
        const Eigen::Index len = std::min(kChunk, r - r0);
        auto out = tmp.middleRows(r0, len);
        out.noalias() =
            x22.block(r0, r0, len, len).template triangularView<Eigen::Lower>() * l21.middleRows(r0, len);
        if (r0 > 0) out.noalias() += x22.block(r0, 0, len, r0) * l21.topRows(r0);
      }
      // X21 = -X22 L21 L11^-1.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
      for (Eigen::Index c = 0; c < chunks(r); ++c) {
        const Eigen::Index r0 = c * kChunk;
        const Eigen::Index len = std::min(kChunk, r - r0);
        l21.middleRows(r0, len).noalias() =
            tmp.middleRows(r0, len) * minus_inv.template triangularView<Eigen::Lower>();
      }
    }
    ljj.template triangularView<Eigen::Lower>() = inv;
  }
}

// In place: the lower triangle of a (lower-triangular X) becomes the lower triangle of X^T X
// (LAPACK lauum's block-row order: each block row reads only rows below it, still untouched).
template <typename T>
void lower_transpose_times_self(MatrixMap<T>& a, int threads) {
  const Eigen::Index n = a.rows();
  for (Eigen::Index i0 = 0; i0 < n; i0 += kBlock) {
    const Eigen::Index b = std::min(kBlock, n - i0);
    const Eigen::Index below = n - i0 - b;
    const Matrix<T> xii = a.block(i0, i0, b, b).template triangularView<Eigen::Lower>();
    // Block row left of the diagonal: Xii^T Xi,left + Xbelow,i^T Xbelow,left.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (Eigen::Index c = 0; c < chunks(i0); ++c) {
      const Eigen::Index c0 = c * kChunk;
      const Eigen::Index len = std::min(kChunk, i0 - c0);
      auto panel = a.block(i0, c0, b, len);
      Matrix<T> t = xii.transpose() * panel;
      if (below > 0) {
        t.noalias() += a.block(i0 + b, i0, below, b).transpose() * a.block(i0 + b, c0, below, len);
      }
      panel = t;
    }
    Matrix<T> d = xii.transpose() * xii;
    if (below > 0) {
      // Row chunks summed in a fixed order, so the result does not depend on threads.
      const Eigen::Index parts = chunks(below);
      std::vector<Matrix<T>> partial(static_cast<std::size_t>(parts));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
      for (Eigen::Index c = 0; c < parts; ++c) {
        const Eigen::Index r0 = c * kChunk;
        const auto rows = a.block(i0 + b + r0, i0, std::min(kChunk, below - r0), b);
        partial[static_cast<std::size_t>(c)].noalias() = rows.transpose() * rows;
      }
      for (const Matrix<T>& p : partial) d += p;
    }
    a.block(i0, i0, b, b).template triangularView<Eigen::Lower>() = d;
  }
}

// B (row-major n x n over the active items) from X restricted to them.
template <typename T>
std::vector<T> ease_weights(const CsrMatrix& x, const CsrMatrix& item_users,
                            const std::vector<std::int32_t>& active,
                            const std::vector<std::int32_t>& position, double lambda, int threads) {
  const SerialEigen serial;
  const auto n = static_cast<Eigen::Index>(active.size());
  const auto nn = static_cast<std::size_t>(n);
  std::vector<T> data(nn * nn, T(0));
  if (n == 0) return data;
#pragma omp parallel num_threads(threads)
  {
    // Gram matrix X^T X + lambda I: row a from the users of item active[a], summed in double.
    std::vector<double> row(nn, 0.0);
#pragma omp for schedule(dynamic, 16)
    for (Eigen::Index a = 0; a < n; ++a) {
      const std::int32_t item = active[static_cast<std::size_t>(a)];
      const auto users = item_users.row_indices(item);
      const auto xs = item_users.row_values(item);
      for (std::size_t e = 0; e < users.size(); ++e) {
        const double w = xs[e];
        const auto cols = x.row_indices(users[e]);
        const auto vals = x.row_values(users[e]);
        for (std::size_t f = 0; f < cols.size(); ++f) {
          row[static_cast<std::size_t>(position[static_cast<std::size_t>(cols[f])])] += w * vals[f];
        }
      }
      row[static_cast<std::size_t>(a)] += lambda;
      T* out = data.data() + static_cast<std::size_t>(a) * nn;
      for (std::size_t j = 0; j < nn; ++j) {
        out[j] = static_cast<T>(row[j]);
        row[j] = 0.0;
      }
    }
  }
  MatrixMap<T> g(data.data(), n, n);
  if (!cholesky_lower(g, threads)) {
    throw Error(ErrorKind::kInvalidInput, "ease: X^T X + lambda I is not positive definite (lambda=" +
                                              std::to_string(lambda) + "); use a larger lambda");
  }
  invert_lower(g, threads);
  lower_transpose_times_self(g, threads);
  // P is symmetric: mirror the lower triangle; then the buffer reads the same row-major, and
  // B[i][j] = -P[i][j] / P[j][j], B[i][i] = 0.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (Eigen::Index c = 0; c < chunks(n); ++c) {
    const Eigen::Index c0 = c * kChunk;
    for (Eigen::Index j = c0; j < std::min(n, c0 + kChunk); ++j) {
      for (Eigen::Index i = 0; i < j; ++i) g(i, j) = g(j, i);
    }
  }
  std::vector<T> inv_diag(nn);
  for (std::size_t j = 0; j < nn; ++j) {
    const T d = data[j * nn + j];
    if (!(d > T(0)) || !std::isfinite(d)) {
      throw Error(ErrorKind::kInvalidInput, "ease: the inverse Gram matrix is not finite (lambda=" +
                                                std::to_string(lambda) + " too small for this data)");
    }
    inv_diag[j] = T(1) / d;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Eigen::Index i = 0; i < n; ++i) {
    T* row = data.data() + static_cast<std::size_t>(i) * nn;
    for (std::size_t j = 0; j < nn; ++j) row[j] = -row[j] * inv_diag[j];
    row[i] = T(0);
  }
  return data;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

double ease_memory_bytes(std::int64_t n_active, std::size_t element_size) {
  const auto n = static_cast<double>(n_active);
  // The dense matrix plus the factorisation's panel buffers.
  return n * n * static_cast<double>(element_size) +
         2.0 * n * static_cast<double>(kBlock) * static_cast<double>(element_size);
}

ModelInfo ease_model_info() {
  ModelInfo info;
  info.name = "ease";
  info.description = "EASE^R: closed-form item-item ridge regression with zero diagonal (Steck 2019)";
  // lambda: Steck's ML-20M value; on ml-latest-small 100-200 is within 0.001 NDCG@10 of it.
  // float32 gives the same metrics as float64 on ml-latest-small in half the time.
  info.params = {
      {"lambda", ParamType::kFloat, "500", 0, 1e12, {}, "L2 added to the Gram diagonal", {"regularization"}},
      {"max_memory_gb", ParamType::kFloat, "8", 0, 1e6, {}, "refuse when the dense matrix needs more", {}},
      {"precision", ParamType::kChoice, "float32", 0, 0, {"float32", "float64"}, "element type", {}},
  };
  info.test_settings = "lambda=10";
  info.make = [](Params p) { return std::make_unique<Ease>(std::move(p)); };
  return info;
}

void Ease::set_active(std::vector<std::int32_t> active, std::int32_t n_items) {
  active_ = std::move(active);
  position_.assign(static_cast<std::size_t>(n_items), -1);
  for (std::size_t a = 0; a < active_.size(); ++a)
    position_[static_cast<std::size_t>(active_[a])] = static_cast<std::int32_t>(a);
}

void Ease::fit(const CsrMatrix& user_items, const FitContext& context) {
  const bool f64 = params_.get_choice("precision") == "float64";
  const double lambda = params_.get_float("lambda");
  const CsrMatrix item_users = user_items.transpose();
  std::vector<std::int32_t> active;
  for (std::int32_t i = 0; i < item_users.rows; ++i) {
    if (item_users.row_end(i) > item_users.row_begin(i)) active.push_back(i);
  }
  const double need = ease_memory_bytes(static_cast<std::int64_t>(active.size()), f64 ? 8 : 4);
  const double budget = params_.get_float("max_memory_gb") * 1e9;
  if (need > budget) {
    const auto n = std::to_string(active.size());
    throw Error(ErrorKind::kInvalidInput,
                "ease: the dense " + n + " x " + n + " item matrix (" + params_.get_choice("precision") +
                    ") needs " + number(need / 1e9) +
                    " GB, more than max_memory_gb=" + number(params_.get_float("max_memory_gb")) +
                    "; raise max_memory_gb, keep fewer items, or use itemknn / rp3beta (sparse)");
  }
  user_items_ = user_items;
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
  set_active(std::move(active), user_items.cols);
  const int threads = fit_threads(context.threads);
  b32_.clear();
  b64_.clear();
  if (f64) {
    b64_ = ease_weights<double>(user_items, item_users, active_, position_, lambda, threads);
  } else {
    b32_ = ease_weights<float>(user_items, item_users, active_, position_, lambda, threads);
  }
}

template <typename T>
void Ease::accumulate(std::span<const std::int32_t> items, std::span<const float> values,
                      const std::vector<T>& b, std::span<float> out) const {
  const std::size_t n = active_.size();
  std::vector<T> sum(n, T(0));
  for (std::size_t h = 0; h < items.size(); ++h) {
    const std::int32_t i = items[h];
    if (i < 0 || i >= n_items_) {
      throw Error(ErrorKind::kInvalidInput, "item index " + std::to_string(i) + " is outside the model's " +
                                                std::to_string(n_items_) + " items");
    }
    const std::int32_t a = position_[static_cast<std::size_t>(i)];
    if (a < 0) continue;  // no interactions at fit time: a zero row of B
    const T x = static_cast<T>(values[h]);
    const T* row = b.data() + static_cast<std::size_t>(a) * n;
    for (std::size_t j = 0; j < n; ++j) sum[j] += x * row[j];
  }
  std::fill(out.begin(), out.end(), 0.0f);
  for (std::size_t j = 0; j < n; ++j) out[static_cast<std::size_t>(active_[j])] = static_cast<float>(sum[j]);
}

void Ease::score(std::int32_t user, std::span<float> out) const {
  if (user < 0 || user >= user_items_.rows) {
    throw Error(ErrorKind::kInvalidInput, "user index " + std::to_string(user) + " is outside the model's " +
                                              std::to_string(user_items_.rows) + " users");
  }
  score_history(user_items_.row_indices(user), user_items_.row_values(user), out);
}

void Ease::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                         std::span<float> out) const {
  if (b64_.empty()) {
    accumulate(items, values, b32_, out);
  } else {
    accumulate(items, values, b64_, out);
  }
}

std::vector<ScoredItem> Ease::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_ || position_[static_cast<std::size_t>(item)] < 0) return {};
  const std::int32_t one_item[1] = {item};
  const float one[1] = {1.0f};
  std::vector<float> row(static_cast<std::size_t>(n_items_));
  score_history(one_item, one, row);
  // Only items B relates to this one: those with interactions, the item itself left out.
  std::vector<char> keep(static_cast<std::size_t>(n_items_), 0);
  for (const std::int32_t a : active_) keep[static_cast<std::size_t>(a)] = 1;
  keep[static_cast<std::size_t>(item)] = 0;
  for (std::size_t j = 0; j < row.size(); ++j) {
    if (!keep[j]) row[j] = -std::numeric_limits<float>::infinity();
  }
  return top_k(row, k);
}

void Ease::save(const std::filesystem::path& dir) const {
  const std::size_t n = active_.size();
  if (b64_.empty()) {
    save_npy(dir / "B.npy", b32_, {n, n});
  } else {
    save_npy(dir / "B.npy", b64_, {n, n});
  }
  save_npy(dir / "item_ids.npy", active_, {n});
  save_csr(dir, "user_items", user_items_);
}

void Ease::load(const std::filesystem::path& dir) {
  CsrMatrix x = load_csr(dir, "user_items");
  std::vector<std::int32_t> active = load_npy(dir / "item_ids.npy").as<std::int32_t>();
  const NpyArray b = load_npy(dir / "B.npy");
  const std::size_t n = active.size();
  if (b.shape != std::vector<std::size_t>{n, n}) {
    throw Error(ErrorKind::kInvalidInput, (dir / "B.npy").string() + ": shape does not match item_ids.npy");
  }
  std::int32_t prev = -1;
  for (const std::int32_t a : active) {
    if (a <= prev || a >= x.cols) {
      throw Error(ErrorKind::kInvalidInput,
                  (dir / "item_ids.npy").string() + ": item ids out of range or unsorted");
    }
    prev = a;
  }
  b32_.clear();
  b64_.clear();
  if (b.dtype == "<f8") {
    b64_ = b.as<double>();
  } else {
    b32_ = b.as<float>();
  }
  user_items_ = std::move(x);
  n_users_ = user_items_.rows;
  n_items_ = user_items_.cols;
  set_active(std::move(active), n_items_);
}

}  // namespace mn
