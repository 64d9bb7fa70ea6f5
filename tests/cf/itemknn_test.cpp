// itemknn against a direct dense transcription of implicit 0.7.2's formulas (nearest_neighbours.py:
// normalize, tfidf_weight, bm25_weight; all_pairs_knn's W^T W), plus hand-computed values, the
// top-k rule (the item itself counts; ties as implicit's heap resolves them), shrinkage, threads.
#include "cf/itemknn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cf/registry.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

using Dense = std::vector<std::vector<double>>;

// users x items with counts (not just 1s), so that sqrt and BM25's saturation matter.
CsrMatrix tiny() {
  return CsrMatrix::from_entries(5, 4,
                                 {{0, 0, 2},
                                  {0, 1, 1},
                                  {1, 0, 1},
                                  {1, 2, 3},
                                  {2, 1, 1},
                                  {2, 2, 1},
                                  {2, 3, 1},
                                  {3, 0, 1},
                                  {3, 1, 1},
                                  {3, 3, 2},
                                  {4, 3, 1}});
}

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

// implicit: weighted = f(counts.T).T, then similarity = weighted^T weighted (users summed).
Dense implicit_similarity(const CsrMatrix& x, const std::string& kind, double k1 = 1.2, double b = 0.75) {
  const Dense xd = to_dense(x);  // users x items
  const std::size_t nu = xd.size(), ni = xd[0].size();
  Dense w = xd;
  if (kind != "cosine") {
    // X = counts.T (items x users): N = items, idf over columns (users) = log N - log1p(bincount).
    std::vector<double> idf(nu);
    for (std::size_t u = 0; u < nu; ++u) {
      double count = 0;
      for (std::size_t i = 0; i < ni; ++i) count += xd[u][i] != 0 ? 1 : 0;
      idf[u] = std::log(static_cast<double>(ni)) - std::log1p(count);
    }
    std::vector<double> row_sums(ni, 0.0);
    for (std::size_t i = 0; i < ni; ++i) {
      for (std::size_t u = 0; u < nu; ++u) row_sums[i] += xd[u][i];
    }
    double average = 0;
    for (const double s : row_sums) average += s / static_cast<double>(ni);
    for (std::size_t u = 0; u < nu; ++u) {
      for (std::size_t i = 0; i < ni; ++i) {
        if (xd[u][i] == 0) continue;
        if (kind == "tfidf") {
          w[u][i] = std::sqrt(xd[u][i]) * idf[u];
        } else {
          const double length_norm = (1.0 - b) + b * row_sums[i] / average;
          w[u][i] = xd[u][i] * (k1 + 1.0) / (k1 * length_norm + xd[u][i]) * idf[u];
        }
      }
    }
  }
  if (kind != "bm25") {
    for (std::size_t i = 0; i < ni; ++i) {
      double sq = 0;
      for (std::size_t u = 0; u < nu; ++u) sq += w[u][i] * w[u][i];
      for (std::size_t u = 0; u < nu; ++u) w[u][i] /= std::sqrt(sq);
    }
  }
  Dense sim(ni, std::vector<double>(ni, 0.0));
  for (std::size_t i = 0; i < ni; ++i) {
    for (std::size_t j = 0; j < ni; ++j) {
      for (std::size_t u = 0; u < nu; ++u) sim[i][j] += w[u][i] * w[u][j];
    }
  }
  return sim;
}

std::unique_ptr<Recommender> fit(const std::string& spec, const CsrMatrix& x, int threads = 1) {
  auto m = make_model(spec);
  FitContext ctx;
  ctx.threads = threads;
  m->fit(x, ctx);
  return m;
}

const CsrMatrix& weights_of(const Recommender& m) { return dynamic_cast<const ItemKnn&>(m).weights(); }

class ItemKnnSimilarity : public ::testing::TestWithParam<std::string> {};

TEST_P(ItemKnnSimilarity, MatchesImplicitsFormulasWhenNothingIsTruncated) {
  const CsrMatrix x = tiny();
  const auto m = fit("itemknn:k=4,sim=" + GetParam(), x);
  const Dense expected = implicit_similarity(x, GetParam());
  const Dense got = to_dense(weights_of(*m));
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j) {
      EXPECT_NEAR(got[i][j], expected[i][j], 1e-6 * std::max(1.0, std::abs(expected[i][j])))
          << GetParam() << " " << i << "," << j;
    }
  }
}

