#include "data/movielens.h"

#include <fcntl.h>
#include <omp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "io/csv_reader.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn {
namespace {

// ---------------------------------------------------------------------------------------------
// The fast ratings.csv path: blocks of the file are split at line ends and parsed by all
// threads; each thread fills its own arrays, appended in file order afterwards.

struct ParseError {
  std::size_t offset = SIZE_MAX;  // byte offset within the chunk
  std::string reason;
};

// One thread's piece of a block. Rows are written straight into the output arrays from `first`
// on; the piece's line count bounds how many there can be.
struct ChunkOut {
  std::size_t first = 0;
  std::size_t rows = 0;
  std::size_t lines = 0;
  bool grouped = true;
  std::int32_t first_user = 0;
  std::int32_t last_user = 0;
  ParseError error;
};

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool parse_id(const char*& p, const char* end, std::int32_t& out) {
  if (p == end || !is_digit(*p)) return false;
  std::int64_t v = 0;
  while (p != end && is_digit(*p)) {
    v = v * 10 + (*p - '0');
    if (v > INT32_MAX) return false;
    ++p;
  }
  out = static_cast<std::int32_t>(v);
  return true;
}

bool parse_rating(const char*& p, const char* end, float& out) {
  if (p == end || !is_digit(*p)) return false;
  std::int64_t whole = 0;
  while (p != end && is_digit(*p)) {
    whole = whole * 10 + (*p - '0');
    if (whole > 1000000) return false;
    ++p;
  }
  double value = static_cast<double>(whole);
  if (p != end && *p == '.') {
    ++p;
    double scale = 0.1;
    while (p != end && is_digit(*p)) {
      value += (*p - '0') * scale;
      scale *= 0.1;
      ++p;
    }
  }
  out = static_cast<float>(value);
  return true;
}

bool parse_time(const char*& p, const char* end, std::int64_t& out) {
  if (end - p >= 10 && p[4] == '-') {
    const char* q = p;
    while (q != end && *q != ',' && *q != '\r' && *q != '\n') ++q;
    const auto t = parse_datetime(std::string_view(p, static_cast<std::size_t>(q - p)));
    if (!t) return false;
    out = *t;
    p = q;
    return true;
  }
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  if (p == end || !is_digit(*p)) return false;
  std::int64_t v = 0;
  while (p != end && is_digit(*p)) {
    v = v * 10 + (*p - '0');
    if (v > (std::int64_t{1} << 50)) return false;
    ++p;
  }
  out = negative ? -v : v;
  return true;
}

bool on_scale(float r, const RatingScale& scale) {
  if (r < scale.min || r > scale.max) return false;
  const float steps = scale.half_stars ? r * 2 : r;
  return steps == std::floor(steps);
}

std::string scale_text(const RatingScale& scale) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g..%g in steps of %s", static_cast<double>(scale.min),
                static_cast<double>(scale.max), scale.half_stars ? "0.5" : "1");
  return buf;
}

// Counts '\n' bytes. std::count widens every lane to 64 bits; byte-wide counters that are
// flushed every 255 steps let the compiler compare 16 bytes per instruction.
std::size_t count_newlines(const char* p, const char* end) {
  constexpr std::size_t kLanes = 32;
  constexpr std::size_t kSteps = 255;
  std::size_t total = 0;
  while (static_cast<std::size_t>(end - p) >= kLanes * kSteps) {
    unsigned char acc[kLanes] = {};
    for (std::size_t i = 0; i < kSteps; ++i) {
      for (std::size_t j = 0; j < kLanes; ++j)
        acc[j] = static_cast<unsigned char>(acc[j] + (p[i * kLanes + j] == '\n'));
    }
    for (const unsigned char a : acc) total += a;
    p += kLanes * kSteps;
  }
  for (; p < end; ++p) total += *p == '\n';
  return total;
}

// The common line "123,456,4.5,1112484676\n" without any bounds checks: the caller guarantees a
// '\n' before the end of the buffer, and every loop stops at a non-digit. Returns the start of
// the next line, or nullptr for anything else (the careful parser then handles the line).
inline const char* parse_line_fast(const char* p, std::int32_t& user, std::int32_t& movie, float& rating,
                                   std::int64_t& ts) {
  auto digits = [](const char*& q, std::uint64_t& v, int max_digits) {
    const char* start = q;
    auto d = static_cast<unsigned>(static_cast<unsigned char>(*q) - '0');
    if (d > 9) return false;
    v = d;
    ++q;
    while ((d = static_cast<unsigned>(static_cast<unsigned char>(*q) - '0')) <= 9) {
      v = v * 10 + d;
      ++q;
    }
    return q - start <= max_digits;
  };
  std::uint64_t u = 0, m = 0, whole = 0, t = 0;
  if (!digits(p, u, 10) || *p++ != ',' || u > INT32_MAX) return nullptr;
  if (!digits(p, m, 10) || *p++ != ',' || m > INT32_MAX) return nullptr;
  if (!digits(p, whole, 2)) return nullptr;
  float r = static_cast<float>(whole);
  if (*p == '.') {
    const auto d = static_cast<unsigned>(static_cast<unsigned char>(p[1]) - '0');
    if (d > 9) return nullptr;
    r += static_cast<float>(d) * 0.1f;
    p += 2;
    if (static_cast<unsigned>(static_cast<unsigned char>(*p) - '0') <= 9) return nullptr;  // more decimals
  }
  if (*p++ != ',') return nullptr;
  if (!digits(p, t, 15)) return nullptr;
  if (*p == '\r') ++p;
  if (*p != '\n') return nullptr;
  user = static_cast<std::int32_t>(u);
  movie = static_cast<std::int32_t>(m);
  rating = r;
  ts = static_cast<std::int64_t>(t);
  return p + 1;
}

