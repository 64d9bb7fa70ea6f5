// The contract every registered model passes (implicit's RecommenderBaseTestMixin, in GoogleTest):
// one parameterised suite over model_registry(), each model with its ModelInfo::test_settings.
//
// Data: a 50 x 50 checkerboard (even users like even items, odd users odd items) with the
// diagonal withheld, so the answers are known: user u's best unseen item is an item of its parity.
// Explicit-rating models (ModelInfo::explicit_ratings) cannot learn from all-1 values: they get
// the same board rated 4-5, plus about half of the opposite-parity cells rated 1-2.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

#include "cf/registry.h"
#include "data/catalog.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

constexpr std::int32_t kSize = 50;

CsrMatrix checkerboard() {
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < kSize; ++u) {
    for (std::int32_t i = 0; i < kSize; ++i) {
      if (u != i && (u % 2) == (i % 2)) entries.push_back({u, i, 1.0f});
    }
  }
  return CsrMatrix::from_entries(kSize, kSize, std::move(entries));
}

CsrMatrix rated_checkerboard() {
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < kSize; ++u) {
    for (std::int32_t i = 0; i < kSize; ++i) {
      if (u == i) continue;
      if ((u % 2) == (i % 2)) {
        entries.push_back({u, i, 4.0f + static_cast<float>(((u + i) / 2) % 2)});
      } else if ((u + i) % 4 == 1) {
        entries.push_back({u, i, 1.0f + static_cast<float>((u / 2 + i / 2) % 2)});
      }
    }
  }
  return CsrMatrix::from_entries(kSize, kSize, std::move(entries));
}

// The board a model fits on.
CsrMatrix board(const std::string& name) {
  return find_model(name).explicit_ratings ? rated_checkerboard() : checkerboard();
}

// Models that rank every user alike (no personalisation to recover): pop; normal (random draws)
// and baseline (biases) among the explicit ones; slopeone's item deviations cancel out on this
// symmetric board, so it ranks by them alone.
// random scores by a hash, so it recovers nothing either.
bool ranks_everyone_alike(const std::string& name) {
  return name == "pop" || name == "normal" || name == "baseline" || name == "slopeone" || name == "random";
}

// Content models read the catalog: a toy one whose genres follow the board's parity (even movies
// are comedies, odd ones horror). Their embedding cache goes to a temporary folder.
const Catalog& toy_catalog(std::int32_t n) {
  static test::TempDir cache;
  static const bool cache_set = setenv("MOVIENIGHT_CACHE", cache.path().c_str(), 1) == 0;
  static std::map<std::int32_t, Catalog> catalogs;
  (void)cache_set;
  auto [it, added] = catalogs.try_emplace(n);
  if (added) {
    for (std::int32_t i = 0; i < n; ++i) {
      Movie m;
      m.movie_id = i + 1;
      m.title = "Movie " + std::to_string(i) + " (2000)";
      m.year = 2000;
      m.genres = {i % 2 == 0 ? "Comedy" : "Horror"};
      it->second.add(std::move(m));
    }
  }
  return it->second;
}

FitContext context_for(const std::string& name, std::int32_t n_items, int threads = 1) {
  FitContext ctx;
  ctx.threads = threads;
  if (find_model(name).needs_catalog) ctx.catalog = &toy_catalog(n_items);
  return ctx;
}

std::unique_ptr<Recommender> fitted(const std::string& name, int threads = 1, const std::string& extra = "") {
  const ModelInfo& info = find_model(name);
  std::string spec = name + ":" + info.test_settings;
  if (!extra.empty()) spec += (info.test_settings.empty() ? "" : ",") + extra;
  auto model = make_model(spec);
  model->fit(board(name), context_for(name, kSize, threads));
  return model;
}

std::vector<float> scores_of(const Recommender& m, std::int32_t u) {
  std::vector<float> s(static_cast<std::size_t>(m.n_items()));
  m.score(u, s);
  return s;
}

class ModelContract : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelContract, FitsTheShapeAndScoresAreFinite) {
  auto m = fitted(GetParam());
  EXPECT_EQ(m->n_users(), kSize);
  EXPECT_EQ(m->n_items(), kSize);
  for (std::int32_t u = 0; u < kSize; ++u) {
    for (const float s : scores_of(*m, u)) ASSERT_TRUE(std::isfinite(s)) << "user " << u;
  }
}

