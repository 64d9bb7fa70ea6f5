#include "explicit/slope_one.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cf/similarity.h"
#include "explicit/explicit_common.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {

SlopeOne::SlopeOne(Params params) : RatingModel(std::move(params)) {}

void SlopeOne::prepare() {
  by_item_ = ratings_.transpose();
  user_mean_.assign(static_cast<std::size_t>(n_users_), 0.0);
  for (std::int32_t u = 0; u < n_users_; ++u) {
    const auto rs = ratings_.row_values(u);
    double sum = 0;
    for (const float r : rs) sum += r;
    if (!rs.empty()) user_mean_[static_cast<std::size_t>(u)] = sum / static_cast<double>(rs.size());
  }
}

void SlopeOne::fit(const CsrMatrix& ratings, const FitContext& context) {
  begin_fit(ratings);
  ratings_ = ratings;
  prepare();
  const std::int32_t n = n_items_;
  std::vector<std::vector<std::pair<std::int32_t, float>>> rows(static_cast<std::size_t>(n));
#pragma omp parallel num_threads(rating_threads(context.threads))
  {
    std::vector<std::int32_t> freq(static_cast<std::size_t>(n), 0);
    std::vector<double> sum(static_cast<std::size_t>(n), 0.0);
    std::vector<std::int32_t> touched;
#pragma omp for schedule(dynamic, 16)
    for (std::int32_t i = 0; i < n; ++i) {
      touched.clear();
      const auto users = by_item_.row_indices(i);
      const auto r_i = by_item_.row_values(i);
      for (std::size_t e = 0; e < users.size(); ++e) {
        const auto items = ratings_.row_indices(users[e]);
        const auto r_u = ratings_.row_values(users[e]);
        for (std::size_t q = 0; q < items.size(); ++q) {
          const auto j = static_cast<std::size_t>(items[q]);
          if (freq[j]++ == 0) touched.push_back(items[q]);
          sum[j] += static_cast<double>(r_i[e]) - r_u[q];
        }
      }
      std::sort(touched.begin(), touched.end());
      auto& row = rows[static_cast<std::size_t>(i)];
      row.reserve(touched.size());
      for (const std::int32_t j : touched) {
        const auto js = static_cast<std::size_t>(j);
        row.emplace_back(j, static_cast<float>(sum[js] / freq[js]));
        freq[js] = 0;
        sum[js] = 0.0;
      }
    }
  }
  dev_ = CsrMatrix{};
  dev_.rows = n;
  dev_.cols = n;
  dev_.indptr.assign(static_cast<std::size_t>(n) + 1, 0);
  for (std::int32_t i = 0; i < n; ++i) {
    dev_.indptr[static_cast<std::size_t>(i) + 1] =
        dev_.indptr[static_cast<std::size_t>(i)] +
        static_cast<std::int64_t>(rows[static_cast<std::size_t>(i)].size());
  }
  dev_.indices.reserve(static_cast<std::size_t>(dev_.indptr.back()));
  dev_.values.reserve(static_cast<std::size_t>(dev_.indptr.back()));
  for (auto& row : rows) {
    for (const auto& [j, d] : row) {
      dev_.indices.push_back(j);
      dev_.values.push_back(d);
    }
    std::vector<std::pair<std::int32_t, float>>().swap(row);
  }
}

double SlopeOne::deviation_mean(std::int32_t item, std::span<const std::int32_t> rated, bool& any) const {
  const auto cols = dev_.row_indices(item);
  const auto devs = dev_.row_values(item);
  double sum = 0;
  std::int64_t count = 0;
  // Walk the shorter list, binary-search the longer.
  if (rated.size() <= cols.size()) {
    for (const std::int32_t j : rated) {
      const auto it = std::lower_bound(cols.begin(), cols.end(), j);
      if (it != cols.end() && *it == j) {
        sum += devs[static_cast<std::size_t>(it - cols.begin())];
        ++count;
      }
    }
  } else {
    for (std::size_t e = 0; e < cols.size(); ++e) {
      if (std::binary_search(rated.begin(), rated.end(), cols[e])) {
        sum += devs[e];
        ++count;
      }
    }
  }
  any = count > 0;
  return any ? sum / static_cast<double>(count) : 0.0;
}

Estimate SlopeOne::estimate(std::int32_t user, std::int32_t item) const {
  if (!(knows_user(user) && knows_item(item))) return {0, kUnknownReason, -1};
  bool any = false;
  const double d = deviation_mean(item, ratings_.row_indices(user), any);
  return {user_mean_[static_cast<std::size_t>(user)] + d, {}, -1};
}

