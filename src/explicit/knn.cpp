#include "explicit/knn.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cf/similarity.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

// Surprise's per-pair statistics (freq, prods, sqi, sqj, si, sj), one struct per x2 so that an
// update touches one cache line.
template <SimMeasure M>
struct Stats {
  double a = 0, b = 0, c = 0;
  std::int32_t freq = 0;
};
template <>
struct Stats<SimMeasure::kMsd> {
  double a = 0;
  std::int32_t freq = 0;
};
template <>
struct Stats<SimMeasure::kPearson> {
  double a = 0, b = 0, c = 0, d = 0, e = 0;
  std::int32_t freq = 0;
};

template <SimMeasure M>
struct Accumulator {
  std::vector<Stats<M>> stats;
  std::vector<std::int32_t> touched;
  std::size_t n_touched = 0;
  explicit Accumulator(std::int32_t n)
      : stats(static_cast<std::size_t>(n)), touched(static_cast<std::size_t>(n) + 1) {}
};

// resid (pearson_baseline): r - (mu + b_y + b_x2) for each entry of by_y, or empty to compute it.
template <SimMeasure M>
void accumulate(const SimInputs& in, std::span<const double> resid, std::span<const std::int32_t> ys,
                std::span<const float> rs, double self_bias, Accumulator<M>& acc) {
  const CsrMatrix& by_y = *in.by_y;
  std::size_t n = acc.n_touched;
  for (std::size_t t = 0; t < ys.size(); ++t) {
    const std::int32_t y = ys[t];
    const double ri = rs[t];
    double partial = 0;
    double di = 0;
    if constexpr (M == SimMeasure::kPearsonBaseline) {
      partial = in.global_mean + in.y_bias[static_cast<std::size_t>(y)];
      di = ri - (partial + self_bias);
    }
    const auto begin = static_cast<std::size_t>(by_y.row_begin(y));
    const auto end = static_cast<std::size_t>(by_y.row_end(y));
    for (std::size_t q = begin; q < end; ++q) {
      const std::int32_t x2 = by_y.indices[q];
      Stats<M>& st = acc.stats[static_cast<std::size_t>(x2)];
      // First touches are recorded without a branch: always written, counted only when new.
      acc.touched[n] = x2;
      n += st.freq == 0 ? 1 : 0;
      ++st.freq;
      const double rj = by_y.values[q];
      if constexpr (M == SimMeasure::kCosine) {
        st.a += ri * rj;
        st.b += ri * ri;
        st.c += rj * rj;
      } else if constexpr (M == SimMeasure::kMsd) {
        st.a += (ri - rj) * (ri - rj);
      } else if constexpr (M == SimMeasure::kPearson) {
        st.a += ri * rj;
        st.b += ri * ri;
        st.c += rj * rj;
        st.d += ri;
        st.e += rj;
      } else {
        const double dj = resid.empty() ? rj - (partial + in.x_bias[static_cast<std::size_t>(x2)]) : resid[q];
        st.a += di * dj;
        st.b += di * di;
        st.c += dj * dj;
      }
    }
  }
  acc.n_touched = n;
}

// Surprise's formulas on the accumulated statistics; a zero denominator gives 0.
template <SimMeasure M>
double finish(const Stats<M>& st, double shrinkage) {
  const double n = st.freq;
  if constexpr (M == SimMeasure::kCosine) {
    const double den = std::sqrt(st.b * st.c);
    return den > 0 ? st.a / den : 0.0;
  } else if constexpr (M == SimMeasure::kMsd) {
    return 1.0 / (st.a / n + 1.0);
  } else if constexpr (M == SimMeasure::kPearson) {
    const double num = n * st.a - st.d * st.e;
    const double den = std::sqrt((n * st.b - st.d * st.d) * (n * st.c - st.e * st.e));
    return den > 0 ? num / den : 0.0;
  } else {
    const double den = std::sqrt(st.b * st.c);
    return den > 0 ? st.a / den * ((n - 1) / (n - 1 + shrinkage)) : 0.0;
  }
}

