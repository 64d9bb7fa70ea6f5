// The TF-IDF/LSA and genre encoders: weighting, fold-in, free-text queries, determinism under
// seeds and threads, save/load, and the figure on the real catalog (ml-latest-small + TMDB):
// Toy Story 2 among Toy Story's five nearest movies.
#include "text/tfidf_encoder.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <numeric>
#include <random>

#include "data/dataset.h"
#include "test_support.h"
#include "text/encoder_factory.h"
#include "text/genre_encoder.h"
#include "util/error.h"

namespace mn {
namespace {

namespace fs = std::filesystem;

MovieDocument doc(std::string title, std::vector<std::string> genres, std::vector<std::string> keywords,
                  std::vector<std::string> cast, std::string overview) {
  MovieDocument d;
  d.title = std::move(title);
  d.genres = std::move(genres);
  d.keywords = std::move(keywords);
  d.cast = std::move(cast);
  d.overview = std::move(overview);
  return d;
}

// A small catalog with clear clusters (Christmas family films, space films, mob films).
std::vector<MovieDocument> small_catalog() {
  std::vector<MovieDocument> docs;
  docs.push_back(doc("Home Alone", {"Children", "Comedy"}, {"christmas", "family", "burglar"},
                     {"Macaulay Culkin", "Joe Pesci"},
                     "A boy left home alone at Christmas defends the house."));
  docs.push_back(doc("Elf", {"Children", "Comedy", "Fantasy"}, {"christmas", "north pole", "family"},
                     {"Will Ferrell", "James Caan"},
                     "Raised by elves at the North Pole, Buddy looks for his family."));
  docs.push_back(doc("The Santa Clause", {"Children", "Comedy", "Fantasy"}, {"christmas", "santa claus"},
                     {"Tim Allen"},
                     "A divorced dad becomes Santa Claus after an accident on Christmas Eve."));
  docs.push_back(doc("Jingle All the Way", {"Children", "Comedy"}, {"christmas", "toy", "family"},
                     {"Arnold Schwarzenegger"}, "A father hunts for the toy of the year on Christmas Eve."));
  docs.push_back(doc("Alien", {"Horror", "Sci-Fi"}, {"space", "alien", "spaceship"}, {"Sigourney Weaver"},
                     "The crew of a spaceship meets a deadly alien in deep space."));
  docs.push_back(doc("Aliens", {"Action", "Horror", "Sci-Fi"}, {"space", "alien", "marines"},
                     {"Sigourney Weaver", "Michael Biehn"},
                     "Ripley returns to the alien planet with space marines."));
  docs.push_back(doc("Event Horizon", {"Horror", "Sci-Fi"}, {"space", "spaceship", "hell"},
                     {"Laurence Fishburne"},
                     "A rescue crew finds a lost spaceship that came back from beyond space."));
  docs.push_back(doc("Gravity", {"Drama", "Sci-Fi"}, {"space", "astronaut"},
                     {"Sandra Bullock", "George Clooney"},
                     "Two astronauts are stranded in space after debris destroys their shuttle."));
  docs.push_back(doc("The Godfather", {"Crime", "Drama"}, {"mafia", "family", "new york"},
                     {"Marlon Brando", "Al Pacino"},
                     "The aging patriarch of a mafia dynasty hands over his empire."));
  docs.push_back(doc("The Godfather Part II", {"Crime", "Drama"}, {"mafia", "new york", "sicily"},
                     {"Al Pacino", "Robert De Niro"},
                     "The early life of Vito Corleone and his son's mafia empire."));
  docs.push_back(doc("Goodfellas", {"Crime", "Drama"}, {"mafia", "gangster", "new york"},
                     {"Robert De Niro", "Ray Liotta", "Joe Pesci"}, "The rise and fall of a mob associate."));
  docs.push_back(doc("Casino", {"Crime", "Drama"}, {"mafia", "las vegas", "gangster"},
                     {"Robert De Niro", "Joe Pesci"}, "Greed and mafia power in the casinos of Las Vegas."));
  return docs;
}

TfidfOptions small_options() {
  TfidfOptions o;
  o.dim = 6;
  o.min_df = 1;
  o.field_weights.fill(1.0f);
  return o;
}

float dot(const float* a, const float* b, int d) {
  float s = 0;
  for (int i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

float norm(const float* a, int d) { return std::sqrt(dot(a, a, d)); }

// Indices of the k rows of embeddings most similar to row `query` by cosine (rows are unit length).
std::vector<std::int32_t> nearest(const std::vector<float>& embeddings, int d, const float* query,
                                  std::size_t k, std::int32_t skip = -1) {
  const auto n = static_cast<std::int32_t>(embeddings.size() / static_cast<std::size_t>(d));
  std::vector<std::pair<float, std::int32_t>> scored;
  for (std::int32_t i = 0; i < n; ++i) {
    if (i == skip) continue;
    scored.emplace_back(
        -dot(embeddings.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(d), query, d), i);
  }
  k = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end());
  std::vector<std::int32_t> out;
  for (std::size_t i = 0; i < k; ++i) out.push_back(scored[i].second);
  return out;
}

TEST(TfidfEncoderTest, TokensPerField) {
  MovieDocument d = doc("Toy Story", {"Sci-Fi", "Children"}, {"based on novel", "toy"},
                        {"Tom Hanks", "Will Smith"}, "A cowboy doll is threatened by a new spaceman.");
  d.directors = {"John Lasseter"};
  const FieldTokens t = document_tokens(d);
  auto field = [&](TextField f) { return t[static_cast<std::size_t>(f)]; };
  EXPECT_EQ(field(TextField::kTitle), (std::vector<std::string>{"toy", "story"}));
  EXPECT_EQ(field(TextField::kGenres), (std::vector<std::string>{"sci fi", "children"}));
  EXPECT_EQ(field(TextField::kKeywords),
            (std::vector<std::string>{"based", "novel", "based on novel", "toy"}));
  // People: the whole name (stop words kept: "will") and the surname.
  EXPECT_EQ(field(TextField::kCast), (std::vector<std::string>{"tom hanks", "hanks", "will smith", "smith"}));
  EXPECT_EQ(field(TextField::kDirectors), (std::vector<std::string>{"john lasseter", "lasseter"}));
  d.cast = {"Sammy Davis, Jr.", "Cher"};
  EXPECT_EQ(document_tokens(d)[static_cast<std::size_t>(TextField::kCast)],
            (std::vector<std::string>{"sammy davis jr", "davis", "cher"}));
  EXPECT_EQ(field(TextField::kOverview),
            (std::vector<std::string>{"cowboy", "doll", "threatened", "new", "spaceman"}));
  EXPECT_TRUE(field(TextField::kTags).empty());
  EXPECT_EQ(query_tokens("Cozy Christmas, Tom Hanks!"),
            (std::vector<std::string>{"cozy", "christmas", "tom", "hanks", "cozy christmas", "christmas tom",
                                      "tom hanks", "cozy christmas tom", "christmas tom hanks",
                                      "cozy christmas tom hanks"}));
}

TEST(TfidfEncoderTest, BM25WeightsAndVocabulary) {
  const auto docs = small_catalog();
  const auto e = TfidfEncoder::fit(docs, small_options());
  EXPECT_EQ(e->name(), "tfidf");
  EXPECT_EQ(e->dim(), 6);
  EXPECT_EQ(e->n_documents(), 12);
  const std::int32_t christmas = e->token_index("k:christmas");
  const std::int32_t pesci = e->token_index("c:joe pesci");
  ASSERT_GE(christmas, 0);
  ASSERT_GE(pesci, 0);
  EXPECT_EQ(e->token_index("k:no such keyword"), -1);
  EXPECT_GE(e->token_index("g:sci fi"), 0);
  // idf = log((N - df + 0.5) / (df + 0.5) + 1): "christmas" is in 4 of 12 keyword lists.
  EXPECT_NEAR(e->idf()[static_cast<std::size_t>(christmas)], std::log(8.5 / 4.5 + 1.0), 1e-6);
  EXPECT_NEAR(e->idf()[static_cast<std::size_t>(pesci)], std::log(9.5 / 3.5 + 1.0), 1e-6);
  // The vocabulary is grouped by field in field order.
  const auto& v = e->vocabulary();
  EXPECT_EQ(v.front().substr(0, 2), "t:");
  EXPECT_EQ(v.back().substr(0, 2), "o:");
  // One term of "Home Alone" by hand: keywords has 4 tokens ("christmas", "family", "burglar").
  double avg_keywords = e->average_field_length()[static_cast<std::size_t>(TextField::kKeywords)];
  const auto terms = e->document_terms(docs[0]);
  const auto it =
      std::find_if(terms.begin(), terms.end(), [&](const auto& p) { return p.first == christmas; });
  ASSERT_NE(it, terms.end());
  const double k1 = 1.2, b = 0.75;
  const double expected =
      e->idf()[static_cast<std::size_t>(christmas)] * (k1 + 1) / (1 + k1 * (1 - b + b * 3.0 / avg_keywords));
  EXPECT_NEAR(it->second, expected, 1e-5);
  EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
  // A field weight scales its terms.
  TfidfOptions heavy = small_options();
  heavy.field_weights[static_cast<std::size_t>(TextField::kKeywords)] = 2.0f;
  const auto h = TfidfEncoder::fit(docs, heavy);
  const auto heavy_terms = h->document_terms(docs[0]);
  ASSERT_EQ(heavy_terms.size(), terms.size());
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const bool keyword = e->vocabulary()[static_cast<std::size_t>(terms[i].first)].starts_with("k:");
    EXPECT_EQ(heavy_terms[i].second, keyword ? 2 * terms[i].second : terms[i].second) << i;
  }
}

TEST(TfidfEncoderTest, FittedEmbeddingsAreUnitFoldInRowsAndClusterTheCatalog) {
  const auto docs = small_catalog();
  const auto e = TfidfEncoder::fit(docs, small_options());
  const int d = e->dim();
  const std::vector<float>& emb = e->document_embeddings();
  ASSERT_EQ(emb.size(), docs.size() * static_cast<std::size_t>(d));
  for (std::size_t i = 0; i < docs.size(); ++i) {
    EXPECT_NEAR(norm(emb.data() + i * static_cast<std::size_t>(d), d), 1.0f, 1e-5);
    // Fold-in of a fitted document is its fitted row, bit for bit.
    const std::vector<float> again = e->encode_document(docs[i]);
    EXPECT_TRUE(std::equal(again.begin(), again.end(), emb.begin() + static_cast<std::ptrdiff_t>(i) * d))
        << i;
  }
  // Each movie's nearest neighbour is in its own group of four.
  for (std::int32_t i = 0; i < 12; ++i) {
    const auto nn =
        nearest(emb, d, emb.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(d), 1, i);
    EXPECT_EQ(nn[0] / 4, i / 4) << docs[static_cast<std::size_t>(i)].title << " -> "
                                << docs[static_cast<std::size_t>(nn[0])].title;
  }
}

TEST(TfidfEncoderTest, MoodQueryFindsItsMoviesAndUnknownTextIsZero) {
  const auto docs = small_catalog();
  const auto e = TfidfEncoder::fit(docs, small_options());
  const int d = e->dim();
  const std::vector<std::string> texts = {"cozy christmas family", "mafia in New York", "zzzz qqqq", "",
                                          "lost in space with aliens"};
  std::vector<float> out(texts.size() * static_cast<std::size_t>(d), -1.0f);
  e->encode(texts, out.data());
  const auto row = [&](std::size_t i) { return out.data() + i * static_cast<std::size_t>(d); };
  EXPECT_NEAR(norm(row(0), d), 1.0f, 1e-5);
  for (const std::int32_t i : nearest(e->document_embeddings(), d, row(0), 4)) EXPECT_EQ(i / 4, 0) << i;
  for (const std::int32_t i : nearest(e->document_embeddings(), d, row(1), 4)) EXPECT_EQ(i / 4, 2) << i;
  for (const std::int32_t i : nearest(e->document_embeddings(), d, row(4), 3)) EXPECT_EQ(i / 4, 1) << i;
  // No known token: the zero vector.
  EXPECT_EQ(norm(row(2), d), 0.0f);
  EXPECT_EQ(norm(row(3), d), 0.0f);
  EXPECT_TRUE(e->text_terms("zzzz qqqq").empty());
  // A phrase of the text meets the cast's whole-name token; a genre meets the genre field.
  const auto terms = e->text_terms("Joe Pesci sci-fi");
  auto has = [&](const char* token) {
    const std::int32_t i = e->token_index(token);
    return std::any_of(terms.begin(), terms.end(), [&](const auto& p) { return p.first == i; });
  };
  EXPECT_TRUE(has("c:joe pesci"));
  EXPECT_TRUE(has("c:pesci"));
  EXPECT_FALSE(has("c:joe"));  // not a token: first names say little
  EXPECT_TRUE(has("g:sci fi"));
  // Encoding one text or many gives the same rows.
  std::vector<float> single(static_cast<std::size_t>(d));
  e->encode(std::span<const std::string>(&texts[4], 1), single.data());
  EXPECT_TRUE(std::equal(single.begin(), single.end(), row(4)));
}

TEST(TfidfEncoderTest, UnseenMovieFoldsIn) {
  const auto docs = small_catalog();
  const auto e = TfidfEncoder::fit(docs, small_options());
  const MovieDocument unseen = doc("Heat", {"Crime", "Drama"}, {"gangster", "new york"},
                                   {"Al Pacino", "Robert De Niro"}, "A gangster and a detective in a duel.");
  const std::vector<float> v = e->encode_document(unseen);
  const auto nn = nearest(e->document_embeddings(), e->dim(), v.data(), 3);
  for (const std::int32_t i : nn) EXPECT_EQ(i / 4, 2) << i;
}

// 2,500 documents of random words: enough rows for several chunks of the SVD's dense steps.
std::vector<MovieDocument> random_catalog() {
  std::mt19937_64 rng(11);
  auto word = [&](int pool) { return "w" + std::to_string(rng() % static_cast<std::uint64_t>(pool)); };
  std::vector<MovieDocument> docs(2500);
  for (MovieDocument& d : docs) {
    d.title = word(3000) + " " + word(3000);
    d.genres = {"g" + std::to_string(rng() % 12), "g" + std::to_string(rng() % 12)};
    for (int i = 0; i < 5; ++i) d.keywords.push_back(word(800) + (i % 2 ? " " + word(50) : ""));
    for (int i = 0; i < 3; ++i) d.cast.push_back("Actor " + word(1500));
    for (int i = 0; i < 30; ++i) d.overview += word(5000) + " ";
  }
  return docs;
}

TEST(TfidfEncoderTest, DeterministicOnManyDocumentsWithOneOrTwoThreads) {
  const auto docs = random_catalog();
  TfidfOptions o;
  o.dim = 64;
  o.threads = 1;
  const auto a = TfidfEncoder::fit(docs, o);
  o.threads = 2;
  const auto b = TfidfEncoder::fit(docs, o);
  ASSERT_EQ(a->dim(), 64);
  EXPECT_EQ(a->vocabulary(), b->vocabulary());
  EXPECT_TRUE(a->components() == b->components());
  EXPECT_TRUE(a->document_embeddings() == b->document_embeddings());
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  const std::vector<std::string> texts(200, "w1 w2 w3 actor w4");
  std::vector<float> x(200 * 64), y(x.size());
  a->encode(texts, x.data());
  b->encode(texts, y.data());
  EXPECT_TRUE(x == y);
}

TEST(TfidfEncoderTest, DeterministicUnderSeedAndThreads) {
  const auto docs = small_catalog();
  TfidfOptions o = small_options();
  o.threads = 1;
  const auto a = TfidfEncoder::fit(docs, o);
  o.threads = 2;
  const auto b = TfidfEncoder::fit(docs, o);
  EXPECT_EQ(a->document_embeddings(), b->document_embeddings());
  EXPECT_EQ(a->components(), b->components());
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  o.seed = 7;
  const auto c = TfidfEncoder::fit(docs, o);
  EXPECT_NE(a->fingerprint(), c->fingerprint());
  // A different seed finds the same subspace: singular values agree.
  for (std::size_t j = 0; j < a->singular_values().size(); ++j) {
    EXPECT_NEAR(a->singular_values()[j], c->singular_values()[j], 1e-4 * a->singular_values()[0]);
  }
  o.seed = 0;
  o.field_weights[static_cast<std::size_t>(TextField::kCast)] = 2.0f;
  EXPECT_NE(a->fingerprint(), TfidfEncoder::fit(docs, o)->fingerprint());
}

TEST(TfidfEncoderTest, SaveLoadRoundTrip) {
  const auto docs = small_catalog();
  const auto e = TfidfEncoder::fit(docs, small_options());
  test::TempDir tmp;
  e->save(tmp / "enc");
  EXPECT_TRUE(fs::exists(tmp / "enc" / "vocab.txt"));
  EXPECT_TRUE(fs::exists(tmp / "enc" / "components.npy"));
  const auto back = TfidfEncoder::load(tmp / "enc");
  EXPECT_EQ(back->fingerprint(), e->fingerprint());
  EXPECT_EQ(back->dim(), e->dim());
  EXPECT_EQ(back->vocabulary(), e->vocabulary());
  EXPECT_TRUE(back->document_embeddings().empty());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    EXPECT_EQ(back->encode_document(docs[i]), e->encode_document(docs[i])) << i;
  }
  const std::vector<std::string> texts = {"cozy christmas family", "gangster movie"};
  std::vector<float> x(2 * static_cast<std::size_t>(e->dim())), y(x.size());
  e->encode(texts, x.data());
  back->encode(texts, y.data());
  EXPECT_EQ(x, y);

