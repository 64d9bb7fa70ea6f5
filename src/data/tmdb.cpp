#include "data/tmdb.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "io/csv_reader.h"
#include "io/python_literal.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

constexpr std::size_t kMaxCast = 5;

// ---------------------------------------------------------------------------------------------
// UTF-8 repair

// Length of the valid UTF-8 sequence at s[i], 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  std::uint32_t cp = 0;
  return decode_utf8(s, i, cp);
}

bool is_ascii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string repair_mojibake_tolerant(std::string_view s) {
  std::string whole = repair_mojibake(s);
  if (whole != s || is_ascii(s) || !is_valid_utf8(s)) return whole;
  // Each character as the CP1252 byte it came from, and where it sits in s.
  struct Unit {
    unsigned char byte;
    std::uint32_t start, length;
  };
  std::vector<Unit> units;
  units.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = decode_utf8(s, i, cp);
    const int b = unicode_to_cp1252(cp);
    if (b < 0) return whole;  // a character CP1252 cannot hold: not mojibake
    units.push_back(
        {static_cast<unsigned char>(b), static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)});
    i += n;
  }
  const auto is_cont = [&](std::size_t j) { return j < units.size() && (units[j].byte & 0xC0) == 0x80; };
  std::string out;
  out.reserve(s.size());
  std::size_t decoded = 0;  // characters that show the text is mojibake
  for (std::size_t j = 0; j < units.size();) {
    const unsigned char lead = units[j].byte;
    const std::size_t len = lead < 0x80             ? 1
                            : (lead & 0xE0) == 0xC0 ? 2
                            : (lead & 0xF0) == 0xE0 ? 3
                            : (lead & 0xF8) == 0xF0 ? 4
                                                    : 0;
    std::size_t have = 1;
    while (have < len && is_cont(j + have)) ++have;
    std::string seq;
    for (std::size_t k = 0; k < have; ++k) seq.push_back(static_cast<char>(units[j + k].byte));
    if (len > 1 && have == len && utf8_length(seq, 0) == len) {
      out += seq;
      ++decoded;
      j += len;
      continue;
    }
    if (len > 1 && have == len - 1) {
      // The mojibake step dropped one of CP1252's five undefined bytes (0x81, 0x8D, 0x8F, 0x90,
      // 0x9D). Guess it from the lead byte, taking the character the names and quotes in these
      // files need most often: C3 -> Á (Ángel, Álvaro); C4 -> Đ at a word start, else č; C5 -> Ł
      // at a word start, else ō; CC -> combining acute; E2 80 -> ” (closing a “).
      // A guess alone shows mojibake only where genuine text cannot look like that: "Ã" before a
      // lower-case letter, "Ä"/"Å" between lower-case letters ("Ärger", "Åse" are genuine), "â€".
      const auto lower = [](int c) { return c >= 'a' && c <= 'z'; };
      const bool after_lower = !out.empty() && lower(static_cast<unsigned char>(out.back()));
      const bool before_lower = j + have < units.size() && lower(units[j + have].byte);
      int missing = -1;
      bool evidence = false;
      if (len == 2 && lead == 0xC3) {
        missing = 0x81;
        evidence = before_lower;
      } else if (len == 2 && (lead == 0xC4 || lead == 0xC5)) {
        missing = after_lower ? 0x8D : lead == 0xC4 ? 0x90 : 0x81;
        evidence = after_lower && before_lower;
      } else if (len == 2 && lead == 0xCC) {
        missing = 0x81;
      } else if (len == 3 && lead == 0xE2 && units[j + 1].byte == 0x80) {
        missing = 0x9D;
        evidence = true;
      }
      if (missing >= 0) {
        seq.push_back(static_cast<char>(missing));
        if (utf8_length(seq, 0) == len) {
          out += seq;
          decoded += evidence ? 1 : 0;
          j += len - 1;
          continue;
        }
      }
    }
    // Not repairable here: keep the character as it was.
    out.append(s, units[j].start, units[j].length);
    ++j;
  }
  return decoded > 0 ? out : whole;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Small parsers

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A positive integer id: digits only ("862"; pandas' "862.0" is accepted too).
std::optional<std::int64_t> parse_id(std::string_view s) {
  s = trim(s);
  if (const std::size_t dot = s.find('.'); dot != std::string_view::npos) {
    if (dot + 1 == s.size() || s.find_first_not_of('0', dot + 1) != std::string_view::npos)
      return std::nullopt;
    s = s.substr(0, dot);
  }
  if (s.empty() || s.size() > 18 || !all_digits(s)) return std::nullopt;
  std::int64_t v = 0;
  for (const char c : s) v = v * 10 + (c - '0');
  if (v <= 0) return std::nullopt;
  return v;
}

// "tt0114709" -> "0114709"; anything but "tt" + digits gives "".
std::string parse_imdb(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s[0] == 't' || s[0] == 'T') && (s[1] == 't' || s[1] == 'T')) s.remove_prefix(2);
  if (s.empty() || s.size() > 12) return {};
  for (const char c : s) {
    if (c < '0' || c > '9') return {};
  }
  if (s.find_first_not_of('0') == std::string_view::npos) return {};  // "0"
  std::string out;
  if (s.size() < 7) out.assign(7 - s.size(), '0');
  out.append(s);
  return out;
}

