#include "index/half_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace mn {
namespace {

// Unit-length rows, as the content embeddings are.
std::vector<float> unit_rows(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> rows(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (std::size_t k = 0; k < dim; ++k) {
      rows[i * dim + k] = normal(rng);
      norm += static_cast<double>(rows[i * dim + k]) * rows[i * dim + k];
    }
    for (std::size_t k = 0; k < dim; ++k) rows[i * dim + k] /= static_cast<float>(std::sqrt(norm));
  }
  return rows;
}

TEST(HalfRows, DotsAgreeWithFloatsForAnyQueryCountAndShape) {
  if (!HalfRows::supported()) GTEST_SKIP() << "this CPU has no AVX2 + FMA + F16C";
  // Odd row counts and dimensions reach the remainder paths; 1 to 7 queries every query group.
  for (const auto& [n, dim] : {std::pair<std::size_t, std::size_t>{1, 8}, {7, 13}, {101, 256}, {30, 384}}) {
    const std::vector<float> rows = unit_rows(n, dim, 1);
    const HalfRows half = HalfRows::from(rows.data(), n, dim);
    ASSERT_FALSE(half.empty());
    EXPECT_EQ(half.rows(), n);
    EXPECT_EQ(half.dim(), dim);
    for (std::size_t nq = 1; nq <= 7; ++nq) {
      const std::vector<float> queries = unit_rows(nq, dim, 2 + static_cast<unsigned>(nq));
      std::vector<float> out(nq * n, -9.0f);
      half.dot(queries.data(), nq, out.data());
      for (std::size_t q = 0; q < nq; ++q) {
        for (std::size_t i = 0; i < n; ++i) {
          double want = 0;
          for (std::size_t k = 0; k < dim; ++k)
            want += static_cast<double>(rows[i * dim + k]) * queries[q * dim + k];
          EXPECT_NEAR(out[q * n + i], want, 2e-3) << n << "x" << dim << ", query " << q << " of " << nq;
        }
      }
    }
  }
}

TEST(HalfRows, KeepsElevenSignificantBits) {
  if (!HalfRows::supported()) GTEST_SKIP() << "this CPU has no AVX2 + FMA + F16C";
  const std::vector<float> row = {1.0f, -0.5f, 0.1f, 1.0f / 3.0f, 0.0f, 65504.0f, -2e-3f, 0.7071068f, 3.0f};
  const HalfRows half = HalfRows::from(row.data(), 1, row.size());
  const std::vector<float> back = half.row(0);
  ASSERT_EQ(back.size(), row.size());
  for (std::size_t k = 0; k < row.size(); ++k)
    EXPECT_NEAR(back[k], row[k], std::abs(row[k]) * 0x1.0p-11f) << k;
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[4], 0.0f);
}

TEST(HalfRows, NothingToCopyGivesAnEmptyCopyThatRefusesToScore) {
  const HalfRows none = HalfRows::from(nullptr, 0, 8);
  EXPECT_TRUE(none.empty());
  float q[8] = {};
  float out[1];
  EXPECT_THROW(none.dot(q, 1, out), std::logic_error);
}

}  // namespace
}  // namespace mn
