#include "text/tfidf_encoder.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "io/file.h"
#include "io/npy.h"
#include "text/randomized_svd.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/text.h"

namespace mn {
namespace {

constexpr int kFormat = 1;
constexpr std::size_t kMaxPhraseWords = 4;
// Fewer documents are tokenised and projected on one thread (a team costs more than it saves).
constexpr std::int64_t kParallelDocuments = 256;
constexpr std::array<const char*, kTextFieldCount> kFieldNames = {"title", "genres",    "keywords", "tags",
                                                                  "cast",  "directors", "overview"};
constexpr std::array<const char*, kTextFieldCount> kFieldPrefixes = {"t", "g", "k", "u", "c", "d", "o"};

std::size_t field_index(TextField f) { return static_cast<std::size_t>(f); }

// Words (less stop words) of a keyword or tag, and the whole phrase when it has several words.
void add_phrase_tokens(std::vector<std::string>& out, std::string_view item) {
  const std::vector<std::string> words = normalized_words(item);
  if (words.empty()) return;
  for (const std::string& w : words) {
    const bool single_letter = w.size() == 1 && !(w[0] >= '0' && w[0] <= '9');
    if (single_letter || is_stop_word(w)) continue;
    out.push_back(w);
  }
  if (words.size() > 1) {
    std::string phrase = words[0];
    for (std::size_t i = 1; i < words.size(); ++i) phrase += ' ' + words[i];
    out.push_back(std::move(phrase));
  }
}

// A person's whole name, and the surname alone so that "hanks" finds Tom Hanks (a first name
// says little: there are many Toms). All words are kept: "Will Smith" is not a stop word.
void add_name_tokens(std::vector<std::string>& out, std::string_view name) {
  std::vector<std::string> words = normalized_words(name);
  if (words.empty()) return;
  std::string phrase = words[0];
  for (std::size_t i = 1; i < words.size(); ++i) phrase += ' ' + words[i];
  out.push_back(std::move(phrase));
  static constexpr std::array<std::string_view, 5> kSuffixes = {"jr", "sr", "ii", "iii", "iv"};
  while (words.size() > 1 && std::find(kSuffixes.begin(), kSuffixes.end(), words.back()) != kSuffixes.end()) {
    words.pop_back();
  }
  if (words.size() > 1 && words.back().size() > 1) out.push_back(words.back());
}

void append_tokens(std::vector<std::string>& out, std::vector<std::string> more) {
  for (std::string& t : more) out.push_back(std::move(t));
}

[[noreturn]] void bad_option(const std::string& key, const std::string& why) {
  throw Error(ErrorKind::kInvalidInput, "tfidf option '" + key + "': " + why);
}

template <typename T>
T number_option(const nlohmann::json& value, const std::string& key, double lo, double hi) {
  if (!value.is_number()) bad_option(key, "must be a number");
  if constexpr (std::is_integral_v<T>) {
    if (!value.is_number_integer()) bad_option(key, "must be an integer");
  }
  const double v = value.get<double>();
  if (!(v >= lo && v <= hi)) {
    std::ostringstream range;
    range << "must be in [" << lo << ", " << hi << "]";
    bad_option(key, range.str());
  }
  return value.get<T>();
}

std::string hash_hex(const TfidfEncoder& e, const nlohmann::json& options) {
  std::uint64_t h = hash64("tfidf");
  h = hash_combine(h, hash64(options.dump()));
  std::uint64_t vh = 0;
  for (const std::string& t : e.vocabulary()) vh = hash_combine(vh, hash64(t));
  h = hash_combine(h, vh);
  h = hash_combine(h, hash64(e.idf().data(), e.idf().size() * sizeof(float)));
  h = hash_combine(h, hash64(e.average_field_length().data(), sizeof(double) * kTextFieldCount));
  h = hash_combine(h, hash64_blocks(e.components().data(), e.components().size() * sizeof(float)));
  h = hash_combine(h, hash64(e.singular_values().data(), e.singular_values().size() * sizeof(float)));
  return hex64(h);
}

std::vector<float> load_floats(const std::filesystem::path& path, const std::vector<std::size_t>& shape) {
  const NpyArray a = load_npy(path);
  if (a.shape != shape) {
    std::string want;
    for (const std::size_t s : shape) want += (want.empty() ? "" : " x ") + std::to_string(s);
    throw_input_error(path.string(), 0, "expected an array of shape " + want);
  }
  if (a.dtype == "<f4") return a.as<float>();
  if (a.dtype == "<f8") {
    const std::vector<double> d = a.as<double>();
    return std::vector<float>(d.begin(), d.end());
  }
  throw_input_error(path.string(), 0, "expected a float32 array, found " + a.dtype);
}

}  // namespace

const char* text_field_name(TextField field) { return kFieldNames[field_index(field)]; }
const char* text_field_prefix(TextField field) { return kFieldPrefixes[field_index(field)]; }

nlohmann::json TfidfOptions::to_json() const {
  nlohmann::json weights = nlohmann::json::object();
  for (std::size_t f = 0; f < kTextFieldCount; ++f) weights[kFieldNames[f]] = field_weights[f];
  return {{"dim", dim},
          {"field_weights", weights},
          {"k1", k1},
          {"b", b},
          {"min_df", min_df},
          {"seed", seed},
          {"power_iterations", power_iterations},
          {"oversampling", oversampling},
          {"sigma_power", sigma_power}};
}

TfidfOptions TfidfOptions::from_json(const nlohmann::json& j) {
  TfidfOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw Error(ErrorKind::kInvalidInput, "tfidf options must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key == "dim") {
      o.dim = number_option<int>(value, key, 1, 1 << 20);
    } else if (key == "k1") {
      o.k1 = number_option<float>(value, key, 0, 1e6);
    } else if (key == "b") {
      o.b = number_option<float>(value, key, 0, 1);
    } else if (key == "min_df") {
      o.min_df = number_option<int>(value, key, 1, 1e9);
    } else if (key == "seed") {
      if (!value.is_number_unsigned()) bad_option(key, "must be a non-negative integer");
      o.seed = value.get<std::uint64_t>();
    } else if (key == "power_iterations") {
      o.power_iterations = number_option<int>(value, key, 0, 100);
    } else if (key == "oversampling") {
      o.oversampling = number_option<int>(value, key, 0, 10000);
    } else if (key == "sigma_power") {
      o.sigma_power = number_option<float>(value, key, -4, 4);
    } else if (key == "threads") {
      o.threads = number_option<int>(value, key, 0, 4096);
    } else if (key == "field_weights") {
      if (!value.is_object()) bad_option(key, "must be an object of field names to weights");
      for (const auto& [field, w] : value.items()) {
        const auto it =
            std::find_if(kFieldNames.begin(), kFieldNames.end(), [&](const char* n) { return field == n; });
        if (it == kFieldNames.end()) {
          bad_option(key + "." + field,
                     "unknown field (known: title, genres, keywords, tags, cast, directors, overview)");
        }
        o.field_weights[static_cast<std::size_t>(it - kFieldNames.begin())] =
            number_option<float>(w, key + "." + field, 0, 1e6);
      }
    } else {
      bad_option(key, "unknown option");
    }
  }
  return o;
}