void parse_chunk(const char* begin, const char* end, const RatingScale& scale, RawRatings& raw,
                 ChunkOut& out) {
  std::int32_t* users = raw.users.data() + out.first;
  std::int32_t* movies = raw.movies.data() + out.first;
  float* ratings = raw.ratings.data() + out.first;
  std::int64_t* timestamps = raw.timestamps.data() + out.first;
  std::size_t n = 0;
  const char* p = begin;
  std::int32_t last_user = INT32_MIN;
  auto fail = [&](const char* at, std::string reason) {
    out.error.offset = static_cast<std::size_t>(at - begin);
    out.error.reason = std::move(reason);
    out.rows = n;
  };
  auto store = [&](std::int32_t user, std::int32_t movie, float rating, std::int64_t ts) {
    if (n == 0) out.first_user = user;
    if (user < last_user) out.grouped = false;
    last_user = user;
    users[n] = user;
    movies[n] = movie;
    ratings[n] = rating;
    timestamps[n] = ts;
    ++n;
  };
  const bool newline_terminated = end > begin && end[-1] == '\n';
  while (p < end) {
    if (newline_terminated) {
      std::int32_t user = 0, movie = 0;
      float rating = 0;
      std::int64_t ts = 0;
      if (const char* next = parse_line_fast(p, user, movie, rating, ts);
          next != nullptr && on_scale(rating, scale)) {
        ++out.lines;
        store(user, movie, rating, ts);
        p = next;
        continue;
      }
    }
    if (*p == '\n' || *p == '\r') {  // blank line
      if (*p == '\n') ++out.lines;
      ++p;
      continue;
    }
    const char* line = p;
    std::int32_t user = 0, movie = 0;
    float rating = 0;
    std::int64_t ts = 0;
    if (!parse_id(p, end, user)) return fail(line, "userId: expected a non-negative integer");
    if (p == end || *p++ != ',') return fail(line, "expected 4 fields: userId,movieId,rating,timestamp");
    if (!parse_id(p, end, movie)) return fail(line, "movieId: expected a non-negative integer");
    if (p == end || *p++ != ',') return fail(line, "expected 4 fields: userId,movieId,rating,timestamp");
    if (!parse_rating(p, end, rating)) return fail(line, "rating: expected a number");
    if (p == end || *p++ != ',') return fail(line, "expected 4 fields: userId,movieId,rating,timestamp");
    if (!parse_time(p, end, ts)) return fail(line, "timestamp: expected Unix seconds or YYYY-MM-DD HH:MM:SS");
    if (p != end && *p == '\r') ++p;
    if (p != end && *p != '\n') return fail(line, "unexpected text after the timestamp");
    if (p != end) ++p;
    ++out.lines;
    if (!on_scale(rating, scale)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", static_cast<double>(rating));
      return fail(line, std::string("rating: ") + buf + " is outside the scale " + scale_text(scale));
    }
    store(user, movie, rating, ts);
  }
  out.rows = n;
  out.last_user = last_user;
}

void resize_all(RawRatings& raw, std::size_t n) {
  raw.users.resize(n);
  raw.movies.resize(n);
  raw.ratings.resize(n);
  raw.timestamps.resize(n);
}

// Moves rows [from, from + n) down to `to` (pieces with blank lines leave gaps).
void move_rows(RawRatings& raw, std::size_t from, std::size_t to, std::size_t n) {
  if (from == to || n == 0) return;
  std::memmove(raw.users.data() + to, raw.users.data() + from, n * sizeof(std::int32_t));
  std::memmove(raw.movies.data() + to, raw.movies.data() + from, n * sizeof(std::int32_t));
  std::memmove(raw.ratings.data() + to, raw.ratings.data() + from, n * sizeof(float));
  std::memmove(raw.timestamps.data() + to, raw.timestamps.data() + from, n * sizeof(std::int64_t));
}

}  // namespace

