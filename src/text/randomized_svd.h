#pragma once
// Truncated SVD of a sparse matrix by randomised subspace iteration (Halko, Martinsson & Tropp
// 2011, algorithms 4.4 and 5.1): a Gaussian test matrix, power iterations that re-orthonormalise
// (Cholesky QR) after every multiplication by A A^T, then the small projected problem: for
// B = Q^T A, the eigendecomposition of the k x k matrix B B^T (formed from the smaller side of A,
// where an SVD of B itself would cost k^2 x vocabulary), U = Q W, V = A^T U S^-1.
//
// Precision: the iteration runs in float (see the .cpp), so values and vectors are good to about
// 1e-5 relative once converged; singular values below 1e-3 of the largest are returned as 0.
// Deterministic: the same matrix and seed give bit-identical factors whatever the thread count
// (every parallel loop writes disjoint rows in a fixed order; sums run over fixed-size chunks).
#include <cstdint>
#include <span>
#include <vector>

namespace mn {

// A compressed-sparse-row matrix the caller owns (mn::CsrMatrix converts by pointing at its arrays).
struct SparseRowsView {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  std::span<const std::int64_t> indptr;   // rows + 1
  std::span<const std::int32_t> indices;  // column of each entry
  std::span<const float> values;
};

struct RandomizedSvdOptions {
  int rank = 256;            // singular triplets wanted
  int oversampling = 10;     // extra columns of the test matrix
  int power_iterations = 5;  // multiplications by A A^T after the first
  std::uint64_t seed = 0;    // std::mt19937_64 seed of the Gaussian test matrix
  int threads = 0;           // 0: OpenMP's default
};

struct TruncatedSvd {
  int rank = 0;                         // min(options.rank, rows, cols)
  std::vector<double> singular_values;  // rank, descending
  std::vector<double> u;                // rows x rank, row-major
  std::vector<double> v;                // cols x rank, row-major (zero where a singular value is 0)
};

// Throws mn::Error (internal) for an inconsistent view.
TruncatedSvd randomized_svd(const SparseRowsView& a, const RandomizedSvdOptions& options);

// Standard normal numbers from std::mt19937_64 by Marsaglia's polar method, written here so that
// they are the same under every standard library (std::normal_distribution's is unspecified).
void fill_gaussian(std::uint64_t seed, std::span<double> out);

}  // namespace mn