// One row: the positive similarities of x2 != self with enough support, in touch order.
template <SimMeasure M>
void row_of(const SimInputs& in, const SimOptions& o, std::span<const double> resid,
            std::span<const std::int32_t> ys, std::span<const float> rs, double self_bias, std::int32_t self,
            Accumulator<M>& acc, std::vector<std::pair<float, std::int32_t>>& out) {
  acc.n_touched = 0;
  accumulate<M>(in, resid, ys, rs, self_bias, acc);
  const int min_support = M == SimMeasure::kPearsonBaseline ? std::max(2, o.min_support) : o.min_support;
  out.clear();
  for (std::size_t t = 0; t < acc.n_touched; ++t) {
    const std::int32_t x2 = acc.touched[t];
    Stats<M>& st = acc.stats[static_cast<std::size_t>(x2)];
    if (x2 != self && st.freq >= min_support) {
      const double v = finish<M>(st, o.shrinkage);
      if (v > 0) out.emplace_back(static_cast<float>(v), x2);
    }
    st = Stats<M>{};
  }
}

// Keeps the `keep` largest (ties: smaller index) and sorts by index.
void cut_and_sort(std::vector<std::pair<float, std::int32_t>>& row, std::int64_t keep) {
  if (keep > 0 && static_cast<std::int64_t>(row.size()) > keep) {
    const auto better = [](const std::pair<float, std::int32_t>& l, const std::pair<float, std::int32_t>& r) {
      return l.first != r.first ? l.first > r.first : l.second < r.second;
    };
    std::nth_element(row.begin(), row.begin() + keep - 1, row.end(), better);
    row.resize(static_cast<std::size_t>(keep));
  }
  std::sort(row.begin(), row.end(), [](const auto& l, const auto& r) { return l.second < r.second; });
}

template <SimMeasure M>
CsrMatrix similarities(const SimInputs& in, const SimOptions& o, int threads) {
  const std::int32_t n = in.by_x->rows;
  const CsrMatrix& by_y = *in.by_y;
  std::vector<double> resid(M == SimMeasure::kPearsonBaseline ? by_y.values.size() : 0);
  if constexpr (M == SimMeasure::kPearsonBaseline) {
    for (std::int32_t y = 0; y < by_y.rows; ++y) {
      const double partial = in.global_mean + in.y_bias[static_cast<std::size_t>(y)];
      for (std::int64_t q = by_y.row_begin(y); q < by_y.row_end(y); ++q) {
        const auto p = static_cast<std::size_t>(q);
        resid[p] = by_y.values[p] - (partial + in.x_bias[static_cast<std::size_t>(by_y.indices[p])]);
      }
    }
  }
  std::vector<std::vector<std::pair<float, std::int32_t>>> rows(static_cast<std::size_t>(n));
#pragma omp parallel num_threads(rating_threads(threads))
  {
    Accumulator<M> acc(n);
    std::vector<std::pair<float, std::int32_t>> row;
#pragma omp for schedule(dynamic, 16)
    for (std::int32_t x = 0; x < n; ++x) {
      const double self_bias = in.x_bias.empty() ? 0.0 : in.x_bias[static_cast<std::size_t>(x)];
      row_of<M>(in, o, resid, in.by_x->row_indices(x), in.by_x->row_values(x), self_bias, x, acc, row);
      cut_and_sort(row, o.keep);
      rows[static_cast<std::size_t>(x)].assign(row.begin(), row.end());
    }
  }
  CsrMatrix sim;
  sim.rows = n;
  sim.cols = n;
  sim.indptr.assign(static_cast<std::size_t>(n) + 1, 0);
  for (std::int32_t x = 0; x < n; ++x) {
    sim.indptr[static_cast<std::size_t>(x) + 1] =
        sim.indptr[static_cast<std::size_t>(x)] +
        static_cast<std::int64_t>(rows[static_cast<std::size_t>(x)].size());
  }
  sim.indices.resize(static_cast<std::size_t>(sim.indptr.back()));
  sim.values.resize(sim.indices.size());
  for (std::int32_t x = 0; x < n; ++x) {
    auto at = static_cast<std::size_t>(sim.indptr[static_cast<std::size_t>(x)]);
    for (const auto& [v, x2] : rows[static_cast<std::size_t>(x)]) {
      sim.indices[at] = x2;
      sim.values[at++] = v;
    }
    std::vector<std::pair<float, std::int32_t>>().swap(rows[static_cast<std::size_t>(x)]);
  }
  return sim;
}

