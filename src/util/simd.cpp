#include "util/simd.h"

// clang at -O1 (the fuzz build) may leave the simd loops scalar and warn that it did; the result is
// the same.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

namespace mn {

MN_SIMD_CLONES void dot_rows(const float* rows, std::size_t n, std::size_t dim, const float* queries,
                             std::size_t n_queries, float* out) {
  // Four rows against one query at a time: four independent sums hide the latency of the adds, and
  // the rows, read from memory once, stay in L1 for the other queries.
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float* r0 = rows + i * dim;
    const float* r1 = r0 + dim;
    const float* r2 = r1 + dim;
    const float* r3 = r2 + dim;
    for (std::size_t q = 0; q < n_queries; ++q) {
      const float* query = queries + q * dim;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
      for (std::size_t k = 0; k < dim; ++k) {
        s0 += r0[k] * query[k];
        s1 += r1[k] * query[k];
        s2 += r2[k] * query[k];
        s3 += r3[k] * query[k];
      }
      float* o = out + q * n + i;
      o[0] = s0;
      o[1] = s1;
      o[2] = s2;
      o[3] = s3;
    }
  }
  for (; i < n; ++i) {
    const float* row = rows + i * dim;
    for (std::size_t q = 0; q < n_queries; ++q) {
      const float* query = queries + q * dim;
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (std::size_t k = 0; k < dim; ++k) s += row[k] * query[k];
      out[q * n + i] = s;
    }
  }
}

}  // namespace mn
