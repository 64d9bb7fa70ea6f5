// The BERT kernels for AVX-512 (picked at run time; the build itself has no -march flags).
// The GEMM micro-kernel keeps an 8 × 48 tile of the output in 24 vector registers, reading
// three vectors of a packed weight panel and broadcasting eight activations per inner step.
// Measured on the 2-core AVX-512 Xeon at the model's shapes (1,088 × 384 × 1,152 … 1,536 × 384,
// one thread): 175-200 GFLOP/s, against 150-170 for OpenBLAS 0.3.21's sgemm (bench/minilm_bench).
#include "text/bert_kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include <cstdint>

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's AVX-512 headers self-initialise their "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace mn::bert {
namespace {

static_assert(kPanelWidth == 48 && kTileRows == 8, "the micro-kernel is written for 8 × 48 tiles");

inline int min_int(int a, int b) { return a < b ? a : b; }

inline __mmask16 tail_mask(int n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n > 0 ? n : 0)) - 1u);
}

// e^x with Cephes' expf polynomial on x - n·ln2 (about 1 ulp); 2^n applied with scalef.
inline __m512 exp_ps(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f)), _mm512_set1_ps(-87.3365447504f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// GELU(x) = 0.5·x·erfc(-x/√2), erfc by the Chebyshev fit of Numerical Recipes' erfcc (relative
// error below 1.2e-7 everywhere), so both tails keep their precision.
inline __m512 gelu_ps(__m512 x) {
  const __m512 a = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678118654752f));
  const __m512 t =
      _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(a, _mm512_set1_ps(0.5f), _mm512_set1_ps(1.0f)));
  __m512 p = _mm512_set1_ps(0.17087277f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.82215223f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.48851587f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.13520398f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.27886807f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.18628806f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.09678418f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.37409196f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.00002368f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.26551223f));
  p = _mm512_fnmadd_ps(a, a, p);
  const __m512 r = _mm512_mul_ps(t, exp_ps(p));  // erfc(|x|/√2)
  // x > 0: erfc(-a) = 2 - erfc(a).
  const __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
  const __m512 erfc = _mm512_mask_sub_ps(r, positive, _mm512_set1_ps(2.0f), r);
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), erfc);
}

inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

// One 8 × 48 tile over kc inner steps. a: 8 activation rows (stride lda), broadcast one value at
// a time straight from the rows (measured as fast as packing them, without the copy); b: the
// packed panel, 48 weights per step.
// The first depth block starts from the bias, later ones from the partial sums in y; the last
// applies the activation and residual and stores only the valid rows and columns.
template <bool kFirst, bool kLast>
inline void tile(int kc, const float* __restrict a, int lda, const float* __restrict b, float* __restrict y,
                 int ldy, int rows, int cols, const float* bias, const float* residual, int ldr,
                 Activation act) {
  // Rows past the end read the last valid row (their results are never stored).
  const float* ar[kTileRows];
#pragma GCC unroll 8
  for (int i = 0; i < kTileRows; ++i) ar[i] = a + static_cast<std::int64_t>(i < rows ? i : rows - 1) * lda;
  const __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16), m2 = tail_mask(cols - 32);
  __m512 c[kTileRows][3];
  if (kFirst) {
    const __m512 b0 = _mm512_load_ps(bias), b1 = _mm512_load_ps(bias + 16), b2 = _mm512_load_ps(bias + 32);
#pragma GCC unroll 8
    for (int i = 0; i < kTileRows; ++i) {
      c[i][0] = b0;
      c[i][1] = b1;
      c[i][2] = b2;
    }
  } else {
#pragma GCC unroll 8
    for (int i = 0; i < kTileRows; ++i) {
      const float* row = y + i * ldy;
      c[i][0] = _mm512_maskz_loadu_ps(i < rows ? m0 : 0, row);
      c[i][1] = _mm512_maskz_loadu_ps(i < rows ? m1 : 0, row + 16);
      c[i][2] = _mm512_maskz_loadu_ps(i < rows ? m2 : 0, row + 32);
    }
  }
