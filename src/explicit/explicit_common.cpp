#include "explicit/explicit_common.h"

#include <algorithm>
#include <numeric>

#include "util/error.h"

namespace mn::xp {

ParamSpec spec(std::string name, ParamType type, std::string def, double lo, double hi, std::string doc,
               std::vector<std::string> choices, std::vector<std::string> aliases) {
  return {std::move(name),    type,           std::move(def),    lo, hi,
          std::move(choices), std::move(doc), std::move(aliases)};
}

ParamSpec seed_spec(const std::string& what) {
  return spec("seed", ParamType::kInt, "0", 0, 9007199254740991.0,
              "seed of " + what + " (Surprise's random_state)", {}, {"random_state"});
}

std::vector<std::int64_t> surprise_order(const CsrMatrix& x, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(x.nnz());
  std::vector<std::int32_t> row_of(n);
  for (std::int32_t u = 0; u < x.rows; ++u) {
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) row_of[static_cast<std::size_t>(e)] = u;
  }
  // A random permutation of the entries (Fisher-Yates), as Surprise's shuffled raw trainset.
  std::vector<std::int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), std::int64_t{0});
  sgd::Rng rng(seed, 0x5eed0de5);
  for (std::size_t t = n; t > 1; --t) std::swap(perm[t - 1], perm[static_cast<std::size_t>(rng.below(t))]);
  // construct_trainset appends each rating to its user's list, users numbered by first sight.
  std::vector<std::int32_t> rank(static_cast<std::size_t>(x.rows), -1);
  std::vector<std::int64_t> count(static_cast<std::size_t>(x.rows) + 1, 0);
  std::int32_t next_rank = 0;
  for (const std::int64_t e : perm) {
    const auto u = static_cast<std::size_t>(row_of[static_cast<std::size_t>(e)]);
    if (rank[u] < 0) rank[u] = next_rank++;
    ++count[static_cast<std::size_t>(rank[u]) + 1];
  }
  std::partial_sum(count.begin(), count.end(), count.begin());
  std::vector<std::int64_t> order(n);
  for (const std::int64_t e : perm) {
    const auto r =
        static_cast<std::size_t>(rank[static_cast<std::size_t>(row_of[static_cast<std::size_t>(e)])]);
    order[static_cast<std::size_t>(count[r]++)] = e;
  }
  return order;
}

namespace {

// Marsaglia and Tsang's ziggurat (2000), 128 layers: one 32-bit draw, a table look-up and a
// compare for ~98.8 % of the normals.
struct Ziggurat {
  std::uint32_t kn[128];
  double wn[128];
  double fn[128];
  Ziggurat() {
    const double m1 = 2147483648.0;
    const double vn = 9.91256303526217e-3;
    double dn = 3.442619855899;
    double tn = dn;
    const double q = vn / std::exp(-0.5 * dn * dn);
    kn[0] = static_cast<std::uint32_t>((dn / q) * m1);
    kn[1] = 0;
    wn[0] = q / m1;
    wn[127] = dn / m1;
    fn[0] = 1.0;
    fn[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
      kn[i + 1] = static_cast<std::uint32_t>((dn / tn) * m1);
      tn = dn;
      fn[i] = std::exp(-0.5 * dn * dn);
      wn[i] = dn / m1;
    }
  }
};

const Ziggurat& ziggurat() {
  static const Ziggurat z;
  return z;
}

}  // namespace

double NormalRng::normal(double mean, double std_dev) {
  const Ziggurat& z = ziggurat();
  constexpr double r = 3.442620;  // start of the tail
  for (;;) {
    const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(rng_.next() >> 32));
    const auto iz = static_cast<std::size_t>(hz & 127);
    const std::uint32_t magnitude =
        hz < 0 ? 0u - static_cast<std::uint32_t>(hz) : static_cast<std::uint32_t>(hz);
    const double x = hz * z.wn[iz];
    if (magnitude < z.kn[iz]) return mean + std_dev * x;
    if (iz == 0) {  // the tail beyond r
      double tx, ty;
      do {
        tx = -std::log(1.0 - uniform()) / r;
        ty = -std::log(1.0 - uniform());
      } while (ty + ty < tx * tx);
      return mean + std_dev * (hz > 0 ? r + tx : -r - tx);
    }
    if (z.fn[iz] + uniform() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return mean + std_dev * x;
  }
}

