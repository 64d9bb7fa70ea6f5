#include "data/tmdb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "io/csv_reader.h"
#include "io/python_literal.h"
#include "test_support.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

using test::datasets_dir;
using test::fixtures_dir;
using test::TempDir;
using test::write_text;
using Names = std::vector<std::string>;

std::filesystem::path fixture(const char* name) { return fixtures_dir() / "tmdb" / name; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool has_row(const TmdbTable& t, std::int64_t id) {
  return std::any_of(t.rows.begin(), t.rows.end(), [&](const TmdbRecord& r) { return r.tmdb_id == id; });
}

// The row with this TMDB id; an empty record (and a test failure) when there is none.
const TmdbRecord& row(const TmdbTable& t, std::int64_t id) {
  const auto it =
      std::find_if(t.rows.begin(), t.rows.end(), [&](const TmdbRecord& r) { return r.tmdb_id == id; });
  if (it != t.rows.end()) return *it;
  ADD_FAILURE() << "no row with id " << id << " in " << t.path;
  static const TmdbRecord kNone;
  return kNone;
}

// Every SkipLog example of one file joined, for substring checks.
std::string examples(const SkipLog& log, const std::filesystem::path& path) {
  const auto it = log.by_file().find(path.string());
  if (it == log.by_file().end()) return "";
  std::string all;
  for (const auto& e : it->second.examples) all += e + "\n";
  return all;
}

std::size_t skip_count(const SkipLog& log, const std::filesystem::path& path) {
  const auto it = log.by_file().find(path.string());
  return it == log.by_file().end() ? 0 : it->second.count;
}

bool contains(const Names& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---------------------------------------------------------------------------------------------
// Fixtures

TEST(TmdbTest, MetadataFullLayoutSkipsShiftedRowsAndKeepsMultiLineOverviews) {
  SkipLog log;
  const auto path = fixture("movies_metadata.csv");
  const TmdbTable t = load_tmdb_file(path, FileKind::kTmdbMetadata, log);
  EXPECT_EQ(t.kind, FileKind::kTmdbMetadata);
  EXPECT_EQ(t.rows_read, 8);
  ASSERT_EQ(t.rows.size(), 3u);  // Toy Story, Jumanji, Grumpier Old Men
  EXPECT_EQ(t.duplicates, 1);    // a second 862
  EXPECT_EQ(t.skipped, 4);     // both halves of the broken record, the padded shifted row, id "not-a-number"
  EXPECT_EQ(t.bad_fields, 1);  // Grumpier Old Men's genres
  EXPECT_EQ(skip_count(log, path), 5u);
  const std::string ex = examples(log, path);
  EXPECT_NE(ex.find("expected 24 fields, found 10"), std::string::npos) << ex;
  EXPECT_NE(ex.find("id: expected a positive integer, found '1997-08-20'"), std::string::npos) << ex;
  EXPECT_NE(ex.find("id: expected a positive integer, found '2014-01-01'"), std::string::npos) << ex;
  EXPECT_NE(ex.find("genres: bad list literal at column"), std::string::npos) << ex;

  const TmdbRecord& toy = t.rows[0];
  EXPECT_EQ(toy.tmdb_id, 862);
  EXPECT_EQ(toy.imdb_id, "0114709");
  EXPECT_EQ(toy.genres, (Names{"Animation", "Comedy", "Family"}));
  EXPECT_EQ(toy.language, "en");
  EXPECT_EQ(toy.release_date, "1995-10-30");
  EXPECT_FLOAT_EQ(toy.runtime, 81.0f);
  EXPECT_FLOAT_EQ(toy.vote_average, 7.7f);
  EXPECT_EQ(toy.vote_count, 5415);
  EXPECT_NEAR(toy.popularity, 21.946943f, 1e-4);
  EXPECT_TRUE(toy.tagline.empty());
  EXPECT_EQ(toy.overview.rfind("Led by Woody, Andy's toys", 0), 0u);
  EXPECT_TRUE(toy.keywords.empty());
  EXPECT_TRUE(toy.cast.empty());

  const TmdbRecord& jumanji = t.rows[1];
  EXPECT_EQ(jumanji.tmdb_id, 8844);
  EXPECT_NE(jumanji.overview.find("living room.\nAlan's only hope"), std::string::npos);
  EXPECT_EQ(jumanji.tagline, "Roll the dice and unleash the excitement!");

  const TmdbRecord& grumpier = t.rows[2];
  EXPECT_EQ(grumpier.tmdb_id, 15602);
  EXPECT_TRUE(grumpier.genres.empty());  // kept, genres left empty
  EXPECT_NE(grumpier.overview.find("divorcée"), std::string::npos);
}

TEST(TmdbTest, KeywordsParsePythonLiteralsDropDuplicatesAndKeepRowsWithBadLists) {
  SkipLog log;
  const auto path = fixture("keywords.csv");
  const TmdbTable t = load_tmdb_file(path, FileKind::kTmdbKeywords, log);
  EXPECT_EQ(t.rows_read, 9);
  EXPECT_EQ(t.rows.size(), 6u);
  EXPECT_EQ(t.duplicates, 1);
  EXPECT_EQ(t.skipped, 2);  // id "abc", a row with one field
  EXPECT_EQ(t.bad_fields, 1);
  EXPECT_EQ(row(t, 862).keywords, (Names{"jealousy", "toy", "boy", "friendship"}));
  EXPECT_EQ(row(t, 8844).keywords, (Names{"board game", "based on children's book", "new home"}));
  EXPECT_TRUE(row(t, 15602).keywords.empty());
  EXPECT_EQ(row(t, 31357).keywords, (Names{"based on novel", "it's escaped", "café"}));
  ASSERT_TRUE(has_row(t, 11862));
  EXPECT_TRUE(row(t, 11862).keywords.empty());
  EXPECT_TRUE(has_row(t, 949));  // "949.0"
  const std::string ex = examples(log, path);
  EXPECT_NE(ex.find("keywords: bad list literal at column 69"), std::string::npos) << ex;
  EXPECT_NE(ex.find("row kept, field left empty"), std::string::npos) << ex;
  EXPECT_NE(ex.find("id: expected a positive integer, found 'abc'"), std::string::npos) << ex;
  EXPECT_NE(ex.find("expected 2 fields, found 1"), std::string::npos) << ex;
}

TEST(TmdbTest, CreditsTakeTopFiveByOrderAndEveryDirector) {
  SkipLog log;
  const auto path = fixture("credits.csv");
  const TmdbTable t = load_tmdb_file(path, FileKind::kTmdbCredits, log);
  EXPECT_EQ(t.rows_read, 6);
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.skipped, 2);
  EXPECT_EQ(t.bad_fields, 1);
  const TmdbRecord& toy = row(t, 862);
  EXPECT_EQ(toy.cast, (Names{"Tom Hanks", "Tim Allen", "Don Rickles", "Jim Varney", "Wallace Shawn"}));
  EXPECT_EQ(toy.directors, (Names{"John Lasseter"}));
  EXPECT_TRUE(toy.imdb_id.empty());
  const TmdbRecord& jumanji = row(t, 8844);
  // Listed out of billing order in the file; 'order' decides.
  EXPECT_EQ(jumanji.cast,
            (Names{"Robin Williams", "Jonathan Hyde", "Kirsten Dunst", "Bradley Pierce", "Bebe Neuwirth"}));
  EXPECT_EQ(jumanji.directors, (Names{"Joe Johnston", "Pat O'Brien"}));
  EXPECT_TRUE(row(t, 15602).cast.empty());
  const TmdbRecord& broken = row(t, 31357);
  EXPECT_TRUE(broken.cast.empty());
  EXPECT_EQ(broken.directors, (Names{"John Lasseter"}));
  EXPECT_NE(examples(log, path).find("cast: bad list literal at column"), std::string::npos)
      << examples(log, path);
}

TEST(TmdbTest, Top3CastKeepsNameSuffixesWhole) {
  SkipLog log;
  const TmdbTable t = load_tmdb_file(fixture("credits_top3.csv"), FileKind::kTmdbCreditsTop3, log);
  EXPECT_EQ(t.rows_read, 7);
  EXPECT_EQ(t.rows.size(), 6u);
  EXPECT_EQ(t.duplicates, 1);
  EXPECT_EQ(row(t, 862).cast, (Names{"Tom Hanks", "Tim Allen", "Don Rickles"}));
  EXPECT_EQ(row(t, 862).directors, (Names{"John Lasseter"}));
  EXPECT_EQ(row(t, 16560).cast, (Names{"Gregory Hines", "Sammy Davis, Jr.", "Suzzanne Douglas"}));
  EXPECT_EQ(row(t, 11037).cast, (Names{"Louis Gossett, Jr.", "Jason Gedrick", "Tim Thomerson"}));
  EXPECT_EQ(row(t, 11978).cast, (Names{"Robert De Niro", "Cuba Gooding Jr.", "Charlize Theron"}));
  EXPECT_EQ(row(t, 11978).directors, (Names{"George Tillman, Jr."}));
  EXPECT_TRUE(row(t, 5).cast.empty());
  EXPECT_TRUE(row(t, 5).directors.empty());
  EXPECT_EQ(log.total(), 0u);
}

TEST(TmdbTest, SplitTopCast) {
  EXPECT_EQ(split_top_cast(""), Names{});
  EXPECT_EQ(split_top_cast("Cher"), Names{"Cher"});
  EXPECT_EQ(split_top_cast("Forrest Tucker, Julie Adams, Max Baer, Jr."),
            (Names{"Forrest Tucker", "Julie Adams", "Max Baer, Jr."}));
  EXPECT_EQ(split_top_cast("A, Sr., B III, C, III"), (Names{"A, Sr.", "B III", "C, III"}));
  EXPECT_EQ(split_top_cast("Jr., A"), (Names{"Jr.", "A"}));  // nothing to join to
  EXPECT_EQ(split_top_cast("A,,B, "), (Names{"A", "B"}));
}

TEST(TmdbTest, Tmdb5000ReadsJsonListsAndKeepsRowsWithBadJson) {
  SkipLog log;
  const auto path = fixture("tmdb_5000_movies.csv");
  const TmdbTable t = load_tmdb_file(path, FileKind::kTmdb5000Movies, log);
  ASSERT_EQ(t.rows.size(), 3u);
  const TmdbRecord& avatar = row(t, 19995);
  EXPECT_EQ(avatar.genres, (Names{"Action", "Adventure"}));
  EXPECT_EQ(avatar.keywords, (Names{"culture clash", "future", "café \"quoted\""}));
  EXPECT_NE(avatar.overview.find("mission,\nbut"), std::string::npos);
  EXPECT_EQ(avatar.tagline, "Enter the World of Pandora.");
  EXPECT_EQ(avatar.release_date, "2009-12-10");
  EXPECT_EQ(avatar.language, "en");
  EXPECT_FLOAT_EQ(avatar.runtime, 162.0f);
  EXPECT_EQ(avatar.vote_count, 11800);
  EXPECT_TRUE(avatar.imdb_id.empty());
  const TmdbRecord& toy = row(t, 862);
  EXPECT_TRUE(toy.keywords.empty());
  EXPECT_EQ(toy.genres, (Names{"Drama"}));
  EXPECT_EQ(toy.runtime, 0.0f);
  EXPECT_TRUE(row(t, 43630).overview.empty());  // " " counts as empty
  EXPECT_EQ(t.bad_fields, 1);
  EXPECT_NE(examples(log, path).find("keywords: bad list literal at column"), std::string::npos);
}

TEST(TmdbTest, UdacityRepairsMojibakeAndUsesReleaseYear) {
  SkipLog log;
  const TmdbTable t = load_tmdb_file(fixture("tmdb-movies.csv"), FileKind::kTmdbUdacity, log);
  EXPECT_EQ(t.rows_read, 5);
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.duplicates, 1);
  const TmdbRecord& jw = row(t, 135397);
  EXPECT_EQ(jw.imdb_id, "0369610");
  EXPECT_EQ(jw.cast, (Names{"Chris Pratt", "Bryce Dallas Howard", "Irrfan Khan", "Vincent D'Onofrio",
                            "Nick Robinson"}));
  EXPECT_EQ(jw.directors, (Names{"Colin Trevorrow"}));
  EXPECT_EQ(jw.keywords.size(), 5u);
  EXPECT_EQ(jw.genres, (Names{"Action", "Adventure", "Science Fiction", "Thriller"}));
  EXPECT_EQ(jw.release_date, "2015");
  EXPECT_FLOAT_EQ(jw.runtime, 124.0f);
  EXPECT_EQ(jw.vote_count, 5562);
  EXPECT_TRUE(jw.language.empty());
  const TmdbRecord& vie = row(t, 11120);
  EXPECT_EQ(vie.directors, (Names{"Étienne Chatiliez"}));
  EXPECT_EQ(vie.cast, (Names{"Benoît Magimel", "Hélène Vincent"}));  // the second was never damaged
  EXPECT_EQ(vie.keywords, (Names{"société", "family"}));
  EXPECT_EQ(vie.overview, "Deux familles très différentes.");
  EXPECT_EQ(vie.release_date, "1988");
  EXPECT_EQ(t.mojibake_repaired, 4);
  EXPECT_EQ(row(t, 11121).directors, (Names{"Joel Coen", "Ethan Coen"}));
  EXPECT_TRUE(row(t, 11121).imdb_id.empty());
}

