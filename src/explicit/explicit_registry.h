#pragma once
// The explicit-rating models (Surprise's algorithms), appended to the model registry.
#include <vector>

#include "cf/registry.h"

namespace mn {

void append_explicit_models(std::vector<ModelInfo>& models);

}  // namespace mn