FieldTokens document_tokens(const MovieDocument& doc) {
  FieldTokens t;
  append_tokens(t[field_index(TextField::kTitle)], tokenize_for_search(doc.title));
  for (const std::string& g : doc.genres) {
    std::string phrase = normalize_phrase(g);
    if (!phrase.empty() && trim(g) != kNoGenresListed)
      t[field_index(TextField::kGenres)].push_back(std::move(phrase));
  }
  for (const std::string& k : doc.keywords) add_phrase_tokens(t[field_index(TextField::kKeywords)], k);
  for (const std::string& k : doc.tags) add_phrase_tokens(t[field_index(TextField::kTags)], k);
  for (const std::string& n : doc.cast) add_name_tokens(t[field_index(TextField::kCast)], n);
  for (const std::string& n : doc.directors) add_name_tokens(t[field_index(TextField::kDirectors)], n);
  append_tokens(t[field_index(TextField::kOverview)], tokenize_for_search(doc.overview));
  return t;
}

std::vector<std::string> query_tokens(std::string_view text) {
  const std::vector<std::string> words = normalized_words(text);
  std::vector<std::string> out;
  for (const std::string& w : words) {
    const bool single_letter = w.size() == 1 && !(w[0] >= '0' && w[0] <= '9');
    if (!single_letter && !is_stop_word(w)) out.push_back(w);
  }
  for (std::size_t n = 2; n <= kMaxPhraseWords; ++n) {
    for (std::size_t i = 0; i + n <= words.size(); ++i) {
      std::string phrase = words[i];
      for (std::size_t j = i + 1; j < i + n; ++j) phrase += ' ' + words[j];
      out.push_back(std::move(phrase));
    }
  }
  return out;
}

