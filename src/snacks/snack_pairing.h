#pragma once
// Movie-night snacks: the Food.com recipes one can make in time (minutes in [min, max]) that carry
// a snack-like tag, each scored against a movie (and the mood) and paired one per movie.
//
// Score of recipe r for movie m:
//   content = cos(r, movie m), or (1 - mood_weight) cos(r, movie m) + mood_weight cos(r, mood)
//             when a mood vector is given; min-max scaled to [0, 1] over the qualifying recipes
//             for this movie (raw cosines of a TF-IDF/LSA space are small and bunched, and unscaled
//             they would let the quality term decide alone)
//   quality = damped mean rating (sum of 1..5 ratings + damping x global mean) / (count + damping),
//             min-max scaled to [0, 1] over the qualifying recipes (rating 0 = "no rating": ignored)
//   lift    = mood_lift x mean over the recognised moods that have a lexicon entry of
//             min(1, terms of that mood found in the recipe / lift_saturation)
//   score   = content_weight x content + quality_weight x quality + lift
//
// The recipe text that is encoded (recipe_text) is the name, the tags that describe the food (not
// Food.com's taxonomy tags such as "time-to-make"), the ingredients and the description. Encoded
// with the movie catalog's encoder it lands in the movies' space; words that encoder does not know
// add nothing, which is why the mood lexicon lifts matches by plain words.
//
// Pairing a list assigns each movie a different recipe so that the sum of the scores is the largest
// possible (Hungarian method over each movie's top n candidates, which provably contains an optimal
// assignment: a movie holding a recipe outside its top n can always swap to a free one of its top n
// without losing score). Greedy in list order cannot promise that: it lets the first movie take a
// recipe that was the only strong match of a later one.
//
// An empty book, or one in which nothing qualifies, is not an error: size() is 0, pair() returns
// one entry per movie with recipe == kNoSnack, and best_for() returns nothing. The same holds for
// the movies left over when there are fewer qualifying recipes than movies.
//
// pair() and best_for() are const and keep their work to themselves: one pairer serves any number
// of threads. Cost per call: one pass over the qualifying recipes' embeddings per movie (about
// 25 ms for 10 movies against 50,000 qualifying recipes on one core here) plus an assignment
// over at most n_movies^2 candidates.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/recipe_book.h"
#include "text/text_encoder.h"

namespace mn {

class EmbeddingCache;

// A mood's snack words: terms of one to three words, found as whole words or phrases in a recipe's
// name, ingredients and description, or equal to a whole tag, after the same normalisation as movie
// text (case, accents, hyphens: the tag "comfort-food" is the term "comfort food").
struct SnackMoodTerms {
  std::string mood;  // a name from known_moods() ("cozy")
  std::vector<std::string> terms;
};

// Food.com's snack-like tags: snacks, appetizers, finger-food, dips, desserts,
// cookies-and-brownies, candy, nuts, beverages, cocktails, smoothies and their finer relatives.
const std::vector<std::string>& default_snack_tags();
// The built-in mood -> snack lexicon (cozy -> warm, baked, cocoa, ...), one entry per lexicon mood.
const std::vector<SnackMoodTerms>& default_snack_lexicon();

struct SnackOptions {
  int max_minutes = 25;
  int min_minutes = 1;  // Food.com has 0-minute rows (data errors): "0 min" is not a promise
  // A recipe qualifies with any of these tags; empty: every recipe qualifies by tag.
  std::vector<std::string> snack_tags = default_snack_tags();
  float content_weight = 0.7f;
  float quality_weight = 0.3f;
  float mood_weight = 0.3f;  // share of the mood vector in the content cosine when one is given
  float damping = 10.0f;     // pseudo-ratings at the global mean
  float mood_lift = 0.15f;
  int lift_saturation = 2;  // lexicon terms found for the full lift
  std::vector<SnackMoodTerms> lexicon = default_snack_lexicon();

  nlohmann::json to_json() const;
  // Keys absent keep their defaults; unknown keys, wrong types and out-of-range values throw
  // mn::Error (invalid input) naming the key. "lexicon" is an object {mood: [terms]} and replaces
  // the built-in one whole.
  static SnackOptions from_json(const nlohmann::json& j);
};

struct SnackCandidate {
  static constexpr std::int32_t kNoSnack = -1;
  std::int32_t recipe = kNoSnack;    // index into the RecipeBook
  float score = 0;                   // the blended score (see the file comment)
  float cosine = 0;                  // raw cosine of the recipe text to the movie
  float mood_cosine = 0;             // raw cosine to the mood vector (0 without one)
  float quality = 0;                 // damped mean rating, 1..5 scale
  float lift = 0;                    // the mood lexicon's part of score
  std::vector<std::string> matched;  // lexicon terms found in the recipe for the recognised moods, once each
};

// A mood text as the pairer wants it: expand_mood(text).moods and the encoded expansion (empty
// when the text has nothing to embed).
struct SnackMood {
  std::vector<float> vector;
  std::vector<std::string> moods;
};
SnackMood encode_snack_mood(const TextEncoder& encoder, std::string_view mood_text);

// The text that is encoded for a recipe (see the file comment).
std::string recipe_text(const Recipe& recipe);

class SnackPairer {
 public:
  // Filters the book, encodes the qualifying recipes' texts once (through the cache when given)
  // and precomputes their quality and lexicon matches. The book must outlive the pairer; the
  // encoder is not kept. Throws mn::Error (invalid input) for options out of range.
  SnackPairer(const RecipeBook& book, const TextEncoder& encoder, const SnackOptions& options = {},
              EmbeddingCache* cache = nullptr);

