#pragma once
// The dataset summary that `info` prints and the service reports: counts, scale, metadata
// coverage and every skipped row, as JSON (field names are part of the interface).
#include <nlohmann/json.hpp>
#include <string>

#include "data/dataset.h"

namespace mn {

nlohmann::json dataset_summary(const Dataset& dataset);
// The same facts as readable text.
std::string format_summary(const nlohmann::json& summary);

}  // namespace mn