#pragma GCC unroll 2
  for (int k = 0; k < kc; ++k) {
    const __m512 w0 = _mm512_load_ps(b + k * 48);
    const __m512 w1 = _mm512_load_ps(b + k * 48 + 16);
    const __m512 w2 = _mm512_load_ps(b + k * 48 + 32);
#pragma GCC unroll 8
    for (int i = 0; i < kTileRows; ++i) {
      const __m512 s = _mm512_set1_ps(ar[i][k]);
      c[i][0] = _mm512_fmadd_ps(s, w0, c[i][0]);
      c[i][1] = _mm512_fmadd_ps(s, w1, c[i][1]);
      c[i][2] = _mm512_fmadd_ps(s, w2, c[i][2]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < kTileRows; ++i) {
    if (i >= rows) break;
    float* row = y + i * ldy;
    if (kLast) {
      if (act == Activation::kGelu) {
        c[i][0] = gelu_ps(c[i][0]);
        c[i][1] = gelu_ps(c[i][1]);
        c[i][2] = gelu_ps(c[i][2]);
      }
      if (residual != nullptr) {
        const float* r = residual + i * ldr;
        c[i][0] = _mm512_add_ps(c[i][0], _mm512_maskz_loadu_ps(m0, r));
        c[i][1] = _mm512_add_ps(c[i][1], _mm512_maskz_loadu_ps(m1, r + 16));
        c[i][2] = _mm512_add_ps(c[i][2], _mm512_maskz_loadu_ps(m2, r + 32));
      }
    }
    _mm512_mask_storeu_ps(row, m0, c[i][0]);
    _mm512_mask_storeu_ps(row + 16, m1, c[i][1]);
    _mm512_mask_storeu_ps(row + 32, m2, c[i][2]);
  }
}

void linear_avx512(const LinearCall& c) {
  const int panels = (c.out + kPanelWidth - 1) / kPanelWidth;
  for (int m0 = 0; m0 < c.rows; m0 += kBlockRows) {
    const int mc = min_int(kBlockRows, c.rows - m0);
    for (int k0 = 0; k0 < c.in; k0 += kBlockDepth) {
      const int kc = min_int(kBlockDepth, c.in - k0);
      const bool first = k0 == 0, last = k0 + kc >= c.in;
      for (int p = 0; p < panels; ++p) {
        const float* b = c.panels + (static_cast<std::int64_t>(p) * c.in + k0) * kPanelWidth;
        const float* bias = c.bias + p * kPanelWidth;
        const int cols = min_int(kPanelWidth, c.out - p * kPanelWidth);
        for (int t = 0; t < mc; t += kTileRows) {
          const float* a = c.x + static_cast<std::int64_t>(m0 + t) * c.ldx + k0;
          float* y = c.y + static_cast<std::int64_t>(m0 + t) * c.ldy + p * kPanelWidth;
          const float* r = c.residual == nullptr
                               ? nullptr
                               : c.residual + static_cast<std::int64_t>(m0 + t) * c.ldr + p * kPanelWidth;
          const int rows = min_int(kTileRows, mc - t);
          if (first && last) {
            tile<true, true>(kc, a, c.ldx, b, y, c.ldy, rows, cols, bias, r, c.ldr, c.activation);
          } else if (first) {
            tile<true, false>(kc, a, c.ldx, b, y, c.ldy, rows, cols, bias, r, c.ldr, c.activation);
          } else if (last) {
            tile<false, true>(kc, a, c.ldx, b, y, c.ldy, rows, cols, bias, r, c.ldr, c.activation);
          } else {
            tile<false, false>(kc, a, c.ldx, b, y, c.ldy, rows, cols, bias, r, c.ldr, c.activation);
          }
        }
      }
    }
  }
}

// out[r] = inv[r] · Σ_j w[r][j] · value_j for four queries over kVectors × 16 dimensions (the
// last vector masked to dims); the accumulators stay in registers.
template <int kVectors>
inline void weighted_values(const float* values, int ld, int n, float* const* w, const __m512* inv, int dims,
                            float* out, int ld_out, int stored) {
  __mmask16 m[kVectors];
  for (int x = 0; x < kVectors; ++x) m[x] = tail_mask(dims - 16 * x);
  __m512 acc[4][kVectors];
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 4
    for (int x = 0; x < kVectors; ++x) acc[r][x] = _mm512_setzero_ps();
  }
  for (int j = 0; j < n; ++j) {
    const float* vj = values + static_cast<std::int64_t>(j) * ld;
    __m512 v[kVectors];
#pragma GCC unroll 4
    for (int x = 0; x < kVectors; ++x) v[x] = _mm512_maskz_loadu_ps(m[x], vj + 16 * x);
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      const __m512 p = _mm512_set1_ps(w[r][j]);
#pragma GCC unroll 4
      for (int x = 0; x < kVectors; ++x) acc[r][x] = _mm512_fmadd_ps(p, v[x], acc[r][x]);
    }
  }
  for (int r = 0; r < stored; ++r) {
#pragma GCC unroll 4
    for (int x = 0; x < kVectors; ++x) {
      _mm512_mask_storeu_ps(out + static_cast<std::int64_t>(r) * ld_out + 16 * x, m[x],
                            _mm512_mul_ps(acc[r][x], inv[r]));
    }
  }
}

