#pragma once
// Candidate generation, the first stage of a movie night: the union of every source's top N
// (each person's ALS list, the ItemKNN neighbours and the content neighbours of what they like, and
// the mood query against the content index), remembering which sources proposed each movie. Later
// stages score only these candidates, so a movie that no source ranks high never reaches the group.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mn {

// The best `depth` items of `scores` (one per catalog item) that are not blocked, are finite and,
// with positive_only, above 0 (neighbour sums: 0 means no neighbour); best first, ties to the
// smaller index. Empty scores give an empty head.
std::vector<std::int32_t> ranked_head(std::span<const float> scores, const std::vector<char>& blocked,
                                      std::size_t depth, bool positive_only = false);

struct CandidateSource {
  std::string name;                      // "cf", "itemknn", "content", "mood"
  std::span<const std::int32_t> ranked;  // its items, best first (a ranked_head)
};

struct CandidatePool {
  std::vector<std::int32_t> items;  // catalog indices, ascending
  // Per item, a bit per source (bit s: sources[s] has it in its top N).
  std::vector<std::uint64_t> proposed_by;
  std::vector<std::size_t> per_source;  // how many items each source proposed
};

// The union of each source's first `n` items. At most 64 sources.
CandidatePool gather_candidates(const std::vector<CandidateSource>& sources, int n);

// The names of the sources that proposed pool item `position`, each once, in source order.
std::vector<std::string> proposers(const CandidatePool& pool, const std::vector<CandidateSource>& sources,
                                   std::size_t position);

}  // namespace mn