std::unique_ptr<TfidfEncoder> TfidfEncoder::fit(const std::vector<MovieDocument>& docs,
                                                const TfidfOptions& options) {
  if (options.dim < 1) throw Error(ErrorKind::kInvalidInput, "tfidf: dim must be at least 1");
  if (options.min_df < 1) throw Error(ErrorKind::kInvalidInput, "tfidf: min_df must be at least 1");
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const auto n = static_cast<std::int64_t>(docs.size());
  std::vector<FieldTokens> tokens(docs.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) if (n >= kParallelDocuments)
  for (std::int64_t i = 0; i < n; ++i) {
    tokens[static_cast<std::size_t>(i)] = document_tokens(docs[static_cast<std::size_t>(i)]);
  }

  std::unique_ptr<TfidfEncoder> e(new TfidfEncoder());
  e->options_ = options;
  e->n_documents_ = static_cast<std::int32_t>(n);
  // Document frequencies and average lengths, one field per task.
  std::array<std::vector<std::pair<std::string, std::int64_t>>, kTextFieldCount> kept;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (n >= kParallelDocuments)
  for (int f = 0; f < kTextFieldCount; ++f) {
    const auto fi = static_cast<std::size_t>(f);
    struct Hash {
      using is_transparent = void;
      std::size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
    };
    std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> df;
    std::int64_t total = 0;
    std::int64_t with_field = 0;
    std::vector<std::string_view> seen;
    for (const FieldTokens& doc : tokens) {
      const std::vector<std::string>& list = doc[fi];
      if (list.empty()) continue;
      total += static_cast<std::int64_t>(list.size());
      ++with_field;
      seen.assign(list.begin(), list.end());
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      for (const std::string_view t : seen) {
        const auto it = df.find(t);
        if (it == df.end()) {
          df.emplace(std::string(t), 1);
        } else {
          ++it->second;
        }
      }
    }
    e->avg_len_[fi] = with_field > 0 ? static_cast<double>(total) / static_cast<double>(with_field) : 0.0;
    for (auto& [token, count] : df) {
      if (count >= options.min_df) kept[fi].emplace_back(token, count);
    }
    std::sort(kept[fi].begin(), kept[fi].end());
  }
  for (std::size_t f = 0; f < kTextFieldCount; ++f) {
    e->field_begin_[f] = static_cast<std::int32_t>(e->vocab_.size());
    for (const auto& [token, df] : kept[f]) {
      e->vocab_.push_back(std::string(kFieldPrefixes[f]) + ":" + token);
      const double d = static_cast<double>(df);
      e->idf_.push_back(static_cast<float>(std::log((static_cast<double>(n) - d + 0.5) / (d + 0.5) + 1.0)));
    }
  }
  e->field_begin_[kTextFieldCount] = static_cast<std::int32_t>(e->vocab_.size());
  if (e->vocab_.empty()) {
    throw Error(ErrorKind::kInvalidInput,
                "tfidf: no token occurs in min_df = " + std::to_string(options.min_df) + " of the " +
                    std::to_string(n) + " documents");
  }
  e->build_lookup();
  // The document x token matrix, rows L2-normalised so that long documents do not steer the SVD.
  std::vector<std::vector<std::pair<std::int32_t, float>>> rows(docs.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) if (n >= kParallelDocuments)
  for (std::int64_t i = 0; i < n; ++i) {
    rows[static_cast<std::size_t>(i)] = e->terms_of(tokens[static_cast<std::size_t>(i)]);
  }
  tokens.clear();
  std::vector<std::int64_t> indptr(docs.size() + 1, 0);
  for (std::size_t i = 0; i < rows.size(); ++i)
    indptr[i + 1] = indptr[i] + static_cast<std::int64_t>(rows[i].size());
  std::vector<std::int32_t> indices(static_cast<std::size_t>(indptr.back()));
  std::vector<float> values(indices.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double norm = 0;
    for (const auto& [index, w] : rows[i]) norm += static_cast<double>(w) * w;
    const double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
    auto p = static_cast<std::size_t>(indptr[i]);
    for (const auto& [index, w] : rows[i]) {
      indices[p] = index;
      values[p++] = static_cast<float>(w * scale);
    }
  }

  RandomizedSvdOptions so;
  so.rank = options.dim;
  so.oversampling = options.oversampling;
  so.power_iterations = options.power_iterations;
  so.seed = options.seed;
  so.threads = threads;
  const SparseRowsView view{static_cast<std::int32_t>(n), static_cast<std::int32_t>(e->vocab_.size()), indptr,
                            indices, values};
  const TruncatedSvd svd = randomized_svd(view, so);
  // Components whose singular value is zero carry nothing: dim is the rank found.
  int dim = 0;
  while (dim < svd.rank && svd.singular_values[static_cast<std::size_t>(dim)] > 0) ++dim;
  if (dim == 0) {
    throw Error(ErrorKind::kInvalidInput,
                "tfidf: the document x token matrix is zero (are all field weights 0?)");
  }
  e->dim_ = dim;
  e->sigma_.assign(svd.singular_values.begin(), svd.singular_values.begin() + dim);
  e->components_.resize(e->vocab_.size() * static_cast<std::size_t>(dim));
  for (std::size_t t = 0; t < e->vocab_.size(); ++t) {
    for (int j = 0; j < dim; ++j) {
      e->components_[t * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] =
          static_cast<float>(svd.v[t * static_cast<std::size_t>(svd.rank) + static_cast<std::size_t>(j)]);
    }
  }
  e->finish();
  e->embeddings_.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(dim));
  // The terms encode_document() would compute again: the rows are its results, bit for bit.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) if (n >= kParallelDocuments)
  for (std::int64_t i = 0; i < n; ++i) {
    e->project(rows[static_cast<std::size_t>(i)],
               e->embeddings_.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(dim));
  }
  return e;
}

