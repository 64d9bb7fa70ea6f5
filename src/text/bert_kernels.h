#pragma once
// The arithmetic of a BERT encoder layer: linear layers (GEMM with a fused bias, GELU or
// residual epilogue), self-attention over one unpadded sequence, LayerNorm. Two builds of the
// same functions: portable C++ and AVX-512 (its own translation unit, compiled for AVX-512 with
// `#pragma GCC target` since the build has no -march flag), picked at run time.
//
// The call structs hold raw pointers only: the AVX-512 unit must not instantiate standard-library
// templates, whose out-of-line copies the linker could share with code that runs on any CPU.
#include <cstddef>
#include <cstdlib>
#include <memory>

namespace mn::bert {

// Output columns per packed weight panel (three AVX-512 vectors) and rows per micro-tile.
inline constexpr int kPanelWidth = 48;
inline constexpr int kTileRows = 8;
// Rows × inner-dimension block of the activations that the weight panels sweep over (it stays
// in L2 while every panel passes).
// (Measured: 48-192 rows and 192-1536 deep all run within noise of each other here.)
inline constexpr int kBlockRows = 96;
inline constexpr int kBlockDepth = 384;

// Zeroed floats on a 64-byte boundary (a cache line: vector loads never straddle two).
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(std::size_t n);
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
  std::size_t size_ = 0;
};

// A linear layer y = x·Wᵀ + b (PyTorch nn.Linear layout: weight [out][in]) packed into panels of
// kPanelWidth output columns, each stored row by row over the inner dimension (in × kPanelWidth),
// padded with zero columns.
struct PackedLinear {
  int in = 0;
  int out = 0;
  AlignedFloats panels;
  AlignedFloats bias;  // out rounded up to kPanelWidth
};
PackedLinear pack_linear(const float* weight, const float* bias, int out, int in);

enum class Activation : int { kNone = 0, kGelu = 1 };

// y[rows × out] = act(x·Wᵀ + b) + residual (residual may be null). Strides are in floats.
struct LinearCall {
  const float* x = nullptr;
  int ldx = 0;
  int rows = 0;
  const float* panels = nullptr;
  const float* bias = nullptr;
  int in = 0;
  int out = 0;
  float* y = nullptr;
  int ldy = 0;
  const float* residual = nullptr;
  int ldr = 0;
  Activation activation = Activation::kNone;
};

// Self-attention of one sequence (no padding, so no mask): each row of qkv holds the query, key
// and value projections (heads × head_dim each); ctx receives softmax(q·kᵀ/√head_dim)·v per head.
struct AttentionCall {
  const float* qkv = nullptr;
  int ld_qkv = 0;
  float* ctx = nullptr;
  int ld_ctx = 0;
  int rows = 0;
  int heads = 0;
  int head_dim = 0;
  float* scratch = nullptr;  // attention_scratch_floats(rows, head_dim)
};
std::size_t attention_scratch_floats(int rows, int head_dim);

// dst = LayerNorm(src) · gamma + beta per row (dst may be src).
struct LayerNormCall {
  const float* src = nullptr;
  float* dst = nullptr;
  int ld = 0;
  int rows = 0;
  int dim = 0;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float eps = 1e-12f;
};

struct Kernels {
  const char* name;
  void (*linear)(const LinearCall&);
  void (*attention)(const AttentionCall&);
  void (*layer_norm)(const LayerNormCall&);
  void (*gelu)(float* x, std::size_t n);  // in place, exact-erf GELU (exposed for tests)
};

enum class KernelChoice { kAuto, kGeneric };

const Kernels& generic_kernels();
// Null when the CPU (or the compiler) has no AVX-512.
const Kernels* avx512_kernels();
const Kernels& select_kernels(KernelChoice choice);

}  // namespace mn::bert
