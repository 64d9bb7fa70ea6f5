#include "explicit/co_clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "explicit/explicit_common.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {

CoClustering::CoClustering(Params params)
    : RatingModel(std::move(params)),
      n_u_(static_cast<int>(params_.get_int("n_cltr_u"))),
      n_i_(static_cast<int>(params_.get_int("n_cltr_i"))) {}

double CoClustering::cell(int uc, int ic) const {
  return avg_co_[static_cast<std::size_t>(uc) * static_cast<std::size_t>(n_i_) +
                 static_cast<std::size_t>(ic)];
}

void CoClustering::compute_averages(const CsrMatrix& x) {
  std::vector<double> count_u(static_cast<std::size_t>(n_u_), 0), count_i(static_cast<std::size_t>(n_i_), 0),
      count_co(static_cast<std::size_t>(n_u_ * n_i_), 0);
  std::vector<double> sum_u(count_u), sum_i(count_i), sum_co(count_co);
  for (std::int32_t u = 0; u < x.rows; ++u) {
    const auto uc = static_cast<std::size_t>(cltr_u_[static_cast<std::size_t>(u)]);
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) {
      const auto p = static_cast<std::size_t>(e);
      const auto ic = static_cast<std::size_t>(cltr_i_[static_cast<std::size_t>(x.indices[p])]);
      const double r = x.values[p];
      count_u[uc] += 1;
      count_i[ic] += 1;
      count_co[uc * static_cast<std::size_t>(n_i_) + ic] += 1;
      sum_u[uc] += r;
      sum_i[ic] += r;
      sum_co[uc * static_cast<std::size_t>(n_i_) + ic] += r;
    }
  }
  const auto avg = [&](const std::vector<double>& sum, const std::vector<double>& count) {
    std::vector<double> out(sum.size());
    for (std::size_t c = 0; c < sum.size(); ++c) out[c] = count[c] > 0 ? sum[c] / count[c] : global_mean_;
    return out;
  };
  avg_u_ = avg(sum_u, count_u);
  avg_i_ = avg(sum_i, count_i);
  avg_co_ = avg(sum_co, count_co);
}

void CoClustering::fit(const CsrMatrix& ratings, const FitContext&) {
  begin_fit(ratings);
  const CsrMatrix by_item = ratings.transpose();
  sgd::Rng rng(static_cast<std::uint64_t>(params_.get_int("seed")), 0xC0C1);
  cltr_u_.resize(static_cast<std::size_t>(n_users_));
  cltr_i_.resize(static_cast<std::size_t>(n_items_));
  for (auto& c : cltr_u_) c = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(n_u_)));
  for (auto& c : cltr_i_) c = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(n_i_)));
  const auto means = [](const CsrMatrix& m) {
    std::vector<double> out(static_cast<std::size_t>(m.rows), 0.0);
    for (std::int32_t r = 0; r < m.rows; ++r) {
      const auto vs = m.row_values(r);
      double s = 0;
      for (const float v : vs) s += v;
      if (!vs.empty()) out[static_cast<std::size_t>(r)] = s / static_cast<double>(vs.size());
    }
    return out;
  };
  user_mean_ = means(ratings);
  item_mean_ = means(by_item);
  std::vector<double> errors;
  const auto epochs = params_.get_int("n_epochs");
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    compute_averages(ratings);
    for (std::int32_t u = 0; u < n_users_; ++u) {
      if (user_count_[static_cast<std::size_t>(u)] == 0) continue;
      errors.assign(static_cast<std::size_t>(n_u_), 0.0);
      for (int uc = 0; uc < n_u_; ++uc) {
        for (std::int64_t e = ratings.row_begin(u); e < ratings.row_end(u); ++e) {
          const auto p = static_cast<std::size_t>(e);
          const auto i = static_cast<std::size_t>(ratings.indices[p]);
          const int ic = cltr_i_[i];
          const double est = cell(uc, ic) + user_mean_[static_cast<std::size_t>(u)] -
                             avg_u_[static_cast<std::size_t>(uc)] + item_mean_[i] -
                             avg_i_[static_cast<std::size_t>(ic)];
          errors[static_cast<std::size_t>(uc)] += (ratings.values[p] - est) * (ratings.values[p] - est);
        }
      }
      cltr_u_[static_cast<std::size_t>(u)] =
          static_cast<std::int32_t>(std::min_element(errors.begin(), errors.end()) - errors.begin());
    }
    for (std::int32_t i = 0; i < n_items_; ++i) {
      if (item_count_[static_cast<std::size_t>(i)] == 0) continue;
      errors.assign(static_cast<std::size_t>(n_i_), 0.0);
      for (int ic = 0; ic < n_i_; ++ic) {
        for (std::int64_t e = by_item.row_begin(i); e < by_item.row_end(i); ++e) {
          const auto p = static_cast<std::size_t>(e);
          const auto u = static_cast<std::size_t>(by_item.indices[p]);
          const int uc = cltr_u_[u];
          const double est = cell(uc, ic) + user_mean_[u] - avg_u_[static_cast<std::size_t>(uc)] +
                             item_mean_[static_cast<std::size_t>(i)] - avg_i_[static_cast<std::size_t>(ic)];
          errors[static_cast<std::size_t>(ic)] += (by_item.values[p] - est) * (by_item.values[p] - est);
        }
      }
      cltr_i_[static_cast<std::size_t>(i)] =
          static_cast<std::int32_t>(std::min_element(errors.begin(), errors.end()) - errors.begin());
    }
  }
  compute_averages(ratings);
}

