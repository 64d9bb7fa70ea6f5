#pragma once
// Movie night: two to eight people (MovieLens users of the data, or a few liked titles each) and a
// mood in; ten movies out, each with the facts behind it and a snack. One pipeline, one stage per
// object, so that later models (the learned re-ranker) slot in:
//   candidates -> per-person scores (blend or reciprocal-rank fusion) -> group aggregation
//   -> MMR diversity -> reasons -> snacks
// A NightPlanner is built once (models fitted or loaded, indexes built) and answers plan() from
// any number of threads.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"
#include "data/title_lookup.h"
#include "util/error.h"

namespace mn {

// A title that matched nothing well: the HTTP layer answers 422 with the suggestions, the command
// line exits 3.
class TitleNotFound : public Error {
 public:
  TitleNotFound(std::string query, std::vector<std::string> suggestions);
  const std::string& query() const { return query_; }
  const std::vector<std::string>& suggestions() const { return suggestions_; }

 private:
  std::string query_;
  std::vector<std::string> suggestions_;
};
// Other request mistakes are mn::Error: kNotFound for an unknown user id (HTTP 404), kInvalidInput
// for the rest (HTTP 400).

struct Person {
  std::string name;                   // shown in reasons; default "user 12" or "person 2"
  std::int64_t user_id = -1;          // a userId of the data, or -1
  std::vector<std::string> likes;     // titles as typed (fuzzy lookup)
  std::vector<std::string> dislikes;  // titles as typed
};

struct NightOptions {
  int candidates = 300;        // top N per source (per person: ALS, ItemKNN, content; the mood)
  std::string fusion = "rrf";  // rrf | blend (the better on loo validation: rrf)
  // blend weights of the standardised per-person scores; w_mood is also the mood list's rrf weight
  double w_cf = 1.0, w_itemknn = 0.25, w_content = 0.4, w_mood = 0.5, w_pop = 0.0;
  // rrf: sum of weight / (rrf_k + rank) over cf and content
  double rrf_cf = 0.6, rrf_content = 0.4, rrf_k = 60;
  std::string aggregation = "fair";  // average | least-misery | most-pleasure | fair
  double fair_share = 0.5;           // fair: each person keeps at least this share of their solo best
  double mmr_lambda = 0.7;           // 1: no diversity
  int max_snack_minutes = 25;
  double max_double_minutes = 240;  // double feature: a longer pair (both runtimes known) is penalised
  bool snacks = true;
  // Reads {"candidates": 300, "fusion": "rrf", "weights": {"cf": 1, ...}, "aggregation": ..., ...};
  // unknown keys and bad values throw kInvalidInput naming the key.
  static NightOptions from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

struct NightRequest {
  std::vector<Person> people;   // 2..8 (1 is accepted: a solo night)
  std::string mood;             // may be empty
  int k = 10;                   // 1..100
  bool double_feature = false;  // k/2 pairs of movies, one snack per pair
  NightOptions options;
};

struct SnackPick {
  std::int64_t id = 0;
  std::string name;
  int minutes = 0;
  std::vector<std::string> tags;
  double score = 0;
  std::string summary;  // link-free: "12 min · 5 ingredients: ... · snacks"
};

struct NightPick {
  std::int32_t item = -1;  // catalog index
  double score = 0;
  std::vector<std::string> why;      // short facts: "Alice liked Toy Story (1995)", "shared genres: ..."
  std::vector<int> per_person_rank;  // 1-based rank among the candidates in each person's own list
  std::vector<std::string> sources;  // the candidate sources that proposed it: cf, itemknn, content, mood
  bool has_snack = false;
  SnackPick snack;
};

struct DiversityReport {
  double ils_before = 0, ils_after = 0;                        // mean pairwise content cosine
  double genre_coverage_before = 0, genre_coverage_after = 0;  // distinct genres / all genres
};

struct NightResult {
  std::vector<std::string> people;  // display names
  std::vector<std::string> moods;   // recognised lexicon moods
  std::vector<NightPick> items;     // k picks, best first (double feature: pairs are adjacent)
  DiversityReport diversity;
  std::size_t candidates = 0;                                          // the pool the group chose from
  std::vector<std::pair<std::string, std::size_t>> candidate_sources;  // items proposed, per source kind
  std::vector<std::string> notes;  // stated fallbacks, e.g. "mood words not understood: xyz"
  double took_ms = 0;
  std::vector<std::pair<std::string, double>> stage_ms;  // where took_ms went, stage by stage
};

struct PlannerOptions {
  std::string models_dir;  // trained artifacts (als, itemknn, content); empty: fit, cached
  std::string cache_dir;   // empty: EmbeddingCache::default_dir()
  int threads = 0;
  bool show_progress = true;
};

class NightPlanner {
 public:
  NightPlanner(const Dataset& dataset, const PlannerOptions& options);
  ~NightPlanner();
  NightPlanner(const NightPlanner&) = delete;
  NightPlanner& operator=(const NightPlanner&) = delete;

  NightResult plan(const NightRequest& request) const;
  // The API's JSON: {"items":[{"movie":{"id","title","year","genres"},"score","why":[…],
  // "per_user_rank":{name: rank},"snack":{"id","name","minutes","tags","score","summary"}}],
  // "diversity":{…},"people":[…],"moods":[…],"notes":[…],"took_ms":…,"stages_ms":{stage: ms}}
  nlohmann::json to_json(const NightResult& result) const;

  // Title search for autocomplete: the n best matches.
  std::vector<TitleMatch> search_titles(const std::string& query, int n) const;
  // Content neighbours of a title (and/or a mood), as `movienight similar`.
  nlohmann::json similar(const std::string& title, const std::string& mood, int k) const;
  const Dataset& dataset() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mn