RawRatings read_ratings_csv(const std::filesystem::path& path, RatingScale scale, int threads) {
  if (threads <= 0) threads = omp_get_max_threads();
  const std::string name = path.string();
  errno = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_io_error(name, "cannot open");
  struct stat st {};
  ::fstat(fd, &st);
  const auto file_size = static_cast<std::size_t>(st.st_size);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  RawRatings raw;
  raw.rating_min = scale.min;
  raw.rating_max = scale.max;
  raw.half_stars = scale.half_stars;
  // Blocks of 32 MiB; a small file gets a buffer of its own size.
  const std::size_t kBlock = std::min<std::size_t>(32 << 20, std::max<std::size_t>(file_size + 1, 1 << 16));
  std::string buf(kBlock, '\0');
  std::size_t have = 0;
  bool eof = false;
  bool header_done = false;
  std::size_t line_base = 1;  // line number of the first line in the current chunk
  std::size_t consumed = 0;
  Progress progress("reading " + path.filename().string(), file_size, "bytes");
  std::vector<ChunkOut> outs(static_cast<std::size_t>(threads));
  bool reserved = false;

  auto close_fd = [&] { ::close(fd); };
  try {
    while (!eof || have > 0) {
      while (!eof && have < kBlock) {
        const ssize_t n = ::read(fd, buf.data() + have, kBlock - have);
        if (n < 0) {
          if (errno == EINTR) continue;
          throw_io_error(name, "read failed");
        }
        if (n == 0) eof = true;
        have += static_cast<std::size_t>(n);
      }
      std::size_t start = 0;
      if (!header_done) {
        if (have >= 3 && std::memcmp(buf.data(), "\xEF\xBB\xBF", 3) == 0) start = 3;
        const char* nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start));
        if (nl == nullptr) throw_input_error(name, 1, "no data after the header");
        std::string_view header(buf.data() + start, static_cast<std::size_t>(nl - buf.data()) - start);
        if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
        if (header != "userId,movieId,rating,timestamp") {
          throw_input_error(name, 1,
                            "expected the header 'userId,movieId,rating,timestamp', found '" +
                                std::string(header.substr(0, 80)) + "'");
        }
        start = static_cast<std::size_t>(nl - buf.data()) + 1;
        header_done = true;
        line_base = 2;
        if (!reserved) {
          // Size the arrays once from the file size and the first lines' length.
          const std::size_t sample = std::min<std::size_t>(have - start, 1 << 20);
          std::size_t lines = 0;
          for (std::size_t i = start; i < start + sample; ++i) lines += buf[i] == '\n';
          if (lines > 0) {
            const std::size_t estimate = static_cast<std::size_t>(
                static_cast<double>(file_size) / (static_cast<double>(sample) / static_cast<double>(lines)) *
                    1.02 +
                1024);
            raw.users.reserve(estimate);
            raw.movies.reserve(estimate);
            raw.ratings.reserve(estimate);
            raw.timestamps.reserve(estimate);
          }
          reserved = true;
        }
      }
      // The chunk ends at the last complete line (or at the end of the file).
      std::size_t stop = have;
      if (!eof) {
        const char* last = static_cast<const char*>(memrchr(buf.data() + start, '\n', have - start));
        if (last == nullptr) throw_input_error(name, line_base, "line longer than 32 MiB");
        stop = static_cast<std::size_t>(last - buf.data()) + 1;
      }
      // Split [start, stop) into one piece per thread at line ends.
      std::vector<std::size_t> cuts(static_cast<std::size_t>(threads) + 1, start);
      cuts.back() = stop;
      for (int t = 1; t < threads; ++t) {
        std::size_t cut =
            start + (stop - start) * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
        cut = std::max(cut, cuts[static_cast<std::size_t>(t) - 1]);
        const void* nl = cut < stop ? std::memchr(buf.data() + cut, '\n', stop - cut) : nullptr;
        cuts[static_cast<std::size_t>(t)] =
            nl == nullptr ? stop : static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
      }
      // Each piece gets room for as many rows as it has lines (a last line may lack its '\n'):
      // count in parallel, size the arrays once, then parse in parallel into them.
      const std::size_t rows_before = raw.users.size();
#pragma omp parallel num_threads(threads)
      {
        // Strided so that every piece is parsed even if fewer threads than asked start.
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        for (auto t = static_cast<std::size_t>(omp_get_thread_num()); t < outs.size(); t += team) {
          const char* piece = buf.data() + cuts[t];
          const char* piece_end = buf.data() + cuts[t + 1];
          outs[t] = ChunkOut{};
          outs[t].lines =
              count_newlines(piece, piece_end) + (piece_end > piece && piece_end[-1] != '\n' ? 1 : 0);
        }
#pragma omp barrier
#pragma omp single
        {
          std::size_t rows = rows_before;
          for (ChunkOut& o : outs) {
            o.first = rows;
            rows += o.lines;
            o.lines = 0;
          }
          resize_all(raw, rows);
        }
        for (auto t = static_cast<std::size_t>(omp_get_thread_num()); t < outs.size(); t += team) {
          parse_chunk(buf.data() + cuts[t], buf.data() + cuts[t + 1], scale, raw, outs[t]);
        }
      }
      std::size_t filled = outs[0].first;
      for (int t = 0; t < threads; ++t) {
        ChunkOut& out = outs[static_cast<std::size_t>(t)];
        if (out.error.offset != SIZE_MAX) {
          const char* piece = buf.data() + cuts[static_cast<std::size_t>(t)];
          const std::size_t line =
              line_base + static_cast<std::size_t>(std::count(piece, piece + out.error.offset, '\n'));
          throw_input_error(name, line, out.error.reason);
        }
        if (out.rows > 0) {
          if (filled > 0 && out.first_user < raw.users[filled - 1]) raw.grouped_by_user = false;
          raw.grouped_by_user = raw.grouped_by_user && out.grouped;
        }
        line_base += out.lines;
        move_rows(raw, out.first, filled, out.rows);
        filled += out.rows;
      }
      resize_all(raw, filled);
      consumed += stop;
      progress.set(consumed);
      std::memmove(buf.data(), buf.data() + stop, have - stop);
      have -= stop;
    }
  } catch (...) {
    close_fd();
    throw;
  }
  close_fd();
  progress.set(file_size);
  progress.finish();
  return raw;
}

