#include "cf/als.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "io/npy.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn {
namespace {

ParamSpec spec(std::string name, ParamType type, std::string def, double lo, double hi, std::string doc,
               std::vector<std::string> choices = {}, std::vector<std::string> aliases = {}) {
  return {std::move(name),    type,           std::move(def),    lo, hi,
          std::move(choices), std::move(doc), std::move(aliases)};
}

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// implicit's initialisation scale, uniform [0, 0.01); element (row, f) of each matrix is drawn
// from a counter-based generator, so the values do not depend on the thread count.
void init_uniform(als::Factors& f, std::uint64_t seed, std::uint64_t stream, int threads) {
  const std::uint64_t base = splitmix64(splitmix64(seed) ^ (stream * 0xD1B54A32D192ED03ull));
  const std::int64_t k = f.k;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int32_t r = 0; r < f.rows; ++r) {
    float* row = f.row(r);
    for (std::int64_t j = 0; j < k; ++j) {
      const std::uint64_t h = splitmix64(base + static_cast<std::uint64_t>(r * k + j));
      row[j] = static_cast<float>(h >> 40) * 0x1p-24f * 0.01f;
    }
  }
}

// The transpose of a CSR view (items x users for the item half-iteration).
CsrMatrix transpose_view(const als::CsrView& c) {
  CsrMatrix t;
  t.rows = c.cols;
  t.cols = c.rows;
  const std::int64_t nnz = c.indptr[c.rows];
  t.indptr.assign(static_cast<std::size_t>(c.cols) + 1, 0);
  for (std::int64_t e = 0; e < nnz; ++e) ++t.indptr[static_cast<std::size_t>(c.indices[e]) + 1];
  for (std::size_t i = 1; i < t.indptr.size(); ++i) t.indptr[i] += t.indptr[i - 1];
  t.indices.resize(static_cast<std::size_t>(nnz));
  t.values.resize(static_cast<std::size_t>(nnz));
  std::vector<std::int64_t> cursor(t.indptr.begin(), t.indptr.end() - 1);
  for (std::int32_t r = 0; r < c.rows; ++r) {
    for (std::int64_t e = c.indptr[r]; e < c.indptr[r + 1]; ++e) {
      const auto slot = static_cast<std::size_t>(cursor[static_cast<std::size_t>(c.indices[e])]++);
      t.indices[slot] = r;
      t.values[slot] = c.values[e];
    }
  }
  return t;
}

als::CsrView view_of(const CsrMatrix& m) {
  return {m.rows, m.cols, m.indptr.data(), m.indices.data(), m.values.data()};
}

int resolve_threads(int threads) { return threads > 0 ? threads : std::max(1, omp_get_max_threads()); }

void check_finite(const als::Factors& f, const char* what) {
  for (std::int32_t r = 0; r < f.rows; ++r) {
    const float* row = f.row(r);
    for (int j = 0; j < f.k; ++j) {
      if (!std::isfinite(row[j])) {
        throw Error(ErrorKind::kInvalidInput, std::string("als: non-finite value in the ") + what +
                                                  " factors; try increasing regularization");
      }
    }
  }
}

std::vector<float> unpadded(const als::Factors& f) {
  std::vector<float> out(static_cast<std::size_t>(f.rows) * static_cast<std::size_t>(f.k));
  for (std::int32_t r = 0; r < f.rows; ++r) {
    std::copy(f.row(r), f.row(r) + f.k, out.begin() + static_cast<std::ptrdiff_t>(r) * f.k);
  }
  return out;
}

void load_factors(const std::filesystem::path& path, int k, als::Factors& f) {
  const NpyArray a = load_npy(path);
  if (a.shape.size() != 2 || a.shape[1] != static_cast<std::size_t>(k) ||
      a.shape[0] > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected a (rows, " + std::to_string(k) +
                                              ") array (factors=" + std::to_string(k) + ")");
  }
  const std::vector<float> v = a.as<float>();
  f.resize(static_cast<std::int32_t>(a.shape[0]), k);
  for (std::int32_t r = 0; r < f.rows; ++r) {
    std::copy(v.begin() + static_cast<std::ptrdiff_t>(r) * k,
              v.begin() + static_cast<std::ptrdiff_t>(r + 1) * k, f.row(r));
  }
}

}  // namespace

