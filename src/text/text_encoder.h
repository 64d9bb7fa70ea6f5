#pragma once
// The one interface every text encoder (MiniLM, TF-IDF/LSA, genres) implements, so that the
// content tower, the embedding cache and the `embed` command never care which one they hold.
#include <span>
#include <string>

namespace mn {

class TextEncoder {
 public:
  virtual ~TextEncoder() = default;
  // The registered name ("minilm").
  virtual std::string name() const = 0;
  // Floats per embedding.
  virtual int dim() const = 0;
  // Changes whenever the same text could embed differently (weights, vocabulary, sizes,
  // truncation): the embedding cache keys on it.
  virtual std::string fingerprint() const = 0;
  // Writes texts.size() rows of dim() floats to out, each row L2-normalised. Thread-safe.
  virtual void encode(std::span<const std::string> texts, float* out) const = 0;
};

}  // namespace mn
