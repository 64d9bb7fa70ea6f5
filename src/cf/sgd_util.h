#pragma once
// Shared pieces of the SGD models (bpr, warp): a small seeded random generator that is the same on
// every platform (std::uniform_int_distribution is not), an alias table for weighted sampling,
// vector kernels, padded factor matrices with their .npy round trip, and cosine item similarity.
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "cf/recommender.h"
#include "cf/sparse.h"
#include "util/simd.h"

namespace mn::sgd {

__extension__ typedef unsigned __int128 Uint128;

// SplitMix64: one add and a mix per draw, passes BigCrush; seeds are spread by the same mix.
class Rng {
 public:
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0)
      : state_(mix(seed ^ mix(stream + 0x5851f42d4c957f2dULL))) {}
  MN_INLINE std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }
  // Uniform in [0, n) by Lemire's multiply-shift (bias below 2^-40 for the sizes used here).
  MN_INLINE std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((Uint128{next()} * n) >> 64);
  }
  // Uniform in [0, 1) with 24 random bits.
  MN_INLINE float uniform() { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }

  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// Vose's alias method: O(1) draws proportional to non-negative weights.
class AliasTable {
 public:
  AliasTable() = default;
  explicit AliasTable(std::span<const double> weights);
  bool empty() const { return prob_.empty(); }
  std::int32_t size() const { return static_cast<std::int32_t>(prob_.size()); }
  // One 64-bit draw: its high part picks the column, the fraction left over decides the coin.
  MN_INLINE std::int32_t sample(Rng& rng) const {
    const Uint128 m = Uint128{rng.next()} * prob_.size();
    const auto col = static_cast<std::size_t>(m >> 64);
    const float coin = static_cast<float>(static_cast<std::uint64_t>(m) >> 40) * 0x1.0p-24f;
    return coin < prob_[col] ? static_cast<std::int32_t>(col) : alias_[col];
  }

 private:
  std::vector<float> prob_;
  std::vector<std::int32_t> alias_;
};

// n a multiple of 16 (padded rows): 16 partial sums, added as a tree (one register, few shuffles).
// Whether a user liked an item: one bit per (user, item) when that fits in 64 MB (a lookup is one
// load, and can be prefetched), else a binary search of the user's row.
class LikedSet {
 public:
  LikedSet() = default;
  explicit LikedSet(const CsrMatrix& user_items);
  MN_INLINE void prefetch(std::int32_t user, std::int32_t item) const {
    if (!bits_.empty()) __builtin_prefetch(word(user, item));
  }
  MN_INLINE bool contains(std::int32_t user, std::int32_t item) const {
    if (!bits_.empty()) return ((*word(user, item) >> (item & 63)) & 1) != 0;
    const std::int64_t b = indptr_[static_cast<std::size_t>(user)];
    return sorted_contains(indices_ + b, indptr_[static_cast<std::size_t>(user) + 1] - b, item);
  }

 private:
  MN_INLINE const std::uint64_t* word(std::int32_t user, std::int32_t item) const {
    return bits_.data() + static_cast<std::size_t>(user) * words_ + static_cast<std::size_t>(item >> 6);
  }
  // Whether the sorted range [first, first + n) holds key: a binary search without branches.
  static MN_INLINE bool sorted_contains(const std::int32_t* first, std::int64_t n, std::int32_t key) {
    if (n <= 0) return false;
    while (n > 1) {
      const std::int64_t half = n / 2;
      first = first[half] <= key ? first + half : first;
      n -= half;
    }
    return *first == key;
  }

  std::vector<std::uint64_t> bits_;
  std::size_t words_ = 0;
  const std::int64_t* indptr_ = nullptr;
  const std::int32_t* indices_ = nullptr;
};

MN_INLINE float dot16(const float* a, const float* b, int n) {
  float acc[16] = {};
  for (int j = 0; j < n; j += 16) {
#pragma omp simd
    for (int l = 0; l < 16; ++l) acc[l] += a[j + l] * b[j + l];
  }
  for (int w = 8; w > 0; w /= 2) {
#pragma omp simd
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  }
  return acc[0];
}

MN_INLINE float dot(const float* a, const float* b, int n) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int j = 0; j < n; ++j) s += a[j] * b[j];
  return s;
}

// Prefetches a padded row (rows are 64-byte multiples) for writing.
MN_INLINE void prefetch_row(const float* row, int stride) {
  for (int j = 0; j < stride; j += 16) __builtin_prefetch(row + j, 1, 3);
}

MN_INLINE float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// exp(x) to within 2e-7 (relative) for x in [-87, 88] (clamped outside): round-to-nearest by the
// 1.5 * 2^23 trick, Cody-Waite reduction, a degree-6 polynomial. Pure arithmetic, so loops with it
// vectorise (libm's expf is a call).
MN_INLINE float exp_fast(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
  const float p =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
  return p * std::bit_cast<float>(static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23);
}

