#include "rank/candidates.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "util/error.h"
#include "util/sort_key.h"

namespace mn {

std::vector<std::int32_t> ranked_head(std::span<const float> scores, const std::vector<char>& blocked,
                                      std::size_t depth, bool positive_only) {
  if (scores.empty()) return {};
  if (scores.size() != blocked.size()) {
    throw Error(ErrorKind::kInvalidInput, "a candidate list scores " + std::to_string(scores.size()) +
                                              " items, the catalog has " + std::to_string(blocked.size()));
  }
  // One best_first_key per eligible item, written for every item and kept when eligible: no branch
  // to mispredict on the blocked ones.
  const std::size_t n = scores.size();
  const auto keys = std::make_unique_for_overwrite<std::uint64_t[]>(n);
  const auto values = std::make_unique_for_overwrite<float[]>(n);
  const float floor = positive_only ? 0.0f : -std::numeric_limits<float>::infinity();
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = scores[i] + 0.0f;  // -0 becomes +0: the two compare equal
    // NaN fails both comparisons; infinities fail one.
    const bool ok = !blocked[i] & (v > floor) & (v < std::numeric_limits<float>::infinity());
    keys[count] = best_first_key(v, static_cast<std::uint32_t>(i));
    values[count] = v;
    count += ok;
    lo = ok ? std::min(lo, v) : lo;
    hi = ok ? std::max(hi, v) : hi;
  }
  const auto take = static_cast<std::ptrdiff_t>(std::min(depth, count));
  auto selected = static_cast<std::ptrdiff_t>(count);
  // A histogram of the values finds a bucket that the head ends in; the keys of that bucket and
  // the better ones (a little more than the head) move to the front. The bucket is monotone in
  // the value, so no item of the head is left behind.
  constexpr int kBuckets = 1024;
  const float scale =
      static_cast<float>(kBuckets) / (hi - lo);  // hi - lo can be 0 or tiny: then no histogram
  if (take < selected && hi > lo && std::isfinite(scale)) {
    const auto bucket = [&](float v) { return std::min(kBuckets - 1, static_cast<int>((hi - v) * scale)); };
    std::array<std::int32_t, kBuckets> histogram{};
    for (std::size_t e = 0; e < count; ++e) ++histogram[static_cast<std::size_t>(bucket(values[e]))];
    int last = 0;
    for (std::ptrdiff_t sum = 0; last < kBuckets; ++last) {
      sum += histogram[static_cast<std::size_t>(last)];
      if (sum >= take) break;
    }
    std::size_t front = 0;
    for (std::size_t e = 0; e < count; ++e) {
      keys[front] = keys[e];
      front += bucket(values[e]) <= last;
    }
    selected = static_cast<std::ptrdiff_t>(front);
  }
  if (take < selected) std::nth_element(keys.get(), keys.get() + take, keys.get() + selected);
  std::sort(keys.get(), keys.get() + take);
  std::vector<std::int32_t> head(static_cast<std::size_t>(take));
  for (std::size_t r = 0; r < head.size(); ++r) head[r] = static_cast<std::int32_t>(key_index(keys[r]));
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
