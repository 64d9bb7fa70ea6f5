#pragma once
// Titles typed by a person -> catalog movies, for every command that takes --title / --like. When
// nothing matches well it prints the five closest titles and exits with status 3.
#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/title_lookup.h"

namespace mn::cli {

inline constexpr int kExitTitleNotFound = 3;

// The matched movie; else prints "error: no movie matches ...\nDid you mean: ..." on stderr and
// throws CLI::RuntimeError(3).
std::int32_t resolve_title(const Dataset& dataset, const TitleIndex& index, const std::string& query);

}  // namespace mn::cli
