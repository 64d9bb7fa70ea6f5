// WARP beyond the contract suite: learning over epochs for each loss, item features helping cold
// items, the feature matrix, determinism, the user re-solve and the saved arrays.
#include "cf/warp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "io/npy.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

// 3 genres x 20 items; 150 users in 3 taste groups, each liking ~half of their genre's warm items
// and a few others. Items 15..19 of each genre are cold: nobody has them. One liked warm item per
// user is held out.
struct Toy {
  CsrMatrix train;
  CsrMatrix genres;  // items x 3, one-hot
  std::vector<std::int32_t> held_out;
};

constexpr std::int32_t kItems = 60;
constexpr std::int32_t kUsers = 150;

bool cold(std::int32_t item) { return item % 20 >= 15; }

Toy make_toy() {
  sgd::Rng rng(11);
  Toy toy;
  std::vector<SparseEntry> train, genres;
  for (std::int32_t i = 0; i < kItems; ++i) genres.push_back({i, i / 20, 1.0f});
  for (std::int32_t u = 0; u < kUsers; ++u) {
    std::vector<std::int32_t> liked;
    for (std::int32_t i = 0; i < kItems; ++i) {
      if (cold(i)) continue;
      if (rng.uniform() < (i / 20 == u % 3 ? 0.5f : 0.03f)) liked.push_back(i);
    }
    std::vector<std::size_t> own;
    for (std::size_t k = 0; k < liked.size(); ++k) {
      if (liked[k] / 20 == u % 3) own.push_back(k);
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
  toy.train = CsrMatrix::from_entries(kUsers, kItems, std::move(train));
  toy.genres = CsrMatrix::from_entries(kItems, 3, std::move(genres));
  return toy;
}

std::unique_ptr<Warp> fit_warp(const std::string& settings, const Toy& toy, int threads = 1,
                               bool with_features = true) {
  Params p(warp_model_info().params);
  for (const auto& [k, v] : parse_model_spec("warp:" + settings).settings) p.set(k, v);
  auto m = std::make_unique<Warp>(std::move(p));
  FitContext ctx;
  ctx.threads = threads;
  if (with_features) ctx.item_features = &toy.genres;
  m->fit(toy.train, ctx);
  return m;
}

double held_out_auc(const Recommender& m, const Toy& toy) {
  double total = 0;
  int users = 0;
  std::vector<float> s(kItems);
  for (std::int32_t u = 0; u < kUsers; ++u) {
    const std::int32_t h = toy.held_out[static_cast<std::size_t>(u)];
    if (h < 0) continue;
    m.score(u, s);
    int better = 0, pairs = 0;
    for (std::int32_t j = 0; j < kItems; ++j) {
      if (j == h || cold(j) || toy.train.contains(u, j)) continue;
      ++pairs;
      better += s[static_cast<std::size_t>(h)] > s[static_cast<std::size_t>(j)] ? 1 : 0;
    }
    total += static_cast<double>(better) / pairs;
    ++users;
  }
  return total / users;
}

// Mean over users of P(a cold item of their genre scores above a cold item of another genre).
double cold_item_auc(const Recommender& m) {
  double total = 0;
  std::vector<float> s(kItems);
  for (std::int32_t u = 0; u < kUsers; ++u) {
    m.score(u, s);
    int better = 0, pairs = 0;
    for (std::int32_t a = 0; a < kItems; ++a) {
      if (!cold(a) || a / 20 != u % 3) continue;
      for (std::int32_t b = 0; b < kItems; ++b) {
        if (!cold(b) || b / 20 == u % 3) continue;
        ++pairs;
        better += s[static_cast<std::size_t>(a)] > s[static_cast<std::size_t>(b)] ? 1 : 0;
      }
    }
    total += static_cast<double>(better) / pairs;
  }
  return total / kUsers;
}

TEST(Warp, HeldOutAucImprovesOverEpochsForEveryLoss) {
  const Toy toy = make_toy();
  // WARP overfits this small toy after ~10 epochs, and LightFM's BPR starts slowly: each loss is
  // checked over its own span of epochs.
  const std::vector<std::pair<std::string, std::vector<int>>> spans = {
      {"warp", {0, 2, 6}}, {"warp-kos", {0, 2, 6}}, {"bpr", {0, 10, 30}}};
  for (const auto& [loss, epochs_list] : spans) {
    double previous = 0;
    for (const int epochs : epochs_list) {
      auto m = fit_warp("factors=16,loss=" + loss + ",iterations=" + std::to_string(epochs), toy);
      const double auc = held_out_auc(*m, toy);
      if (epochs == 0) {
        EXPECT_NEAR(auc, 0.5, 0.15) << loss;
      } else {
        EXPECT_GT(auc, previous + 0.01) << loss << ", " << epochs << " epochs";
      }
      previous = auc;
    }
    EXPECT_GT(previous, 0.85) << loss;
  }
}

TEST(Warp, AdadeltaScheduleLearnsToo) {
  const Toy toy = make_toy();
  auto m = fit_warp("factors=16,learning_schedule=adadelta,iterations=30", toy);
  EXPECT_GT(held_out_auc(*m, toy), 0.8);
}

TEST(Warp, GenreFeaturesRankColdItemsOfTheUsersGenreFirst) {
  const Toy toy = make_toy();
  auto with = fit_warp("factors=16,iterations=30,item_features=genres", toy);
  auto without = fit_warp("factors=16,iterations=30", toy);
  const double auc_with = cold_item_auc(*with);
  const double auc_without = cold_item_auc(*without);
  EXPECT_GT(auc_with, 0.9);
  EXPECT_NEAR(auc_without, 0.5, 0.15) << "cold items carry nothing without features";
  EXPECT_GT(auc_with, auc_without + 0.3);
  // Features do not cost the warm items anything here.
  EXPECT_GT(held_out_auc(*with, toy), 0.8);
}

TEST(Warp, FeatureMatrixIsIdentityPlusFeaturesRowsNormalised) {
  const Toy toy = make_toy();
  auto m = fit_warp("factors=4,iterations=1,item_features=genres", toy);
  const CsrMatrix& f = m->item_feature_matrix();
  EXPECT_EQ(f.rows, kItems);
  EXPECT_EQ(f.cols, kItems + 3);
  EXPECT_EQ(m->item_embeddings().rows, kItems + 3);
  EXPECT_EQ(m->item_biases().size(), static_cast<std::size_t>(kItems + 3));
  for (std::int32_t i = 0; i < kItems; ++i) {
    ASSERT_EQ(f.row_indices(i).size(), 2u);
    EXPECT_EQ(f.row_indices(i)[0], i);
    EXPECT_EQ(f.row_indices(i)[1], kItems + i / 20);
    EXPECT_FLOAT_EQ(f.row_values(i)[0], 0.5f);
    EXPECT_FLOAT_EQ(f.row_values(i)[1], 0.5f);
  }
  // An item's representation is the weighted sum of its feature rows (bias in the last column).
  const auto& r = m->item_representations();
  for (int j = 0; j < 4; ++j) {
    const float expected = 0.5f * m->item_embeddings().row(7)[j] + 0.5f * m->item_embeddings().row(kItems)[j];
    EXPECT_NEAR(r.row(7)[j], expected, 1e-6f);
  }
  EXPECT_NEAR(r.row(7)[4], 0.5f * m->item_biases()[7] + 0.5f * m->item_biases()[kItems], 1e-6f);
  // Without features: the identity alone, weight 1.
  auto plain = fit_warp("factors=4,iterations=1", toy);
  EXPECT_EQ(plain->item_feature_matrix().cols, kItems);
  EXPECT_EQ(plain->item_feature_matrix().row_values(9)[0], 1.0f);
}

TEST(Warp, AskingForFeaturesWithoutAMatrixIsAClearError) {
  const Toy toy = make_toy();
  try {
    fit_warp("factors=4,iterations=1,item_features=genres", toy, 1, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("item_features=genres"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("FitContext::item_features"), std::string::npos) << e.what();
  }
  // A matrix of the wrong height is refused too.
  auto m = make_model("warp:factors=4,iterations=1,item_features=tags");
  const CsrMatrix wrong = CsrMatrix::from_entries(kItems - 1, 2, {});
  FitContext ctx;
  ctx.item_features = &wrong;
  EXPECT_THROW(m->fit(toy.train, ctx), Error);
}

TEST(Warp, OneThreadIsDeterministicAndSeedsDiffer) {
  const Toy toy = make_toy();
  for (const std::string settings : {"refit_users=false", "refit_users=true", "loss=warp-kos", "loss=bpr"}) {
    auto a = fit_warp("factors=8,iterations=5,seed=3," + settings, toy);
    auto b = fit_warp("factors=8,iterations=5,seed=3," + settings, toy);
    auto c = fit_warp("factors=8,iterations=5,seed=4," + settings, toy);
    EXPECT_EQ(a->item_embeddings().data, b->item_embeddings().data) << settings;
    EXPECT_EQ(a->user_embeddings().data, b->user_embeddings().data) << settings;
    EXPECT_EQ(a->item_biases(), b->item_biases()) << settings;
    EXPECT_NE(a->item_embeddings().data, c->item_embeddings().data) << settings;
  }
}

TEST(Warp, SeveralThreadsLearnAsWell) {
  const Toy toy = make_toy();
  auto one = fit_warp("factors=16,iterations=30", toy, 1);
  auto two = fit_warp("factors=16,iterations=30", toy, 2);
  EXPECT_NEAR(held_out_auc(*two, toy), held_out_auc(*one, toy), 0.05);
}

TEST(Warp, KnownUsersScoreAsTheirFoldedInHistory) {
  const Toy toy = make_toy();
  auto m = fit_warp("factors=8,iterations=20,item_features=genres", toy);
  std::vector<float> stored(kItems), folded(kItems);
  for (std::int32_t u = 0; u < kUsers; u += 13) {
    m->score(u, stored);
    m->score_history(toy.train.row_indices(u), toy.train.row_values(u), folded);
    EXPECT_EQ(stored, folded) << "user " << u;
  }
  // Without the re-solve the SGD vectors stay (LightFM's), and fold-in still ranks sensibly.
  auto raw = fit_warp("factors=8,iterations=20,refit_users=false", toy);
  const std::vector<std::int32_t> genre0 = {0, 1, 2, 3, 4, 5};
  const auto recs = recommend_history(*raw, genre0, std::vector<float>(genre0.size(), 1.0f), 5);
  for (const auto& r : recs) EXPECT_EQ(r.item / 20, 0) << "item " << r.item;
  // A brand-new user with an empty history gets the item biases: finite scores.
  raw->score_history({}, {}, folded);
  for (const float v : folded) EXPECT_TRUE(std::isfinite(v));
}

TEST(Warp, SaveLoadRoundTripsEveryArray) {
  const Toy toy = make_toy();
  auto m = fit_warp("factors=6,iterations=5,item_features=genres,loss=bpr", toy);
  test::TempDir tmp;
  save_model(*m, tmp / "warp");
  EXPECT_EQ(load_npy(tmp / "warp" / "item_embeddings.npy").shape, (std::vector<std::size_t>{kItems + 3, 6}));
  EXPECT_EQ(load_npy(tmp / "warp" / "user_embeddings.npy").shape, (std::vector<std::size_t>{kUsers, 6}));
  auto back = load_model(tmp / "warp");
  const auto* b = dynamic_cast<const Warp*>(back.get());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->item_embeddings().data, m->item_embeddings().data);
  EXPECT_EQ(b->item_biases(), m->item_biases());
  EXPECT_EQ(b->user_embeddings().data, m->user_embeddings().data);
  EXPECT_EQ(b->user_biases(), m->user_biases());
  EXPECT_EQ(b->item_feature_matrix().indptr, m->item_feature_matrix().indptr);
  EXPECT_EQ(b->item_feature_matrix().indices, m->item_feature_matrix().indices);
  EXPECT_EQ(b->item_feature_matrix().values, m->item_feature_matrix().values);
  EXPECT_EQ(b->item_representations().data, m->item_representations().data);
  std::vector<float> s1(kItems), s2(kItems);
  b->score_history(toy.train.row_indices(4), toy.train.row_values(4), s1);
  m->score_history(toy.train.row_indices(4), toy.train.row_values(4), s2);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(b->similar_items(3, 4).size(), 4u);
  // Damaged files are refused.
  save_npy(tmp / "warp" / "item_biases.npy", std::vector<float>(3, 0.0f), {3});
  EXPECT_THROW(load_model(tmp / "warp"), Error);
}

}  // namespace
}  // namespace mn
