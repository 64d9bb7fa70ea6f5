#include "rank/candidates.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

#include "util/error.h"

namespace mn {

std::vector<std::int32_t> ranked_head(std::span<const float> scores, const std::vector<char>& blocked,
                                      std::size_t depth, bool positive_only) {
  if (scores.empty()) return {};
  if (scores.size() != blocked.size()) {
    throw Error(ErrorKind::kInvalidInput, "a candidate list scores " + std::to_string(scores.size()) +
                                              " items, the catalog has " + std::to_string(blocked.size()));
  }
  // One 64-bit key per eligible item, ascending in (score descending, item ascending): the high half
  // is the score's bits flipped into an order that unsigned comparison keeps, inverted; the low half
  // the item. Integer keys select and sort several times faster than (score, item) pairs.
  std::vector<std::uint64_t> keys;
  std::vector<float> values;
  keys.reserve(scores.size());
  values.reserve(scores.size());
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const float v = scores[i] + 0.0f;  // -0 becomes +0: the two compare equal
    if (blocked[i] || !std::isfinite(v) || (positive_only && !(v > 0.0f))) continue;
    const auto bits = std::bit_cast<std::uint32_t>(v);
    const std::uint32_t ordered = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    keys.push_back(static_cast<std::uint64_t>(~ordered) << 32 | static_cast<std::uint32_t>(i));
    values.push_back(v);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const auto take = static_cast<std::ptrdiff_t>(std::min(depth, keys.size()));
  auto selected = static_cast<std::ptrdiff_t>(keys.size());
  if (take < selected && hi > lo) {
    // A histogram of the values finds a bucket that the head ends in; the keys of that bucket and
    // the better ones (a little more than the head) move to the front. The bucket is monotone in
    // the value, so no item of the head is left behind.
    constexpr int kBuckets = 1024;
    const float scale = static_cast<float>(kBuckets) / (hi - lo);
    const auto bucket = [&](float v) { return std::min(kBuckets - 1, static_cast<int>((hi - v) * scale)); };
    std::array<std::int32_t, kBuckets> count{};
    for (const float v : values) ++count[static_cast<std::size_t>(bucket(v))];
    int last = 0;
    for (std::ptrdiff_t sum = 0; last < kBuckets; ++last) {
      sum += count[static_cast<std::size_t>(last)];
      if (sum >= take) break;
    }
    std::size_t front = 0;
    for (std::size_t e = 0; e < keys.size(); ++e) {
      if (bucket(values[e]) <= last) keys[front++] = keys[e];
    }
    selected = static_cast<std::ptrdiff_t>(front);
  }
  if (take < selected) std::nth_element(keys.begin(), keys.begin() + take, keys.begin() + selected);
  std::sort(keys.begin(), keys.begin() + take);
  std::vector<std::int32_t> head(static_cast<std::size_t>(take));
  for (std::size_t r = 0; r < head.size(); ++r) head[r] = static_cast<std::int32_t>(keys[r] & 0xffffffffu);
  return head;
}

CandidatePool gather_candidates(const std::vector<CandidateSource>& sources, int n) {
  if (sources.size() > 64) throw Error(ErrorKind::kInvalidInput, "at most 64 candidate sources");
  if (n < 1) throw Error(ErrorKind::kInvalidInput, "the candidates per source must be at least 1");
  // (item, source) packed in one key and sorted: the same ascending union as a map, without a node
  // per item.
  std::vector<std::uint64_t> found;
  CandidatePool pool;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    const std::size_t take = std::min(sources[s].ranked.size(), static_cast<std::size_t>(n));
    for (std::size_t r = 0; r < take; ++r) {
      found.push_back(static_cast<std::uint64_t>(static_cast<std::uint32_t>(sources[s].ranked[r])) << 6 | s);
    }
    pool.per_source.push_back(take);
  }
  std::sort(found.begin(), found.end());
  for (const std::uint64_t key : found) {
    const auto item = static_cast<std::int32_t>(key >> 6);
    const std::uint64_t bit = std::uint64_t{1} << (key & 63);
    if (pool.items.empty() || pool.items.back() != item) {
      pool.items.push_back(item);
      pool.proposed_by.push_back(bit);
    } else {
      pool.proposed_by.back() |= bit;
    }
  }
  return pool;
}

std::vector<std::string> proposers(const CandidatePool& pool, const std::vector<CandidateSource>& sources,
                                   std::size_t position) {
  std::vector<std::string> names;
  const std::uint64_t bits = pool.proposed_by.at(position);
  for (std::size_t s = 0; s < sources.size(); ++s) {
    if ((bits >> s & 1) && std::find(names.begin(), names.end(), sources[s].name) == names.end())
      names.push_back(sources[s].name);
  }
  return names;
}

}  // namespace mn