ModelInfo als_model_info() {
  ModelInfo info;
  info.name = "als";
  info.description =
      "implicit ALS (Hu, Koren, Volinsky 2008) as implicit 0.7.2: conjugate gradient or Cholesky";
  info.params = {
      spec("factors", ParamType::kInt, "64", 1, 1024, "number of latent factors"),
      spec("regularization", ParamType::kFloat, "30", 0, 1e12,
           "L2 weight in implicit's unscaled convention (YtY + regularization * I)"),
      spec("alpha", ParamType::kFloat, "5", 1e-12, 1e12,
           "confidence = alpha * value (as implicit scales the input; 1 leaves it as given)"),
      spec("iterations", ParamType::kInt, "15", 0, 100000, "ALS iterations (users, then items)", {},
           {"epochs"}),
      spec("solver", ParamType::kChoice, "cg", 0, 0,
           "cg: conjugate gradient warm-started from the last factors; "
           "cholesky: exact solve",
           {"cg", "cholesky"}),
      spec("cg_steps", ParamType::kInt, "3", 1, 1000, "conjugate-gradient steps per row and half-iteration"),
      spec("bm25", ParamType::kBool, "false", 0, 0,
           "bm25_weight the input first (implicit.nearest_neighbours.bm25_weight), then scale by alpha"),
      spec("bm25_k1", ParamType::kFloat, "100", 0, 1e12, "BM25 K1"),
      spec("bm25_b", ParamType::kFloat, "0.8", 0, 1, "BM25 B"),
      spec("seed", ParamType::kInt, "0", 0, 9007199254740991.0, "seed of the initial factors"),
      spec("calculate_training_loss", ParamType::kBool, "false", 0, 0,
           "compute implicit's training loss after each iteration (one extra pass)"),
  };
  info.stochastic = true;
  info.test_settings = "factors=8,iterations=15,regularization=0.1,alpha=1";
  info.make = [](Params p) { return std::make_unique<Als>(std::move(p)); };
  return info;
}

Bm25Stats Bm25Stats::of(const CsrMatrix& x) {
  Bm25Stats s;
  std::vector<std::int64_t> count(static_cast<std::size_t>(x.cols), 0);
  for (const std::int32_t c : x.indices) ++count[static_cast<std::size_t>(c)];
  const double n = static_cast<double>(x.rows);
  s.idf.resize(count.size());
  for (std::size_t i = 0; i < count.size(); ++i)
    s.idf[i] = std::log(n) - std::log1p(static_cast<double>(count[i]));
  double total = 0;
  for (const float v : x.values) total += v;
  s.average_length = x.rows > 0 ? total / n : 0.0;
  return s;
}

double Bm25Stats::weight(std::int32_t item, double value, double row_sum, double k1, double b) const {
  const double ratio = average_length != 0 ? row_sum / average_length : 1.0;
  const double length_norm = (1.0 - b) + b * ratio;
  return value * (k1 + 1.0) / (k1 * length_norm + value) * idf[static_cast<std::size_t>(item)];
}

CsrMatrix bm25_weight(const CsrMatrix& x, double k1, double b) {
  const Bm25Stats stats = Bm25Stats::of(x);
  CsrMatrix out = x;
  for (std::int32_t r = 0; r < x.rows; ++r) {
    double row_sum = 0;
    for (std::int64_t e = x.row_begin(r); e < x.row_end(r); ++e)
      row_sum += x.values[static_cast<std::size_t>(e)];
    for (std::int64_t e = x.row_begin(r); e < x.row_end(r); ++e) {
      const auto p = static_cast<std::size_t>(e);
      out.values[p] = static_cast<float>(stats.weight(x.indices[p], x.values[p], row_sum, k1, b));
    }
  }
  return out;
}