TEST_P(ModelContract, RecoversTheObviousPreference) {
  if (ranks_everyone_alike(GetParam())) GTEST_SKIP() << GetParam() << " ranks every user alike";
  auto m = fitted(GetParam());
  const CsrMatrix seen = board(GetParam());
  int right = 0;
  for (std::int32_t u = 0; u < kSize; ++u) {
    const auto top = recommend(*m, u, 1, &seen);
    ASSERT_EQ(top.size(), 1u);
    right += (top[0].item % 2) == (u % 2) ? 1 : 0;
  }
  // The only unseen item of the user's parity is the withheld diagonal: u itself.
  EXPECT_GE(right, kSize - 2) << "top-1 should have the user's parity";
}

TEST_P(ModelContract, SeenItemsAreExcludedAndScoresNeverIncrease) {
  auto m = fitted(GetParam());
  const CsrMatrix seen = board(GetParam());
  for (std::int32_t u = 0; u < kSize; u += 7) {
    const auto recs = recommend(*m, u, 10, &seen);
    ASSERT_EQ(recs.size(), 10u);
    for (std::size_t r = 0; r < recs.size(); ++r) {
      EXPECT_FALSE(seen.contains(u, recs[r].item)) << "user " << u << " item " << recs[r].item;
      if (r > 0) {
        EXPECT_LE(recs[r].score, recs[r - 1].score);
      }
    }
  }
}

TEST_P(ModelContract, AskingForMoreThanTheCatalogueReturnsWhatExists) {
  auto m = fitted(GetParam());
  const CsrMatrix seen = board(GetParam());
  const auto recs = recommend(*m, 3, 1000, &seen);
  EXPECT_EQ(recs.size(), static_cast<std::size_t>(kSize - seen.row_indices(3).size()));
  std::set<std::int32_t> unique;
  for (const auto& r : recs) unique.insert(r.item);
  EXPECT_EQ(unique.size(), recs.size());
}

TEST_P(ModelContract, SimilarItemsExcludeTheItemAndShareItsParity) {
  auto m = fitted(GetParam());
  const auto sim = m->similar_items(4, 5);
  ASSERT_EQ(sim.size(), 5u);
  for (const auto& s : sim) EXPECT_NE(s.item, 4);
  if (!ranks_everyone_alike(GetParam()) || GetParam() == "slopeone") {
    for (const auto& s : sim) EXPECT_EQ(s.item % 2, 0) << "item " << s.item;
  }
}

TEST_P(ModelContract, FoldInOfATrainingUserMatchesItsStoredScores) {
  if (GetParam() == "normal" || GetParam() == "random")
    GTEST_SKIP() << GetParam() << " draws each (user, item) at random";
  auto m = fitted(GetParam());
  const CsrMatrix seen = board(GetParam());
  for (std::int32_t u : {0, 1, 17, 48}) {
    std::vector<float> folded(static_cast<std::size_t>(kSize));
    m->score_history(seen.row_indices(u), seen.row_values(u), folded);
    const auto stored = scores_of(*m, u);
    // Same ranking at the top, and close scores (exact for neighbourhood models).
    std::vector<float> a = stored, b = folded;
    exclude_items(a, seen.row_indices(u));
    exclude_items(b, seen.row_indices(u));
    EXPECT_EQ(top_k(a, 1)[0].item, top_k(b, 1)[0].item) << "user " << u;
    float scale = 0;
    for (const float s : stored) scale = std::max(scale, std::abs(s));
    for (std::size_t i = 0; i < stored.size(); ++i) {
      ASSERT_NEAR(folded[i], stored[i], 0.05f * std::max(scale, 1e-6f) + 1e-5f)
          << "user " << u << " item " << i;
    }
  }
}

