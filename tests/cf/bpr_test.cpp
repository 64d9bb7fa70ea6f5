// BPR beyond the contract suite: learning on a held-out toy, the negative sampler's distribution,
// implicit's factor layout, determinism, the fold-in optimum and the saved arrays.
#include "cf/bpr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/npy.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

// 240 users in 4 taste groups over 120 items (30 per group); a user likes ~40 % of their group's
// items and a few others; item popularity falls off within each group. One liked item per user
// is held out.
struct Toy {
  CsrMatrix train;
  std::vector<std::int32_t> held_out;  // per user
};

Toy make_toy(std::uint64_t seed = 7) {
  sgd::Rng rng(seed);
  std::vector<SparseEntry> train;
  Toy toy;
  for (std::int32_t u = 0; u < 240; ++u) {
    const std::int32_t group = u % 4;
    std::vector<std::int32_t> liked;
    for (std::int32_t i = 0; i < 120; ++i) {
      const bool same = i / 30 == group;
      const float p = same ? 0.7f - 0.5f * static_cast<float>(i % 30) / 30.0f : 0.03f;
      if (rng.uniform() < p) liked.push_back(i);
    }
    // Hold out one of the user's own group's items, at random.
    std::vector<std::size_t> own;
    for (std::size_t k = 0; k < liked.size(); ++k) {
      if (liked[k] / 30 == group) own.push_back(k);
    }
    std::int32_t held = -1;
    if (own.size() > 1) {
      const std::size_t k = own[rng.below(own.size())];
      held = liked[k];
      liked.erase(liked.begin() + static_cast<std::ptrdiff_t>(k));
    }
    toy.held_out.push_back(held);
    for (const std::int32_t i : liked) train.push_back({u, i, 1.0f});
  }
  toy.train = CsrMatrix::from_entries(240, 120, std::move(train));
  return toy;
}

// Mean over users of P(score(held-out) > score(unseen other item)).
double held_out_auc(const Recommender& m, const Toy& toy) {
  double total = 0;
  int users = 0;
  std::vector<float> s(static_cast<std::size_t>(m.n_items()));
  for (std::int32_t u = 0; u < toy.train.rows; ++u) {
    const std::int32_t h = toy.held_out[static_cast<std::size_t>(u)];
    if (h < 0) continue;
    m.score(u, s);
    int better = 0, pairs = 0;
    for (std::int32_t j = 0; j < m.n_items(); ++j) {
      if (j == h || toy.train.contains(u, j)) continue;
      ++pairs;
      better += s[static_cast<std::size_t>(h)] > s[static_cast<std::size_t>(j)] ? 1 : 0;
    }
    total += static_cast<double>(better) / pairs;
    ++users;
  }
  return total / users;
}

std::unique_ptr<Bpr> fit_bpr(const std::string& settings, const CsrMatrix& x, int threads = 1) {
  Params p(bpr_model_info().params);
  const ModelSpec spec = parse_model_spec("bpr:" + settings);
  for (const auto& [k, v] : spec.settings) p.set(k, v);
  auto m = std::make_unique<Bpr>(std::move(p));
  FitContext ctx;
  ctx.threads = threads;
  m->fit(x, ctx);
  return m;
}

TEST(Bpr, HeldOutAucImprovesOverEpochs) {
  const Toy toy = make_toy();
  // One thread and a seed: the fit with more epochs continues the one with fewer.
  double previous = 0;
  for (const int epochs : {0, 2, 10, 60}) {
    auto m = fit_bpr("factors=16,learning_rate=0.05,iterations=" + std::to_string(epochs), toy.train);
    const double auc = held_out_auc(*m, toy);
    if (epochs == 0) {
      EXPECT_NEAR(auc, 0.5, 0.1) << "random start";
    } else {
      EXPECT_GT(auc, previous + 0.005) << epochs << " epochs";
    }
    previous = auc;
  }
  EXPECT_GT(previous, 0.85);
  // The training AUC the sampler sees improves as well.
  auto m = fit_bpr("factors=16,learning_rate=0.05,iterations=60", toy.train);
  ASSERT_EQ(m->train_auc().size(), 60u);
  EXPECT_GT(m->train_auc().back(), m->train_auc().front() + 0.2);
  for (const double s : m->skipped()) EXPECT_LT(s, 0.5);
}

TEST(Bpr, UniformAndPopularitySamplersBothLearn) {
  const Toy toy = make_toy();
  for (const std::string neg :
       {"negatives=uniform", "negatives=popularity,pop_exponent=1", "negatives=popularity"}) {
    auto m = fit_bpr("factors=16,iterations=60," + neg, toy.train);
    EXPECT_GT(held_out_auc(*m, toy), 0.85) << neg;
  }
}