void init_normal(sgd::FactorMatrix& m, std::int32_t rows, int cols, std::uint64_t seed, std::uint64_t matrix,
                 double mean, double std_dev, int threads) {
  m.reset(rows, cols);
#pragma omp parallel for schedule(static) num_threads(threads) if (rows > 4096)
  for (std::int32_t r = 0; r < rows; ++r) {
    NormalRng rng(seed, (matrix << 40) ^ static_cast<std::uint64_t>(r));
    float* row = m.row(r);
    for (int f = 0; f < cols; ++f) row[f] = static_cast<float>(rng.normal(mean, std_dev));
  }
}

double hashed_normal(std::uint64_t seed, std::int64_t a, std::int64_t b, double mean, double std_dev) {
  const std::uint64_t key = sgd::Rng::mix(static_cast<std::uint64_t>(a) * 0x9E3779B97F4A7C15ull ^
                                          sgd::Rng::mix(static_cast<std::uint64_t>(b)));
  NormalRng rng(seed, key);
  return rng.normal(mean, std_dev);
}

BaselineOptions BaselineOptions::from(const Params& p) {
  BaselineOptions o;
  o.sgd = p.get_choice("method") == "sgd";
  const auto epochs = p.get_int("n_epochs");
  o.n_epochs = epochs > 0 ? static_cast<int>(epochs) : (o.sgd ? 20 : 10);
  o.reg_u = p.get_float("reg_u");
  o.reg_i = p.get_float("reg_i");
  o.reg = p.get_float("reg");
  o.learning_rate = p.get_float("learning_rate");
  o.seed = p.has("seed") ? static_cast<std::uint64_t>(p.get_int("seed")) : 0;
  return o;
}

std::vector<ParamSpec> baseline_specs() {
  return {
      spec("method", ParamType::kChoice, "als", 0, 0, "baseline estimates (bsl_options method): als or sgd",
           {"als", "sgd"}, {"bsl_method"}),
      spec("n_epochs", ParamType::kInt, "0", 0, 1000000,
           "baseline epochs (bsl_options n_epochs); 0: Surprise's default, 10 for als, 20 for sgd", {},
           {"bsl_n_epochs"}),
      spec("reg_u", ParamType::kFloat, "15", 0, 1e12, "als: user bias regularisation", {}, {"bsl_reg_u"}),
      spec("reg_i", ParamType::kFloat, "10", 0, 1e12, "als: item bias regularisation", {}, {"bsl_reg_i"}),
      spec("reg", ParamType::kFloat, "0.02", 0, 1e12, "sgd: bias regularisation", {}, {"bsl_reg"}),
      spec("learning_rate", ParamType::kFloat, "0.005", 0, 1e6, "sgd: learning rate", {},
           {"bsl_learning_rate"}),
  };
}

