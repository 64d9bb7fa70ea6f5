#pragma once
// Why a movie was picked, from facts only: which liked movie of each person it is nearest to (by
// content cosine), what it shares with the nearest one (genres, director, cast, keywords), which
// of the mood's words it carries, and how the data's raters rated it. A fact that is not there
// gives no line.
#include <cstdint>
#include <string>
#include <vector>

#include "data/catalog.h"
#include "text/mood.h"

namespace mn {

struct PersonHistory {
  std::string name;
  std::vector<std::int32_t> liked;  // catalog indices, most telling first
};

struct ReasonContext {
  const Catalog& catalog;
  const std::vector<float>& embeddings;  // catalog size x dim, unit rows
  int dim;
  const std::vector<float>& mean_rating;          // per item, 0 when unrated
  const std::vector<std::int32_t>& rating_count;  // per item
  const MoodExpansion& mood;
};

// The nearest-liked threshold: below this cosine a liked movie is not called a reason.
inline constexpr float kReasonMinCosine = 0.2f;

std::vector<std::string> explain(const ReasonContext& context, std::int32_t item,
                                 const std::vector<PersonHistory>& people);

}  // namespace mn