Als::Als(Params params)
    : Recommender(std::move(params)),
      factors_(static_cast<int>(params_.get_int("factors"))),
      isa_(als::default_isa()) {
  users_.resize(0, factors_);
  items_.resize(0, factors_);
}

void Als::fit(const CsrMatrix& user_items, const FitContext& context) {
  const int threads = resolve_threads(context.threads);
  const double reg = params_.get_float("regularization");
  const double alpha = params_.get_float("alpha");
  const int iterations = static_cast<int>(params_.get_int("iterations"));
  const int cg_steps = static_cast<int>(params_.get_int("cg_steps"));
  const bool cholesky = params_.get_choice("solver") == "cholesky";
  const bool calc_loss = params_.get_bool("calculate_training_loss");
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
  loss_.clear();

  // Cui: the input, bm25-weighted when asked, then scaled by alpha (implicit: Cui = alpha * Cui).
  bm25_ = {};
  std::vector<float> weighted;
  const float* values = user_items.values.data();
  if (params_.get_bool("bm25")) {
    bm25_ = Bm25Stats::of(user_items);
    weighted = bm25_weight(user_items, params_.get_float("bm25_k1"), params_.get_float("bm25_b")).values;
    values = weighted.data();
  }
  if (alpha != 1.0) {
    if (weighted.empty()) weighted.assign(user_items.values.begin(), user_items.values.end());
    const auto a = static_cast<float>(alpha);
    for (float& v : weighted) v *= a;
    values = weighted.data();
  }
  const als::CsrView cui{user_items.rows, user_items.cols, user_items.indptr.data(),
                         user_items.indices.data(), values};
  const CsrMatrix ciu_matrix = transpose_view(cui);
  const als::CsrView ciu = view_of(ciu_matrix);

  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  users_.resize(n_users_, factors_);
  items_.resize(n_items_, factors_);
  init_uniform(users_, seed, 0, threads);
  init_uniform(items_, seed, 1, threads);

  std::unique_ptr<Progress> progress;
  if (context.show_progress)
    progress = std::make_unique<Progress>("als", static_cast<std::uint64_t>(iterations), "iterations");
  for (int it = 0; it < iterations; ++it) {
    const auto start = std::chrono::steady_clock::now();
    if (cholesky) {
      als::solve_cholesky(cui, items_, users_, reg, threads, isa_);
      als::solve_cholesky(ciu, users_, items_, reg, threads, isa_);
    } else {
      als::solve_cg(cui, items_, users_, reg, cg_steps, threads, isa_);
      als::solve_cg(ciu, users_, items_, reg, cg_steps, threads, isa_);
    }
    double loss = std::numeric_limits<double>::quiet_NaN();
    if (calc_loss) {
      loss = als::training_loss(cui, users_, items_, reg, threads, isa_);
      loss_.push_back(loss);
    }
    const double seconds = seconds_since(start);
    if (callback_) callback_(it, seconds, loss);
    if (progress) progress->add(1);
  }
  if (progress) progress->finish();
  check_finite(users_, "user");
  check_finite(items_, "item");
  prepare_queries();
}

void Als::prepare_queries() {
  item_gram_ = als::gram(items_, params_.get_float("regularization"), 0, isa_);
  item_norms_.assign(static_cast<std::size_t>(items_.rows), 0.0f);
  for (std::int32_t i = 0; i < items_.rows; ++i) {
    double s = 0;
    for (int j = 0; j < items_.k; ++j) s += static_cast<double>(items_.row(i)[j]) * items_.row(i)[j];
    // As implicit: zero norms become 1e-10 so that cosine never divides by zero.
    item_norms_[static_cast<std::size_t>(i)] = s > 0 ? static_cast<float>(std::sqrt(s)) : 1e-10f;
  }
}

void Als::score(std::int32_t user, std::span<float> out) const {
  if (user < 0 || user >= n_users_) {
    throw Error(ErrorKind::kInvalidInput, "als: user " + std::to_string(user) +
                                              " is not in the fitted matrix (" + std::to_string(n_users_) +
                                              " users)");
  }
  als::kernels(isa_).dot_rows(items_.data.data(), items_.ld, n_items_, users_.row(user), out.data());
}

