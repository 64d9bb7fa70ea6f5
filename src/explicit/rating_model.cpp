#include "explicit/rating_model.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "io/file.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {

int rating_threads(int requested) { return requested > 0 ? requested : std::max(1, omp_get_max_threads()); }

RatingPrediction RatingModel::finish(const Estimate& e) const {
  RatingPrediction p;
  p.actual_k = e.actual_k;
  double est = e.value;
  if (!e.impossible.empty()) {
    est = default_prediction();
    p.was_impossible = true;
    p.reason = e.impossible;
  }
  p.estimate = std::max(static_cast<double>(rating_min_), std::min(static_cast<double>(rating_max_), est));
  return p;
}

RatingPrediction RatingModel::predict(std::int32_t user, std::int32_t item) const {
  return finish(estimate(user, item));
}

std::vector<RatingPrediction> RatingModel::predict_many(std::span<const RatingTriple> triples,
                                                        int threads) const {
  std::vector<RatingPrediction> out(triples.size());
  const auto n = static_cast<std::int64_t>(triples.size());
  // Most models predict in well under a microsecond: below this many, threads cost more than
  // they save (the k-NN and slope-one models have their own grouped, parallel predict_many).
  constexpr std::int64_t kParallelFrom = 65536;
#pragma omp parallel for schedule(dynamic, 1024) num_threads(rating_threads(threads)) if (n >= kParallelFrom)
  for (std::int64_t t = 0; t < n; ++t) {
    const RatingTriple& r = triples[static_cast<std::size_t>(t)];
    out[static_cast<std::size_t>(t)] = predict(r.user, r.item);
  }
  return out;
}

void RatingModel::set_rating_scale(float lo, float hi) {
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi)) {
    throw Error(ErrorKind::kInvalidInput, name() + ": rating scale [" + std::to_string(lo) + ", " +
                                              std::to_string(hi) + "] is not an interval");
  }
  rating_min_ = lo;
  rating_max_ = hi;
  scale_pinned_ = true;
}

void RatingModel::check_user(std::int32_t user) const {
  if (user < 0 || user >= n_users_) {
    throw Error(ErrorKind::kInvalidInput, name() + ": user " + std::to_string(user) +
                                              " is not in the fitted matrix (" + std::to_string(n_users_) +
                                              " users)");
  }
}

void RatingModel::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  for (std::int32_t i = 0; i < n_items_; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<float>(predict(user, i).estimate);
}

std::vector<ScoredItem> RatingModel::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                name() + ": item " + std::to_string(item) + " is not in the fitted matrix");
  }
  std::vector<float> s(static_cast<std::size_t>(n_items_));
  for (std::int32_t i = 0; i < n_items_; ++i)
    s[static_cast<std::size_t>(i)] = static_cast<float>(predict(-1, i).estimate);
  exclude_items(s, std::span<const std::int32_t>(&item, 1));
  return top_k(s, k);
}

void RatingModel::export_factors(const std::filesystem::path&, const ExportIds*) const {
  throw Error(ErrorKind::kInvalidInput, name() + ": this model has no latent factors or biases to export");
}

void RatingModel::begin_fit(const CsrMatrix& x) {
  if (x.nnz() == 0) throw Error(ErrorKind::kInvalidInput, name() + ": fit needs at least one rating");
  if (x.indptr.size() != static_cast<std::size_t>(x.rows) + 1 || x.values.size() != x.indices.size()) {
    throw Error(ErrorKind::kInternal, name() + ": malformed ratings matrix");
  }
  n_users_ = x.rows;
  n_items_ = x.cols;
  n_ratings_ = x.nnz();
  user_count_.assign(static_cast<std::size_t>(x.rows), 0);
  item_count_.assign(static_cast<std::size_t>(x.cols), 0);
  double sum = 0;
  float lo = std::numeric_limits<float>::infinity();
  float hi = -lo;
  for (std::int32_t u = 0; u < x.rows; ++u) {
    std::int32_t prev = -1;
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) {
      const auto p = static_cast<std::size_t>(e);
      const std::int32_t i = x.indices[p];
      const float r = x.values[p];
      if (i <= prev || i >= x.cols) {
        throw Error(ErrorKind::kInternal, name() + ": ratings matrix row " + std::to_string(u) +
                                              " has unsorted or out-of-range columns");
      }
      if (!std::isfinite(r)) {
        throw Error(ErrorKind::kInvalidInput, name() + ": rating of user " + std::to_string(u) + ", item " +
                                                  std::to_string(i) + " is not a finite number");
      }
      prev = i;
      sum += r;
      lo = std::min(lo, r);
      hi = std::max(hi, r);
      ++item_count_[static_cast<std::size_t>(i)];
    }
    user_count_[static_cast<std::size_t>(u)] = static_cast<std::int32_t>(x.row_end(u) - x.row_begin(u));
  }
  global_mean_ = sum / static_cast<double>(x.nnz());
  if (!scale_pinned_) {
    rating_min_ = lo;
    rating_max_ = hi;
  }
}