  // A changed file is noticed; a missing folder is not found.
  test::write_text(tmp / "enc" / "vocab.txt", "t:a\nt:b\n");
  EXPECT_THROW(TfidfEncoder::load(tmp / "enc"), Error);
  try {
    TfidfEncoder::load(tmp / "nothing");
    FAIL();
  } catch (const Error& ex) {
    EXPECT_EQ(ex.kind(), ErrorKind::kNotFound);
  }
}

TEST(TfidfEncoderTest, OptionsJson) {
  TfidfOptions o;
  o.dim = 64;
  o.field_weights[static_cast<std::size_t>(TextField::kOverview)] = 0.25f;
  o.sigma_power = 1.0f;
  o.seed = 42;
  const TfidfOptions back = TfidfOptions::from_json(o.to_json());
  EXPECT_EQ(back.to_json(), o.to_json());
  EXPECT_EQ(back.dim, 64);
  EXPECT_EQ(back.seed, 42u);
  EXPECT_EQ(TfidfOptions::from_json({{"threads", 2}}).threads, 2);
  EXPECT_THROW(TfidfOptions::from_json({{"dimm", 3}}), Error);
  EXPECT_THROW(TfidfOptions::from_json({{"dim", 0}}), Error);
  EXPECT_THROW(TfidfOptions::from_json({{"b", 2.0}}), Error);
  EXPECT_THROW(TfidfOptions::from_json({{"field_weights", {{"plot", 1}}}}), Error);
  EXPECT_THROW(TfidfOptions::from_json({{"min_df", "2"}}), Error);
}

TEST(TfidfEncoderTest, DimIsCappedByTheRankAvailable) {
  auto docs = small_catalog();
  docs.resize(3);
  TfidfOptions o = small_options();
  o.dim = 50;
  const auto e = TfidfEncoder::fit(docs, o);
  EXPECT_EQ(e->dim(), 3);
  o.min_df = 5;
  EXPECT_THROW(TfidfEncoder::fit(docs, o), Error);
}

TEST(GenreEncoderTest, OneIdfWeightedDimensionPerGenre) {
  const auto docs = small_catalog();
  const auto g = GenreEncoder::fit(docs);
  EXPECT_EQ(g->name(), "genres");
  EXPECT_EQ(g->genres(), (std::vector<std::string>{"Action", "Children", "Comedy", "Crime", "Drama",
                                                   "Fantasy", "Horror", "Sci-Fi"}));
  ASSERT_EQ(g->dim(), 8);
  EXPECT_EQ(g->genre_index("sci fi"), 7);
  EXPECT_EQ(g->genre_index("SCI-FI"), 7);
  EXPECT_EQ(g->genre_index("Western"), -1);
  // idf = ln((1 + N) / (1 + df)) + 1: Action is in 1 of 12 movies, Drama in 5.
  EXPECT_NEAR(g->idf()[0], std::log(13.0 / 2.0) + 1.0, 1e-6);
  EXPECT_NEAR(g->idf()[4], std::log(13.0 / 6.0) + 1.0, 1e-6);
  // Aliens: Action, Horror, Sci-Fi weighted by idf, unit length.
  const std::vector<float> aliens = g->encode_document(docs[5]);
  const float n =
      std::sqrt(g->idf()[0] * g->idf()[0] + g->idf()[6] * g->idf()[6] + g->idf()[7] * g->idf()[7]);
  EXPECT_NEAR(aliens[0], g->idf()[0] / n, 1e-6);
  EXPECT_NEAR(aliens[6], g->idf()[6] / n, 1e-6);
  EXPECT_NEAR(aliens[7], g->idf()[7] / n, 1e-6);
  EXPECT_EQ(aliens[1] + aliens[2] + aliens[3] + aliens[4] + aliens[5], 0.0f);
  ASSERT_EQ(g->document_embeddings().size(), docs.size() * 8);
  EXPECT_TRUE(std::equal(aliens.begin(), aliens.end(), g->document_embeddings().begin() + 5 * 8));
  // No genres: zero.
  MovieDocument none = docs[0];
  none.genres = {"(no genres listed)"};
  EXPECT_EQ(norm(g->encode_document(none).data(), 8), 0.0f);
  EXPECT_THROW(GenreEncoder::fit({none}), Error);
}

TEST(GenreEncoderTest, FreeTextNamesGenres) {
  const auto g = GenreEncoder::fit(small_catalog());
  EXPECT_EQ(g->genres_in_text("a funny movie for the kids"), (std::vector<int>{1, 2}));
  EXPECT_EQ(g->genres_in_text("Sci-Fi horror"), (std::vector<int>{6, 7}));
  EXPECT_EQ(g->genres_in_text("classic science fiction"), (std::vector<int>{7}));
  EXPECT_EQ(g->genres_in_text("scifi"), (std::vector<int>{7}));
  EXPECT_EQ(g->genres_in_text("romantic"), (std::vector<int>{}));  // no Romance in this catalog
  const std::vector<std::string> texts = {"a dramatic crime story", "nothing to see"};
  std::vector<float> out(2 * 8);
  g->encode(texts, out.data());
  EXPECT_NEAR(norm(out.data(), 8), 1.0f, 1e-6);
  EXPECT_GT(out[3], 0.0f);  // Crime
  EXPECT_GT(out[4], 0.0f);  // Drama
  EXPECT_EQ(out[0] + out[1] + out[2] + out[5] + out[6] + out[7], 0.0f);
  EXPECT_EQ(norm(out.data() + 8, 8), 0.0f);
}

TEST(GenreEncoderTest, SaveLoadRoundTrip) {
  const auto docs = small_catalog();
  const auto g = GenreEncoder::fit(docs);
  test::TempDir tmp;
  g->save(tmp / "g");
  const auto back = GenreEncoder::load(tmp / "g");
  EXPECT_EQ(back->fingerprint(), g->fingerprint());
  EXPECT_EQ(back->genres(), g->genres());
  for (const auto& d : docs) EXPECT_EQ(back->encode_document(d), g->encode_document(d));
  EXPECT_NE(g->fingerprint(), GenreEncoder::fit({docs.begin(), docs.begin() + 6})->fingerprint());
  test::write_text(tmp / "g" / "encoder.json", "{\"name\": \"genres\"");
  EXPECT_THROW(GenreEncoder::load(tmp / "g"), Error);
}

TEST(EncoderFactoryTest, FitsSavesAndLoadsByName) {
  Catalog catalog;
  for (const MovieDocument& d : small_catalog()) {
    Movie m;
    m.movie_id = catalog.size() + 1;
    m.title = d.title + " (2000)";
    m.genres = d.genres;
    m.keywords = d.keywords;
    m.cast = d.cast;
    m.overview = d.overview;
    catalog.add(std::move(m));
  }
  test::TempDir tmp;
  const auto tfidf = make_fitted_encoder("tfidf", catalog, {{"dim", 5}, {"min_df", 1}});
  EXPECT_EQ(tfidf->name(), "tfidf");
  EXPECT_EQ(tfidf->dim(), 5);
  const auto genres = make_fitted_encoder("genres", catalog);
  EXPECT_EQ(genres->dim(), 8);
  for (const TextEncoder* e : {tfidf.get(), genres.get()}) {
    save_encoder(*e, tmp / e->name());
    const auto back = load_encoder(tmp / e->name());
    EXPECT_EQ(back->name(), e->name());
    EXPECT_EQ(back->fingerprint(), e->fingerprint());
    const std::vector<std::string> texts = {"christmas comedy for kids"};
    std::vector<float> x(static_cast<std::size_t>(e->dim())), y(x.size());
    e->encode(texts, x.data());
    back->encode(texts, y.data());
    EXPECT_EQ(x, y);
  }
  EXPECT_THROW(make_fitted_encoder("word2vec", catalog), Error);
  EXPECT_THROW(make_fitted_encoder("tfidf", catalog, {{"dims", 5}}), Error);
  EXPECT_THROW(make_fitted_encoder("genres", catalog, {{"dim", 5}}), Error);
  EXPECT_THROW(make_fitted_encoder("minilm", catalog), Error);
  EXPECT_THROW(load_encoder(tmp / "nothing"), Error);
  test::write_text(tmp / "odd" / "encoder.json", "{\"name\": \"word2vec\"}");
  EXPECT_THROW(load_encoder(tmp / "odd"), Error);
}

TEST(EncoderFactoryTest, MiniLMFromItsModelFolder) {
  const fs::path model = test::shared_dir() / "testvectors" / "minilm" / "synthetic-model";
  if (!fs::exists(model / "model.safetensors")) GTEST_SKIP() << "no " << model;
  const auto e = make_fitted_encoder("minilm", Catalog(), {{"model", model.string()}, {"threads", 1}});
  EXPECT_EQ(e->name(), "minilm");
  test::TempDir tmp;
  EXPECT_THROW(save_encoder(*e, tmp / "m"), Error);  // needs the model folder
  save_encoder(*e, tmp / "m", model);
  EXPECT_EQ(load_encoder(tmp / "m")->fingerprint(), e->fingerprint());
  EXPECT_EQ(load_encoder(model)->fingerprint(), e->fingerprint());
}

// The real catalog: ml-latest-small joined with every TMDB file of the-movies-dataset.
class RealCatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path root = test::datasets_dir();
    if (!fs::exists(root / "ml-latest-small" / "movies.csv") || !fs::exists(root / "the-movies-dataset"))
      return;
    dataset_ = new Dataset(load_dataset({root / "ml-latest-small", root / "the-movies-dataset"}, {false}));
  }
  static void TearDownTestSuite() {
    delete dataset_;
    dataset_ = nullptr;
  }
  void SetUp() override {
    if (dataset_ == nullptr)
      GTEST_SKIP() << "no ml-latest-small + the-movies-dataset under " << test::datasets_dir();
  }
  static std::int32_t find_title(const std::string& title) {
    for (std::int32_t i = 0; i < dataset_->catalog.size(); ++i) {
      if (dataset_->catalog[i].title == title) return i;
    }
    return -1;
  }
  static Dataset* dataset_;
};
Dataset* RealCatalogTest::dataset_ = nullptr;