// The imdb id as a number, for hashing; 0 when it is not one.
std::int64_t imdb_key(std::string_view s) {
  if (s.empty() || s.size() > 15) return 0;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "1995-10-30" or "1995"; anything else gives "".
std::string parse_date(std::string_view s) {
  s = trim(s);
  if (s.size() == 4 && all_digits(s)) return std::string(s);
  if (s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) &&
      all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2))) {
    return std::string(s);
  }
  return {};
}

float parse_float(std::string_view s) {
  const auto v = parse_double(s);
  if (!v || !(*v >= 0) || *v > 1e30) return 0;
  return static_cast<float>(*v);
}

std::int32_t parse_count(std::string_view s) {
  const auto v = parse_int(s);
  if (!v || *v < 0) return 0;
  return static_cast<std::int32_t>(std::min<std::int64_t>(*v, std::numeric_limits<std::int32_t>::max()));
}

// At most 40 bytes of a value, for messages.
std::string quoted(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  fix_utf8(out);
  return "'" + out + "'";
}

const char* layout_name(FileKind kind) {
  switch (kind) {
    case FileKind::kTmdbMetadata:
      return "movies_metadata";
    case FileKind::kTmdbKeywords:
      return "keywords";
    case FileKind::kTmdbCredits:
      return "credits";
    case FileKind::kTmdbCreditsTop3:
      return "credits (top-3 cast)";
    case FileKind::kTmdb5000Movies:
      return "tmdb_5000_movies";
    case FileKind::kTmdbUdacity:
      return "tmdb-movies (Udacity)";
    default:
      return nullptr;
  }
}

// The fast path for list columns: a list of flat dicts whose keys are strings and whose values are
// strings, integers or None/True/False (null/true/false in JSON), with no backslash anywhere, e.g.
// [{'id': 931, 'name': 'jealousy'}]. It collects the first string value of `key` in each dict.
// Anything else returns false, and the full parser decides; so for any text this accepts, the
// result equals the full parser's (except that JSON with invalid UTF-8 is kept and repaired here,
// where nlohmann would reject it).
class FlatDictList {
 public:
  FlatDictList(std::string_view text, std::string_view key, bool json) : s_(text), key_(key), json_(json) {}

  bool run(std::vector<std::string_view>& values) {
    values.clear();
    if (s_.find('\\') != std::string_view::npos) return false;
    space();
    if (!eat('[')) return false;
    space();
    if (eat(']')) return end();
    for (;;) {
      if (!dict(values)) return false;
      space();
      if (eat(']')) return end();
      if (!eat(',')) return false;
      space();
    }
  }

