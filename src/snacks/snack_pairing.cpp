#include "snacks/snack_pairing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "snacks/assignment.h"
#include "text/embedding_cache.h"
#include "text/mood.h"
#include "text/movie_text.h"
#include "util/error.h"
#include "util/simd.h"

namespace mn {
namespace {

constexpr int kMaxTermWords = 3;

[[noreturn]] void bad_option(const std::string& key, const std::string& why) {
  throw Error(ErrorKind::kInvalidInput, "snack option '" + key + "': " + why);
}

template <class T>
T number_option(const nlohmann::json& value, const std::string& key, double lo, double hi) {
  if (!value.is_number()) bad_option(key, "must be a number");
  const double d = value.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    bad_option(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  if (std::is_integral_v<T> && d != std::floor(d)) bad_option(key, "must be an integer");
  return static_cast<T>(d);
}

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& key) {
  if (!value.is_array()) bad_option(key, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& v : value) {
    if (!v.is_string()) bad_option(key, "must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

void check_weight(float w, const char* key) {
  if (!std::isfinite(w) || w < 0) bad_option(key, "must be a finite number >= 0");
}

void validate(const SnackOptions& o) {
  if (o.min_minutes < 0) bad_option("min_minutes", "must be >= 0");
  if (o.max_minutes < o.min_minutes) bad_option("max_minutes", "must be >= min_minutes");
  check_weight(o.content_weight, "content_weight");
  check_weight(o.quality_weight, "quality_weight");
  check_weight(o.damping, "damping");
  check_weight(o.mood_lift, "mood_lift");
  if (!std::isfinite(o.mood_weight) || o.mood_weight < 0 || o.mood_weight > 1) {
    bad_option("mood_weight", "must be in [0, 1]");
  }
  if (o.lift_saturation < 1) bad_option("lift_saturation", "must be >= 1");
  if (o.lexicon.size() > std::numeric_limits<std::uint16_t>::max()) bad_option("lexicon", "too many moods");
  for (const SnackMoodTerms& e : o.lexicon) {
    if (e.terms.size() > std::numeric_limits<std::uint16_t>::max())
      bad_option("lexicon." + e.mood, "too many terms");
    for (const std::string& t : e.terms) {
      const std::size_t words = normalized_words(t).size();
      if (words == 0 || words > kMaxTermWords) {
        bad_option("lexicon." + e.mood, "term '" + t + "' must have 1 to 3 words");
      }
    }
  }
}

// Food.com's taxonomy tags: they say how the site files a recipe, not what it tastes like.
bool is_taxonomy_tag(const std::string& tag) {
  static const std::unordered_set<std::string> kTaxonomy = {
      "",
      "time-to-make",
      "course",
      "preparation",
      "main-ingredient",
      "cuisine",
      "dietary",
      "occasion",
      "equipment",
      "number-of-servings",
      "low-in-something",
      "high-in-something",
      "free-of-something",
      "taste-mood",
      "technique",
      "3-steps-or-less",
      "5-ingredients-or-less",
      "15-minutes-or-less",
      "30-minutes-or-less",
      "60-minutes-or-less",
      "4-hours-or-less",
      "1-day-or-more",
      "easy",
      "beginner-cook",
      "inexpensive",
      "presentation",
      "healthy-2",
      "north-american",
  };
  return kTaxonomy.count(tag) > 0;
}

float dot(const float* a, const float* b, int n) {
  // Sixteen independent partial sums: the compiler vectorises them without -ffast-math (a single
  // running sum is a reduction it may not reorder).
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  return s;
}

// Copies rows and scales each to unit length (a zero row stays zero).
std::vector<float> unit_rows(std::span<const float> rows, std::size_t n, int dim) {
  std::vector<float> out(rows.begin(), rows.end());
  const auto d = static_cast<std::size_t>(dim);
  for (std::size_t r = 0; r < n; ++r) {
    float* row = out.data() + r * d;
    const double norm = std::sqrt(static_cast<double>(dot(row, row, dim)));
    if (norm > 0) {
      const auto inv = static_cast<float>(1.0 / norm);
      for (std::size_t k = 0; k < d; ++k) row[k] *= inv;
    }
  }
  return out;
}

void join_into(std::string& out, const std::vector<std::string>& parts, std::string_view sep) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
}

}  // namespace

const std::vector<std::string>& default_snack_tags() {
  static const std::vector<std::string> tags = {"snacks",
                                                "snacks-sweet",
                                                "snacks-kid-friendly",
                                                "appetizers",
                                                "finger-food",
                                                "dips",
                                                "salsas",
                                                "spreads",
                                                "desserts",
                                                "cookies-and-brownies",
                                                "brownies",
                                                "bar-cookies",
                                                "drop-cookies",
                                                "fudge",
                                                "candy",
                                                "nuts",
                                                "popcorn",
                                                "beverages",
                                                "cocktails",
                                                "smoothies",
                                                "shakes",
                                                "punch"};
  return tags;
}

const std::vector<SnackMoodTerms>& default_snack_lexicon() {
  // One entry per mood of known_moods(); the words are what Food.com names, tags and describes.
  static const std::vector<SnackMoodTerms> lexicon = {
      {"cozy",
       {"warm", "served hot", "baked", "cocoa", "hot chocolate", "cinnamon", "nutmeg", "caramel", "oatmeal",
        "apple", "pumpkin", "spiced", "mug", "cookies", "brownies", "comfort food", "winter", "toasted"}},
      {"romantic",
       {"chocolate", "strawberry", "strawberries", "raspberry", "raspberries", "cherry", "champagne", "wine",
        "truffles", "fondue", "romantic", "valentines day", "berries", "dessert"}},
      {"funny",
       {"popcorn", "candy", "sprinkles", "marshmallow", "marshmallows", "novelty", "party", "gummy", "cereal",
        "pretzels", "kid friendly", "fun", "silly"}},
      {"scary",
       {"halloween", "pumpkin", "spooky", "candy corn", "caramel apples", "blood orange", "red velvet",
        "licorice", "dark chocolate", "hot sauce", "jalapeno", "cayenne", "spicy", "ghost"}},
      {"tense",
       {"crunchy", "popcorn", "pretzels", "chips", "nuts", "almonds", "peanuts", "cashews", "trail mix",
        "salty", "roasted", "seeds", "jerky", "crackers"}},
      {"mind-bending",
       {"exotic", "fusion", "wasabi", "matcha", "sesame", "ginger", "chili", "mango", "tropical", "coconut",
        "layered", "sweet and salty", "unusual", "kiwi"}},
      {"feel-good",
       {"fruit", "smoothie", "smoothies", "berries", "banana", "honey", "lemonade", "fresh", "healthy",
        "yogurt", "granola", "citrus", "lemon", "summer"}},
      {"family",
       {"kid friendly", "toddler friendly", "popcorn", "cookies", "pizza", "peanut butter", "marshmallow",
        "finger food", "banana", "cereal", "pretzels", "cheese", "apple", "for large groups"}},
      {"epic",
       {"for large groups", "party", "platter", "nachos", "wings", "dip", "dips", "bacon", "sliders",
        "skewers", "grilled", "superbowl", "potluck", "feast"}},
      {"sad",
       {"chocolate", "ice cream", "brownies", "fudge", "cookies", "comfort food", "caramel", "cake",
        "pudding", "cheesecake", "mac and cheese", "peanut butter", "cocoa", "dessert"}},
      {"action",
       {"spicy", "nachos", "wings", "buffalo", "jalapeno", "chili", "salsa", "barbecue", "bbq", "hot sauce",
        "energy", "jerky", "protein", "bacon", "chipotle"}},
  };
  return lexicon;
}

nlohmann::json SnackOptions::to_json() const {
  nlohmann::json lex = nlohmann::json::object();
  for (const SnackMoodTerms& e : lexicon) lex[e.mood] = e.terms;
  return {{"max_minutes", max_minutes},
          {"min_minutes", min_minutes},
          {"snack_tags", snack_tags},
          {"content_weight", content_weight},
          {"quality_weight", quality_weight},
          {"mood_weight", mood_weight},
          {"damping", damping},
          {"mood_lift", mood_lift},
          {"lift_saturation", lift_saturation},
          {"lexicon", lex}};
}

SnackOptions SnackOptions::from_json(const nlohmann::json& j) {
  SnackOptions o;
  if (j.is_null()) return o;
  if (!j.is_object()) throw Error(ErrorKind::kInvalidInput, "snack options must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key == "max_minutes") {
      o.max_minutes = number_option<int>(value, key, 0, 1e9);
    } else if (key == "min_minutes") {
      o.min_minutes = number_option<int>(value, key, 0, 1e9);
    } else if (key == "snack_tags") {
      o.snack_tags = string_list(value, key);
    } else if (key == "content_weight") {
      o.content_weight = number_option<float>(value, key, 0, 1e6);
    } else if (key == "quality_weight") {
      o.quality_weight = number_option<float>(value, key, 0, 1e6);
    } else if (key == "mood_weight") {
      o.mood_weight = number_option<float>(value, key, 0, 1);
    } else if (key == "damping") {
      o.damping = number_option<float>(value, key, 0, 1e9);
    } else if (key == "mood_lift") {
      o.mood_lift = number_option<float>(value, key, 0, 1e6);
    } else if (key == "lift_saturation") {
      o.lift_saturation = number_option<int>(value, key, 1, 1e6);
    } else if (key == "lexicon") {
      if (!value.is_object()) bad_option(key, "must be an object of mood names to lists of terms");
      o.lexicon.clear();
      for (const auto& [mood, terms] : value.items())
        o.lexicon.push_back({mood, string_list(terms, key + "." + mood)});
    } else {
      bad_option(key, "unknown option");
    }
  }
  validate(o);
  return o;
}

SnackMood encode_snack_mood(const TextEncoder& encoder, std::string_view mood_text) {
  const MoodExpansion expansion = expand_mood(mood_text);
  SnackMood out;
  out.moods = expansion.moods;
  if (!expansion.query.empty()) {
    out.vector.resize(static_cast<std::size_t>(encoder.dim()));
    const std::string query = expansion.query;
    encoder.encode(std::span<const std::string>(&query, 1), out.vector.data());
  }
  return out;
}

std::string recipe_text(const Recipe& recipe) {
  std::string text = recipe.name;
  std::vector<std::string> tags;
  for (const std::string& t : recipe.tags) {
    if (is_taxonomy_tag(t)) continue;
    std::string words = t;
    std::replace(words.begin(), words.end(), '-', ' ');
    tags.push_back(std::move(words));
  }
  if (!tags.empty()) {
    text += ". ";
    join_into(text, tags, ", ");
  }
  if (!recipe.ingredients.empty()) {
    text += ". ";
    join_into(text, recipe.ingredients, ", ");
  }
  if (!recipe.description.empty()) {
    text += ". ";
    text += recipe.description;
  }
  return text;
}

// ---- SnackPairer ---------------------------------------------------------------------------

struct SnackPairer::Query {
  std::vector<float> mood_cos;  // by slot; empty without a (non-zero) mood vector
  std::vector<char> active;     // by lexicon entry
  std::vector<float> lift;      // by slot; empty when no lexicon mood is in play
};

SnackPairer::SnackPairer(const RecipeBook& book, const TextEncoder& encoder, const SnackOptions& options,
                         EmbeddingCache* cache)
    : book_(&book), options_(options), dim_(encoder.dim()) {
  validate(options_);
  if (dim_ < 1) throw Error(ErrorKind::kInvalidInput, "snacks: the encoder has no dimensions");
  const std::vector<Recipe>& recipes = book.recipes();
  const std::unordered_set<std::string> wanted(options_.snack_tags.begin(), options_.snack_tags.end());
  for (std::size_t i = 0; i < recipes.size(); ++i) {
    const Recipe& r = recipes[i];
    if (r.minutes < options_.min_minutes || r.minutes > options_.max_minutes) continue;
    const bool tagged =
        wanted.empty() ||
        std::any_of(r.tags.begin(), r.tags.end(), [&](const std::string& t) { return wanted.count(t) > 0; });
    if (tagged) qualifying_.push_back(static_cast<std::int32_t>(i));
  }
  const std::size_t n = qualifying_.size();
  const auto d = static_cast<std::size_t>(dim_);

  // Damped mean ratings, one pass over the interactions.
  std::vector<double> sums(recipes.size(), 0.0);
  counts_.assign(recipes.size(), 0);
  double total = 0;
  std::int64_t rated = 0;
  for (const RecipeInteraction& x : book.interactions()) {
    if (x.rating < 1 || x.rating > 5) continue;  // 0: no rating given
    const auto idx = book.index_of(x.recipe_id);
    if (!idx) continue;
    sums[static_cast<std::size_t>(*idx)] += x.rating;
    counts_[static_cast<std::size_t>(*idx)] += 1;
    total += x.rating;
    ++rated;
  }
  const double global = rated > 0 ? total / static_cast<double>(rated) : 0.0;
  const double k = options_.damping;
  damped_.assign(recipes.size(), 0.0f);
  for (std::size_t i = 0; i < recipes.size(); ++i) {
    const double c = counts_[i];
    damped_[i] = c + k > 0 ? static_cast<float>((sums[i] + k * global) / (c + k)) : 0.0f;
  }
  float qlo = std::numeric_limits<float>::infinity(), qhi = -qlo;
  for (const std::int32_t r : qualifying_) {
    qlo = std::min(qlo, damped_[static_cast<std::size_t>(r)]);
    qhi = std::max(qhi, damped_[static_cast<std::size_t>(r)]);
  }
  quality01_.assign(n, 0.0f);
  if (qhi > qlo) {
    for (std::size_t s = 0; s < n; ++s) {
      quality01_[s] = (damped_[static_cast<std::size_t>(qualifying_[s])] - qlo) / (qhi - qlo);
    }
  }

  // Lexicon matches: every 1-3 word run of the name, ingredients and description is looked up once,
  // so the cost is linear in the text whatever the lexicon's size. A tag is a category and counts
  // only whole ("comfort-food" is "comfort food"; "cookies-and-brownies" is neither "cookies" nor
  // "brownies", or every cookie would be both).
  std::unordered_map<std::string, std::vector<std::pair<std::uint16_t, std::uint16_t>>> term_index;
  lexicon_terms_.resize(options_.lexicon.size());
  for (std::size_t e = 0; e < options_.lexicon.size(); ++e) {
    for (std::size_t t = 0; t < options_.lexicon[e].terms.size(); ++t) {
      std::string norm = normalize_phrase(options_.lexicon[e].terms[t]);
      term_index[norm].emplace_back(static_cast<std::uint16_t>(e), static_cast<std::uint16_t>(t));
      lexicon_terms_[e].push_back(std::move(norm));
    }
  }
  match_begin_.assign(n + 1, 0);
  std::vector<std::pair<std::uint16_t, std::uint16_t>> found;
  std::string gram;
  const auto scan = [&](std::string_view source) {
    const std::vector<std::string> words = normalized_words(source);
    for (std::size_t i = 0; i < words.size(); ++i) {
      gram.clear();
      for (std::size_t len = 1; len <= kMaxTermWords && i + len <= words.size(); ++len) {
        if (len > 1) gram += ' ';
        gram += words[i + len - 1];
        const auto it = term_index.find(gram);
        if (it != term_index.end()) found.insert(found.end(), it->second.begin(), it->second.end());
      }
    }
  };
  for (std::size_t s = 0; s < n && !term_index.empty(); ++s) {
    const Recipe& r = recipes[static_cast<std::size_t>(qualifying_[s])];
    found.clear();
    scan(r.name);
    for (const std::string& t : r.tags) {
      const auto it = term_index.find(normalize_phrase(t));
      if (it != term_index.end()) found.insert(found.end(), it->second.begin(), it->second.end());
    }
    for (const std::string& t : r.ingredients) scan(t);
    scan(r.description);
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    matches_.insert(matches_.end(), found.begin(), found.end());
    match_begin_[s + 1] = static_cast<std::uint32_t>(matches_.size());
  }

  // The recipe texts, encoded once.
  std::vector<std::string> texts;
  texts.reserve(n);
  for (const std::int32_t r : qualifying_) texts.push_back(recipe_text(recipes[static_cast<std::size_t>(r)]));
  if (n > 0) {
    if (cache != nullptr) {
      embeddings_ = cache->encode_cached(encoder, texts);
    } else {
      embeddings_.resize(n * d);
      encoder.encode(texts, embeddings_.data());
    }
    if (embeddings_.size() != n * d) {
      throw Error(ErrorKind::kInternal, "snacks: the encoder returned " + std::to_string(embeddings_.size()) +
                                            " floats for " + std::to_string(n) + " texts");
    }
  }
}

bool SnackPairer::qualifies(std::int32_t recipe) const { return slot_of(recipe) < qualifying_.size(); }

std::size_t SnackPairer::slot_of(std::int32_t recipe) const {
  const auto it = std::lower_bound(qualifying_.begin(), qualifying_.end(), recipe);
  if (it == qualifying_.end() || *it != recipe) return qualifying_.size();
  return static_cast<std::size_t>(it - qualifying_.begin());
}

const Recipe& SnackPairer::recipe(std::int32_t recipe) const {
  if (recipe < 0 || recipe >= book_->size()) {
    throw Error(ErrorKind::kNotFound, "snacks: no recipe at index " + std::to_string(recipe));
  }
  return book_->recipes()[static_cast<std::size_t>(recipe)];
}

float SnackPairer::damped_rating(std::int32_t r) const {
  (void)recipe(r);  // range check
  return damped_[static_cast<std::size_t>(r)];
}

std::int32_t SnackPairer::rating_count(std::int32_t r) const {
  (void)recipe(r);
  return counts_[static_cast<std::size_t>(r)];
}

std::span<const float> SnackPairer::embedding(std::int32_t r) const {
  const std::size_t s = slot_of(r);
  if (s == qualifying_.size()) {
    throw Error(ErrorKind::kNotFound, "snacks: recipe index " + std::to_string(r) + " does not qualify");
  }
  const auto d = static_cast<std::size_t>(dim_);
  return {embeddings_.data() + s * d, d};
}

std::string SnackPairer::display_name(std::int32_t r) const {
  const std::string& name = recipe(r).name;
  std::string out;
  bool space = false;
  for (const char c : name) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::string SnackPairer::summary(std::int32_t r) const {
  const Recipe& rec = recipe(r);
  constexpr std::size_t kShown = 8;
  std::string out = std::to_string(rec.minutes) + " min · " + std::to_string(rec.ingredients.size()) +
                    (rec.ingredients.size() == 1 ? " ingredient" : " ingredients");
  if (!rec.ingredients.empty()) {
    out += ": ";
    const std::size_t shown = std::min(kShown, rec.ingredients.size());
    join_into(out,
              std::vector<std::string>(rec.ingredients.begin(),
                                       rec.ingredients.begin() + static_cast<std::ptrdiff_t>(shown)),
              ", ");
    if (rec.ingredients.size() > shown)
      out += " +" + std::to_string(rec.ingredients.size() - shown) + " more";
  }
  std::vector<std::string> tags;
  for (const std::string& t : rec.tags) {
    if (std::find(options_.snack_tags.begin(), options_.snack_tags.end(), t) != options_.snack_tags.end() &&
        std::find(tags.begin(), tags.end(), t) == tags.end()) {
      tags.push_back(t);
    }
  }
  if (!tags.empty()) {
    out += " · ";
    join_into(out, tags, ", ");
  }
  return out;
}

void SnackPairer::cosines(const float* units, std::size_t n_vectors, float* out) const {
  dot_rows(embeddings_.data(), qualifying_.size(), static_cast<std::size_t>(dim_), units, n_vectors, out);
}

SnackPairer::Query SnackPairer::make_query(std::span<const float> mood_vector,
                                           const std::vector<std::string>& moods) const {
  const auto d = static_cast<std::size_t>(dim_);
  if (!mood_vector.empty() && mood_vector.size() != d) {
    throw Error(ErrorKind::kInvalidInput, "snacks: the mood vector has " +
                                              std::to_string(mood_vector.size()) + " floats, the encoder " +
                                              std::to_string(dim_));
  }
  Query q;
  const std::size_t n = qualifying_.size();
  if (!mood_vector.empty()) {
    const std::vector<float> unit = unit_rows(mood_vector, 1, dim_);
    if (std::any_of(unit.begin(), unit.end(), [](float x) { return x != 0.0f; })) {
      q.mood_cos.resize(n);
      cosines(unit.data(), 1, q.mood_cos.data());
    }
  }
  q.active.assign(options_.lexicon.size(), 0);
  int n_active = 0;
  for (std::size_t e = 0; e < options_.lexicon.size(); ++e) {
    if (std::find(moods.begin(), moods.end(), options_.lexicon[e].mood) != moods.end()) {
      q.active[e] = 1;
      ++n_active;
    }
  }
  if (n_active > 0 && options_.mood_lift > 0) {
    q.lift.assign(n, 0.0f);
    const auto sat = static_cast<float>(options_.lift_saturation);
    for (std::size_t s = 0; s < n; ++s) {
      float sum = 0;
      // Matches are sorted by entry: count each active entry's run.
      for (std::uint32_t i = match_begin_[s]; i < match_begin_[s + 1];) {
        std::uint32_t j = i;
        while (j < match_begin_[s + 1] && matches_[j].first == matches_[i].first) ++j;
        if (q.active[matches_[i].first]) sum += std::min(1.0f, static_cast<float>(j - i) / sat);
        i = j;
      }
      q.lift[s] = options_.mood_lift * sum / static_cast<float>(n_active);
    }
  }
  return q;
}

void SnackPairer::scores(const Query& q, const float* cos, float* out) const {
  const std::size_t n = qualifying_.size();
  const float mw = q.mood_cos.empty() ? 0.0f : options_.mood_weight;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (std::size_t s = 0; s < n; ++s) {
    out[s] = (1.0f - mw) * cos[s] + (mw > 0 ? mw * q.mood_cos[s] : 0.0f);
    lo = std::min(lo, out[s]);
    hi = std::max(hi, out[s]);
  }
  const float range = hi - lo;
  for (std::size_t s = 0; s < n; ++s) {
    const float content = range > 0 ? (out[s] - lo) / range : 0.0f;
    out[s] = options_.content_weight * content + options_.quality_weight * quality01_[s] +
             (q.lift.empty() ? 0.0f : q.lift[s]);
  }
}

SnackCandidate SnackPairer::candidate(const Query& q, std::size_t slot, float cosine, float score) const {
  SnackCandidate c;
  c.recipe = qualifying_[slot];
  c.score = score;
  c.cosine = cosine;
  c.mood_cosine = q.mood_cos.empty() ? 0.0f : q.mood_cos[slot];
  c.quality = damped_[static_cast<std::size_t>(c.recipe)];
  c.lift = q.lift.empty() ? 0.0f : q.lift[slot];
  for (std::uint32_t i = match_begin_[slot]; i < match_begin_[slot + 1]; ++i) {
    const auto [entry, term] = matches_[i];
    const std::string& word = options_.lexicon[entry].terms[term];
    if (q.active[entry] && std::find(c.matched.begin(), c.matched.end(), word) == c.matched.end()) {
      c.matched.push_back(word);
    }
  }
  return c;
}

std::vector<std::uint32_t> SnackPairer::eligible(int max_minutes,
                                                 std::span<const std::int32_t> exclude) const {
  if (max_minutes < 0 || max_minutes > options_.max_minutes) {
    throw Error(ErrorKind::kInvalidInput, "snacks: a limit of " + std::to_string(max_minutes) +
                                              " minutes; this pairer holds recipes of " +
                                              std::to_string(options_.min_minutes) + " to " +
                                              std::to_string(options_.max_minutes) + " minutes");
  }
  const std::size_t n = qualifying_.size();
  std::vector<char> excluded(n, 0);
  for (const std::int32_t r : exclude) {
    const std::size_t s = slot_of(r);
    if (s < n) excluded[s] = 1;
  }
  const bool narrowed = max_minutes > 0 && max_minutes < options_.max_minutes;
  std::vector<std::uint32_t> out;
  out.reserve(n);
  for (std::size_t s = 0; s < n; ++s) {
    if (excluded[s]) continue;
    if (narrowed && book_->recipes()[static_cast<std::size_t>(qualifying_[s])].minutes > max_minutes)
      continue;
    out.push_back(static_cast<std::uint32_t>(s));
  }
  return out;
}

std::vector<SnackCandidate> SnackPairer::pair(std::span<const float> movie_vectors, std::size_t n_movies,
                                              std::span<const float> mood_vector,
                                              const std::vector<std::string>& moods, int max_minutes) const {
  const auto d = static_cast<std::size_t>(dim_);
  if (movie_vectors.size() != n_movies * d) {
    throw Error(ErrorKind::kInvalidInput, "snacks: " + std::to_string(movie_vectors.size()) + " floats for " +
                                              std::to_string(n_movies) + " movies of " +
                                              std::to_string(dim_) + " dimensions");
  }
  const Query q = make_query(mood_vector, moods);
  const std::vector<std::uint32_t> allowed = eligible(max_minutes, {});
  std::vector<SnackCandidate> out(n_movies);
  const std::size_t n = qualifying_.size();
  if (n_movies == 0 || allowed.empty()) return out;

  const std::vector<float> units = unit_rows(movie_vectors, n_movies, dim_);
  std::vector<float> cos(n_movies * n), score(n_movies * n);
  cosines(units.data(), n_movies, cos.data());
  for (std::size_t m = 0; m < n_movies; ++m) scores(q, cos.data() + m * n, score.data() + m * n);

  // Each movie's top min(n_movies, n) hold an optimal assignment (see the header).
  const std::size_t top = std::min(n_movies, allowed.size());
  std::vector<std::uint32_t> order;
  std::vector<char> in_union(n, 0);
  std::vector<std::uint32_t> pool;
  for (std::size_t m = 0; m < n_movies; ++m) {
    const float* sc = score.data() + m * n;
    order = allowed;
    std::partial_sort(
        order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
        [&](std::uint32_t a, std::uint32_t b) { return sc[a] > sc[b] || (sc[a] == sc[b] && a < b); });
    for (std::size_t i = 0; i < top; ++i) {
      if (!in_union[order[i]]) {
        in_union[order[i]] = 1;
        pool.push_back(order[i]);
      }
    }
  }
  std::sort(pool.begin(), pool.end());
  std::vector<double> weights(n_movies * pool.size());
  for (std::size_t m = 0; m < n_movies; ++m) {
    for (std::size_t c = 0; c < pool.size(); ++c) weights[m * pool.size() + c] = score[m * n + pool[c]];
  }
  const std::vector<std::int32_t> assigned = max_weight_assignment(
      weights, static_cast<std::int32_t>(n_movies), static_cast<std::int32_t>(pool.size()));
  for (std::size_t m = 0; m < n_movies; ++m) {
    if (assigned[m] < 0) continue;
    const std::size_t slot = pool[static_cast<std::size_t>(assigned[m])];
    out[m] = candidate(q, slot, cos[m * n + slot], score[m * n + slot]);
  }
  return out;
}

std::vector<SnackCandidate> SnackPairer::best_for(std::span<const float> movie_vector,
                                                  std::span<const float> mood_vector,
                                                  const std::vector<std::string>& moods, int k,
                                                  std::span<const std::int32_t> exclude,
                                                  int max_minutes) const {
  const auto d = static_cast<std::size_t>(dim_);
  if (movie_vector.size() != d) {
    throw Error(ErrorKind::kInvalidInput, "snacks: the movie vector has " +
                                              std::to_string(movie_vector.size()) + " floats, the encoder " +
                                              std::to_string(dim_));
  }
  const Query q = make_query(mood_vector, moods);
  std::vector<std::uint32_t> order = eligible(max_minutes, exclude);
  const std::size_t n = qualifying_.size();
  if (k <= 0 || order.empty()) return {};
  const std::vector<float> unit = unit_rows(movie_vector, 1, dim_);
  std::vector<float> cos(n), score(n);
  cosines(unit.data(), 1, cos.data());
  scores(q, cos.data(), score.data());
  const std::size_t top = std::min(order.size(), static_cast<std::size_t>(k));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      return score[a] > score[b] || (score[a] == score[b] && a < b);
                    });
  std::vector<SnackCandidate> out;
  out.reserve(top);
  for (std::size_t i = 0; i < top; ++i) out.push_back(candidate(q, order[i], cos[order[i]], score[order[i]]));
  return out;
}

}  // namespace mn
