// The embedding cache: a second call encodes nothing and returns the same rows, misses are
// encoded in one batch (duplicates once), encoders with other fingerprints or sizes keep apart,
// and a damaged file is reported, ignored and rebuilt.
#include "text/embedding_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <thread>

#include "io/file.h"
#include "test_support.h"
#include "util/hash.h"

namespace mn {
namespace {

namespace fs = std::filesystem;

// A deterministic encoder that counts what it is asked to encode.
class CountingEncoder final : public TextEncoder {
 public:
  explicit CountingEncoder(std::string fp, int dim = 4) : fp_(std::move(fp)), dim_(dim) {}
  std::string name() const override { return "counting"; }
  int dim() const override { return dim_; }
  std::string fingerprint() const override { return fp_; }
  void encode(std::span<const std::string> texts, float* out) const override {
    ++calls;
    encoded += static_cast<int>(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const std::uint64_t h = hash64(texts[i] + fp_);
      for (int j = 0; j < dim_; ++j) {
        out[i * static_cast<std::size_t>(dim_) + static_cast<std::size_t>(j)] =
            static_cast<float>((h >> (8 * j)) & 0xFF) / 255.0f;
      }
    }
  }
  std::vector<float> direct(const std::vector<std::string>& texts) const {
    std::vector<float> out(texts.size() * static_cast<std::size_t>(dim_));
    encode(texts, out.data());
    return out;
  }
  mutable std::atomic<int> calls{0};
  mutable std::atomic<int> encoded{0};

