#include "cf/similarity.h"

#include <omp.h>

#include <cmath>

#include "io/npy.h"
#include "util/error.h"

namespace mn {

int fit_threads(int requested) { return requested > 0 ? requested : omp_get_max_threads(); }

void normalize_rows_l1(CsrMatrix& m) {
  for (std::int32_t r = 0; r < m.rows; ++r) {
    double sum = 0;
    for (std::int64_t p = m.row_begin(r); p < m.row_end(r); ++p)
      sum += std::abs(m.values[static_cast<std::size_t>(p)]);
    if (sum == 0) continue;
    for (std::int64_t p = m.row_begin(r); p < m.row_end(r); ++p) {
      auto& v = m.values[static_cast<std::size_t>(p)];
      v = static_cast<float>(v / sum);
    }
  }
}

void accumulate_rows(const CsrMatrix& w, std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) {
  std::fill(out.begin(), out.end(), 0.0f);
  for (std::size_t h = 0; h < items.size(); ++h) {
    const std::int32_t i = items[h];
    if (i < 0 || i >= w.rows) {
      throw Error(ErrorKind::kInvalidInput, "item index " + std::to_string(i) + " is outside the model's " +
                                                std::to_string(w.rows) + " items");
    }
    const float x = values[h];
    const auto cols = w.row_indices(i);
    const auto vals = w.row_values(i);
    for (std::size_t e = 0; e < cols.size(); ++e) out[static_cast<std::size_t>(cols[e])] += x * vals[e];
  }
}

std::vector<ScoredItem> top_of_row(const CsrMatrix& w, std::int32_t item, int k) {
  if (item < 0 || item >= w.rows || k <= 0) return {};
  std::vector<ScoredItem> row;
  const auto cols = w.row_indices(item);
  const auto vals = w.row_values(item);
  for (std::size_t e = 0; e < cols.size(); ++e) {
    if (cols[e] != item) row.push_back({cols[e], vals[e]});
  }
  const auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  const std::size_t keep = std::min(row.size(), static_cast<std::size_t>(k));
  std::partial_sort(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(keep), row.end(), better);
  row.resize(keep);
  return row;
}

void save_csr(const std::filesystem::path& dir, const std::string& prefix, const CsrMatrix& m) {
  save_npy(dir / (prefix + "_indptr.npy"), m.indptr, {m.indptr.size()});
  save_npy(dir / (prefix + "_indices.npy"), m.indices, {m.indices.size()});
  save_npy(dir / (prefix + "_values.npy"), m.values, {m.values.size()});
  const std::int64_t shape[2] = {m.rows, m.cols};
  save_npy(dir / (prefix + "_shape.npy"), shape, {2});
}

CsrMatrix load_csr(const std::filesystem::path& dir, const std::string& prefix) {
  const auto shape = load_npy(dir / (prefix + "_shape.npy")).as<std::int64_t>();
  CsrMatrix m;
  m.indptr = load_npy(dir / (prefix + "_indptr.npy")).as<std::int64_t>();
  m.indices = load_npy(dir / (prefix + "_indices.npy")).as<std::int32_t>();
  m.values = load_npy(dir / (prefix + "_values.npy")).as<float>();
  const auto bad = [&](const std::string& why) {
    return Error(ErrorKind::kInvalidInput, (dir / (prefix + "_*.npy")).string() + ": " + why);
  };
  if (shape.size() != 2 || shape[0] < 0 || shape[1] < 0 || shape[0] > INT32_MAX || shape[1] > INT32_MAX) {
    throw bad("bad shape");
  }
  m.rows = static_cast<std::int32_t>(shape[0]);
  m.cols = static_cast<std::int32_t>(shape[1]);
  if (m.indptr.size() != static_cast<std::size_t>(m.rows) + 1 || m.indptr.front() != 0 ||
      m.indptr.back() != static_cast<std::int64_t>(m.indices.size()) || m.values.size() != m.indices.size()) {
    throw bad("indptr, indices and values do not agree");
  }
  for (std::int32_t r = 0; r < m.rows; ++r) {
    if (m.row_begin(r) > m.row_end(r)) throw bad("indptr decreases at row " + std::to_string(r));
    std::int32_t prev = -1;
    for (const std::int32_t c : m.row_indices(r)) {
      if (c <= prev || c >= m.cols)
        throw bad("column indices out of range or unsorted in row " + std::to_string(r));
      prev = c;
    }
  }
  return m;
}

void ItemWeightsModel::set_fitted(const CsrMatrix& user_items, CsrMatrix weights) {
  user_items_ = user_items;
  weights_ = std::move(weights);
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
}

void ItemWeightsModel::score(std::int32_t user, std::span<float> out) const {
  if (user < 0 || user >= user_items_.rows) {
    throw Error(ErrorKind::kInvalidInput, "user index " + std::to_string(user) + " is outside the model's " +
                                              std::to_string(user_items_.rows) + " users");
  }
  accumulate_rows(weights_, user_items_.row_indices(user), user_items_.row_values(user), out);
}

void ItemWeightsModel::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                                     std::span<float> out) const {
  accumulate_rows(weights_, items, values, out);
}

std::vector<ScoredItem> ItemWeightsModel::similar_items(std::int32_t item, int k) const {
  return top_of_row(weights_, item, k);
}

void ItemWeightsModel::save(const std::filesystem::path& dir) const {
  save_csr(dir, "similarity", weights_);
  save_csr(dir, "user_items", user_items_);
}

void ItemWeightsModel::load(const std::filesystem::path& dir) {
  CsrMatrix w = load_csr(dir, "similarity");
  CsrMatrix x = load_csr(dir, "user_items");
  if (w.rows != w.cols || w.rows != x.cols) {
    throw Error(ErrorKind::kInvalidInput, dir.string() + ": similarity and user_items shapes do not match");
  }
  set_fitted(x, std::move(w));
}

}  // namespace mn
