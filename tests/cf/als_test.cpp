// Focused tests of implicit ALS beyond the model contract: the solvers against hand computations
// and against implicit 0.7.2's own outputs (values printed by implicit.cpu._als and
// implicit.nearest_neighbours.bm25_weight on the same inputs), CG against Cholesky, every
// instruction set against the others, the loss, determinism across thread counts, and the
// parameter semantics that make implicit configurations transfer.
#include "cf/als.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cf/registry.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

als::Factors factors_of(const std::vector<std::vector<float>>& rows) {
  als::Factors f;
  f.resize(static_cast<std::int32_t>(rows.size()), static_cast<int>(rows.at(0).size()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    std::copy(rows[r].begin(), rows[r].end(), f.row(static_cast<std::int64_t>(r)));
  return f;
}

als::Factors random_factors(std::int32_t rows, int k, std::uint32_t seed, float scale = 0.3f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> d(0.0f, scale);
  als::Factors f;
  f.resize(rows, k);
  for (std::int32_t r = 0; r < rows; ++r) {
    for (int j = 0; j < k; ++j) f.row(r)[j] = d(gen);
  }
  return f;
}

// users x items with about `density` of the cells set to 1..5 (some rows and columns empty).
CsrMatrix random_matrix(std::int32_t users, std::int32_t items, double density, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<SparseEntry> e;
  for (std::int32_t r = 0; r < users; ++r) {
    if (r % 17 == 5) continue;  // empty users
    for (std::int32_t c = 0; c < items; ++c) {
      if (c % 23 == 7) continue;  // empty items
      if (u(gen) < density) e.push_back({r, c, static_cast<float>(1 + static_cast<int>(u(gen) * 5))});
    }
  }
  return CsrMatrix::from_entries(users, items, std::move(e));
}

als::CsrView view(const CsrMatrix& m) {
  return {m.rows, m.cols, m.indptr.data(), m.indices.data(), m.values.data()};
}

float max_abs(const als::Factors& f) {
  float m = 0;
  for (std::int32_t r = 0; r < f.rows; ++r) {
    for (int j = 0; j < f.k; ++j) m = std::max(m, std::abs(f.row(r)[j]));
  }
  return m;
}

// The 4 x 5 confidences, item factors and starting user factors given to implicit 0.7.2; row 2 has
// a negative confidence (disliked), row 3 is empty.
struct ImplicitCase {
  CsrMatrix c = CsrMatrix::from_entries(
      4, 5,
      {{0, 0, 1}, {0, 2, 4}, {0, 4, 2}, {1, 1, 3}, {1, 2, 1}, {2, 0, 2}, {2, 1, -2}, {2, 3, 1}, {2, 4, 5}});
  als::Factors y = factors_of({{0.1f, 0.2f, -0.3f},
                               {0.4f, -0.1f, 0.2f},
                               {0.3f, 0.3f, 0.1f},
                               {-0.2f, 0.5f, 0.4f},
                               {0.2f, 0.1f, 0.6f}});
  als::Factors x0 = factors_of(
      {{0.01f, 0.02f, 0.03f}, {0.03f, 0.01f, 0.02f}, {0.02f, 0.03f, 0.01f}, {0.05f, 0.05f, 0.05f}});
  static constexpr double kReg = 0.5;
};

void expect_rows(const als::Factors& x, const std::vector<std::vector<float>>& want, float tol,
                 const char* what) {
  for (std::size_t r = 0; r < want.size(); ++r) {
    for (std::size_t j = 0; j < want[r].size(); ++j) {
      EXPECT_NEAR(x.row(static_cast<std::int64_t>(r))[j], want[r][j], tol)
          << what << " row " << r << " factor " << j;
    }
  }
}

class AlsIsa : public ::testing::TestWithParam<als::Isa> {};

TEST_P(AlsIsa, ConjugateGradientMatchesImplicit) {
  const ImplicitCase t;
  // implicit.cpu._als.least_squares_cg(C, X, Y, 0.5, cg_steps=s) from the same X.
  const std::vector<std::vector<std::vector<float>>> want = {
      {{0.901811f, 0.8530677f, 0.6925948f},
       {1.0844505f, 0.0028524036f, 0.50018835f},
       {0.35509807f, 0.5024447f, 0.96090907f},
       {0, 0, 0}},
      {{1.1293478f, 0.9800657f, 0.36997876f},
       {1.2259519f, 0.0128984805f, 0.2843325f},
       {0.3206747f, 1.0980455f, 0.8061473f},
       {0, 0, 0}},
  };
  for (int steps = 1; steps <= 2; ++steps) {
    als::Factors x = t.x0;
    als::solve_cg(view(t.c), t.y, x, ImplicitCase::kReg, steps, 1, GetParam());
    expect_rows(x, want[static_cast<std::size_t>(steps - 1)], 2e-5f,
                steps == 1 ? "cg_steps=1" : "cg_steps=2");
  }
}

TEST_P(AlsIsa, CholeskyAndLossMatchImplicit) {
  const ImplicitCase t;
  als::Factors x = t.x0;
  als::solve_cholesky(view(t.c), t.y, x, ImplicitCase::kReg, 1, GetParam());
  // implicit.cpu._als.least_squares(C, X, Y, 0.5)
  expect_rows(x,
              {{1.1347761f, 0.97347224f, 0.37101537f},
               {1.2316439f, 0.06932074f, 0.2768993f},
               {0.36963612f, 1.1008035f, 0.7884392f},
               {0, 0, 0}},
              2e-5f, "cholesky");
  // implicit.cpu._als.calculate_loss(C, X, Y, 0.5) on that X.
  EXPECT_NEAR(als::training_loss(view(t.c), x, t.y, ImplicitCase::kReg, 1, GetParam()), 0.3616036823950708,
              1e-5);
}

TEST_P(AlsIsa, HandComputedTwoFactorExample) {
  // Y = [1 0; 0 1; 1 1], reg 1: YtY + I = [3 1; 1 3]. One user with c = 2 on item 0 and 3 on item 2:
  // A = [3 1; 1 3] + 1 [1 0; 0 0] + 2 [1 1; 1 1] = [6 3; 3 5], b = 2 [1 0] + 3 [1 1] = [5 3],
  // x = A^-1 b = [16 3] / 21. One CG step from 0: alpha = |b|^2 / b.Ab = 34 / 285, x = alpha b.
  const als::Factors y = factors_of({{1, 0}, {0, 1}, {1, 1}});
  const CsrMatrix c = CsrMatrix::from_entries(1, 3, {{0, 0, 2}, {0, 2, 3}});
  als::Factors x;
  x.resize(1, 2);
  als::solve_cg(view(c), y, x, 1.0, 1, 1, GetParam());
  EXPECT_NEAR(x.row(0)[0], 34.0 / 285 * 5, 1e-6);
  EXPECT_NEAR(x.row(0)[1], 34.0 / 285 * 3, 1e-6);
  als::solve_cg(view(c), y, x, 1.0, 5, 1, GetParam());  // two more steps from there: exact for k = 2
  EXPECT_NEAR(x.row(0)[0], 16.0 / 21, 1e-5);
  EXPECT_NEAR(x.row(0)[1], 3.0 / 21, 1e-5);
  const std::vector<float> g = als::gram(y, 1.0, 1, GetParam());
  EXPECT_EQ(g[0], 3.0f);
  EXPECT_EQ(g[1], 1.0f);
  EXPECT_EQ(g[static_cast<std::size_t>(y.ld)], 1.0f);
  EXPECT_EQ(g[static_cast<std::size_t>(y.ld + 1)], 3.0f);
  const std::int32_t items[] = {0, 2};
  const float values[] = {2, 3};
  const std::vector<float> folded = als::solve_row(items, values, 2, y, g, GetParam());
  EXPECT_NEAR(folded[0], 16.0 / 21, 1e-6);
  EXPECT_NEAR(folded[1], 3.0 / 21, 1e-6);
}

TEST_P(AlsIsa, ManyCgStepsConvergeToCholesky) {
  // Factor counts on each kernel path: below one vector, unaligned, register-resident, run-time.
  for (const int k : {5, 20, 64, 128, 144}) {
    const CsrMatrix c = random_matrix(60, 90, 0.25, 7);
    const als::Factors y = random_factors(90, k, 11);
    als::Factors cg = random_factors(60, k, 13, 0.01f);
    als::Factors exact = cg;
    als::solve_cg(view(c), y, cg, 2.0, 300, 1, GetParam());
    als::solve_cholesky(view(c), y, exact, 2.0, 1, GetParam());
    const float tol = 2e-3f * max_abs(exact);
    for (std::int32_t r = 0; r < c.rows; ++r) {
      for (int j = 0; j < k; ++j)
        ASSERT_NEAR(cg.row(r)[j], exact.row(r)[j], tol) << "k " << k << " row " << r;
      for (std::int64_t j = k; j < cg.ld; ++j) ASSERT_EQ(cg.row(r)[j], 0.0f) << "padding must stay zero";
    }
  }
}

TEST_P(AlsIsa, AgreesWithThePortableKernels) {
  for (const int k : {16, 48, 160}) {
    const CsrMatrix c = random_matrix(80, 70, 0.3, 3);
    const als::Factors y = random_factors(70, k, 5);
    als::Factors a = random_factors(80, k, 9, 0.01f);
    als::Factors b = a;
    als::solve_cg(view(c), y, a, 1.0, 3, 1, GetParam());
    als::solve_cg(view(c), y, b, 1.0, 3, 1, als::Isa::kGeneric);
    const float tol = 1e-4f * max_abs(b);
    for (std::int32_t r = 0; r < c.rows; ++r) {
      for (int j = 0; j < k; ++j) ASSERT_NEAR(a.row(r)[j], b.row(r)[j], tol) << "k " << k << " row " << r;
    }
    std::vector<float> da(70), db(70);
    als::kernels(GetParam()).dot_rows(y.data.data(), y.ld, 70, a.row(3), da.data());
    als::kernels(als::Isa::kGeneric).dot_rows(y.data.data(), y.ld, 70, a.row(3), db.data());
    for (std::size_t i = 0; i < da.size(); ++i) ASSERT_NEAR(da[i], db[i], 1e-4f * (1 + std::abs(db[i])));
  }
}

TEST_P(AlsIsa, GramIsExactAndIndependentOfThreads) {
  const als::Factors f = random_factors(5000, 40, 21);
  const std::vector<float> g1 = als::gram(f, 0.25, 1, GetParam());
  const std::vector<float> g2 = als::gram(f, 0.25, 2, GetParam());
  EXPECT_EQ(g1, g2);
  for (int i = 0; i < f.k; i += 7) {
    for (int j = 0; j < f.k; j += 5) {
      double s = i == j ? 0.25 : 0.0;
      for (std::int32_t r = 0; r < f.rows; ++r) s += static_cast<double>(f.row(r)[i]) * f.row(r)[j];
      EXPECT_NEAR(g1[static_cast<std::size_t>(i * f.ld + j)], s, 1e-3 + 1e-5 * std::abs(s)) << i << "," << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, AlsIsa, ::testing::ValuesIn(als::supported_isas()),
                         [](const ::testing::TestParamInfo<als::Isa>& p) { return als::isa_name(p.param); });

TEST(AlsBm25, MatchesImplicitBm25Weight) {
  // 5 users x 3 items; implicit.nearest_neighbours.bm25_weight(X, K1, B) printed the same values.
  const CsrMatrix x = CsrMatrix::from_entries(
      5, 3, {{0, 0, 1}, {0, 1, 1}, {1, 0, 2}, {2, 0, 1}, {2, 1, 1}, {2, 2, 1}, {3, 1, 3}, {4, 1, 1}});
  const CsrMatrix w = bm25_weight(x, 100, 0.8);
  ASSERT_EQ(w.indices, x.indices);
  const std::vector<double> want = {
      0.24045826777085333, 0, 0.4758397226717502, 0.17324421752766278, 0, 0.7113899099322921, 0, 0};
  for (std::size_t e = 0; e < want.size(); ++e) EXPECT_NEAR(w.values[e], want[e], 1e-7) << "entry " << e;
  const CsrMatrix w2 = bm25_weight(x, 1.2, 0.75);
  const std::vector<double> want2 = {
      0.23176284382031268, 0, 0.31487313700200714, 0.19424726572033124, 0, 0.7976343847858336, 0, 0};
  for (std::size_t e = 0; e < want2.size(); ++e) EXPECT_NEAR(w2.values[e], want2[e], 1e-7) << "entry " << e;
  // By hand, user 2 item 2: idf = ln 5 - ln 2; row sums 2, 2, 3, 3, 1 average 11 / 5.
  const double norm = 0.2 + 0.8 * 3 / (11.0 / 5);
  EXPECT_NEAR(w.values[5], 101.0 / (100 * norm + 1) * (std::log(5.0) - std::log(2.0)), 1e-7);
}

std::unique_ptr<Recommender> fit_model(const std::string& spec, const CsrMatrix& x, int threads = 1) {
  auto m = make_model(spec);
  FitContext ctx;
  ctx.threads = threads;
  m->fit(x, ctx);
  return m;
}

std::vector<float> all_scores(const Recommender& m) {
  std::vector<float> out;
  std::vector<float> s(static_cast<std::size_t>(m.n_items()));
  for (std::int32_t u = 0; u < m.n_users(); ++u) {
    m.score(u, s);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

TEST(Als, LossDecreasesOverIterations) {
  const CsrMatrix x = random_matrix(300, 200, 0.05, 1);
  for (const std::string solver : {"cg", "cholesky"}) {
    auto m = fit_model(
        "als:factors=16,iterations=12,regularization=1,alpha=5,calculate_training_loss=true,solver=" + solver,
        x);
    const auto& loss = dynamic_cast<const Als&>(*m).training_loss();
    ASSERT_EQ(loss.size(), 12u);
    for (std::size_t i = 1; i < loss.size(); ++i) {
      EXPECT_LE(loss[i], loss[i - 1] * (1 + 1e-6)) << solver << " iteration " << i;
    }
    EXPECT_LT(loss.back(), 0.8 * loss.front()) << solver;
  }
}

TEST(Als, SameSeedSameFactorsForOneAndTwoThreads) {
  const CsrMatrix x = random_matrix(400, 300, 0.04, 2);
  for (const std::string extra :
       {"", ",solver=cholesky", ",bm25=true,factors=40", ",calculate_training_loss=true"}) {
    const std::string spec = "als:factors=24,iterations=4,regularization=3,alpha=2" + extra;
    auto a = fit_model(spec, x, 1);
    auto b = fit_model(spec, x, 1);
    auto c = fit_model(spec, x, 2);
    const auto& aa = dynamic_cast<const Als&>(*a);
    const auto& cc = dynamic_cast<const Als&>(*c);
    EXPECT_EQ(aa.user_factors(), dynamic_cast<const Als&>(*b).user_factors()) << spec;
    EXPECT_EQ(aa.user_factors(), cc.user_factors()) << spec;
    EXPECT_EQ(aa.item_factors(), cc.item_factors()) << spec;
    EXPECT_EQ(aa.training_loss(), cc.training_loss()) << spec;
  }
  // A different seed starts elsewhere.
  auto s0 = fit_model("als:factors=8,iterations=2,seed=0", x);
  auto s1 = fit_model("als:factors=8,iterations=2,seed=1", x);
  EXPECT_NE(dynamic_cast<const Als&>(*s0).item_factors(), dynamic_cast<const Als&>(*s1).item_factors());
}

TEST(Als, InitialFactorsHaveImplicitsScale) {
  const CsrMatrix x = random_matrix(50, 40, 0.1, 4);
  auto m = fit_model("als:factors=32,iterations=0", x);
  const auto f = dynamic_cast<const Als&>(*m).user_factors();
  double sum = 0;
  for (const float v : f) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 0.01f);
    sum += v;
  }
  EXPECT_NEAR(sum / static_cast<double>(f.size()), 0.005, 0.0005);  // uniform [0, 0.01)
}

TEST(Als, AlphaScalesTheInputAsImplicitDoes) {
  // implicit: Cui = alpha * X, so alpha=4 on X is the same fit as alpha=1 on 4 X.
  const CsrMatrix x = random_matrix(120, 90, 0.08, 5);
  CsrMatrix x4 = x;
  for (float& v : x4.values) v *= 4;
  auto a = fit_model("als:factors=8,iterations=3,regularization=2,alpha=4", x);
  auto b = fit_model("als:factors=8,iterations=3,regularization=2,alpha=1", x4);
  EXPECT_EQ(dynamic_cast<const Als&>(*a).item_factors(), dynamic_cast<const Als&>(*b).item_factors());
}

TEST(Als, Bm25OptionWeightsTheInputFirst) {
  const CsrMatrix x = random_matrix(120, 90, 0.08, 6);
  auto a =
      fit_model("als:factors=8,iterations=3,regularization=2,alpha=3,bm25=true,bm25_k1=50,bm25_b=0.5", x);
  auto b = fit_model("als:factors=8,iterations=3,regularization=2,alpha=3", bm25_weight(x, 50, 0.5));
  EXPECT_EQ(dynamic_cast<const Als&>(*a).item_factors(), dynamic_cast<const Als&>(*b).item_factors());
  EXPECT_EQ(all_scores(*a), all_scores(*b));
}

TEST(Als, FoldInIsTheExactSolveAgainstFrozenItems) {
  const CsrMatrix x = random_matrix(150, 100, 0.1, 8);
  for (const std::string extra : {"", ",bm25=true"}) {
    auto m = fit_model("als:factors=12,iterations=5,regularization=4,alpha=3" + extra, x);
    const auto& als_model = dynamic_cast<const Als&>(*m);
    // Re-solving every user exactly against the final item factors is what fold-in returns.
    for (const std::int32_t u : {0, 3, 40}) {
      const auto folded = als_model.recalculate_user(x.row_indices(u), x.row_values(u));
      // Independent check: A x = b for the fold-in vector.
      const auto items = als_model.item_factors();
      std::vector<float> c(x.row_values(u).begin(), x.row_values(u).end());
      if (!extra.empty()) {
        const CsrMatrix w = bm25_weight(x);
        c.assign(w.row_values(u).begin(), w.row_values(u).end());
      }
      for (float& v : c) v *= 3;
      const int k = 12;
      for (int i = 0; i < k; ++i) {
        double ax = 4 * folded[static_cast<std::size_t>(i)], b = 0;
        for (std::int32_t it = 0; it < x.cols; ++it) {
          double yx = 0;
          for (int j = 0; j < k; ++j)
            yx += static_cast<double>(items[static_cast<std::size_t>(it * k + j)]) *
                  folded[static_cast<std::size_t>(j)];
          ax += items[static_cast<std::size_t>(it * k + i)] * yx;
        }
        const auto idx = x.row_indices(u);
        for (std::size_t e = 0; e < idx.size(); ++e) {
          const float* yi = items.data() + static_cast<std::ptrdiff_t>(idx[e]) * k;
          double yx = 0;
          for (int j = 0; j < k; ++j) yx += static_cast<double>(yi[j]) * folded[static_cast<std::size_t>(j)];
          ax += (std::abs(c[e]) - 1) * yi[i] * yx;
          if (c[e] > 0) b += c[e] * yi[i];
        }
        EXPECT_NEAR(ax, b, 1e-3 * (1 + std::abs(b))) << "user " << u << " factor " << i << extra;
      }
    }
    // An empty history folds in to zero: every score 0.
    std::vector<float> s(static_cast<std::size_t>(m->n_items()));
    m->score_history({}, {}, s);
    for (const float v : s) EXPECT_EQ(v, 0.0f);
    EXPECT_THROW(m->score_history(std::vector<std::int32_t>{100}, std::vector<float>{1}, s), Error);
  }
}

TEST(Als, SimilarItemsAreCosineOfItemFactors) {
  const CsrMatrix x = random_matrix(150, 100, 0.1, 9);
  auto m = fit_model("als:factors=10,iterations=4,regularization=1", x);
  const auto f = dynamic_cast<const Als&>(*m).item_factors();
  const auto sims = m->similar_items(3, 100);
  ASSERT_FALSE(sims.empty());
  const auto norm = [&](std::int32_t i) {
    double s = 0;
    for (int j = 0; j < 10; ++j)
      s += static_cast<double>(f[static_cast<std::size_t>(i * 10 + j)]) *
           f[static_cast<std::size_t>(i * 10 + j)];
    return std::sqrt(s);
  };
  for (const auto& s : sims) {
    ASSERT_NE(s.item, 3);
    double dot = 0;
    for (int j = 0; j < 10; ++j)
      dot += static_cast<double>(f[static_cast<std::size_t>(3 * 10 + j)]) *
             f[static_cast<std::size_t>(s.item * 10 + j)];
    const double n = norm(s.item);
    const double want = n > 0 ? dot / n / norm(3) : 0.0;
    EXPECT_NEAR(s.score, want, 1e-5) << "item " << s.item;
  }
}

TEST(Als, EmptyRowsAndColumnsGetZeroFactors) {
  const CsrMatrix x = random_matrix(60, 50, 0.2, 10);  // users 5, 22, ... and items 7, 30 are empty
  auto m = fit_model("als:factors=6,iterations=3,regularization=1", x);
  const auto& a = dynamic_cast<const Als&>(*m);
  const auto u = a.user_factors();
  const auto i = a.item_factors();
  for (int j = 0; j < 6; ++j) {
    EXPECT_EQ(u[static_cast<std::size_t>(5 * 6 + j)], 0.0f);
    EXPECT_EQ(i[static_cast<std::size_t>(7 * 6 + j)], 0.0f);
  }
}

TEST(Als, SaveLoadKeepsBm25StatisticsAndFactors) {
  const CsrMatrix x = random_matrix(100, 80, 0.1, 11);
  auto m = fit_model("als:factors=20,iterations=3,bm25=true,regularization=2", x);
  test::TempDir tmp;
  save_model(*m, tmp / "m");
  EXPECT_TRUE(std::filesystem::exists(tmp / "m" / "user_factors.npy"));
  EXPECT_TRUE(std::filesystem::exists(tmp / "m" / "item_factors.npy"));
  auto back = load_model(tmp / "m");
  EXPECT_EQ(all_scores(*m), all_scores(*back));
  std::vector<float> s1(80), s2(80);
  const std::vector<std::int32_t> items = {1, 4, 9};
  const std::vector<float> values = {1, 2, 1};
  m->score_history(items, values, s1);
  back->score_history(items, values, s2);
  EXPECT_EQ(s1, s2);
  // A folder whose factor width disagrees with the manifest is refused.
  auto other = make_model("als:factors=21,bm25=true");
  EXPECT_THROW(other->load(tmp / "m"), Error);
}

TEST(Als, ParametersFollowImplicitsNamesAndDefaults) {
  const ModelInfo& info = find_model("als");
  Params p(info.params);
  EXPECT_EQ(p.get_int("factors"), 64);
  EXPECT_EQ(p.get_int("iterations"), 15);
  EXPECT_EQ(p.get_int("cg_steps"), 3);
  EXPECT_EQ(p.get_float("regularization"), 30);
  EXPECT_EQ(p.get_float("alpha"), 5);
  EXPECT_EQ(p.get_float("bm25_k1"), 100);
  EXPECT_EQ(p.get_float("bm25_b"), 0.8);
  EXPECT_EQ(p.get_choice("solver"), "cg");
  EXPECT_FALSE(p.get_bool("bm25"));
  EXPECT_EQ(make_model("als:epochs=7")->params().get_int("iterations"), 7);
  EXPECT_THROW(make_model("als:solver=lu"), Error);
  EXPECT_THROW(make_model("als:factors=0"), Error);
  EXPECT_THROW(make_model("als:bm25_b=1.5"), Error);
  EXPECT_THROW(make_model("als:regularization=-1"), Error);
}

TEST(Als, UnsolvableSystemsSayWhatToChange) {
  // No regularisation and zero item factors: YtY + 0 I is singular.
  const CsrMatrix c = CsrMatrix::from_entries(1, 2, {{0, 0, 1}});
  als::Factors y;
  y.resize(2, 3);
  als::Factors x;
  x.resize(1, 3);
  try {
    als::solve_cholesky(view(c), y, x, 0.0, 1, als::default_isa());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("regularization"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mn