TEST(TmdbTest, MissingColumnAndUnterminatedQuoteThrow) {
  TempDir dir;
  SkipLog log;
  write_text(dir / "k.csv", "id,words\n1,[]\n");
  EXPECT_NE(error_of([&] {
              load_tmdb_file(dir / "k.csv", FileKind::kTmdbKeywords, log);
            }).find("missing column 'keywords'"),
            std::string::npos);
  write_text(dir / "c.csv", "id,top_cast,director\n1,\"A, B,X\n");
  const std::string unterminated =
      error_of([&] { load_tmdb_file(dir / "c.csv", FileKind::kTmdbCreditsTop3, log); });
  EXPECT_NE(unterminated.find("c.csv:2: unterminated"), std::string::npos) << unterminated;
  write_text(dir / "e.csv", "");
  EXPECT_NE(error_of([&] { load_tmdb_file(dir / "e.csv", FileKind::kTmdbKeywords, log); }).find("empty file"),
            std::string::npos);
  EXPECT_THROW(load_tmdb_file(dir / "absent.csv", FileKind::kTmdbKeywords, log), Error);
  EXPECT_THROW(load_tmdb_file(dir / "k.csv", FileKind::kMlMoviesCsv, log), Error);
}

TEST(TmdbTest, InvalidUtf8IsReplacedNotFatal) {
  TempDir dir;
  SkipLog log;
  // Latin-1 bytes (0xE9), a CP1252 quote (0x93), an undefined byte (0x81), a truncated sequence.
  write_text(
      dir / "u.csv",
      "id,imdb_id,popularity,budget,revenue,original_title,cast,homepage,director,tagline,keywords,overview,"
      "runtime,genres,production_companies,release_date,vote_count,vote_average,release_year,budget_adj,"
      "revenue_adj\n"
      "7,tt0000007,1,0,0,T,Ren\xE9 A|B\x81,,\x93X\x94,,k\xE2\x82,ov\xFF,90,Drama,,1/1/99,1,5,1999,0,0\n");
  const TmdbTable t = load_tmdb_file(dir / "u.csv", FileKind::kTmdbUdacity, log);
  ASSERT_EQ(t.rows.size(), 1u);
  const TmdbRecord& r = t.rows[0];
  EXPECT_EQ(r.cast, (Names{"René A", "B\xEF\xBF\xBD"}));
  EXPECT_EQ(r.directors, (Names{"\xE2\x80\x9CX\xE2\x80\x9D"}));
  EXPECT_EQ(r.keywords, (Names{"k\xC3\xA2\xE2\x80\x9A"}));
  EXPECT_EQ(r.overview, "ov\xC3\xBF");
  for (const auto& s : {r.cast[0], r.cast[1], r.directors[0], r.keywords[0], r.overview})
    EXPECT_TRUE(is_valid_utf8(s));
  EXPECT_EQ(t.invalid_utf8, 5);

  write_text(dir / "k.csv", "id,keywords\n1,\"[{'id': 1, 'name': 'caf\xE9'}]\"\n");
  const TmdbTable k = load_tmdb_file(dir / "k.csv", FileKind::kTmdbKeywords, log);
  ASSERT_EQ(k.rows.size(), 1u);
  EXPECT_EQ(k.rows[0].keywords, (Names{"café"}));

  std::string s = "plain";
  EXPECT_FALSE(fix_utf8(s));
  s = "déjà";
  EXPECT_FALSE(fix_utf8(s));
  EXPECT_EQ(s, "déjà");
}

