// The ALS kernels built for AVX2 + FMA (picked at run time when AVX-512 is missing).
#include "cf/als_solver.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace mn::als {
namespace {

struct S {
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float f) { return _mm256_set1_ps(f); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static float hsum(V v) {
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
    return _mm_cvtss_f32(q);
  }
  using V4 = __m128;
  static V4 load4(const float* p) { return _mm_loadu_ps(p); }
  static void store4(float* p, V4 v) { _mm_storeu_ps(p, v); }
  static V4 set4(float f) { return _mm_set1_ps(f); }
  static V4 abs4(V4 v) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), v); }
  static V4 pos4(V4 v) { return _mm_max_ps(v, _mm_setzero_ps()); }
  // Four horizontal sums at once: pairwise interleaves, then the two 128-bit lanes.
  static V4 hsum4(V a, V b, V c, V d) {
    const V ab = _mm256_add_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
    const V cd = _mm256_add_ps(_mm256_unpacklo_ps(c, d), _mm256_unpackhi_ps(c, d));
    const V s = _mm256_add_ps(_mm256_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm256_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
    return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  }
  static void splat4(V4 v, V& a, V& b, V& c, V& d) {
    const V w = _mm256_castps128_ps256(v);
    a = _mm256_permutevar8x32_ps(w, _mm256_set1_epi32(0));
    b = _mm256_permutevar8x32_ps(w, _mm256_set1_epi32(1));
    c = _mm256_permutevar8x32_ps(w, _mm256_set1_epi32(2));
    d = _mm256_permutevar8x32_ps(w, _mm256_set1_epi32(3));
  }
  static void prefetch(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

#include "cf/als_solver_kernels.inc"

}  // namespace

const Kernels* avx2_kernels() { return &kKernels; }

}  // namespace mn::als

#pragma GCC pop_options

#else

namespace mn::als {
const Kernels* avx2_kernels() { return nullptr; }
}  // namespace mn::als

#endif
