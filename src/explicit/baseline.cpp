#include "explicit/baseline.h"

#include <algorithm>
#include <cmath>

#include "io/file.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

std::vector<double> load_vector(const std::filesystem::path& path, std::int32_t n) {
  std::vector<double> v = load_npy(path).as<double>();
  if (v.size() != static_cast<std::size_t>(n)) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected " + std::to_string(n) + " values");
  }
  return v;
}

}  // namespace

BaselineOnly::BaselineOnly(Params params)
    : RatingModel(std::move(params)), options_(xp::BaselineOptions::from(params_)) {}

void BaselineOnly::fit(const CsrMatrix& ratings, const FitContext&) {
  begin_fit(ratings);
  const xp::Baselines b = xp::compute_baselines(ratings, ratings.transpose(), global_mean_, options_);
  bu_ = b.bu;
  bi_ = b.bi;
}

Estimate BaselineOnly::estimate(std::int32_t user, std::int32_t item) const {
  double est = global_mean_;
  if (knows_user(user)) est += bu_[static_cast<std::size_t>(user)];
  if (knows_item(item)) est += bi_[static_cast<std::size_t>(item)];
  return {est, {}, -1};
}

void BaselineOnly::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  const double base = global_mean_ + (knows_user(user) ? bu_[static_cast<std::size_t>(user)] : 0.0);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const double est = base + (knows_item(i) ? bi_[static_cast<std::size_t>(i)] : 0.0);
    out[static_cast<std::size_t>(i)] =
        static_cast<float>(std::clamp(est, double{rating_min_}, double{rating_max_}));
  }
}

void BaselineOnly::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                                 std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  const double bu = xp::fold_in_user_bias(items, values, bi_, global_mean_, options_);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const double est = global_mean_ + bu + (knows_item(i) ? bi_[static_cast<std::size_t>(i)] : 0.0);
    out[static_cast<std::size_t>(i)] =
        static_cast<float>(std::clamp(est, double{rating_min_}, double{rating_max_}));
  }
}

void BaselineOnly::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  save_npy(dir / "user_bias.npy", bu_, {bu_.size()});
  save_npy(dir / "item_bias.npy", bi_, {bi_.size()});
}

void BaselineOnly::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  bu_ = load_vector(dir / "user_bias.npy", n_users_);
  bi_ = load_vector(dir / "item_bias.npy", n_items_);
}

void BaselineOnly::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save_npy(dir / "user_bias.npy", bu_, {bu_.size()});
  save_npy(dir / "item_bias.npy", bi_, {bi_.size()});
  write_export_meta(dir,
                    {{"user_bias", "user_bias.npy"},
                     {"item_bias", "item_bias.npy"},
                     {"formula", "clip(global_mean + user_bias[u] + item_bias[i], rating_min, rating_max)"}},
                    ids);
}

NormalPredictor::NormalPredictor(Params params) : RatingModel(std::move(params)) {}

void NormalPredictor::fit(const CsrMatrix& ratings, const FitContext&) {
  begin_fit(ratings);
  double num = 0;
  for (const float r : ratings.values) num += (r - global_mean_) * (r - global_mean_);
  sigma_ = std::sqrt(num / static_cast<double>(ratings.nnz()));
}

Estimate NormalPredictor::estimate(std::int32_t user, std::int32_t item) const {
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  return {xp::hashed_normal(seed, user, item, global_mean_, sigma_), {}, -1};
}

void NormalPredictor::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                                    std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  for (std::int32_t i = 0; i < n_items_; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<float>(predict(-1, i).estimate);
}

void NormalPredictor::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  write_file_atomic(dir / "normal.json", nlohmann::json{{"sigma", sigma_}}.dump() + "\n");
}

void NormalPredictor::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  try {
    sigma_ = nlohmann::json::parse(read_file(dir / "normal.json")).at("sigma").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidInput, (dir / "normal.json").string() + ": " + e.what());
  }
}

}  // namespace mn
