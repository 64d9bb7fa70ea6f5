#include "rank/night.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <unordered_map>

#include "cf/registry.h"
#include "content/content_model.h"
#include "eval/split.h"
#include "rank/blend.h"
#include "rank/candidates.h"
#include "rank/group.h"
#include "rank/mmr.h"
#include "rank/reasons.h"
#include "snacks/snack_pairing.h"
#include "text/embedding_cache.h"
#include "text/mood.h"
#include "util/hash.h"
#include "util/progress.h"

namespace mn {

TitleNotFound::TitleNotFound(std::string query, std::vector<std::string> suggestions)
    : Error(ErrorKind::kNotFound,
            [&] {
              std::string s;
              for (const auto& t : suggestions) s += (s.empty() ? "" : "; ") + t;
              return "no movie matches \"" + query + "\"; did you mean: " + s;
            }()),
      query_(std::move(query)),
      suggestions_(std::move(suggestions)) {}

namespace {

constexpr int kMaxPeople = 8;
constexpr int kMaxSnackMinutes = 60;
constexpr double kSimilarMoodWeight = 0.6;  // as `movienight similar --mood-weight`
constexpr float kExcluded = -std::numeric_limits<float>::infinity();

double get_number(const nlohmann::json& j, const std::string& key, double lo, double hi) {
  if (!j.is_number()) throw Error(ErrorKind::kInvalidInput, "option '" + key + "' must be a number");
  const double v = j.get<double>();
  if (!(v >= lo && v <= hi)) {
    throw Error(ErrorKind::kInvalidInput,
                "option '" + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v;
}

std::string get_choice(const nlohmann::json& j, const std::string& key,
                       const std::vector<std::string>& choices) {
  if (!j.is_string()) throw Error(ErrorKind::kInvalidInput, "option '" + key + "' must be a string");
  const std::string v = j.get<std::string>();
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    throw Error(ErrorKind::kInvalidInput,
                "option '" + key + "' must be one of " + list + ", not '" + v + "'");
  }
  return v;
}

}  // namespace

NightOptions NightOptions::from_json(const nlohmann::json& j) {
  NightOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw Error(ErrorKind::kInvalidInput, "options must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key == "candidates") {
      o.candidates = static_cast<int>(get_number(value, key, 10, 10000));
    } else if (key == "fusion") {
      o.fusion = get_choice(value, key, {"blend", "rrf"});
    } else if (key == "weights") {
      if (!value.is_object()) throw Error(ErrorKind::kInvalidInput, "option 'weights' must be an object");
      for (const auto& [w, v] : value.items()) {
        const double x = get_number(v, "weights." + w, 0, 1000);
        if (w == "cf")
          o.w_cf = x;
        else if (w == "itemknn")
          o.w_itemknn = x;
        else if (w == "content")
          o.w_content = x;
        else if (w == "mood")
          o.w_mood = x;
        else if (w == "pop")
          o.w_pop = x;
        else
          throw Error(ErrorKind::kInvalidInput,
                      "unknown weight '" + w + "'; known: cf, itemknn, content, mood, pop");
      }
    } else if (key == "rrf") {
      if (!value.is_object()) throw Error(ErrorKind::kInvalidInput, "option 'rrf' must be an object");
      for (const auto& [w, v] : value.items()) {
        const double x = get_number(v, "rrf." + w, 0, 1e6);
        if (w == "cf")
          o.rrf_cf = x;
        else if (w == "content")
          o.rrf_content = x;
        else if (w == "k")
          o.rrf_k = x;
        else
          throw Error(ErrorKind::kInvalidInput, "unknown rrf setting '" + w + "'; known: cf, content, k");
      }
    } else if (key == "aggregation") {
      o.aggregation = get_choice(value, key, group_aggregations());
    } else if (key == "fair_share") {
      o.fair_share = get_number(value, key, 0, 1);
    } else if (key == "mmr_lambda") {
      o.mmr_lambda = get_number(value, key, 0, 1);
    } else if (key == "max_snack_minutes") {
      o.max_snack_minutes = static_cast<int>(get_number(value, key, 1, kMaxSnackMinutes));
    } else if (key == "max_double_minutes") {
      o.max_double_minutes = get_number(value, key, 60, 1440);
    } else if (key == "snacks") {
      if (!value.is_boolean()) throw Error(ErrorKind::kInvalidInput, "option 'snacks' must be true or false");
      o.snacks = value.get<bool>();
    } else {
      throw Error(ErrorKind::kInvalidInput,
                  "unknown option '" + key +
                      "'; known: candidates, fusion, weights, rrf, aggregation, fair_share, "
                      "mmr_lambda, max_snack_minutes, max_double_minutes, snacks");
    }
  }
  return o;
}

nlohmann::json NightOptions::to_json() const {
  return {{"candidates", candidates},
          {"fusion", fusion},
          {"weights",
           {{"cf", w_cf}, {"itemknn", w_itemknn}, {"content", w_content}, {"mood", w_mood}, {"pop", w_pop}}},
          {"rrf", {{"cf", rrf_cf}, {"content", rrf_content}, {"k", rrf_k}}},
          {"aggregation", aggregation},
          {"fair_share", fair_share},
          {"mmr_lambda", mmr_lambda},
          {"max_snack_minutes", max_snack_minutes},
          {"max_double_minutes", max_double_minutes},
          {"snacks", snacks}};
}

struct NightPlanner::Impl {
  const Dataset& dataset;
  PlannerOptions options;
  TitleIndex titles;
  CsrMatrix positives;  // users x items, rating >= 4
  std::unique_ptr<BlendModel> blend;
  std::vector<float> mean_rating;
  std::vector<std::int32_t> rating_count;
  std::unique_ptr<SnackPairer> snacks;  // with the default snack options
  std::unique_ptr<EmbeddingCache> cache;

