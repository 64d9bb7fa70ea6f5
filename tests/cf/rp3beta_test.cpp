// rp3beta on a 3 x 3 example worked by hand, against a dense transcription of Dacrema et al.'s
// RP3betaRecommender for other alpha / beta, top-k truncation and thread independence.
#include "cf/rp3beta.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cf/registry.h"

namespace mn {
namespace {

using Dense = std::vector<std::vector<double>>;

std::unique_ptr<Recommender> fit(const std::string& spec, const CsrMatrix& x, int threads = 1) {
  auto m = make_model(spec);
  FitContext ctx;
  ctx.threads = threads;
  m->fit(x, ctx);
  return m;
}

const CsrMatrix& weights_of(const Recommender& m) { return dynamic_cast<const Rp3Beta&>(m).weights(); }

Dense to_dense(const CsrMatrix& m) {
  Dense d(static_cast<std::size_t>(m.rows), std::vector<double>(static_cast<std::size_t>(m.cols), 0.0));
  for (std::int32_t r = 0; r < m.rows; ++r) {
    for (std::int64_t p = m.row_begin(r); p < m.row_end(r); ++p) {
      d[static_cast<std::size_t>(r)][static_cast<std::size_t>(m.indices[static_cast<std::size_t>(p)])] =
          m.values[static_cast<std::size_t>(p)];
    }
  }
  return d;
}

// Dacrema et al.: Pui = l1-normalised rows of X, Piu = l1-normalised rows of bool(X)^T, both to
// the power alpha; W = Piu Pui * degree^-beta by column, diagonal 0; (top k); rows l1-normalised.
Dense reference(const CsrMatrix& x, double alpha, double beta, bool normalize) {
  const Dense xd = to_dense(x);
  const std::size_t nu = xd.size(), ni = xd[0].size();
  std::vector<double> degree(ni, 0.0), user_sum(nu, 0.0);
  for (std::size_t u = 0; u < nu; ++u) {
    for (std::size_t i = 0; i < ni; ++i) {
      degree[i] += xd[u][i] != 0 ? 1 : 0;
      user_sum[u] += xd[u][i];
    }
  }
  Dense w(ni, std::vector<double>(ni, 0.0));
  for (std::size_t i = 0; i < ni; ++i) {
    for (std::size_t j = 0; j < ni; ++j) {
      if (i == j || degree[j] == 0) continue;
      for (std::size_t u = 0; u < nu; ++u) {
        if (xd[u][i] == 0 || xd[u][j] == 0) continue;
        w[i][j] += std::pow(1.0 / degree[i], alpha) * std::pow(xd[u][j] / user_sum[u], alpha);
      }
      w[i][j] *= std::pow(degree[j], -beta);
    }
    if (normalize) {
      double sum = 0;
      for (const double v : w[i]) sum += v;
      if (sum > 0) {
        for (double& v : w[i]) v /= sum;
      }
    }
  }
  return w;
}

// u0: {0, 1}; u1: {1, 2}; u2: {0, 1, 2}. Item degrees 2, 3, 2.
CsrMatrix three() {
  return CsrMatrix::from_entries(
      3, 3, {{0, 0, 1}, {0, 1, 1}, {1, 1, 1}, {1, 2, 1}, {2, 0, 1}, {2, 1, 1}, {2, 2, 1}});
}

TEST(Rp3Beta, ThreeByThreeByHand) {
  // Walk 0 -> 1: via u0 (1/2 * 1/2) and u2 (1/2 * 1/3) = 5/12; 0 -> 2: via u2 (1/2 * 1/3) = 1/6.
  // 1 -> 0 and 1 -> 2: 1/3 * 1/2 + 1/3 * 1/3 = 5/18.  2 -> 0: 1/6; 2 -> 1: 5/12.
  // beta = 0.5 divides column j by sqrt(degree j).
  const Dense w = to_dense(weights_of(*fit("rp3beta:alpha=1,beta=0.5,normalize=false", three())));
  EXPECT_NEAR(w[0][1], 5.0 / 12.0 / std::sqrt(3.0), 1e-7);
  EXPECT_NEAR(w[0][2], 1.0 / 6.0 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(w[1][0], 5.0 / 18.0 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(w[1][2], 5.0 / 18.0 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(w[2][0], 1.0 / 6.0 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(w[2][1], 5.0 / 12.0 / std::sqrt(3.0), 1e-7);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(w[i][i], 0.0);

  const Dense n = to_dense(weights_of(*fit("rp3beta:alpha=1,beta=0.5", three())));
  const double row0 = 5.0 / 12.0 / std::sqrt(3.0) + 1.0 / 6.0 / std::sqrt(2.0);
  EXPECT_NEAR(n[0][1], 5.0 / 12.0 / std::sqrt(3.0) / row0, 1e-6);
  EXPECT_NEAR(n[0][1] + n[0][2], 1.0, 1e-6);
}

TEST(Rp3Beta, MatchesTheReferenceForOtherAlphaAndBeta) {
  std::mt19937 rng(5);
  std::bernoulli_distribution keep(0.25);
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < 25; ++u) {
    for (std::int32_t i = 0; i < 12; ++i) {
      if (keep(rng)) entries.push_back({u, i, static_cast<float>(1 + (u * i) % 4)});
    }
  }
  const CsrMatrix x = CsrMatrix::from_entries(25, 12, std::move(entries));
  for (const auto& [alpha, beta, normalize] : {std::tuple{0.7, 0.3, true}, std::tuple{1.5, 0.0, false}}) {
    const std::string spec = "rp3beta:k=12,alpha=" + std::to_string(alpha) + ",beta=" + std::to_string(beta) +
                             ",normalize=" + (normalize ? "true" : "false");
    const Dense got = to_dense(weights_of(*fit(spec, x)));
    const Dense expected = reference(x, alpha, beta, normalize);
    for (std::size_t i = 0; i < 12; ++i) {
      for (std::size_t j = 0; j < 12; ++j)
        EXPECT_NEAR(got[i][j], expected[i][j], 1e-6) << spec << " " << i << "," << j;
    }
  }
}

TEST(Rp3Beta, KKeepsTheLargestWeightsBeforeNormalising) {
  const Dense full = to_dense(weights_of(*fit("rp3beta:normalize=false", three())));
  const CsrMatrix w = weights_of(*fit("rp3beta:k=1,normalize=false", three()));
  EXPECT_EQ(w.row_indices(0).size(), 1u);
  EXPECT_EQ(w.row_indices(0)[0], 1);  // 5/12/sqrt 3 > 1/6/sqrt 2
  EXPECT_NEAR(w.row_values(0)[0], full[0][1], 1e-7);
  EXPECT_EQ(w.row_indices(2)[0], 1);
  // Normalised after truncation: a single kept neighbour gets weight 1.
  const CsrMatrix n = weights_of(*fit("rp3beta:k=1", three()));
  EXPECT_NEAR(n.row_values(0)[0], 1.0f, 1e-7);
}

TEST(Rp3Beta, ScoresAndFoldInUseTheRowsAndThreadsDoNotMatter) {
  std::mt19937 rng(11);
  std::bernoulli_distribution keep(0.06);
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < 400; ++u) {
    for (std::int32_t i = 0; i < 250; ++i) {
      if (keep(rng)) entries.push_back({u, i, 1.0f});
    }
  }
  const CsrMatrix x = CsrMatrix::from_entries(400, 250, std::move(entries));
  const auto a = fit("rp3beta:k=10,alpha=0.8", x, 1);
  const auto b = fit("rp3beta:k=10,alpha=0.8", x, 2);
  EXPECT_EQ(weights_of(*a).indices, weights_of(*b).indices);
  EXPECT_EQ(weights_of(*a).values, weights_of(*b).values);
  const Dense w = to_dense(weights_of(*a));
  std::vector<float> s(250), f(250);
  for (std::int32_t u = 0; u < 400; u += 37) {
    a->score(u, s);
    a->score_history(x.row_indices(u), x.row_values(u), f);
    EXPECT_EQ(s, f);
    for (std::size_t j = 0; j < 250; ++j) {
      double expected = 0;
      for (const std::int32_t i : x.row_indices(u)) expected += w[static_cast<std::size_t>(i)][j];
      EXPECT_NEAR(s[j], expected, 1e-5);
    }
  }
}

}  // namespace
}  // namespace mn
