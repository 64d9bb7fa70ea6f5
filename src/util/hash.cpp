#include "util/hash.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace mn {
namespace {
constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;

inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t round(std::uint64_t acc, std::uint64_t input) {
  acc += input * kP2;
  acc = rotl(acc, 31);
  return acc * kP1;
}
inline std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}
}  // namespace

// Four independent lanes over 32-byte stripes, then a tail and a final avalanche.
std::uint64_t hash64(const void* data, std::size_t size, std::uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + size;
  std::uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
  while (end - p >= 32) {
    v1 = round(v1, load64(p));
    v2 = round(v2, load64(p + 8));
    v3 = round(v3, load64(p + 16));
    v4 = round(v4, load64(p + 24));
    p += 32;
  }
  std::uint64_t h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18) + size;
  while (end - p >= 8) {
    h ^= round(0, load64(p));
    h = rotl(h, 27) * kP1 + kP3;
    p += 8;
  }
  while (p < end) {
    h ^= static_cast<std::uint64_t>(*p) * kP3;
    h = rotl(h, 11) * kP1;
    ++p;
  }
  return mix(h);
}

std::uint64_t hash64_blocks(const void* data, std::size_t size, std::uint64_t seed) {
  constexpr std::size_t kBlock = kHashBlockBytes;
  const auto* bytes = static_cast<const unsigned char*>(data);
  const std::size_t n_blocks = (size + kBlock - 1) / kBlock;
  std::vector<std::uint64_t> parts(n_blocks);
#pragma omp parallel for schedule(static) if (n_blocks > 1)
  for (std::size_t b = 0; b < n_blocks; ++b) {
    parts[b] = hash64(bytes + b * kBlock, std::min(kBlock, size - b * kBlock), seed);
  }
  std::uint64_t h = seed ^ kP3;
  for (const std::uint64_t part : parts) h = hash_combine(h, part);
  return hash_combine(h, size);
}

std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) {
  return mix(a ^ (b + kP1 + (a << 6) + (a >> 2)));
}

BlockHasher::BlockHasher(std::uint64_t seed) : seed_(seed), h_(seed ^ kP3) {}

void BlockHasher::add(const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  size_ += size;
  if (!pending_.empty()) {
    const std::size_t take = std::min(size, kHashBlockBytes - pending_.size());
    pending_.append(p, take);
    p += take;
    size -= take;
    if (pending_.size() < kHashBlockBytes) return;
    h_ = hash_combine(h_, hash64(pending_.data(), pending_.size(), seed_));
    pending_.clear();
  }
  while (size >= kHashBlockBytes) {
    h_ = hash_combine(h_, hash64(p, kHashBlockBytes, seed_));
    p += kHashBlockBytes;
    size -= kHashBlockBytes;
  }
  pending_.append(p, size);
}

std::uint64_t BlockHasher::finish() {
  if (!pending_.empty()) h_ = hash_combine(h_, hash64(pending_.data(), pending_.size(), seed_));
  pending_.clear();
  return hash_combine(h_, size_);
}

std::string hex64(std::uint64_t value) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[value & 0xF];
    value >>= 4;
  }
  return out;
}

}  // namespace mn