std::vector<RatingPrediction> SlopeOne::predict_many(std::span<const RatingTriple> triples,
                                                     int threads) const {
  std::vector<RatingPrediction> out(triples.size());
  std::vector<std::size_t> order;
  for (std::size_t t = 0; t < triples.size(); ++t) {
    if (knows_user(triples[t].user) && knows_item(triples[t].item)) {
      order.push_back(t);
    } else {
      out[t] = predict(triples[t].user, triples[t].item);
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return triples[a].item < triples[b].item; });
  std::vector<std::size_t> starts;
  for (std::size_t e = 0; e < order.size(); ++e) {
    if (e == 0 || triples[order[e]].item != triples[order[e - 1]].item) starts.push_back(e);
  }
  starts.push_back(order.size());
  const auto n_groups = static_cast<std::int64_t>(starts.size()) - 1;
#pragma omp parallel num_threads(rating_threads(threads)) if (order.size() > 1024)
  {
    std::vector<float> dense(static_cast<std::size_t>(n_items_), std::numeric_limits<float>::quiet_NaN());
#pragma omp for schedule(dynamic, 4)
    for (std::int64_t g = 0; g < n_groups; ++g) {
      const std::int32_t i = triples[order[starts[static_cast<std::size_t>(g)]]].item;
      const auto cols = dev_.row_indices(i);
      const auto devs = dev_.row_values(i);
      for (std::size_t e = 0; e < cols.size(); ++e) dense[static_cast<std::size_t>(cols[e])] = devs[e];
      for (std::size_t e = starts[static_cast<std::size_t>(g)]; e < starts[static_cast<std::size_t>(g) + 1];
           ++e) {
        const std::int32_t u = triples[order[e]].user;
        double sum = 0;
        std::int64_t count = 0;
        for (const std::int32_t j : ratings_.row_indices(u)) {
          const float d = dense[static_cast<std::size_t>(j)];
          if (!std::isnan(d)) {
            sum += d;
            ++count;
          }
        }
        const double est =
            user_mean_[static_cast<std::size_t>(u)] + (count > 0 ? sum / static_cast<double>(count) : 0.0);
        out[order[e]] = finish({est, {}, -1});
      }
      for (const std::int32_t c : cols)
        dense[static_cast<std::size_t>(c)] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  return out;
}

void SlopeOne::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                             std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<std::int32_t> rated;
  double sum = 0;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (!knows_item(items[e])) continue;
    rated.push_back(items[e]);
    sum += values[e];
  }
  const double mean = rated.empty() ? 0.0 : sum / static_cast<double>(rated.size());
  std::sort(rated.begin(), rated.end());
  rated.erase(std::unique(rated.begin(), rated.end()), rated.end());
  for (std::int32_t i = 0; i < n_items_; ++i) {
    double est = default_prediction();
    if (!rated.empty() && knows_item(i)) {
      bool any = false;
      est = mean + deviation_mean(i, rated, any);
    }
    out[static_cast<std::size_t>(i)] = static_cast<float>(
        std::clamp(est, static_cast<double>(rating_min_), static_cast<double>(rating_max_)));
  }
}

std::vector<ScoredItem> SlopeOne::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                "slopeone: item " + std::to_string(item) + " is not in the fitted matrix");
  }
  std::vector<float> s(static_cast<std::size_t>(n_items_), -std::numeric_limits<float>::infinity());
  for (const std::int32_t u : by_item_.row_indices(item)) {
    for (const std::int32_t j : ratings_.row_indices(u)) {
      float& v = s[static_cast<std::size_t>(j)];
      v = v < 0 ? 1.0f : v + 1.0f;
    }
  }
  s[static_cast<std::size_t>(item)] = -std::numeric_limits<float>::infinity();
  return top_k(s, k);
}

void SlopeOne::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  save_csr(dir, "ratings", ratings_);
  save_csr(dir, "deviation", dev_);
}

void SlopeOne::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  ratings_ = load_csr(dir, "ratings");
  dev_ = load_csr(dir, "deviation");
  if (ratings_.rows != n_users_ || ratings_.cols != n_items_ || dev_.rows != n_items_ ||
      dev_.cols != n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                dir.string() + ": ratings, deviation and counts do not agree in shape");
  }
  prepare();
}

}  // namespace mn