 private:
  bool end() {
    space();
    return p_ == s_.size();
  }
  void space() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }
  bool eat(char c) {
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool string(std::string_view& out) {
    if (p_ >= s_.size()) return false;
    const char quote = s_[p_];
    if (quote != '"' && (json_ || quote != '\'')) return false;
    const std::size_t close = s_.find(quote, p_ + 1);
    if (close == std::string_view::npos) return false;
    out = s_.substr(p_ + 1, close - p_ - 1);
    if (out.find('\n') != std::string_view::npos || out.find('\r') != std::string_view::npos) return false;
    if (json_) {
      for (const char c : out) {
        if (static_cast<unsigned char>(c) < 0x20) return false;
      }
    }
    p_ = close + 1;
    // Python joins adjacent literals ('a' 'b'); leave that to the full parser.
    const std::size_t save = p_;
    space();
    const bool adjacent = p_ < s_.size() && (s_[p_] == '\'' || s_[p_] == '"');
    p_ = save;
    return !adjacent;
  }
  bool word(std::string_view w) {
    if (s_.substr(p_, w.size()) != w) return false;
    const std::size_t after = p_ + w.size();
    if (after < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[after])) || s_[after] == '_'))
      return false;
    p_ = after;
    return true;
  }
  bool scalar(std::string_view& text, bool& is_string) {
    is_string = false;
    if (p_ < s_.size() && (s_[p_] == '\'' || s_[p_] == '"')) {
      is_string = true;
      return string(text);
    }
    if (json_ ? (word("null") || word("true") || word("false"))
              : (word("None") || word("True") || word("False"))) {
      return true;
    }
    // An integer: optional '-', then digits (JSON forbids leading zeros; Python 3 too, except 0).
    const std::size_t start = p_;
    eat('-');
    const std::size_t digits = p_;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') ++p_;
    if (p_ == digits || p_ - digits > 18 || (s_[digits] == '0' && p_ - digits > 1)) return false;
    if (p_ < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '.' || s_[p_] == '_')) {
      return false;
    }
    return p_ > start;
  }
  bool dict(std::vector<std::string_view>& values) {
    if (!eat('{')) return false;
    space();
    if (eat('}')) return true;
    bool found = false;
    for (;;) {
      std::string_view k;
      if (!string(k)) return false;
      space();
      if (!eat(':')) return false;
      space();
      std::string_view v;
      bool is_string = false;
      if (!scalar(v, is_string)) return false;
      if (!found && is_string && k == key_) {
        values.push_back(v);
        found = true;
      }
      space();
      if (eat('}')) return true;
      if (!eat(',')) return false;
      space();
    }
  }

  std::string_view s_;
  std::string_view key_;
  bool json_;
  std::size_t p_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The loader: one object per file.

class Loader {
 public:
  Loader(const std::filesystem::path& path, FileKind kind, SkipLog& skipped, TmdbTable& table)
      : reader_(CsvReader::open(path)), path_(path), kind_(kind), skipped_(skipped), table_(table) {}

  void run() {
    if (!reader_.next_or_throw()) throw_input_error(reader_.name(), 1, "empty file: expected a header");
    header_.assign(reader_.fields().begin(), reader_.fields().end());
    for (auto& h : header_) h = std::string(trim(h));
    id_ = column("id");
    switch (kind_) {
      case FileKind::kTmdbMetadata:
        columns_metadata();
        break;
      case FileKind::kTmdbKeywords:
        keywords_ = column("keywords");
        break;
      case FileKind::kTmdbCredits:
        cast_ = column("cast");
        crew_ = column("crew");
        break;
      case FileKind::kTmdbCreditsTop3:
        cast_ = column("top_cast");
        director_ = column("director");
        break;
      case FileKind::kTmdb5000Movies:
        columns_5000();
        break;
      case FileKind::kTmdbUdacity:
        columns_udacity();
        break;
      default:
        throw Error(ErrorKind::kInternal, "load_tmdb_file: not a TMDB layout");
    }
    const std::size_t n_columns = header_.size();
    reserve();

    while (reader_.next_or_throw()) {
      ++table_.rows_read;
      const std::size_t n = reader_.size();
      std::optional<std::int64_t> id;
      if (id_ < n) id = parse_id(reader_[id_]);
      if (n != n_columns) {
        // The full movies_metadata.csv has records broken in two, the second half shifted so that
        // `id` holds a date; name the field when it is what gives the row away.
        if (id_ < n && !id) {
          skip("id: expected a positive integer, found " + quoted(trim(reader_[id_])) + " (shifted row: " +
               std::to_string(n) + " fields, expected " + std::to_string(n_columns) + ")");
        } else {
          skip("expected " + std::to_string(n_columns) + " fields, found " + std::to_string(n));
        }
        continue;
      }
      if (!id) {
        const std::string_view raw = trim(reader_[id_]);
        skip(raw.empty() ? std::string("id: empty")
                         : "id: expected a positive integer, found " + quoted(raw) +
                               (kind_ == FileKind::kTmdbMetadata ? " (shifted row)" : ""));
        continue;
      }
      if (!seen_.insert(*id).second) {
        ++table_.duplicates;
        continue;
      }
      TmdbRecord& r = table_.rows.emplace_back();
      r.tmdb_id = *id;
      switch (kind_) {
        case FileKind::kTmdbMetadata:
          row_metadata(r);
          break;
        case FileKind::kTmdbKeywords:
          python_names(reader_[keywords_], "keywords", r.keywords);
          break;
        case FileKind::kTmdbCredits:
          row_credits(r);
          break;
        case FileKind::kTmdbCreditsTop3:
          row_top3(r);
          break;
        case FileKind::kTmdb5000Movies:
          row_5000(r);
          break;
        case FileKind::kTmdbUdacity:
          row_udacity(r);
          break;
        default:
          break;
      }
    }
  }