Baselines compute_baselines(const CsrMatrix& x, const CsrMatrix& by_item, double mu,
                            const BaselineOptions& o) {
  Baselines b;
  b.bu.assign(static_cast<std::size_t>(x.rows), 0.0);
  b.bi.assign(static_cast<std::size_t>(x.cols), 0.0);
  if (!o.sgd) {
    for (int epoch = 0; epoch < o.n_epochs; ++epoch) {
      for (std::int32_t i = 0; i < by_item.rows; ++i) {
        const std::int64_t n = by_item.row_end(i) - by_item.row_begin(i);
        if (n == 0) continue;  // not in Surprise's trainset: stays 0
        double dev = 0;
        for (std::int64_t e = by_item.row_begin(i); e < by_item.row_end(i); ++e) {
          const auto p = static_cast<std::size_t>(e);
          dev += by_item.values[p] - mu - b.bu[static_cast<std::size_t>(by_item.indices[p])];
        }
        b.bi[static_cast<std::size_t>(i)] = dev / (o.reg_i + static_cast<double>(n));
      }
      for (std::int32_t u = 0; u < x.rows; ++u) {
        const std::int64_t n = x.row_end(u) - x.row_begin(u);
        if (n == 0) continue;
        double dev = 0;
        for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) {
          const auto p = static_cast<std::size_t>(e);
          dev += x.values[p] - mu - b.bi[static_cast<std::size_t>(x.indices[p])];
        }
        b.bu[static_cast<std::size_t>(u)] = dev / (o.reg_u + static_cast<double>(n));
      }
    }
    return b;
  }
  std::vector<std::int32_t> row_of(static_cast<std::size_t>(x.nnz()));
  for (std::int32_t u = 0; u < x.rows; ++u) {
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) row_of[static_cast<std::size_t>(e)] = u;
  }
  const std::vector<std::int64_t> order = surprise_order(x, o.seed);
  for (int epoch = 0; epoch < o.n_epochs; ++epoch) {
    for (const std::int64_t e : order) {
      const auto p = static_cast<std::size_t>(e);
      double& bu = b.bu[static_cast<std::size_t>(row_of[p])];
      double& bi = b.bi[static_cast<std::size_t>(x.indices[p])];
      const double err = x.values[p] - (mu + bu + bi);
      bu += o.learning_rate * (err - o.reg * bu);
      bi += o.learning_rate * (err - o.reg * bi);
    }
  }
  return b;
}

double fold_in_user_bias(std::span<const std::int32_t> items, std::span<const float> values,
                         std::span<const double> bi, double mu, const BaselineOptions& o) {
  if (items.empty()) return 0.0;
  double dev = 0;
  for (std::size_t e = 0; e < items.size(); ++e)
    dev += values[e] - mu - bi[static_cast<std::size_t>(items[e])];
  if (!o.sgd) return dev / (o.reg_u + static_cast<double>(items.size()));
  // sgd: the stationary point of its per-rating updates (sum of errors = n * reg * b_u).
  return dev / (static_cast<double>(items.size()) * (1.0 + o.reg));
}

void check_history(const std::string& model, std::span<const std::int32_t> items,
                   std::span<const float> values, std::int32_t n_items) {
  if (items.size() != values.size())
    throw Error(ErrorKind::kInvalidInput, model + ": history items and values differ in length");
  for (const std::int32_t i : items) {
    if (i < 0 || i >= n_items) {
      throw Error(ErrorKind::kInvalidInput, model + ": item " + std::to_string(i) +
                                                " is not in the fitted matrix (" + std::to_string(n_items) +
                                                " items)");
    }
  }
}

bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, int n) {
  const auto at = [&](int r, int c) -> double& {
    return a[static_cast<std::size_t>(r) * static_cast<std::size_t>(n) + static_cast<std::size_t>(c)];
  };
  for (int j = 0; j < n; ++j) {
    double d = at(j, j);
    for (int k = 0; k < j; ++k) d -= at(j, k) * at(j, k);
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    at(j, j) = d;
    for (int r = j + 1; r < n; ++r) {
      double s = at(r, j);
      for (int k = 0; k < j; ++k) s -= at(r, k) * at(j, k);
      at(r, j) = s / d;
    }
  }
  for (int r = 0; r < n; ++r) {
    double s = b[static_cast<std::size_t>(r)];
    for (int k = 0; k < r; ++k) s -= at(r, k) * b[static_cast<std::size_t>(k)];
    b[static_cast<std::size_t>(r)] = s / at(r, r);
  }
  for (int r = n - 1; r >= 0; --r) {
    double s = b[static_cast<std::size_t>(r)];
    for (int k = r + 1; k < n; ++k) s -= at(k, r) * b[static_cast<std::size_t>(k)];
    b[static_cast<std::size_t>(r)] = s / at(r, r);
  }
  return true;
}

}  // namespace mn::xp
