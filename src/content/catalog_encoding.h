#pragma once
// The catalog as vectors: every movie's text embedded by one encoder, cached on disk so that
// `similar`, `night` and a second `eval` start without re-fitting or re-encoding.
//
//   tfidf, genres  fitted on the catalog's documents; the fitted encoder and the embeddings are
//                  stored under the cache folder, keyed by a hash of the documents and options
//   minilm         the model folder's encoder; embeddings per text in the EmbeddingCache
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/catalog.h"
#include "text/text_encoder.h"

namespace mn {

struct CatalogEncodingOptions {
  std::string encoder = "tfidf";  // tfidf, genres, minilm
  // tfidf: TfidfOptions as JSON (dim, field_weights, seed, ...); minilm: {"model": DIR}.
  nlohmann::json settings = nlohmann::json::object();
  std::filesystem::path cache_dir;  // empty: default_cache_dir()
  bool use_cache = true;
  int threads = 0;
};

struct CatalogEncoding {
  std::shared_ptr<const TextEncoder> encoder;
  std::vector<float> embeddings;  // catalog.size() x dim, row-major, rows L2-normalised (or zero)
  int dim = 0;
  bool from_cache = false;
};

// Where the MiniLM model folder is looked for when no --model is given: $MOVIENIGHT_MINILM, then
// ./models/all-MiniLM-L6-v2, then ../shared/models/all-MiniLM-L6-v2.
std::filesystem::path default_minilm_dir();

CatalogEncoding encode_catalog(const Catalog& catalog, const CatalogEncodingOptions& options);

}  // namespace mn
