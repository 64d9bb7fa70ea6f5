#pragma once
// Nearest-neighbour search over item vectors, FAISS underneath: exact inner product (IndexFlatIP) by
// default, HNSW (IndexHNSWFlat) as an option. Cosine is inner product on L2-normalised rows and
// queries. Ids are row positions 0..n-1, which are catalog indices when the rows are item vectors.
//
// Excluded ids (items a user has already seen) are handed to FAISS as an IDSelector, so they are
// skipped during the search itself and k results still come back when k others exist.
// Results are best first; equal scores are ordered by smaller id.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace mn {

enum class IndexKind { kFlat, kHnsw };
enum class IndexMetric { kInnerProduct, kCosine };  // cosine: rows and queries are L2-normalised

struct IndexOptions {
  IndexKind kind = IndexKind::kFlat;
  IndexMetric metric = IndexMetric::kCosine;
  int hnsw_m = 32;  // HNSW: links per node
  // HNSW: candidate list while building. 80 rather than hnswlib's 200: on 10k x 384 it builds in
  // about 40% of the time (FAISS 1.7.3 from Debian has no AVX2 kernels) for the same recall@10.
  int ef_construction = 80;
  int ef_search = 128;  // HNSW: candidate list while searching (raised to k when k is larger)
  int threads = 0;      // OpenMP threads for build and batch search; 0 = OpenMP's default
};

std::string_view index_kind_name(IndexKind kind);        // "flat", "hnsw"
std::string_view index_metric_name(IndexMetric metric);  // "ip", "cosine"

struct Neighbor {
  std::int64_t id;
  float score;  // inner product (cosine similarity under kCosine); higher is better
};

class VectorIndex {
 public:
  // rows: n x dim, row-major. Under kCosine the stored rows are normalised copies; a zero row stays
  // zero and scores 0 against every query. Throws kInvalidInput on bad sizes or non-finite values.
  static VectorIndex build(const float* rows, std::int64_t n, int dim, const IndexOptions& options = {});
  static VectorIndex build(std::span<const float> rows, int dim, const IndexOptions& options = {});

  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;
  ~VectorIndex();

  std::int64_t size() const;
  int dim() const;
  const IndexOptions& options() const;
  // HNSW only (ignored for flat): the search-time candidate list; larger is slower and more exact.
  void set_ef_search(int ef_search);

  // Top k by score among ids not in exclude (ids outside 0..size()-1 are an error). Fewer than k
  // come back only when fewer than k ids remain. k == 0 gives nothing; k < 0 is an error.
  std::vector<Neighbor> search(std::span<const float> query, int k,
                               std::span<const std::int64_t> exclude = {}) const;

  // queries: nq x dim, row-major. excludes: empty (nothing excluded) or one list per query.
  // Queries without exclusions go to FAISS as one batch; the rest run one per thread.
  std::vector<std::vector<Neighbor>> search_batch(
      std::span<const float> queries, int k,
      const std::vector<std::vector<std::int64_t>>& excludes = {}) const;

  // Items most similar to item id (which is itself excluded, as are the ids in exclude).
  std::vector<Neighbor> similar(std::int64_t id, int k, std::span<const std::int64_t> exclude = {}) const;

  // The stored vector of id (normalised under kCosine).
  std::vector<float> vector(std::int64_t id) const;

  // One file: a small header (magic, options as JSON, CRC-32 of the payload) and FAISS's own
  // serialisation, written to a temporary file and renamed.
  void save(const std::filesystem::path& file) const;
  // A missing file is kNotFound, a damaged one kInvalidInput; both name the file.
  static VectorIndex load(const std::filesystem::path& file);

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mn