 private:
  std::string fp_;
  int dim_;
};

TEST(EmbeddingCacheTest, SecondCallHitsEverything) {
  test::TempDir tmp;
  EmbeddingCache cache(tmp / "cache");
  CountingEncoder enc("v1");
  const std::vector<std::string> texts = {"toy story", "the matrix", "toy story", "", "heat"};
  CacheStats first;
  const std::vector<float> a = cache.encode_cached(enc, texts, &first);
  EXPECT_EQ(first.hits, 0);
  EXPECT_EQ(first.misses, 5);
  EXPECT_EQ(first.encoded, 4);  // "toy story" once
  EXPECT_EQ(enc.calls, 1);      // one batch
  EXPECT_EQ(a, CountingEncoder("v1").direct(texts));
  EXPECT_TRUE(fs::exists(cache.file_for(enc)));

  CacheStats second;
  const std::vector<float> b = cache.encode_cached(enc, texts, &second);
  EXPECT_EQ(second.hits, 5);
  EXPECT_EQ(second.misses, 0);
  EXPECT_EQ(enc.calls, 1);
  EXPECT_EQ(a, b);

  // A fresh cache object (a second run) reads the same file; new texts are added to it.
  EmbeddingCache again(tmp / "cache");
  CacheStats third;
  const std::vector<std::string> more = {"heat", "alien"};
  const std::vector<float> c = again.encode_cached(enc, more, &third);
  EXPECT_EQ(third.hits, 1);
  EXPECT_EQ(third.misses, 1);
  EXPECT_EQ(enc.encoded, 5);
  EXPECT_EQ(c, CountingEncoder("v1").direct(more));
  CacheStats fourth;
  again.encode_cached(enc, texts, &fourth);
  again.encode_cached(enc, more, &fourth);
  EXPECT_EQ(fourth.misses, 0);
  EXPECT_TRUE(again.encode_cached(enc, std::vector<std::string>{}, &fourth).empty());
}

TEST(EmbeddingCacheTest, EncodersKeepApart) {
  test::TempDir tmp;
  EmbeddingCache cache(tmp.path());
  CountingEncoder v1("v1");
  CountingEncoder v2("v2");
  CountingEncoder wide("v1", 8);
  const std::vector<std::string> texts = {"cozy christmas"};
  cache.encode_cached(v1, texts);
  CacheStats s;
  EXPECT_EQ(cache.encode_cached(v2, texts, &s), v2.direct(texts));
  EXPECT_EQ(s.misses, 1);
  EXPECT_NE(cache.file_for(v1), cache.file_for(v2));
  // Same fingerprint, other size: the file is not mistaken for its own.
  fs::copy_file(cache.file_for(v1), tmp / "copy");
  EXPECT_EQ(cache.file_for(wide), cache.file_for(v1));
  testing::internal::CaptureStderr();
  EXPECT_EQ(cache.encode_cached(wide, texts), wide.direct(texts));
  EXPECT_NE(testing::internal::GetCapturedStderr().find("ignoring"), std::string::npos);
}

TEST(EmbeddingCacheTest, DamagedFilesAreIgnoredAndRebuilt) {
  test::TempDir tmp;
  EmbeddingCache cache(tmp.path());
  CountingEncoder enc("v1");
  const std::vector<std::string> texts = {"a", "b", "c"};
  const std::vector<float> want = enc.direct(texts);
  cache.encode_cached(enc, texts);
  const fs::path file = cache.file_for(enc);
  const std::string good = read_file(file);

  auto check = [&](const std::string& contents, const char* what) {
    write_file_atomic(file, contents);
    testing::internal::CaptureStderr();
    CacheStats s;
    EXPECT_EQ(cache.encode_cached(enc, texts, &s), want) << what;
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(s.misses, 3) << what;
    EXPECT_NE(err.find("ignoring the damaged embedding cache"), std::string::npos) << what << ": " << err;
    // Rebuilt: the next call hits.
    CacheStats again;
    cache.encode_cached(enc, texts, &again);
    EXPECT_EQ(again.hits, 3) << what;
    EXPECT_EQ(read_file(file), good) << what;
  };
  check(good.substr(0, good.size() / 2), "truncated");
  check(good.substr(0, 10), "header cut");
  check("", "empty");
  check("not a cache file at all, just some text", "foreign");
  std::string flipped = good;
  flipped[good.size() - 20] = static_cast<char>(flipped[good.size() - 20] ^ 0x40);
  check(flipped, "bit flip in a row");
  std::string huge_count = good;
  huge_count[23] = '\x7f';
  check(huge_count, "absurd entry count");

  // A folder in the way of the file: a warning, and the embeddings still come back.
  fs::remove(file);
  fs::create_directories(file);
  testing::internal::CaptureStderr();
  EXPECT_EQ(cache.encode_cached(enc, texts), want);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("warning"), std::string::npos);
}

TEST(EmbeddingCacheTest, ConcurrentCallsLoseNothingTheyReturn) {
  test::TempDir tmp;
  EmbeddingCache cache(tmp.path());
  CountingEncoder enc("v1");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> texts;
      for (int i = 0; i < 50; ++i) texts.push_back("text " + std::to_string(t * 50 + i));
      EXPECT_EQ(cache.encode_cached(enc, texts), CountingEncoder("v1").direct(texts));
    });
  }
  for (auto& t : threads) t.join();
  // Within one process the writes merge: everything is cached.
  std::vector<std::string> all;
  for (int i = 0; i < 200; ++i) all.push_back("text " + std::to_string(i));
  CacheStats s;
  cache.encode_cached(enc, all, &s);
  EXPECT_EQ(s.hits, 200);
}

TEST(EmbeddingCacheTest, DefaultFolder) {
  const char* saved_cache = std::getenv("MOVIENIGHT_CACHE");
  const char* saved_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string keep_cache = saved_cache ? saved_cache : "";
  const std::string keep_xdg = saved_xdg ? saved_xdg : "";
  setenv("MOVIENIGHT_CACHE", "/tmp/mn-cache", 1);
  EXPECT_EQ(EmbeddingCache::default_dir(), fs::path("/tmp/mn-cache"));
  unsetenv("MOVIENIGHT_CACHE");
  setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(EmbeddingCache::default_dir(), fs::path("/tmp/xdg/movienight"));
  unsetenv("XDG_CACHE_HOME");
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    EXPECT_EQ(EmbeddingCache::default_dir(), fs::path(home) / ".cache" / "movienight");
  }
  if (saved_cache) setenv("MOVIENIGHT_CACHE", keep_cache.c_str(), 1);
  if (saved_xdg) setenv("XDG_CACHE_HOME", keep_xdg.c_str(), 1);
  EXPECT_EQ(EmbeddingCache().dir(), EmbeddingCache::default_dir());
}

}  // namespace
}  // namespace mn
