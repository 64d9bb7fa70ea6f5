// `movienight similar`: movies like a title (and/or a mood), by their text embeddings, searched in
// the vector index. The catalog encoding is cached, so only the first run fits or encodes.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_source.h"
#include "cli/title_resolve.h"
#include "content/catalog_encoding.h"
#include "index/vector_index.h"
#include "text/mood.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn::cli {
namespace {

std::string join_genres(const Movie& m) {
  std::string out;
  for (const auto& g : m.genres) out += (out.empty() ? "" : "|") + g;
  return out;
}

}  // namespace

void add_similar_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string title;
    std::string mood;
    int k = 10;
    std::string encoder = "tfidf";
    std::string model;
    double mood_weight = 0.6;
    std::string index = "flat";
    std::string cache_dir;
    bool no_cache = false;
    bool json = false;
    int threads = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("similar", "movies like a title and/or a mood, by what they are about");
  o->source.add_options(*cmd);
  cmd->add_option("--title", o->title, "a movie as you would type it: \"toy story\", \"Matrix, The (1999)\"");
  cmd->add_option("--mood", o->mood,
                  "a mood: cozy, romantic, funny, scary, tense, mind-bending, feel-good, family, epic, sad, "
                  "action, or any words");
  cmd->add_option("--k", o->k, "how many")->check(CLI::Range(1, 1000))->capture_default_str();
  cmd->add_option("--encoder", o->encoder, "text encoder")
      ->check(CLI::IsMember({"tfidf", "genres", "minilm"}))
      ->capture_default_str();
  cmd->add_option("--model", o->model,
                  "minilm: model folder (default $MOVIENIGHT_MINILM, ./models/all-MiniLM-L6-v2)");
  cmd->add_option("--mood-weight", o->mood_weight, "weight of the mood against the title (both unit vectors)")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  cmd->add_option("--index", o->index, "vector index")
      ->check(CLI::IsMember({"flat", "hnsw"}))
      ->capture_default_str();
  cmd->add_option("--cache-dir", o->cache_dir,
                  "embedding cache (default $MOVIENIGHT_CACHE, ~/.cache/movienight)");
  cmd->add_flag("--no-cache", o->no_cache, "neither read nor write the embedding cache");
  cmd->add_flag("--json", o->json, "print JSON instead of a table");
  cmd->add_option("--threads", o->threads, "threads (0: every core)")->capture_default_str();
  cmd->callback([o] {
    if (o->title.empty() && o->mood.empty())
      throw Error(ErrorKind::kInvalidInput, "give --title, --mood or both");
    const Dataset dataset = o->source.load();
    std::int32_t movie = -1;
    if (!o->title.empty()) movie = resolve_title(dataset, make_title_index(dataset), o->title);

    const auto t0 = std::chrono::steady_clock::now();
    CatalogEncodingOptions eo;
    eo.encoder = o->encoder;
    eo.threads = o->threads;
    eo.use_cache = !o->no_cache;
    eo.cache_dir = o->cache_dir;
    if (o->encoder == "minilm")
      eo.settings = {{"model", o->model.empty() ? default_minilm_dir().string() : o->model}};
    const CatalogEncoding enc = encode_catalog(dataset.catalog, eo);
    IndexOptions io;
    io.kind = o->index == "hnsw" ? IndexKind::kHnsw : IndexKind::kFlat;
    io.metric = IndexMetric::kInnerProduct;
    io.threads = o->threads;
    const VectorIndex index = VectorIndex::build(enc.embeddings.data(), dataset.catalog.size(), enc.dim, io);
    const double setup_seconds = seconds_since(t0);

    const auto dim = static_cast<std::size_t>(enc.dim);
    const MoodExpansion mood = expand_mood(o->mood);
    std::span<const float> movie_vector;
    if (movie >= 0) movie_vector = {enc.embeddings.data() + static_cast<std::size_t>(movie) * dim, dim};
    const std::vector<float> query =
        title_mood_query(movie_vector, *enc.encoder, o->mood, mood, o->mood_weight);
    std::vector<std::int64_t> exclude;
    if (movie >= 0) exclude.push_back(movie);
    const std::vector<Neighbor> found = index.search(query, o->k, exclude);

    if (o->json) {
      nlohmann::json j;
      j["query"] = {{"title", movie >= 0 ? dataset.catalog[movie].title : ""},
                    {"movie_id", movie >= 0 ? dataset.catalog[movie].movie_id : 0},
                    {"mood", o->mood},
                    {"moods", mood.moods},
                    {"encoder", o->encoder}};
      j["results"] = nlohmann::json::array();
      for (std::size_t r = 0; r < found.size(); ++r) {
        const Movie& m = dataset.catalog[static_cast<std::int32_t>(found[r].id)];
        j["results"].push_back({{"rank", r + 1},
                                {"movie_id", m.movie_id},
                                {"title", m.title},
                                {"score", found[r].score},
                                {"genres", m.genres}});
      }
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::string head = movie >= 0 ? "like " + dataset.catalog[movie].title : std::string("for");
      if (!o->mood.empty()) {
        std::string moods;
        for (const auto& m : mood.moods) moods += (moods.empty() ? "" : ", ") + m;
        head += (movie >= 0 ? ", mood \"" : " the mood \"") + o->mood + "\"" +
                (moods.empty() ? "" : " (" + moods + ")");
      }
      std::printf("%d movies %s (%s encoder):\n", static_cast<int>(found.size()), head.c_str(),
                  o->encoder.c_str());
      for (std::size_t r = 0; r < found.size(); ++r) {
        const Movie& m = dataset.catalog[static_cast<std::int32_t>(found[r].id)];
        std::printf("%2zu. %-60s %6.3f  %s\n", r + 1, m.title.c_str(), static_cast<double>(found[r].score),
                    join_genres(m).c_str());
      }
    }
    if (!Progress::quiet()) {
      std::fprintf(stderr, "%s: %d movies %s in %.2f s\n", o->encoder.c_str(),
                   static_cast<int>(dataset.catalog.size()),
                   enc.from_cache ? "loaded from the cache" : "encoded and cached", setup_seconds);
    }
  });
}

}  // namespace mn::cli
