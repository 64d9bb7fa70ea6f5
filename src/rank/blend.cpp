#include "rank/blend.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "content/content_model.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Ranks (0 = best) of every item by score; -infinity items get n.
std::vector<std::int32_t> ranks_of(std::span<const float> scores) {
  std::vector<std::int32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    const float sa = scores[static_cast<std::size_t>(a)], sb = scores[static_cast<std::size_t>(b)];
    return sa != sb ? sa > sb : a < b;
  });
  std::vector<std::int32_t> rank(scores.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    rank[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
  return rank;
}

}  // namespace

void standardise(std::span<float> scores) {
  double sum = 0, sq = 0;
  std::size_t n = 0;
  for (const float v : scores) {
    if (!std::isfinite(v)) continue;
    sum += v;
    sq += static_cast<double>(v) * v;
    ++n;
  }
  if (n == 0) return;
  const double mean = sum / static_cast<double>(n);
  const double var = sq / static_cast<double>(n) - mean * mean;
  const double inv = var > 1e-20 ? 1.0 / std::sqrt(var) : 0.0;
  for (float& v : scores) {
    if (std::isfinite(v)) v = static_cast<float>((v - mean) * inv);
  }
}

ModelInfo blend_model_info() {
  ModelInfo info;
  info.name = "blend";
  info.description =
      "movie night's ranker: standardised ALS + ItemKNN + content + popularity, or reciprocal-rank fusion";
  info.params = {
      {"cf_weight", ParamType::kFloat, "1", 0, 1e6, {}, "blend: weight of ALS", {}},
      {"itemknn_weight", ParamType::kFloat, "0.25", 0, 1e6, {}, "blend: weight of ItemKNN", {}},
      {"content_weight", ParamType::kFloat, "0.4", 0, 1e6, {}, "blend: weight of the content profile", {}},
      {"pop_weight", ParamType::kFloat, "0", 0, 1e6, {}, "blend: weight of log popularity", {}},
      {"fusion",
       ParamType::kChoice,
       "rrf",
       0,
       0,
       {"blend", "rrf"},
       "reciprocal-rank fusion of cf and content, or weighted z-scores (blend)",
       {}},
      {"rrf_k", ParamType::kFloat, "60", 0, 1e9, {}, "rrf: rank offset", {}},
      {"rrf_cf", ParamType::kFloat, "0.6", 0, 1e6, {}, "rrf: weight of ALS", {}},
      {"rrf_content", ParamType::kFloat, "0.4", 0, 1e6, {}, "rrf: weight of content", {}},
      {"factors", ParamType::kInt, "64", 1, 1024, {}, "ALS factors", {}},
      {"regularization", ParamType::kFloat, "30", 0, 1e12, {}, "ALS regularization", {}},
      {"alpha", ParamType::kFloat, "5", 1e-12, 1e12, {}, "ALS confidence scale", {}},
      {"iterations", ParamType::kInt, "15", 0, 100000, {}, "ALS iterations", {}},
      {"knn_k", ParamType::kInt, "100", 1, 1e9, {}, "ItemKNN neighbours per item", {}},
      {"encoder",
       ParamType::kChoice,
       "tfidf",
       0,
       0,
       {"tfidf", "genres", "minilm"},
       "content: text encoder",
       {}},
      {"seed", ParamType::kInt, "0", 0, 4294967295.0, {}, "seed of ALS and the text encoder", {}},
  };
  info.stochastic = true;
  info.needs_catalog = true;
  info.test_settings = "factors=8,regularization=0.1,alpha=1,encoder=genres,knn_k=20";
  info.make = [](Params p) { return std::make_unique<BlendModel>(std::move(p)); };
  return info;
}

BlendModel::BlendModel(Params params) : Recommender(std::move(params)) {
  const Params& p = params_;
  cf_ = make_model("als:factors=" + std::to_string(p.get_int("factors")) + ",regularization=" +
                   number(p.get_float("regularization")) + ",alpha=" + number(p.get_float("alpha")) +
                   ",iterations=" + std::to_string(p.get_int("iterations")) +
                   ",seed=" + std::to_string(p.get_int("seed")));
  itemknn_ = make_model("itemknn:sim=cosine,k=" + std::to_string(p.get_int("knn_k")));
  auto content =
      make_model("content:encoder=" + p.get_choice("encoder") + ",seed=" + std::to_string(p.get_int("seed")));
  content_.reset(static_cast<ContentModel*>(content.release()));
}

BlendModel::~BlendModel() = default;

