#pragma once
// The "genres" text encoder: one dimension per genre of the catalog it was fitted on (sorted by
// name), a movie's vector holding the idf of each of its genres (idf = ln((1 + N) / (1 + df)) + 1
// over the N fitted movies), L2-normalised. Free text maps the genre words it contains to their
// dimensions: a genre's own name ("comedy", "sci-fi", "film noir", also run together: "scifi")
// and common variants ("comedies", "romantic", "science fiction", "kids", "animated", "scary"...)
// when the catalog has a genre they name. A movie without genres, and a text naming none, embed
// as the zero vector.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/movie_text.h"
#include "text/text_encoder.h"

namespace mn {

class GenreEncoder final : public TextEncoder {
 public:
  // Throws mn::Error (invalid input) when no document has a genre.
  static std::unique_ptr<GenreEncoder> fit(const std::vector<MovieDocument>& docs);
  // Reads what save() wrote (encoder.json, idf.npy); errors name the file.
  static std::unique_ptr<GenreEncoder> load(const std::filesystem::path& dir);
  void save(const std::filesystem::path& dir) const;

  std::string name() const override { return "genres"; }
  int dim() const override { return static_cast<int>(genres_.size()); }
  std::string fingerprint() const override { return fingerprint_; }
  void encode(std::span<const std::string> texts, float* out) const override;

  void encode_document(const MovieDocument& doc, float* out) const;
  std::vector<float> encode_document(const MovieDocument& doc) const;
  // n_documents() x dim(), row-major (empty after load()).
  const std::vector<float>& document_embeddings() const { return embeddings_; }
  std::int32_t n_documents() const { return n_documents_; }

  // Genre names as first spelled in the catalog, in dimension order.
  const std::vector<std::string>& genres() const { return genres_; }
  const std::vector<float>& idf() const { return idf_; }
  // Dimension of a genre name in any spelling ("Sci-Fi", "sci fi"), or -1.
  int genre_index(std::string_view genre) const;
  // Dimensions of the genres a free text names, ascending.
  std::vector<int> genres_in_text(std::string_view text) const;

 private:
  GenreEncoder() = default;
  void finish();  // builds the phrase table and the fingerprint
  void weigh(const std::vector<int>& genres, float* out) const;

  std::vector<std::string> genres_;
  std::vector<std::string> keys_;  // normalised names, parallel to genres_
  std::vector<float> idf_;
  std::int32_t n_documents_ = 0;
  std::map<std::string, std::vector<int>, std::less<>> phrases_;  // text phrase -> dimensions
  std::vector<float> embeddings_;
  std::string fingerprint_;
};

}  // namespace mn