TEST_P(ItemKnnSimilarity, ScoresSumTheSimilarityRowsOfTheUsersItems) {
  const CsrMatrix x = tiny();
  const auto m = fit("itemknn:k=4,sim=" + GetParam(), x);
  const Dense sim = implicit_similarity(x, GetParam());
  const Dense xd = to_dense(x);
  for (std::int32_t u = 0; u < x.rows; ++u) {
    std::vector<float> s(4);
    m->score(u, s);
    for (std::size_t j = 0; j < 4; ++j) {
      double expected = 0;
      for (std::size_t i = 0; i < 4; ++i) expected += xd[static_cast<std::size_t>(u)][i] * sim[i][j];
      EXPECT_NEAR(s[j], expected, 1e-5 * std::max(1.0, std::abs(expected)));
    }
  }
}

TEST_P(ItemKnnSimilarity, OneAndTwoThreadsGiveIdenticalNeighbours) {
  std::mt19937 rng(7);
  std::bernoulli_distribution keep(0.08);
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < 300; ++u) {
    for (std::int32_t i = 0; i < 200; ++i) {
      if (keep(rng)) entries.push_back({u, i, 1.0f});
    }
  }
  const CsrMatrix x = CsrMatrix::from_entries(300, 200, std::move(entries));
  const auto a = fit("itemknn:k=7,shrink=3,sim=" + GetParam(), x, 1);
  const auto b = fit("itemknn:k=7,shrink=3,sim=" + GetParam(), x, 2);
  EXPECT_EQ(weights_of(*a).indptr, weights_of(*b).indptr);
  EXPECT_EQ(weights_of(*a).indices, weights_of(*b).indices);
  EXPECT_EQ(weights_of(*a).values, weights_of(*b).values);
}

INSTANTIATE_TEST_SUITE_P(Sims, ItemKnnSimilarity, ::testing::Values("cosine", "tfidf", "bm25"));

TEST(ItemKnn, CosineByHand) {
  // Binary: cosine(i, j) = co-occurrences / sqrt(|i| |j|).
  const CsrMatrix x =
      CsrMatrix::from_entries(3, 3, {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}, {2, 1, 1}, {2, 2, 1}});
  const auto m = fit("itemknn:k=3", x);
  const Dense s = to_dense(weights_of(*m));
  EXPECT_NEAR(s[0][0], 1.0, 1e-7);
  EXPECT_NEAR(s[0][1], 2.0 / std::sqrt(2.0 * 3.0), 1e-7);
  EXPECT_NEAR(s[1][2], 1.0 / std::sqrt(3.0 * 1.0), 1e-7);
  EXPECT_EQ(s[0][2], 0.0);  // never together: no entry
  const auto similar = m->similar_items(1, 5);
  ASSERT_EQ(similar.size(), 2u);  // itself left out
  EXPECT_EQ(similar[0].item, 0);
  EXPECT_EQ(similar[1].item, 2);
}

TEST(ItemKnn, Bm25ByHand) {
  // One user, two items with counts 1 and 3; N = 2 items, idf = log 2 - log1p(2) = log(2/3).
  const CsrMatrix x = CsrMatrix::from_entries(1, 2, {{0, 0, 1}, {0, 1, 3}});
  const auto m = fit("itemknn:k=2,sim=bm25,k1=1.2,b=0.75", x);
  const double idf = std::log(2.0 / 3.0);
  const double avg = 2.0;  // (1 + 3) / 2
  const double w0 = 1 * 2.2 / (1.2 * (0.25 + 0.75 * 1 / avg) + 1) * idf;
  const double w1 = 3 * 2.2 / (1.2 * (0.25 + 0.75 * 3 / avg) + 3) * idf;
  const Dense s = to_dense(weights_of(*m));
  EXPECT_NEAR(s[0][1], w0 * w1, 1e-6);
  EXPECT_NEAR(s[1][1], w1 * w1, 1e-6);
}

