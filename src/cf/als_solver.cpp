#include "cf/als_solver.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "util/error.h"

namespace mn::als {

const Kernels* avx512_kernels();
const Kernels* avx2_kernels();

namespace generic_isa {
namespace {

// Portable kernels: GCC/Clang vector extensions (SSE2 on a baseline x86-64 build).
struct S {
  using V = float __attribute__((vector_size(16)));
  static constexpr int kWidth = 4;
  static V zero() { return V{0, 0, 0, 0}; }
  static V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
  static V set1(float f) { return V{f, f, f, f}; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static float hsum(V v) { return (v[0] + v[2]) + (v[1] + v[3]); }
  using V4 = V;
  static V4 load4(const float* p) { return load(p); }
  static void store4(float* p, V4 v) { store(p, v); }
  static V4 set4(float f) { return set1(f); }
  static V4 abs4(V4 v) { return v < 0 ? -v : v; }
  static V4 pos4(V4 v) { return v > 0 ? v : zero(); }
  static V4 hsum4(V a, V b, V c, V d) { return V{hsum(a), hsum(b), hsum(c), hsum(d)}; }
  static void splat4(V4 v, V& a, V& b, V& c, V& d) {
    a = set1(v[0]);
    b = set1(v[1]);
    c = set1(v[2]);
    d = set1(v[3]);
  }
  static void prefetch(const float* p) { __builtin_prefetch(p); }
};

#include "cf/als_solver_kernels.inc"

}  // namespace
}  // namespace generic_isa

void Factors::resize(std::int32_t n_rows, int n_factors) {
  rows = n_rows;
  k = n_factors;
  ld = padded(n_factors);
  data.assign(static_cast<std::size_t>(static_cast<std::int64_t>(n_rows) * ld), 0.0f);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kGeneric:
      return "generic";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas = {Isa::kGeneric};
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (avx2_kernels() != nullptr && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isas.push_back(Isa::kAvx2);
  }
  if (avx512_kernels() != nullptr && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma")) {
    isas.push_back(Isa::kAvx512);
  }
#endif
  return isas;
}

Isa default_isa() {
  static const Isa isa = [] {
    const std::vector<Isa> isas = supported_isas();
    Isa best = isas.back();
    if (const char* env = std::getenv("MOVIENIGHT_ALS_ISA"); env != nullptr && *env != '\0') {
      const std::string_view want = env;
      // The cap: the best supported ISA not above the one named.
      for (const Isa i : isas) {
        if (i <= best && want == isa_name(i)) best = i;
      }
    }
    return best;
  }();
  return isa;
}

const Kernels& kernels(Isa isa) {
  const Kernels* k = nullptr;
  if (isa == Isa::kAvx512) k = avx512_kernels();
  if (isa == Isa::kAvx2) k = avx2_kernels();
  return k != nullptr ? *k : generic_isa::kKernels;
}

namespace {

int resolve_threads(int threads) { return threads > 0 ? threads : std::max(1, omp_get_max_threads()); }

SolveArgs solve_args(const CsrView& c, const Factors& y, Factors& x, const std::vector<float>& g,
                     int cg_steps) {
  SolveArgs a;
  a.c = c;
  a.y = y.data.data();
  a.x = x.data.data();
  a.ld = y.ld;
  a.k = y.k;
  a.g = g.data();
  a.cg_steps = cg_steps;
  return a;
}

void check_shapes(const CsrView& c, const Factors& y, const Factors& x) {
  if (x.rows != c.rows || y.rows != c.cols || x.k != y.k || x.ld != y.ld) {
    throw Error(ErrorKind::kInternal, "als: factor shapes do not match the matrix");
  }
}

constexpr std::int32_t kRowBlock = 16;  // rows per dynamic-schedule grab

}  // namespace

std::vector<float> gram(const Factors& f, double reg, int threads, Isa isa) {
  const std::int64_t ld = f.ld;
  const std::int64_t rows = f.rows;
  // The chunking depends only on the row count, so the sum is the same for any thread count.
  const std::int64_t chunk = std::max<std::int64_t>(2048, (rows + 255) / 256);
  const std::int64_t chunks = (rows + chunk - 1) / chunk;
  std::vector<float> partial(static_cast<std::size_t>(chunks * ld * ld), 0.0f);
  const Kernels& kr = kernels(isa);
#pragma omp parallel for schedule(dynamic, 1) num_threads(resolve_threads(threads))
  for (std::int64_t c = 0; c < chunks; ++c) {
    kr.gram_rows(f.data.data(), ld, f.k, c * chunk, std::min(rows, (c + 1) * chunk),
                 partial.data() + c * ld * ld);
  }
  std::vector<double> sum(static_cast<std::size_t>(ld * ld), 0.0);
  for (std::int64_t c = 0; c < chunks; ++c) {
    const float* p = partial.data() + c * ld * ld;
    for (std::size_t e = 0; e < sum.size(); ++e) sum[e] += p[e];
  }
  std::vector<float> g(sum.size(), 0.0f);
  for (std::size_t e = 0; e < sum.size(); ++e) g[e] = static_cast<float>(sum[e]);
  for (std::int64_t j = 0; j < f.k; ++j) g[static_cast<std::size_t>(j * ld + j)] += static_cast<float>(reg);
  return g;
}

void solve_cg(const CsrView& c, const Factors& y, Factors& x, double reg, int cg_steps, int threads,
              Isa isa) {
  check_shapes(c, y, x);
  const std::vector<float> g = gram(y, reg, threads, isa);
  const SolveArgs args = solve_args(c, y, x, g, cg_steps);
  const Kernels& kr = kernels(isa);
  const std::int32_t blocks = (c.rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for schedule(dynamic, 1) num_threads(resolve_threads(threads))
  for (std::int32_t b = 0; b < blocks; ++b) {
    kr.cg_rows(args, b * kRowBlock, std::min(c.rows, (b + 1) * kRowBlock));
  }
}

bool cholesky_solve(std::vector<double>& a, std::int64_t lda, int k, std::vector<double>& b) {
  // a = L L^T with L in the lower triangle (row-major, so the inner sums run along rows).
  for (std::int64_t j = 0; j < k; ++j) {
    double* lj = a.data() + j * lda;
    double s = lj[j];
    for (std::int64_t m = 0; m < j; ++m) s -= lj[m] * lj[m];
    if (!(s > 0) || !std::isfinite(s)) return false;
    lj[j] = std::sqrt(s);
    for (std::int64_t i = j + 1; i < k; ++i) {
      double* li = a.data() + i * lda;
      double t = li[j];
#pragma omp simd reduction(- : t)
      for (std::int64_t m = 0; m < j; ++m) t -= li[m] * lj[m];
      li[j] = t / lj[j];
    }
  }
  for (std::int64_t i = 0; i < k; ++i) {  // L z = b
    const double* li = a.data() + i * lda;
    double t = b[static_cast<std::size_t>(i)];
    for (std::int64_t m = 0; m < i; ++m) t -= li[m] * b[static_cast<std::size_t>(m)];
    b[static_cast<std::size_t>(i)] = t / li[i];
  }
  for (std::int64_t i = k - 1; i >= 0; --i) {  // L^T x = z
    double t = b[static_cast<std::size_t>(i)];
    for (std::int64_t m = i + 1; m < k; ++m)
      t -= a[static_cast<std::size_t>(m * lda + i)] * b[static_cast<std::size_t>(m)];
    b[static_cast<std::size_t>(i)] = t / a[static_cast<std::size_t>(i * lda + i)];
  }
  return true;
}

namespace {

// A = G + Y^T (C - I) Y, b = Y^T C p for one row, solved in double. False when not positive definite.
struct RowSolver {
  explicit RowSolver(std::int64_t ld, int k)
      : a(static_cast<std::size_t>(ld * ld)),
        b(static_cast<std::size_t>(ld)),
        ad(static_cast<std::size_t>(k) * static_cast<std::size_t>(k)),
        bd(static_cast<std::size_t>(k)) {}
  bool solve(const SolveArgs& args, const std::int32_t* items, const float* values, std::int64_t n,
             float* out) {
    const Kernels& kr = kernels(isa);
    kr.normal_equations(args, items, values, n, a.data(), b.data());
    const int k = args.k;
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < k; ++j) {
        ad[static_cast<std::size_t>(i * k + j)] = a[static_cast<std::size_t>(i * args.ld + j)];
      }
      bd[static_cast<std::size_t>(i)] = b[static_cast<std::size_t>(i)];
    }
    if (!cholesky_solve(ad, k, k, bd)) return false;
    for (int i = 0; i < k; ++i) out[i] = static_cast<float>(bd[static_cast<std::size_t>(i)]);
    return true;
  }
  Isa isa = Isa::kGeneric;
  std::vector<float> a, b;
  std::vector<double> ad, bd;
};

[[noreturn]] void not_positive_definite(const std::string& what) {
  throw Error(ErrorKind::kInvalidInput, "als: the least-squares system of " + what +
                                            " is not positive definite; try increasing regularization");
}

}  // namespace

void solve_cholesky(const CsrView& c, const Factors& y, Factors& x, double reg, int threads, Isa isa) {
  check_shapes(c, y, x);
  const std::vector<float> g = gram(y, reg, threads, isa);
  const SolveArgs args = solve_args(c, y, x, g, 0);
  std::atomic<std::int64_t> failed{std::numeric_limits<std::int64_t>::max()};
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    RowSolver solver(x.ld, x.k);
    solver.isa = isa;
#pragma omp for schedule(dynamic, kRowBlock)
    for (std::int32_t u = 0; u < c.rows; ++u) {
      float* xu = x.row(u);
      std::fill(xu, xu + x.ld, 0.0f);
      const std::int64_t begin = c.indptr[u];
      const std::int64_t n = c.indptr[u + 1] - begin;
      if (n == 0) continue;
      if (!solver.solve(args, c.indices + begin, c.values + begin, n, xu)) {
        std::int64_t prev = failed.load();
        while (u < prev && !failed.compare_exchange_weak(prev, u)) {
        }
      }
    }
  }
  if (failed.load() != std::numeric_limits<std::int64_t>::max())
    not_positive_definite("row " + std::to_string(failed.load()));
}