  // Moods repeat from request to request: their expansion and vector, by the request's text.
  struct Mood {
    MoodExpansion expansion;
    std::vector<float> vector;
  };
  static constexpr std::size_t kMoodsKept = 1024;
  mutable std::mutex moods_lock;
  mutable std::unordered_map<std::string, std::shared_ptr<const Mood>> moods;

  std::shared_ptr<const Mood> mood(const std::string& text) const {
    {
      const std::lock_guard<std::mutex> lock(moods_lock);
      const auto it = moods.find(text);
      if (it != moods.end()) return it->second;
    }
    auto made = std::make_shared<Mood>();
    made->expansion = expand_mood(text);
    if (!text.empty()) made->vector = encode_mood(content().encoder(), text, made->expansion);
    const std::lock_guard<std::mutex> lock(moods_lock);
    if (moods.size() >= kMoodsKept) moods.clear();  // a bound, not an LRU: moods are few
    moods.emplace(text, made);
    return made;
  }

  explicit Impl(const Dataset& d, const PlannerOptions& o)
      : dataset(d), options(o), titles(make_title_index(d)) {}

  const ContentModel& content() const { return blend->content(); }
  std::span<const float> embedding(std::int32_t item) const {
    const auto dim = static_cast<std::size_t>(content().dim());
    return {content().item_embeddings().data() + static_cast<std::size_t>(item) * dim, dim};
  }
};

namespace {

const char* const kBlendSpec = "blend";

}  // namespace

NightPlanner::NightPlanner(const Dataset& dataset, const PlannerOptions& options)
    : impl_(std::make_unique<Impl>(dataset, options)) {
  Impl& m = *impl_;
  if (dataset.ratings.nnz() == 0)
    throw Error(ErrorKind::kInvalidInput, "movie night needs ratings: the data has none");
  const auto n_catalog = static_cast<std::size_t>(dataset.catalog.size());
  m.mean_rating.assign(n_catalog, 0.0f);
  m.rating_count.assign(n_catalog, 0);
  for (std::int32_t i = 0; i < dataset.catalog.size(); ++i) {
    const auto p = static_cast<std::size_t>(i);
    if (p + 1 >= dataset.ratings.item_ptr.size()) break;
    const auto begin = dataset.ratings.item_ptr[p], end = dataset.ratings.item_ptr[p + 1];
    double sum = 0;
    for (auto q = begin; q < end; ++q) {
      sum += dataset.ratings
                 .ratings[static_cast<std::size_t>(dataset.ratings.csr_pos[static_cast<std::size_t>(q)])];
    }
    m.rating_count[p] = static_cast<std::int32_t>(end - begin);
    m.mean_rating[p] = end > begin ? static_cast<float>(sum / static_cast<double>(end - begin)) : 0.0f;
  }
  m.positives = dataset_matrix(dataset, 4.0, true);  // the positives, as the models fit them

  // Models: loaded from --models, else from the cache keyed by data and configuration, else fitted.
  const std::filesystem::path cache_root =
      options.cache_dir.empty() ? EmbeddingCache::default_dir() : std::filesystem::path(options.cache_dir);
  std::filesystem::path model_dir;
  if (!options.models_dir.empty()) {
    model_dir = std::filesystem::path(options.models_dir) / "blend";
    if (!std::filesystem::exists(model_dir / "manifest.json")) model_dir = options.models_dir;
  } else {
    model_dir =
        cache_root / ("night-" + hex64(hash_combine(dataset.fingerprint,
                                                    hash64(std::string(kBlendSpec) + MOVIENIGHT_VERSION))));
  }
  bool loaded = false;
  if (std::filesystem::exists(model_dir / "manifest.json")) {
    try {
      auto model = load_model(model_dir);
      if (model->name() == "blend" && model->n_items() == dataset.catalog.size()) {
        m.blend.reset(static_cast<BlendModel*>(model.release()));
        loaded = true;
      }
    } catch (const Error& e) {
      if (!options.models_dir.empty()) throw;
      std::fprintf(stderr, "warning: ignoring cached models (%s); fitting again\n", e.what());
    }
  }
  if (!loaded) {
    if (!options.models_dir.empty()) {
      throw Error(
          ErrorKind::kInvalidInput,
          options.models_dir +
              ": no blend model for this data (write one with `movienight fit --model blend --out DIR`)");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const bool say = options.show_progress && !Progress::quiet();
    if (say)
      std::fprintf(stderr, "fitting the movie-night models (ALS, ItemKNN, content) on %lld positives...\n",
                   static_cast<long long>(m.positives.nnz()));
    auto model = make_model(kBlendSpec);
    FitContext ctx;
    ctx.threads = options.threads;
    ctx.catalog = &dataset.catalog;
    model->fit(m.positives, ctx);
    m.blend.reset(static_cast<BlendModel*>(model.release()));
    try {
      save_model(*m.blend, model_dir, {hex64(dataset.fingerprint), {}});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: could not cache the models in %s: %s\n", model_dir.string().c_str(),
                   e.what());
    }
    if (say)
      std::fprintf(stderr, "fitted in %.1f s; cached in %s\n", seconds_since(t0), model_dir.string().c_str());
  }
  if (dataset.recipes.size() > 0) {
    m.cache = std::make_unique<EmbeddingCache>(cache_root);
    // Built once with the longest limit a request may ask for; each request narrows it.
    SnackOptions so;
    so.max_minutes = kMaxSnackMinutes;
    m.snacks = std::make_unique<SnackPairer>(dataset.recipes, m.content().encoder(), so, m.cache.get());
  }
}

NightPlanner::~NightPlanner() = default;

const Dataset& NightPlanner::dataset() const { return impl_->dataset; }

std::vector<TitleMatch> NightPlanner::search_titles(const std::string& query, int n) const {
  return impl_->titles.closest(query, n);
}

namespace {

struct Resolved {
  std::string name;
  std::int32_t user = -1;           // dense user, or -1
  std::vector<std::int32_t> likes;  // what the person is known to like (named, or top-rated)
  std::vector<std::int32_t> named;  // likes and dislikes as named
  std::vector<std::int32_t> dislikes;
};

std::int32_t resolve(const TitleIndex& titles, const std::string& query) {
  if (const auto m = titles.find(query)) return m->index;
  std::vector<std::string> suggestions;
  for (const auto& c : titles.closest(query, 5)) suggestions.push_back(c.title);
  throw TitleNotFound(query, std::move(suggestions));
}

}  // namespace

NightResult NightPlanner::plan(const NightRequest& request) const {
  const auto t0 = std::chrono::steady_clock::now();
  NightResult result;
  auto stage_start = t0;
  const auto stage_done = [&](const char* name) {
    const auto now = std::chrono::steady_clock::now();
    result.stage_ms.emplace_back(name, std::chrono::duration<double, std::milli>(now - stage_start).count());
    stage_start = now;
  };
  const Impl& m = *impl_;
  const Dataset& d = m.dataset;
  const NightOptions& o = request.options;
  if (request.people.empty())
    throw Error(ErrorKind::kInvalidInput, "give at least one person (a user id or liked titles)");
  if (request.people.size() > static_cast<std::size_t>(kMaxPeople)) {
    throw Error(ErrorKind::kInvalidInput, "at most 8 people, not " + std::to_string(request.people.size()));
  }
  if (request.k < 1 || request.k > 100)
    throw Error(ErrorKind::kInvalidInput, "k must be between 1 and 100, not " + std::to_string(request.k));
  const std::int32_t n_items = d.catalog.size();

  // 1. Who is asking.
  std::vector<Resolved> people;
  for (std::size_t p = 0; p < request.people.size(); ++p) {
    const Person& in = request.people[p];
    Resolved r;
    if (in.user_id >= 0) {
      const auto& ids = d.ratings.user_ids;
      const auto it = std::lower_bound(ids.begin(), ids.end(), in.user_id);
      if (it == ids.end() || *it != in.user_id) {
        throw Error(ErrorKind::kNotFound, "user " + std::to_string(in.user_id) + " is not in the data");
      }
      r.user = static_cast<std::int32_t>(it - ids.begin());
    }
    for (const auto& t : in.likes) r.likes.push_back(resolve(m.titles, t));
    for (const auto& t : in.dislikes) r.dislikes.push_back(resolve(m.titles, t));
    if (r.user < 0 && r.likes.empty()) {
      throw Error(ErrorKind::kInvalidInput,
                  "person " + std::to_string(p + 1) + " needs a user id or at least one liked title");
    }
    r.named = r.likes;
    r.named.insert(r.named.end(), r.dislikes.begin(), r.dislikes.end());
    r.name = !in.name.empty()  ? in.name
             : in.user_id >= 0 ? "user " + std::to_string(in.user_id)
                               : "person " + std::to_string(p + 1);
    people.push_back(std::move(r));
  }
  // Names key per_user_rank in the JSON: two people never share one.
  for (std::size_t p = 0; p < people.size(); ++p) {
    std::string name = people[p].name;
    for (int n = 2; std::find(result.people.begin(), result.people.end(), name) != result.people.end(); ++n) {
      name = people[p].name + " (" + std::to_string(n) + ")";
    }
    people[p].name = name;
    result.people.push_back(name);
  }

  // Nothing anyone has rated or named.
  std::vector<char> blocked(static_cast<std::size_t>(n_items), 0);
  for (const auto& r : people) {
    if (r.user >= 0) {
      for (const std::int32_t i : d.ratings.user_items(r.user)) blocked[static_cast<std::size_t>(i)] = 1;
    }
    for (const std::int32_t i : r.named) blocked[static_cast<std::size_t>(i)] = 1;
  }
  // Only movies someone has rated can be judged by the collaborative parts.
  for (std::int32_t i = 0; i < n_items; ++i) {
    if (m.rating_count[static_cast<std::size_t>(i)] == 0) blocked[static_cast<std::size_t>(i)] = 1;
  }

  // The mood as a query vector.
  const std::shared_ptr<const Impl::Mood> mood_entry = m.mood(request.mood);
  const MoodExpansion& mood = mood_entry->expansion;
  result.moods = mood.moods;
  const std::vector<float>& mood_vector = mood_entry->vector;
  if (!request.mood.empty()) {
    if (mood_vector.empty()) {
      result.notes.push_back("mood \"" + request.mood +
                             "\" not understood; ranking without it (known moods: cozy, romantic, "
                             "funny, scary, tense, mind-bending, feel-good, family, epic, sad, action)");
    }
  }

  stage_done("people_and_mood");
  // 2. Each person's parts: ALS and ItemKNN one by one; every person's content profile, the mood and
  // the dislikes are scored together, in one pass over the item embeddings.
  const BlendModel& blend = *m.blend;
  const auto n = static_cast<std::size_t>(n_items);
  const auto dim = static_cast<std::size_t>(m.content().dim());
  std::vector<BlendModel::Parts> person_parts(people.size());
  std::vector<float> queries;  // people's content profiles, the mood, each person's dislikes
  for (std::size_t p = 0; p < people.size(); ++p) {
    const Resolved& r = people[p];
    BlendModel::Parts& parts = person_parts[p];
    std::vector<float> profile;
    if (r.user >= 0 && r.likes.empty()) {
      parts = blend.parts_for_user(r.user, false);
      if (parts.itemknn.empty()) blend.itemknn().score(r.user, (parts.itemknn.resize(n), parts.itemknn));
      profile = m.content().user_profile(r.user);
    } else {
      std::vector<std::int32_t> items = r.likes;
      if (r.user >= 0) {
        const auto own = m.positives.row_indices(r.user);
        items.insert(items.end(), own.begin(), own.end());
      }
      std::sort(items.begin(), items.end());
      items.erase(std::unique(items.begin(), items.end()), items.end());
      const std::vector<float> ones(items.size(), 1.0f);
      parts = blend.parts_for_history(items, ones, false);
      if (parts.itemknn.empty())
        blend.itemknn().score_history(items, ones, (parts.itemknn.resize(n), parts.itemknn));
      profile = m.content().history_profile(items, ones);
    }
    queries.insert(queries.end(), profile.begin(), profile.end());
  }
  if (!mood_vector.empty()) queries.insert(queries.end(), mood_vector.begin(), mood_vector.end());
  stage_done("parts");
  for (const Resolved& r : people) {
    for (const std::int32_t bad : r.dislikes) {
      const auto e = m.embedding(bad);
      queries.insert(queries.end(), e.begin(), e.end());
    }
  }
  std::vector<float> content_scores(queries.size() / dim * n);
  m.content().score_vectors(queries, content_scores, ContentModel::Precision::kHalf);
  std::size_t next_row = 0;
  const auto content_row = [&] {
    const auto row = content_scores.begin() + static_cast<std::ptrdiff_t>(next_row++ * n);
    return std::vector<float>(row, row + static_cast<std::ptrdiff_t>(n));
  };
  for (auto& parts : person_parts) parts.content = content_row();
  const std::vector<float> mood_scores = mood_vector.empty() ? std::vector<float>{} : content_row();

  stage_done("content");
  // Each list's head, best first: it gives the rrf ranks and stage 1's candidates.
  const auto depth = static_cast<std::size_t>(std::max(1000, 3 * o.candidates));
  struct Heads {
    std::vector<std::int32_t> cf, itemknn, content;
  };
  std::vector<Heads> heads(people.size());
  for (std::size_t p = 0; p < people.size(); ++p) {
    BlendModel::Parts& parts = person_parts[p];
    if (!parts.cf.empty()) standardise(parts.cf);
    heads[p].cf = ranked_head(parts.cf, blocked, depth);
    heads[p].itemknn = ranked_head(parts.itemknn, blocked, static_cast<std::size_t>(o.candidates), true);
    heads[p].content = ranked_head(parts.content, blocked, depth);
  }
  const std::vector<std::int32_t> mood_head = ranked_head(mood_scores, blocked, depth);

  stage_done("heads");
  // Each person's scores: the blend of their parts and the mood, minus what they dislike.
  std::vector<std::vector<float>> person_scores(people.size(), std::vector<float>(n, 0.0f));
  for (std::size_t p = 0; p < people.size(); ++p) {
    const Resolved& r = people[p];
    const BlendModel::Parts& parts = person_parts[p];
    std::vector<float>& out = person_scores[p];
    if (o.fusion == "rrf") {
      // Reciprocal-rank fusion of cf and content (and the mood as a third list). Only a list's head
      // moves the fused order: its items get weight / (k + 1 + rank), the rest weight / (k + 1 + depth).
      const auto rrf = [&](const std::vector<std::int32_t>& head, double w) {
        if (head.empty() || w == 0) return;
        const auto floor = static_cast<float>(w / (o.rrf_k + 1 + static_cast<double>(depth)));
        for (float& v : out) v += floor;
        for (std::size_t pos = 0; pos < head.size(); ++pos) {
          out[static_cast<std::size_t>(head[pos])] +=
              static_cast<float>(w / (o.rrf_k + 1 + static_cast<double>(pos))) - floor;
        }
      };
      rrf(heads[p].cf, o.rrf_cf);
      rrf(heads[p].content, o.rrf_content);
      rrf(mood_head, o.w_mood);
    } else {
      const auto add = [&](std::vector<float> s, double w) {
        if (s.empty() || w == 0) return;
        for (std::size_t i = 0; i < s.size(); ++i) {
          if (blocked[i]) s[i] = kExcluded;
        }
        standardise(s);
        for (std::size_t i = 0; i < out.size(); ++i)
          out[i] += static_cast<float>(w) * (std::isfinite(s[i]) ? s[i] : 0.0f);
      };
      add(parts.cf, o.w_cf);
      add(parts.itemknn, o.w_itemknn);
      add(parts.content, o.w_content);
      add(parts.pop, o.w_pop);
      add(mood_scores, o.w_mood);
    }
    // A disliked movie pushes away what is like it.
    for ([[maybe_unused]] const std::int32_t bad : r.dislikes) {
      const std::vector<float> sim = content_row();  // the dislikes' rows follow in this order
      const float scale = o.fusion == "rrf" ? 0.02f : 1.0f;
      for (std::size_t i = 0; i < n; ++i) out[i] -= scale * std::max(0.0f, sim[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (blocked[i]) out[i] = kExcluded;
    }
  }

  stage_done("fusion");
  // 1b. Candidates: the union of each person's top N from ALS, ItemKNN and content, and the mood's.
  std::vector<CandidateSource> sources;
  for (const Heads& h : heads) {
    sources.push_back({"cf", h.cf});
    sources.push_back({"itemknn", h.itemknn});
    sources.push_back({"content", h.content});
  }
  if (!mood_head.empty()) sources.push_back({"mood", mood_head});
  const CandidatePool pool = gather_candidates(sources, o.candidates);
  const std::vector<std::int32_t>& candidates = pool.items;
  if (candidates.empty())
    throw Error(ErrorKind::kInvalidInput, "nothing left to recommend: every movie is rated or named");
  result.candidates = candidates.size();
  for (std::size_t s = 0; s < sources.size(); ++s) {
    auto it = std::find_if(result.candidate_sources.begin(), result.candidate_sources.end(),
                           [&](const auto& e) { return e.first == sources[s].name; });
    if (it == result.candidate_sources.end()) {
      result.candidate_sources.emplace_back(sources[s].name, 0);
      it = std::prev(result.candidate_sources.end());
    }
    it->second += pool.per_source[s];
  }

  stage_done("candidates");
  // 3. The group.
  GroupInput group;
  group.candidates = candidates;
  for (const auto& s : person_scores) {
    std::vector<float> c;
    c.reserve(candidates.size());
    for (const std::int32_t i : candidates) c.push_back(s[static_cast<std::size_t>(i)]);
    group.scores.push_back(std::move(c));
  }
  const GroupRanking ranking =
      aggregate_group(group, o.aggregation, o.fair_share, std::max(request.k * 5, 50));

  stage_done("group");
  // 4. Diversity over the aggregated pool.
  std::vector<float> pool_vectors;
  std::vector<std::vector<std::string>> pool_genres;
  for (const auto& pick : ranking.order) {
    const auto e = m.embedding(candidates[pick.candidate]);
    pool_vectors.insert(pool_vectors.end(), e.begin(), e.end());
    pool_genres.push_back(d.catalog[candidates[pick.candidate]].genres);
  }
  std::vector<double> pool_scores;
  for (const auto& pick : ranking.order) pool_scores.push_back(pick.score);
  const std::size_t want = request.double_feature ? static_cast<std::size_t>(request.k + request.k % 2)
                                                  : static_cast<std::size_t>(request.k);
  const MmrResult mmr = mmr_select(pool_scores, pool_vectors, dim, want, o.mmr_lambda);
  result.diversity =
      diversity_report(pool_vectors, dim, pool_genres, mmr.selected, std::min(want, pool_scores.size()));
  std::vector<std::size_t> chosen = mmr.selected;
  if (request.double_feature) {
    std::vector<float> pool_runtimes;
    for (const auto& pick : ranking.order)
      pool_runtimes.push_back(d.catalog[candidates[pick.candidate]].runtime);
    chosen =
        pair_double_features(chosen, pool_vectors, dim, pool_genres, pool_runtimes, o.max_double_minutes);
  }

  stage_done("diversity");
  // 5. Reasons, 6. snacks.
  std::vector<PersonHistory> histories;
  for (const auto& r : people) {
    PersonHistory h;
    h.name = r.name;
    if (!r.likes.empty()) {
      h.liked = r.likes;
    } else {
      // A known user: their favourite movies (highest rated first, then the most recent).
      std::vector<std::pair<float, std::int32_t>> rated;
      const auto begin = static_cast<std::size_t>(d.ratings.user_ptr[static_cast<std::size_t>(r.user)]);
      const auto end = static_cast<std::size_t>(d.ratings.user_ptr[static_cast<std::size_t>(r.user) + 1]);
      // Most recent first within a rating, so that ties favour what they watched lately.
      for (std::size_t j = end; j-- > begin;) rated.emplace_back(-d.ratings.ratings[j], d.ratings.items[j]);
      std::stable_sort(rated.begin(), rated.end());
      for (std::size_t j = 0; j < rated.size() && j < 50; ++j) {
        if (-rated[j].first >= 4.0f) h.liked.push_back(rated[j].second);
      }
    }
    histories.push_back(std::move(h));
  }
  ReasonContext rc{
      d.catalog, m.content().item_embeddings(), static_cast<int>(dim), m.mean_rating, m.rating_count, mood};
  std::vector<std::int32_t> picked_items;
  for (const std::size_t c : chosen) picked_items.push_back(candidates[ranking.order[c].candidate]);
  std::vector<SnackCandidate> snacks;
  if (o.snacks && m.snacks != nullptr && m.snacks->size() > 0) {
    std::vector<float> vectors;
    std::size_t n_snacks = picked_items.size();
    if (request.double_feature) {
      // One snack per pair: the mean of the two movies.
      n_snacks = picked_items.size() / 2;
      for (std::size_t q = 0; q + 1 < picked_items.size(); q += 2) {
        const auto a = m.embedding(picked_items[q]), b = m.embedding(picked_items[q + 1]);
        for (std::size_t k = 0; k < dim; ++k) vectors.push_back(0.5f * (a[k] + b[k]));
      }
    } else {
      for (const std::int32_t i : picked_items) {
        const auto e = m.embedding(i);
        vectors.insert(vectors.end(), e.begin(), e.end());
      }
    }
    if (o.max_snack_minutes > m.snacks->options().max_minutes) {
      throw Error(ErrorKind::kInvalidInput,
                  "max_snack_minutes: at most " + std::to_string(m.snacks->options().max_minutes));
    }
    snacks = m.snacks->pair(vectors, n_snacks, mood_vector, mood.moods, o.max_snack_minutes);
  }
  stage_done("snacks");
  for (std::size_t r = 0; r < chosen.size(); ++r) {
    const auto& pick = ranking.order[chosen[r]];
    NightPick out;
    out.item = candidates[pick.candidate];
    out.score = pick.score;
    out.per_person_rank = pick.person_ranks;
    out.sources = proposers(pool, sources, pick.candidate);
    out.why = explain(rc, out.item, histories);
    if (request.double_feature && r % 2 == 1) {
      const std::string together =
          total_runtime_text(d.catalog[picked_items[r - 1]].runtime, d.catalog[out.item].runtime);
      out.why.push_back("double feature with " + d.catalog[picked_items[r - 1]].title +
                        (together.empty() ? "" : " (" + together + " together)"));
    }
    const std::size_t snack_slot = request.double_feature ? r / 2 : r;
    if (snack_slot < snacks.size() && snacks[snack_slot].recipe != SnackCandidate::kNoSnack) {
      const std::int32_t rec = snacks[snack_slot].recipe;
      const Recipe& recipe = m.snacks->recipe(rec);
      out.has_snack = true;
      out.snack.id = recipe.id;
      out.snack.name = m.snacks->display_name(rec);
      out.snack.minutes = recipe.minutes;
      out.snack.tags = recipe.tags;
      out.snack.score = snacks[snack_slot].score;
      out.snack.summary = m.snacks->summary(rec);
    }
    result.items.push_back(std::move(out));
  }
  if (o.snacks && (m.snacks == nullptr || m.snacks->size() == 0)) {
    result.notes.push_back("no snack recipes in the data (add the Food.com files to pair snacks)");
  }
  stage_done("reasons");
  result.took_ms = seconds_since(t0) * 1000.0;
  return result;
}

nlohmann::json NightPlanner::to_json(const NightResult& result) const {
  const Catalog& catalog = impl_->dataset.catalog;
  nlohmann::json items = nlohmann::json::array();
  for (const NightPick& p : result.items) {
    const Movie& movie = catalog[p.item];
    nlohmann::json ranks = nlohmann::json::object();
    for (std::size_t k = 0; k < p.per_person_rank.size() && k < result.people.size(); ++k) {
      ranks[result.people[k]] = p.per_person_rank[k];
    }
    nlohmann::json item = {
        {"movie",
         {{"id", movie.movie_id},
          {"title", movie.title},
          {"year", movie.year},
          {"genres", movie.genres},
          {"runtime", movie.runtime > 0 ? nlohmann::json(static_cast<int>(std::lround(movie.runtime)))
                                        : nlohmann::json(nullptr)}}},
        {"score", p.score},
        {"why", p.why},
        {"per_user_rank", ranks},
        {"sources", p.sources}};
    if (p.has_snack) {
      item["snack"] = {{"id", p.snack.id},     {"name", p.snack.name},   {"minutes", p.snack.minutes},
                       {"tags", p.snack.tags}, {"score", p.snack.score}, {"summary", p.snack.summary}};
    } else {
      item["snack"] = nullptr;
    }
    items.push_back(std::move(item));
  }
  return {{"items", items},
          {"people", result.people},
          {"moods", result.moods},
          {"diversity",
           {{"ils_before", result.diversity.ils_before},
            {"ils_after", result.diversity.ils_after},
            {"genre_coverage_before", result.diversity.genre_coverage_before},
            {"genre_coverage_after", result.diversity.genre_coverage_after}}},
          {"candidates",
           {{"total", result.candidates},
            {"by_source",
             [&] {
               nlohmann::json by = nlohmann::json::object();
               for (const auto& [name, n] : result.candidate_sources) by[name] = n;
               return by;
             }()}}},
          {"notes", result.notes},
          {"took_ms", result.took_ms},
          {"stages_ms", [&] {
             nlohmann::json by = nlohmann::json::object();
             for (const auto& [name, ms] : result.stage_ms) by[name] = ms;
             return by;
           }()}};
}

nlohmann::json NightPlanner::similar(const std::string& title, const std::string& mood_text, int k) const {
  const Impl& m = *impl_;
  if (title.empty() && mood_text.empty())
    throw Error(ErrorKind::kInvalidInput, "give a title, a mood or both");
  if (k < 1 || k > 100) throw Error(ErrorKind::kInvalidInput, "k must be between 1 and 100");
  std::int32_t movie = -1;
  std::span<const float> movie_vector;
  if (!title.empty()) {
    movie = resolve(m.titles, title);
    movie_vector = m.embedding(movie);
  }
  const MoodExpansion mood = expand_mood(mood_text);
  const std::vector<float> query =
      title_mood_query(movie_vector, m.content().encoder(), mood_text, mood, kSimilarMoodWeight);
  std::vector<std::int64_t> exclude;
  if (movie >= 0) exclude.push_back(movie);
  nlohmann::json results = nlohmann::json::array();
  for (const Neighbor& n : m.content().index().search(query, k, exclude)) {
    const Movie& mv = m.dataset.catalog[static_cast<std::int32_t>(n.id)];
    results.push_back({{"id", mv.movie_id},
                       {"title", mv.title},
                       {"year", mv.year},
                       {"genres", mv.genres},
                       {"score", n.score}});
  }
  return {{"query",
           {{"title", movie >= 0 ? m.dataset.catalog[movie].title : ""},
            {"mood", mood_text},
            {"moods", mood.moods}}},
          {"results", results}};
}

}  // namespace mn
