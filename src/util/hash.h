#pragma once
// A fast non-cryptographic 64-bit hash for checksums and content fingerprints (several GB/s:
// snapshots of 25M ratings are hundreds of MB). Stable across runs and machines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mn {

std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed = 0);
inline std::uint64_t hash64(std::string_view s, std::uint64_t seed = 0) {
  return hash64(s.data(), s.size(), seed);
}
// hash64 of each kHashBlockBytes block, combined in order, then with the size; blocks are hashed
// by all threads (for arrays of hundreds of MB). Not equal to hash64 of the same bytes. A writer
// can compute it while streaming: h = seed ^ kP3; per full block h = hash_combine(h, hash64(block,
// seed)); the last partial block likewise; finally hash_combine(h, size) (see BlockHasher).
inline constexpr std::size_t kHashBlockBytes = std::size_t{4} << 20;
std::uint64_t hash64_blocks(const void* data, std::size_t size, std::uint64_t seed = 0);
// Order-dependent combination of two hashes.
std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b);
std::string hex64(std::uint64_t value);

// hash64_blocks over bytes that arrive in pieces of any size; buffers at most one block.
class BlockHasher {
 public:
  explicit BlockHasher(std::uint64_t seed = 0);
  void add(const void* data, std::size_t size);
  std::uint64_t finish();

 private:
  std::uint64_t seed_;
  std::uint64_t h_;
  std::uint64_t size_ = 0;
  std::string pending_;
};

}  // namespace mn
