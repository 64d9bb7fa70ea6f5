#include "index/vector_index.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "io/file.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

std::vector<float> random_rows(std::int64_t n, int dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> rows(static_cast<std::size_t>(n) * static_cast<std::size_t>(dim));
  for (float& v : rows) v = normal(rng);
  return rows;
}

// Points around a few dozen centres, like item embeddings that form genres.
std::vector<float> clustered_rows(std::int64_t n, int dim, int clusters, std::uint32_t seed,
                                  float noise = 0.6f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(static_cast<std::size_t>(clusters) * static_cast<std::size_t>(dim));
  for (float& v : centres) v = normal(rng);
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> rows(static_cast<std::size_t>(n) * static_cast<std::size_t>(dim));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<std::size_t>(pick(rng));
    for (int j = 0; j < dim; ++j) {
      rows[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] =
          centres[c * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] + noise * normal(rng);
    }
  }
  return rows;
}

// Exact top k by (score desc, id asc), excluded ids skipped, computed in double.
std::vector<Neighbor> brute_force(const std::vector<float>& rows, int dim, std::span<const float> query,
                                  int k, bool cosine, const std::set<std::int64_t>& exclude = {}) {
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n = rows.size() / d;
  const auto norm = [&](const float* v) {
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) s += static_cast<double>(v[j]) * v[j];
    return std::sqrt(s);
  };
  const double qn = cosine ? norm(query.data()) : 1.0;
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::size_t i = 0; i < n; ++i) {
    if (exclude.count(static_cast<std::int64_t>(i)) != 0) continue;
    const float* r = rows.data() + i * d;
    double dot = 0;
    for (std::size_t j = 0; j < d; ++j) dot += static_cast<double>(r[j]) * query[j];
    if (cosine) {
      const double rn = norm(r);
      dot = (rn > 0 && qn > 0) ? dot / (rn * qn) : 0.0;
    }
    all.emplace_back(dot, static_cast<std::int64_t>(i));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<Neighbor> out;
  for (std::size_t i = 0; i < all.size() && i < static_cast<std::size_t>(k); ++i) {
    out.push_back({all[i].second, static_cast<float>(all[i].first)});
  }
  return out;
}

// Same ranking as the exact answer: scores agree, and ids agree except where two scores are a
// float rounding apart (then either order is right).
void expect_same_ranking(const std::vector<Neighbor>& got, const std::vector<Neighbor>& want,
                         float tol = 1e-4f) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t r = 0; r < got.size(); ++r) {
    EXPECT_NEAR(got[r].score, want[r].score, tol) << "rank " << r;
    if (got[r].id != want[r].id) {
      EXPECT_NEAR(got[r].score, want[r].score, 1e-5f)
          << "rank " << r << " ids " << got[r].id << " vs " << want[r].id;
    }
  }
}

std::span<const float> row(const std::vector<float>& rows, int dim, std::size_t i) {
  return {rows.data() + i * static_cast<std::size_t>(dim), static_cast<std::size_t>(dim)};
}

ErrorKind error_kind_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no mn::Error thrown";
  return ErrorKind::kInternal;
}

TEST(VectorIndexTest, FlatCosineMatchesBruteForce) {
  const int dim = 32;
  const auto rows = random_rows(800, dim, 1);
  const auto queries = random_rows(25, dim, 2);
  const VectorIndex index = VectorIndex::build(rows, dim);
  EXPECT_EQ(index.size(), 800);
  EXPECT_EQ(index.dim(), dim);
  for (std::size_t q = 0; q < 25; ++q) {
    const auto got = index.search(row(queries, dim, q), 10);
    expect_same_ranking(got, brute_force(rows, dim, row(queries, dim, q), 10, true));
  }
}

TEST(VectorIndexTest, FlatInnerProductMatchesBruteForce) {
  const int dim = 24;
  auto rows = random_rows(600, dim, 3);
  // Rows of different lengths, so that inner product and cosine disagree.
  for (std::size_t i = 0; i < 600; ++i) {
    for (int j = 0; j < dim; ++j)
      rows[i * dim + static_cast<std::size_t>(j)] *= 0.2f + static_cast<float>(i % 7);
  }
  const auto queries = random_rows(20, dim, 4);
  IndexOptions options;
  options.metric = IndexMetric::kInnerProduct;
  const VectorIndex index = VectorIndex::build(rows, dim, options);
  for (std::size_t q = 0; q < 20; ++q) {
    const auto got = index.search(row(queries, dim, q), 15);
    expect_same_ranking(got, brute_force(rows, dim, row(queries, dim, q), 15, false), 1e-3f);
  }
  // Cosine would rank differently on these rows.
  const auto cosine = brute_force(rows, dim, row(queries, dim, 0), 15, true);
  const auto ip = index.search(row(queries, dim, 0), 15);
  bool differs = false;
  for (std::size_t r = 0; r < 15; ++r) differs = differs || cosine[r].id != ip[r].id;
  EXPECT_TRUE(differs);
}