std::vector<float> Als::confidences(std::span<const std::int32_t> items,
                                    std::span<const float> values) const {
  std::vector<float> c(values.begin(), values.end());
  for (const std::int32_t i : items) {
    if (i < 0 || i >= n_items_) {
      throw Error(ErrorKind::kInvalidInput, "als: item " + std::to_string(i) +
                                                " is not in the fitted matrix (" + std::to_string(n_items_) +
                                                " items)");
    }
  }
  if (params_.get_bool("bm25")) {
    double row_sum = 0;
    for (const float v : values) row_sum += v;
    for (std::size_t e = 0; e < c.size(); ++e) {
      c[e] = static_cast<float>(bm25_.weight(items[e], values[e], row_sum, params_.get_float("bm25_k1"),
                                             params_.get_float("bm25_b")));
    }
  }
  const double alpha = params_.get_float("alpha");
  if (alpha != 1.0) {
    for (float& v : c) v *= static_cast<float>(alpha);
  }
  return c;
}

std::vector<float> Als::recalculate_user(std::span<const std::int32_t> items,
                                         std::span<const float> values) const {
  if (items.size() != values.size())
    throw Error(ErrorKind::kInvalidInput, "als: items and values differ in length");
  const std::vector<float> c = confidences(items, values);
  return als::solve_row(items.data(), c.data(), static_cast<std::int64_t>(items.size()), items_, item_gram_,
                        isa_);
}

void Als::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                        std::span<float> out) const {
  const std::vector<float> x = recalculate_user(items, values);
  als::AlignedFloats q(static_cast<std::size_t>(items_.ld), 0.0f);
  std::copy(x.begin(), x.end(), q.begin());
  als::kernels(isa_).dot_rows(items_.data.data(), items_.ld, n_items_, q.data(), out.data());
}

std::vector<ScoredItem> Als::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                "als: item " + std::to_string(item) + " is not in the fitted matrix");
  }
  std::vector<float> s(static_cast<std::size_t>(n_items_));
  als::kernels(isa_).dot_rows(items_.data.data(), items_.ld, n_items_, items_.row(item), s.data());
  const float norm = item_norms_[static_cast<std::size_t>(item)];
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = s[i] / item_norms_[i] / norm;
  exclude_items(s, std::span<const std::int32_t>(&item, 1));
  return top_k(s, k);
}

std::vector<float> Als::user_factors() const { return unpadded(users_); }
std::vector<float> Als::item_factors() const { return unpadded(items_); }

void Als::save(const std::filesystem::path& dir) const {
  const auto k = static_cast<std::size_t>(factors_);
  save_npy(dir / "user_factors.npy", unpadded(users_), {static_cast<std::size_t>(users_.rows), k});
  save_npy(dir / "item_factors.npy", unpadded(items_), {static_cast<std::size_t>(items_.rows), k});
  if (params_.get_bool("bm25")) {
    save_npy(dir / "bm25_idf.npy", bm25_.idf, {bm25_.idf.size()});
    const std::vector<double> avg = {bm25_.average_length};
    save_npy(dir / "bm25_average_length.npy", avg, {1});
  }
}

void Als::load(const std::filesystem::path& dir) {
  load_factors(dir / "user_factors.npy", factors_, users_);
  load_factors(dir / "item_factors.npy", factors_, items_);
  n_users_ = users_.rows;
  n_items_ = items_.rows;
  bm25_ = {};
  if (params_.get_bool("bm25")) {
    bm25_.idf = load_npy(dir / "bm25_idf.npy").as<double>();
    const std::vector<double> avg = load_npy(dir / "bm25_average_length.npy").as<double>();
    if (bm25_.idf.size() != static_cast<std::size_t>(n_items_) || avg.size() != 1) {
      throw Error(ErrorKind::kInvalidInput,
                  (dir / "bm25_idf.npy").string() + ": does not match item_factors.npy");
    }
    bm25_.average_length = avg[0];
  }
  loss_.clear();
  prepare_queries();
}

}  // namespace mn