// Four queries at a time: their score and value sums are independent FMA chains that share the
// key and value loads (one query alone waits on FMA latency).
void attention_avx512(const AttentionCall& c) {
  constexpr int kQueries = 4;
  const int n = c.rows, hd = c.head_dim, hidden = c.heads * c.head_dim;
  const int padded = (n + 15) / 16 * 16;
  float* kt = c.scratch;                                          // head_dim × padded: keys, transposed
  float* e = c.scratch + static_cast<std::int64_t>(hd) * padded;  // kQueries × padded: weights
  const float scale = 1.0f / __builtin_sqrtf(static_cast<float>(hd));
  const __mmask16 last = tail_mask(n - (padded - 16));
  for (int h = 0; h < c.heads; ++h) {
    // Transpose the keys with gathers: 16 keys' dimension d per instruction.
    const float* keys = c.qkv + hidden + h * hd;
    for (int j = 0; j < padded; j += 16) {
      const __mmask16 valid = j + 16 < padded ? static_cast<__mmask16>(0xFFFF) : last;
      const __m512i rows = _mm512_mullo_epi32(
          _mm512_add_epi32(_mm512_set1_epi32(j),
                           _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)),
          _mm512_set1_epi32(c.ld_qkv));
      for (int d = 0; d < hd; ++d) {
        _mm512_storeu_ps(kt + static_cast<std::int64_t>(d) * padded + j,
                         _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, rows, keys + d, 4));
      }
    }
    for (int i0 = 0; i0 < n; i0 += kQueries) {
      // Queries past the end repeat the last one; their results are not stored.
      const float* q[kQueries];
      float* w[kQueries];
      for (int r = 0; r < kQueries; ++r) {
        q[r] = c.qkv + static_cast<std::int64_t>(min_int(i0 + r, n - 1)) * c.ld_qkv + h * hd;
        w[r] = e + static_cast<std::int64_t>(r) * padded;
      }
      __m512 top[kQueries];
      for (int r = 0; r < kQueries; ++r) top[r] = _mm512_set1_ps(-3.0e38f);
      for (int j = 0; j < padded; j += 16) {
        const __mmask16 valid = j + 16 < padded ? static_cast<__mmask16>(0xFFFF) : last;
        __m512 s[kQueries];
        for (int r = 0; r < kQueries; ++r) s[r] = _mm512_setzero_ps();
        for (int d = 0; d < hd; ++d) {
          const __m512 k = _mm512_loadu_ps(kt + static_cast<std::int64_t>(d) * padded + j);
          for (int r = 0; r < kQueries; ++r) s[r] = _mm512_fmadd_ps(_mm512_set1_ps(q[r][d]), k, s[r]);
        }
        for (int r = 0; r < kQueries; ++r) {
          s[r] = _mm512_mul_ps(s[r], _mm512_set1_ps(scale));
          _mm512_storeu_ps(w[r] + j, s[r]);
          top[r] = _mm512_mask_max_ps(top[r], valid, top[r], s[r]);
        }
      }
      __m512 inv[kQueries];
      for (int r = 0; r < kQueries; ++r) {
        const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(top[r]));
        __m512 sum = _mm512_setzero_ps();
        for (int j = 0; j < padded; j += 16) {
          const __mmask16 valid = j + 16 < padded ? static_cast<__mmask16>(0xFFFF) : last;
          const __m512 p = _mm512_maskz_mov_ps(valid, exp_ps(_mm512_sub_ps(_mm512_loadu_ps(w[r] + j), max)));
          _mm512_storeu_ps(w[r] + j, p);
          sum = _mm512_add_ps(sum, p);
        }
        inv[r] = _mm512_set1_ps(1.0f / hsum(sum));
      }
      // Weighted sums of the values, 64 dimensions at a time.
      for (int d0 = 0; d0 < hd; d0 += 64) {
        const float* values = c.qkv + 2 * hidden + h * hd + d0;
        float* out = c.ctx + static_cast<std::int64_t>(i0) * c.ld_ctx + h * hd + d0;
        const int stored = min_int(kQueries, n - i0);
        switch (min_int(4, (hd - d0 + 15) / 16)) {
          case 1:
            weighted_values<1>(values, c.ld_qkv, n, w, inv, hd - d0, out, c.ld_ctx, stored);
            break;
          case 2:
            weighted_values<2>(values, c.ld_qkv, n, w, inv, hd - d0, out, c.ld_ctx, stored);
            break;
          case 3:
            weighted_values<3>(values, c.ld_qkv, n, w, inv, hd - d0, out, c.ld_ctx, stored);
            break;
          default:
            weighted_values<4>(values, c.ld_qkv, n, w, inv, hd - d0, out, c.ld_ctx, stored);
            break;
        }
      }
    }
  }
}