Estimate CoClustering::estimate(std::int32_t user, std::int32_t item) const {
  // Surprise returns the global mean (not an impossible prediction) for unknown users or items.
  if (!(knows_user(user) && knows_item(item))) return {global_mean_, {}, -1};
  const auto u = static_cast<std::size_t>(user);
  const auto i = static_cast<std::size_t>(item);
  const int uc = cltr_u_[u];
  const int ic = cltr_i_[i];
  return {cell(uc, ic) + user_mean_[u] - avg_u_[static_cast<std::size_t>(uc)] + item_mean_[i] -
              avg_i_[static_cast<std::size_t>(ic)],
          {},
          -1};
}

void CoClustering::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                                 std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (knows_item(items[e])) {
      sum += values[e];
      ++n;
    }
  }
  const double mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
  int best = 0;
  double best_error = std::numeric_limits<double>::infinity();
  for (int uc = 0; uc < n_u_ && n > 0; ++uc) {
    double err = 0;
    for (std::size_t e = 0; e < items.size(); ++e) {
      if (!knows_item(items[e])) continue;
      const auto i = static_cast<std::size_t>(items[e]);
      const int ic = cltr_i_[i];
      const double est = cell(uc, ic) + mean - avg_u_[static_cast<std::size_t>(uc)] + item_mean_[i] -
                         avg_i_[static_cast<std::size_t>(ic)];
      err += (values[e] - est) * (values[e] - est);
    }
    if (err < best_error) {
      best_error = err;
      best = uc;
    }
  }
  for (std::int32_t i = 0; i < n_items_; ++i) {
    double est = global_mean_;
    if (n > 0 && knows_item(i)) {
      const int ic = cltr_i_[static_cast<std::size_t>(i)];
      est = cell(best, ic) + mean - avg_u_[static_cast<std::size_t>(best)] +
            item_mean_[static_cast<std::size_t>(i)] - avg_i_[static_cast<std::size_t>(ic)];
    }
    out[static_cast<std::size_t>(i)] = static_cast<float>(
        std::clamp(est, static_cast<double>(rating_min_), static_cast<double>(rating_max_)));
  }
}

std::vector<ScoredItem> CoClustering::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                "coclustering: item " + std::to_string(item) + " is not in the fitted matrix");
  }
  // An item's profile: its estimate for each user cluster, less the user terms.
  const auto profile = [&](std::int32_t i, int uc) {
    const int ic = cltr_i_[static_cast<std::size_t>(i)];
    return cell(uc, ic) - avg_i_[static_cast<std::size_t>(ic)] + item_mean_[static_cast<std::size_t>(i)];
  };
  std::vector<float> s(static_cast<std::size_t>(n_items_), -std::numeric_limits<float>::infinity());
  for (std::int32_t j = 0; j < n_items_; ++j) {
    if (j == item || !knows_item(j)) continue;
    double d = 0;
    for (int uc = 0; uc < n_u_; ++uc)
      d += (profile(item, uc) - profile(j, uc)) * (profile(item, uc) - profile(j, uc));
    s[static_cast<std::size_t>(j)] = static_cast<float>(-std::sqrt(d));
  }
  return top_k(s, k);
}

void CoClustering::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  save_npy(dir / "user_clusters.npy", cltr_u_, {cltr_u_.size()});
  save_npy(dir / "item_clusters.npy", cltr_i_, {cltr_i_.size()});
  save_npy(dir / "user_mean.npy", user_mean_, {user_mean_.size()});
  save_npy(dir / "item_mean.npy", item_mean_, {item_mean_.size()});
  save_npy(dir / "avg_cltr_u.npy", avg_u_, {avg_u_.size()});
  save_npy(dir / "avg_cltr_i.npy", avg_i_, {avg_i_.size()});
  save_npy(dir / "avg_cocltr.npy", avg_co_, {static_cast<std::size_t>(n_u_), static_cast<std::size_t>(n_i_)});
}

void CoClustering::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  const auto check = [&](const char* file, std::size_t got, std::size_t want) {
    if (got != want) {
      throw Error(ErrorKind::kInvalidInput,
                  (dir / file).string() + ": expected " + std::to_string(want) + " values");
    }
  };
  cltr_u_ = load_npy(dir / "user_clusters.npy").as<std::int32_t>();
  cltr_i_ = load_npy(dir / "item_clusters.npy").as<std::int32_t>();
  user_mean_ = load_npy(dir / "user_mean.npy").as<double>();
  item_mean_ = load_npy(dir / "item_mean.npy").as<double>();
  avg_u_ = load_npy(dir / "avg_cltr_u.npy").as<double>();
  avg_i_ = load_npy(dir / "avg_cltr_i.npy").as<double>();
  avg_co_ = load_npy(dir / "avg_cocltr.npy").as<double>();
  check("user_clusters.npy", cltr_u_.size(), static_cast<std::size_t>(n_users_));
  check("item_clusters.npy", cltr_i_.size(), static_cast<std::size_t>(n_items_));
  check("user_mean.npy", user_mean_.size(), static_cast<std::size_t>(n_users_));
  check("item_mean.npy", item_mean_.size(), static_cast<std::size_t>(n_items_));
  check("avg_cltr_u.npy", avg_u_.size(), static_cast<std::size_t>(n_u_));
  check("avg_cltr_i.npy", avg_i_.size(), static_cast<std::size_t>(n_i_));
  check("avg_cocltr.npy", avg_co_.size(), static_cast<std::size_t>(n_u_ * n_i_));
  for (const std::int32_t c : cltr_u_) {
    if (c < 0 || c >= n_u_)
      throw Error(ErrorKind::kInvalidInput, (dir / "user_clusters.npy").string() + ": cluster out of range");
  }
  for (const std::int32_t c : cltr_i_) {
    if (c < 0 || c >= n_i_)
      throw Error(ErrorKind::kInvalidInput, (dir / "item_clusters.npy").string() + ": cluster out of range");
  }
}

}  // namespace mn
