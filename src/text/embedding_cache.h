#pragma once
// Embeddings of texts kept on disk so that a second run does not encode them again. One file per
// encoder fingerprint in the cache folder ("<name>-<hash of fingerprint>.emb"); an entry is the
// 64-bit hash of a text and its dim() floats. Files are replaced whole (temporary file + rename),
// so a reader never sees half of one; when two processes add entries at once the last writer
// wins. A damaged, truncated or foreign file is reported on stderr, ignored and rebuilt.
//
// File layout (little-endian): "MNEMBED1", u32 dim, u32 fingerprint length, u64 entry count, the
// fingerprint bytes, count u64 text hashes (ascending), count x dim float32, then a u64 hash64 of
// everything before it.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "text/text_encoder.h"

namespace mn {

struct CacheStats {
  std::int64_t hits = 0;     // texts read from the cache
  std::int64_t misses = 0;   // texts that were not in it
  std::int64_t encoded = 0;  // distinct texts encoded (a text repeated among the misses once)
};

class EmbeddingCache {
 public:
  // default_dir().
  EmbeddingCache();
  explicit EmbeddingCache(std::filesystem::path dir);

  // $MOVIENIGHT_CACHE, else $XDG_CACHE_HOME/movienight, else $HOME/.cache/movienight (else
  // ./.cache/movienight when HOME is unset).
  static std::filesystem::path default_dir();
  const std::filesystem::path& dir() const { return dir_; }
  // The file that holds an encoder's entries.
  std::filesystem::path file_for(const TextEncoder& encoder) const;

  // texts.size() x encoder.dim() floats, row-major: cached rows as stored, the misses encoded in
  // one encoder.encode() call and added to the file. Stats are added to *stats when given.
  // Thread-safe; throws mn::Error only when the encoder does, never for a bad cache file (an
  // unwritable folder is a warning, and the embeddings are still returned).
  std::vector<float> encode_cached(const TextEncoder& encoder, std::span<const std::string> texts,
                                   CacheStats* stats = nullptr);

  // The 64-bit key of a text.
  static std::uint64_t text_key(std::string_view text);

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
};

}  // namespace mn