// ---------------------------------------------------------------------------------------------
// Merge on fixtures

Movie movie(std::int64_t id, std::string title, std::int64_t tmdb, std::string imdb) {
  Movie m;
  m.movie_id = id;
  m.title = std::move(title);
  m.tmdb_id = tmdb;
  m.imdb_id = std::move(imdb);
  return m;
}

TEST(TmdbTest, MergeFollowsPriorityAndFallsBackToImdb) {
  Catalog catalog;
  catalog.add(movie(1, "Toy Story (1995)", 862, "0114709"));
  catalog.add(movie(2, "Jumanji (1995)", 8844, "0113497"));
  catalog.add(movie(3, "Jurassic World (2015)", 0, "0369610"));  // no tmdb id: imdb only
  catalog.add(movie(4, "Tekken (2010)", 999999, "0411951"));     // links disagree with TMDB
  catalog.add(movie(5, "Avatar (2009)", 19995, "0499549"));
  catalog.add(movie(6, "Nothing (2000)", 123456789, "9999999"));

  TempDir dir;
  // A second, smaller keywords table, passed first: the larger fixture still wins for 862.
  write_text(dir / "small_keywords.csv",
             "id,keywords\n862,\"[{'id': 1, 'name': 'from the small table'}]\"\n");
  SkipLog log;
  std::vector<TmdbTable> tables;
  tables.push_back(load_tmdb_file(dir / "small_keywords.csv", FileKind::kTmdbKeywords, log));
  tables.push_back(load_tmdb_file(fixture("credits_top3.csv"), FileKind::kTmdbCreditsTop3, log));
  tables.push_back(load_tmdb_file(fixture("tmdb-movies.csv"), FileKind::kTmdbUdacity, log));
  tables.push_back(load_tmdb_file(fixture("tmdb_5000_movies.csv"), FileKind::kTmdb5000Movies, log));
  tables.push_back(load_tmdb_file(fixture("credits.csv"), FileKind::kTmdbCredits, log));
  tables.push_back(load_tmdb_file(fixture("keywords.csv"), FileKind::kTmdbKeywords, log));
  tables.push_back(load_tmdb_file(fixture("movies_metadata.csv"), FileKind::kTmdbMetadata, log));
  MetadataStats stats;
  std::vector<std::string> notes;
  merge_tmdb(catalog, tables, stats, notes);

  const Movie& toy = catalog[0];
  EXPECT_EQ(toy.overview.rfind("Led by Woody", 0), 0u);  // metadata before tmdb_5000
  EXPECT_EQ(toy.keywords, (Names{"jealousy", "toy", "boy", "friendship"}));
  EXPECT_EQ(toy.cast.size(), 5u);  // credits before top-3
  EXPECT_EQ(toy.directors, (Names{"John Lasseter"}));
  EXPECT_FLOAT_EQ(toy.runtime, 81.0f);
  EXPECT_EQ(toy.release_date, "1995-10-30");
  EXPECT_EQ(toy.language, "en");
  EXPECT_EQ(toy.vote_count, 5415);
  EXPECT_TRUE(toy.genres.empty());  // MovieLens genres are not touched

  const Movie& jw = catalog[2];
  EXPECT_EQ(jw.cast.size(), 5u);
  EXPECT_EQ(jw.directors, (Names{"Colin Trevorrow"}));
  EXPECT_EQ(jw.release_date, "2015");
  const Movie& tekken = catalog[3];
  EXPECT_EQ(tekken.overview, "First copy.");
  const Movie& avatar = catalog[4];
  EXPECT_EQ(avatar.keywords.size(), 3u);  // from tmdb_5000 (no keywords.csv row)
  EXPECT_EQ(avatar.tagline, "Enter the World of Pandora.");
  EXPECT_TRUE(catalog[5].overview.empty());

  EXPECT_EQ(stats.joined_by_tmdb, 3);  // Toy Story, Jumanji, Avatar
  EXPECT_EQ(stats.joined_by_imdb, 2);  // Jurassic World, Tekken
  EXPECT_EQ(stats.id_disagreements, 1);
  EXPECT_EQ(stats.overview, 5);
  EXPECT_EQ(stats.cast_and_director, 4);  // Avatar has no credits here
  ASSERT_EQ(notes.size(), tables.size());
  EXPECT_NE(notes[0].find("movies_metadata"), std::string::npos) << notes[0];
  bool udacity_note = false;
  for (const auto& n : notes) {
    if (n.find("Udacity") != std::string::npos) {
      udacity_note = true;
      EXPECT_NE(n.find("1 repeated id dropped"), std::string::npos) << n;
      EXPECT_NE(n.find("2 by imdb id, of which 1 have a different tmdb id"), std::string::npos) << n;
    }
  }
  EXPECT_TRUE(udacity_note);

  // Merging again changes nothing: fields already set are kept.
  const Movie before = catalog[0];
  merge_tmdb(catalog, tables, stats, notes);
  EXPECT_EQ(catalog[0].overview, before.overview);
  EXPECT_EQ(catalog[0].keywords, before.keywords);
}