RawRatings read_ratings_plain(const std::filesystem::path& path, const std::string& delimiter,
                              RatingScale scale) {
  RawRatings raw;
  raw.rating_min = scale.min;
  raw.rating_max = scale.max;
  raw.half_stars = scale.half_stars;
  CsvReader reader = CsvReader::open(path, {delimiter, false});
  std::int32_t last_user = INT32_MIN;
  while (reader.next_or_throw()) {
    if (reader.size() != 4) {
      throw_input_error(
          reader.name(), reader.line(),
          "expected 4 fields (user, movie, rating, timestamp), found " + std::to_string(reader.size()));
    }
    const auto user = parse_int(reader[0]);
    const auto movie = parse_int(reader[1]);
    const auto rating = parse_double(reader[2]);
    const auto ts = parse_timestamp(reader[3]);
    if (!user || *user < 0 || *user > INT32_MAX)
      throw_input_error(reader.name(), reader.line(), "user id: expected an integer");
    if (!movie || *movie < 0 || *movie > INT32_MAX)
      throw_input_error(reader.name(), reader.line(), "movie id: expected an integer");
    if (!rating) throw_input_error(reader.name(), reader.line(), "rating: expected a number");
    if (!ts) throw_input_error(reader.name(), reader.line(), "timestamp: expected Unix seconds");
    const auto r = static_cast<float>(*rating);
    if (!on_scale(r, scale)) {
      throw_input_error(
          reader.name(), reader.line(),
          "rating: " + std::string(trim(reader[2])) + " is outside the scale " + scale_text(scale));
    }
    const auto u = static_cast<std::int32_t>(*user);
    if (u < last_user) raw.grouped_by_user = false;
    last_user = u;
    raw.users.push_back(u);
    raw.movies.push_back(static_cast<std::int32_t>(*movie));
    raw.ratings.push_back(r);
    raw.timestamps.push_back(*ts);
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Movies, links, users, tags, genome.

namespace {

std::vector<std::string> split_genres(std::string_view text) {
  std::vector<std::string> out;
  text = trim(text);
  if (text.empty() || text == "(no genres listed)") return out;
  for (const auto g : split(text, "|")) {
    if (!trim(g).empty()) out.emplace_back(trim(g));
  }
  return out;
}

std::string utf8_or_latin1(std::string_view s) {
  return is_valid_utf8(s) ? std::string(s) : latin1_to_utf8(s);
}

void add_movie(Catalog& catalog, Movie movie, const std::string& file, std::size_t line, SkipLog& skipped) {
  if (catalog.index_of(movie.movie_id)) {
    skipped.add(file, line,
                "movieId " + std::to_string(movie.movie_id) + " appears twice; the first row is kept");
    return;
  }
  catalog.add(std::move(movie));
}

std::vector<std::size_t> require_columns(CsvReader& reader, const std::vector<std::string>& names) {
  if (!reader.next_or_throw()) throw_input_error(reader.name(), 1, "empty file");
  std::vector<std::size_t> where;
  for (const auto& name : names) {
    std::size_t found = SIZE_MAX;
    for (std::size_t i = 0; i < reader.size(); ++i) {
      if (trim(reader[i]) == name) found = i;
    }
    if (found == SIZE_MAX) throw_input_error(reader.name(), reader.line(), "missing column '" + name + "'");
    where.push_back(found);
  }
  return where;
}

}  // namespace

void read_movies_csv(const std::filesystem::path& path, Catalog& catalog, SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path);
  const auto col = require_columns(reader, {"movieId", "title", "genres"});
  while (reader.next_or_throw()) {
    if (reader.size() != 3) {
      throw_input_error(reader.name(), reader.line(),
                        "expected 3 fields (movieId,title,genres), found " + std::to_string(reader.size()));
    }
    const auto id = parse_int(reader[col[0]]);
    if (!id)
      throw_input_error(reader.name(), reader.line(),
                        "movieId: expected an integer, found '" + std::string(reader[col[0]]) + "'");
    Movie movie;
    movie.movie_id = *id;
    movie.title = std::string(trim(reader[col[1]]));
    movie.year = year_from_title(movie.title);
    movie.genres = split_genres(reader[col[2]]);
    add_movie(catalog, std::move(movie), reader.name(), reader.line(), skipped);
  }
}

void read_movies_1m(const std::filesystem::path& path, Catalog& catalog, SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path, {"::", false});
  while (reader.next_or_throw()) {
    if (reader.size() != 3) {
      throw_input_error(reader.name(), reader.line(),
                        "expected 3 fields (MovieID::Title::Genres), found " + std::to_string(reader.size()));
    }
    const auto id = parse_int(reader[0]);
    if (!id) throw_input_error(reader.name(), reader.line(), "MovieID: expected an integer");
    Movie movie;
    movie.movie_id = *id;
    movie.title = utf8_or_latin1(trim(reader[1]));
    movie.year = year_from_title(movie.title);
    movie.genres = split_genres(utf8_or_latin1(reader[2]));
    add_movie(catalog, std::move(movie), reader.name(), reader.line(), skipped);
  }
}

