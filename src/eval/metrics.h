#pragma once
// Top-K ranking metrics over one user's ranked list and held-out items, and their average over
// users; RMSE/MAE for rating predictions. Names are the JSON keys of `eval` (recall@10, ...).
//
// Definitions (binary relevance; T = the user's held-out items; hits@K = |top-K ∩ T|):
//   recall@K     hits@K / |T|
//   trecall@K    hits@K / min(K, |T|)           (the "truncated" recall of Liang et al. 2018)
//   hr@K         1 if hits@K > 0
//   precision@K  hits@K / K
//   ndcg@K       Σ_{rank r ≤ K, item ∈ T} 1/log2(r+1)  /  Σ_{r ≤ min(K,|T|)} 1/log2(r+1)
//   map@K        Σ_{rank r ≤ K, item ∈ T} precision@r  /  min(K, |T|)
//   mrr@K        1 / rank of the first hit, 0 when none within K
//   ils@K        mean similarity over the pairs of the top-K list (genre Jaccard by default)
//   genre_coverage@K  |genres of the top-K| / |genres of the catalog|
//   coverage@K   |items in anyone's top-K| / |candidate items|  (a property of the whole run)
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace mn {

struct UserRanking {
  std::span<const std::int32_t> ranked;    // best first, at least max(K) long where possible
  std::span<const std::int32_t> relevant;  // held-out items, any order
};

// Per-item genre sets as sorted small integer ids, for ILS and genre coverage.
struct ItemGenres {
  std::vector<std::vector<std::int16_t>> genres;  // by item
  int n_genres = 0;
  double jaccard(std::int32_t a, std::int32_t b) const;
};

class RankingMetrics {
 public:
  explicit RankingMetrics(std::vector<int> ks, const ItemGenres* genres = nullptr,
                          std::int32_t n_candidates = 0);

  // Adds one user's result. Thread-safe only through merge(): give each thread its own object.
  void add(const UserRanking& user);
  void merge(const RankingMetrics& other);
  // Means over users (coverage over the union), keyed "ndcg@10", ...
  std::map<std::string, double> means() const;
  std::int64_t users() const { return users_; }
  // Per-user values of one metric in the order added (for paired comparisons).
  const std::vector<double>& per_user(const std::string& name) const;

 private:
  std::vector<int> ks_;
  const ItemGenres* genres_;
  std::int32_t n_candidates_;
  std::int64_t users_ = 0;
  std::map<std::string, double> sums_;
  std::map<std::string, std::vector<double>> per_user_;
  std::vector<std::vector<char>> covered_;  // per K: items seen in some top-K
};

struct RatingErrors {
  double squared = 0;
  double absolute = 0;
  std::int64_t count = 0;
  void add(double predicted, double actual);
  void merge(const RatingErrors& other);
  double rmse() const;
  double mae() const;
};

// Parses "10,20,100".
std::vector<int> parse_ks(const std::string& text);

}  // namespace mn