template <SimMeasure M>
void one_row(const SimInputs& in, const SimOptions& o, std::span<const std::int32_t> ys,
             std::span<const float> rs, double self_bias, std::int32_t self,
             std::vector<std::pair<float, std::int32_t>>& row) {
  Accumulator<M> acc(in.by_x->rows);
  row_of<M>(in, o, {}, ys, rs, self_bias, self, acc, row);
  cut_and_sort(row, 0);
}

SimMeasure measure_of(const std::string& name) {
  if (name == "cosine") return SimMeasure::kCosine;
  if (name == "msd") return SimMeasure::kMsd;
  if (name == "pearson") return SimMeasure::kPearson;
  return SimMeasure::kPearsonBaseline;
}

// keep_neighbors=0: every positive similarity up to this many users (items), else this many per row.
constexpr std::int32_t kKeepAllUpTo = 10000;
constexpr std::int64_t kKeepLargeRows = 1000;

std::vector<double> load_doubles(const std::filesystem::path& path, std::size_t n) {
  std::vector<double> v = load_npy(path).as<double>();
  if (v.size() != n) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected " + std::to_string(n) + " values");
  }
  return v;
}

}  // namespace

CsrMatrix knn_similarities(const SimInputs& in, const SimOptions& o, int threads) {
  switch (o.measure) {
    case SimMeasure::kCosine:
      return similarities<SimMeasure::kCosine>(in, o, threads);
    case SimMeasure::kMsd:
      return similarities<SimMeasure::kMsd>(in, o, threads);
    case SimMeasure::kPearson:
      return similarities<SimMeasure::kPearson>(in, o, threads);
    case SimMeasure::kPearsonBaseline:
      break;
  }
  return similarities<SimMeasure::kPearsonBaseline>(in, o, threads);
}

void knn_similarity_row(const SimInputs& in, const SimOptions& o, std::span<const std::int32_t> ys,
                        std::span<const float> ratings, double self_bias, std::int32_t self,
                        std::vector<std::int32_t>& cols, std::vector<float>& sims) {
  std::vector<std::pair<float, std::int32_t>> row;
  switch (o.measure) {
    case SimMeasure::kCosine:
      one_row<SimMeasure::kCosine>(in, o, ys, ratings, self_bias, self, row);
      break;
    case SimMeasure::kMsd:
      one_row<SimMeasure::kMsd>(in, o, ys, ratings, self_bias, self, row);
      break;
    case SimMeasure::kPearson:
      one_row<SimMeasure::kPearson>(in, o, ys, ratings, self_bias, self, row);
      break;
    case SimMeasure::kPearsonBaseline:
      one_row<SimMeasure::kPearsonBaseline>(in, o, ys, ratings, self_bias, self, row);
      break;
  }
  cols.clear();
  sims.clear();
  for (const auto& [v, x2] : row) {
    cols.push_back(x2);
    sims.push_back(v);
  }
}

Knn::Knn(Params params, Variant variant)
    : RatingModel(std::move(params)),
      variant_(variant),
      bsl_options_(xp::BaselineOptions::from(params_)),
      k_(static_cast<int>(params_.get_int("k"))),
      min_k_(static_cast<int>(params_.get_int("min_k"))) {
  sim_options_.measure = measure_of(params_.get_choice("sim"));
  sim_options_.user_based = params_.get_bool("user_based");
  sim_options_.min_support = static_cast<int>(params_.get_int("min_support"));
  sim_options_.shrinkage = params_.get_float("shrinkage");
  sim_options_.keep = params_.get_int("keep_neighbors");
}