TEST_P(ModelContract, BrandNewUserGetsItemsLikeTheirHistory) {
  if (ranks_everyone_alike(GetParam())) GTEST_SKIP() << GetParam() << " ignores the history's taste";
  auto m = fitted(GetParam());
  std::vector<std::int32_t> items = {1, 3, 5, 7, 9};
  std::vector<float> values(items.size(), 1.0f);
  if (find_model(GetParam()).explicit_ratings) {
    // Rated 5, and even items rated 1: a taste is a contrast of ratings.
    values.assign(items.size(), 5.0f);
    for (const std::int32_t i : {0, 2, 4, 6, 8}) {
      items.push_back(i);
      values.push_back(1.0f);
    }
  }
  const auto recs = recommend_history(*m, items, values, 5);
  ASSERT_EQ(recs.size(), 5u);
  for (const auto& r : recs) {
    EXPECT_EQ(r.item % 2, 1) << "item " << r.item;
    EXPECT_EQ(std::count(items.begin(), items.end(), r.item), 0);
  }
}

TEST_P(ModelContract, SaveThenLoadGivesIdenticalScores) {
  auto m = fitted(GetParam());
  test::TempDir tmp;
  save_model(*m, tmp / "model", {"fingerprint-x", {}});
  auto back = load_model(tmp / "model");
  EXPECT_EQ(back->name(), m->name());
  EXPECT_EQ(back->params().to_string(), m->params().to_string());
  EXPECT_EQ(read_manifest(tmp / "model")["data_fingerprint"], "fingerprint-x");
  for (std::int32_t u = 0; u < kSize; u += 5)
    EXPECT_EQ(scores_of(*m, u), scores_of(*back, u)) << "user " << u;
  EXPECT_EQ(m->similar_items(2, 5).size(), back->similar_items(2, 5).size());
}

TEST_P(ModelContract, SameSeedAndThreadsSameResult) {
  auto a = fitted(GetParam(), 1);
  auto b = fitted(GetParam(), 1);
  for (std::int32_t u = 0; u < kSize; u += 3) EXPECT_EQ(scores_of(*a, u), scores_of(*b, u)) << "user " << u;
}

TEST_P(ModelContract, EmptyRowsAndColumnsAreHandled) {
  // A user with no history and an item nobody has: fit must not fail, and the empty item must
  // not be recommended above items with evidence.
  std::vector<SparseEntry> entries;
  for (std::int32_t u = 0; u < 10; ++u) {
    for (std::int32_t i = 0; i < 10; ++i) {
      if (u != 0 && i != 5 && (u + i) % 3 != 0) entries.push_back({u, i, 1.0f});
    }
  }
  const CsrMatrix x = CsrMatrix::from_entries(10, 10, std::move(entries));
  const ModelInfo& info = find_model(GetParam());
  auto m = make_model(GetParam() + ":" + info.test_settings);
  m->fit(x, context_for(GetParam(), 10));
  std::vector<float> s(10);
  m->score(0, s);
  for (const float v : s) EXPECT_TRUE(std::isfinite(v));
  m->score(3, s);
  for (const float v : s) EXPECT_TRUE(std::isfinite(v));
}

TEST_P(ModelContract, UnknownParameterIsRejectedWithTheKnownOnes) {
  try {
    make_model(GetParam() + ":no_such_parameter=1");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown parameter 'no_such_parameter'"), std::string::npos)
        << e.what();
  }
}

std::vector<std::string> registered_names() {
  std::vector<std::string> names;
  for (const ModelInfo& m : model_registry()) names.push_back(m.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(AllModels, ModelContract, ::testing::ValuesIn(registered_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(Registry, UnknownModelListsTheKnownOnes) {
  try {
    make_model("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("known models: pop"), std::string::npos) << e.what();
  }
}

TEST(Registry, SpecsParseAndPrintBack) {
  const auto specs = parse_model_list("pop; pop:by=mean,damping=5 ;");
  ASSERT_EQ(specs.size(), 2u);
  auto m = make_model(specs[1]);
  EXPECT_EQ(m->params().changed(), "by=mean,damping=5");
  EXPECT_EQ(make_model("pop:" + m->params().to_string())->params().to_string(), m->params().to_string());
  EXPECT_THROW(make_model("pop:by=median"), Error);
  EXPECT_THROW(make_model("pop:damping=-1"), Error);
  EXPECT_THROW(make_model("pop:damping"), Error);
}

}  // namespace
}  // namespace mn