 private:
  std::size_t column(std::string_view name) const {
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] == name) return i;
    }
    throw_input_error(
        reader_.name(), 1,
        std::string("missing column '") + std::string(name) + "' (" + layout_name(kind_) + " layout)");
  }

  // Room for the rows the file likely holds, from its size and the layout's smallest usual row.
  void reserve() {
    std::error_code ec;
    const std::uintmax_t bytes = std::filesystem::file_size(path_, ec);
    if (ec) return;
    std::uintmax_t per_row = 400;
    switch (kind_) {
      case FileKind::kTmdbKeywords:
        per_row = 120;
        break;
      case FileKind::kTmdbCreditsTop3:
        per_row = 60;
        break;
      case FileKind::kTmdbCredits:
        per_row = 2000;
        break;
      default:
        break;
    }
    const auto rows = static_cast<std::size_t>(std::min<std::uintmax_t>(bytes / per_row + 16, 1u << 22));
    table_.rows.reserve(rows);
    seen_.reserve(rows);
  }

  void columns_metadata() {
    imdb_ = column("imdb_id");
    genres_ = column("genres");
    language_ = column("original_language");
    overview_ = column("overview");
    popularity_ = column("popularity");
    release_date_ = column("release_date");
    runtime_ = column("runtime");
    tagline_ = column("tagline");
    vote_average_ = column("vote_average");
    vote_count_ = column("vote_count");
  }

  void columns_5000() {
    genres_ = column("genres");
    keywords_ = column("keywords");
    language_ = column("original_language");
    overview_ = column("overview");
    popularity_ = column("popularity");
    release_date_ = column("release_date");
    runtime_ = column("runtime");
    tagline_ = column("tagline");
    vote_average_ = column("vote_average");
    vote_count_ = column("vote_count");
  }

  void columns_udacity() {
    imdb_ = column("imdb_id");
    popularity_ = column("popularity");
    cast_ = column("cast");
    director_ = column("director");
    tagline_ = column("tagline");
    keywords_ = column("keywords");
    overview_ = column("overview");
    runtime_ = column("runtime");
    genres_ = column("genres");
    vote_count_ = column("vote_count");
    vote_average_ = column("vote_average");
    release_year_ = column("release_year");
  }

  void skip(const std::string& reason) {
    ++table_.skipped;
    skipped_.add(reader_.name(), reader_.line(), reason);
  }

  void bad_field(std::string_view field, std::size_t column, std::string_view why) {
    ++table_.bad_fields;
    std::string reason(field);
    reason += ": bad list literal at column ";
    reason += std::to_string(column);
    reason += " (";
    reason += why;
    reason += "); row kept, field left empty";
    skipped_.add(reader_.name(), reader_.line(), reason);
  }

  // Trimmed, valid UTF-8 text.
  std::string text(std::string_view v) {
    std::string s(trim(v));
    if (fix_utf8(s)) ++table_.invalid_utf8;
    return s;
  }

  // Text of Udacity's file: valid UTF-8, then CP1252 mojibake turned back.
  std::string repaired(std::string_view v) {
    std::string s = text(v);
    if (!is_ascii(s)) {
      std::string fixed = repair_mojibake_tolerant(s);
      if (fixed != s) {
        ++table_.mojibake_repaired;
        s = std::move(fixed);
      }
    }
    return s;
  }

  void add_name(std::vector<std::string>& out, std::string name) {
    if (fix_utf8(name)) ++table_.invalid_utf8;
    const std::string_view t = trim(name);
    if (t.empty()) return;
    if (t.size() != name.size()) name = std::string(t);
    out.push_back(std::move(name));
  }

  // A Python-literal list of dicts (or of strings): the string values of 'name'.
  void python_names(std::string_view v, std::string_view field, std::vector<std::string>& out) {
    v = trim(v);
    if (v.empty() || v == "[]") return;
    if (FlatDictList(v, "name", false).run(views_)) {
      out.reserve(views_.size());
      for (const std::string_view name : views_) add_name(out, std::string(name));
      return;
    }
    PyParseResult parsed = parse_python_literal(v);
    if (!parsed.ok) return bad_field(field, parsed.error_column, parsed.error);
    if (parsed.value.type != PyValue::Type::kList) return bad_field(field, 1, "expected a list");
    out.reserve(parsed.value.items.size());
    for (PyValue& item : parsed.value.items) {
      if (item.type == PyValue::Type::kString) {
        add_name(out, std::move(item.text));
      } else if (item.type == PyValue::Type::kDict) {
        for (auto& [key, value] : item.entries) {
          if (key.is_string() && key.text == "name" && value.is_string()) {
            add_name(out, std::move(value.text));
            break;
          }
        }
      }
    }
  }

  // A JSON array of {"id": .., "name": ..}: the names.
  void json_names(std::string_view v, std::string_view field, std::vector<std::string>& out) {
    v = trim(v);
    if (v.empty() || v == "[]") return;
    if (FlatDictList(v, "name", true).run(views_)) {
      out.reserve(views_.size());
      for (const std::string_view name : views_) add_name(out, std::string(name));
      return;
    }
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(v.begin(), v.end());
    } catch (const nlohmann::json::parse_error& e) {
      return bad_field(field, e.byte, "invalid JSON");
    }
    if (!parsed.is_array()) return bad_field(field, 1, "expected a JSON array");
    out.reserve(parsed.size());
    for (auto& item : parsed) {
      if (item.is_string()) {
        add_name(out, item.get<std::string>());
      } else if (item.is_object()) {
        const auto it = item.find("name");
        if (it != item.end() && it->is_string()) add_name(out, it->get<std::string>());
      }
    }
  }

  // "a|b|c" with empty parts dropped.
  void pipe_list(std::string_view v, std::vector<std::string>& out, std::size_t limit = SIZE_MAX) {
    v = trim(v);
    if (v.empty()) return;
    std::size_t start = 0;
    while (start <= v.size() && out.size() < limit) {
      std::size_t bar = v.find('|', start);
      if (bar == std::string_view::npos) bar = v.size();
      std::string part = repaired(v.substr(start, bar - start));
      if (!part.empty()) out.push_back(std::move(part));
      start = bar + 1;
    }
  }

  void row_metadata(TmdbRecord& r) {
    r.imdb_id = parse_imdb(reader_[imdb_]);
    python_names(reader_[genres_], "genres", r.genres);
    r.language = text(reader_[language_]);
    r.overview = text(reader_[overview_]);
    r.tagline = text(reader_[tagline_]);
    r.popularity = parse_float(reader_[popularity_]);
    r.release_date = parse_date(reader_[release_date_]);
    r.runtime = parse_float(reader_[runtime_]);
    r.vote_average = parse_float(reader_[vote_average_]);
    r.vote_count = parse_count(reader_[vote_count_]);
  }

  void row_5000(TmdbRecord& r) {
    json_names(reader_[genres_], "genres", r.genres);
    json_names(reader_[keywords_], "keywords", r.keywords);
    r.language = text(reader_[language_]);
    r.overview = text(reader_[overview_]);
    r.tagline = text(reader_[tagline_]);
    r.popularity = parse_float(reader_[popularity_]);
    r.release_date = parse_date(reader_[release_date_]);
    r.runtime = parse_float(reader_[runtime_]);
    r.vote_average = parse_float(reader_[vote_average_]);
    r.vote_count = parse_count(reader_[vote_count_]);
  }

  void row_udacity(TmdbRecord& r) {
    r.imdb_id = parse_imdb(reader_[imdb_]);
    r.popularity = parse_float(reader_[popularity_]);
    pipe_list(reader_[cast_], r.cast, kMaxCast);
    pipe_list(reader_[director_], r.directors);
    r.tagline = repaired(reader_[tagline_]);
    pipe_list(reader_[keywords_], r.keywords);
    r.overview = repaired(reader_[overview_]);
    r.runtime = parse_float(reader_[runtime_]);
    pipe_list(reader_[genres_], r.genres);
    r.vote_count = parse_count(reader_[vote_count_]);
    r.vote_average = parse_float(reader_[vote_average_]);
    const std::string_view year = trim(reader_[release_year_]);
    if (year.size() == 4 && all_digits(year)) r.release_date = std::string(year);
  }

  void row_top3(TmdbRecord& r) {
    r.cast = split_top_cast(reader_[cast_]);
    for (auto& name : r.cast) {
      if (fix_utf8(name)) ++table_.invalid_utf8;
    }
    if (r.cast.size() > kMaxCast) r.cast.resize(kMaxCast);
    std::string director = text(reader_[director_]);
    if (!director.empty()) r.directors.push_back(std::move(director));
  }

  void row_credits(TmdbRecord& r) {
    // cast: [{'cast_id': .., 'character': .., 'name': .., 'order': 0, ...}, ...] -> top 5 by order.
    const std::string_view cast = trim(reader_[cast_]);
    if (!cast.empty() && cast != "[]") {
      PyParseResult parsed = parse_python_literal(cast);
      if (!parsed.ok) {
        bad_field("cast", parsed.error_column, parsed.error);
      } else if (parsed.value.type != PyValue::Type::kList) {
        bad_field("cast", 1, "expected a list");
      } else {
        struct Billed {
          std::int64_t order;
          std::size_t position;
          std::string* name;
        };
        std::vector<Billed> billed;
        billed.reserve(parsed.value.items.size());
        for (std::size_t i = 0; i < parsed.value.items.size(); ++i) {
          PyValue& item = parsed.value.items[i];
          if (item.type != PyValue::Type::kDict) continue;
          PyValue* name = nullptr;
          std::int64_t order = std::numeric_limits<std::int64_t>::max();
          for (auto& [key, value] : item.entries) {
            if (!key.is_string()) continue;
            if (key.text == "name" && value.is_string()) name = &value;
            if (key.text == "order" && value.type == PyValue::Type::kInt) order = value.integer;
          }
          if (name != nullptr && !trim(name->text).empty()) billed.push_back({order, i, &name->text});
        }
        const std::size_t keep = std::min(kMaxCast, billed.size());
        std::partial_sort(billed.begin(), billed.begin() + static_cast<std::ptrdiff_t>(keep), billed.end(),
                          [](const Billed& a, const Billed& b) {
                            return a.order != b.order ? a.order < b.order : a.position < b.position;
                          });
        for (std::size_t i = 0; i < keep; ++i) add_name(r.cast, std::move(*billed[i].name));
      }
    }
    // crew: [{'job': 'Director', 'name': .., ...}, ...] -> every director in file order.
    const std::string_view crew = trim(reader_[crew_]);
    if (!crew.empty() && crew != "[]") {
      PyParseResult parsed = parse_python_literal(crew);
      if (!parsed.ok) {
        bad_field("crew", parsed.error_column, parsed.error);
      } else if (parsed.value.type != PyValue::Type::kList) {
        bad_field("crew", 1, "expected a list");
      } else {
        for (PyValue& item : parsed.value.items) {
          if (item.type != PyValue::Type::kDict) continue;
          const PyValue* job = item.get("job");
          if (job == nullptr || !job->is_string() || job->text != "Director") continue;
          const PyValue* name = item.get("name");
          if (name == nullptr || !name->is_string()) continue;
          std::string n = name->text;
          if (std::find(r.directors.begin(), r.directors.end(), trim(n)) == r.directors.end()) {
            add_name(r.directors, std::move(n));
          }
        }
      }
    }
  }

  CsvReader reader_;
  std::filesystem::path path_;
  FileKind kind_;
  SkipLog& skipped_;
  TmdbTable& table_;
  std::vector<std::string> header_;
  std::unordered_set<std::int64_t> seen_;
  std::vector<std::string_view> views_;  // scratch for the list fast path
  static constexpr std::size_t kNone = SIZE_MAX;
  std::size_t id_ = kNone, imdb_ = kNone, genres_ = kNone, keywords_ = kNone, language_ = kNone,
              overview_ = kNone, tagline_ = kNone, popularity_ = kNone, release_date_ = kNone,
              release_year_ = kNone, runtime_ = kNone, vote_average_ = kNone, vote_count_ = kNone,
              cast_ = kNone, crew_ = kNone, director_ = kNone;
};