std::vector<float> solve_row(const std::int32_t* items, const float* values, std::int64_t n, const Factors& y,
                             const std::vector<float>& g, Isa isa) {
  std::vector<float> out(static_cast<std::size_t>(y.k), 0.0f);
  if (n == 0) return out;
  SolveArgs args;
  args.y = y.data.data();
  args.ld = y.ld;
  args.k = y.k;
  args.g = g.data();
  RowSolver solver(y.ld, y.k);
  solver.isa = isa;
  if (!solver.solve(args, items, values, n, out.data())) not_positive_definite("the history");
  return out;
}

double training_loss(const CsrView& c, const Factors& x, const Factors& y, double reg, int threads, Isa isa) {
  check_shapes(c, y, x);
  const std::vector<float> g = gram(y, 0.0, threads, isa);
  Factors& xm = const_cast<Factors&>(x);  // loss_row only reads x
  const SolveArgs args = solve_args(c, y, xm, g, 0);
  const Kernels& kr = kernels(isa);
  // Per-chunk partial sums added in chunk order: the same total for any thread count.
  constexpr std::int32_t kChunk = 1024;
  const std::int32_t chunks = (c.rows + kChunk - 1) / kChunk;
  std::vector<double> loss(static_cast<std::size_t>(chunks), 0.0);
  std::vector<double> norms(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(dynamic, 1) num_threads(resolve_threads(threads))
  for (std::int32_t ch = 0; ch < chunks; ++ch) {
    double l = 0, nrm = 0;
    for (std::int32_t u = ch * kChunk; u < std::min(c.rows, (ch + 1) * kChunk); ++u) {
      l += kr.loss_row(args, u);
      const float* xu = x.row(u);
      for (int f = 0; f < x.k; ++f) nrm += static_cast<double>(xu[f]) * xu[f];
    }
    loss[static_cast<std::size_t>(ch)] = l;
    norms[static_cast<std::size_t>(ch)] = nrm;
  }
  double total = 0, user_norm = 0, item_norm = 0, confidence = 0;
  for (std::size_t ch = 0; ch < loss.size(); ++ch) {
    total += loss[ch];
    user_norm += norms[ch];
  }
  for (std::int32_t i = 0; i < y.rows; ++i) {
    const float* yi = y.row(i);
    for (int f = 0; f < y.k; ++f) item_norm += static_cast<double>(yi[f]) * yi[f];
  }
  const std::int64_t nnz = c.indptr[c.rows];
  for (std::int64_t e = 0; e < nnz; ++e) confidence += std::abs(static_cast<double>(c.values[e]));
  total += reg * (item_norm + user_norm);
  const double cells = static_cast<double>(c.rows) * static_cast<double>(c.cols) - static_cast<double>(nnz);
  return total / (confidence + cells);
}

}  // namespace mn::als