// ---------------------------------------------------------------------------------------------
// The real files

std::filesystem::path movies_dataset() { return datasets_dir() / "the-movies-dataset"; }

struct RealFile {
  const char* path;
  FileKind kind;
};

constexpr RealFile kRealFiles[] = {
    {"first5000-rkamodhini20/movies_metadata_small.csv", FileKind::kTmdbMetadata},
    {"keywords.csv", FileKind::kTmdbKeywords},
    {"tmdb-5000/tmdb_5000_movies.csv", FileKind::kTmdb5000Movies},
    {"tmdb-movies-udacity/tmdb-movies.csv", FileKind::kTmdbUdacity},
    {"first5000-rkamodhini20/credits_small_top3cast_director.csv", FileKind::kTmdbCreditsTop3},
};

#define REQUIRE_REAL_DATA()                                                 \
  if (!std::filesystem::exists(movies_dataset() / "tmdb-movies-udacity")) { \
    GTEST_SKIP() << "no " << movies_dataset();                              \
  }

TEST(TmdbTest, RealKeywords) {
  REQUIRE_REAL_DATA();
  SkipLog log;
  const TmdbTable t = load_tmdb_file(movies_dataset() / "keywords.csv", FileKind::kTmdbKeywords, log);
  EXPECT_EQ(t.rows_read, 46419);
  EXPECT_EQ(t.rows.size(), 45432u);
  EXPECT_EQ(t.duplicates, 987);
  EXPECT_EQ(log.total(), 0u);
  std::size_t entries = 0;
  std::size_t non_empty = 0;
  for (const auto& r : t.rows) {
    entries += r.keywords.size();
    non_empty += r.keywords.empty() ? 0 : 1;
  }
  EXPECT_EQ(non_empty, 31092u);  // Python: distinct ids with a non-empty list
  EXPECT_EQ(entries, 156602u);
  EXPECT_TRUE(contains(row(t, 8844).keywords, "based on children's book"));

  // The loader's fast path agrees with the full Python-literal parser on every row.
  CsvReader reader = CsvReader::open(movies_dataset() / "keywords.csv");
  reader.next_or_throw();
  std::unordered_map<std::int64_t, std::size_t> where;
  for (std::size_t i = 0; i < t.rows.size(); ++i) where.emplace(t.rows[i].tmdb_id, i);
  std::size_t compared = 0;
  while (reader.next_or_throw()) {
    const TmdbRecord& r = t.rows.at(where.at(*parse_int(reader[0])));
    Names full;
    ASSERT_TRUE(python_list_strings(reader[1], "name", full)) << reader.line();
    for (auto& k : full) k = std::string(trim(k));  // the loader trims names and drops empty ones
    std::erase_if(full, [](const std::string& k) { return k.empty(); });
    ASSERT_EQ(r.keywords, full) << reader.line();
    ++compared;
  }
  EXPECT_EQ(compared, 46419u);
}

