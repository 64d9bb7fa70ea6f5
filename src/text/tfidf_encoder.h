#pragma once
// The "tfidf" text encoder (the default: it needs no weights). A movie is seven fields of tokens
// (title, genres, keywords, tags, cast, directors, overview), each with its own vocabulary: a
// token is the field's prefix and the normalised word or phrase ("c:tom hanks", "o:cowboy").
// Weights are BM25 (tf saturation k1 with document-length normalisation b per field, idf =
// log((N - df + 0.5) / (df + 0.5) + 1)) times the field's weight; a randomised truncated SVD
// (LSA) of the row-normalised document x token matrix gives `dim` components, and an embedding is
// L2-normalise(x V diag(s^(sigma_power - 1))) for right singular vectors V and singular values s
// (sigma_power 1: the plain projection x V = U S of a fitted document; 0: whitened U).
//
// Tokens per field (see document_tokens): title and overview words less stop words; each genre as
// one phrase token; keywords and tags as their words and, when they have more than one word, also
// the whole phrase; people (cast, directors) as the whole name plus the surname, so that sharing
// "tom hanks" is a strong signal and a first name ("tom") none. Free text (a mood, a query) is
// matched against every field: each of its words that is not a stop word, and each run of 2-4
// words as a phrase, counts in every field whose vocabulary has it, with that field's weight; a
// text with no known token embeds as the zero vector (the one exception to unit length: it is
// similar to nothing).
//
// Defaults were tuned on ml-latest-small + TMDB by how many users the 10 nearest movies of each
// movie (with 30+ ratings) share with it (mean rating cosine; all weights 1 and sigma_power 0.5:
// 0.182, these: 0.223) while Toy Story 2 stays Toy Story's nearest: tags (MovieLens users' words)
// and directors weigh most, keyword lists and overviews (long, noisy) least; plain x V
// (sigma_power 1) beats whitened or half-scaled components, and more power iterations change
// nothing measurable (the spectrum is flat at 256: 7.5 .. 1.7).
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "text/movie_text.h"
#include "text/text_encoder.h"

namespace mn {

enum class TextField : int { kTitle, kGenres, kKeywords, kTags, kCast, kDirectors, kOverview };
inline constexpr int kTextFieldCount = 7;
// "title", "genres", "keywords", "tags", "cast", "directors", "overview".
const char* text_field_name(TextField field);
// The vocabulary prefix: "t", "g", "k", "u" (user tags), "c", "d", "o".
const char* text_field_prefix(TextField field);

struct TfidfOptions {
  int dim = 256;
  // By TextField: title, genres, keywords, tags, cast, directors, overview.
  std::array<float, kTextFieldCount> field_weights = {0.75f, 1.5f, 0.75f, 2.0f, 1.0f, 1.5f, 0.75f};
  float k1 = 1.2f;
  float b = 0.75f;
  int min_df = 2;  // tokens in fewer documents are dropped
  std::uint64_t seed = 0;
  int power_iterations = 4;
  int oversampling = 10;
  float sigma_power = 1.0f;  // see the file comment
  int threads = 0;  // 0: OpenMP's default; never changes a result, so neither saved nor fingerprinted

  // Every option but threads.
  nlohmann::json to_json() const;
  // Keys absent keep their defaults; unknown keys, wrong types and out-of-range values throw
  // mn::Error (invalid input) naming the key. Accepts "threads" too.
  static TfidfOptions from_json(const nlohmann::json& j);
};

// One document's tokens by field, before the vocabulary is applied.
using FieldTokens = std::array<std::vector<std::string>, kTextFieldCount>;
FieldTokens document_tokens(const MovieDocument& doc);
// The candidate tokens of free text: words less stop words, then runs of 2-4 words.
std::vector<std::string> query_tokens(std::string_view text);

class TfidfEncoder final : public TextEncoder {
 public:
  // Throws mn::Error (invalid input) when no token reaches min_df documents or dim < 1.
  static std::unique_ptr<TfidfEncoder> fit(const std::vector<MovieDocument>& docs,
                                           const TfidfOptions& options = {});
  // Reads what save() wrote; errors name the file.
  static std::unique_ptr<TfidfEncoder> load(const std::filesystem::path& dir);
  // encoder.json (name, options, field statistics), vocab.txt, idf.npy, components.npy (V,
  // vocabulary x dim), singular_values.npy. Creates dir.
  void save(const std::filesystem::path& dir) const;

  std::string name() const override { return "tfidf"; }
  int dim() const override { return dim_; }
  std::string fingerprint() const override { return fingerprint_; }
  void encode(std::span<const std::string> texts, float* out) const override;

  // Fold-in of a movie, fitted or not: a fitted one gets its row of document_embeddings().
  void encode_document(const MovieDocument& doc, float* out) const;
  std::vector<float> encode_document(const MovieDocument& doc) const;

  // The fitted documents' embeddings, n_documents() x dim() row-major (empty after load()).
  const std::vector<float>& document_embeddings() const { return embeddings_; }
  std::int32_t n_documents() const { return n_documents_; }
  const TfidfOptions& options() const { return options_; }
  const std::vector<std::string>& vocabulary() const { return vocab_; }
  const std::vector<float>& idf() const { return idf_; }
  const std::vector<float>& singular_values() const { return sigma_; }
  // V, vocabulary().size() x dim() row-major.
  const std::vector<float>& components() const { return components_; }
  // Average token count of each field over the documents that have it.
  const std::array<double, kTextFieldCount>& average_field_length() const { return avg_len_; }
  // Vocabulary index of a token ("c:tom hanks"), or -1.
  std::int32_t token_index(std::string_view token) const;

  // The weighted sparse vectors that are projected: (vocabulary index, weight), index ascending.
  std::vector<std::pair<std::int32_t, float>> document_terms(const MovieDocument& doc) const;
  std::vector<std::pair<std::int32_t, float>> text_terms(std::string_view text) const;

 private:
  TfidfEncoder() = default;
  void build_lookup();
  void finish();  // builds the lookup, projection and fingerprint from the saved state
  std::vector<std::pair<std::int32_t, float>> terms_of(const FieldTokens& tokens) const;
  void project(const std::vector<std::pair<std::int32_t, float>>& terms, float* out) const;

  TfidfOptions options_;
  int dim_ = 0;
  std::int32_t n_documents_ = 0;
  std::vector<std::string> vocab_;                               // sorted by field, then token
  std::array<std::int32_t, kTextFieldCount + 1> field_begin_{};  // vocabulary range of each field
  std::vector<float> idf_;
  std::array<double, kTextFieldCount> avg_len_{};
  std::vector<float> components_;
  std::vector<float> sigma_;
  std::vector<float> projection_;  // components_ scaled by sigma^(sigma_power - 1)
  struct TokenHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  // Per field: the token without its prefix -> vocabulary index.
  std::array<std::unordered_map<std::string, std::int32_t, TokenHash, std::equal_to<>>, kTextFieldCount>
      lookup_;
  std::vector<float> embeddings_;
  std::string fingerprint_;
};

}  // namespace mn