std::string Knn::name() const {
  switch (variant_) {
    case Variant::kBasic:
      return "knnbasic";
    case Variant::kWithMeans:
      return "knnwithmeans";
    case Variant::kWithZScore:
      return "knnwithzscore";
    case Variant::kBaseline:
      return "knnbaseline";
  }
  return "knn";
}

SimInputs Knn::sim_inputs() const {
  SimInputs in;
  in.by_x = sim_options_.user_based ? &ratings_ : &by_item_;
  in.by_y = sim_options_.user_based ? &by_item_ : &ratings_;
  in.global_mean = global_mean_;
  if (!bu_.empty()) {
    in.x_bias = sim_options_.user_based ? std::span<const double>(bu_) : std::span<const double>(bi_);
    in.y_bias = sim_options_.user_based ? std::span<const double>(bi_) : std::span<const double>(bu_);
  }
  return in;
}

void Knn::prepare() {
  by_item_ = ratings_.transpose();
  const CsrMatrix& by_x = sim_options_.user_based ? ratings_ : by_item_;
  means_.assign(static_cast<std::size_t>(by_x.rows), 0.0);
  sigmas_.assign(static_cast<std::size_t>(by_x.rows), 0.0);
  double sq = 0;
  for (const float r : ratings_.values) sq += (r - global_mean_) * (r - global_mean_);
  overall_sigma_ = ratings_.nnz() > 0 ? std::sqrt(sq / static_cast<double>(ratings_.nnz())) : 0.0;
  // Every rating equal: z-scores are 0 / 0 (Surprise divides by zero); 1 makes them 0.
  if (overall_sigma_ == 0.0) overall_sigma_ = 1.0;
  for (std::int32_t x = 0; x < by_x.rows; ++x) {
    const auto rs = by_x.row_values(x);
    if (rs.empty()) continue;
    double sum = 0;
    for (const float r : rs) sum += r;
    const double mean = sum / static_cast<double>(rs.size());
    double var = 0;
    for (const float r : rs) var += (r - mean) * (r - mean);
    const double sigma = std::sqrt(var / static_cast<double>(rs.size()));
    means_[static_cast<std::size_t>(x)] = mean;
    sigmas_[static_cast<std::size_t>(x)] = sigma == 0.0 ? overall_sigma_ : sigma;
  }
}

void Knn::fit(const CsrMatrix& ratings, const FitContext& context) {
  begin_fit(ratings);
  ratings_ = ratings;
  prepare();
  bu_.clear();
  bi_.clear();
  if (variant_ == Variant::kBaseline || sim_options_.measure == SimMeasure::kPearsonBaseline) {
    const xp::Baselines b = xp::compute_baselines(ratings_, by_item_, global_mean_, bsl_options_);
    bu_ = b.bu;
    bi_ = b.bi;
  }
  SimOptions o = sim_options_;
  if (o.keep == 0)
    o.keep = (sim_options_.user_based ? n_users_ : n_items_) <= kKeepAllUpTo ? 0 : kKeepLargeRows;
  sim_ = knn_similarities(sim_inputs(), o, context.threads);
}

void Knn::gather(const Target& t, std::span<const std::int32_t> ys, std::span<const float> rs,
                 std::vector<Neighbour>& cands) {
  cands.clear();
  // The y's raters with a positive similarity to the target (its row, plus itself at similarity 1
  // as on Surprise's diagonal). The shorter list is walked and the longer one binary-searched.
  if (t.cols.size() <= ys.size()) {
    for (std::size_t e = 0; e < t.cols.size(); ++e) {
      const auto it = std::lower_bound(ys.begin(), ys.end(), t.cols[e]);
      if (it != ys.end() && *it == t.cols[e])
        cands.push_back({t.sims[e], t.cols[e], rs[static_cast<std::size_t>(it - ys.begin())]});
    }
  } else {
    for (std::size_t e = 0; e < ys.size(); ++e) {
      const auto it = std::lower_bound(t.cols.begin(), t.cols.end(), ys[e]);
      if (it != t.cols.end() && *it == ys[e])
        cands.push_back({t.sims[static_cast<std::size_t>(it - t.cols.begin())], ys[e], rs[e]});
    }
  }
  if (t.x >= 0) {
    const auto it = std::lower_bound(ys.begin(), ys.end(), t.x);
    if (it != ys.end() && *it == t.x)
      cands.push_back({1.0f, t.x, rs[static_cast<std::size_t>(it - ys.begin())]});
  }
}

