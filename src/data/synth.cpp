#include "data/synth.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <numbers>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "io/file.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn {
namespace {

// ---- random numbers ------------------------------------------------------------------------

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// What a stream is for; each (seed, stream, index) triple gets its own generator.
enum class Stream : std::uint64_t { kUserActivity = 1, kUserRatings, kItem, kItemOrder, kGenre };

// SplitMix64 (passes BigCrush) with our own uniform/normal transforms, so that the output is the
// same with every standard library.
class Rng {
 public:
  Rng(std::uint64_t seed, Stream stream, std::uint64_t index)
      : state_(mix64(mix64(seed + static_cast<std::uint64_t>(stream) * kGolden) ^ mix64(index + kGolden))) {}

  std::uint64_t next() {
    state_ += kGolden;
    return mix64(state_);
  }
  // [0, 1)
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // (0, 1)
  double uniform_open() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // 0..n-1
  std::uint64_t below(std::uint64_t n) {
    const auto v = static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
    return v < n ? v : n - 1;
  }
  // Standard normal (Box-Muller, both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_open()));
    const double theta = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

 private:
  std::uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& weights) : prob_(weights.size()), alias_(weights.size()) {
    const std::size_t n = weights.size();
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / total;
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (const std::uint32_t i : large) prob_[i] = 1.0, alias_[i] = i;
    for (const std::uint32_t i : small) prob_[i] = 1.0, alias_[i] = i;
  }

  std::uint32_t draw(Rng& rng) const {
    const auto i = static_cast<std::uint32_t>(rng.below(prob_.size()));
    return rng.uniform() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
};

// ---- the shape -----------------------------------------------------------------------------

constexpr double kZipfExponent = 1.0;
constexpr double kZipfOffset = 10.0;      // weight of popularity rank r (0-based): 1 / (r + 1 + offset)^s
constexpr std::int64_t kMinPerUser = 20;  // MovieLens keeps users with at least 20 ratings
constexpr double kActivitySigma = 1.4;    // log-normal spread of the ratings above the floor
constexpr int kFactors = 8;               // rank of the user x movie taste term
constexpr std::int64_t kFirstTime = 789652009;   // 1995-01-09, ML-25M's first rating
constexpr std::int64_t kLastTime = 1574327703;   // 2019-11-21, ML-25M's last rating
constexpr std::int64_t kChunkRatings = 1 << 18;  // ratings per unit of parallel work (at most)

// ML-25M's rating histogram, 0.5 .. 5.0.
constexpr std::array<double, 10> kRatingCounts{393068,  776815,  399490,  1640868, 1262797,
                                               4896928, 3177318, 6639798, 2200539, 3612474};
constexpr std::array<const char*, 10> kRatingText{"0.5", "1.0", "1.5", "2.0", "2.5",
                                                  "3.0", "3.5", "4.0", "4.5", "5.0"};

// The latent score is a sum of unit normals with these weights (squares sum to 1).
constexpr double kUserBiasWeight = 0.40;
constexpr double kItemQualityWeight = 0.35;
constexpr double kTasteWeight = 0.35;
constexpr double kNoiseVariance = 1.0 - 0.40 * 0.40 - 0.35 * 0.35 - 0.35 * 0.35;

// MovieLens genres (alphabetical, as MovieLens lists them) and roughly their ML-25M frequencies.
constexpr std::array<const char*, 19> kGenres{"Action", "Adventure",   "Animation", "Children", "Comedy",
                                              "Crime",  "Documentary", "Drama",     "Fantasy",  "Film-Noir",
                                              "Horror", "IMAX",        "Musical",   "Mystery",  "Romance",
                                              "Sci-Fi", "Thriller",    "War",       "Western"};
constexpr std::array<double, 19> kGenreWeights{7348, 4145, 2929, 2935, 16870, 5319, 5605, 25606, 2731, 353,
                                               5989, 195,  1054, 2925, 7719,  3595, 8654, 1874,  1399};

// Normal quantiles of the histogram's cumulative shares: score < cut[k] gives rating k.
std::array<double, 9> rating_cuts() {
  const double total = std::accumulate(kRatingCounts.begin(), kRatingCounts.end(), 0.0);
  std::array<double, 9> cuts{};
  double cumulative = 0;
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    cumulative += kRatingCounts[k] / total;
    double lo = -10, hi = 10;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < cumulative ? lo : hi) = mid;
    }
    cuts[k] = 0.5 * (lo + hi);
  }
  return cuts;
}

