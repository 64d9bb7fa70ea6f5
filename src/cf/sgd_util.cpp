#include "cf/sgd_util.h"

#include <omp.h>

#include <algorithm>
#include <numeric>

#include "io/npy.h"
#include "util/error.h"

namespace mn::sgd {

AliasTable::AliasTable(std::span<const double> weights) {
  const std::size_t n = weights.size();
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (n == 0 || !(total > 0))
    throw Error(ErrorKind::kInternal, "alias table: weights must have a positive sum");
  prob_.assign(n, 1.0f);
  alias_.resize(n);
  std::iota(alias_.begin(), alias_.end(), 0);
  std::vector<double> scaled(n);
  std::vector<std::int32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::int32_t s = small.back();
    const std::int32_t l = large.back();
    small.pop_back();
    prob_[static_cast<std::size_t>(s)] = static_cast<float>(scaled[static_cast<std::size_t>(s)]);
    alias_[static_cast<std::size_t>(s)] = l;
    scaled[static_cast<std::size_t>(l)] -= 1.0 - scaled[static_cast<std::size_t>(s)];
    if (scaled[static_cast<std::size_t>(l)] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Whatever is left is 1 up to rounding: those columns always keep their own item.
}

LikedSet::LikedSet(const CsrMatrix& x) : indptr_(x.indptr.data()), indices_(x.indices.data()) {
  words_ = (static_cast<std::size_t>(x.cols) + 63) / 64;
  if (static_cast<std::size_t>(x.rows) * words_ > (std::size_t{1} << 23)) return;
  bits_.assign(static_cast<std::size_t>(x.rows) * words_, 0);
  for (std::int32_t u = 0; u < x.rows; ++u) {
    for (const std::int32_t i : x.row_indices(u)) {
      bits_[static_cast<std::size_t>(u) * words_ + static_cast<std::size_t>(i >> 6)] |= std::uint64_t{1}
                                                                                        << (i & 63);
    }
  }
}

int resolve_threads(int requested) { return requested > 0 ? requested : std::max(1, omp_get_max_threads()); }

int fit_threads(int requested, const CsrMatrix& x) {
  const std::int64_t by_work = std::max<std::int64_t>(1, x.nnz() / 4096);
  return static_cast<int>(std::max<std::int64_t>(
      1, std::min<std::int64_t>({resolve_threads(requested), by_work, std::max(1, x.rows)})));
}

std::vector<std::int64_t> user_blocks(const CsrMatrix& x, int blocks) {
  std::vector<std::int64_t> first{0};
  for (int t = 1; t < blocks; ++t) {
    const std::int64_t target = x.nnz() * t / blocks;
    const auto it = std::lower_bound(x.indptr.begin(), x.indptr.end(), target);
    first.push_back(std::max(first.back(), it == x.indptr.end() ? x.nnz() : *it));
  }
  first.push_back(x.nnz());
  return first;
}

EpochWork::EpochWork(const CsrMatrix& x, int threads, std::int64_t epochs)
    : first_(user_blocks(x, threads == 1 ? 1 : std::min(8 * threads, std::max(1, x.rows)))) {
  total_ = epochs * blocks();
}

void FactorMatrix::save(const std::filesystem::path& path) const {
  std::vector<float> dense(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (std::int32_t r = 0; r < rows; ++r) {
    std::copy(row(r), row(r) + cols, dense.begin() + static_cast<std::ptrdiff_t>(r) * cols);
  }
  save_npy(path, dense, {static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)});
}

void FactorMatrix::load(const std::filesystem::path& path) {
  const NpyArray a = load_npy(path);
  if (a.shape.size() != 2 || a.dtype != "<f4") {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected a 2-d float32 array");
  }
  const std::vector<float> dense = a.as<float>();
  reset(static_cast<std::int32_t>(a.shape[0]), static_cast<int>(a.shape[1]));
  for (std::int32_t r = 0; r < rows; ++r) {
    std::copy(dense.begin() + static_cast<std::ptrdiff_t>(r) * cols,
              dense.begin() + static_cast<std::ptrdiff_t>(r + 1) * cols, row(r));
  }
}

namespace {

MN_SIMD_CLONES void score_rows(const float* data, std::size_t stride, std::int32_t rows, const float* v,
                               int n, int bias_col, float* out) {
  for (std::int32_t i = 0; i < rows; ++i) {
    const float* r = data + static_cast<std::size_t>(i) * stride;
    out[i] = dot(r, v, n) + (bias_col >= 0 ? r[bias_col] : 0.0f);
  }
}

}  // namespace

void score_all(const FactorMatrix& factors, const float* v, int n, int bias_col, std::span<float> out) {
  score_rows(factors.data.data(), static_cast<std::size_t>(factors.stride), factors.rows, v, n, bias_col,
             out.data());
}

std::vector<ScoredItem> cosine_neighbours(const FactorMatrix& factors, int n, std::int32_t item, int k) {
  if (item < 0 || item >= factors.rows) {
    throw Error(ErrorKind::kInvalidInput, "item " + std::to_string(item) +
                                              " is out of range (the model has " +
                                              std::to_string(factors.rows) + " items)");
  }
  std::vector<float> norms(static_cast<std::size_t>(factors.rows));
  for (std::int32_t i = 0; i < factors.rows; ++i) {
    norms[static_cast<std::size_t>(i)] = std::sqrt(dot(factors.row(i), factors.row(i), n));
  }
  std::vector<float> sims(static_cast<std::size_t>(factors.rows));
  score_all(factors, factors.row(item), n, -1, sims);
  const float self = norms[static_cast<std::size_t>(item)];
  for (std::size_t i = 0; i < sims.size(); ++i) {
    const float denom = norms[i] * self;
    sims[i] = denom > 0 ? sims[i] / denom : 0.0f;
  }
  exclude_items(sims, std::span<const std::int32_t>(&item, 1));
  return top_k(sims, k);
}

void check_finite(const FactorMatrix& m, const std::string& what) {
  for (const float v : m.data) {
    if (!std::isfinite(v)) {
      throw Error(ErrorKind::kInvalidInput,
                  what + " holds NaN or infinity: the fit diverged; try a lower learning_rate");
    }
  }
}

std::vector<std::int32_t> clean_history(std::span<const std::int32_t> items, std::int32_t n_items) {
  std::vector<std::int32_t> out;
  out.reserve(items.size());
  for (const std::int32_t i : items) {
    if (i >= 0 && i < n_items) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mn::sgd
