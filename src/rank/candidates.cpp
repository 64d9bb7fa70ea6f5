#include "rank/candidates.h"

#include <algorithm>
#include <cmath>
#include <map>
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
  // (score, item) pairs side by side: nth_element then reads memory in order.
  std::vector<std::pair<float, std::int32_t>> eligible;
  eligible.reserve(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const float v = scores[i];
    if (blocked[i] || !std::isfinite(v) || (positive_only && !(v > 0.0f))) continue;
    eligible.emplace_back(v, static_cast<std::int32_t>(i));
  }
  const auto better = [](const std::pair<float, std::int32_t>& a, const std::pair<float, std::int32_t>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  const auto take = static_cast<std::ptrdiff_t>(std::min(depth, eligible.size()));
  std::nth_element(eligible.begin(), eligible.begin() + take, eligible.end(), better);
  std::sort(eligible.begin(), eligible.begin() + take, better);
  std::vector<std::int32_t> head(static_cast<std::size_t>(take));
  for (std::size_t r = 0; r < head.size(); ++r) head[r] = eligible[r].second;
  return head;
}

CandidatePool gather_candidates(const std::vector<CandidateSource>& sources, int n) {
  if (sources.size() > 64) throw Error(ErrorKind::kInvalidInput, "at most 64 candidate sources");
  if (n < 1) throw Error(ErrorKind::kInvalidInput, "the candidates per source must be at least 1");
  std::map<std::int32_t, std::uint64_t> found;
  CandidatePool pool;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    const std::size_t take = std::min(sources[s].ranked.size(), static_cast<std::size_t>(n));
    for (std::size_t r = 0; r < take; ++r) found[sources[s].ranked[r]] |= std::uint64_t{1} << s;
    pool.per_source.push_back(take);
  }
  pool.items.reserve(found.size());
  pool.proposed_by.reserve(found.size());
  for (const auto& [item, bits] : found) {
    pool.items.push_back(item);
    pool.proposed_by.push_back(bits);
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
