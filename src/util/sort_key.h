#pragma once
// Integer sort keys for (score, index) pairs: selecting and sorting 64-bit integers is several times
// faster than comparing pairs, and gives the same order.
#include <bit>
#include <cstdint>

namespace mn {

// An ascending key that puts the larger score first and, among equal scores, the smaller index. The
// high half is the score's bits flipped into an order that unsigned comparison keeps, inverted.
// -0 and +0 get one key (the + 0.0f); NaN gets some key: callers leave it out or map it first.
inline std::uint64_t best_first_key(float score, std::uint32_t index) {
  const auto bits = std::bit_cast<std::uint32_t>(score + 0.0f);
  const std::uint32_t ordered =
      bits ^ (static_cast<std::uint32_t>(static_cast<std::int32_t>(bits) >> 31) | 0x80000000u);
  return static_cast<std::uint64_t>(~ordered) << 32 | index;
}

inline std::uint32_t key_index(std::uint64_t key) { return static_cast<std::uint32_t>(key & 0xffffffffu); }

}  // namespace mn
