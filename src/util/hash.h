#pragma once
// A fast non-cryptographic 64-bit hash for checksums and content fingerprints (several GB/s:
// snapshots of 25M ratings are hundreds of MB). Stable across runs and machines.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mn {

std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed = 0);
inline std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0) { return hash64(s.data(), s.size(), seed); }
// Order-dependent combination of two hashes.
std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b);
std::string hex64(std::uint64_t value);

}  // namespace mn