void BlendModel::fit(const CsrMatrix& user_items, const FitContext& context) {
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
  cf_->fit(user_items, context);
  itemknn_->fit(user_items, context);
  content_->fit(user_items, context);
  pop_.assign(static_cast<std::size_t>(n_items_), 0.0f);
  for (const std::int32_t c : user_items.indices) pop_[static_cast<std::size_t>(c)] += 1;
  for (float& v : pop_) v = std::log1p(v);
}

BlendModel::Parts BlendModel::parts_for_user(std::int32_t user, bool with_content) const {
  Parts parts;
  const auto n = static_cast<std::size_t>(n_items_);
  const bool rrf = params_.get_choice("fusion") == "rrf";
  if (rrf || params_.get_float("cf_weight") > 0) cf_->score(user, (parts.cf.resize(n), parts.cf));
  if (!rrf && params_.get_float("itemknn_weight") > 0)
    itemknn_->score(user, (parts.itemknn.resize(n), parts.itemknn));
  if (with_content && (rrf || params_.get_float("content_weight") > 0))
    content_->score(user, (parts.content.resize(n), parts.content));
  if (!rrf && params_.get_float("pop_weight") > 0) parts.pop = pop_;
  return parts;
}

BlendModel::Parts BlendModel::parts_for_history(std::span<const std::int32_t> items,
                                                std::span<const float> values, bool with_content) const {
  Parts parts;
  const auto n = static_cast<std::size_t>(n_items_);
  const bool rrf = params_.get_choice("fusion") == "rrf";
  if (rrf || params_.get_float("cf_weight") > 0)
    cf_->score_history(items, values, (parts.cf.resize(n), parts.cf));
  if (!rrf && params_.get_float("itemknn_weight") > 0)
    itemknn_->score_history(items, values, (parts.itemknn.resize(n), parts.itemknn));
  if (with_content && (rrf || params_.get_float("content_weight") > 0))
    content_->score_history(items, values, (parts.content.resize(n), parts.content));
  if (!rrf && params_.get_float("pop_weight") > 0) parts.pop = pop_;
  return parts;
}

void BlendModel::fuse(const Parts& parts, std::span<float> out, std::span<const float> extra,
                      double extra_weight) const {
  std::fill(out.begin(), out.end(), 0.0f);
  if (params_.get_choice("fusion") == "rrf") {
    const double k = params_.get_float("rrf_k");
    const auto add = [&](const std::vector<float>& s, double w) {
      if (s.empty() || w == 0) return;
      const auto rank = ranks_of(s);
      for (std::size_t i = 0; i < out.size(); ++i) out[i] += static_cast<float>(w / (k + 1.0 + rank[i]));
    };
    add(parts.cf, params_.get_float("rrf_cf"));
    add(parts.content, params_.get_float("rrf_content"));
    if (!extra.empty()) add(std::vector<float>(extra.begin(), extra.end()), extra_weight);
    return;
  }
  std::vector<float> z;
  const auto add = [&](std::span<const float> s, double w) {
    if (s.empty() || w == 0) return;
    z.assign(s.begin(), s.end());
    standardise(z);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += static_cast<float>(w) * z[i];
  };
  add(parts.cf, params_.get_float("cf_weight"));
  add(parts.itemknn, params_.get_float("itemknn_weight"));
  add(parts.content, params_.get_float("content_weight"));
  add(parts.pop, params_.get_float("pop_weight"));
  add(extra, extra_weight);
}

void BlendModel::score(std::int32_t user, std::span<float> out) const { fuse(parts_for_user(user), out); }

void BlendModel::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                               std::span<float> out) const {
  fuse(parts_for_history(items, values), out);
}

std::vector<ScoredItem> BlendModel::similar_items(std::int32_t item, int k) const {
  // Collaborative neighbours first: they know what people watch together.
  return cf_->similar_items(item, k);
}

void BlendModel::save(const std::filesystem::path& dir) const {
  for (const char* sub : {"cf", "itemknn", "content"}) std::filesystem::create_directories(dir / sub);
  cf_->save(dir / "cf");
  itemknn_->save(dir / "itemknn");
  content_->save(dir / "content");
  save_npy(dir / "log_popularity.npy", pop_, {pop_.size()});
}

void BlendModel::load(const std::filesystem::path& dir) {
  cf_->load(dir / "cf");
  itemknn_->load(dir / "itemknn");
  content_->load(dir / "content");
  pop_ = load_npy(dir / "log_popularity.npy").as<float>();
  n_users_ = cf_->n_users();
  n_items_ = cf_->n_items();
  if (itemknn_->n_items() != n_items_ || content_->n_items() != n_items_ ||
      pop_.size() != static_cast<std::size_t>(n_items_)) {
    throw Error(ErrorKind::kInvalidInput,
                dir.string() + ": the blend's parts disagree on the number of items");
  }
}

}  // namespace mn