// ---------------------------------------------------------------------------------------------
// Merge

int priority(FileKind kind) {
  switch (kind) {
    case FileKind::kTmdbMetadata:
      return 0;
    case FileKind::kTmdbKeywords:
      return 1;
    case FileKind::kTmdbCredits:
      return 2;
    case FileKind::kTmdb5000Movies:
      return 3;
    case FileKind::kTmdbUdacity:
      return 4;
    case FileKind::kTmdbCreditsTop3:
      return 5;
    default:
      return 6;
  }
}

struct TableIndex {
  const TmdbTable* table = nullptr;
  std::unordered_map<std::int64_t, std::int32_t> by_tmdb;
  std::unordered_map<std::int64_t, std::int32_t> by_imdb;
  std::int32_t joined_tmdb = 0;
  std::int32_t joined_imdb = 0;
  std::int32_t disagreements = 0;
  std::int32_t supplied = 0;  // movies that got at least one field from this table
};

template <typename T>
bool fill(T& to, const T& from) {
  if (!to.empty() || from.empty()) return false;
  to = from;
  return true;
}

template <typename T>
bool fill_number(T& to, T from) {
  if (to != 0 || from == 0) return false;
  to = from;
  return true;
}

bool fill_movie(Movie& m, const TmdbRecord& r) {
  bool any = false;
  any |= fill(m.overview, r.overview);
  any |= fill(m.tagline, r.tagline);
  any |= fill(m.keywords, r.keywords);
  any |= fill(m.cast, r.cast);
  any |= fill(m.directors, r.directors);
  any |= fill_number(m.runtime, r.runtime);
  any |= fill(m.release_date, r.release_date);
  any |= fill(m.language, r.language);
  any |= fill_number(m.popularity, r.popularity);
  any |= fill_number(m.vote_average, r.vote_average);
  any |= fill_number(m.vote_count, r.vote_count);
  return any;
}

}  // namespace

