#pragma once
// A read-only copy of a float matrix in IEEE half precision, for scoring passes that read every row
// and are bound by memory bandwidth (the movie night scores all 9,742 item embeddings per request:
// 10 MB as float, 5 MB as half). A half keeps 11 significant bits: on unit-length rows an inner
// product moves by about 1e-4 at most, which reorders only near-ties. Like FAISS's fp16 scalar
// quantiser, the queries stay float.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mn {

class HalfRows {
 public:
  HalfRows() = default;
  // Empty when this CPU has no AVX2 + FMA + F16C (the callers then score the floats).
  static HalfRows from(const float* rows, std::size_t n, std::size_t dim);
  static bool supported();

  bool empty() const { return data_.empty(); }
  std::size_t rows() const { return n_; }
  std::size_t dim() const { return dim_; }
  // out[q * rows() + i] = row i . queries[q], for n_queries queries of dim() floats each.
  void dot(const float* queries, std::size_t n_queries, float* out) const;
  // Row i back as floats (tests).
  std::vector<float> row(std::size_t i) const;

 private:
  std::vector<std::uint16_t> data_;
  std::size_t n_ = 0, dim_ = 0;
};

}  // namespace mn
