// EASE against a direct dense computation (Eigen, double: P = (X^T X + lambda I)^-1,
// B = I - P diagMat(1 / diag P)), on matrices large enough for several factorisation blocks;
// the memory refusal, threads, precision and save / load.
#include "cf/ease.h"

#include <gtest/gtest.h>

#include <eigen3/Eigen/Dense>
#include <random>

#include "cf/registry.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

// users x items, random, with item 3 left empty (it has no row in B).
CsrMatrix random_matrix(std::int32_t users, std::int32_t items, double density, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(density);
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < users; ++u) {
    for (std::int32_t i = 0; i < items; ++i) {
      if (i != 3 && keep(rng)) entries.push_back({u, i, static_cast<float>(1 + (u + 2 * i) % 3)});
    }
  }
  return CsrMatrix::from_entries(users, items, std::move(entries));
}

Eigen::MatrixXd dense_b(const CsrMatrix& x, double lambda) {
  Eigen::MatrixXd xd = Eigen::MatrixXd::Zero(x.rows, x.cols);
  for (std::int32_t u = 0; u < x.rows; ++u) {
    for (std::int64_t p = x.row_begin(u); p < x.row_end(u); ++p) {
      xd(u, x.indices[static_cast<std::size_t>(p)]) = x.values[static_cast<std::size_t>(p)];
    }
  }
  Eigen::MatrixXd g = xd.transpose() * xd;
  g.diagonal().array() += lambda;
  const Eigen::MatrixXd p = g.inverse();
  Eigen::MatrixXd b = -p * p.diagonal().cwiseInverse().asDiagonal();
  b.diagonal().setZero();
  return b;
}

std::unique_ptr<Recommender> fit(const std::string& spec, const CsrMatrix& x, int threads = 1) {
  auto m = make_model(spec);
  FitContext ctx;
  ctx.threads = threads;
  m->fit(x, ctx);
  return m;
}

const Ease& ease(const Recommender& m) { return dynamic_cast<const Ease&>(m); }

// The model's B over all items (zero rows and columns for items without interactions).
Eigen::MatrixXd model_b(const Recommender& m) {
  const Ease& e = ease(m);
  const auto& active = e.active_items();
  const std::size_t n = active.size();
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(m.n_items(), m.n_items());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      b(active[i], active[j]) = e.weights64().empty() ? e.weights32()[i * n + j] : e.weights64()[i * n + j];
    }
  }
  return b;
}

TEST(Ease, MatchesTheDenseClosedFormInBothPrecisions) {
  // 300 items: several 128-wide blocks and 64-wide chunks, a ragged last block.
  const CsrMatrix x = random_matrix(400, 300, 0.05, 1);
  const Eigen::MatrixXd expected = dense_b(x, 20.0);
  const double scale = expected.cwiseAbs().maxCoeff();
  const auto m64 = fit("ease:lambda=20,precision=float64", x);
  EXPECT_LT((model_b(*m64) - expected).cwiseAbs().maxCoeff(), 1e-10 * scale);
  const auto m32 = fit("ease:lambda=20", x);
  EXPECT_LT((model_b(*m32) - expected).cwiseAbs().maxCoeff(), 1e-4 * scale);
  EXPECT_EQ(ease(*m32).active_items().size(), 299u);
  for (std::int32_t i = 0; i < 300; ++i) EXPECT_EQ(model_b(*m64)(i, i), 0.0);
}

TEST(Ease, ScoresAreTheUserRowTimesB) {
  const CsrMatrix x = random_matrix(60, 40, 0.15, 2);
  const auto m = fit("ease:lambda=5,precision=float64", x);
  const Eigen::MatrixXd b = dense_b(x, 5.0);
  std::vector<float> s(40), f(40);
  for (std::int32_t u = 0; u < 60; u += 7) {
    m->score(u, s);
    m->score_history(x.row_indices(u), x.row_values(u), f);
    EXPECT_EQ(s, f);
    for (std::int32_t j = 0; j < 40; ++j) {
      double expected = 0;
      for (std::int64_t p = x.row_begin(u); p < x.row_end(u); ++p) {
        expected += x.values[static_cast<std::size_t>(p)] * b(x.indices[static_cast<std::size_t>(p)], j);
      }
      EXPECT_NEAR(s[static_cast<std::size_t>(j)], expected, 1e-5);
    }
  }
  EXPECT_EQ(s[3], 0.0f);                        // the empty item
  EXPECT_TRUE(m->similar_items(3, 5).empty());  // B knows nothing about it
  const auto sim = m->similar_items(0, 3);
  ASSERT_EQ(sim.size(), 3u);
  for (const auto& r : sim) EXPECT_NE(r.item, 0);
}

TEST(Ease, RefusesWhenTheDenseMatrixExceedsTheMemoryBudget) {
  std::vector<SparseEntry> entries;
  for (std::int32_t i = 0; i < 20000; ++i) entries.push_back({0, i, 1.0f});
  const CsrMatrix x = CsrMatrix::from_entries(1, 20000, std::move(entries));
  try {
    fit("ease:max_memory_gb=1", x);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
    const std::string what = e.what();
    EXPECT_NE(what.find("20000 x 20000"), std::string::npos) << what;
    EXPECT_NE(what.find("needs 1.62 GB"), std::string::npos) << what;
    EXPECT_NE(what.find("max_memory_gb=1"), std::string::npos) << what;
  }
  EXPECT_NEAR(ease_memory_bytes(20000, 4), 1.6e9, 0.03e9);
}

TEST(Ease, OneAndTwoThreadsGiveIdenticalWeights) {
  const CsrMatrix x = random_matrix(300, 280, 0.06, 3);
  const auto a = fit("ease:lambda=8", x, 1);
  const auto b = fit("ease:lambda=8", x, 2);
  EXPECT_EQ(ease(*a).weights32(), ease(*b).weights32());
}

TEST(Ease, SaveAndLoadKeepPrecision) {
  const CsrMatrix x = random_matrix(50, 30, 0.2, 4);
  const auto m = fit("ease:lambda=3,precision=float64", x);
  test::TempDir tmp;
  save_model(*m, tmp / "ease");
  const auto back = load_model(tmp / "ease");
  EXPECT_EQ(ease(*back).weights64(), ease(*m).weights64());
  EXPECT_EQ(ease(*back).active_items(), ease(*m).active_items());
}

}  // namespace
}  // namespace mn