void TfidfEncoder::build_lookup() {
  for (std::size_t f = 0; f < kTextFieldCount; ++f) {
    auto& map = lookup_[f];
    map.clear();
    map.reserve(static_cast<std::size_t>(field_begin_[f + 1] - field_begin_[f]));
    const std::size_t skip = std::char_traits<char>::length(kFieldPrefixes[f]) + 1;
    for (std::int32_t i = field_begin_[f]; i < field_begin_[f + 1]; ++i) {
      map.emplace(vocab_[static_cast<std::size_t>(i)].substr(skip), i);
    }
  }
}

void TfidfEncoder::finish() {
  build_lookup();
  const auto d = static_cast<std::size_t>(dim_);
  std::vector<float> scale(d);
  for (std::size_t j = 0; j < d; ++j) {
    scale[j] = static_cast<float>(std::pow(static_cast<double>(sigma_[j]), options_.sigma_power - 1.0));
  }
  projection_.resize(components_.size());
  for (std::size_t t = 0; t < vocab_.size(); ++t) {
    for (std::size_t j = 0; j < d; ++j) projection_[t * d + j] = components_[t * d + j] * scale[j];
  }
  fingerprint_ = hash_hex(*this, options_.to_json());
}

std::int32_t TfidfEncoder::token_index(std::string_view token) const {
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos) return -1;
  for (std::size_t f = 0; f < kTextFieldCount; ++f) {
    if (token.substr(0, colon) != kFieldPrefixes[f]) continue;
    const auto it = lookup_[f].find(token.substr(colon + 1));
    return it == lookup_[f].end() ? -1 : it->second;
  }
  return -1;
}