Estimate Knn::aggregate(const Target& t, std::span<const std::int32_t> ys, std::span<const float> rs,
                        double y_bias, double base) const {
  thread_local std::vector<Neighbour> cands;
  gather(t, ys, rs, cands);
  return combine(cands, t, y_bias, base);
}

Estimate Knn::combine(std::vector<Neighbour>& cands, const Target& t, double y_bias, double base) const {
  if (cands.size() > static_cast<std::size_t>(k_)) {
    std::nth_element(
        cands.begin(), cands.begin() + (k_ - 1), cands.end(),
        [](const Neighbour& l, const Neighbour& r) { return l.sim != r.sim ? l.sim > r.sim : l.x2 < r.x2; });
    cands.resize(static_cast<std::size_t>(k_));
  }
  double sum_sim = 0;
  double sum_ratings = 0;
  for (const Neighbour& nb : cands) {
    const auto x2 = static_cast<std::size_t>(nb.x2);
    sum_sim += nb.sim;
    switch (variant_) {
      case Variant::kBasic:
        sum_ratings += nb.sim * static_cast<double>(nb.r);
        break;
      case Variant::kWithMeans:
        sum_ratings += nb.sim * (nb.r - means_[x2]);
        break;
      case Variant::kWithZScore:
        sum_ratings += nb.sim * (nb.r - means_[x2]) / sigmas_[x2];
        break;
      case Variant::kBaseline: {
        const double x_bias = sim_options_.user_based ? bu_[x2] : bi_[x2];
        sum_ratings += nb.sim * (nb.r - (global_mean_ + x_bias + y_bias));
        break;
      }
    }
  }
  const int actual_k = static_cast<int>(cands.size());
  if (variant_ == Variant::kBasic) {
    if (actual_k < min_k_ || sum_sim <= 0) return {0, kNotEnoughNeighbors, actual_k};
    return {sum_ratings / sum_sim, {}, actual_k};
  }
  if (actual_k < min_k_) sum_ratings = 0;
  double est = variant_ == Variant::kBaseline ? base : t.mean;
  if (sum_sim > 0)
    est += variant_ == Variant::kWithZScore ? sum_ratings / sum_sim * t.sigma : sum_ratings / sum_sim;
  return {est, {}, actual_k};
}

std::vector<RatingPrediction> Knn::predict_many(std::span<const RatingTriple> triples, int threads) const {
  const bool ub = sim_options_.user_based;
  std::vector<RatingPrediction> out(triples.size());
  // Triples that need a neighbourhood, grouped by target; the rest are fallbacks.
  std::vector<std::size_t> order;
  order.reserve(triples.size());
  for (std::size_t t = 0; t < triples.size(); ++t) {
    if (knows_user(triples[t].user) && knows_item(triples[t].item)) {
      order.push_back(t);
    } else {
      out[t] = predict(triples[t].user, triples[t].item);
    }
  }
  const auto target_of = [&](std::size_t t) { return ub ? triples[t].user : triples[t].item; };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return target_of(a) < target_of(b); });
  std::vector<std::size_t> starts;
  for (std::size_t e = 0; e < order.size(); ++e) {
    if (e == 0 || target_of(order[e]) != target_of(order[e - 1])) starts.push_back(e);
  }
  starts.push_back(order.size());
  const CsrMatrix& by_y = ub ? by_item_ : ratings_;
  const auto n_groups = static_cast<std::int64_t>(starts.size()) - 1;