// log(1 + exp(x)) to within ~3e-7 (relative to the result), vectorisable: max(x, 0) plus
// log1p(exp(-|x|)) as 2 atanh(t / (2 + t)) by its series (t in (0, 1], so s <= 1/3).
MN_INLINE float softplus_fast(float x) {
  const float t = exp_fast(x < 0 ? x : -x);
  const float s = t / (2.0f + t);
  const float s2 = s * s;
  const float series =
      1.0f +
      s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9 + s2 * (1.0f / 11 + s2 / 13)))));
  return (x > 0 ? x : 0.0f) + 2.0f * s * series;
}

// 1 / sqrt(x) for x > 0 to within 2e-7 (relative): a bit-trick start and three Newton steps. Loops
// with it vectorise; std::sqrt keeps them scalar unless the build drops errno (-fno-math-errno).
MN_INLINE float rsqrt(float x) {
  float r = std::bit_cast<float>(0x5f375a86u - (std::bit_cast<std::uint32_t>(x) >> 1));
  r = r * (1.5f - 0.5f * x * r * r);
  r = r * (1.5f - 0.5f * x * r * r);
  return r * (1.5f - 0.5f * x * r * r);
}

// Threads to use for a FitContext value (0: every core).
int resolve_threads(int requested);
// Threads for an SGD fit: at most one per user, and one per ~4k positives (a smaller share of an
// epoch does not pay for the barrier that ends it).
int fit_threads(int requested, const CsrMatrix& user_items);
// The first stored entry of each block of users (blocks + 1 values): contiguous user ranges
// balanced by their number of positives.
std::vector<std::int64_t> user_blocks(const CsrMatrix& user_items, int blocks);

// Hogwild work of a whole fit: every epoch visits a few blocks of users per thread, and the
// (epoch, block) pairs are claimed in epoch-major order by whichever thread is free. So there is
// no barrier between epochs, a thread slowed by a busy core does not hold the others back, and a
// user's row is written by one thread at a time (except where a block's next epoch overtakes it).
// One thread: a single block, epochs in order (bit-reproducible).
class EpochWork {
 public:
  EpochWork(const CsrMatrix& user_items, int threads, std::int64_t epochs);
  std::int32_t blocks() const { return static_cast<std::int32_t>(first_.size()) - 1; }
  std::int64_t begin(std::int32_t block) const { return first_[static_cast<std::size_t>(block)]; }
  std::int64_t end(std::int32_t block) const { return first_[static_cast<std::size_t>(block) + 1]; }
  // The next (epoch, block) to run; false when the fit is done.
  bool next(std::int64_t& epoch, std::int32_t& block) {
    const std::int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= total_) return false;
    epoch = i / blocks();
    block = static_cast<std::int32_t>(i % blocks());
    return true;
  }

 private:
  std::vector<std::int64_t> first_;
  std::int64_t total_;
  std::atomic<std::int64_t> next_{0};
};
// Rows padded to a multiple of 16 floats (64 bytes) so that vector loops need no remainder.
inline int padded(int columns) { return (columns + 15) / 16 * 16; }

// Cache-line aligned storage: a padded row then occupies whole cache lines, so threads updating
// neighbouring rows do not contend for a shared line.
template <typename T>
struct CacheAligned {
  using value_type = T;
  CacheAligned() = default;
  template <typename U>
  explicit CacheAligned(const CacheAligned<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete (p, std::align_val_t{64}); }
  bool operator==(const CacheAligned&) const { return true; }
};

// A dense row-major float matrix whose rows are padded to `stride` (>= cols) with zeros.
struct FactorMatrix {
  std::int32_t rows = 0;
  int cols = 0;
  int stride = 0;
  std::vector<float, CacheAligned<float>> data;

  void reset(std::int32_t r, int c) {
    rows = r;
    cols = c;
    stride = padded(c);
    data.assign(static_cast<std::size_t>(r) * static_cast<std::size_t>(stride), 0.0f);
  }
  float* row(std::int32_t r) {
    return data.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(stride);
  }
  const float* row(std::int32_t r) const {
    return data.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(stride);
  }
  // Saved and loaded without the padding, as a (rows, cols) float32 .npy.
  void save(const std::filesystem::path& path) const;
  void load(const std::filesystem::path& path);
};

// out[i] = dot(factors.row(i)[0..n), v) + (bias_col >= 0 ? factors.row(i)[bias_col] : 0).
void score_all(const FactorMatrix& factors, const float* v, int n, int bias_col, std::span<float> out);
// The k items most similar to `item` by cosine of the first n columns (the item itself left out).
std::vector<ScoredItem> cosine_neighbours(const FactorMatrix& factors, int n, std::int32_t item, int k);
// Throws an Error naming the model when a fitted array holds NaN or infinity (diverged SGD).
void check_finite(const FactorMatrix& m, const std::string& what);
// The items of a history, sorted, without duplicates or out-of-range ids.
std::vector<std::int32_t> clean_history(std::span<const std::int32_t> items, std::int32_t n_items);

}  // namespace mn::sgd
