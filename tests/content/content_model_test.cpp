// The content tower on real data: ml-latest-small with the TMDB metadata in ../shared/datasets.
#include "content/content_model.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "cf/registry.h"
#include "content/catalog_encoding.h"
#include "content/content_to_cf.h"
#include "eval/evaluate.h"
#include "eval/split.h"
#include "test_support.h"

namespace mn {
namespace {

class ContentOnRealData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_ = new test::TempDir();
    setenv("MOVIENIGHT_CACHE", cache_->path().c_str(), 1);
    dataset_ = new Dataset(load_dataset(
        {test::datasets_dir() / "ml-latest-small", test::datasets_dir() / "the-movies-dataset"}, {false}));
  }
  static void TearDownTestSuite() {
    delete dataset_;
    delete cache_;
    unsetenv("MOVIENIGHT_CACHE");
  }

  static double ndcg10(const std::string& spec, const Split& split,
                       const std::vector<RatingTriple>& fit_rows) {
    auto model = make_model(spec);
    FitContext ctx;
    ctx.catalog = &dataset_->catalog;
    const CsrMatrix train = to_matrix(fit_rows, split.n_users, split.n_items, true);
    model->fit(train, ctx);
    EvalOptions eo;
    eo.ks = {10};
    return evaluate_ranking(*model, train, split.test, split.candidate, eo).metrics.at("ndcg@10");
  }

  static Dataset* dataset_;
  static test::TempDir* cache_;
};
Dataset* ContentOnRealData::dataset_ = nullptr;
test::TempDir* ContentOnRealData::cache_ = nullptr;

int rank_of(const std::vector<ScoredItem>& list, const Catalog& catalog, const std::string& title) {
  for (std::size_t r = 0; r < list.size(); ++r) {
    if (catalog[list[r].item].title == title) return static_cast<int>(r);
  }
  return -1;
}

std::int32_t index_of_title(const Catalog& catalog, const std::string& title) {
  for (std::int32_t i = 0; i < catalog.size(); ++i) {
    if (catalog[i].title == title) return i;
  }
  return -1;
}

TEST_F(ContentOnRealData, ToyStory2IsAmongTheFiveMostSimilarToToyStory) {
  auto model = make_model("content");
  FitContext ctx;
  ctx.catalog = &dataset_->catalog;
  model->fit(CsrMatrix::from_entries(1, dataset_->catalog.size(), {}), ctx);
  const std::int32_t toy_story = index_of_title(dataset_->catalog, "Toy Story (1995)");
  ASSERT_GE(toy_story, 0);
  const auto similar = model->similar_items(toy_story, 5);
  const int rank = rank_of(similar, dataset_->catalog, "Toy Story 2 (1999)");
  EXPECT_GE(rank, 0);
  EXPECT_EQ(rank_of(similar, dataset_->catalog, "Toy Story (1995)"), -1);
}

TEST_F(ContentOnRealData, BeatsRandomTenfoldOnLeaveOneOut) {
  const Split split = make_splits(*dataset_, {})[0];
  const auto fit_rows = concat(split.train, split.validation);
  const double content = ndcg10("content", split, fit_rows);
  const double random = ndcg10("random", split, fit_rows);
  EXPECT_GE(content, 10 * random) << "content " << content << ", random " << random;
  EXPECT_GT(content, 0.005);
}

TEST_F(ContentOnRealData, ContentToCfRanksColdItemsAbovePopularity) {
  SplitOptions o;
  o.protocol = "coldstart";
  const Split split = make_splits(*dataset_, o)[0];
  const double pop = ndcg10("pop", split, split.train);
  const double mapped = ndcg10("content2cf", split, split.train);
  const double content = ndcg10("content", split, split.train);
  EXPECT_GT(mapped, pop) << "content2cf " << mapped << ", pop " << pop;
  EXPECT_GT(content, pop) << "content " << content << ", pop " << pop;
}

TEST_F(ContentOnRealData, SecondEncodingComesFromTheCache) {
  CatalogEncodingOptions o;
  o.encoder = "genres";
  const CatalogEncoding first = encode_catalog(dataset_->catalog, o);
  const CatalogEncoding second = encode_catalog(dataset_->catalog, o);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(first.embeddings, second.embeddings);
  EXPECT_EQ(first.encoder->fingerprint(), second.encoder->fingerprint());
}

TEST_F(ContentOnRealData, RecencyDecayChangesTheProfile) {
  const Split split = make_splits(*dataset_, {})[0];
  const auto rows = concat(split.train, split.validation);
  const CsrMatrix train = to_matrix(rows, split.n_users, split.n_items, true);
  const CsrMatrix ages = to_age_matrix(rows, split.n_users, split.n_items);
  ASSERT_EQ(ages.indices, train.indices);
  FitContext ctx;
  ctx.catalog = &dataset_->catalog;
  auto plain = make_model("content:encoder=genres");
  plain->fit(train, ctx);
  ctx.entry_age_days = &ages;
  auto decayed = make_model("content:encoder=genres,half_life_days=30");
  decayed->fit(train, ctx);
  std::vector<float> a(static_cast<std::size_t>(split.n_items)), b(a.size());
  int differ = 0;
  for (std::int32_t u = 0; u < 50; ++u) {
    plain->score(u, a);
    decayed->score(u, b);
    differ += a != b;
  }
  EXPECT_GT(differ, 25);
}

TEST(ContentToCfRidge, RecoversALinearMap) {
  // Targets made by a known map: the ridge solution with a tiny lambda finds it again.
  const int d = 3, f = 2, n = 40;
  const std::vector<float> w = {1, -2, 0.5f, 3, -1, 0.25f};
  std::vector<float> e(static_cast<std::size_t>(n * d)), q(static_cast<std::size_t>(n * f), 0.0f);
  std::vector<std::int32_t> rows;
  for (int i = 0; i < n; ++i) {
    for (int a = 0; a < d; ++a)
      e[static_cast<std::size_t>(i * d + a)] =
          static_cast<float>(std::sin(i * 1.7 * (a + 1) + 0.3 * a));  // independent columns
    for (int a = 0; a < d; ++a) {
      for (int b = 0; b < f; ++b)
        q[static_cast<std::size_t>(i * f + b)] +=
            e[static_cast<std::size_t>(i * d + a)] * w[static_cast<std::size_t>(a * f + b)];
    }
    rows.push_back(i);
  }
  const auto found = fit_ridge_map(e, d, q, f, rows, 1e-6);
  for (std::size_t k = 0; k < w.size(); ++k) EXPECT_NEAR(found[k], w[k], 1e-3);
  // A large lambda shrinks the map towards zero.
  const auto shrunk = fit_ridge_map(e, d, q, f, rows, 1e6);
  for (const float v : shrunk) EXPECT_LT(std::abs(v), 0.01f);
}

}  // namespace
}  // namespace mn
