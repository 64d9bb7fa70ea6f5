#pragma once
// A MovieLens-shaped synthetic dataset for benchmarks at any scale: ratings.csv
// (userId,movieId,rating,timestamp) and movies.csv (movieId,title,genres), written in the
// MovieLens csv layout so that every loader and command takes it as it takes ML-25M.
//
// Shape: item popularity follows a Zipf-Mandelbrot law (weight 1/(rank + 10), exponent 1); user
// activity is log-normal on top of MovieLens's 20-ratings floor, scaled so that the total is
// exactly `ratings`; no user rates a movie twice. Ratings are half stars whose overall mix follows
// ML-25M (4.0 most common, then 3.0, 5.0, 3.5, ...): a latent score (user bias + movie quality +
// a low-rank user x movie taste term built partly from the genres + noise) is cut at the
// normal quantiles of the ML-25M histogram, so there is a signal for a recommender to find.
// Each user's timestamps increase strictly, in bursts, between 1995-01-09 and 2019-11-21.
//
// Every random draw comes from a generator seeded by (seed, what, index), so the files depend only
// on the options, never on the thread count.
#include <cstdint>
#include <filesystem>

namespace mn {

struct SynthOptions {
  std::int64_t users = 162541;  // the ML-25M shape
  std::int64_t items = 59047;
  std::int64_t ratings = 25000095;
  std::uint64_t seed = 0;
  std::filesystem::path out;  // folder for ratings.csv and movies.csv (created when missing)
  int threads = 2;            // <= 0: every core
};

struct SynthSummary {
  std::int64_t users = 0;
  std::int64_t items = 0;
  std::int64_t ratings = 0;
  double seconds = 0;
};

// Writes out/movies.csv then out/ratings.csv, each atomically. Throws Error(kInvalidInput) for
// options that cannot be met (users * items < ratings, ratings < users, a count below 1).
SynthSummary write_synthetic_movielens(const SynthOptions& options);

}  // namespace mn