std::vector<std::pair<std::int32_t, float>> TfidfEncoder::terms_of(const FieldTokens& tokens) const {
  std::vector<std::pair<std::int32_t, float>> terms;
  std::vector<std::int32_t> ids;
  for (std::size_t f = 0; f < kTextFieldCount; ++f) {
    const std::vector<std::string>& list = tokens[f];
    if (list.empty() || options_.field_weights[f] <= 0) continue;
    ids.clear();
    for (const std::string& t : list) {
      const auto it = lookup_[f].find(t);
      if (it != lookup_[f].end()) ids.push_back(it->second);
    }
    std::sort(ids.begin(), ids.end());
    const double length = static_cast<double>(list.size());
    const double norm = options_.k1 * (1.0 - options_.b + options_.b * length / std::max(avg_len_[f], 1e-9));
    for (std::size_t i = 0; i < ids.size();) {
      std::size_t j = i;
      while (j < ids.size() && ids[j] == ids[i]) ++j;
      const double tf = static_cast<double>(j - i);
      const double bm25 = tf * (options_.k1 + 1.0) / (tf + norm);
      terms.emplace_back(ids[i], static_cast<float>(options_.field_weights[f] *
                                                    idf_[static_cast<std::size_t>(ids[i])] * bm25));
      i = j;
    }
  }
  return terms;  // fields are in vocabulary order, so indices ascend
}

std::vector<std::pair<std::int32_t, float>> TfidfEncoder::document_terms(const MovieDocument& doc) const {
  return terms_of(document_tokens(doc));
}

std::vector<std::pair<std::int32_t, float>> TfidfEncoder::text_terms(std::string_view text) const {
  // Every candidate counts in each field that knows it; a query has no length to normalise.
  std::vector<std::int32_t> ids;  // one per occurrence
  for (const std::string& t : query_tokens(text)) {
    for (std::size_t f = 0; f < kTextFieldCount; ++f) {
      if (options_.field_weights[f] <= 0) continue;
      const auto it = lookup_[f].find(t);
      if (it != lookup_[f].end()) ids.push_back(it->second);
    }
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::pair<std::int32_t, float>> terms;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    const std::int32_t index = ids[i];
    const auto field = static_cast<std::size_t>(
        std::upper_bound(field_begin_.begin(), field_begin_.end(), index) - field_begin_.begin() - 1);
    const double tf = static_cast<double>(j - i);
    const double bm25 = tf * (options_.k1 + 1.0) / (tf + options_.k1);
    terms.emplace_back(index, static_cast<float>(options_.field_weights[field] *
                                                 idf_[static_cast<std::size_t>(index)] * bm25));
    i = j;
  }
  return terms;
}

void TfidfEncoder::project(const std::vector<std::pair<std::int32_t, float>>& terms, float* out) const {
  const auto d = static_cast<std::size_t>(dim_);
  std::fill(out, out + d, 0.0f);
  for (const auto& [index, w] : terms) {
    const float* p = projection_.data() + static_cast<std::size_t>(index) * d;
    for (std::size_t j = 0; j < d; ++j) out[j] += w * p[j];
  }
  double norm = 0;
  for (std::size_t j = 0; j < d; ++j) norm += static_cast<double>(out[j]) * out[j];
  if (norm <= 0) return;  // no known token: the zero vector
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (std::size_t j = 0; j < d; ++j) out[j] *= scale;
}

void TfidfEncoder::encode(std::span<const std::string> texts, float* out) const {
  const auto n = static_cast<std::int64_t>(texts.size());
  const int threads = options_.threads > 0 ? options_.threads : omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16) if (n > 64)
  for (std::int64_t i = 0; i < n; ++i) {
    project(text_terms(texts[static_cast<std::size_t>(i)]),
            out + static_cast<std::size_t>(i) * static_cast<std::size_t>(dim_));
  }
}

void TfidfEncoder::encode_document(const MovieDocument& doc, float* out) const {
  project(document_terms(doc), out);
}

std::vector<float> TfidfEncoder::encode_document(const MovieDocument& doc) const {
  std::vector<float> out(static_cast<std::size_t>(dim_));
  encode_document(doc, out.data());
  return out;
}

void TfidfEncoder::save(const std::filesystem::path& dir) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_io_error(dir.string(), "cannot create the folder: " + ec.message());
  std::string vocab;
  for (const std::string& t : vocab_) vocab += t + '\n';
  write_file_atomic(dir / "vocab.txt", vocab);
  save_npy(dir / "idf.npy", idf_, {idf_.size()});
  save_npy(dir / "components.npy", components_, {vocab_.size(), static_cast<std::size_t>(dim_)});
  save_npy(dir / "singular_values.npy", sigma_, {sigma_.size()});
  nlohmann::json lengths = nlohmann::json::object();
  for (std::size_t f = 0; f < kTextFieldCount; ++f) lengths[kFieldNames[f]] = avg_len_[f];
  const nlohmann::json j = {{"name", "tfidf"},
                            {"format", kFormat},
                            {"options", options_.to_json()},
                            {"dim", dim_},
                            {"documents", n_documents_},
                            {"field_average_length", lengths},
                            {"fingerprint", fingerprint_}};
  // Written last: a folder with encoder.json is complete.
  write_file_atomic(dir / "encoder.json", j.dump(2) + "\n");
}