TEST(VectorIndexTest, ExcludedIdsAreNeverReturnedAndKStillComesBack) {
  const int dim = 16;
  const auto rows = random_rows(400, dim, 5);
  const auto query = random_rows(1, dim, 6);
  for (const IndexKind kind : {IndexKind::kFlat, IndexKind::kHnsw}) {
    IndexOptions options;
    options.kind = kind;
    const VectorIndex index = VectorIndex::build(rows, dim, options);
    // Exclude the unfiltered top 20 and every third id.
    std::set<std::int64_t> exclude;
    for (const Neighbor& nb : index.search(query, 20)) exclude.insert(nb.id);
    for (std::int64_t i = 0; i < 400; i += 3) exclude.insert(i);
    const std::vector<std::int64_t> list(exclude.begin(), exclude.end());
    const auto got = index.search(query, 10, list);
    ASSERT_EQ(got.size(), 10u) << index_kind_name(kind);
    for (const Neighbor& nb : got) EXPECT_EQ(exclude.count(nb.id), 0u) << nb.id;
    expect_same_ranking(got, brute_force(rows, dim, query, 10, true, exclude));
  }
}

TEST(VectorIndexTest, HnswStillReturnsKWhenAlmostEverythingIsExcluded) {
  const int dim = 16;
  const auto rows = clustered_rows(2000, dim, 20, 7);
  const auto query = random_rows(1, dim, 8);
  IndexOptions options;
  options.kind = IndexKind::kHnsw;
  options.ef_search = 16;
  const VectorIndex index = VectorIndex::build(rows, dim, options);
  // Only 12 ids remain, scattered; the graph walk alone would not find them all.
  std::set<std::int64_t> keep;
  for (std::int64_t i = 7; i < 2000; i += 167) keep.insert(i);
  std::vector<std::int64_t> exclude;
  std::set<std::int64_t> exclude_set;
  for (std::int64_t i = 0; i < 2000; ++i) {
    if (keep.count(i) == 0) {
      exclude.push_back(i);
      exclude_set.insert(i);
    }
  }
  const auto got = index.search(query, 10, exclude);
  ASSERT_EQ(got.size(), 10u);
  for (const Neighbor& nb : got) EXPECT_EQ(keep.count(nb.id), 1u) << nb.id;
  expect_same_ranking(got, brute_force(rows, dim, query, 10, true, exclude_set));
  // Asking for more than remain gives what remains.
  EXPECT_EQ(index.search(query, 50, exclude).size(), keep.size());
}

double recall_at_10(const std::vector<std::vector<Neighbor>>& exact,
                    const std::vector<std::vector<Neighbor>>& approx) {
  std::size_t hits = 0, total = 0;
  for (std::size_t q = 0; q < exact.size(); ++q) {
    std::set<std::int64_t> truth;
    for (const Neighbor& nb : exact[q]) truth.insert(nb.id);
    for (const Neighbor& nb : approx[q]) hits += truth.count(nb.id);
    total += exact[q].size();
  }
  return static_cast<double>(hits) / static_cast<double>(total);
}

TEST(VectorIndexTest, HnswRecallAtTenIsAtLeast95PercentOfFlat) {
  const int dim = 64;
  const std::int64_t n = 10000;
  // 10,200 points around 50 overlapping centres; the last 200 are the queries (like user
  // vectors, they lie where the items do).
  const auto all = clustered_rows(n + 200, dim, 50, 9, 1.5f);
  const std::vector<float> rows(all.begin(), all.begin() + n * dim);
  const std::vector<float> queries(all.begin() + n * dim, all.end());
  const VectorIndex flat = VectorIndex::build(rows, dim);
  IndexOptions options;
  options.kind = IndexKind::kHnsw;
  VectorIndex hnsw = VectorIndex::build(rows, dim, options);
  const auto exact = flat.search_batch(queries, 10);
  const auto approx = hnsw.search_batch(queries, 10);
  ASSERT_EQ(approx.size(), 200u);
  for (const auto& list : approx) ASSERT_EQ(list.size(), 10u);
  const double recall = recall_at_10(exact, approx);
  EXPECT_GE(recall, 0.95);
  RecordProperty("recall_at_10", std::to_string(recall));

  // Queries from elsewhere (other centres) are harder for the graph walk; a wider search list
  // still finds 95%, and a very narrow one visibly does not, so the measure above means something.
  const auto far = clustered_rows(200, dim, 50, 1009, 0.6f);
  const auto far_exact = flat.search_batch(far, 10);
  hnsw.set_ef_search(256);
  const double far_recall = recall_at_10(far_exact, hnsw.search_batch(far, 10));
  EXPECT_GE(far_recall, 0.95);
  hnsw.set_ef_search(10);
  const double narrow_recall = recall_at_10(far_exact, hnsw.search_batch(far, 10));
  EXPECT_LT(narrow_recall, far_recall - 0.05);
  std::printf(
      "HNSW recall@10 (M=32, efConstruction=%d): %.4f at ef_search 128; other-centre queries %.4f at 256, "
      "%.4f at 10\n",
      options.ef_construction, recall, far_recall, narrow_recall);
}