void validate(const SynthOptions& o) {
  const auto fail = [](const std::string& why) { throw Error(ErrorKind::kInvalidInput, "synth: " + why); };
  if (o.users < 1 || o.items < 1 || o.ratings < 1) fail("--users, --items and --ratings must be at least 1");
  if (o.users > INT32_MAX || o.items > INT32_MAX) fail("--users and --items must be below 2^31");
  if (o.ratings < o.users) {
    fail("every user needs a rating: --ratings " + std::to_string(o.ratings) + " is below --users " +
         std::to_string(o.users));
  }
  if (o.ratings / o.users + (o.ratings % o.users != 0 ? 1 : 0) > o.items) {
    fail("--users " + std::to_string(o.users) + " x --items " + std::to_string(o.items) +
         " is below --ratings " + std::to_string(o.ratings) + ": a user rates a movie at most once");
  }
  if (o.out.empty()) fail("--out is required");
}

// Ratings per user: a floor (20, or less when ratings/users is smaller) plus a log-normal share of
// the rest, each at most `items`, summing exactly to `ratings`.
std::vector<std::int64_t> user_counts(const SynthOptions& o) {
  const auto n = static_cast<std::size_t>(o.users);
  const std::int64_t base = std::min({o.ratings / o.users, kMinPerUser, o.items});
  const std::int64_t cap = o.items - base;  // most extra ratings a user can take
  std::vector<std::int64_t> extra(n, 0);
  std::vector<double> weight(n);
  for (std::size_t u = 0; u < n; ++u) {
    Rng rng(o.seed, Stream::kUserActivity, u);
    weight[u] = std::exp(kActivitySigma * rng.normal());
  }
  const std::int64_t to_share = o.ratings - o.users * base;
  if (to_share > 0) {
    // Water-filling: users whose share would pass the cap get the cap; the rest share what is left.
    std::vector<std::uint32_t> open(n);
    std::iota(open.begin(), open.end(), 0u);
    std::int64_t remaining = to_share;
    double open_weight = 0;
    for (;;) {
      open_weight = 0;
      for (const std::uint32_t u : open) open_weight += weight[u];
      std::vector<std::uint32_t> still_open;
      still_open.reserve(open.size());
      for (const std::uint32_t u : open) {
        if (static_cast<double>(remaining) * weight[u] / open_weight >= static_cast<double>(cap)) {
          extra[u] = cap;
        } else {
          still_open.push_back(u);
        }
      }
      if (still_open.size() == open.size()) break;
      remaining -= cap * static_cast<std::int64_t>(open.size() - still_open.size());
      open = std::move(still_open);
      if (open.empty() || remaining <= 0) break;
    }
    // Largest remainders: floor every share, then one more to the largest fractional parts.
    std::vector<std::pair<double, std::uint32_t>> fractions;
    fractions.reserve(open.size());
    std::int64_t given = 0;
    for (const std::uint32_t u : open) {
      const double share = static_cast<double>(remaining) * weight[u] / open_weight;
      extra[u] = std::min(cap, static_cast<std::int64_t>(share));
      given += extra[u];
      fractions.emplace_back(share - std::floor(share), u);
    }
    std::sort(fractions.begin(), fractions.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (const auto& [fraction, u] : fractions) {
      if (given >= remaining) break;
      if (extra[u] < cap) ++extra[u], ++given;
    }
    // Rounding safety nets (floating point could leave the total one off).
    for (std::size_t u = 0; given < remaining && u < n; ++u) {
      const std::int64_t add = std::min(cap - extra[u], remaining - given);
      if (add > 0) extra[u] += add, given += add;
    }
    for (std::size_t u = 0; given > remaining && u < n; ++u) {
      const std::int64_t take = std::min(extra[u], given - remaining);
      extra[u] -= take, given -= take;
    }
  }
  std::vector<std::int64_t> counts(n);
  for (std::size_t u = 0; u < n; ++u) counts[u] = base + extra[u];
  return counts;
}

struct Movies {
  std::vector<std::uint32_t> by_rank;  // popularity rank -> movie index (movieId - 1)
  std::vector<double> rank_weight;     // Zipf weight of each rank
  std::vector<float> quality;          // per movie, N(0,1)
  std::vector<float> factors;          // per movie, kFactors values of variance 1
  std::string csv;                     // movies.csv
};

Movies make_movies(const SynthOptions& o) {
  const auto n = static_cast<std::size_t>(o.items);
  Movies m;
  m.rank_weight.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    m.rank_weight[r] = std::pow(static_cast<double>(r) + 1.0 + kZipfOffset, -kZipfExponent);
  }
  m.by_rank.resize(n);
  std::iota(m.by_rank.begin(), m.by_rank.end(), 0u);
  Rng order(o.seed, Stream::kItemOrder, 0);
  for (std::size_t i = n; i > 1; --i) std::swap(m.by_rank[i - 1], m.by_rank[order.below(i)]);

  // Each genre has a direction in taste space; a movie's taste vector leans towards its genres'.
  std::array<std::array<double, kFactors>, kGenres.size()> genre_vec{};
  for (std::size_t g = 0; g < kGenres.size(); ++g) {
    Rng rng(o.seed, Stream::kGenre, g);
    for (double& v : genre_vec[g]) v = rng.normal();
  }
  const double genre_total = std::accumulate(kGenreWeights.begin(), kGenreWeights.end(), 0.0);
  m.quality.resize(n);
  m.factors.resize(n * kFactors);
  m.csv.reserve(n * 48 + 32);
  m.csv += "movieId,title,genres\n";
  char num[32];
  for (std::size_t i = 0; i < n; ++i) {
    Rng rng(o.seed, Stream::kItem, i);
    m.quality[i] = static_cast<float>(rng.normal());
    const int year = std::max(1902, 2019 - static_cast<int>(-18.0 * std::log(rng.uniform_open())));
    const double u = rng.uniform();
    const int n_genres = u < 0.45 ? 1 : u < 0.8 ? 2 : 3;
    std::array<bool, kGenres.size()> picked{};
    for (int k = 0; k < n_genres;) {
      double x = rng.uniform() * genre_total;
      std::size_t g = 0;
      while (g + 1 < kGenres.size() && x >= kGenreWeights[g]) x -= kGenreWeights[g++];
      if (!picked[g]) picked[g] = true, ++k;
    }
    std::array<double, kFactors> taste{};
    for (std::size_t g = 0; g < kGenres.size(); ++g) {
      if (!picked[g]) continue;
      for (int f = 0; f < kFactors; ++f)
        taste[static_cast<std::size_t>(f)] += genre_vec[g][static_cast<std::size_t>(f)];
    }
    const double genre_scale = std::sqrt(0.5 / n_genres);  // half the variance from genres, half own
    for (int f = 0; f < kFactors; ++f) {
      const double v = genre_scale * taste[static_cast<std::size_t>(f)] + std::sqrt(0.5) * rng.normal();
      m.factors[i * kFactors + static_cast<std::size_t>(f)] = static_cast<float>(v);
    }
    m.csv += std::to_string(i + 1);
    m.csv += ",Synthetic Movie ";
    m.csv += std::to_string(i + 1);
    m.csv += " (";
    const auto [end, ec] = std::to_chars(num, num + sizeof num, year);
    m.csv.append(num, end);
    m.csv += "),";
    bool first = true;
    for (std::size_t g = 0; g < kGenres.size(); ++g) {
      if (!picked[g]) continue;
      if (!first) m.csv += '|';
      m.csv += kGenres[g];
      first = false;
    }
    m.csv += '\n';
  }
  return m;
}