std::unique_ptr<TfidfEncoder> TfidfEncoder::load(const std::filesystem::path& dir) {
  const std::filesystem::path json_path = dir / "encoder.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(json_path, ec)) {
    throw Error(ErrorKind::kNotFound, json_path.string() + ": no saved encoder here");
  }
  std::unique_ptr<TfidfEncoder> e(new TfidfEncoder());
  nlohmann::json j;
  std::string name;
  int format = 0;
  try {
    j = nlohmann::json::parse(read_file(json_path));
    name = j.at("name").get<std::string>();
    format = j.at("format").get<int>();
  } catch (const nlohmann::json::exception& ex) {
    throw_input_error(json_path.string(), 0, std::string("damaged encoder description: ") + ex.what());
  }
  if (name != "tfidf") throw_input_error(json_path.string(), 0, "holds a '" + name + "' encoder, not tfidf");
  if (format != kFormat)
    throw_input_error(json_path.string(), 0, "unsupported format " + std::to_string(format));
  try {
    e->options_ = TfidfOptions::from_json(j.at("options"));
    e->dim_ = j.at("dim").get<int>();
    e->n_documents_ = j.at("documents").get<std::int32_t>();
    const nlohmann::json& lengths = j.at("field_average_length");
    for (std::size_t f = 0; f < kTextFieldCount; ++f)
      e->avg_len_[f] = lengths.at(kFieldNames[f]).get<double>();
  } catch (const nlohmann::json::exception& ex) {
    throw_input_error(json_path.string(), 0, std::string("damaged encoder description: ") + ex.what());
  } catch (const Error& ex) {
    throw_input_error(json_path.string(), 0, ex.what());
  }
  if (e->dim_ < 1) throw_input_error(json_path.string(), 0, "dim must be at least 1");

  const std::filesystem::path vocab_path = dir / "vocab.txt";
  const std::string text = read_file(vocab_path);
  std::size_t start = 0;
  int field = 0;
  std::size_t line = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string token = text.substr(start, end - start);
    start = end + 1;
    ++line;
    const std::size_t colon = token.find(':');
    const std::string prefix = colon == std::string::npos ? token : token.substr(0, colon);
    int f = field;
    while (f < kTextFieldCount && prefix != kFieldPrefixes[static_cast<std::size_t>(f)]) ++f;
    if (colon == std::string::npos || f == kTextFieldCount) {
      throw_input_error(vocab_path.string(), line, "not a field token in vocabulary order: '" + token + "'");
    }
    while (field < f)
      e->field_begin_[static_cast<std::size_t>(++field)] = static_cast<std::int32_t>(e->vocab_.size());
    e->vocab_.push_back(token);
  }
  while (field < kTextFieldCount) {
    e->field_begin_[static_cast<std::size_t>(++field)] = static_cast<std::int32_t>(e->vocab_.size());
  }
  const std::size_t v = e->vocab_.size();
  const auto d = static_cast<std::size_t>(e->dim_);
  e->idf_ = load_floats(dir / "idf.npy", {v});
  e->components_ = load_floats(dir / "components.npy", {v, d});
  e->sigma_ = load_floats(dir / "singular_values.npy", {d});
  for (const float s : e->sigma_) {
    if (!(s > 0))
      throw_input_error((dir / "singular_values.npy").string(), 0, "singular values must be positive");
  }
  e->finish();
  std::size_t distinct = 0;
  for (const auto& map : e->lookup_) distinct += map.size();
  if (distinct != v) throw_input_error(vocab_path.string(), 0, "a token is listed twice");
  const auto saved = j.find("fingerprint");
  if (saved != j.end() && saved->is_string() && saved->get<std::string>() != e->fingerprint_) {
    throw_input_error(
        json_path.string(), 0,
        "the files do not match the fingerprint they were saved with (a file was changed or damaged)");
  }
  return e;
}

}  // namespace mn
