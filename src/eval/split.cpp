#include "eval/split.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <unordered_map>

#include "io/csv_reader.h"
#include "io/file.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/text.h"

namespace mn {
namespace {

// Each user's positives in (timestamp, movieId) order.
std::vector<std::vector<RatingTriple>> positives_by_user(const Dataset& d, double threshold) {
  const Interactions& x = d.ratings;
  std::vector<std::vector<RatingTriple>> out(static_cast<std::size_t>(x.n_users()));
  for (std::int32_t u = 0; u < x.n_users(); ++u) {
    auto& mine = out[static_cast<std::size_t>(u)];
    for (auto p = x.user_ptr[static_cast<std::size_t>(u)]; p < x.user_ptr[static_cast<std::size_t>(u) + 1];
         ++p) {
      const auto i = static_cast<std::size_t>(p);
      if (x.ratings[i] >= threshold) mine.push_back({u, x.items[i], x.ratings[i], x.timestamps[i]});
    }
    std::sort(mine.begin(), mine.end(), [&](const RatingTriple& a, const RatingTriple& b) {
      if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
      return d.catalog[a.item].movie_id < d.catalog[b.item].movie_id;
    });
  }
  return out;
}

std::vector<RatingTriple> all_ratings(const Dataset& d) {
  const Interactions& x = d.ratings;
  std::vector<RatingTriple> out;
  out.reserve(static_cast<std::size_t>(x.nnz()));
  for (std::int32_t u = 0; u < x.n_users(); ++u) {
    for (auto p = x.user_ptr[static_cast<std::size_t>(u)]; p < x.user_ptr[static_cast<std::size_t>(u) + 1];
         ++p) {
      const auto i = static_cast<std::size_t>(p);
      out.push_back({u, x.items[i], x.ratings[i], x.timestamps[i]});
    }
  }
  return out;
}

Split empty_split(const Dataset& d, std::string name) {
  Split s;
  s.name = std::move(name);
  s.n_users = d.ratings.n_users();
  s.n_items = d.catalog.size();
  s.candidate.assign(static_cast<std::size_t>(s.n_items), 0);
  for (std::int32_t i = 0; i < s.n_items; ++i) {
    s.candidate[static_cast<std::size_t>(i)] =
        d.ratings.item_ptr[static_cast<std::size_t>(i) + 1] > d.ratings.item_ptr[static_cast<std::size_t>(i)];
  }
  return s;
}

Split leave_one_out(const Dataset& d, const SplitOptions& o) {
  Split s = empty_split(d, "loo");
  for (auto& pos : positives_by_user(d, o.threshold)) {
    const std::size_t n = pos.size();
    if (n < 3) {
      s.train.insert(s.train.end(), pos.begin(), pos.end());
      continue;
    }
    s.train.insert(s.train.end(), pos.begin(), pos.end() - 2);
    s.validation.push_back(pos[n - 2]);
    s.test.push_back(pos[n - 1]);
  }
  return s;
}

Split holdout(const Dataset& d, const SplitOptions& o) {
  Split s = empty_split(d, "holdout");
  std::mt19937_64 rng(o.seed);
  for (auto& pos : positives_by_user(d, o.threshold)) {
    if (pos.size() < 5) {
      s.train.insert(s.train.end(), pos.begin(), pos.end());
      continue;
    }
    std::shuffle(pos.begin(), pos.end(), rng);
    const auto n_test =
        static_cast<std::size_t>(std::ceil(o.test_frac * static_cast<double>(pos.size()) - 1e-9));
    s.test.insert(s.test.end(), pos.begin(), pos.begin() + static_cast<std::ptrdiff_t>(n_test));
    s.train.insert(s.train.end(), pos.begin() + static_cast<std::ptrdiff_t>(n_test), pos.end());
  }
  return s;
}

std::vector<Split> kfold(const Dataset& d, const SplitOptions& o) {
  if (o.folds < 2) throw Error(ErrorKind::kInvalidInput, "--folds must be at least 2");
  const std::vector<RatingTriple> all = all_ratings(d);
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Split> out;
  for (int f = 0; f < o.folds; ++f) {
    Split s = empty_split(d, "kfold " + std::to_string(f + 1) + "/" + std::to_string(o.folds));
    for (std::size_t k = 0; k < order.size(); ++k) {
      (static_cast<int>(k % static_cast<std::size_t>(o.folds)) == f ? s.test : s.train)
          .push_back(all[order[k]]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

Split random_split(const Dataset& d, const SplitOptions& o) {
  const std::vector<RatingTriple> all = all_ratings(d);
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  std::shuffle(order.begin(), order.end(), rng);
  Split s = empty_split(d, "random");
  const auto n_test = static_cast<std::size_t>(std::ceil(o.test_frac * static_cast<double>(all.size())));
  for (std::size_t k = 0; k < order.size(); ++k) (k < n_test ? s.test : s.train).push_back(all[order[k]]);
  return s;
}

Split strong(const Dataset& d, const SplitOptions& o) {
  Split s = empty_split(d, "strong");
  auto pos = positives_by_user(d, o.threshold);
  std::vector<std::int32_t> eligible;
  for (std::size_t u = 0; u < pos.size(); ++u) {
    if (pos[u].size() >= 5) eligible.push_back(static_cast<std::int32_t>(u));
  }
  std::mt19937_64 rng(o.seed);
  std::shuffle(eligible.begin(), eligible.end(), rng);
  const std::size_t n_heldout =
      std::min(eligible.size(),
               o.heldout_users > 0 ? static_cast<std::size_t>(o.heldout_users) : (pos.size() + 9) / 10);
  std::vector<char> heldout(pos.size(), 0);
  for (std::size_t k = 0; k < n_heldout; ++k) heldout[static_cast<std::size_t>(eligible[k])] = 1;
  for (std::size_t u = 0; u < pos.size(); ++u) {
    auto& mine = pos[u];
    if (!heldout[u]) {
      s.train.insert(s.train.end(), mine.begin(), mine.end());
      continue;
    }
    std::shuffle(mine.begin(), mine.end(), rng);
    const auto n_test = static_cast<std::size_t>(std::ceil(0.2 * static_cast<double>(mine.size())));
    s.test.insert(s.test.end(), mine.begin(), mine.begin() + static_cast<std::ptrdiff_t>(n_test));
    s.fold_in.insert(s.fold_in.end(), mine.begin() + static_cast<std::ptrdiff_t>(n_test), mine.end());
  }
  return s;
}

Split sampled(const Dataset& d, const SplitOptions& o) {
  Split s = leave_one_out(d, o);
  s.name = "sampled";
  // Negatives: items of the catalogue the user never rated (any rating), uniformly, seeded.
  std::mt19937_64 rng(o.seed);
  std::vector<std::int32_t> candidates;
  for (std::int32_t i = 0; i < s.n_items; ++i) {
    if (s.candidate[static_cast<std::size_t>(i)]) candidates.push_back(i);
  }
  for (const RatingTriple& t : s.test) {
    const auto rated = d.ratings.user_items(t.user);
    std::vector<std::int32_t> negatives;
    std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
    std::size_t guard = 0;
    while (static_cast<int>(negatives.size()) < o.sampled_negatives && guard++ < 100000) {
      const std::int32_t item = candidates[pick(rng)];
      if (std::find(rated.begin(), rated.end(), item) != rated.end()) continue;
      if (std::find(negatives.begin(), negatives.end(), item) != negatives.end()) continue;
      negatives.push_back(item);
    }
    s.sampled_negatives.push_back(std::move(negatives));
  }
  return s;
}

Split coldstart(const Dataset& d, const SplitOptions& o) {
  if (o.cold_items != "popular" && o.cold_items != "random") {
    throw Error(ErrorKind::kInvalidInput,
                "--cold-items must be popular or random, not '" + o.cold_items + "'");
  }
  if (!(o.cold_frac > 0 && o.cold_frac < 1)) {
    throw Error(ErrorKind::kInvalidInput, "--cold-frac must be between 0 and 1");
  }
  Split s = empty_split(d, "coldstart " + o.cold_items);
  // Rated items, ordered by how many ratings they have (ties: smaller index first) or shuffled.
  std::vector<std::int32_t> rated;
  for (std::int32_t i = 0; i < s.n_items; ++i) {
    if (s.candidate[static_cast<std::size_t>(i)]) rated.push_back(i);
  }
  if (o.cold_items == "popular") {
    const auto count = [&](std::int32_t i) {
      return d.ratings.item_ptr[static_cast<std::size_t>(i) + 1] -
             d.ratings.item_ptr[static_cast<std::size_t>(i)];
    };
    std::stable_sort(rated.begin(), rated.end(),
                     [&](std::int32_t a, std::int32_t b) { return count(a) > count(b); });
  } else {
    std::mt19937_64 rng(o.seed);
    std::shuffle(rated.begin(), rated.end(), rng);
  }
  const auto n_cold =
      std::max<std::size_t>(1, static_cast<std::size_t>(o.cold_frac * static_cast<double>(rated.size())));
  std::vector<char> cold(static_cast<std::size_t>(s.n_items), 0);
  for (std::size_t k = 0; k < n_cold && k < rated.size(); ++k) cold[static_cast<std::size_t>(rated[k])] = 1;
  for (auto& pos : positives_by_user(d, o.threshold)) {
    std::vector<RatingTriple> warm, hidden;
    for (const RatingTriple& t : pos) (cold[static_cast<std::size_t>(t.item)] ? hidden : warm).push_back(t);
    s.train.insert(s.train.end(), warm.begin(), warm.end());
    // A user with no warm history has nothing to recommend from: their cold positives are dropped.
    if (!warm.empty()) s.test.insert(s.test.end(), hidden.begin(), hidden.end());
  }
  s.candidate = std::move(cold);
  return s;
}

}  // namespace

std::vector<Split> make_splits(const Dataset& d, const SplitOptions& o) {
  if (d.ratings.nnz() == 0) throw Error(ErrorKind::kInvalidInput, "the data has no ratings to split");
  const std::string& p = o.protocol;
  if (p == "loo") return {leave_one_out(d, o)};
  if (p == "holdout") return {holdout(d, o)};
  if (p == "kfold") return kfold(d, o);
  if (p == "random") return {random_split(d, o)};
  if (p == "strong") return {strong(d, o)};
  if (p == "sampled") return {sampled(d, o)};
  if (p == "coldstart") return {coldstart(d, o)};
  if (p == "predefined") {
    if (d.splits.empty()) {
      throw Error(ErrorKind::kInvalidInput,
                  "--protocol predefined: this dataset ships no split files (ml-100k has u1..u5, ua, ub)");
    }
    std::vector<Split> out;
    for (const PredefinedSplit& ps : d.splits) {
      Split s = empty_split(d, ps.name);
      s.train = ps.train;
      s.test = ps.test;
      out.push_back(std::move(s));
    }
    return out;
  }
  throw Error(ErrorKind::kInvalidInput,
              "unknown protocol '" + p +
                  "'; known: loo, holdout, kfold, random, predefined, strong, sampled, coldstart");
}

CsrMatrix to_matrix(const std::vector<RatingTriple>& rows, std::int32_t n_users, std::int32_t n_items,
                    bool binary) {
  std::vector<SparseEntry> entries;
  entries.reserve(rows.size());
  for (const RatingTriple& t : rows) entries.push_back({t.user, t.item, binary ? 1.0f : t.rating});
  CsrMatrix m = CsrMatrix::from_entries(n_users, n_items, std::move(entries));
  if (binary) std::fill(m.values.begin(), m.values.end(), 1.0f);  // a repeated pair stays 1
  return m;
}

CsrMatrix dataset_matrix(const Dataset& d, double threshold, bool binary) {
  std::vector<RatingTriple> rows;
  const Interactions& x = d.ratings;
  for (std::int32_t u = 0; u < x.n_users(); ++u) {
    for (auto p = x.user_ptr[static_cast<std::size_t>(u)]; p < x.user_ptr[static_cast<std::size_t>(u) + 1];
         ++p) {
      const auto i = static_cast<std::size_t>(p);
      if (!binary || x.ratings[i] >= threshold)
        rows.push_back({u, x.items[i], x.ratings[i], x.timestamps[i]});
    }
  }
  return to_matrix(rows, x.n_users(), d.catalog.size(), binary);
}

CsrMatrix to_age_matrix(const std::vector<RatingTriple>& rows, std::int32_t n_users, std::int32_t n_items) {
  std::vector<std::int64_t> latest(static_cast<std::size_t>(n_users),
                                   std::numeric_limits<std::int64_t>::min());
  for (const RatingTriple& t : rows) {
    auto& l = latest[static_cast<std::size_t>(t.user)];
    l = std::max(l, t.timestamp);
  }
  std::vector<SparseEntry> entries;
  entries.reserve(rows.size());
  for (const RatingTriple& t : rows) {
    const double days = static_cast<double>(latest[static_cast<std::size_t>(t.user)] - t.timestamp) / 86400.0;
    entries.push_back({t.user, t.item, static_cast<float>(days)});
  }
  CsrMatrix m = CsrMatrix::from_entries(n_users, n_items, std::move(entries));
  return m;
}

Dataset hide_rows(const Dataset& d, const std::vector<RatingTriple>& hidden) {
  const auto key = [](std::int32_t user, std::int32_t item) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(user)) << 32) |
           static_cast<std::uint32_t>(item);
  };
  std::vector<std::uint64_t> gone;
  gone.reserve(hidden.size());
  for (const RatingTriple& t : hidden) gone.push_back(key(t.user, t.item));
  std::sort(gone.begin(), gone.end());
  gone.erase(std::unique(gone.begin(), gone.end()), gone.end());
  std::vector<RatingTriple> kept = all_ratings(d);
  std::erase_if(kept, [&](const RatingTriple& t) {
    return std::binary_search(gone.begin(), gone.end(), key(t.user, t.item));
  });
  const Interactions& x = d.ratings;
  Dataset out = d;  // catalog, recipes and the rest as they are
  out.ratings =
      Interactions::from_triples(std::move(kept), x.user_ids, d.catalog.size(), x.rating_min, x.rating_max);
  out.splits.clear();  // they describe the full data
  out.fingerprint = hash_combine(d.fingerprint, hash64(gone.data(), gone.size() * sizeof(std::uint64_t),
                                                       0x68696465ULL));  // "hide"
  return out;
}

std::vector<RatingTriple> concat(const std::vector<RatingTriple>& a, const std::vector<RatingTriple>& b) {
  std::vector<RatingTriple> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

namespace {

void write_rows(const std::vector<RatingTriple>& rows, const Dataset& d, const std::filesystem::path& path) {
  std::vector<RatingTriple> sorted = rows;
  auto user_id = [&](const RatingTriple& t) { return d.ratings.user_ids[static_cast<std::size_t>(t.user)]; };
  auto movie_id = [&](const RatingTriple& t) { return d.catalog[t.item].movie_id; };
  std::sort(sorted.begin(), sorted.end(), [&](const RatingTriple& a, const RatingTriple& b) {
    if (user_id(a) != user_id(b)) return user_id(a) < user_id(b);
    if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
    return movie_id(a) < movie_id(b);
  });
  std::string out = "userId,movieId,rating,timestamp\n";
  char buf[128];
  for (const RatingTriple& t : sorted) {
    std::snprintf(buf, sizeof buf, "%lld,%lld,%.1f,%lld\n", static_cast<long long>(user_id(t)),
                  static_cast<long long>(movie_id(t)), static_cast<double>(t.rating),
                  static_cast<long long>(t.timestamp));
    out += buf;
  }
  write_file_atomic(path, out);
}

std::vector<RatingTriple> read_rows(const std::filesystem::path& path, const Dataset& d,
                                    const std::unordered_map<std::int64_t, std::int32_t>& users) {
  CsvReader reader = CsvReader::open(path);
  if (!reader.next_or_throw() || reader.size() != 4 || reader[0] != "userId" || reader[1] != "movieId" ||
      reader[2] != "rating" || reader[3] != "timestamp") {
    throw_input_error(path.string(), 1, "expected the header userId,movieId,rating,timestamp");
  }
  std::vector<RatingTriple> rows;
  while (reader.next_or_throw()) {
    if (reader.size() != 4) throw_input_error(path.string(), reader.line(), "expected 4 fields");
    const auto user = parse_int(reader[0]);
    const auto movie = parse_int(reader[1]);
    const auto rating = parse_double(reader[2]);
    const auto ts = parse_timestamp(reader[3]);
    if (!user || !movie || !rating || !ts)
      throw_input_error(path.string(), reader.line(), "expected numbers");
    const auto u = users.find(*user);
    if (u == users.end())
      throw_input_error(path.string(), reader.line(),
                        "userId " + std::to_string(*user) + " is not in the data");
    const auto item = d.catalog.index_of(*movie);
    if (!item)
      throw_input_error(path.string(), reader.line(),
                        "movieId " + std::to_string(*movie) + " is not in the data");
    rows.push_back({u->second, *item, static_cast<float>(*rating), *ts});
  }
  return rows;
}

}  // namespace

void save_split(const Split& split, const Dataset& d, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  write_rows(split.train, d, dir / "train.csv");
  if (!split.validation.empty()) write_rows(split.validation, d, dir / "val.csv");
  write_rows(split.test, d, dir / "test.csv");
}

Split load_split(const std::filesystem::path& dir, const Dataset& d) {
  for (const char* name : {"train.csv", "test.csv"}) {
    if (!std::filesystem::exists(dir / name))
      throw Error(ErrorKind::kNotFound,
                  (dir / name).string() + ": missing (a split folder needs train.csv and test.csv)");
  }
  std::unordered_map<std::int64_t, std::int32_t> users;
  for (std::int32_t u = 0; u < d.ratings.n_users(); ++u)
    users.emplace(d.ratings.user_ids[static_cast<std::size_t>(u)], u);
  Split s = empty_split(d, dir.filename().string());
  s.train = read_rows(dir / "train.csv", d, users);
  if (std::filesystem::exists(dir / "val.csv")) s.validation = read_rows(dir / "val.csv", d, users);
  s.test = read_rows(dir / "test.csv", d, users);
  return s;
}

}  // namespace mn