TEST(TmdbTest, RealOtherLayouts) {
  REQUIRE_REAL_DATA();
  SkipLog log;
  const TmdbTable udacity =
      load_tmdb_file(movies_dataset() / "tmdb-movies-udacity/tmdb-movies.csv", FileKind::kTmdbUdacity, log);
  EXPECT_EQ(udacity.rows_read, 10866);
  EXPECT_EQ(udacity.rows.size(), 10865u);
  EXPECT_EQ(udacity.duplicates, 1);
  EXPECT_GT(udacity.mojibake_repaired, 1000);
  bool etienne = false;
  for (const auto& r : udacity.rows) {
    for (const auto& d : r.directors) {
      EXPECT_EQ(d.find("Ã"), std::string::npos) << d;
      etienne |= d == "Étienne Chatiliez";
    }
    EXPECT_LE(r.cast.size(), 5u);
    EXPECT_TRUE(r.release_date.size() == 4 || r.release_date.empty()) << r.release_date;
  }
  EXPECT_TRUE(etienne);

  const TmdbTable t5000 =
      load_tmdb_file(movies_dataset() / "tmdb-5000/tmdb_5000_movies.csv", FileKind::kTmdb5000Movies, log);
  EXPECT_EQ(t5000.rows_read, 4803);
  EXPECT_EQ(t5000.rows.size(), 4803u);
  const TmdbRecord& avatar = row(t5000, 19995);
  EXPECT_TRUE(contains(avatar.keywords, "culture clash"));
  EXPECT_TRUE(contains(avatar.genres, "Science Fiction"));
  // The loader's fast path agrees with nlohmann-json on every row.
  CsvReader reader = CsvReader::open(movies_dataset() / "tmdb-5000/tmdb_5000_movies.csv");
  reader.next_or_throw();
  const auto names = [](std::string_view text) {
    Names out;
    for (const auto& item : nlohmann::json::parse(text)) {
      const std::string name = item.at("name").get<std::string>();
      if (!trim(name).empty()) out.emplace_back(trim(name));  // the loader trims names
    }
    return out;
  };
  while (reader.next_or_throw()) {
    const TmdbRecord& r = row(t5000, *parse_int(reader[3]));
    ASSERT_EQ(r.genres, names(reader[1])) << reader.line();
    ASSERT_EQ(r.keywords, names(reader[4])) << reader.line();
  }

  const TmdbTable meta = load_tmdb_file(movies_dataset() / "first5000-rkamodhini20/movies_metadata_small.csv",
                                        FileKind::kTmdbMetadata, log);
  EXPECT_EQ(meta.rows_read, 5000);
  EXPECT_EQ(meta.rows.size(), 4999u);  // id 105045 twice
  EXPECT_EQ(meta.duplicates, 1);
  EXPECT_EQ(row(meta, 862).imdb_id, "0114709");
  EXPECT_EQ(row(meta, 862).genres, (Names{"Animation", "Comedy", "Family"}));

  const TmdbTable top3 =
      load_tmdb_file(movies_dataset() / "first5000-rkamodhini20/credits_small_top3cast_director.csv",
                     FileKind::kTmdbCreditsTop3, log);
  EXPECT_EQ(top3.rows_read, 5000);
  EXPECT_EQ(top3.duplicates, 1);
  EXPECT_TRUE(contains(row(top3, 16560).cast, "Sammy Davis, Jr."));
  for (const auto& r : top3.rows) EXPECT_LE(r.cast.size(), 3u) << r.tmdb_id;
  EXPECT_EQ(log.total(), 0u);
}

