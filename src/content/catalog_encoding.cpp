#include "content/catalog_encoding.h"

#include <cstdio>
#include <cstdlib>

#include "io/file.h"
#include "io/npy.h"
#include "text/embedding_cache.h"
#include "text/encoder_factory.h"
#include "text/genre_encoder.h"
#include "text/minilm.h"
#include "text/movie_text.h"
#include "text/tfidf_encoder.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/progress.h"

namespace mn {
namespace {

// Bump when what is stored under a catalog key changes meaning.
constexpr int kCatalogCacheVersion = 1;

std::uint64_t documents_hash(const std::vector<MovieDocument>& docs) {
  std::uint64_t h = hash64("movienight-documents");
  const auto add = [&](std::string_view s) { h = hash_combine(h, hash64(s)); };
  const auto add_list = [&](const std::vector<std::string>& list) {
    h = hash_combine(h, list.size());
    for (const auto& s : list) add(s);
  };
  for (const MovieDocument& d : docs) {
    add(d.title);
    add_list(d.genres);
    add_list(d.keywords);
    add_list(d.tags);
    add_list(d.cast);
    add_list(d.directors);
    add(d.overview);
  }
  return h;
}

std::filesystem::path resolved_cache_dir(const CatalogEncodingOptions& o) {
  return o.cache_dir.empty() ? EmbeddingCache::default_dir() : o.cache_dir;
}

// Fitted encoders: the encoder folder and embeddings.npy under cache/catalog-<name>-<key>.
CatalogEncoding fitted_encoding(const Catalog& catalog, const CatalogEncodingOptions& o) {
  const std::vector<MovieDocument> docs = movie_documents(catalog);
  std::uint64_t key = hash_combine(documents_hash(docs), hash64(o.encoder + "|" + o.settings.dump()));
  key = hash_combine(key, kCatalogCacheVersion);
  const std::filesystem::path dir = resolved_cache_dir(o) / ("catalog-" + o.encoder + "-" + hex64(key));
  CatalogEncoding out;
  if (o.use_cache && std::filesystem::exists(dir / "embeddings.npy")) {
    try {
      out.encoder = load_encoder(dir / "encoder");
      const NpyArray e = load_npy(dir / "embeddings.npy");
      if (e.shape.size() == 2 && e.shape[0] == static_cast<std::size_t>(catalog.size()) &&
          e.shape[1] == static_cast<std::size_t>(out.encoder->dim())) {
        out.embeddings = e.as<float>();
        out.dim = out.encoder->dim();
        out.from_cache = true;
        return out;
      }
      std::fprintf(stderr, "warning: %s does not match the catalog; encoding again\n", dir.string().c_str());
    } catch (const Error& e) {
      std::fprintf(stderr, "warning: ignoring a damaged cache entry (%s); encoding again\n", e.what());
    }
  }
  if (o.encoder == "tfidf") {
    TfidfOptions t = TfidfOptions::from_json(o.settings);
    t.threads = o.threads;
    auto encoder = TfidfEncoder::fit(docs, t);
    out.embeddings = encoder->document_embeddings();
    out.dim = encoder->dim();
    out.encoder = std::move(encoder);
  } else {
    auto encoder = GenreEncoder::fit(docs);
    out.embeddings = encoder->document_embeddings();
    out.dim = encoder->dim();
    out.encoder = std::move(encoder);
  }
  if (o.use_cache) {
    try {
      // Written beside and renamed, so a reader never sees half an entry.
      const std::filesystem::path tmp =
          dir.string() + ".tmp" +
          std::to_string(hash64(dir.string()) ^ static_cast<std::uint64_t>(std::rand()));
      std::filesystem::create_directories(tmp);
      save_encoder(*out.encoder, tmp / "encoder");
      save_npy(tmp / "embeddings.npy", out.embeddings,
               {static_cast<std::size_t>(catalog.size()), static_cast<std::size_t>(out.dim)});
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
      std::filesystem::rename(tmp, dir, ec);
      if (ec) std::filesystem::remove_all(tmp, ec);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: could not write the embedding cache: %s\n", e.what());
    }
  }
  return out;
}

CatalogEncoding minilm_encoding(const Catalog& catalog, const CatalogEncodingOptions& o) {
  const std::filesystem::path model_dir = o.settings.value("model", default_minilm_dir().string());
  if (!std::filesystem::exists(std::filesystem::path(model_dir) / "model.safetensors")) {
    throw Error(ErrorKind::kNotFound, minilm_weights_missing_message(model_dir));
  }
  MiniLMOptions mo;
  mo.threads = o.threads;
  std::shared_ptr<const TextEncoder> encoder = MiniLMEncoder::load(model_dir, mo);
  std::vector<std::string> texts;
  texts.reserve(static_cast<std::size_t>(catalog.size()));
  for (const Movie& m : catalog.movies()) texts.push_back(movie_sentence(m));
  CatalogEncoding out;
  out.dim = encoder->dim();
  if (o.use_cache) {
    EmbeddingCache cache(resolved_cache_dir(o));
    CacheStats stats;
    out.embeddings = cache.encode_cached(*encoder, texts, &stats);
    out.from_cache = stats.misses == 0;
  } else {
    out.embeddings.resize(texts.size() * static_cast<std::size_t>(out.dim));
    encoder->encode(texts, out.embeddings.data());
  }
  out.encoder = std::move(encoder);
  return out;
}

}  // namespace

std::filesystem::path default_minilm_dir() {
  if (const char* env = std::getenv("MOVIENIGHT_MINILM"); env != nullptr && *env != '\0') return env;
  const std::filesystem::path local = "models/all-MiniLM-L6-v2";
  if (std::filesystem::exists(local)) return local;
  const std::filesystem::path shared = "../shared/models/all-MiniLM-L6-v2";
  if (std::filesystem::exists(shared)) return shared;
  return local;
}

CatalogEncoding encode_catalog(const Catalog& catalog, const CatalogEncodingOptions& options) {
  if (catalog.size() == 0) throw Error(ErrorKind::kInvalidInput, "the catalog is empty: nothing to encode");
  if (options.encoder == "tfidf" || options.encoder == "genres") return fitted_encoding(catalog, options);
  if (options.encoder == "minilm") return minilm_encoding(catalog, options);
  throw Error(ErrorKind::kInvalidInput,
              "unknown encoder '" + options.encoder + "'; known: tfidf, genres, minilm");
}

}  // namespace mn