void layer_norm_avx512(const LayerNormCall& c) {
  const float inv_dim = 1.0f / static_cast<float>(c.dim);
  for (int i = 0; i < c.rows; ++i) {
    const float* x = c.src + static_cast<std::int64_t>(i) * c.ld;
    float* y = c.dst + static_cast<std::int64_t>(i) * c.ld;
    __m512 s = _mm512_setzero_ps();
    for (int d = 0; d < c.dim; d += 16)
      s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(tail_mask(c.dim - d), x + d));
    const float mean = hsum(s) * inv_dim;
    const __m512 mv = _mm512_set1_ps(mean);
    __m512 q = _mm512_setzero_ps();
    for (int d = 0; d < c.dim; d += 16) {
      const __mmask16 m = tail_mask(c.dim - d);
      const __m512 v = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + d), mv);
      q = _mm512_fmadd_ps(v, v, q);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / __builtin_sqrtf(hsum(q) * inv_dim + c.eps));
    for (int d = 0; d < c.dim; d += 16) {
      const __mmask16 m = tail_mask(c.dim - d);
      const __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + d), mv), inv);
      _mm512_mask_storeu_ps(
          y + d, m,
          _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m, c.gamma + d), _mm512_maskz_loadu_ps(m, c.beta + d)));
    }
  }
}

void gelu_avx512(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i >= 16 ? 16 : static_cast<int>(n - i));
    _mm512_mask_storeu_ps(x + i, m, gelu_ps(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

const Kernels kAvx512{"avx512", linear_avx512, attention_avx512, layer_norm_avx512, gelu_avx512};

}  // namespace

const Kernels* avx512_kernels_if_built() { return &kAvx512; }

}  // namespace mn::bert

#pragma GCC diagnostic pop
#pragma GCC pop_options

#else

namespace mn::bert {
const Kernels* avx512_kernels_if_built() { return nullptr; }
}  // namespace mn::bert

#endif