std::vector<std::string> default_genres_100k() {
  return {"unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
          "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
          "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};
}

std::vector<std::string> read_genres_100k(const std::filesystem::path& path) {
  CsvReader reader = CsvReader::open(path, {"|", false});
  std::vector<std::pair<std::int64_t, std::string>> rows;
  while (reader.next_or_throw()) {
    if (reader.size() != 2) throw_input_error(reader.name(), reader.line(), "expected 'name|index'");
    const auto idx = parse_int(reader[1]);
    if (!idx) throw_input_error(reader.name(), reader.line(), "genre index: expected an integer");
    rows.emplace_back(*idx, std::string(reader[0]));
  }
  std::sort(rows.begin(), rows.end());
  std::vector<std::string> names;
  for (auto& [idx, name] : rows) {
    if (idx != static_cast<std::int64_t>(names.size()))
      throw_input_error(path.string(), 0, "genre indices are not 0..n-1");
    names.push_back(std::move(name));
  }
  return names;
}

void read_movies_100k(const std::filesystem::path& path, const std::vector<std::string>& genre_names,
                      Catalog& catalog, SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path, {"|", false});
  const std::size_t expected = 5 + genre_names.size();
  while (reader.next_or_throw()) {
    if (reader.size() != expected) {
      throw_input_error(reader.name(), reader.line(),
                        "expected " + std::to_string(expected) + " '|'-separated fields, found " +
                            std::to_string(reader.size()));
    }
    const auto id = parse_int(reader[0]);
    if (!id) throw_input_error(reader.name(), reader.line(), "movie id: expected an integer");
    Movie movie;
    movie.movie_id = *id;
    movie.title = utf8_or_latin1(trim(reader[1]));
    movie.year = year_from_title(movie.title);
    if (movie.year == 0 && reader[2].size() >= 4) {  // "01-Jan-1995"
      if (const auto y = parse_int(reader[2].substr(reader[2].size() - 4))) movie.year = static_cast<int>(*y);
    }
    for (std::size_t g = 0; g < genre_names.size(); ++g) {
      const std::string_view flag = trim(reader[5 + g]);
      if (flag == "1") {
        if (genre_names[g] != "unknown") movie.genres.push_back(genre_names[g]);
      } else if (flag != "0") {
        throw_input_error(reader.name(), reader.line(), "genre flag " + genre_names[g] + ": expected 0 or 1");
      }
    }
    add_movie(catalog, std::move(movie), reader.name(), reader.line(), skipped);
  }
}

