#include "text/mood.h"

#include <algorithm>
#include <cmath>

#include "text/movie_text.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

struct MoodEntry {
  std::string name;
  std::vector<std::string> synonyms;  // matched as whole words or phrases, normalised
  std::string expansion;              // comma-separated genres, TMDB keywords and MovieLens tags
};

// Words drawn from the MovieLens genres, the most common TMDB keywords and MovieLens tags, so that
// each expansion hits the TF-IDF vocabulary in several fields.
const std::vector<MoodEntry>& lexicon() {
  static const std::vector<MoodEntry> entries = {
      {"cozy",
       {"cozy", "cosy", "comfy", "comfort", "warm", "snug", "rainy day", "lazy sunday"},
       "comedy, romance, family, animation, christmas, holiday, friendship, small town, heartwarming, "
       "feel-good, sweet, touching"},
      {"romantic",
       {"romantic", "romance", "love", "date night", "rom com", "romcom", "rom-com", "love story"},
       "romance, love, romantic comedy, wedding, relationship, falling in love, love triangle, new love"},
      {"funny",
       {"funny", "comedy", "laugh", "laughs", "hilarious", "silly", "lighthearted", "light hearted",
        "rom com", "romcom", "rom-com", "humor", "humour"},
       "comedy, funny, hilarious, humorous, witty, parody, spoof, satire, screwball"},
      {"scary",
       {"scary", "horror", "spooky", "creepy", "frightening", "terrifying", "halloween", "haunted"},
       "horror, supernatural, ghost, ghosts, haunted house, demon, slasher, monster, zombie, vampire, "
       "creepy, scary"},
      {"tense",
       {"tense", "suspense", "suspenseful", "thriller", "gripping", "edge of my seat", "nail biting",
        "intense"},
       "thriller, suspense, tense, crime, mystery, conspiracy, heist, investigation, paranoia, "
       "psychological, intense"},
      {"mind-bending",
       {"mind-bending", "mind bending", "mindbending", "mind blowing", "trippy", "twisty", "cerebral",
        "puzzle", "weird", "surreal"},
       "sci-fi, mystery, twist ending, mindfuck, surreal, psychological, time travel, dream, dreamlike, "
       "thought-provoking, cerebral, philosophical"},
      {"feel-good",
       {"feel-good", "feel good", "feelgood", "uplifting", "happy", "cheerful", "wholesome", "inspiring",
        "inspirational"},
       "comedy, feel-good, heartwarming, inspirational, uplifting, friendship, fun, sweet, touching"},
      {"family",
       {"family", "kids", "children", "kid friendly", "family friendly", "all ages"},
       "children, animation, family, disney, pixar, fairy tale, kids, adventure, animal movie"},
      {"epic",
       {"epic", "grand", "sweeping", "saga", "spectacle", "adventure"},
       "adventure, war, fantasy, epic, historical, battle, sword, imax, fantasy world, swashbuckler"},
      {"sad",
       {"sad", "cry", "tearjerker", "tear jerker", "melancholy", "moving", "emotional", "heartbreaking",
        "weepy"},
       "drama, tearjerker, sad, emotional, death, dying and death, grief, melancholy, heartbreaking, "
       "bittersweet, "
       "poignant, moving"},
      {"action",
       {"action", "explosions", "explosive", "adrenaline", "fight", "fights", "fast paced", "shoot em up"},
       "action, adventure, martial arts, explosion, shootout, car chase, chase, fight, kung fu, superhero, "
       "hero"},
  };
  return entries;
}

// Marks every occurrence of phrase in words as used; true when there was one.
bool find_phrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase,
                 std::vector<char>& used) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  bool found = false;
  for (std::size_t i = 0; i + phrase.size() <= words.size(); ++i) {
    if (std::equal(phrase.begin(), phrase.end(), words.begin() + static_cast<std::ptrdiff_t>(i))) {
      std::fill(used.begin() + static_cast<std::ptrdiff_t>(i),
                used.begin() + static_cast<std::ptrdiff_t>(i + phrase.size()), 1);
      found = true;
    }
  }
  return found;
}

// Words of a request that say nothing about the movie ("something tense for tonight").
bool is_request_filler(const std::string& word) {
  static const std::vector<std::string> kFiller = {
      "bit",    "feel",   "feeling",   "film",  "films",   "kind",  "like",
      "little", "maybe",  "mood",      "movie", "movies",  "night", "please",
      "pretty", "really", "something", "sort",  "tonight", "want",  "watch"};
  return std::find(kFiller.begin(), kFiller.end(), word) != kFiller.end();
}

}  // namespace

const std::vector<std::string>& known_moods() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const MoodEntry& e : lexicon()) out.push_back(e.name);
    return out;
  }();
  return names;
}

MoodExpansion expand_mood(std::string_view text) {
  const std::vector<std::string> words = normalized_words(text);
  std::vector<char> used(words.size(), 0);
  MoodExpansion out;
  for (const MoodEntry& entry : lexicon()) {
    bool hit = false;
    for (const std::string& synonym : entry.synonyms) {
      hit = find_phrase(words, normalized_words(synonym), used) || hit;
    }
    if (hit) {
      out.moods.push_back(entry.name);
      for (const auto term : split(entry.expansion, ",")) {
        const std::string phrase = normalize_phrase(term);
        if (phrase.empty() || std::find(out.terms.begin(), out.terms.end(), phrase) != out.terms.end())
          continue;
        out.terms.push_back(phrase);
        out.query += (out.query.empty() ? "" : " ") + phrase;
      }
    }
  }
  // Words the lexicon did not explain ("christmas", "heist", "tom hanks") stay in the query;
  // stop words ("something", "a") go.
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!used[i] && !is_stop_word(words[i]) && !is_request_filler(words[i]))
      out.query += (out.query.empty() ? "" : " ") + words[i];
  }
  return out;
}

}  // namespace mn

namespace mn {

std::vector<float> encode_mood(const TextEncoder& encoder, std::string_view text,
                               const MoodExpansion& expansion) {
  const std::string query = encoder.name() == "minilm" ? std::string(text) : expansion.query;
  if (query.empty()) return {};
  std::vector<float> v(static_cast<std::size_t>(encoder.dim()), 0.0f);
  encoder.encode(std::span<const std::string>(&query, 1), v.data());
  if (std::all_of(v.begin(), v.end(), [](float x) { return x == 0; })) return {};
  return v;
}

std::vector<float> title_mood_query(std::span<const float> movie, const TextEncoder& encoder,
                                    std::string_view mood_text, const MoodExpansion& expansion,
                                    double mood_weight) {
  const auto dim = static_cast<std::size_t>(encoder.dim());
  std::vector<float> query(dim, 0.0f);
  if (!movie.empty()) query.assign(movie.begin(), movie.end());
  if (!mood_text.empty()) {
    const std::vector<float> m = encode_mood(encoder, mood_text, expansion);
    if (m.empty()) {
      std::string known;
      for (const auto& k : known_moods()) known += (known.empty() ? "" : ", ") + k;
      throw Error(ErrorKind::kInvalidInput,
                  "mood \"" + std::string(mood_text) +
                      "\": no word of it is known to the encoder; try one of: " + known);
    }
    const float w = movie.empty() ? 1.0f : static_cast<float>(mood_weight);
    for (std::size_t d = 0; d < dim && d < m.size(); ++d) query[d] += w * m[d];
  }
  double norm = 0;
  for (const float v : query) norm += static_cast<double>(v) * v;
  if (norm > 0) {
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& v : query) v *= inv;
  }
  return query;
}

}  // namespace mn
