// The ALS kernels built for AVX-512 (picked at run time; the build itself has no -march flags).
#include "cf/als_solver.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's AVX-512 headers self-initialise their "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace mn::als {
namespace {

struct S {
  using V = __m512;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float f) { return _mm512_set1_ps(f); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static float hsum(V v) { return _mm512_reduce_add_ps(v); }
  using V4 = __m128;
  static V4 load4(const float* p) { return _mm_loadu_ps(p); }
  static void store4(float* p, V4 v) { _mm_storeu_ps(p, v); }
  static V4 set4(float f) { return _mm_set1_ps(f); }
  static V4 abs4(V4 v) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), v); }
  static V4 pos4(V4 v) { return _mm_max_ps(v, _mm_setzero_ps()); }
  // Four horizontal sums at once: pairwise interleaves, then the four 128-bit lanes.
  static V4 hsum4(V a, V b, V c, V d) {
    const V ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    const V cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    const V s = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm512_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s),
                                   _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  }
  static void splat4(V4 v, V& a, V& b, V& c, V& d) {
    const V w = _mm512_castps128_ps512(v);
    a = _mm512_permutexvar_ps(_mm512_set1_epi32(0), w);
    b = _mm512_permutexvar_ps(_mm512_set1_epi32(1), w);
    c = _mm512_permutexvar_ps(_mm512_set1_epi32(2), w);
    d = _mm512_permutexvar_ps(_mm512_set1_epi32(3), w);
  }
  static void prefetch(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

#include "cf/als_solver_kernels.inc"

}  // namespace

const Kernels* avx512_kernels() { return &kKernels; }

}  // namespace mn::als

#pragma GCC diagnostic pop
#pragma GCC pop_options

#else

namespace mn::als {
const Kernels* avx512_kernels() { return nullptr; }
}  // namespace mn::als

#endif