std::int64_t read_links(const std::filesystem::path& path, Catalog& catalog, bool fill_only,
                        SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path);
  const auto col = require_columns(reader, {"movieId", "imdbId", "tmdbId"});
  std::int64_t linked = 0;
  while (reader.next_or_throw()) {
    if (reader.size() != 3) {
      skipped.add(reader.name(), reader.line(), "expected 3 fields (movieId,imdbId,tmdbId)");
      continue;
    }
    const auto id = parse_int(reader[col[0]]);
    if (!id) {
      skipped.add(reader.name(), reader.line(), "movieId: not an integer");
      continue;
    }
    const auto index = catalog.index_of(*id);
    if (!index) continue;  // a links file may cover more movies than the catalog has
    Movie& movie = catalog[*index];
    if (fill_only && (movie.tmdb_id != 0 || !movie.imdb_id.empty())) continue;
    std::string_view imdb = trim(reader[col[1]]);
    if (starts_with_ci(imdb, "tt")) imdb.remove_prefix(2);
    if (!imdb.empty()) {
      if (!parse_int(imdb)) {
        skipped.add(reader.name(), reader.line(), "imdbId: not a number");
      } else {
        movie.imdb_id = std::string(imdb);
        if (movie.imdb_id.size() < 7) movie.imdb_id.insert(0, 7 - movie.imdb_id.size(), '0');
      }
    }
    const std::string_view tmdb = trim(reader[col[2]]);
    if (!tmdb.empty()) {
      if (const auto t = parse_int(tmdb)) {
        movie.tmdb_id = *t;
      } else {
        skipped.add(reader.name(), reader.line(), "tmdbId: not an integer");
      }
    }
    ++linked;
  }
  return linked;
}

namespace {
const std::array<const char*, 21> kOccupations1m = {"other",
                                                    "academic/educator",
                                                    "artist",
                                                    "clerical/admin",
                                                    "college/grad student",
                                                    "customer service",
                                                    "doctor/health care",
                                                    "executive/managerial",
                                                    "farmer",
                                                    "homemaker",
                                                    "K-12 student",
                                                    "lawyer",
                                                    "programmer",
                                                    "retired",
                                                    "sales/marketing",
                                                    "scientist",
                                                    "self-employed",
                                                    "technician/engineer",
                                                    "tradesman/craftsman",
                                                    "unemployed",
                                                    "writer"};
}

void read_users_1m(const std::filesystem::path& path, std::vector<UserInfo>& users, SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path, {"::", false});
  while (reader.next_or_throw()) {
    if (reader.size() != 5) {
      skipped.add(reader.name(), reader.line(),
                  "expected 5 fields (UserID::Gender::Age::Occupation::Zip-code)");
      continue;
    }
    const auto id = parse_int(reader[0]);
    const auto age = parse_int(reader[2]);
    const auto occ = parse_int(reader[3]);
    if (!id || !age || !occ) {
      skipped.add(reader.name(), reader.line(), "UserID, Age and Occupation must be integers");
      continue;
    }
    UserInfo user;
    user.user_id = *id;
    user.age = static_cast<std::int32_t>(*age);
    user.gender = std::string(trim(reader[1]));
    user.occupation = *occ >= 0 && *occ < static_cast<std::int64_t>(kOccupations1m.size())
                          ? kOccupations1m[static_cast<std::size_t>(*occ)]
                          : std::to_string(*occ);
    user.zip = std::string(trim(reader[4]));
    users.push_back(std::move(user));
  }
}

void read_users_100k(const std::filesystem::path& path, std::vector<UserInfo>& users, SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path, {"|", false});
  while (reader.next_or_throw()) {
    if (reader.size() != 5) {
      skipped.add(reader.name(), reader.line(), "expected 5 fields (id|age|gender|occupation|zip)");
      continue;
    }
    const auto id = parse_int(reader[0]);
    const auto age = parse_int(reader[1]);
    if (!id || !age) {
      skipped.add(reader.name(), reader.line(), "user id and age must be integers");
      continue;
    }
    users.push_back({*id, static_cast<std::int32_t>(*age), std::string(trim(reader[2])),
                     std::string(trim(reader[3])), std::string(trim(reader[4]))});
  }
}

void read_tags_csv(const std::filesystem::path& path, Catalog& catalog, std::vector<TagApplication>& tags,
                   SkipLog& skipped) {
  CsvReader reader = CsvReader::open(path);
  const auto col = require_columns(reader, {"userId", "movieId", "tag", "timestamp"});
  std::vector<std::unordered_set<std::string>> seen(static_cast<std::size_t>(catalog.size()));
  while (reader.next_or_throw()) {
    if (reader.size() != 4) {
      skipped.add(reader.name(), reader.line(), "expected 4 fields (userId,movieId,tag,timestamp)");
      continue;
    }
    const auto user = parse_int(reader[col[0]]);
    const auto movie = parse_int(reader[col[1]]);
    const auto ts = parse_timestamp(reader[col[3]]);
    if (!user || !movie || !ts) {
      skipped.add(reader.name(), reader.line(), "userId, movieId and timestamp must be numbers");
      continue;
    }
    const auto index = catalog.index_of(*movie);
    if (!index) {
      skipped.add(reader.name(), reader.line(),
                  "movieId " + std::to_string(*movie) + " is not in the movies file");
      continue;
    }
    std::string tag(trim(reader[col[2]]));
    if (tag.empty()) {
      skipped.add(reader.name(), reader.line(), "empty tag");
      continue;
    }
    std::string lower = to_lower_ascii(tag);
    if (seen[static_cast<std::size_t>(*index)].insert(lower).second)
      catalog[*index].tags.push_back(std::move(lower));
    tags.push_back({*user, *index, std::move(tag), *ts});
  }
}