void RatingModel::save_rating_state(const std::filesystem::path& dir) const {
  nlohmann::json j;
  j["global_mean"] = global_mean_;
  j["rating_min"] = rating_min_;
  j["rating_max"] = rating_max_;
  j["scale_pinned"] = scale_pinned_;
  j["n_ratings"] = n_ratings_;
  write_file_atomic(dir / "rating_model.json", j.dump(2) + "\n");
  save_npy(dir / "user_counts.npy", user_count_, {user_count_.size()});
  save_npy(dir / "item_counts.npy", item_count_, {item_count_.size()});
}

void RatingModel::load_rating_state(const std::filesystem::path& dir) {
  const auto path = dir / "rating_model.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
    global_mean_ = j.at("global_mean").get<double>();
    rating_min_ = j.at("rating_min").get<float>();
    rating_max_ = j.at("rating_max").get<float>();
    scale_pinned_ = j.at("scale_pinned").get<bool>();
    n_ratings_ = j.at("n_ratings").get<std::int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": " + e.what());
  }
  user_count_ = load_npy(dir / "user_counts.npy").as<std::int32_t>();
  item_count_ = load_npy(dir / "item_counts.npy").as<std::int32_t>();
  n_users_ = static_cast<std::int32_t>(user_count_.size());
  n_items_ = static_cast<std::int32_t>(item_count_.size());
}

void RatingModel::write_export_meta(const std::filesystem::path& dir, const nlohmann::json& extra,
                                    const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  nlohmann::json meta;
  meta["model"] = name();
  meta["params"] = params_.to_json();
  meta["global_mean"] = global_mean_;
  meta["rating_min"] = rating_min_;
  meta["rating_max"] = rating_max_;
  meta["n_users"] = n_users_;
  meta["n_items"] = n_items_;
  meta["user_counts"] = "user_counts.npy";
  meta["item_counts"] = "item_counts.npy";
  meta["unknown"] =
      "a user (item) with user_counts (item_counts) 0 is unknown: its bias and factor terms are left out, "
      "as Surprise does; predictions are clipped to [rating_min, rating_max]";
  save_npy(dir / "user_counts.npy", user_count_, {user_count_.size()});
  save_npy(dir / "item_counts.npy", item_count_, {item_count_.size()});
  if (ids != nullptr) {
    if (ids->user_ids.size() != static_cast<std::size_t>(n_users_) ||
        ids->item_ids.size() != static_cast<std::size_t>(n_items_)) {
      throw Error(ErrorKind::kInvalidInput, name() + ": export ids do not match the model's shape");
    }
    save_npy(dir / "user_ids.npy", ids->user_ids, {ids->user_ids.size()});
    save_npy(dir / "item_ids.npy", ids->item_ids, {ids->item_ids.size()});
    meta["user_ids"] = "user_ids.npy";
    meta["item_ids"] = "item_ids.npy";
  }
  for (const auto& [key, value] : extra.items()) meta[key] = value;
  write_file_atomic(dir / "meta.json", meta.dump(2) + "\n");
}

const RatingModel* as_rating_model(const Recommender& model) {
  return dynamic_cast<const RatingModel*>(&model);
}

RatingErrors rating_errors(const RatingModel& model, std::span<const RatingTriple> triples, int threads) {
  const std::vector<RatingPrediction> p = model.predict_many(triples, threads);
  RatingErrors errors;
  for (std::size_t t = 0; t < triples.size(); ++t) errors.add(p[t].estimate, triples[t].rating);
  return errors;
}

}  // namespace mn