TEST(Bpr, PopularityNegativesFollowPopularityToTheExponent) {
  const Toy toy = make_toy();
  auto m = fit_bpr("factors=4,iterations=1,negatives=popularity,pop_exponent=0.75", toy.train);
  const std::vector<double> w = m->negative_weights();
  ASSERT_EQ(w.size(), 120u);
  for (std::size_t i = 0; i < w.size(); ++i) {
    EXPECT_DOUBLE_EQ(w[i], std::pow(static_cast<double>(m->item_counts()[i]), 0.75)) << "item " << i;
  }
  // Training draws negatives from an alias table over these weights: the draws match them.
  const sgd::AliasTable table(w);
  sgd::Rng rng(123);
  const int draws = 2000000;
  std::vector<double> seen(w.size(), 0.0);
  for (int d = 0; d < draws; ++d) seen[static_cast<std::size_t>(table.sample(rng))] += 1;
  double total = 0;
  for (const double v : w) total += v;
  double chi2 = 0;
  int cells = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double expected = draws * w[i] / total;
    if (expected == 0) {
      EXPECT_EQ(seen[i], 0) << "item " << i << " has no positives and must never be drawn";
      continue;
    }
    chi2 += (seen[i] - expected) * (seen[i] - expected) / expected;
    ++cells;
  }
  // chi-square with cells - 1 degrees of freedom: mean df, sd sqrt(2 df); 5 sd is far out.
  const double df = cells - 1;
  EXPECT_LT(chi2, df + 5 * std::sqrt(2 * df)) << "cells " << cells;

  auto uniform = fit_bpr("factors=4,iterations=1,negatives=uniform", toy.train);
  for (const double v : uniform->negative_weights()) EXPECT_EQ(v, 1.0);
  // pop_exponent=1 is implicit's sampler: proportional to the counts.
  auto implicit_like = fit_bpr("factors=4,iterations=1,negatives=popularity,pop_exponent=1", toy.train);
  for (std::size_t i = 0; i < 120; ++i) {
    EXPECT_DOUBLE_EQ(implicit_like->negative_weights()[i],
                     static_cast<double>(implicit_like->item_counts()[i]));
  }
}

TEST(Bpr, FactorLayoutIsImplicits) {
  // factors counts the bias column: 64 -> 63 latent + bias, as implicit's factors=63.
  std::vector<SparseEntry> e = {{0, 0, 1}, {0, 1, 1}, {1, 1, 1}, {2, 2, 1}};
  const CsrMatrix x = CsrMatrix::from_entries(4, 5, e);  // user 3 and items 3, 4 have nothing
  auto m = fit_bpr("factors=64,iterations=20", x);
  EXPECT_EQ(m->user_factors().cols, 64);
  EXPECT_EQ(m->item_factors().cols, 64);
  for (std::int32_t u = 0; u < 4; ++u) EXPECT_EQ(m->user_factors().row(u)[63], 1.0f) << "user " << u;
  // Items nobody liked start at zero and popularity negatives never draw them.
  for (const std::int32_t i : {3, 4}) {
    for (int j = 0; j < 64; ++j) EXPECT_EQ(m->item_factors().row(i)[j], 0.0f);
  }
  for (int j = 0; j < 63; ++j) EXPECT_EQ(m->user_factors().row(3)[j], 0.0f);
  // A score is user . item, bias included.
  std::vector<float> s(5);
  m->score(0, s);
  float expected = 0;
  for (int j = 0; j < 64; ++j) expected += m->user_factors().row(0)[j] * m->item_factors().row(1)[j];
  EXPECT_NEAR(s[1], expected, 1e-5f);
  EXPECT_THROW(make_model("bpr:factors=1"), Error);
  EXPECT_THROW(m->score(4, s), Error);
}

TEST(Bpr, OneThreadIsDeterministicAndSeedsDiffer) {
  const Toy toy = make_toy();
  auto a = fit_bpr("factors=8,iterations=5,seed=3", toy.train);
  auto b = fit_bpr("factors=8,iterations=5,seed=3", toy.train);
  auto c = fit_bpr("factors=8,iterations=5,seed=4", toy.train);
  EXPECT_EQ(a->user_factors().data, b->user_factors().data);
  EXPECT_EQ(a->item_factors().data, b->item_factors().data);
  EXPECT_NE(a->item_factors().data, c->item_factors().data);
}

TEST(Bpr, SeveralThreadsLearnAsWell) {
  // Hogwild is not bit-reproducible, but it must learn as well as one thread.
  const Toy toy = make_toy();
  auto one = fit_bpr("factors=16,iterations=60", toy.train, 1);
  auto two = fit_bpr("factors=16,iterations=60", toy.train, 2);
  EXPECT_NEAR(held_out_auc(*two, toy), held_out_auc(*one, toy), 0.03);
}

