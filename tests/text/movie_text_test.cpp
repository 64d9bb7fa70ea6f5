// What the text encoders read about a movie: normalised words (case, accents, punctuation,
// apostrophes), stop words, display titles, documents and the MiniLM sentence with its fallbacks.
#include "text/movie_text.h"

#include <gtest/gtest.h>

namespace mn {
namespace {

using Words = std::vector<std::string>;

TEST(MovieTextTest, WordsAreLowerCasedAccentFoldedAndSplitOnPunctuation) {
  EXPECT_EQ(normalized_words("Amélie"), Words{"amelie"});
  EXPECT_EQ(normalized_words("AMÉLIE Poulain, Montmartre!"), (Words{"amelie", "poulain", "montmartre"}));
  EXPECT_EQ(normalized_words("Crème brûlée; Ångström — Łódź ŒUVRE"),
            (Words{"creme", "brulee", "angstrom", "łodz", "œuvre"}));
  EXPECT_EQ(normalized_words("Sci-Fi/Film-Noir"), (Words{"sci", "fi", "film", "noir"}));
  EXPECT_EQ(normalized_words("WALL·E (2008)"), (Words{"wall", "e", "2008"}));
  // Full-width letters and ligatures fold to ASCII (compatibility decomposition).
  EXPECT_EQ(normalized_words("ＡＢＣ ﬁlm"), (Words{"abc", "film"}));
  EXPECT_EQ(normalized_words("Straße"), Words{"strasse"});
  // Apostrophes: a possessive goes, a contraction joins, both ’ and '.
  EXPECT_EQ(normalized_words("Schindler's List"), (Words{"schindler", "list"}));
  EXPECT_EQ(normalized_words("Don’t Look Now"), (Words{"dont", "look", "now"}));
  EXPECT_EQ(normalized_words("rock 'n' roll's"), (Words{"rock", "n", "roll"}));
  EXPECT_EQ(normalized_words("'quoted'"), Words{"quoted"});
  EXPECT_EQ(normalized_words(""), Words{});
  EXPECT_EQ(normalized_words("¡¿...!?"), Words{});
  // Malformed UTF-8 separates words instead of failing.
  EXPECT_EQ(normalized_words("ab\xff"
                             "cd"),
            (Words{"ab", "cd"}));
  EXPECT_EQ(normalized_words("日本 映画"), (Words{"日本", "映画"}));
}

TEST(MovieTextTest, SearchTokensDropStopWordsAndSingleLetters) {
  EXPECT_EQ(tokenize_for_search("The Lord of the Rings: The Return of the King"),
            (Words{"lord", "rings", "return", "king"}));
  EXPECT_EQ(tokenize_for_search("A boy and HIS dog, in 2 parts"), (Words{"boy", "dog", "2", "parts"}));
  EXPECT_TRUE(is_stop_word("the"));
  EXPECT_TRUE(is_stop_word("with"));
  EXPECT_FALSE(is_stop_word("christmas"));
  EXPECT_EQ(normalize_phrase("Tom  Hanks"), "tom hanks");
  EXPECT_EQ(normalize_phrase("Sci-Fi"), "sci fi");
  EXPECT_EQ(normalize_phrase("(no genres listed)"), "no genres listed");
  EXPECT_EQ(normalize_phrase(" -- "), "");
}

TEST(MovieTextTest, DisplayTitles) {
  EXPECT_EQ(display_title("Toy Story (1995)"), "Toy Story");
  EXPECT_EQ(display_title("American President, The (1995)"), "The American President");
  EXPECT_EQ(display_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)"),
            "The City of Lost Children (Cité des enfants perdus, La)");
  EXPECT_EQ(display_title("Apartment, The (Appartement, L') (1996)"), "The Apartment (Appartement, L')");
  EXPECT_EQ(display_title("Appartement, L' (1996)"), "L'Appartement");
  EXPECT_EQ(display_title("Babylon 5"), "Babylon 5");
  EXPECT_EQ(display_title("Big Bang Theory (2006–2007)"), "Big Bang Theory");
  EXPECT_EQ(display_title("1984 (1984)"), "1984");
  EXPECT_EQ(display_title("Seven (a.k.a. Se7en) (1995)"), "Seven (a.k.a. Se7en)");
}

Movie toy_story() {
  Movie m;
  m.movie_id = 1;
  m.title = "Toy Story (1995)";
  m.year = 1995;
  m.genres = {"Adventure", "Animation", "Children"};
  m.tags = {"pixar", "fun"};
  m.overview = "Led by Woody, Andy's toys live happily in his room";
  m.tagline = "The adventure takes off!";
  m.keywords = {"jealousy", "toy", "boy"};
  m.cast = {"Tom Hanks", "Tim Allen", "Don Rickles", "Jim Varney", "Wallace Shawn", "John Ratzenberger"};
  m.directors = {"John Lasseter"};
  return m;
}

TEST(MovieTextTest, DocumentFields) {
  const MovieDocument d = movie_document(toy_story());
  EXPECT_EQ(d.title, "Toy Story");
  EXPECT_EQ(d.genres, (Words{"Adventure", "Animation", "Children"}));
  EXPECT_EQ(d.overview, "Led by Woody, Andy's toys live happily in his room The adventure takes off!");
  EXPECT_EQ(d.cast.size(), 6u);
  EXPECT_EQ(d.directors, Words{"John Lasseter"});
  Movie bare;
  bare.title = "Nothing (2000)";
  bare.genres = {"(no genres listed)"};
  const MovieDocument b = movie_document(bare);
  EXPECT_TRUE(b.genres.empty());
  EXPECT_TRUE(b.overview.empty());
  Catalog catalog;
  catalog.add(toy_story());
  catalog.add(bare);
  ASSERT_EQ(movie_documents(catalog).size(), 2u);
  EXPECT_EQ(movie_documents(catalog)[1].title, "Nothing");
}

TEST(MovieTextTest, SentenceForMiniLM) {
  Movie m = toy_story();
  EXPECT_EQ(
      movie_sentence(m),
      "Toy Story. Led by Woody, Andy's toys live happily in his room. Genres: Adventure, Animation, "
      "Children. Starring Tom Hanks, Tim Allen, Don Rickles, Jim Varney, Wallace Shawn. Directed by John "
      "Lasseter. Keywords: jealousy, toy, boy.");
  // No overview: the MovieLens tags stand in.
  m.overview.clear();
  EXPECT_EQ(
      movie_sentence(m),
      "Toy Story. Tags: pixar, fun. Genres: Adventure, Animation, Children. Starring Tom Hanks, Tim Allen, "
      "Don Rickles, Jim Varney, Wallace Shawn. Directed by John Lasseter. Keywords: jealousy, toy, boy.");
  // No TMDB data at all: title, tags and genres.
  Movie ml;
  ml.title = "Heat (1995)";
  ml.genres = {"Action", "Crime", "Thriller"};
  EXPECT_EQ(movie_sentence(ml), "Heat. Genres: Action, Crime, Thriller.");
  ml.tags = {"pacino", "de niro"};
  EXPECT_EQ(movie_sentence(ml), "Heat. Tags: pacino, de niro. Genres: Action, Crime, Thriller.");
  Movie empty;
  empty.title = "(no genres listed)";
  empty.genres = {"(no genres listed)"};
  EXPECT_EQ(movie_sentence(empty), "(no genres listed)");
}

}  // namespace
}  // namespace mn