TEST(VectorIndexTest, SaveLoadRoundTripGivesIdenticalResults) {
  const int dim = 20;
  const auto rows = clustered_rows(1500, dim, 10, 11);
  const auto queries = random_rows(30, dim, 12);
  const std::vector<std::vector<std::int64_t>> excludes(30, std::vector<std::int64_t>{1, 2, 3, 500});
  test::TempDir dir;
  for (const IndexKind kind : {IndexKind::kFlat, IndexKind::kHnsw}) {
    IndexOptions options;
    options.kind = kind;
    options.hnsw_m = 16;
    options.ef_search = 40;
    const VectorIndex built = VectorIndex::build(rows, dim, options);
    const auto path = dir / (std::string(index_kind_name(kind)) + ".mnidx");
    built.save(path);
    const VectorIndex loaded = VectorIndex::load(path);
    EXPECT_EQ(loaded.size(), built.size());
    EXPECT_EQ(loaded.dim(), dim);
    EXPECT_EQ(loaded.options().kind, kind);
    EXPECT_EQ(loaded.options().metric, IndexMetric::kCosine);
    EXPECT_EQ(loaded.options().hnsw_m, 16);
    EXPECT_EQ(loaded.options().ef_search, 40);
    EXPECT_EQ(loaded.vector(77), built.vector(77));
    for (const bool with_excludes : {false, true}) {
      const auto a = built.search_batch(queries, 10, with_excludes ? excludes : decltype(excludes){});
      const auto b = loaded.search_batch(queries, 10, with_excludes ? excludes : decltype(excludes){});
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t q = 0; q < a.size(); ++q) {
        ASSERT_EQ(a[q].size(), b[q].size());
        for (std::size_t r = 0; r < a[q].size(); ++r) {
          EXPECT_EQ(a[q][r].id, b[q][r].id);
          EXPECT_EQ(a[q][r].score, b[q][r].score);
        }
      }
    }
    // Saving again over the file replaces it in one step and leaves no temporary behind.
    loaded.save(path);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
    EXPECT_EQ(files, kind == IndexKind::kFlat ? 1u : 2u);
  }
}

