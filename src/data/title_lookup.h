#pragma once
// Finding a catalog movie from what a person types: "toy story", "the matrix", "Matrix 1999",
// "amelie", "la haine", "shawshank redemtion". Case, accents and punctuation are ignored, an
// article moved to the end ("Matrix, The") matches with or without it, alternate titles in
// parentheses count as names of the movie, and a year in the query prefers that year.
//
// Tiers, best first (score in 0..1):
//   exact  1.0        a normalised name of the movie equals the query
//   prefix 0.80-0.95  the query starts a name ("shawshank", "godfath")
//   words  0.75-0.85  the query is a run of whole words inside a name ("redemption")
//   fuzzy  below 0.8  Damerau-Levenshtein (optimal string alignment) similarity, whole name or
//                     the name's beginning, for typos ("godfater", "shawshank redemtion")
// A year in the query that differs from the movie's multiplies the score by 0.9. A match is good
// (find() returns it) at kGoodMatch or above, i.e. about one typo in every four or five letters.
// Equal scores go to the more popular movie, then to the smaller catalog index.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/catalog.h"
#include "data/dataset.h"

namespace mn {

struct TitleMatch {
  std::int32_t index = -1;  // catalog index
  double score = 0;         // 1 = exact
  std::string title;        // the catalog's title
};

// Lower case, accents stripped (NFKD, marks dropped; æ->ae, ø->o, ß->ss ...), apostrophes and
// periods dropped ("L.A.", "d'Amélie"), "&" -> "and", every other non-letter/digit a single space,
// trimmed. Invalid UTF-8 is read as Latin-1.
std::string normalize_title(std::string_view title);

// A title's parts: "City of Lost Children, The (Cité des enfants perdus, La) (1995)" ->
// main "City of Lost Children, The", alternates {"Cité des enfants perdus, La"}, year 1995.
// "a.k.a." before an alternate is dropped. Exposed for tests.
struct TitleParts {
  std::string main;
  std::vector<std::string> alternates;
  int year = 0;
};
TitleParts split_title(std::string_view title);

class TitleIndex {
 public:
  static constexpr double kGoodMatch = 0.6;

  explicit TitleIndex(const Catalog& catalog);

  // The best match, or nullopt when none scores kGoodMatch.
  std::optional<TitleMatch> find(std::string_view query) const;
  // The n best-scoring distinct movies, best first, however poor (for "Did you mean").
  std::vector<TitleMatch> closest(std::string_view query, int n) const;
  // Per-item counts (e.g. number of ratings), catalog-sized; breaks ties between equal scores.
  void set_popularity(std::span<const float> counts);

  std::size_t size() const { return titles_.size(); }

 private:
  struct Key {
    std::string text;       // normalised name
    std::int32_t movie;     // catalog index
    std::uint16_t n_grams;  // distinct trigrams of " text "
    float weight;           // 1, or less for a derived name ("Godfather Trilogy" for "The Godfather Trilogy")
  };
  struct Scored {
    std::int32_t movie;
    double score;
  };
  std::vector<Scored> rank(std::string_view query, std::size_t limit) const;
  void score_variant(const std::string& q, double weight, int year, std::vector<double>& best,
                     std::vector<std::int32_t>& touched, std::vector<std::uint16_t>& shared) const;

  std::vector<std::string> titles_;
  std::vector<int> years_;
  std::vector<float> popularity_;
  std::vector<Key> keys_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> exact_;    // text -> keys
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> grams_;  // trigram -> keys, ascending
};

// The title index of a dataset, with the number of ratings breaking ties (the well-known movie
// first among equal matches).
TitleIndex make_title_index(const Dataset& dataset);

}  // namespace mn