TEST_F(RealCatalogTest, ToyStory2IsAmongToyStorysNearestMovies) {
  const Catalog& catalog = dataset_->catalog;
  ASSERT_EQ(catalog.size(), 9742);
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  const std::vector<MovieDocument> docs = movie_documents(catalog);
  const auto e = TfidfEncoder::fit(docs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  std::cout << "tfidf: documents + fit of " << docs.size() << " movies: " << seconds << " s (" << cpu
            << " s of CPU) on " << omp_get_max_threads() << " threads; vocabulary " << e->vocabulary().size()
            << ", dim " << e->dim() << ", singular values " << e->singular_values().front() << " .. "
            << e->singular_values().back() << "\n";
  ASSERT_EQ(e->dim(), 256);
  const std::vector<float>& emb = e->document_embeddings();
  const int d = e->dim();
  auto top = [&](std::int32_t movie, std::size_t k) {
    return nearest(emb, d, emb.data() + static_cast<std::size_t>(movie) * static_cast<std::size_t>(d), k,
                   movie);
  };
  const std::int32_t toy = find_title("Toy Story (1995)");
  const std::int32_t toy2 = find_title("Toy Story 2 (1999)");
  ASSERT_GE(toy, 0);
  ASSERT_GE(toy2, 0);
  for (const char* title :
       {"Toy Story (1995)", "Matrix, The (1999)", "Godfather, The (1972)", "Notting Hill (1999)"}) {
    const std::int32_t m = find_title(title);
    ASSERT_GE(m, 0) << title;
    std::cout << title << ":\n";
    for (const std::int32_t i : top(m, 10)) {
      std::cout << "  " << catalog[i].title << "  "
                << dot(emb.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(d),
                       emb.data() + static_cast<std::size_t>(m) * static_cast<std::size_t>(d), d)
                << "\n";
    }
  }
  // Movies without an overview or cast still embed, from title, genres, keywords and tags.
  int zero = 0;
  int sparse_metadata = 0;
  for (std::int32_t i = 0; i < catalog.size(); ++i) {
    const bool bare = catalog[i].overview.empty() && catalog[i].cast.empty();
    sparse_metadata += bare;
    zero += norm(emb.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(d), d) == 0.0f;
  }
  std::cout << sparse_metadata << " movies have no overview and no cast; " << zero << " embed as zero\n";
  EXPECT_GT(sparse_metadata, 1000);
  EXPECT_LT(zero, 10);
  const auto five = top(toy, 5);
  EXPECT_NE(std::find(five.begin(), five.end(), toy2), five.end());
  // A mood query lands on Christmas movies.
  std::vector<float> q(static_cast<std::size_t>(d));
  const std::string mood = "cozy christmas family";
  e->encode(std::span<const std::string>(&mood, 1), q.data());
  std::cout << "\"" << mood << "\":\n";
  int christmas = 0;
  for (const std::int32_t i : nearest(emb, d, q.data(), 10)) {
    std::cout << "  " << catalog[i].title << "\n";
    const MovieDocument& m = docs[static_cast<std::size_t>(i)];
    const std::string all = normalize_phrase(m.title + " " + m.overview) + " " + [&] {
      std::string s;
      for (const auto& k : m.keywords) s += normalize_phrase(k) + " ";
      for (const auto& k : m.tags) s += normalize_phrase(k) + " ";
      return s;
    }();
    christmas += all.find("christmas") != std::string::npos;
  }
  EXPECT_GE(christmas, 7);
}

TEST_F(RealCatalogTest, GenreEncoderOnTheCatalog) {
  const auto g = GenreEncoder::fit(movie_documents(dataset_->catalog));
  // MovieLens's 19 genres; "(no genres listed)" is none.
  EXPECT_EQ(g->dim(), 19);
  EXPECT_EQ(g->genre_index("(no genres listed)"), -1);
  EXPECT_EQ(
      g->genres_in_text("a scary sci-fi film noir"),
      (std::vector<int>{g->genre_index("Film-Noir"), g->genre_index("Horror"), g->genre_index("Sci-Fi")}));
  // Drama is the most common genre, so the least informative.
  const auto& idf = g->idf();
  EXPECT_EQ(std::min_element(idf.begin(), idf.end()) - idf.begin(), g->genre_index("Drama"));
}

}  // namespace
}  // namespace mn