TEST(ItemKnn, KKeepsExactlyTheTopKIncludingTheItemItself) {
  std::mt19937 rng(3);
  std::bernoulli_distribution keep(0.2);
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < 60; ++u) {
    for (std::int32_t i = 0; i < 30; ++i) {
      if (keep(rng)) entries.push_back({u, i, static_cast<float>(1 + (u + i) % 3)});
    }
  }
  const CsrMatrix x = CsrMatrix::from_entries(60, 30, std::move(entries));
  const Dense full = implicit_similarity(x, "cosine");
  const CsrMatrix w = weights_of(*fit("itemknn:k=5", x));
  for (std::int32_t i = 0; i < 30; ++i) {
    const auto row = static_cast<std::size_t>(i);
    std::size_t reachable = 0;
    for (const double v : full[row]) reachable += v != 0 ? 1 : 0;
    ASSERT_EQ(w.row_indices(i).size(), std::min<std::size_t>(5, reachable)) << "item " << i;
    EXPECT_TRUE(w.contains(i, i)) << "cosine(i, i) = 1 is always among the top";
    float kept_min = 2;
    for (const float v : w.row_values(i)) kept_min = std::min(kept_min, v);
    for (std::int32_t j = 0; j < 30; ++j) {
      if (!w.contains(i, j)) {
        EXPECT_LE(full[row][static_cast<std::size_t>(j)], kept_min + 1e-6) << i << "," << j;
      }
    }
  }
}

TEST(ItemKnn, TiesAtTheKthPlaceResolveAsImplicitsHeap) {
  // Item 0 is as similar to 1, 2 and 3 (1/sqrt 2 each). implicit's heap sees the row in reverse
  // order of first touch (3, 2, 1, 0) and replaces only on a strictly larger value: with K=2 it
  // keeps 3, drops 2 for 0 (the item itself, 1.0) and never takes 1.
  const CsrMatrix x = CsrMatrix::from_entries(2, 4, {{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {1, 0, 1}});
  const CsrMatrix w = weights_of(*fit("itemknn:k=2", x));
  const auto row = w.row_indices(0);
  EXPECT_EQ(std::vector<std::int32_t>(row.begin(), row.end()), (std::vector<std::int32_t>{0, 3}));
}

TEST(ItemKnn, ShrinkLowersRareCoOccurrencesMost) {
  // Items 0, 1: seen together once and never apart (cosine 1). Items 2, 3: together for 10 users
  // and never apart (cosine 1 too). shrink=10 gives 1 / (1 + 10) and 10 / (10 + 10).
  std::vector<SparseEntry> entries = {{0, 0, 1}, {0, 1, 1}};
  for (std::int32_t u = 1; u <= 10; ++u) {
    entries.push_back({u, 2, 1});
    entries.push_back({u, 3, 1});
  }
  const CsrMatrix x = CsrMatrix::from_entries(11, 4, std::move(entries));
  const Dense plain = to_dense(weights_of(*fit("itemknn:k=4", x)));
  const Dense shrunk = to_dense(weights_of(*fit("itemknn:k=4,shrink=10", x)));
  EXPECT_NEAR(plain[0][1], 1.0, 1e-6);
  EXPECT_NEAR(plain[2][3], 1.0, 1e-6);
  EXPECT_NEAR(shrunk[0][1], 1.0 / 11.0, 1e-6);
  EXPECT_NEAR(shrunk[2][3], 0.5, 1e-6);
}

TEST(ItemKnn, FoldInIsExactAndSaveLoadKeepsTheSparseMatrix) {
  const CsrMatrix x = tiny();
  const auto m = fit("itemknn:k=3,sim=bm25", x);
  std::vector<float> a(4), b(4);
  for (std::int32_t u = 0; u < x.rows; ++u) {
    m->score(u, a);
    m->score_history(x.row_indices(u), x.row_values(u), b);
    EXPECT_EQ(a, b);
  }
  EXPECT_THROW(m->score_history(std::vector<std::int32_t>{9}, std::vector<float>{1.0f}, b), Error);
  test::TempDir tmp;
  save_model(*m, tmp / "knn");
  for (const char* f : {"similarity_indptr.npy", "similarity_indices.npy", "similarity_values.npy"}) {
    EXPECT_TRUE(std::filesystem::exists(tmp / "knn" / f)) << f;
  }
  const auto back = load_model(tmp / "knn");
  EXPECT_EQ(weights_of(*back).indices, weights_of(*m).indices);
  EXPECT_EQ(weights_of(*back).values, weights_of(*m).values);
}

}  // namespace
}  // namespace mn
