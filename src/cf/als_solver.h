#pragma once
// The numeric core of implicit ALS (Hu, Koren, Volinsky 2008) as implicit 0.7.2 computes it
// (implicit/cpu/_als.pyx): the conjugate-gradient row solver warm-started from the previous
// factors, the exact Cholesky solver, the Gram matrix and the training loss.
//
// Factors are float32 rows padded to a multiple of 16 floats (zeros in the padding), so that the
// SIMD kernels need no tail handling. Kernels exist for AVX-512, AVX2+FMA and portable C++; the
// best one the CPU supports is picked at run time (MOVIENIGHT_ALS_ISA=generic|avx2|avx512 caps it).
//
// Every row is solved from the same inputs whatever the thread count, and the Gram matrix is summed
// over a fixed chunking, so results do not depend on the number of threads.
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace mn::als {

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}  // NOLINT: rebinding must be implicit
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};
using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

// Rows of factors, row-major with stride ld >= k (ld a multiple of 16, padding zero).
struct Factors {
  std::int32_t rows = 0;
  int k = 0;
  std::int64_t ld = 0;
  AlignedFloats data;

  static std::int64_t padded(int k) { return (static_cast<std::int64_t>(k) + 15) / 16 * 16; }
  void resize(std::int32_t n_rows, int n_factors);
  float* row(std::int64_t r) { return data.data() + r * ld; }
  const float* row(std::int64_t r) const { return data.data() + r * ld; }
};

// A CSR matrix seen through pointers (the confidences Cui or their transpose Ciu).
struct CsrView {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  const std::int64_t* indptr = nullptr;
  const std::int32_t* indices = nullptr;
  const float* values = nullptr;
};

enum class Isa { kGeneric, kAvx2, kAvx512 };
const char* isa_name(Isa isa);
// The ISAs this CPU can run, best last.
std::vector<Isa> supported_isas();
// The best supported ISA, capped by MOVIENIGHT_ALS_ISA when set.
Isa default_isa();

// Arguments of one pass of row solves: X rows from Y, with G = YtY + reg * I (ld x ld, padding
// zero). Used by the kernels; callers use the functions below.
struct SolveArgs {
  CsrView c;
  const float* y = nullptr;
  float* x = nullptr;
  std::int64_t ld = 0;
  int k = 0;
  const float* g = nullptr;
  int cg_steps = 3;
};

// One instruction set's kernels (als_solver_kernels.inc, compiled once per ISA).
struct Kernels {
  // implicit's _least_squares_cg for rows [begin, end) of args.c, updating args.x in place.
  void (*cg_rows)(const SolveArgs& args, std::int32_t begin, std::int32_t end);
  // A = G + sum (|c| - 1) y y^T and b = sum_{c > 0} c y over row r's entries (A is ld x ld).
  void (*normal_equations)(const SolveArgs& args, const std::int32_t* items, const float* values,
                           std::int64_t n, float* a, float* b);
  // G += sum y y^T over rows [begin, end) of f (G is ld x ld; only the k x k block is written).
  void (*gram_rows)(const float* f, std::int64_t ld, int k, std::int64_t begin, std::int64_t end, float* g);
  // out[i] = f.row(i) . q for i < n.
  void (*dot_rows)(const float* f, std::int64_t ld, std::int64_t n, const float* q, float* out);
  // implicit's calculate_loss numerator for row r: x^T (G x) + sum |c| + sum ((|c|-1)(y.x) - 2 c+) (y.x),
  // with G = YtY (no regularisation).
  double (*loss_row)(const SolveArgs& args, std::int32_t r);
};
const Kernels& kernels(Isa isa);

// Deterministic Gram matrix f^T f + reg * I (ld x ld floats, zero padding), summed in double over a
// chunking that depends only on f.rows.
std::vector<float> gram(const Factors& f, double reg, int threads, Isa isa);

// One half-iteration: every row of x solved against y. CG is warm-started from x (implicit's
// least_squares_cg); Cholesky solves exactly (implicit's least_squares). Empty rows become zero.
// Cholesky throws Error(kInvalidInput) when a system is not positive definite.
void solve_cg(const CsrView& c, const Factors& y, Factors& x, double reg, int cg_steps, int threads, Isa isa);
void solve_cholesky(const CsrView& c, const Factors& y, Factors& x, double reg, int threads, Isa isa);

// Exact least squares of one row against frozen factors y with g = YtY + reg * I (implicit's
// recalculate_user): returns k floats (zeros for an empty history). Throws like solve_cholesky.
std::vector<float> solve_row(const std::int32_t* items, const float* values, std::int64_t n, const Factors& y,
                             const std::vector<float>& g, Isa isa);

// implicit's calculate_loss: the confidence-weighted squared error plus reg * (|X|^2 + |Y|^2),
// divided by (sum |c| + rows * cols - nnz). Deterministic for any thread count.
double training_loss(const CsrView& c, const Factors& x, const Factors& y, double reg, int threads, Isa isa);

// Solves the symmetric positive definite k x k system a (row stride lda) in place in double
// precision; the solution replaces b. Returns false when a is not positive definite.
bool cholesky_solve(std::vector<double>& a, std::int64_t lda, int k, std::vector<double>& b);

}  // namespace mn::als