TEST(VectorIndexTest, MissingOrCorruptFileIsAnErrorNamingTheFile) {
  test::TempDir dir;
  std::string message;
  EXPECT_EQ(error_kind_of([&] { VectorIndex::load(dir / "absent.mnidx"); }, &message), ErrorKind::kNotFound);
  EXPECT_NE(message.find("absent.mnidx"), std::string::npos) << message;

  test::write_text(dir / "garbage.mnidx", "this is not an index at all");
  EXPECT_EQ(error_kind_of([&] { VectorIndex::load(dir / "garbage.mnidx"); }, &message),
            ErrorKind::kInvalidInput);
  EXPECT_NE(message.find("garbage.mnidx"), std::string::npos) << message;

  const auto rows = random_rows(300, 8, 13);
  for (const IndexKind kind : {IndexKind::kFlat, IndexKind::kHnsw}) {
    IndexOptions options;
    options.kind = kind;
    const auto good = dir / "good.mnidx";
    VectorIndex::build(rows, 8, options).save(good);
    const std::string bytes = read_file(good);
    ASSERT_GT(bytes.size(), 200u);
    // Truncated, one flipped byte deep in FAISS's payload, a damaged header.
    const std::vector<std::pair<std::string, std::string>> damaged = {
        {"truncated.mnidx", bytes.substr(0, bytes.size() / 2)},
        {"flipped.mnidx",
         [&] {
           std::string b = bytes;
           b[b.size() - 100] = static_cast<char>(b[b.size() - 100] ^ 0x5A);
           return b;
         }()},
        {"header.mnidx",
         [&] {
           std::string b = bytes;
           b[14] = '#';
           return b;
         }()},
        {"empty.mnidx", ""},
    };
    for (const auto& [name, content] : damaged) {
      test::write_text(dir / name, content);
      EXPECT_EQ(error_kind_of([&] { VectorIndex::load(dir / name); }, &message), ErrorKind::kInvalidInput)
          << name;
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

TEST(VectorIndexTest, BatchEqualsSingles) {
  const int dim = 32;
  const auto rows = clustered_rows(3000, dim, 30, 14);
  const auto queries = random_rows(60, dim, 15);  // over FAISS's BLAS threshold of 20 queries
  std::vector<std::vector<std::int64_t>> excludes(60);
  for (std::size_t q = 0; q < 60; q += 2) {
    for (std::int64_t id = static_cast<std::int64_t>(q); id < 3000; id += 37) excludes[q].push_back(id);
  }
  for (const IndexKind kind : {IndexKind::kFlat, IndexKind::kHnsw}) {
    IndexOptions options;
    options.kind = kind;
    options.threads = 2;
    const VectorIndex index = VectorIndex::build(rows, dim, options);
    const auto plain = index.search_batch(queries, 12);
    const auto filtered = index.search_batch(queries, 12, excludes);
    ASSERT_EQ(plain.size(), 60u);
    ASSERT_EQ(filtered.size(), 60u);
    for (std::size_t q = 0; q < 60; ++q) {
      const auto single = index.search(row(queries, dim, q), 12);
      expect_same_ranking(plain[q], single, 1e-5f);
      const auto single_filtered = index.search(row(queries, dim, q), 12, excludes[q]);
      if (excludes[q].empty()) {
        // Batched flat queries go through BLAS: the same ranking, scores a rounding apart.
        expect_same_ranking(filtered[q], single_filtered, 1e-5f);
        continue;
      }
      // With exclusions each query runs on its own, exactly as a single search does.
      ASSERT_EQ(filtered[q].size(), single_filtered.size());
      for (std::size_t r = 0; r < single_filtered.size(); ++r) {
        EXPECT_EQ(filtered[q][r].id, single_filtered[r].id);
        EXPECT_EQ(filtered[q][r].score, single_filtered[r].score);
      }
    }
  }
  const VectorIndex index = VectorIndex::build(rows, dim);
  EXPECT_EQ(error_kind_of([&] { index.search_batch(queries, 5, std::vector<std::vector<std::int64_t>>(3)); }),
            ErrorKind::kInvalidInput);
  EXPECT_TRUE(index.search_batch({}, 5).empty());
}

TEST(VectorIndexTest, KLargerThanNAndSmallEdgeCases) {
  const int dim = 4;
  const std::vector<float> rows = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1};
  const std::vector<float> query = {1, 0.5f, 0, 0};
  for (const IndexKind kind : {IndexKind::kFlat, IndexKind::kHnsw}) {
    IndexOptions options;
    options.kind = kind;
    const VectorIndex index = VectorIndex::build(rows, dim, options);
    const auto all = index.search(query, 100);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].id, 3);  // (1,1,0,0) is closest to (1,0.5,0,0) in angle
    EXPECT_EQ(all[1].id, 0);
    EXPECT_EQ(all[2].id, 1);
    EXPECT_EQ(all[3].id, 2);  // 2 and 4 both score 0: smaller id first
    EXPECT_EQ(all[4].id, 4);
    const std::vector<std::int64_t> exclude = {0, 3};
    const auto rest = index.search(query, 100, exclude);
    ASSERT_EQ(rest.size(), 3u);
    EXPECT_EQ(rest[0].id, 1);
    EXPECT_TRUE(index.search(query, 0).empty());
    const std::vector<std::int64_t> everything = {0, 1, 2, 3, 4, 4};
    EXPECT_TRUE(index.search(query, 3, everything).empty());
    const auto batch = index.search_batch(query, 100, {exclude});
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ(batch[0].size(), 3u);
  }
  const VectorIndex empty = VectorIndex::build(nullptr, 0, dim);
  EXPECT_EQ(empty.size(), 0);
  EXPECT_TRUE(empty.search(query, 5).empty());
}