bool fix_utf8(std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  if (i == s.size() || is_valid_utf8(std::string_view(s).substr(i))) return false;
  std::string out = s.substr(0, i);
  out.reserve(s.size() + 8);
  while (i < s.size()) {
    const std::size_t n = utf8_length(s, i);
    if (n > 0) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    const auto b = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = cp1252_to_unicode(b);
    if (cp == 0) cp = 0xFFFD;  // one of CP1252's undefined bytes
    append_utf8(out, cp);
    ++i;
  }
  s = std::move(out);
  return true;
}

std::vector<std::string> split_top_cast(std::string_view text) {
  static constexpr std::array<std::string_view, 9> kSuffixes = {"Jr.", "Jr", "Sr.",  "Sr",  "II",
                                                                "III", "IV", "Jnr.", "Snr."};
  std::vector<std::string> out;
  text = trim(text);
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view part =
        trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!part.empty()) {
      const bool suffix = std::find(kSuffixes.begin(), kSuffixes.end(), part) != kSuffixes.end();
      if (suffix && !out.empty()) {
        out.back() += ", ";
        out.back() += part;
      } else {
        out.emplace_back(part);
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool tmdb_layout_has_imdb(FileKind kind) {
  return kind == FileKind::kTmdbMetadata || kind == FileKind::kTmdbUdacity;
}

TmdbTable load_tmdb_file(const std::filesystem::path& path, FileKind kind, SkipLog& skipped) {
  if (layout_name(kind) == nullptr) {
    throw Error(ErrorKind::kInternal,
                std::string("load_tmdb_file: ") + file_kind_name(kind) + " is not a TMDB layout");
  }
  TmdbTable table;
  table.kind = kind;
  table.path = path.string();
  Loader(path, kind, skipped, table).run();
  return table;
}

void merge_tmdb(Catalog& catalog, std::vector<TmdbTable>& tables, MetadataStats& stats,
                std::vector<std::string>& notes) {
  std::vector<std::size_t> order(tables.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int pa = priority(tables[a].kind);
    const int pb = priority(tables[b].kind);
    if (pa != pb) return pa < pb;
    return tables[a].rows.size() > tables[b].rows.size();
  });

  std::vector<TableIndex> index(tables.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    TableIndex& ix = index[k];
    ix.table = &tables[order[k]];
    const bool has_imdb = tmdb_layout_has_imdb(ix.table->kind);
    ix.by_tmdb.reserve(ix.table->rows.size());
    if (has_imdb) ix.by_imdb.reserve(ix.table->rows.size());
    for (std::size_t i = 0; i < ix.table->rows.size(); ++i) {
      const TmdbRecord& r = ix.table->rows[i];
      ix.by_tmdb.emplace(r.tmdb_id, static_cast<std::int32_t>(i));
      if (has_imdb) {
        if (const std::int64_t key = imdb_key(r.imdb_id); key != 0)
          ix.by_imdb.emplace(key, static_cast<std::int32_t>(i));
      }
    }
  }

  std::int32_t by_tmdb = 0;
  std::int32_t by_imdb = 0;
  std::int32_t disagreements = 0;
  for (Movie& m : catalog.movies()) {
    const std::int64_t imdb = imdb_key(m.imdb_id);
    bool tmdb_hit = false;
    bool imdb_hit = false;
    for (TableIndex& ix : index) {
      const TmdbRecord* row = nullptr;
      if (m.tmdb_id != 0) {
        if (const auto it = ix.by_tmdb.find(m.tmdb_id); it != ix.by_tmdb.end()) {
          row = &ix.table->rows[static_cast<std::size_t>(it->second)];
          ++ix.joined_tmdb;
          tmdb_hit = true;
        }
      }
      if (row == nullptr && imdb != 0 && !ix.by_imdb.empty()) {
        if (const auto it = ix.by_imdb.find(imdb); it != ix.by_imdb.end()) {
          row = &ix.table->rows[static_cast<std::size_t>(it->second)];
          ++ix.joined_imdb;
          imdb_hit = true;
          if (m.tmdb_id != 0 && row->tmdb_id != m.tmdb_id) {
            ++ix.disagreements;
            ++disagreements;
          }
        }
      }
      if (row != nullptr && fill_movie(m, *row)) ++ix.supplied;
    }
    if (tmdb_hit) {
      ++by_tmdb;
    } else if (imdb_hit) {
      ++by_imdb;
    }
  }

  stats.joined_by_tmdb += by_tmdb;
  stats.joined_by_imdb += by_imdb;
  stats.id_disagreements += disagreements;
  stats.overview = stats.keywords = stats.cast = stats.director = stats.cast_and_director = 0;
  for (const Movie& m : catalog.movies()) {
    stats.overview += m.overview.empty() ? 0 : 1;
    stats.keywords += m.keywords.empty() ? 0 : 1;
    stats.cast += m.cast.empty() ? 0 : 1;
    stats.director += m.directors.empty() ? 0 : 1;
    stats.cast_and_director += (!m.cast.empty() && !m.directors.empty()) ? 1 : 0;
  }

  for (const TableIndex& ix : index) {
    const TmdbTable& t = *ix.table;
    std::string note = std::string("TMDB ") + layout_name(t.kind) + " " + t.path + ": " +
                       std::to_string(t.rows.size()) + " movies";
    const auto count = [](std::int64_t n, const char* what) {
      return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
    };
    if (t.duplicates > 0) note += ", " + count(t.duplicates, "repeated id") + " dropped (first kept)";
    if (t.skipped > 0) note += ", " + count(t.skipped, "malformed row") + " skipped";
    if (t.bad_fields > 0) note += ", " + count(t.bad_fields, "unparseable list field") + " left empty";
    if (t.mojibake_repaired > 0) note += ", " + count(t.mojibake_repaired, "mojibake field") + " repaired";
    if (t.invalid_utf8 > 0) note += ", " + count(t.invalid_utf8, "field") + " with invalid UTF-8 fixed";
    note += "; matched " + std::to_string(ix.joined_tmdb + ix.joined_imdb) + " catalog movies (" +
            std::to_string(ix.joined_tmdb) + " by tmdb id";
    if (tmdb_layout_has_imdb(t.kind)) {
      note += ", " + std::to_string(ix.joined_imdb) + " by imdb id";
      if (ix.disagreements > 0) {
        note += ", of which " + std::to_string(ix.disagreements) + " have a different tmdb id in the links";
      }
    }
    note += "), first source of some field for " + std::to_string(ix.supplied);
    notes.push_back(std::move(note));
  }
}

}  // namespace mn
