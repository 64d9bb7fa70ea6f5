#pragma once
// Item side information for hybrid models (LightFM-style WARP): an items x features 0/1 matrix of
// the catalog's genres and/or MovieLens tags. Identity features and any row normalisation are the
// model's business.
#include <string>
#include <vector>

#include "cf/sparse.h"
#include "data/catalog.h"

namespace mn {

struct ItemFeatures {
  CsrMatrix matrix;                // items x features, values 1
  std::vector<std::string> names;  // "genre:Comedy", "tag:pixar"
};

// which: "genres", "tags" or "genres+tags". Tags used by fewer than min_tag_count movies are left
// out (noise). Throws mn::Error for another value.
ItemFeatures build_item_features(const Catalog& catalog, const std::string& which, int min_tag_count = 2);

}  // namespace mn