Genome read_genome(const std::filesystem::path& scores, const std::filesystem::path& tags_path,
                   const Catalog& catalog, SkipLog& skipped) {
  Genome genome;
  {
    CsvReader reader = CsvReader::open(tags_path);
    const auto col = require_columns(reader, {"tagId", "tag"});
    std::vector<std::pair<std::int64_t, std::string>> rows;
    while (reader.next_or_throw()) {
      const auto id = reader.size() == 2 ? parse_int(reader[col[0]]) : std::nullopt;
      if (!id) throw_input_error(reader.name(), reader.line(), "expected 'tagId,tag' with an integer tagId");
      rows.emplace_back(*id, std::string(reader[col[1]]));
    }
    std::sort(rows.begin(), rows.end());
    for (auto& [id, tag] : rows) {
      if (id != static_cast<std::int64_t>(genome.tags.size()) + 1)
        throw_input_error(tags_path.string(), 0, "tagIds are not 1..n");
      genome.tags.push_back(std::move(tag));
    }
  }
  const std::size_t n_tags = genome.tags.size();
  std::unordered_map<std::int32_t, std::size_t> row_of;
  CsvReader reader = CsvReader::open(scores);
  const auto col = require_columns(reader, {"movieId", "tagId", "relevance"});
  while (reader.next_or_throw()) {
    if (reader.size() != 3)
      throw_input_error(reader.name(), reader.line(), "expected 3 fields: movieId,tagId,relevance");
    const std::int64_t movie = parse_int(reader[col[0]]).value_or(-1);
    const std::int64_t tag = parse_int(reader[col[1]]).value_or(-1);
    const double rel = parse_double(reader[col[2]]).value_or(-1.0);
    if (movie < 0 || rel < 0)
      throw_input_error(reader.name(), reader.line(), "expected 'movieId,tagId,relevance' numbers");
    if (tag < 1 || static_cast<std::size_t>(tag) > n_tags)
      throw_input_error(reader.name(), reader.line(), "tagId: not in genome-tags.csv");
    const auto index = catalog.index_of(movie);
    if (!index) {
      skipped.add(reader.name(), reader.line(),
                  "movieId " + std::to_string(movie) + " is not in the movies file");
      continue;
    }
    auto [it, added] = row_of.emplace(*index, genome.items.size());
    if (added) {
      genome.items.push_back(*index);
      genome.relevance.resize(genome.items.size() * n_tags, 0.0f);
    }
    genome.relevance[it->second * n_tags + static_cast<std::size_t>(tag - 1)] = static_cast<float>(rel);
  }
  return genome;
}

// ---------------------------------------------------------------------------------------------
// Dense ids and the CSR / CSC build.

namespace {

// Maps raw ids in [0, max] to dense indices; a flat table when the id range is small, a hash
// map otherwise.
class IdMap {
 public:
  explicit IdMap(std::int32_t max_id)
      : dense_(max_id < (64 << 20) ? static_cast<std::size_t>(max_id) + 1 : 0, -1) {}
  void set(std::int32_t raw, std::int32_t dense) {
    if (!dense_.empty()) {
      dense_[static_cast<std::size_t>(raw)] = dense;
    } else {
      sparse_[raw] = dense;
    }
  }
  std::int32_t get(std::int32_t raw) const {
    if (!dense_.empty())
      return raw >= 0 && static_cast<std::size_t>(raw) < dense_.size() ? dense_[static_cast<std::size_t>(raw)]
                                                                       : -1;
    const auto it = sparse_.find(raw);
    return it == sparse_.end() ? -1 : it->second;
  }

 private:
  std::vector<std::int32_t> dense_;
  std::unordered_map<std::int32_t, std::int32_t> sparse_;
};

IdMap catalog_map(const Catalog& catalog, std::int32_t max_rated) {
  std::int32_t max_id = max_rated;
  for (const Movie& m : catalog.movies()) {
    if (m.movie_id <= INT32_MAX) max_id = std::max(max_id, static_cast<std::int32_t>(m.movie_id));
  }
  IdMap map(max_id);
  for (std::int32_t i = 0; i < catalog.size(); ++i) {
    if (catalog[i].movie_id >= 0 && catalog[i].movie_id <= INT32_MAX)
      map.set(static_cast<std::int32_t>(catalog[i].movie_id), i);
  }
  return map;
}

}  // namespace

