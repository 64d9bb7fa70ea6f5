#pragma once
// The binary snapshot `ingest` writes: a versioned header, the dataset's arrays, and a checksum,
// written atomically. Loading it skips all parsing (ml-latest-small: a few milliseconds).
//
// Layout: "MVNIGHT\0" | u32 version | u32 flags | u64 payload bytes | u64 checksum | payload.
// The checksum combines hash64 of each 1 MiB block of the payload.
#include <cstdint>
#include <filesystem>

#include "data/dataset.h"

namespace mn {

inline constexpr std::uint32_t kSnapshotVersion = 1;

void save_snapshot(const Dataset& dataset, const std::filesystem::path& path);
// Throws mn::Error naming the file for a missing, foreign, truncated, corrupt or newer file.
Dataset load_snapshot(const std::filesystem::path& path);
// Whether a file starts with the snapshot magic.
bool is_snapshot(const std::filesystem::path& path);

}  // namespace mn
