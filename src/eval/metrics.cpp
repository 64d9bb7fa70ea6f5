#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "util/error.h"
#include "util/text.h"

namespace mn {

double ItemGenres::jaccard(std::int32_t a, std::int32_t b) const {
  const auto& x = genres[static_cast<std::size_t>(a)];
  const auto& y = genres[static_cast<std::size_t>(b)];
  if (x.empty() && y.empty()) return 0.0;
  std::size_t common = 0, i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (x[i] == y[j]) {
      ++common;
      ++i;
      ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(x.size() + y.size() - common);
}

RankingMetrics::RankingMetrics(std::vector<int> ks, const ItemGenres* genres, std::int32_t n_candidates)
    : ks_(std::move(ks)), genres_(genres), n_candidates_(n_candidates) {
  std::sort(ks_.begin(), ks_.end());
  ks_.erase(std::unique(ks_.begin(), ks_.end()), ks_.end());
  if (n_candidates_ > 0)
    covered_.assign(ks_.size(), std::vector<char>(static_cast<std::size_t>(n_candidates_), 0));
}

void RankingMetrics::add(const UserRanking& user) {
  ++users_;
  const std::unordered_set<std::int32_t> relevant(user.relevant.begin(), user.relevant.end());
  const auto n_rel = static_cast<double>(relevant.size());
  auto put = [&](const std::string& name, double value) {
    sums_[name] += value;
    per_user_[name].push_back(value);
  };
  for (std::size_t ki = 0; ki < ks_.size(); ++ki) {
    const int k = ks_[ki];
    const std::size_t depth = std::min<std::size_t>(static_cast<std::size_t>(k), user.ranked.size());
    double hits = 0, dcg = 0, ap = 0, rr = 0;
    for (std::size_t r = 0; r < depth; ++r) {
      if (relevant.count(user.ranked[r]) == 0) continue;
      hits += 1;
      dcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
      ap += hits / static_cast<double>(r + 1);
      if (rr == 0) rr = 1.0 / static_cast<double>(r + 1);
    }
    const double ideal_hits = std::min(static_cast<double>(k), n_rel);
    double idcg = 0;
    for (int r = 0; r < static_cast<int>(ideal_hits); ++r) idcg += 1.0 / std::log2(r + 2.0);
    const std::string at = "@" + std::to_string(k);
    put("recall" + at, n_rel > 0 ? hits / n_rel : 0.0);
    put("trecall" + at, ideal_hits > 0 ? hits / ideal_hits : 0.0);
    put("hr" + at, hits > 0 ? 1.0 : 0.0);
    put("precision" + at, hits / k);
    put("ndcg" + at, idcg > 0 ? dcg / idcg : 0.0);
    put("map" + at, ideal_hits > 0 ? ap / ideal_hits : 0.0);
    put("mrr" + at, rr);
    if (genres_ != nullptr) {
      double pair_sum = 0;
      std::size_t pairs = 0;
      std::unordered_set<std::int16_t> seen;
      for (std::size_t a = 0; a < depth; ++a) {
        for (const auto g : genres_->genres[static_cast<std::size_t>(user.ranked[a])]) seen.insert(g);
        for (std::size_t b = a + 1; b < depth; ++b) {
          pair_sum += genres_->jaccard(user.ranked[a], user.ranked[b]);
          ++pairs;
        }
      }
      put("ils" + at, pairs > 0 ? pair_sum / static_cast<double>(pairs) : 0.0);
      put("genre_coverage" + at,
          genres_->n_genres > 0 ? static_cast<double>(seen.size()) / genres_->n_genres : 0.0);
    }
    if (!covered_.empty()) {
      for (std::size_t r = 0; r < depth; ++r) {
        const auto item = static_cast<std::size_t>(user.ranked[r]);
        if (item < covered_[ki].size()) covered_[ki][item] = 1;
      }
    }
  }
}

void RankingMetrics::merge(const RankingMetrics& other) {
  users_ += other.users_;
  for (const auto& [name, sum] : other.sums_) sums_[name] += sum;
  for (const auto& [name, values] : other.per_user_) {
    auto& mine = per_user_[name];
    mine.insert(mine.end(), values.begin(), values.end());
  }
  for (std::size_t ki = 0; ki < covered_.size() && ki < other.covered_.size(); ++ki) {
    for (std::size_t i = 0; i < covered_[ki].size(); ++i) covered_[ki][i] |= other.covered_[ki][i];
  }
}

std::map<std::string, double> RankingMetrics::means() const {
  std::map<std::string, double> out;
  for (const auto& [name, sum] : sums_) out[name] = users_ > 0 ? sum / static_cast<double>(users_) : 0.0;
  for (std::size_t ki = 0; ki < covered_.size(); ++ki) {
    const auto n = std::count(covered_[ki].begin(), covered_[ki].end(), 1);
    out["coverage@" + std::to_string(ks_[ki])] = static_cast<double>(n) / static_cast<double>(n_candidates_);
  }
  return out;
}

const std::vector<double>& RankingMetrics::per_user(const std::string& name) const {
  static const std::vector<double> kEmpty;
  const auto it = per_user_.find(name);
  return it == per_user_.end() ? kEmpty : it->second;
}

void RatingErrors::add(double predicted, double actual) {
  const double e = predicted - actual;
  squared += e * e;
  absolute += std::abs(e);
  ++count;
}

void RatingErrors::merge(const RatingErrors& other) {
  squared += other.squared;
  absolute += other.absolute;
  count += other.count;
}

double RatingErrors::rmse() const {
  return count > 0 ? std::sqrt(squared / static_cast<double>(count)) : 0.0;
}
double RatingErrors::mae() const { return count > 0 ? absolute / static_cast<double>(count) : 0.0; }

std::vector<int> parse_ks(const std::string& text) {
  std::vector<int> ks;
  for (const auto part : split(text, ",")) {
    const auto k = parse_int(part);
    if (!k || *k < 1 || *k > 100000) {
      throw Error(ErrorKind::kInvalidInput,
                  "--k: '" + std::string(part) + "' is not a cut-off between 1 and 100000");
    }
    ks.push_back(static_cast<int>(*k));
  }
  if (ks.empty()) throw Error(ErrorKind::kInvalidInput, "--k: give at least one cut-off, e.g. 10,20,100");
  return ks;
}

}  // namespace mn