  // Qualifying recipes.
  std::size_t size() const { return qualifying_.size(); }
  int dim() const { return dim_; }
  const SnackOptions& options() const { return options_; }
  // Book indices of the qualifying recipes, ascending.
  const std::vector<std::int32_t>& qualifying() const { return qualifying_; }
  bool qualifies(std::int32_t recipe) const;

  // One snack per movie, index-aligned with the movies, never the same recipe twice.
  // movie_vectors: n_movies x dim() row-major; mood_vector: dim() floats or empty; moods: the
  // recognised mood names (for the lexicon; names without an entry are ignored). Vectors need not
  // be normalised. max_minutes > 0 narrows this call to the qualifying recipes that take at most
  // that long (a pairer built with max_minutes 60 serves requests for 15, 25, 60 without encoding
  // anything again); 0 keeps options().max_minutes. Throws mn::Error (invalid input) on a size
  // mismatch, and for a max_minutes above options().max_minutes (those recipes were never
  // encoded: build a pairer with the larger limit).
  std::vector<SnackCandidate> pair(std::span<const float> movie_vectors, std::size_t n_movies,
                                   std::span<const float> mood_vector, const std::vector<std::string>& moods,
                                   int max_minutes = 0) const;

  // The best k for one movie, best first (ties: lower book index first), leaving out the recipes
  // in exclude (book indices); max_minutes as for pair().
  std::vector<SnackCandidate> best_for(std::span<const float> movie_vector,
                                       std::span<const float> mood_vector,
                                       const std::vector<std::string>& moods, int k,
                                       std::span<const std::int32_t> exclude = {}, int max_minutes = 0) const;

  const Recipe& recipe(std::int32_t recipe) const;
  // Damped mean rating (1..5) and the number of 1..5 ratings of a book recipe.
  float damped_rating(std::int32_t recipe) const;
  std::int32_t rating_count(std::int32_t recipe) const;
  // The unit (or zero) embedding of a qualifying recipe; throws mn::Error (not found) otherwise.
  std::span<const float> embedding(std::int32_t recipe) const;
  // The name with runs of spaces collapsed ("arriba   baked ..." -> "arriba baked ...").
  std::string display_name(std::int32_t recipe) const;
  // A link-free one-line summary for display: "12 min · 5 ingredients: a, b, c, d, e · snacks, dips"
  // (at most 8 ingredients, then "+N more"; the tags are the recipe's snack tags).
  std::string summary(std::int32_t recipe) const;

 private:
  struct Query;  // normalised vectors and the lexicon moods in play
  Query make_query(std::span<const float> mood_vector, const std::vector<std::string>& moods) const;
  // Raw cosines of every qualifying recipe to n unit (or zero) vectors: out is n x size().
  void cosines(const float* units, std::size_t n, float* out) const;
  // Scores of every qualifying recipe for one movie (cos: that movie's cosines).
  void scores(const Query& q, const float* cos, float* out) const;
  SnackCandidate candidate(const Query& q, std::size_t slot, float cosine, float score) const;
  std::size_t slot_of(std::int32_t recipe) const;  // position in qualifying_, or size()
  // Slots of the recipes within a call's time limit, ascending, less the excluded ones.
  std::vector<std::uint32_t> eligible(int max_minutes, std::span<const std::int32_t> exclude) const;

  const RecipeBook* book_;
  SnackOptions options_;
  int dim_ = 0;
  std::vector<std::int32_t> qualifying_;
  std::vector<float> embeddings_;     // size() x dim_
  std::vector<float> quality01_;      // by slot: damped rating min-max scaled
  std::vector<float> damped_;         // by book index
  std::vector<std::int32_t> counts_;  // by book index
  // Lexicon matches by slot: (lexicon entry, term) pairs, CSR.
  std::vector<std::uint32_t> match_begin_;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> matches_;
  std::vector<std::vector<std::string>> lexicon_terms_;  // normalised, by entry
};

}  // namespace mn
