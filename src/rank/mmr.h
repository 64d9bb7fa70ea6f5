#pragma once
// Diversity: maximal marginal relevance over a ranked pool, with the content embedding as the
// similarity (Carbonell and Goldstein 1998): the next pick maximises
//   lambda * relevance - (1 - lambda) * max similarity to what is already picked,
// relevance min-max scaled to [0, 1] over the pool. lambda = 1 keeps the pool's order.
#include <cstddef>
#include <string>
#include <vector>

#include "rank/night.h"

namespace mn {

struct MmrResult {
  std::vector<std::size_t> selected;  // pool positions, in pick order
};

// relevance: pool size; vectors: pool size x dim (unit or zero rows).
MmrResult mmr_select(const std::vector<double>& relevance, const std::vector<float>& vectors, std::size_t dim,
                     std::size_t k, double lambda);

// Intra-list similarity (mean pairwise cosine) and genre coverage (distinct genres of the list over
// the distinct genres of the whole pool) of the pool's first `k` ("before") and of `selected`.
DiversityReport diversity_report(const std::vector<float>& vectors, std::size_t dim,
                                 const std::vector<std::vector<std::string>>& genres,
                                 const std::vector<std::size_t>& selected, std::size_t k);

// Reorders picks into back-to-back pairs: each unpaired pick, best first, takes the partner that
// shares its mood (content cosine) while bringing other genres (1 - genre Jaccard), weighed 1 : 0.5;
// where both runtimes are known (minutes, 0 = unknown) a pair longer than max_total_minutes loses
// 0.5 per extra hour, so the evening ends at a sensible time.
std::vector<std::size_t> pair_double_features(const std::vector<std::size_t>& picks,
                                              const std::vector<float>& vectors, std::size_t dim,
                                              const std::vector<std::vector<std::string>>& genres,
                                              const std::vector<float>& runtimes = {},
                                              double max_total_minutes = 240);

// "3 h 12 min" for a double feature's reason; empty when either runtime is unknown.
std::string total_runtime_text(float minutes_a, float minutes_b);

}  // namespace mn
