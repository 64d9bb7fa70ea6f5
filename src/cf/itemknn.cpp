#include "cf/itemknn.h"

#include <cmath>

namespace mn {

ModelInfo itemknn_model_info() {
  ModelInfo info;
  info.name = "itemknn";
  info.description = "item-item neighbours (implicit's Cosine / TFIDF / BM25 recommenders), top k per item";
  info.params = {
      {"sim", ParamType::kChoice, "cosine", 0, 0, {"cosine", "bm25", "tfidf"}, "item similarity", {}},
      {"k", ParamType::kInt, "20", 1, 1e9, {}, "neighbours kept per item, itself included (implicit)", {"K"}},
      {"shrink", ParamType::kFloat, "0", 0, 1e12, {}, "scale by n_i n_j / (n_i n_j + shrink); 0: none", {}},
      {"k1", ParamType::kFloat, "1.2", 0, 1e12, {}, "BM25 K1 (implicit's BM25Recommender default)", {"K1"}},
      {"b", ParamType::kFloat, "0.75", 0, 1, {}, "BM25 B (length normalisation)", {"B"}},
  };
  // k covers the 25 items of a parity on the 50 x 50 checkerboard.
  info.test_settings = "k=50";
  info.make = [](Params p) { return std::make_unique<ItemKnn>(std::move(p)); };
  return info;
}

void ItemKnn::fit(const CsrMatrix& user_items, const FitContext& context) {
  enum class Sim { kCosine, kTfidf, kBm25 };
  const std::string& sim_name = params_.get_choice("sim");
  const Sim sim = sim_name == "bm25" ? Sim::kBm25 : sim_name == "tfidf" ? Sim::kTfidf : Sim::kCosine;
  const double shrink = params_.get_float("shrink");
  const CsrMatrix item_users = user_items.transpose();
  const auto n_users = static_cast<std::size_t>(user_items.rows);
  const auto n_items = static_cast<std::size_t>(user_items.cols);

  // Per-entry weight w(u, i, x) before any per-item normalisation, in double as implicit computes it.
  std::vector<double> idf(n_users, 0.0);
  std::vector<double> length_norm(n_items, 1.0);
  if (sim != Sim::kCosine) {
    const double log_n = std::log(static_cast<double>(n_items));
    for (std::size_t u = 0; u < n_users; ++u) {
      const auto count = static_cast<double>(user_items.row_end(static_cast<std::int32_t>(u)) -
                                             user_items.row_begin(static_cast<std::int32_t>(u)));
      idf[u] = log_n - std::log1p(count);
    }
  }
  const double k1 = params_.get_float("k1");
  const double b = params_.get_float("b");
  if (sim == Sim::kBm25 && n_items > 0) {
    std::vector<double> item_sum(n_items, 0.0);
    double total = 0;
    for (std::size_t i = 0; i < n_items; ++i) {
      for (const float x : item_users.row_values(static_cast<std::int32_t>(i))) item_sum[i] += x;
      total += item_sum[i];
    }
    const double average = total / static_cast<double>(n_items);
    for (std::size_t i = 0; i < n_items; ++i) {
      length_norm[i] = (1.0 - b) + b * item_sum[i] / average;
    }
  }
  const auto weight = [&](std::size_t u, std::size_t i, float x) -> double {
    if (sim == Sim::kCosine) return x;
    if (sim == Sim::kTfidf) return std::sqrt(static_cast<double>(x)) * idf[u];
    return x * (k1 + 1.0) / (k1 * length_norm[i] + x) * idf[u];
  };

  // The item vectors' L2 norms; cosine and tfidf divide by them (implicit's normalize()).
  std::vector<double> norm(n_items, 0.0);
  for (std::size_t i = 0; i < n_items; ++i) {
    const auto users = item_users.row_indices(static_cast<std::int32_t>(i));
    const auto xs = item_users.row_values(static_cast<std::int32_t>(i));
    double sq = 0;
    for (std::size_t e = 0; e < users.size(); ++e) {
      const double w = weight(static_cast<std::size_t>(users[e]), i, xs[e]);
      sq += w * w;
    }
    norm[i] = std::sqrt(sq);
  }
  const bool unit = sim != Sim::kBm25;
  const auto scaled = [&](std::size_t u, std::size_t i, float x) {
    const double w = weight(u, i, x);
    return unit ? (norm[i] > 0 ? w / norm[i] : 0.0) : w;
  };

  WeightedCsr left{&item_users, std::vector<double>(item_users.indices.size())};
  for (std::size_t i = 0; i < n_items; ++i) {
    for (std::int64_t p = item_users.row_begin(static_cast<std::int32_t>(i));
         p < item_users.row_end(static_cast<std::int32_t>(i)); ++p) {
      const auto pu = static_cast<std::size_t>(p);
      left.values[pu] = scaled(static_cast<std::size_t>(item_users.indices[pu]), i, item_users.values[pu]);
    }
  }
  WeightedCsr right{&user_items, std::vector<double>(user_items.indices.size())};
  for (std::size_t u = 0; u < n_users; ++u) {
    for (std::int64_t p = user_items.row_begin(static_cast<std::int32_t>(u));
         p < user_items.row_end(static_cast<std::int32_t>(u)); ++p) {
      const auto pu = static_cast<std::size_t>(p);
      right.values[pu] = scaled(u, static_cast<std::size_t>(user_items.indices[pu]), user_items.values[pu]);
    }
  }

  const TopKOptions options{params_.get_int("k"), true, context.threads};
  CsrMatrix similarity = top_k_product(left, right, options, [&](std::int32_t i, std::int32_t j, double dot) {
    if (shrink == 0) return dot;
    const double support = norm[static_cast<std::size_t>(i)] * norm[static_cast<std::size_t>(j)];
    return dot * support / (support + shrink);
  });
  set_fitted(user_items, std::move(similarity));
}

}  // namespace mn
