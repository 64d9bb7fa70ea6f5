#include "rank/candidates.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "util/error.h"

namespace mn {

CandidatePool gather_candidates(const std::vector<CandidateSource>& sources, const std::vector<char>& blocked,
                                int n) {
  if (sources.size() > 64) throw Error(ErrorKind::kInvalidInput, "at most 64 candidate sources");
  if (n < 1) throw Error(ErrorKind::kInvalidInput, "the candidates per source must be at least 1");
  std::map<std::int32_t, std::uint64_t> found;
  CandidatePool pool;
  std::vector<std::int32_t> order;
  for (std::size_t s = 0; s < sources.size(); ++s) {
    const CandidateSource& src = sources[s];
    if (src.scores.size() != blocked.size()) {
      throw Error(ErrorKind::kInvalidInput, "candidate source '" + src.name + "' scores " +
                                                std::to_string(src.scores.size()) +
                                                " items, the catalog has " + std::to_string(blocked.size()));
    }
    order.clear();
    for (std::size_t i = 0; i < blocked.size(); ++i) {
      const float v = src.scores[i];
      if (blocked[i] || !std::isfinite(v) || (src.positive_only && !(v > 0.0f))) continue;
      order.push_back(static_cast<std::int32_t>(i));
    }
    const auto better = [&](std::int32_t a, std::int32_t b) {
      const float va = src.scores[static_cast<std::size_t>(a)], vb = src.scores[static_cast<std::size_t>(b)];
      return va != vb ? va > vb : a < b;
    };
    const std::size_t take = std::min(order.size(), static_cast<std::size_t>(n));
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(take), order.end(), better);
    for (std::size_t r = 0; r < take; ++r) found[order[r]] |= std::uint64_t{1} << s;
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
