#include "index/half_rows.h"

#include <stdexcept>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MN_HALF_ROWS_X86 1
#define MN_HALF_TARGET __attribute__((target("avx2,fma,f16c")))
#endif

namespace mn {

#if MN_HALF_ROWS_X86
namespace {

MN_HALF_TARGET void to_half(const float* in, std::size_t count, std::uint16_t* out) {
  std::size_t k = 0;
  for (; k + 8 <= count; k += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + k), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k), h);
  }
  for (; k < count; ++k) out[k] = _cvtss_sh(in[k], _MM_FROUND_TO_NEAREST_INT);
}

MN_HALF_TARGET inline __m256 load_half8(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

MN_HALF_TARGET inline float sum8(__m256 v) {
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
  return _mm_cvtss_f32(q);
}

// R rows against Q queries: R x Q independent sums, each row chunk converted once for all the
// queries. The rows are read once per call; the queries stay in L1.
template <int R, int Q>
MN_HALF_TARGET void dot_block(const std::uint16_t* rows, std::size_t dim, const float* queries, std::size_t n,
                              std::size_t first_row, float* out) {
  __m256 acc[R][Q];
  for (int r = 0; r < R; ++r) {
    for (int q = 0; q < Q; ++q) acc[r][q] = _mm256_setzero_ps();
  }
  std::size_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    __m256 x[R];
    for (int r = 0; r < R; ++r) x[r] = load_half8(rows + static_cast<std::size_t>(r) * dim + k);
    for (int q = 0; q < Q; ++q) {
      const __m256 y = _mm256_loadu_ps(queries + static_cast<std::size_t>(q) * dim + k);
      for (int r = 0; r < R; ++r) acc[r][q] = _mm256_fmadd_ps(x[r], y, acc[r][q]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int q = 0; q < Q; ++q) {
      float s = sum8(acc[r][q]);
      for (std::size_t t = k; t < dim; ++t)
        s += _cvtsh_ss(rows[static_cast<std::size_t>(r) * dim + t]) *
             queries[static_cast<std::size_t>(q) * dim + t];
      out[static_cast<std::size_t>(q) * n + first_row + static_cast<std::size_t>(r)] = s;
    }
  }
}

// All rows against Q queries: R rows at a time so that R x Q sums are in flight (8 to 12).
template <int Q>
MN_HALF_TARGET void dot_all(const std::uint16_t* rows, std::size_t n, std::size_t dim, const float* queries,
                            std::size_t ld_out, float* out) {
  constexpr int R = Q <= 2 ? 4 : 2;
  std::size_t i = 0;
  for (; i + R <= n; i += R) dot_block<R, Q>(rows + i * dim, dim, queries, ld_out, i, out);
  for (; i < n; ++i) dot_block<1, Q>(rows + i * dim, dim, queries, ld_out, i, out);
}

MN_HALF_TARGET void dot_half(const std::uint16_t* rows, std::size_t n, std::size_t dim, const float* queries,
                             std::size_t n_queries, float* out) {
  // Queries in groups of up to three: each group reads the rows once (a few queries cost about
  // as much as one; the pass is bound by memory).
  for (std::size_t q = 0; q < n_queries; q += 3) {
    const float* qs = queries + q * dim;
    float* o = out + q * n;
    switch (n_queries - q) {
      case 1:
        dot_all<1>(rows, n, dim, qs, n, o);
        break;
      case 2:
        dot_all<2>(rows, n, dim, qs, n, o);
        break;
      default:
        dot_all<3>(rows, n, dim, qs, n, o);
        break;
    }
  }
}

MN_HALF_TARGET float half_to_float(std::uint16_t h) { return _cvtsh_ss(h); }

}  // namespace
#endif

bool HalfRows::supported() {
#if MN_HALF_ROWS_X86
  static const bool yes =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return yes;
#else
  return false;
#endif
}

HalfRows HalfRows::from(const float* rows, std::size_t n, std::size_t dim) {
  HalfRows h;
  if (!supported() || n == 0 || dim == 0) return h;
#if MN_HALF_ROWS_X86
  h.data_.resize(n * dim);
  to_half(rows, n * dim, h.data_.data());
  h.n_ = n;
  h.dim_ = dim;
#endif
  return h;
}

void HalfRows::dot(const float* queries, std::size_t n_queries, float* out) const {
  if (empty()) throw std::logic_error("HalfRows::dot on an empty copy");
#if MN_HALF_ROWS_X86
  dot_half(data_.data(), n_, dim_, queries, n_queries, out);
#else
  (void)queries;
  (void)n_queries;
  (void)out;
#endif
}

std::vector<float> HalfRows::row(std::size_t i) const {
  std::vector<float> r(dim_);
#if MN_HALF_ROWS_X86
  for (std::size_t k = 0; k < dim_; ++k) r[k] = half_to_float(data_[i * dim_ + k]);
#else
  (void)i;
#endif
  return r;
}

}  // namespace mn