Interactions build_interactions(RawRatings&& raw, Catalog& catalog, std::vector<std::string>& notes) {
  Interactions out;
  out.rating_min = raw.rating_min;
  out.rating_max = raw.rating_max;
  const std::size_t nnz = raw.users.size();
  const std::int32_t max_movie =
      raw.movies.empty() ? 0 : *std::max_element(raw.movies.begin(), raw.movies.end());
  IdMap items = catalog_map(catalog, max_movie);
  // Movies rated but missing from the movies file still get an item.
  std::int64_t added = 0;
  bool all_known = true;
#pragma omp parallel for schedule(static) reduction(&& : all_known)
  for (std::size_t i = 0; i < nnz; ++i) all_known = all_known && items.get(raw.movies[i]) >= 0;
  for (std::size_t i = 0; i < nnz && !all_known; ++i) {
    if (items.get(raw.movies[i]) < 0) {
      Movie movie;
      movie.movie_id = raw.movies[i];
      movie.title = "movie " + std::to_string(raw.movies[i]);
      items.set(raw.movies[i], catalog.add(std::move(movie)));
      ++added;
    }
  }
  if (added > 0) {
    notes.push_back(
        std::to_string(added) +
        " rated movies are missing from the movies file; they were added with a placeholder title");
  }

  // Users: dense in ascending order of the file's ids.
  std::vector<std::int32_t> distinct_users;
  if (raw.grouped_by_user) {
    for (std::size_t i = 0; i < nnz; ++i) {
      if (i == 0 || raw.users[i] != raw.users[i - 1]) distinct_users.push_back(raw.users[i]);
    }
  } else {
    distinct_users = raw.users;
    std::sort(distinct_users.begin(), distinct_users.end());
    distinct_users.erase(std::unique(distinct_users.begin(), distinct_users.end()), distinct_users.end());
  }
  out.user_ids.assign(distinct_users.begin(), distinct_users.end());
  const std::size_t n_users = distinct_users.size();
  out.user_ptr.assign(n_users + 1, 0);

  if (raw.grouped_by_user) {
    // The file order already is CSR order: reuse the arrays.
    std::size_t u = 0;
    for (std::size_t i = 0; i < nnz; ++i) {
      if (i > 0 && raw.users[i] != raw.users[i - 1]) out.user_ptr[++u] = static_cast<std::int64_t>(i);
    }
    out.user_ptr[n_users] = static_cast<std::int64_t>(nnz);
    std::vector<std::int32_t>().swap(raw.users);
    out.items = std::move(raw.movies);
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < nnz; ++i) out.items[i] = items.get(out.items[i]);
    out.ratings = std::move(raw.ratings);
    out.timestamps = std::move(raw.timestamps);
  } else {
    IdMap users(distinct_users.empty() ? 0 : distinct_users.back());
    for (std::size_t u = 0; u < n_users; ++u) users.set(distinct_users[u], static_cast<std::int32_t>(u));
    std::vector<std::int32_t> dense_user(nnz);
    for (std::size_t i = 0; i < nnz; ++i) {
      dense_user[i] = users.get(raw.users[i]);
      ++out.user_ptr[static_cast<std::size_t>(dense_user[i]) + 1];
    }
    std::vector<std::int32_t>().swap(raw.users);
    std::partial_sum(out.user_ptr.begin(), out.user_ptr.end(), out.user_ptr.begin());
    out.items.resize(nnz);
    out.ratings.resize(nnz);
    out.timestamps.resize(nnz);
    std::vector<std::int64_t> cursor(out.user_ptr.begin(), out.user_ptr.end() - 1);
    for (std::size_t i = 0; i < nnz; ++i) {
      const auto pos = static_cast<std::size_t>(cursor[static_cast<std::size_t>(dense_user[i])]++);
      out.items[pos] = items.get(raw.movies[i]);
      out.ratings[pos] = raw.ratings[i];
      out.timestamps[pos] = raw.timestamps[i];
    }
    raw = RawRatings{};
  }
  out.finish(catalog.size());
  return out;
}

std::vector<RatingTriple> map_split(const RawRatings& raw, const Interactions& interactions,
                                    const Catalog& catalog, const std::filesystem::path& path) {
  std::unordered_map<std::int64_t, std::int32_t> user_index;
  for (std::int32_t u = 0; u < interactions.n_users(); ++u)
    user_index.emplace(interactions.user_ids[static_cast<std::size_t>(u)], u);
  std::vector<RatingTriple> out;
  out.reserve(raw.users.size());
  for (std::size_t i = 0; i < raw.users.size(); ++i) {
    const auto u = user_index.find(raw.users[i]);
    const auto item = catalog.index_of(raw.movies[i]);
    if (u == user_index.end() || !item) {
      throw_input_error(path.string(), 0,
                        "row " + std::to_string(i + 1) + ": user " + std::to_string(raw.users[i]) +
                            " or movie " + std::to_string(raw.movies[i]) + " is not in u.data / u.item");
    }
    out.push_back({u->second, *item, raw.ratings[i], raw.timestamps[i]});
  }
  return out;
}

}  // namespace mn
