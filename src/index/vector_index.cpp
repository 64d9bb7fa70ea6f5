#include "index/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/HNSW.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <omp.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <utility>

#include "io/file.h"
#include "util/error.h"

namespace mn {

using idx_t = faiss::Index::idx_t;

namespace {

constexpr char kMagic[8] = {'M', 'N', 'V', 'I', 'D', 'X', '\0', '\1'};
constexpr int kFormatVersion = 1;

// omp_set_num_threads changes the calling thread's setting; put it back when the operation ends.
class OmpThreads {
 public:
  explicit OmpThreads(int threads) : saved_(omp_get_max_threads()), changed_(threads > 0) {
    if (changed_) omp_set_num_threads(threads);
  }
  ~OmpThreads() {
    if (changed_) omp_set_num_threads(saved_);
  }
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int saved_;
  bool changed_;
};

// A zero row stays zero: it scores 0 against everything, never NaN. Many rows: FAISS's
// OpenMP loop; a few (queries): a plain loop, as waking threads costs more than the work.
void normalise_rows(float* data, std::int64_t n, int dim) {
  const auto d = static_cast<std::size_t>(dim);
  if (n >= 256) {
    faiss::fvec_renorm_L2(d, static_cast<std::size_t>(n), data);
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    float* row = data + static_cast<std::size_t>(i) * d;
    const float sum = faiss::fvec_norm_L2sqr(row, d);
    if (!(sum > 0)) continue;
    const auto inv = static_cast<float>(1.0 / static_cast<double>(std::sqrt(sum)));  // as FAISS computes it
    for (std::size_t j = 0; j < d; ++j) row[j] *= inv;
  }
}

void check_finite(const float* data, std::size_t count, const char* what) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(data[i])) {
      throw Error(ErrorKind::kInvalidInput, std::string("vector index: ") + what +
                                                " holds a non-finite value at " + "position " +
                                                std::to_string(i));
    }
  }
}

void check_options(const IndexOptions& o) {
  if (o.kind == IndexKind::kHnsw) {
    if (o.hnsw_m < 2 || o.hnsw_m > 1024)
      throw Error(ErrorKind::kInvalidInput, "vector index: hnsw_m must be in 2..1024");
    if (o.ef_construction < 1)
      throw Error(ErrorKind::kInvalidInput, "vector index: ef_construction must be >= 1");
  }
  if (o.ef_search < 1) throw Error(ErrorKind::kInvalidInput, "vector index: ef_search must be >= 1");
  if (o.threads < 0) throw Error(ErrorKind::kInvalidInput, "vector index: threads must be >= 0");
}