// The per-user objective fold-in minimises: mean over (history item, negative) of
// log(1 + exp(s_neg - s_pos)) + regularization / 2 |u|^2 (u: the latent part).
double user_objective(const Bpr& m, std::span<const std::int32_t> history, const std::vector<float>& u,
                      double reg) {
  const int k = m.item_factors().cols;
  std::vector<double> s(static_cast<std::size_t>(m.n_items()));
  for (std::int32_t i = 0; i < m.n_items(); ++i) {
    double v = 0;
    for (int j = 0; j < k; ++j)
      v += static_cast<double>(u[static_cast<std::size_t>(j)]) * m.item_factors().row(i)[j];
    s[static_cast<std::size_t>(i)] = v;
  }
  const std::vector<double> w = m.negative_weights();
  double total_w = 0;
  for (std::int32_t j = 0; j < m.n_items(); ++j) {
    if (std::find(history.begin(), history.end(), j) == history.end())
      total_w += w[static_cast<std::size_t>(j)];
  }
  double f = 0;
  for (const std::int32_t i : history) {
    for (std::int32_t j = 0; j < m.n_items(); ++j) {
      if (std::find(history.begin(), history.end(), j) != history.end()) continue;
      f += w[static_cast<std::size_t>(j)] / total_w *
           std::log1p(std::exp(s[static_cast<std::size_t>(j)] - s[static_cast<std::size_t>(i)]));
    }
  }
  double norm = 0;
  for (int j = 0; j + 1 < k; ++j)
    norm += static_cast<double>(u[static_cast<std::size_t>(j)]) * u[static_cast<std::size_t>(j)];
  return f / static_cast<double>(history.size()) + 0.5 * reg * norm;
}

TEST(Bpr, FoldInIsTheUsersOptimumAndCloseToTrainedUsers) {
  const Toy toy = make_toy();
  auto m = fit_bpr("factors=8,learning_rate=0.02,regularization=0.05,iterations=300", toy.train);
  sgd::Rng rng(5);
  for (const std::int32_t u : {3, 50, 101}) {
    const auto history = toy.train.row_indices(u);
    const std::vector<float> folded = m->fold_in(history);
    ASSERT_EQ(folded.size(), 8u);
    EXPECT_EQ(folded[7], 1.0f);
    const double best = user_objective(*m, history, folded, 0.05);
    // Better than the trained vector (SGD noise) and than any nearby point.
    const std::vector<float> stored(m->user_factors().row(u), m->user_factors().row(u) + 8);
    EXPECT_LE(best, user_objective(*m, history, stored, 0.05) + 1e-9) << "user " << u;
    for (int trial = 0; trial < 10; ++trial) {
      std::vector<float> moved = folded;
      for (int j = 0; j < 7; ++j) moved[static_cast<std::size_t>(j)] += 0.05f * (rng.uniform() - 0.5f);
      EXPECT_LT(best, user_objective(*m, history, moved, 0.05)) << "user " << u;
    }
    // The stored and folded-in scores agree closely (the trained vector is the optimum plus noise).
    std::vector<float> a(120), b(120);
    m->score(u, a);
    m->score_history(history, toy.train.row_values(u), b);
    double saa = 0, sbb = 0, sab = 0, ma = 0, mb = 0;
    for (std::size_t i = 0; i < 120; ++i) {
      ma += a[i] / 120.0;
      mb += b[i] / 120.0;
    }
    for (std::size_t i = 0; i < 120; ++i) {
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
      sab += (a[i] - ma) * (b[i] - mb);
    }
    EXPECT_GT(sab / std::sqrt(saa * sbb), 0.95) << "user " << u;
  }
  // Deterministic; an empty or out-of-range history gives the item biases alone.
  EXPECT_EQ(m->fold_in(toy.train.row_indices(5)), m->fold_in(toy.train.row_indices(5)));
  const std::vector<std::int32_t> junk = {-1, 500};
  const auto empty = m->fold_in(junk);
  for (int j = 0; j < 7; ++j) EXPECT_EQ(empty[static_cast<std::size_t>(j)], 0.0f);
}

TEST(Bpr, SaveLoadRoundTripsEveryArray) {
  const Toy toy = make_toy();
  auto m = fit_bpr("factors=12,iterations=5", toy.train);
  test::TempDir tmp;
  save_model(*m, tmp / "bpr");
  // Plain .npy arrays a Python user can read, without the padding.
  const NpyArray items = load_npy(tmp / "bpr" / "item_factors.npy");
  EXPECT_EQ(items.shape, (std::vector<std::size_t>{120, 12}));
  EXPECT_EQ(load_npy(tmp / "bpr" / "user_factors.npy").shape, (std::vector<std::size_t>{240, 12}));
  auto back = load_model(tmp / "bpr");
  const auto* b = dynamic_cast<const Bpr*>(back.get());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->user_factors().data, m->user_factors().data);
  EXPECT_EQ(b->item_factors().data, m->item_factors().data);
  EXPECT_EQ(b->item_counts(), m->item_counts());
  std::vector<float> s1(120), s2(120);
  b->score_history(toy.train.row_indices(3), toy.train.row_values(3), s1);
  m->score_history(toy.train.row_indices(3), toy.train.row_values(3), s2);
  EXPECT_EQ(s1, s2);
  // Arrays of another width are refused.
  auto other = make_model("bpr:factors=8");
  EXPECT_THROW(other->load(tmp / "bpr"), Error);
}

}  // namespace
}  // namespace mn