#pragma omp parallel num_threads(rating_threads(threads)) if (order.size() > 1024)
  {
    std::vector<float> dense(static_cast<std::size_t>(sim_.rows), 0.0f);
    std::vector<Neighbour> cands;
#pragma omp for schedule(dynamic, 4)
    for (std::int64_t g = 0; g < n_groups; ++g) {
      const std::int32_t x = target_of(order[starts[static_cast<std::size_t>(g)]]);
      const auto cols = sim_.row_indices(x);
      const auto sims = sim_.row_values(x);
      for (std::size_t e = 0; e < cols.size(); ++e) dense[static_cast<std::size_t>(cols[e])] = sims[e];
      dense[static_cast<std::size_t>(x)] = 1.0f;  // Surprise's diagonal
      const Target t{cols, sims, x, means_[static_cast<std::size_t>(x)],
                     sigmas_[static_cast<std::size_t>(x)]};
      for (std::size_t e = starts[static_cast<std::size_t>(g)]; e < starts[static_cast<std::size_t>(g) + 1];
           ++e) {
        const RatingTriple& tr = triples[order[e]];
        const std::int32_t y = ub ? tr.item : tr.user;
        const auto ys = by_y.row_indices(y);
        const auto rs = by_y.row_values(y);
        cands.clear();
        for (std::size_t q = 0; q < ys.size(); ++q) {
          const float s = dense[static_cast<std::size_t>(ys[q])];
          if (s > 0) cands.push_back({s, ys[q], rs[q]});
        }
        double y_bias = 0;
        double base = global_mean_;
        if (variant_ == Variant::kBaseline) {
          y_bias = (ub ? bi_ : bu_)[static_cast<std::size_t>(y)];
          base += bu_[static_cast<std::size_t>(tr.user)] + bi_[static_cast<std::size_t>(tr.item)];
        }
        out[order[e]] = finish(combine(cands, t, y_bias, base));
      }
      for (const std::int32_t c : cols) dense[static_cast<std::size_t>(c)] = 0.0f;
      dense[static_cast<std::size_t>(x)] = 0.0f;
    }
  }
  return out;
}

void Knn::score_dense(const Target* user_target, std::span<const std::int32_t> ys, std::span<const float> rs,
                      double bu, bool known_user, std::span<float> out) const {
  const auto clip = [&](double v) {
    return static_cast<float>(
        std::clamp(v, static_cast<double>(rating_min_), static_cast<double>(rating_max_)));
  };
  const bool has_bias = !bu_.empty();
  std::vector<Neighbour> cands;
  std::vector<float> dense;
  if (user_target == nullptr) {
    // Item-based: the user's ratings densely, each item's similarity row walked.
    dense.assign(static_cast<std::size_t>(n_items_), std::numeric_limits<float>::quiet_NaN());
    for (std::size_t e = 0; e < ys.size(); ++e) dense[static_cast<std::size_t>(ys[e])] = rs[e];
  } else {
    // User-based: the user's similarity row densely, each item's raters walked.
    dense.assign(static_cast<std::size_t>(sim_.rows), 0.0f);
    for (std::size_t e = 0; e < user_target->cols.size(); ++e)
      dense[static_cast<std::size_t>(user_target->cols[e])] = user_target->sims[e];
    if (user_target->x >= 0) dense[static_cast<std::size_t>(user_target->x)] = 1.0f;
  }
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    const double bi = has_bias ? bi_[s] : 0.0;
    if (!known_user || !knows_item(i)) {
      out[s] = variant_ == Variant::kBaseline ? clip(global_mean_ + bu + (knows_item(i) ? bi : 0.0))
                                              : clip(default_prediction());
      continue;
    }
    cands.clear();
    Target t;
    if (user_target == nullptr) {
      t = Target{sim_.row_indices(i), sim_.row_values(i), i, means_[s], sigmas_[s]};
      for (std::size_t e = 0; e < t.cols.size(); ++e) {
        const float r = dense[static_cast<std::size_t>(t.cols[e])];
        if (!std::isnan(r)) cands.push_back({t.sims[e], t.cols[e], r});
      }
      if (!std::isnan(dense[s])) cands.push_back({1.0f, i, dense[s]});
    } else {
      t = *user_target;
      const auto raters = by_item_.row_indices(i);
      const auto ratings = by_item_.row_values(i);
      for (std::size_t e = 0; e < raters.size(); ++e) {
        const float sim = dense[static_cast<std::size_t>(raters[e])];
        if (sim > 0) cands.push_back({sim, raters[e], ratings[e]});
      }
    }
    const Estimate e = combine(cands, t, user_target == nullptr ? bu : bi, global_mean_ + bu + bi);
    out[s] = e.impossible.empty() ? clip(e.value) : clip(default_prediction());
  }
}

