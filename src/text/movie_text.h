#pragma once
// What the text encoders read about a movie: its fields as a MovieDocument (for the field-weighted
// TF-IDF and the genre encoder), one sentence for MiniLM, and the word normalisation they share.
//
// Normalisation: NFKD, case folding and accent stripping (utf8proc), then words are the runs of
// letters and digits ("Amélie" -> "amelie", "Sci-Fi" -> "sci", "fi"). An apostrophe inside a word
// joins it ("don't" -> "dont") except a possessive "'s", which is dropped ("Schindler's" ->
// "schindler"). A phrase is a name, keyword, tag or genre as its words joined by single spaces
// ("Tom Hanks" -> "tom hanks", "Sci-Fi" -> "sci fi"), so a user's text can meet it as an n-gram.
#include <string>
#include <string_view>
#include <vector>

#include "data/catalog.h"

namespace mn {

struct MovieDocument {
  std::string title;                // without the "(1995)" year, a trailing ", The" moved to the front
  std::vector<std::string> genres;  // never "(no genres listed)"
  std::vector<std::string> keywords;
  std::vector<std::string> tags;
  std::vector<std::string> cast;
  std::vector<std::string> directors;
  std::string overview;  // TMDB overview, then the tagline
};

MovieDocument movie_document(const Movie& movie);
std::vector<MovieDocument> movie_documents(const Catalog& catalog);

// MovieLens's genre for a movie without genres; no encoder counts it.
inline constexpr std::string_view kNoGenresListed = "(no genres listed)";

// "Toy Story (1995)" -> "Toy Story"; "American President, The (1995)" -> "The American President".
std::string display_title(std::string_view title);

// The one text MiniLM reads: title, overview, genres, top-5 cast, directors, keywords; the
// MovieLens tags stand in for the overview when there is none.
std::string movie_sentence(const Movie& movie);

// Normalised words in order, nothing dropped.
std::vector<std::string> normalized_words(std::string_view text);
// Normalised words less stop words and single letters (digits stay: "2" tells a sequel apart).
std::vector<std::string> tokenize_for_search(std::string_view text);
// The normalised words of a name, keyword or genre joined by single spaces; "" when it has none.
std::string normalize_phrase(std::string_view text);
// The small English stop-word list tokenize_for_search drops (input already normalised).
bool is_stop_word(std::string_view word);

}  // namespace mn
