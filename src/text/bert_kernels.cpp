// The portable kernels (any CPU) and the run-time choice between them and the AVX-512 ones.
#include "text/bert_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

namespace mn::bert {

const Kernels* avx512_kernels_if_built();  // bert_kernels_avx512.cpp

AlignedFloats::AlignedFloats(std::size_t n) : size_(n) {
  const std::size_t bytes = std::max<std::size_t>(64, (n * sizeof(float) + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
}

PackedLinear pack_linear(const float* weight, const float* bias, int out, int in) {
  PackedLinear p;
  p.in = in;
  p.out = out;
  const int panels = (out + kPanelWidth - 1) / kPanelWidth;
  p.panels = AlignedFloats(static_cast<std::size_t>(panels) * static_cast<std::size_t>(in) * kPanelWidth);
  p.bias = AlignedFloats(static_cast<std::size_t>(panels) * kPanelWidth);
  for (int n = 0; n < out; ++n) {
    float* panel = p.panels.data() +
                   static_cast<std::size_t>(n / kPanelWidth) * static_cast<std::size_t>(in) * kPanelWidth;
    const float* row = weight + static_cast<std::size_t>(n) * static_cast<std::size_t>(in);
    for (int k = 0; k < in; ++k) panel[static_cast<std::size_t>(k) * kPanelWidth + n % kPanelWidth] = row[k];
    p.bias.data()[n] = bias[n];
  }
  return p;
}

std::size_t attention_scratch_floats(int rows, int head_dim) {
  const std::size_t padded = (static_cast<std::size_t>(rows) + 15) / 16 * 16;
  // Keys transposed, and the weights of four queries (the AVX-512 kernel's group).
  return padded * static_cast<std::size_t>(head_dim) + 4 * padded + 64;
}

namespace {

float gelu_scalar(float x) {
  // 0.5·x·(1 + erf(x/√2)), written with erfc so that the negative tail keeps its precision.
  const double v = x;
  return static_cast<float>(0.5 * v * std::erfc(-v * 0.70710678118654752440));
}

void linear_generic(const LinearCall& c) {
  std::vector<float> acc(kPanelWidth);
  const int panels = (c.out + kPanelWidth - 1) / kPanelWidth;
  for (int i = 0; i < c.rows; ++i) {
    const float* x = c.x + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ldx);
    for (int p = 0; p < panels; ++p) {
      const float* panel =
          c.panels + static_cast<std::size_t>(p) * static_cast<std::size_t>(c.in) * kPanelWidth;
      std::copy_n(c.bias + static_cast<std::size_t>(p) * kPanelWidth, kPanelWidth, acc.begin());
      for (int k = 0; k < c.in; ++k) {
        const float a = x[k];
        const float* w = panel + static_cast<std::size_t>(k) * kPanelWidth;
        for (int j = 0; j < kPanelWidth; ++j) acc[static_cast<std::size_t>(j)] += a * w[j];
      }
      const int cols = std::min(kPanelWidth, c.out - p * kPanelWidth);
      float* y = c.y + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ldy) + p * kPanelWidth;
      const float* r =
          c.residual == nullptr
              ? nullptr
              : c.residual + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ldr) + p * kPanelWidth;
      for (int j = 0; j < cols; ++j) {
        float v = acc[static_cast<std::size_t>(j)];
        if (c.activation == Activation::kGelu) v = gelu_scalar(v);
        if (r != nullptr) v += r[j];
        y[j] = v;
      }
    }
  }
}

void attention_generic(const AttentionCall& c) {
  const int hidden = c.heads * c.head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  float* scores = c.scratch;
  for (int h = 0; h < c.heads; ++h) {
    for (int i = 0; i < c.rows; ++i) {
      const float* q =
          c.qkv + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ld_qkv) + h * c.head_dim;
      float top = -INFINITY;
      for (int j = 0; j < c.rows; ++j) {
        const float* k = c.qkv + static_cast<std::size_t>(j) * static_cast<std::size_t>(c.ld_qkv) + hidden +
                         h * c.head_dim;
        float s = 0;
        for (int d = 0; d < c.head_dim; ++d) s += q[d] * k[d];
        scores[j] = s * scale;
        top = std::max(top, scores[j]);
      }
      float sum = 0;
      for (int j = 0; j < c.rows; ++j) {
        scores[j] = std::exp(scores[j] - top);
        sum += scores[j];
      }
      const float inv = 1.0f / sum;
      float* out = c.ctx + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ld_ctx) + h * c.head_dim;
      for (int d = 0; d < c.head_dim; ++d) out[d] = 0;
      for (int j = 0; j < c.rows; ++j) {
        const float* v = c.qkv + static_cast<std::size_t>(j) * static_cast<std::size_t>(c.ld_qkv) +
                         2 * hidden + h * c.head_dim;
        for (int d = 0; d < c.head_dim; ++d) out[d] += scores[j] * v[d];
      }
      for (int d = 0; d < c.head_dim; ++d) out[d] *= inv;
    }
  }
}

void layer_norm_generic(const LayerNormCall& c) {
  for (int i = 0; i < c.rows; ++i) {
    const float* x = c.src + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ld);
    float* y = c.dst + static_cast<std::size_t>(i) * static_cast<std::size_t>(c.ld);
    float sum = 0;
    for (int d = 0; d < c.dim; ++d) sum += x[d];
    const float mean = sum / static_cast<float>(c.dim);
    float sq = 0;
    for (int d = 0; d < c.dim; ++d) sq += (x[d] - mean) * (x[d] - mean);
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(c.dim) + c.eps);
    for (int d = 0; d < c.dim; ++d) y[d] = (x[d] - mean) * inv * c.gamma[d] + c.beta[d];
  }
}

void gelu_generic(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = gelu_scalar(x[i]);
}

}  // namespace

const Kernels& generic_kernels() {
  static const Kernels k{"generic", linear_generic, attention_generic, layer_norm_generic, gelu_generic};
  return k;
}

const Kernels* avx512_kernels() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  if (supported) return avx512_kernels_if_built();
#endif
  return nullptr;
}

const Kernels& select_kernels(KernelChoice choice) {
  if (choice == KernelChoice::kAuto) {
    if (const Kernels* k = avx512_kernels()) return *k;
  }
  return generic_kernels();
}

}  // namespace mn::bert
