#pragma once
// A compressed sparse row matrix of float values: the user x item matrix every collaborative
// model fits on (values are ratings, confidences or 1 for implicit positives).
#include <cstdint>
#include <span>
#include <vector>

namespace mn {

struct SparseEntry {
  std::int32_t row;
  std::int32_t col;
  float value;
};

struct CsrMatrix {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  std::vector<std::int64_t> indptr;   // rows + 1
  std::vector<std::int32_t> indices;  // column of each entry, ascending within a row
  std::vector<float> values;

  std::int64_t nnz() const { return static_cast<std::int64_t>(indices.size()); }
  std::int64_t row_begin(std::int32_t r) const { return indptr[static_cast<std::size_t>(r)]; }
  std::int64_t row_end(std::int32_t r) const { return indptr[static_cast<std::size_t>(r) + 1]; }
  std::span<const std::int32_t> row_indices(std::int32_t r) const {
    return {indices.data() + row_begin(r), static_cast<std::size_t>(row_end(r) - row_begin(r))};
  }
  std::span<const float> row_values(std::int32_t r) const {
    return {values.data() + row_begin(r), static_cast<std::size_t>(row_end(r) - row_begin(r))};
  }
  // Whether row r holds column c (binary search).
  bool contains(std::int32_t r, std::int32_t c) const;

  // Duplicate (row, col) entries are summed.
  static CsrMatrix from_entries(std::int32_t rows, std::int32_t cols, std::vector<SparseEntry> entries);
  CsrMatrix transpose() const;
};

}  // namespace mn