// MovieLens latest-small's movies + links, read here so that this test depends on nothing else.
Catalog ml_latest_small_catalog() {
  Catalog catalog;
  const auto dir = datasets_dir() / "ml-latest-small";
  CsvReader movies = CsvReader::open(dir / "movies.csv");
  movies.next_or_throw();
  while (movies.next_or_throw()) {
    Movie m;
    m.movie_id = *parse_int(movies[0]);
    m.title = std::string(trim(movies[1]));
    catalog.add(std::move(m));
  }
  CsvReader links = CsvReader::open(dir / "links.csv");
  links.next_or_throw();
  while (links.next_or_throw()) {
    Movie& m = catalog[*catalog.index_of(*parse_int(links[0]))];
    m.imdb_id = std::string(trim(links[1]));
    if (const auto t = parse_int(links[2])) m.tmdb_id = *t;
  }
  return catalog;
}

TEST(TmdbTest, RealMergeIntoMlLatestSmall) {
  REQUIRE_REAL_DATA();
  Catalog catalog = ml_latest_small_catalog();
  ASSERT_EQ(catalog.size(), 9742);
  SkipLog log;
  std::vector<TmdbTable> tables;
  const auto start = std::chrono::steady_clock::now();
  for (const RealFile& f : kRealFiles)
    tables.push_back(load_tmdb_file(movies_dataset() / f.path, f.kind, log));
  const auto loaded = std::chrono::steady_clock::now();
  MetadataStats stats;
  std::vector<std::string> notes;
  merge_tmdb(catalog, tables, stats, notes);
  const auto merged = std::chrono::steady_clock::now();
  using ms = std::chrono::duration<double, std::milli>;
  std::cout << "load 5 TMDB files: " << ms(loaded - start).count()
            << " ms, merge: " << ms(merged - loaded).count() << " ms\n";
  for (const auto& n : notes) std::cout << n << "\n";

  EXPECT_EQ(stats.overview, 7595);
  EXPECT_EQ(stats.cast_and_director, 7347);
  std::cout << "keywords: " << stats.keywords << ", cast: " << stats.cast << ", director: " << stats.director
            << ", joined by tmdb: " << stats.joined_by_tmdb << ", by imdb: " << stats.joined_by_imdb
            << ", disagreements: " << stats.id_disagreements << "\n";
  EXPECT_EQ(stats.keywords, 8698);  // keywords.csv alone gives 8682; the other layouts add 16
  EXPECT_EQ(log.total(), 0u);

  const Movie& toy = catalog[*catalog.index_of(1)];
  EXPECT_EQ(toy.tmdb_id, 862);
  EXPECT_FALSE(toy.overview.empty());
  EXPECT_EQ(toy.directors, (Names{"John Lasseter"}));
  EXPECT_TRUE(contains(toy.cast, "Tom Hanks"));
  EXPECT_TRUE(contains(toy.keywords, "toy"));
  EXPECT_EQ(toy.release_date, "1995-10-30");
  EXPECT_FLOAT_EQ(toy.runtime, 81.0f);
}

}  // namespace
}  // namespace mn