Estimate Knn::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  double base = global_mean_;
  if (variant_ == Variant::kBaseline) {
    if (ku) base += bu_[static_cast<std::size_t>(user)];
    if (ki) base += bi_[static_cast<std::size_t>(item)];
    if (!(ku && ki)) return {base, {}, -1};
  } else if (!(ku && ki)) {
    return {0, kUnknownReason, -1};
  }
  const bool ub = sim_options_.user_based;
  const std::int32_t x = ub ? user : item;
  const std::int32_t y = ub ? item : user;
  const CsrMatrix& by_y = ub ? by_item_ : ratings_;
  Target t{sim_.row_indices(x), sim_.row_values(x), x, means_[static_cast<std::size_t>(x)],
           sigmas_[static_cast<std::size_t>(x)]};
  const double y_bias = variant_ == Variant::kBaseline ? (ub ? bi_ : bu_)[static_cast<std::size_t>(y)] : 0.0;
  return aggregate(t, by_y.row_indices(y), by_y.row_values(y), y_bias, base);
}

void Knn::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  const bool known = knows_user(user);
  const double bu = !bu_.empty() && known ? bu_[static_cast<std::size_t>(user)] : 0.0;
  if (!sim_options_.user_based) {
    score_dense(nullptr, ratings_.row_indices(user), ratings_.row_values(user), bu, known, out);
    return;
  }
  const auto u = static_cast<std::size_t>(user);
  const Target t{sim_.row_indices(user), sim_.row_values(user), user, means_[u], sigmas_[u]};
  score_dense(&t, {}, {}, bu, known, out);
}

void Knn::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                        std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  // The history as a sorted, de-duplicated rating list (the last value of a repeated item wins).
  std::vector<std::pair<std::int32_t, float>> h;
  for (std::size_t e = 0; e < items.size(); ++e) h.emplace_back(items[e], values[e]);
  std::stable_sort(h.begin(), h.end(), [](const auto& l, const auto& r) { return l.first < r.first; });
  std::vector<std::int32_t> hi;
  std::vector<float> hv;
  for (const auto& [i, v] : h) {
    if (!hi.empty() && hi.back() == i) {
      hv.back() = v;
    } else {
      hi.push_back(i);
      hv.push_back(v);
    }
  }
  // Only items with training ratings carry similarities and biases (Surprise's known items).
  std::vector<std::int32_t> ki;
  std::vector<float> kv;
  for (std::size_t e = 0; e < hi.size(); ++e) {
    if (knows_item(hi[e])) {
      ki.push_back(hi[e]);
      kv.push_back(hv[e]);
    }
  }
  const bool known_user = !ki.empty();
  const double bu =
      !bu_.empty() && known_user ? xp::fold_in_user_bias(ki, kv, bi_, global_mean_, bsl_options_) : 0.0;
  if (!sim_options_.user_based) {
    score_dense(nullptr, ki, kv, bu, known_user, out);
    return;
  }
  // User-based: the new user's similarity to every user, cut as the stored rows are.
  std::vector<std::int32_t> cols;
  std::vector<float> sims;
  if (known_user) knn_similarity_row(sim_inputs(), sim_options_, ki, kv, bu, -1, cols, sims);
  const std::int64_t keep =
      sim_options_.keep > 0 ? sim_options_.keep : (n_users_ <= kKeepAllUpTo ? 0 : kKeepLargeRows);
  if (keep > 0 && static_cast<std::int64_t>(cols.size()) > keep) {
    std::vector<std::pair<float, std::int32_t>> row;
    for (std::size_t e = 0; e < cols.size(); ++e) row.emplace_back(sims[e], cols[e]);
    cut_and_sort(row, keep);
    cols.clear();
    sims.clear();
    for (const auto& [s, c] : row) {
      cols.push_back(c);
      sims.push_back(s);
    }
  }
  double mean = 0;
  for (const float v : kv) mean += v;
  mean = known_user ? mean / static_cast<double>(kv.size()) : 0.0;
  double var = 0;
  for (const float v : kv) var += (v - mean) * (v - mean);
  double sigma = known_user ? std::sqrt(var / static_cast<double>(kv.size())) : 0.0;
  if (sigma == 0.0) sigma = overall_sigma_;
  const Target t{cols, sims, -1, mean, sigma};
  score_dense(&t, {}, {}, bu, known_user, out);
}