// What one thread needs to generate users, reused from user to user.
struct Workspace {
  explicit Workspace(std::size_t items) : seen(items, 0) {}
  std::vector<std::uint32_t> seen;  // seen[movie] == user + 1: already rated by this user
  std::vector<std::uint32_t> chosen;
  std::vector<std::pair<double, std::uint32_t>> keys;
  std::vector<double> gaps;
  std::string buffer;
};

struct Generator {
  const SynthOptions& options;
  const Movies& movies;
  const AliasTable& popularity;
  const std::array<double, 9>& cuts;

  // Appends user u's rows to ws.buffer (which has room for them).
  void user_rows(std::uint32_t u, std::int64_t count, Workspace& ws, char*& out) const {
    Rng rng(options.seed, Stream::kUserRatings, u);
    const auto n = static_cast<std::size_t>(count);
    const std::size_t items = movies.by_rank.size();

    const double bias = rng.normal();
    std::array<float, kFactors> taste{};
    for (float& v : taste) v = static_cast<float>(rng.normal());

    // Which movies: draws by popularity without repeats. Rejection is fast while the user rates a
    // small part of the catalogue; heavier users use weighted sampling without replacement
    // (Efraimidis-Spirakis keys), which costs one pass over the catalogue.
    ws.chosen.clear();
    if (n * 8 <= items) {
      while (ws.chosen.size() < n) {
        const std::uint32_t movie = movies.by_rank[popularity.draw(rng)];
        if (ws.seen[movie] == u + 1) continue;
        ws.seen[movie] = u + 1;
        ws.chosen.push_back(movie);
      }
    } else {
      ws.keys.resize(items);
      for (std::size_t r = 0; r < items; ++r) {
        ws.keys[r] = {std::log(rng.uniform_open()) / movies.rank_weight[r], static_cast<std::uint32_t>(r)};
      }
      if (n < items) {
        std::nth_element(ws.keys.begin(), ws.keys.begin() + static_cast<std::ptrdiff_t>(n), ws.keys.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
      }
      for (std::size_t k = 0; k < n; ++k) ws.chosen.push_back(movies.by_rank[ws.keys[k].second]);
      std::sort(ws.chosen.begin(), ws.chosen.end());  // nth_element's order is not specified
    }
    for (std::size_t i = n; i > 1; --i) std::swap(ws.chosen[i - 1], ws.chosen[rng.below(i)]);

    // When: n strictly increasing seconds over a log-normal span (a session to years), in bursts.
    const std::int64_t range = kLastTime - kFirstTime;
    const double span_draw = std::exp(std::log(86400.0) + 3.0 * rng.normal());
    const std::int64_t span =
        std::clamp(static_cast<std::int64_t>(std::min(span_draw, 1e12)), static_cast<std::int64_t>(n), range);
    const std::int64_t start =
        kFirstTime + static_cast<std::int64_t>(rng.uniform() * static_cast<double>(range - span));
    ws.gaps.resize(n + 1);
    double total_gap = 0;
    for (double& g : ws.gaps) {
      g = std::exp(2.0 * rng.normal());
      total_gap += g;
    }
    const double stretch = static_cast<double>(span - static_cast<std::int64_t>(n)) / total_gap;

    char* p = out;
    char user_text[16];
    const auto user_end = std::to_chars(user_text, user_text + sizeof user_text, u + 1).ptr;
    const auto user_len = static_cast<std::size_t>(user_end - user_text);
    double elapsed = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t movie = ws.chosen[i];
      const float* f = &movies.factors[static_cast<std::size_t>(movie) * kFactors];
      double dot = 0;
      for (int k = 0; k < kFactors; ++k)
        dot += static_cast<double>(taste[static_cast<std::size_t>(k)] * f[k]);
      const double score = kUserBiasWeight * bias + kItemQualityWeight * movies.quality[movie] +
                           kTasteWeight * dot / std::sqrt(static_cast<double>(kFactors)) +
                           std::sqrt(kNoiseVariance) * rng.normal();
      std::size_t level = 0;
      while (level < cuts.size() && score >= cuts[level]) ++level;
      const std::int64_t time =
          start + static_cast<std::int64_t>(i) + static_cast<std::int64_t>(elapsed * stretch);
      elapsed += ws.gaps[i];

      std::memcpy(p, user_text, user_len);
      p += user_len;
      *p++ = ',';
      p = std::to_chars(p, p + 16, movie + 1).ptr;
      *p++ = ',';
      std::memcpy(p, kRatingText[level], 3);
      p += 3;
      *p++ = ',';
      p = std::to_chars(p, p + 24, time).ptr;
      *p++ = '\n';
    }
    out = p;
  }
};

}  // namespace

