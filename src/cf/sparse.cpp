#include "cf/sparse.h"

#include <algorithm>
#include <numeric>

namespace mn {

bool CsrMatrix::contains(std::int32_t r, std::int32_t c) const {
  const auto cols_of_r = row_indices(r);
  return std::binary_search(cols_of_r.begin(), cols_of_r.end(), c);
}

CsrMatrix CsrMatrix::from_entries(std::int32_t rows, std::int32_t cols, std::vector<SparseEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const SparseEntry& a, const SparseEntry& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
  });
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<std::size_t>(rows) + 1, 0);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const SparseEntry& e = entries[i];
    if (!m.indices.empty() && i > 0 && entries[i - 1].row == e.row && entries[i - 1].col == e.col) {
      m.values.back() += e.value;
      continue;
    }
    m.indices.push_back(e.col);
    m.values.push_back(e.value);
    ++m.indptr[static_cast<std::size_t>(e.row) + 1];
  }
  std::partial_sum(m.indptr.begin(), m.indptr.end(), m.indptr.begin());
  return m;
}

CsrMatrix CsrMatrix::transpose() const {
  CsrMatrix t;
  t.rows = cols;
  t.cols = rows;
  t.indptr.assign(static_cast<std::size_t>(cols) + 1, 0);
  for (const std::int32_t c : indices) ++t.indptr[static_cast<std::size_t>(c) + 1];
  std::partial_sum(t.indptr.begin(), t.indptr.end(), t.indptr.begin());
  t.indices.resize(indices.size());
  t.values.resize(values.size());
  std::vector<std::int64_t> cursor(t.indptr.begin(), t.indptr.end() - 1);
  for (std::int32_t r = 0; r < rows; ++r) {
    for (std::int64_t p = row_begin(r); p < row_end(r); ++p) {
      const auto slot =
          static_cast<std::size_t>(cursor[static_cast<std::size_t>(indices[static_cast<std::size_t>(p)])]++);
      t.indices[slot] = r;
      t.values[slot] = values[static_cast<std::size_t>(p)];
    }
  }
  return t;
}

}  // namespace mn
