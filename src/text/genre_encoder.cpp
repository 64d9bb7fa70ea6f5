#include "text/genre_encoder.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "io/file.h"
#include "io/npy.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/text.h"

namespace mn {
namespace {

constexpr int kFormat = 1;
constexpr std::size_t kMaxPhraseWords = 3;

// Phrases that mean the same genre, normalised. A group maps every phrase in it to each catalog
// genre whose name is in the group (MovieLens says "Children", TMDB "Family", both "Sci-Fi" and
// "Science Fiction" occur). Changing this list changes the fingerprint (kAliasVersion).
constexpr std::string_view kAliasVersion = "aliases-1";
const std::vector<std::vector<std::string_view>>& alias_groups() {
  static const std::vector<std::vector<std::string_view>> groups = {
      {"action", "action packed"},
      {"adventure", "adventures", "adventurous"},
      {"animation", "animated", "cartoon", "cartoons", "anime"},
      {"children", "family", "kids", "kid", "childrens", "children s"},
      {"comedy", "comedies", "funny", "comic", "hilarious"},
      {"crime", "criminal", "gangster", "gangsters", "heist"},
      {"documentary", "documentaries"},
      {"drama", "dramas", "dramatic"},
      {"fantasy", "fantasies", "magical"},
      {"film noir", "noir"},
      {"horror", "scary", "spooky", "frightening"},
      {"musical", "musicals", "music"},
      {"mystery", "mysteries", "mysterious", "whodunit"},
      {"romance", "romances", "romantic", "love story", "romcom", "rom com"},
      {"sci fi", "science fiction", "scifi", "sf"},
      {"thriller", "thrillers", "suspense", "suspenseful"},
      {"war"},
      {"western", "westerns"},
  };
  return groups;
}

std::string joined(std::string_view phrase) {
  std::string out;
  for (const char c : phrase) {
    if (c != ' ') out += c;
  }
  return out;
}

std::vector<float> load_idf(const std::filesystem::path& path, std::size_t n) {
  const NpyArray a = load_npy(path);
  if (a.shape != std::vector<std::size_t>{n} || a.dtype != "<f4") {
    throw_input_error(path.string(), 0, "expected " + std::to_string(n) + " float32 values");
  }
  return a.as<float>();
}

}  // namespace

std::unique_ptr<GenreEncoder> GenreEncoder::fit(const std::vector<MovieDocument>& docs) {
  std::unique_ptr<GenreEncoder> e(new GenreEncoder());
  std::map<std::string, std::string> first_spelling;  // key -> name
  std::map<std::string, std::int64_t> df;
  for (const MovieDocument& d : docs) {
    std::vector<std::string> keys;
    for (const std::string& g : d.genres) {
      std::string key = normalize_phrase(g);
      if (key.empty() || trim(g) == kNoGenresListed) continue;
      first_spelling.emplace(key, g);
      keys.push_back(std::move(key));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const std::string& k : keys) ++df[k];
  }
  if (df.empty()) throw Error(ErrorKind::kInvalidInput, "genres: no document has a genre");
  const auto n = static_cast<double>(docs.size());
  for (const auto& [key, count] : df) {
    e->keys_.push_back(key);
    e->genres_.push_back(first_spelling[key]);
    e->idf_.push_back(static_cast<float>(std::log((1.0 + n) / (1.0 + static_cast<double>(count))) + 1.0));
  }
  e->n_documents_ = static_cast<std::int32_t>(docs.size());
  e->finish();
  const auto dim = static_cast<std::size_t>(e->dim());
  e->embeddings_.resize(docs.size() * dim);
  for (std::size_t i = 0; i < docs.size(); ++i) e->encode_document(docs[i], e->embeddings_.data() + i * dim);
  return e;
}

void GenreEncoder::finish() {
  phrases_.clear();
  auto add = [&](const std::string& phrase, int index) {
    std::vector<int>& list = phrases_[phrase];
    if (std::find(list.begin(), list.end(), index) == list.end()) list.push_back(index);
  };
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    add(keys_[i], static_cast<int>(i));
    add(joined(keys_[i]), static_cast<int>(i));
  }
  for (const auto& group : alias_groups()) {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (std::find(group.begin(), group.end(), keys_[i]) == group.end()) continue;
      for (const std::string_view phrase : group) add(std::string(phrase), static_cast<int>(i));
    }
  }
  std::uint64_t h = hash64("genres");
  h = hash_combine(h, hash64(kAliasVersion));
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    h = hash_combine(h, hash64(keys_[i]));
    h = hash_combine(h, hash64(genres_[i]));
  }
  h = hash_combine(h, hash64(idf_.data(), idf_.size() * sizeof(float)));
  fingerprint_ = hex64(h);
}