TEST(VectorIndexTest, BadInputIsAnInvalidInputError) {
  const int dim = 8;
  const auto rows = random_rows(50, dim, 16);
  const VectorIndex index = VectorIndex::build(rows, dim);
  const std::vector<float> short_query(7, 1.0f);
  std::string message;
  EXPECT_EQ(error_kind_of([&] { index.search(short_query, 3); }, &message), ErrorKind::kInvalidInput);
  EXPECT_NE(message.find("8"), std::string::npos) << message;
  EXPECT_EQ(error_kind_of([&] { index.search_batch(short_query, 3); }), ErrorKind::kInvalidInput);
  const std::vector<float> query(8, 1.0f);
  EXPECT_EQ(error_kind_of([&] { index.search(query, -1); }), ErrorKind::kInvalidInput);
  const std::vector<std::int64_t> outside = {50};
  EXPECT_EQ(error_kind_of([&] { index.search(query, 3, outside); }), ErrorKind::kInvalidInput);
  std::vector<float> nan_query(8, 0.0f);
  nan_query[3] = std::nanf("");
  EXPECT_EQ(error_kind_of([&] { index.search(nan_query, 3); }), ErrorKind::kInvalidInput);
  EXPECT_EQ(error_kind_of([&] { VectorIndex::build(rows, 7); }), ErrorKind::kInvalidInput);
  EXPECT_EQ(error_kind_of([&] { VectorIndex::build(rows, 0); }), ErrorKind::kInvalidInput);
  EXPECT_EQ(error_kind_of([&] { index.vector(50); }), ErrorKind::kInvalidInput);
  IndexOptions options;
  options.kind = IndexKind::kHnsw;
  options.hnsw_m = 1;
  EXPECT_EQ(error_kind_of([&] { VectorIndex::build(rows, dim, options); }), ErrorKind::kInvalidInput);
}

TEST(VectorIndexTest, ZeroRowsAndQueriesScoreZeroUnderCosine) {
  const int dim = 3;
  const std::vector<float> rows = {0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 2};
  for (const IndexKind kind : {IndexKind::kFlat, IndexKind::kHnsw}) {
    IndexOptions options;
    options.kind = kind;
    const VectorIndex index = VectorIndex::build(rows, dim, options);
    const std::vector<float> query = {3, 4, 0};
    const auto got = index.search(query, 4);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].id, 1);
    EXPECT_NEAR(got[0].score, 1.0f, 1e-6f);
    for (std::size_t r = 1; r < 4; ++r) {
      EXPECT_FALSE(std::isnan(got[r].score));
      EXPECT_EQ(got[r].score, 0.0f);
    }
    EXPECT_EQ(got[1].id, 0);
    EXPECT_EQ(got[2].id, 2);
    EXPECT_EQ(got[3].id, 3);
    EXPECT_EQ(index.vector(0), (std::vector<float>{0, 0, 0}));
    const auto v1 = index.vector(1);
    EXPECT_NEAR(v1[0], 0.6f, 1e-6f);
    EXPECT_NEAR(v1[1], 0.8f, 1e-6f);
    const std::vector<float> zero = {0, 0, 0};
    for (const Neighbor& nb : index.search(zero, 4)) EXPECT_EQ(nb.score, 0.0f);
  }
}

TEST(VectorIndexTest, EqualScoresComeInIdOrder) {
  const int dim = 6;
  // Ten copies of one row and ten of another: every tie must list smaller ids first, including
  // the cut at k.
  std::vector<float> rows;
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j < dim; ++j) rows.push_back(i % 2 == 0 ? static_cast<float>(j + 1) : 1.0f);
  }
  const std::vector<float> query = {1, 2, 3, 4, 5, 6};
  const VectorIndex index = VectorIndex::build(rows, dim);
  const auto got = index.search(query, 7);
  ASSERT_EQ(got.size(), 7u);
  for (std::size_t r = 0; r < 7; ++r) EXPECT_EQ(got[r].id, static_cast<std::int64_t>(2 * r));
  const std::vector<std::int64_t> exclude = {0, 4};
  const auto filtered = index.search(query, 3, exclude);
  ASSERT_EQ(filtered.size(), 3u);
  EXPECT_EQ(filtered[0].id, 2);
  EXPECT_EQ(filtered[1].id, 6);
  EXPECT_EQ(filtered[2].id, 8);
}

TEST(VectorIndexTest, SimilarExcludesTheItemItselfAndThreadsAreRestored) {
  const int dim = 16;
  const auto rows = clustered_rows(500, dim, 5, 17);
  IndexOptions options;
  options.threads = 1;
  const int before = omp_get_max_threads();
  const VectorIndex index = VectorIndex::build(rows, dim, options);
  const auto got = index.similar(42, 5);
  EXPECT_EQ(omp_get_max_threads(), before);
  ASSERT_EQ(got.size(), 5u);
  for (const Neighbor& nb : got) EXPECT_NE(nb.id, 42);
  std::set<std::int64_t> self = {42};
  expect_same_ranking(got, brute_force(rows, dim, row(rows, dim, 42), 5, true, self));
}

}  // namespace
}  // namespace mn
