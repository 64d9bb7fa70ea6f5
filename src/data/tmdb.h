#pragma once
// Loaders for the TMDB metadata layouts (The Movies Dataset's movies_metadata / keywords / credits,
// the derived top-3 credits table, Kaggle's TMDB 5000 movies and Udacity's tmdb-movies.csv) and the
// join that copies their fields onto the MovieLens catalog.
//
// What a loader does with a row it cannot use:
// - wrong number of fields, or an id that is not a positive integer (the shifted rows of the full
//   movies_metadata.csv hold a date there): the row is skipped and recorded in the SkipLog
//   ("id: expected a positive integer, found '1997-08-20' (shifted row: 15 fields, expected 24)";
//   "expected 24 fields, found 10" for the first half of such a broken record).
// - a list column that does not parse (Python literal or JSON): the row is KEPT with that field
//   left empty, and the SkipLog gets one entry for it ("keywords: bad list literal at column N
//   (reason); row kept, field left empty"), where N is the 1-based column inside the field's text
//   (for JSON, the byte nlohmann-json names).
//   So a SkipLog count for a TMDB file is rows skipped plus fields dropped.
// - text that is not valid UTF-8: valid sequences are kept and every stray byte is read as CP1252
//   (U+FFFD where CP1252 has no character); counted in TmdbTable::invalid_utf8.
// - Udacity's text (cast, director, keywords, overview, tagline) is run through
//   repair_mojibake_tolerant; other layouts have no such damage and are left alone.
// - a repeated TMDB id: the first row is kept, the others counted in TmdbTable::duplicates.
// - a number that does not parse (runtime, popularity, ...) is left 0; an imdb id that is not
//   "tt" + digits is left empty; a release date that is neither YYYY-MM-DD nor YYYY is left empty.
// Structural problems throw mn::Error: a missing column, an unterminated quote at the end of the
// file, an empty file, or a file that cannot be opened.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/catalog.h"
#include "data/dataset.h"
#include "data/sources.h"
#include "util/skip_log.h"

namespace mn {

// One row of any TMDB layout; empty / 0 = the file does not have it.
struct TmdbRecord {
  std::int64_t tmdb_id = 0;
  std::string imdb_id;  // 7 digits (more if TMDB has more), no "tt"; empty if the layout has none
  std::string overview, tagline;
  std::string release_date;  // YYYY-MM-DD, or YYYY (Udacity's file, from release_year)
  std::string language;      // original language code
  std::vector<std::string> genres, keywords;
  std::vector<std::string> cast;  // billing order, at most 5
  std::vector<std::string> directors;
  float runtime = 0, popularity = 0, vote_average = 0;
  std::int32_t vote_count = 0;
};

struct TmdbTable {
  FileKind kind = FileKind::kTmdbMetadata;
  std::string path;
  std::vector<TmdbRecord> rows;   // one per distinct TMDB id, in file order
  std::int64_t rows_read = 0;     // data records in the file (header excluded)
  std::int64_t duplicates = 0;    // records whose id an earlier record had (dropped)
  std::int64_t skipped = 0;       // records skipped (also in the SkipLog)
  std::int64_t bad_fields = 0;    // list fields left empty because they did not parse (also in the SkipLog)
  std::int64_t invalid_utf8 = 0;  // text fields whose invalid UTF-8 was replaced
  std::int64_t mojibake_repaired = 0;  // text fields turned back from CP1252 mojibake (Udacity; see
                                       // repair_mojibake_tolerant)
};

// Whether rows of this layout carry imdb ids (movies_metadata and Udacity's file).
bool tmdb_layout_has_imdb(FileKind kind);

// Reads one file of the given layout (see the notes at the top of this header).
TmdbTable load_tmdb_file(const std::filesystem::path& path, FileKind kind, SkipLog& skipped);

// Joins every table into the catalog. For each movie and table, the row is the one whose TMDB id
// equals Movie::tmdb_id, else (layouts with imdb ids) the one whose imdb id equals Movie::imdb_id.
// Each field (overview, tagline, keywords, cast, directors, runtime, release_date, language,
// popularity, vote_average, vote_count) comes from the first table in priority order with a
// non-empty value for that movie; a field the movie already has is left alone. Priority:
// kTmdbMetadata, kTmdbKeywords, kTmdbCredits, kTmdb5000Movies, kTmdbUdacity, kTmdbCreditsTop3;
// within one kind, the table with more rows first. `tables` is not changed.
//
// stats: joined_by_tmdb = movies that some table matched by TMDB id; joined_by_imdb = movies that
// no table matched by TMDB id but some table matched by imdb id (so the two add up to the movies
// with any TMDB row); id_disagreements = (movie, table) matches by imdb id where the row's TMDB
// id differs from the movie's known one. The per-field counts (overview, keywords, cast, ...) are
// recounted over the whole catalog. One note per table goes to `notes`.
void merge_tmdb(Catalog& catalog, std::vector<TmdbTable>& tables, MetadataStats& stats,
                std::vector<std::string>& notes);

// Helpers exposed for tests.
// "Sammy Davis, Jr., Gregory Hines" -> {"Sammy Davis, Jr.", "Gregory Hines"}: splits on ", " and
// joins name suffixes (Jr., Sr., II, III, ...) back onto the previous name.
std::vector<std::string> split_top_cast(std::string_view text);
// repair_mojibake, and where that refuses because the damage dropped one of CP1252's undefined
// bytes ("Miguel Ãngel", "RyÅhei"), a repair of every character that does round-trip plus a guess
// for the dropped byte from its lead byte (Á; Đ/č; Ł/ō; ” after “). Text with characters outside
// CP1252, or with no repairable sequence at all, is returned unchanged.
std::string repair_mojibake_tolerant(std::string_view s);
// Valid UTF-8 is returned unchanged; stray bytes are read as CP1252. Returns whether it changed s.
bool fix_utf8(std::string& s);

}  // namespace mn