std::vector<ScoredItem> Knn::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                name() + ": item " + std::to_string(item) + " is not in the fitted matrix");
  }
  std::vector<float> s(static_cast<std::size_t>(n_items_), -std::numeric_limits<float>::infinity());
  if (!sim_options_.user_based) {
    const auto cols = sim_.row_indices(item);
    const auto vals = sim_.row_values(item);
    for (std::size_t e = 0; e < cols.size(); ++e) s[static_cast<std::size_t>(cols[e])] = vals[e];
  } else {
    // The item-item similarity by the same measure: x = items, y = users.
    SimInputs in;
    in.by_x = &by_item_;
    in.by_y = &ratings_;
    in.global_mean = global_mean_;
    if (!bu_.empty()) {
      in.x_bias = bi_;
      in.y_bias = bu_;
    }
    SimOptions o = sim_options_;
    o.user_based = false;
    std::vector<std::int32_t> cols;
    std::vector<float> sims;
    knn_similarity_row(in, o, by_item_.row_indices(item), by_item_.row_values(item),
                       bi_.empty() ? 0.0 : bi_[static_cast<std::size_t>(item)], item, cols, sims);
    for (std::size_t e = 0; e < cols.size(); ++e) s[static_cast<std::size_t>(cols[e])] = sims[e];
  }
  return top_k(s, k);
}

void Knn::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  save_csr(dir, "ratings", ratings_);
  save_csr(dir, "similarity", sim_);
  if (!bu_.empty()) {
    save_npy(dir / "user_bias.npy", bu_, {bu_.size()});
    save_npy(dir / "item_bias.npy", bi_, {bi_.size()});
  }
}

void Knn::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  ratings_ = load_csr(dir, "ratings");
  sim_ = load_csr(dir, "similarity");
  const std::int32_t n_x = sim_options_.user_based ? n_users_ : n_items_;
  if (ratings_.rows != n_users_ || ratings_.cols != n_items_ || sim_.rows != n_x || sim_.cols != n_x) {
    throw Error(ErrorKind::kInvalidInput,
                dir.string() + ": ratings, similarity and counts do not agree in shape");
  }
  bu_.clear();
  bi_.clear();
  if (variant_ == Variant::kBaseline || sim_options_.measure == SimMeasure::kPearsonBaseline) {
    bu_ = load_doubles(dir / "user_bias.npy", static_cast<std::size_t>(n_users_));
    bi_ = load_doubles(dir / "item_bias.npy", static_cast<std::size_t>(n_items_));
  }
  prepare();
}

void Knn::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  nlohmann::json extra = {{"similarity", "similarity_{indptr,indices,values,shape}.npy (scipy CSR, x by x)"},
                          {"user_based", sim_options_.user_based},
                          {"k", k_},
                          {"min_k", min_k_}};
  save_csr(dir, "similarity", sim_);
  if (!bu_.empty()) {
    save_npy(dir / "user_bias.npy", bu_, {bu_.size()});
    save_npy(dir / "item_bias.npy", bi_, {bi_.size()});
    extra["user_bias"] = "user_bias.npy";
    extra["item_bias"] = "item_bias.npy";
  }
  write_export_meta(dir, extra, ids);
}

}  // namespace mn
