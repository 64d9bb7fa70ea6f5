#include "text/embedding_cache.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "io/file.h"
#include "util/error.h"
#include "util/hash.h"

namespace mn {
namespace {

constexpr char kMagic[8] = {'M', 'N', 'E', 'M', 'B', 'E', 'D', '1'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 8;
constexpr std::uint64_t kTextSeed = 0x6d6e2d7465787431ULL;  // "mn-text1"

// The entries of one file: keys ascending, rows parallel to them.
struct Entries {
  std::vector<std::uint64_t> keys;
  std::vector<float> rows;
};

template <typename T>
T read_le(const std::string& bytes, std::size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

template <typename T>
void append_le(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void warn(const std::filesystem::path& path, const std::string& why, bool quiet) {
  if (quiet) return;
  std::fprintf(stderr, "warning: ignoring the damaged embedding cache %s (%s); it will be rebuilt\n",
               path.string().c_str(), why.c_str());
}

// The file's entries; empty when it does not exist, and empty with a warning when it is damaged
// or written for another encoder.
Entries read_entries(const std::filesystem::path& path, const std::string& fingerprint, std::size_t dim,
                     bool quiet = false) {
  Entries e;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return e;
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const Error& ex) {
    warn(path, ex.what(), quiet);
    return e;
  }
  if (bytes.size() < kHeaderBytes + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    warn(path, "not an embedding cache file", quiet);
    return e;
  }
  const auto file_dim = read_le<std::uint32_t>(bytes, 8);
  const auto fp_len = read_le<std::uint32_t>(bytes, 12);
  const auto count = read_le<std::uint64_t>(bytes, 16);
  const std::size_t row_bytes = dim * sizeof(float) + sizeof(std::uint64_t);
  if (file_dim != dim || fp_len > bytes.size() || count > bytes.size() / row_bytes ||
      bytes.size() != kHeaderBytes + fp_len + count * row_bytes + 8) {
    warn(path, "truncated, or sizes that do not match the encoder", quiet);
    return e;
  }
  if (read_le<std::uint64_t>(bytes, bytes.size() - 8) != hash64(bytes.data(), bytes.size() - 8)) {
    warn(path, "checksum mismatch", quiet);
    return e;
  }
  if (bytes.compare(kHeaderBytes, fp_len, fingerprint) != 0 || fp_len != fingerprint.size()) {
    warn(path, "written for another encoder", quiet);
    return e;
  }
  const std::size_t keys_at = kHeaderBytes + fp_len;
  e.keys.resize(count);
  std::memcpy(e.keys.data(), bytes.data() + keys_at, count * sizeof(std::uint64_t));
  if (std::adjacent_find(e.keys.begin(), e.keys.end(), std::greater_equal<>()) != e.keys.end()) {
    warn(path, "keys out of order", quiet);
    return {};
  }
  e.rows.resize(count * dim);
  std::memcpy(e.rows.data(), bytes.data() + keys_at + count * sizeof(std::uint64_t),
              e.rows.size() * sizeof(float));
  return e;
}

void write_entries(const std::filesystem::path& path, const std::string& fingerprint, std::size_t dim,
                   const Entries& e) {
  std::string out;
  out.reserve(kHeaderBytes + fingerprint.size() + e.keys.size() * (8 + dim * sizeof(float)) + 8);
  out.append(kMagic, sizeof kMagic);
  append_le(out, static_cast<std::uint32_t>(dim));
  append_le(out, static_cast<std::uint32_t>(fingerprint.size()));
  append_le(out, static_cast<std::uint64_t>(e.keys.size()));
  out += fingerprint;
  out.append(reinterpret_cast<const char*>(e.keys.data()), e.keys.size() * sizeof(std::uint64_t));
  out.append(reinterpret_cast<const char*>(e.rows.data()), e.rows.size() * sizeof(float));
  append_le(out, hash64(out.data(), out.size()));
  std::filesystem::create_directories(path.parent_path());
  write_file_atomic(path, out);
}

// old plus the new (key, row) pairs, keys ascending; a key in both keeps the new row.
Entries merge(const Entries& old, std::vector<std::pair<std::uint64_t, const float*>> added,
              std::size_t dim) {
  std::sort(added.begin(), added.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Entries out;
  out.keys.reserve(old.keys.size() + added.size());
  out.rows.reserve((old.keys.size() + added.size()) * dim);
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < old.keys.size() || j < added.size()) {
    const bool take_new = j < added.size() && (i == old.keys.size() || added[j].first <= old.keys[i]);
    if (take_new) {
      if (i < old.keys.size() && old.keys[i] == added[j].first) ++i;
      out.keys.push_back(added[j].first);
      out.rows.insert(out.rows.end(), added[j].second, added[j].second + dim);
      ++j;
    } else {
      out.keys.push_back(old.keys[i]);
      out.rows.insert(out.rows.end(), old.rows.begin() + static_cast<std::ptrdiff_t>(i * dim),
                      old.rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
      ++i;
    }
  }
  return out;
}

std::string safe_name(const std::string& name) {
  std::string out;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "encoder" : out;
}

}  // namespace

EmbeddingCache::EmbeddingCache() : dir_(default_dir()) {}
EmbeddingCache::EmbeddingCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path EmbeddingCache::default_dir() {
  if (const char* env = std::getenv("MOVIENIGHT_CACHE"); env != nullptr && *env != '\0') return env;
  if (const char* env = std::getenv("XDG_CACHE_HOME"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "movienight";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "movienight";
  }
  return std::filesystem::path(".cache") / "movienight";
}

std::filesystem::path EmbeddingCache::file_for(const TextEncoder& encoder) const {
  return dir_ / (safe_name(encoder.name()) + "-" + hex64(hash64(encoder.fingerprint())) + ".emb");
}

std::uint64_t EmbeddingCache::text_key(std::string_view text) { return hash64(text, kTextSeed); }

std::vector<float> EmbeddingCache::encode_cached(const TextEncoder& encoder,
                                                 std::span<const std::string> texts, CacheStats* stats) {
  const auto dim = static_cast<std::size_t>(encoder.dim());
  const std::string fingerprint = encoder.fingerprint();
  const std::filesystem::path path = file_for(encoder);
  std::vector<float> out(texts.size() * dim);
  std::vector<std::uint64_t> keys(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) keys[i] = text_key(texts[i]);

  // Hits are copied; each distinct missing text is encoded once.
  std::vector<std::size_t> missing;  // first index in texts of each distinct missing key
  std::unordered_map<std::uint64_t, std::size_t> missing_slot;
  std::vector<std::size_t> slot_of(texts.size(), 0);
  std::int64_t hits = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Entries cached = read_entries(path, fingerprint, dim);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const auto it = std::lower_bound(cached.keys.begin(), cached.keys.end(), keys[i]);
      if (it != cached.keys.end() && *it == keys[i]) {
        const auto row = static_cast<std::size_t>(it - cached.keys.begin());
        std::copy_n(cached.rows.begin() + static_cast<std::ptrdiff_t>(row * dim), dim,
                    out.begin() + static_cast<std::ptrdiff_t>(i * dim));
        ++hits;
        continue;
      }
      const auto [slot, fresh] = missing_slot.emplace(keys[i], missing.size());
      if (fresh) missing.push_back(i);
      slot_of[i] = slot->second;
    }
  }
  const auto misses = static_cast<std::int64_t>(texts.size()) - hits;
  if (stats != nullptr) {
    stats->hits += hits;
    stats->misses += misses;
    stats->encoded += static_cast<std::int64_t>(missing.size());
  }
  if (missing.empty()) return out;

  std::vector<std::string> batch;
  batch.reserve(missing.size());
  for (const std::size_t i : missing) batch.push_back(texts[i]);
  std::vector<float> encoded(missing.size() * dim);
  encoder.encode(batch, encoded.data());
  std::vector<std::pair<std::uint64_t, const float*>> added;
  added.reserve(missing.size());
  for (std::size_t s = 0; s < missing.size(); ++s)
    added.emplace_back(keys[missing[s]], encoded.data() + s * dim);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto it = missing_slot.find(keys[i]);
    if (it == missing_slot.end()) continue;
    std::copy_n(encoded.begin() + static_cast<std::ptrdiff_t>(slot_of[i] * dim), dim,
                out.begin() + static_cast<std::ptrdiff_t>(i * dim));
  }

  // Merged with the file as it is now, which another thread or process may have grown meanwhile.
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    write_entries(path, fingerprint, dim,
                  merge(read_entries(path, fingerprint, dim, true), std::move(added), dim));
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "warning: could not write the embedding cache %s: %s\n", path.string().c_str(),
                 ex.what());
  }
  return out;
}

}  // namespace mn
