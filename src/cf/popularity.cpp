#include "cf/popularity.h"

#include <algorithm>

#include "io/npy.h"
#include "util/error.h"

namespace mn {

ModelInfo popularity_model_info() {
  ModelInfo info;
  info.name = "pop";
  info.description = "most popular items: count of positives, or damped mean rating";
  info.params = {
      {"by",
       ParamType::kChoice,
       "count",
       0,
       0,
       {"count", "mean"},
       "rank by number of positives or by damped mean value",
       {}},
      {"damping",
       ParamType::kFloat,
       "10",
       0,
       1e9,
       {},
       "prior weight of the global mean for by=mean (pseudo-ratings)",
       {}},
  };
  info.make = [](Params p) { return std::make_unique<Popularity>(std::move(p)); };
  return info;
}

void Popularity::fit(const CsrMatrix& user_items, const FitContext&) {
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
  std::vector<double> count(static_cast<std::size_t>(n_items_), 0.0);
  std::vector<double> sum(static_cast<std::size_t>(n_items_), 0.0);
  double total = 0;
  for (std::size_t p = 0; p < user_items.indices.size(); ++p) {
    const auto i = static_cast<std::size_t>(user_items.indices[p]);
    count[i] += 1;
    sum[i] += user_items.values[p];
    total += user_items.values[p];
  }
  scores_.assign(static_cast<std::size_t>(n_items_), 0.0f);
  const bool by_mean = params_.get_choice("by") == "mean";
  const double damping = params_.get_float("damping");
  const double global = user_items.nnz() > 0 ? total / static_cast<double>(user_items.nnz()) : 0.0;
  for (std::size_t i = 0; i < scores_.size(); ++i) {
    scores_[i] = static_cast<float>(by_mean ? (sum[i] + damping * global) / (count[i] + damping) : count[i]);
  }
}

void Popularity::score(std::int32_t, std::span<float> out) const {
  std::copy(scores_.begin(), scores_.end(), out.begin());
}

void Popularity::score_history(std::span<const std::int32_t>, std::span<const float>,
                               std::span<float> out) const {
  std::copy(scores_.begin(), scores_.end(), out.begin());
}

std::vector<ScoredItem> Popularity::similar_items(std::int32_t item, int k) const {
  // Popularity knows no similarity: the most popular other items.
  std::vector<float> s = scores_;
  exclude_items(s, std::span<const std::int32_t>(&item, 1));
  return top_k(s, k);
}

void Popularity::save(const std::filesystem::path& dir) const {
  save_npy(dir / "item_scores.npy", scores_, {scores_.size()});
  const std::int64_t shape[2] = {n_users_, n_items_};
  save_npy(dir / "shape.npy", shape, {2});
}

void Popularity::load(const std::filesystem::path& dir) {
  scores_ = load_npy(dir / "item_scores.npy").as<float>();
  const auto shape = load_npy(dir / "shape.npy").as<std::int64_t>();
  if (shape.size() != 2 || shape[1] != static_cast<std::int64_t>(scores_.size())) {
    throw Error(ErrorKind::kInvalidInput, (dir / "shape.npy").string() + ": does not match item_scores.npy");
  }
  n_users_ = static_cast<std::int32_t>(shape[0]);
  n_items_ = static_cast<std::int32_t>(shape[1]);
}

}  // namespace mn