// Best first, equal scores by smaller id; FAISS's -1 padding dropped.
std::vector<Neighbor> collect(const float* scores, const idx_t* ids, int k) {
  std::vector<Neighbor> out;
  out.reserve(static_cast<std::size_t>(k));
  for (int j = 0; j < k; ++j) {
    if (ids[j] < 0) continue;
    out.push_back({static_cast<std::int64_t>(ids[j]), scores[j]});
  }
  std::sort(out.begin(), out.end(), [](const Neighbor& a, const Neighbor& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  return out;
}

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

template <typename T>
void append_pod(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
bool read_pod(std::string_view in, std::size_t& pos, T& value) {
  if (in.size() - pos < sizeof(T)) return false;
  std::memcpy(&value, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}

}  // namespace

std::string_view index_kind_name(IndexKind kind) { return kind == IndexKind::kHnsw ? "hnsw" : "flat"; }
std::string_view index_metric_name(IndexMetric metric) {
  return metric == IndexMetric::kCosine ? "cosine" : "ip";
}

struct VectorIndex::Impl {
  IndexOptions options;
  int dim = 0;
  std::int64_t n = 0;
  std::unique_ptr<faiss::Index> index;

  // The query rows, normalised under cosine; throws on a wrong size.
  std::vector<float> prepare_queries(std::span<const float> queries, std::size_t expected_rows) const {
    const auto d = static_cast<std::size_t>(dim);
    if (queries.size() != expected_rows * d) {
      throw Error(ErrorKind::kInvalidInput, "vector index: a query has " + std::to_string(queries.size()) +
                                                " values where " + std::to_string(expected_rows) + " x " +
                                                std::to_string(dim) + " were expected");
    }
    check_finite(queries.data(), queries.size(), "a query");
    std::vector<float> q(queries.begin(), queries.end());
    if (options.metric == IndexMetric::kCosine)
      normalise_rows(q.data(), static_cast<std::int64_t>(expected_rows), dim);
    return q;
  }

  // Bit i set = id i may be returned. Empty when nothing is excluded.
  std::vector<std::uint8_t> allowed_bitmap(std::span<const std::int64_t> exclude,
                                           std::int64_t& allowed) const {
    allowed = n;
    if (exclude.empty()) return {};
    std::vector<std::uint8_t> bits(static_cast<std::size_t>((n + 7) / 8), 0xFF);
    for (const std::int64_t id : exclude) {
      if (id < 0 || id >= n) {
        throw Error(ErrorKind::kInvalidInput, "vector index: excluded id " + std::to_string(id) +
                                                  " is outside 0.." + std::to_string(n - 1));
      }
      const auto byte = static_cast<std::size_t>(id >> 3);
      const auto mask = static_cast<std::uint8_t>(1u << (id & 7));
      if (bits[byte] & mask) {
        bits[byte] = static_cast<std::uint8_t>(bits[byte] & ~mask);
        --allowed;
      }
    }
    return bits;
  }

  // One FAISS search of nq prepared queries sharing one selector (or none).
  void faiss_search(const float* q, idx_t nq, idx_t k, const faiss::IDSelector* sel, int ef,
                    bool exhaustive_hnsw, float* scores, idx_t* ids) const {
    // FAISS's SearchParameters holds a non-const pointer but only calls the const is_member.
    auto* selector = const_cast<faiss::IDSelector*>(sel);
    try {
      if (options.kind == IndexKind::kHnsw) {
        const auto& hnsw = static_cast<const faiss::IndexHNSW&>(*index);
        if (exhaustive_hnsw) {
          // Last resort when the graph walk found too few allowed ids: scan the stored vectors.
          faiss::SearchParameters params;
          params.sel = selector;
          hnsw.storage->search(nq, q, k, scores, ids, &params);
          return;
        }
        faiss::SearchParametersHNSW params;
        params.sel = selector;
        params.efSearch = std::max(ef, static_cast<int>(k));
        hnsw.search(nq, q, k, scores, ids, &params);
      } else {
        faiss::SearchParameters params;
        params.sel = selector;
        index->search(nq, q, k, scores, ids, sel != nullptr ? &params : nullptr);
      }
    } catch (const faiss::FaissException& e) {
      throw Error(ErrorKind::kInternal, std::string("vector index: FAISS search failed: ") + e.what());
    }
  }

  // One prepared query. HNSW's walk can come back short when many ids are excluded; it is then
  // repeated with a wider candidate list, and finally replaced by an exact scan, so that k results
  // come back whenever k allowed ids exist.
  std::vector<Neighbor> search_one(const float* q, int k, std::span<const std::int64_t> exclude) const {
    std::int64_t allowed = 0;
    const std::vector<std::uint8_t> bits = allowed_bitmap(exclude, allowed);
    const idx_t kk = std::min<idx_t>(k, allowed);
    if (kk <= 0) return {};
    faiss::IDSelectorBitmap bitmap(bits.size(), bits.data());
    const faiss::IDSelector* sel = bits.empty() ? nullptr : &bitmap;
    std::vector<float> scores(static_cast<std::size_t>(kk));
    std::vector<idx_t> ids(static_cast<std::size_t>(kk));
    const auto found = [&] {
      return std::count_if(ids.begin(), ids.end(), [](idx_t id) { return id >= 0; });
    };
    faiss_search(q, 1, kk, sel, options.ef_search, false, scores.data(), ids.data());
    if (options.kind == IndexKind::kHnsw && found() < kk) {
      const int wider =
          static_cast<int>(std::min<std::int64_t>(n, 4LL * std::max<idx_t>(kk, options.ef_search)));
      faiss_search(q, 1, kk, sel, wider, false, scores.data(), ids.data());
      if (found() < kk) faiss_search(q, 1, kk, sel, wider, true, scores.data(), ids.data());
    }
    return collect(scores.data(), ids.data(), static_cast<int>(kk));
  }
};

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;
VectorIndex::~VectorIndex() = default;

VectorIndex VectorIndex::build(std::span<const float> rows, int dim, const IndexOptions& options) {
  if (dim <= 0) throw Error(ErrorKind::kInvalidInput, "vector index: dim must be positive");
  if (rows.size() % static_cast<std::size_t>(dim) != 0) {
    throw Error(ErrorKind::kInvalidInput, "vector index: " + std::to_string(rows.size()) +
                                              " values are not a whole number of rows of " +
                                              std::to_string(dim));
  }
  return build(rows.data(), static_cast<std::int64_t>(rows.size() / static_cast<std::size_t>(dim)), dim,
               options);
}

VectorIndex VectorIndex::build(const float* rows, std::int64_t n, int dim, const IndexOptions& options) {
  if (dim <= 0) throw Error(ErrorKind::kInvalidInput, "vector index: dim must be positive");
  if (n < 0 || (n > 0 && rows == nullptr))
    throw Error(ErrorKind::kInvalidInput, "vector index: no rows given");
  check_options(options);
  if (options.kind == IndexKind::kHnsw && n > std::numeric_limits<std::int32_t>::max()) {
    throw Error(ErrorKind::kInvalidInput, "vector index: HNSW holds at most 2^31-1 vectors");
  }
  const std::size_t count = static_cast<std::size_t>(n) * static_cast<std::size_t>(dim);
  check_finite(rows, count, "the rows");

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->dim = dim;
  impl->n = n;
  const float* data = rows;
  std::vector<float> normalised;
  if (options.metric == IndexMetric::kCosine) {
    normalised.assign(rows, rows + count);
    normalise_rows(normalised.data(), n, dim);
    data = normalised.data();
  }
  OmpThreads threads(options.threads);
  try {
    if (options.kind == IndexKind::kHnsw) {
      auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dim, options.hnsw_m, faiss::METRIC_INNER_PRODUCT);
      hnsw->hnsw.efConstruction = options.ef_construction;
      hnsw->hnsw.efSearch = options.ef_search;
      if (n > 0) hnsw->add(n, data);
      impl->index = std::move(hnsw);
    } else {
      auto flat = std::make_unique<faiss::IndexFlatIP>(dim);
      if (n > 0) flat->add(n, data);
      impl->index = std::move(flat);
    }
  } catch (const faiss::FaissException& e) {
    throw Error(ErrorKind::kInternal, std::string("vector index: FAISS build failed: ") + e.what());
  }
  return VectorIndex(std::move(impl));
}

std::int64_t VectorIndex::size() const { return impl_->n; }
int VectorIndex::dim() const { return impl_->dim; }
const IndexOptions& VectorIndex::options() const { return impl_->options; }

void VectorIndex::set_ef_search(int ef_search) {
  if (ef_search < 1) throw Error(ErrorKind::kInvalidInput, "vector index: ef_search must be >= 1");
  impl_->options.ef_search = ef_search;
  if (impl_->options.kind == IndexKind::kHnsw)
    static_cast<faiss::IndexHNSW&>(*impl_->index).hnsw.efSearch = ef_search;
}

std::vector<Neighbor> VectorIndex::search(std::span<const float> query, int k,
                                          std::span<const std::int64_t> exclude) const {
  if (k < 0) throw Error(ErrorKind::kInvalidInput, "vector index: k must not be negative");
  const std::vector<float> q = impl_->prepare_queries(query, 1);
  if (k == 0 || impl_->n == 0) return {};
  // FAISS spreads queries, not one query, over threads: one thread spares waking the others.
  OmpThreads threads(1);
  return impl_->search_one(q.data(), k, exclude);
}

std::vector<std::vector<Neighbor>> VectorIndex::search_batch(
    std::span<const float> queries, int k, const std::vector<std::vector<std::int64_t>>& excludes) const {
  if (k < 0) throw Error(ErrorKind::kInvalidInput, "vector index: k must not be negative");
  const auto d = static_cast<std::size_t>(impl_->dim);
  if (queries.size() % d != 0) {
    throw Error(ErrorKind::kInvalidInput, "vector index: " + std::to_string(queries.size()) +
                                              " query values are not a whole number of rows of " +
                                              std::to_string(impl_->dim));
  }
  const std::size_t nq = queries.size() / d;
  if (!excludes.empty() && excludes.size() != nq) {
    throw Error(ErrorKind::kInvalidInput, "vector index: " + std::to_string(excludes.size()) +
                                              " exclusion lists for " + std::to_string(nq) + " queries");
  }
  const std::vector<float> q = impl_->prepare_queries(queries, nq);
  std::vector<std::vector<Neighbor>> out(nq);
  if (k == 0 || impl_->n == 0 || nq == 0) return out;
  OmpThreads threads(impl_->options.threads);

  // Queries with nothing excluded: one FAISS call (BLAS for flat, FAISS's own threads for HNSW).
  std::vector<std::size_t> plain, filtered;
  for (std::size_t i = 0; i < nq; ++i)
    (excludes.empty() || excludes[i].empty() ? plain : filtered).push_back(i);
  if (!plain.empty()) {
    const idx_t kk = std::min<idx_t>(k, impl_->n);
    std::vector<float> block(plain.size() * d);
    for (std::size_t j = 0; j < plain.size(); ++j) {
      std::copy_n(q.data() + plain[j] * d, d, block.data() + j * d);
    }
    std::vector<float> scores(plain.size() * static_cast<std::size_t>(kk));
    std::vector<idx_t> ids(scores.size());
    impl_->faiss_search(block.data(), static_cast<idx_t>(plain.size()), kk, nullptr, impl_->options.ef_search,
                        false, scores.data(), ids.data());
    for (std::size_t j = 0; j < plain.size(); ++j) {
      const std::size_t at = j * static_cast<std::size_t>(kk);
      out[plain[j]] = collect(scores.data() + at, ids.data() + at, static_cast<int>(kk));
      // An HNSW walk that came back short is redone the careful way.
      if (static_cast<idx_t>(out[plain[j]].size()) < kk) {
        out[plain[j]] = impl_->search_one(q.data() + plain[j] * d, k, {});
      }
    }
  }

  // Queries with their own exclusions: one selector each, spread over threads (FAISS's own loops
  // run single-threaded inside, as OpenMP does not nest by default).
  std::exception_ptr failure;
  const auto count = static_cast<std::int64_t>(filtered.size());
#pragma omp parallel for schedule(dynamic, 1) if (count > 1)
  for (std::int64_t j = 0; j < count; ++j) {
    const std::size_t i = filtered[static_cast<std::size_t>(j)];
    try {
      out[i] = impl_->search_one(q.data() + i * d, k, excludes[i]);
    } catch (...) {
#pragma omp critical(mn_vector_index_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

std::vector<Neighbor> VectorIndex::similar(std::int64_t id, int k,
                                           std::span<const std::int64_t> exclude) const {
  const std::vector<float> v = vector(id);
  std::vector<std::int64_t> skip(exclude.begin(), exclude.end());
  skip.push_back(id);
  return search(v, k, skip);
}

std::vector<float> VectorIndex::vector(std::int64_t id) const {
  if (id < 0 || id >= impl_->n) {
    throw Error(ErrorKind::kInvalidInput,
                "vector index: id " + std::to_string(id) + " is outside 0.." + std::to_string(impl_->n - 1));
  }
  std::vector<float> v(static_cast<std::size_t>(impl_->dim));
  try {
    impl_->index->reconstruct(static_cast<idx_t>(id), v.data());
  } catch (const faiss::FaissException& e) {
    throw Error(ErrorKind::kInternal, std::string("vector index: FAISS reconstruct failed: ") + e.what());
  }
  return v;
}

void VectorIndex::save(const std::filesystem::path& file) const {
  faiss::VectorIOWriter writer;
  try {
    faiss::write_index(impl_->index.get(), &writer);
  } catch (const faiss::FaissException& e) {
    throw Error(ErrorKind::kInternal, file.string() + ": FAISS could not serialise the index: " + e.what());
  }
  const IndexOptions& o = impl_->options;
  const nlohmann::json header = {
      {"format", kFormatVersion},
      {"kind", index_kind_name(o.kind)},
      {"metric", index_metric_name(o.metric)},
      {"dim", impl_->dim},
      {"size", impl_->n},
      {"hnsw_m", o.hnsw_m},
      {"ef_construction", o.ef_construction},
      {"ef_search", o.ef_search},
      {"threads", o.threads},
      {"payload_bytes", writer.data.size()},
      {"payload_crc32", crc32_of(writer.data.data(), writer.data.size())},
  };
  const std::string header_text = header.dump();
  std::string bytes(kMagic, sizeof(kMagic));
  append_pod(bytes, static_cast<std::uint32_t>(header_text.size()));
  bytes += header_text;
  bytes.append(reinterpret_cast<const char*>(writer.data.data()), writer.data.size());
  write_file_atomic(file, bytes);
}

VectorIndex VectorIndex::load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw Error(ErrorKind::kNotFound, file.string() + ": the vector index file does not exist");
  }
  const std::string bytes = read_file(file);
  const auto bad = [&](const std::string& why) -> Error {
    return Error(ErrorKind::kInvalidInput, file.string() + ": not a usable movienight vector index: " + why);
  };
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    throw bad("wrong magic bytes");
  }
  std::size_t pos = sizeof(kMagic);
  std::uint32_t header_size = 0;
  if (!read_pod(bytes, pos, header_size) || bytes.size() - pos < header_size) throw bad("truncated header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(std::string_view(bytes).substr(pos, header_size));
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("header is not JSON: ") + e.what());
  }
  pos += header_size;

  auto impl = std::make_unique<Impl>();
  std::uint64_t payload_bytes = 0;
  std::uint32_t payload_crc = 0;
  try {
    if (header.at("format").get<int>() != kFormatVersion) throw bad("unknown format version");
    const auto kind = header.at("kind").get<std::string>();
    const auto metric = header.at("metric").get<std::string>();
    if (kind != "flat" && kind != "hnsw") throw bad("unknown index kind '" + kind + "'");
    if (metric != "ip" && metric != "cosine") throw bad("unknown metric '" + metric + "'");
    impl->options.kind = kind == "hnsw" ? IndexKind::kHnsw : IndexKind::kFlat;
    impl->options.metric = metric == "cosine" ? IndexMetric::kCosine : IndexMetric::kInnerProduct;
    impl->options.hnsw_m = header.at("hnsw_m").get<int>();
    impl->options.ef_construction = header.at("ef_construction").get<int>();
    impl->options.ef_search = header.at("ef_search").get<int>();
    impl->options.threads = header.at("threads").get<int>();
    impl->dim = header.at("dim").get<int>();
    impl->n = header.at("size").get<std::int64_t>();
    payload_bytes = header.at("payload_bytes").get<std::uint64_t>();
    payload_crc = header.at("payload_crc32").get<std::uint32_t>();
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("header field missing or mistyped: ") + e.what());
  }
  try {
    check_options(impl->options);
  } catch (const Error& e) {
    throw bad(e.what());
  }
  if (impl->dim <= 0 || impl->n < 0) throw bad("bad dim or size");
  if (bytes.size() - pos != payload_bytes) throw bad("the FAISS payload is truncated or has trailing bytes");
  const auto* payload = reinterpret_cast<const std::uint8_t*>(bytes.data() + pos);
  if (crc32_of(payload, bytes.size() - pos) != payload_crc) throw bad("checksum mismatch (damaged file)");

  faiss::VectorIOReader reader;
  reader.data.assign(payload, payload + (bytes.size() - pos));
  try {
    impl->index.reset(faiss::read_index(&reader));
  } catch (const std::exception& e) {
    throw bad(std::string("FAISS could not read it: ") + e.what());
  }
  const bool type_ok = impl->options.kind == IndexKind::kHnsw
                           ? dynamic_cast<faiss::IndexHNSWFlat*>(impl->index.get()) != nullptr
                           : dynamic_cast<faiss::IndexFlatIP*>(impl->index.get()) != nullptr;
  if (!type_ok || impl->index->d != impl->dim || impl->index->ntotal != impl->n ||
      impl->index->metric_type != faiss::METRIC_INNER_PRODUCT) {
    throw bad("the FAISS index does not match its header");
  }
  if (impl->options.kind == IndexKind::kHnsw) {
    static_cast<faiss::IndexHNSW&>(*impl->index).hnsw.efSearch = impl->options.ef_search;
  }
  return VectorIndex(std::move(impl));
}

}  // namespace mn