SynthSummary write_synthetic_movielens(const SynthOptions& options) {
  validate(options);
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(options.out, ec);
  if (ec) throw_io_error(options.out.string(), "cannot create the folder: " + ec.message());
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();

  const Movies movies = make_movies(options);
  write_file_atomic(options.out / "movies.csv", movies.csv);
  const std::vector<std::int64_t> counts = user_counts(options);
  const AliasTable popularity(movies.rank_weight);
  const std::array<double, 9> cuts = rating_cuts();
  const Generator generator{options, movies, popularity, cuts};

  // Units of work: runs of whole users holding about kChunkRatings ratings.
  // Small outputs get small chunks too, so that every thread has work (and tests see many chunks).
  const std::int64_t chunk_ratings = std::clamp<std::int64_t>(options.ratings / 64, 4096, kChunkRatings);
  std::vector<std::uint32_t> chunk_start{0};
  std::int64_t in_chunk = 0;
  for (std::size_t u = 0; u < counts.size(); ++u) {
    in_chunk += counts[u];
    if (in_chunk >= chunk_ratings && u + 1 < counts.size()) {
      chunk_start.push_back(static_cast<std::uint32_t>(u + 1));
      in_chunk = 0;
    }
  }
  chunk_start.push_back(static_cast<std::uint32_t>(counts.size()));
  const auto n_chunks = static_cast<std::int64_t>(chunk_start.size() - 1);

  // Longest row: 10-digit ids, "x.x", a 10-digit time, 3 commas and a newline.
  constexpr std::size_t kMaxRow = 10 + 1 + 10 + 1 + 3 + 1 + 10 + 1;
  const std::filesystem::path ratings_path = options.out / "ratings.csv";
  write_file_atomic(ratings_path, [&](int fd) {
    const std::string header = "userId,movieId,rating,timestamp\n";
    write_all(fd, header.data(), header.size(), ratings_path);
    Progress progress("writing " + ratings_path.filename().string(),
                      static_cast<std::uint64_t>(options.ratings), "ratings");
    std::uint64_t written = 0;
    std::exception_ptr failure;
    bool failed = false;
#pragma omp parallel num_threads(threads)
    {
      Workspace ws(movies.by_rank.size());
#pragma omp for schedule(dynamic, 1) ordered
      for (std::int64_t c = 0; c < n_chunks; ++c) {
        std::size_t bytes = 0;
        std::int64_t rows = 0;
        bool skip = false;
#pragma omp atomic read
        skip = failed;
        if (!skip) {
          const std::uint32_t first = chunk_start[static_cast<std::size_t>(c)];
          const std::uint32_t last = chunk_start[static_cast<std::size_t>(c) + 1];
          for (std::uint32_t u = first; u < last; ++u) rows += counts[u];
          ws.buffer.resize(static_cast<std::size_t>(rows) * kMaxRow);
          char* p = ws.buffer.data();
          for (std::uint32_t u = first; u < last; ++u) generator.user_rows(u, counts[u], ws, p);
          bytes = static_cast<std::size_t>(p - ws.buffer.data());
        }
#pragma omp ordered
        {
          if (!failed && !skip) {
            try {
              write_all(fd, ws.buffer.data(), bytes, ratings_path);
              written += static_cast<std::uint64_t>(rows);
              progress.set(written);
            } catch (...) {
              failure = std::current_exception();
#pragma omp atomic write
              failed = true;
            }
          }
        }
      }
    }
    if (failure) std::rethrow_exception(failure);
    progress.finish();
  });

  SynthSummary summary;
  summary.users = options.users;
  summary.items = options.items;
  summary.ratings = options.ratings;
  summary.seconds = seconds_since(started);
  return summary;
}

}  // namespace mn
