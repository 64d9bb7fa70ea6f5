// The randomised truncated SVD against Eigen's exact SVD, its determinism under seeds and threads,
// rank-deficient and degenerate inputs, and the Gaussian numbers it starts from.
#include "text/randomized_svd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <eigen3/Eigen/Dense>
#include <random>

#include "util/error.h"

namespace mn {
namespace {

struct Sparse {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  std::vector<std::int64_t> indptr;
  std::vector<std::int32_t> indices;
  std::vector<float> values;
  SparseRowsView view() const { return {rows, cols, indptr, indices, values}; }
  Eigen::MatrixXd dense() const {
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(rows, cols);
    for (std::int32_t r = 0; r < rows; ++r) {
      for (auto p = indptr[static_cast<std::size_t>(r)]; p < indptr[static_cast<std::size_t>(r) + 1]; ++p) {
        d(r, indices[static_cast<std::size_t>(p)]) = values[static_cast<std::size_t>(p)];
      }
    }
    return d;
  }
};

// A random sparse matrix whose columns fall off in scale, so that its spectrum decays like a
// term-document matrix's.
Sparse random_sparse(std::int32_t rows, std::int32_t cols, double density, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Sparse s;
  s.rows = rows;
  s.cols = cols;
  s.indptr.push_back(0);
  for (std::int32_t r = 0; r < rows; ++r) {
    for (std::int32_t c = 0; c < cols; ++c) {
      if (u(rng) < density) {
        s.indices.push_back(c);
        s.values.push_back(static_cast<float>((0.5 + u(rng)) / (1.0 + 0.05 * c)));
      }
    }
    s.indptr.push_back(static_cast<std::int64_t>(s.indices.size()));
  }
  return s;
}

TEST(RandomizedSvdTest, MatchesExactSvd) {
  const Sparse a = random_sparse(300, 200, 0.05, 1);
  const Eigen::MatrixXd dense = a.dense();
  const Eigen::BDCSVD<Eigen::MatrixXd> exact(dense, Eigen::ComputeThinU | Eigen::ComputeThinV);
  // Default options: the top values to 1e-3 (the trailing ones converge more slowly on this
  // flat random spectrum).
  RandomizedSvdOptions o;
  o.rank = 20;
  const TruncatedSvd quick = randomized_svd(a.view(), o);
  ASSERT_EQ(quick.rank, 20);
  for (int j = 0; j < 10; ++j) {
    const double s = exact.singularValues()(j);
    EXPECT_NEAR(quick.singular_values[static_cast<std::size_t>(j)], s, 1e-3 * s) << j;
  }
  // Converged, all of them agree to float precision.
  o.power_iterations = 20;
  const TruncatedSvd svd = randomized_svd(a.view(), o);
  for (int j = 0; j < svd.rank; ++j) {
    const double s = exact.singularValues()(j);
    EXPECT_NEAR(svd.singular_values[static_cast<std::size_t>(j)], s, 1e-5 * s) << j;
  }
  // The singular vectors agree up to sign; U and V have orthonormal columns; A v = s u.
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> u(svd.u.data(),
                                                                                             300, 20);
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> v(svd.v.data(),
                                                                                             200, 20);
  for (int j = 0; j < 20; ++j) {
    EXPECT_NEAR(std::abs(u.col(j).dot(exact.matrixU().col(j))), 1.0, 1e-3) << j;
    EXPECT_NEAR(std::abs(v.col(j).dot(exact.matrixV().col(j))), 1.0, 1e-3) << j;
  }
  EXPECT_LT((u.transpose() * u - Eigen::MatrixXd::Identity(20, 20)).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((v.transpose() * v - Eigen::MatrixXd::Identity(20, 20)).cwiseAbs().maxCoeff(), 1e-4);
  for (int j = 0; j < 20; ++j) {
    const double s = svd.singular_values[static_cast<std::size_t>(j)];
    EXPECT_LT((dense * v.col(j) - s * u.col(j)).norm(), 1e-4 * svd.singular_values[0]) << j;
  }
  EXPECT_TRUE(std::is_sorted(svd.singular_values.rbegin(), svd.singular_values.rend()));
}

TEST(RandomizedSvdTest, WideMatrixAndNoPowerIterations) {
  const Sparse a = random_sparse(80, 500, 0.1, 2);
  const Eigen::BDCSVD<Eigen::MatrixXd> exact(a.dense());
  RandomizedSvdOptions o;
  o.rank = 10;
  o.power_iterations = 0;
  o.oversampling = 30;
  const TruncatedSvd svd = randomized_svd(a.view(), o);
  // Without power iterations only the top values are close.
  EXPECT_NEAR(svd.singular_values[0], exact.singularValues()(0), 1e-3 * exact.singularValues()(0));
  o.power_iterations = 6;
  const TruncatedSvd better = randomized_svd(a.view(), o);
  for (int j = 0; j < 10; ++j) {
    EXPECT_NEAR(better.singular_values[static_cast<std::size_t>(j)], exact.singularValues()(j),
                1e-3 * exact.singularValues()(j));
  }
}

TEST(RandomizedSvdTest, DeterministicUnderSeedAndThreads) {
  const Sparse a = random_sparse(3000, 1500, 0.01, 3);  // several row chunks
  RandomizedSvdOptions o;
  o.rank = 32;
  o.threads = 1;
  const TruncatedSvd one = randomized_svd(a.view(), o);
  o.threads = 2;
  const TruncatedSvd two = randomized_svd(a.view(), o);
  EXPECT_EQ(one.singular_values, two.singular_values);
  EXPECT_EQ(one.u, two.u);
  EXPECT_EQ(one.v, two.v);
  o.threads = 3;
  EXPECT_EQ(randomized_svd(a.view(), o).v, one.v);
  o.seed = 99;
  const TruncatedSvd other = randomized_svd(a.view(), o);
  EXPECT_NE(other.v, one.v);
  EXPECT_NEAR(other.singular_values[0], one.singular_values[0], 1e-4 * one.singular_values[0]);
}

TEST(RandomizedSvdTest, RankDeficientAndDegenerateInputs) {
  // Rank 3: a 40 x 30 matrix built from three row patterns.
  Sparse a;
  a.rows = 40;
  a.cols = 30;
  a.indptr.push_back(0);
  for (std::int32_t r = 0; r < 40; ++r) {
    for (std::int32_t c = (r % 3) * 10; c < (r % 3) * 10 + 10; ++c) {
      a.indices.push_back(c);
      a.values.push_back(static_cast<float>(1 + r % 5));
    }
    a.indptr.push_back(static_cast<std::int64_t>(a.indices.size()));
  }
  RandomizedSvdOptions o;
  o.rank = 8;
  const TruncatedSvd svd = randomized_svd(a.view(), o);
  EXPECT_EQ(svd.rank, 8);
  const Eigen::BDCSVD<Eigen::MatrixXd> exact(a.dense());
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(svd.singular_values[static_cast<std::size_t>(j)], exact.singularValues()(j),
                1e-4 * exact.singularValues()(0));
  }
  for (int j = 3; j < 8; ++j) {
    EXPECT_EQ(svd.singular_values[static_cast<std::size_t>(j)], 0.0) << j;
    for (std::int32_t c = 0; c < 30; ++c) EXPECT_EQ(svd.v[static_cast<std::size_t>(c * 8 + j)], 0.0);
  }
  // Rank is capped by the smaller side; an empty matrix has rank 0.
  o.rank = 100;
  EXPECT_EQ(randomized_svd(a.view(), o).rank, 30);
  Sparse empty;
  empty.indptr = {0};
  EXPECT_EQ(randomized_svd(empty.view(), o).rank, 0);
  // A broken view is refused.
  Sparse bad = a;
  bad.indices[3] = 30;
  EXPECT_THROW(randomized_svd(bad.view(), o), Error);
}

TEST(RandomizedSvdTest, GaussianNumbers) {
  std::vector<double> x(200001);
  fill_gaussian(5, x);
  double mean = 0;
  double var = 0;
  for (const double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (const double v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.01);
  std::size_t beyond2 = 0;
  for (const double v : x) beyond2 += std::abs(v) > 2;
  EXPECT_NEAR(static_cast<double>(beyond2) / static_cast<double>(x.size()), 0.0455, 0.003);
  std::vector<double> y(x.size());
  fill_gaussian(5, y);
  EXPECT_EQ(x, y);
  fill_gaussian(6, y);
  EXPECT_NE(x, y);
}

}  // namespace
}  // namespace mn