int GenreEncoder::genre_index(std::string_view genre) const {
  const std::string key = normalize_phrase(genre);
  const auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  return it != keys_.end() && *it == key ? static_cast<int>(it - keys_.begin()) : -1;
}

std::vector<int> GenreEncoder::genres_in_text(std::string_view text) const {
  const std::vector<std::string> words = normalized_words(text);
  std::vector<int> found;
  for (std::size_t len = 1; len <= kMaxPhraseWords; ++len) {
    for (std::size_t i = 0; i + len <= words.size(); ++i) {
      std::string phrase = words[i];
      for (std::size_t j = i + 1; j < i + len; ++j) phrase += ' ' + words[j];
      const auto it = phrases_.find(phrase);
      if (it != phrases_.end()) found.insert(found.end(), it->second.begin(), it->second.end());
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

void GenreEncoder::weigh(const std::vector<int>& genres, float* out) const {
  std::fill(out, out + dim(), 0.0f);
  double norm = 0;
  for (const int g : genres) {
    const float w = idf_[static_cast<std::size_t>(g)];
    out[g] = w;
    norm += static_cast<double>(w) * w;
  }
  if (norm <= 0) return;
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (const int g : genres) out[g] *= scale;
}

void GenreEncoder::encode(std::span<const std::string> texts, float* out) const {
  for (std::size_t i = 0; i < texts.size(); ++i) {
    weigh(genres_in_text(texts[i]), out + i * static_cast<std::size_t>(dim()));
  }
}

void GenreEncoder::encode_document(const MovieDocument& doc, float* out) const {
  std::vector<int> genres;
  for (const std::string& g : doc.genres) {
    const int i = genre_index(g);
    if (i >= 0) genres.push_back(i);
  }
  std::sort(genres.begin(), genres.end());
  genres.erase(std::unique(genres.begin(), genres.end()), genres.end());
  weigh(genres, out);
}

std::vector<float> GenreEncoder::encode_document(const MovieDocument& doc) const {
  std::vector<float> out(static_cast<std::size_t>(dim()));
  encode_document(doc, out.data());
  return out;
}

void GenreEncoder::save(const std::filesystem::path& dir) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw_io_error(dir.string(), "cannot create the folder: " + ec.message());
  save_npy(dir / "idf.npy", idf_, {idf_.size()});
  const nlohmann::json j = {{"name", "genres"},
                            {"format", kFormat},
                            {"genres", genres_},
                            {"documents", n_documents_},
                            {"fingerprint", fingerprint_}};
  write_file_atomic(dir / "encoder.json", j.dump(2) + "\n");
}

std::unique_ptr<GenreEncoder> GenreEncoder::load(const std::filesystem::path& dir) {
  const std::filesystem::path json_path = dir / "encoder.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(json_path, ec)) {
    throw Error(ErrorKind::kNotFound, json_path.string() + ": no saved encoder here");
  }
  std::unique_ptr<GenreEncoder> e(new GenreEncoder());
  nlohmann::json j;
  std::string saved_fingerprint;
  try {
    j = nlohmann::json::parse(read_file(json_path));
    if (j.at("name").get<std::string>() != "genres") {
      throw Error(ErrorKind::kInvalidInput,
                  "holds a '" + j.at("name").get<std::string>() + "' encoder, not genres");
    }
    if (j.at("format").get<int>() != kFormat) throw Error(ErrorKind::kInvalidInput, "unsupported format");
    e->genres_ = j.at("genres").get<std::vector<std::string>>();
    e->n_documents_ = j.at("documents").get<std::int32_t>();
    saved_fingerprint = j.value("fingerprint", std::string());
  } catch (const nlohmann::json::exception& ex) {
    throw_input_error(json_path.string(), 0, std::string("damaged encoder description: ") + ex.what());
  } catch (const Error& ex) {
    throw_input_error(json_path.string(), 0, ex.what());
  }
  for (const std::string& g : e->genres_) e->keys_.push_back(normalize_phrase(g));
  if (e->genres_.empty() || !std::is_sorted(e->keys_.begin(), e->keys_.end()) ||
      std::adjacent_find(e->keys_.begin(), e->keys_.end()) != e->keys_.end() ||
      std::find(e->keys_.begin(), e->keys_.end(), std::string()) != e->keys_.end()) {
    throw_input_error(json_path.string(), 0, "genres must be distinct non-empty names in sorted order");
  }
  e->idf_ = load_idf(dir / "idf.npy", e->genres_.size());
  e->finish();
  if (!saved_fingerprint.empty() && saved_fingerprint != e->fingerprint_) {
    throw_input_error(json_path.string(), 0, "the files do not match the fingerprint they were saved with");
  }
  return e;
}

}  // namespace mn
