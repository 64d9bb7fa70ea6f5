#include "rank/mmr.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace mn {
namespace {

double cosine(const std::vector<float>& v, std::size_t dim, std::size_t a, std::size_t b) {
  const float* x = v.data() + a * dim;
  const float* y = v.data() + b * dim;
  double s = 0;
  for (std::size_t k = 0; k < dim; ++k) s += static_cast<double>(x[k]) * y[k];
  return s;
}

double ils(const std::vector<float>& v, std::size_t dim, const std::vector<std::size_t>& items) {
  if (items.size() < 2) return 0;
  double total = 0;
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = i + 1; j < items.size(); ++j) {
      total += cosine(v, dim, items[i], items[j]);
      ++pairs;
    }
  }
  return total / static_cast<double>(pairs);
}

double coverage(const std::vector<std::vector<std::string>>& genres, const std::vector<std::size_t>& items) {
  std::set<std::string> all, mine;
  for (const auto& g : genres) all.insert(g.begin(), g.end());
  for (const std::size_t i : items) mine.insert(genres[i].begin(), genres[i].end());
  return all.empty() ? 0.0 : static_cast<double>(mine.size()) / static_cast<double>(all.size());
}

double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::size_t common = 0;
  for (const auto& g : sa) common += sb.count(g);
  const std::size_t uni = sa.size() + sb.size() - common;
  return uni == 0 ? 1.0 : static_cast<double>(common) / static_cast<double>(uni);
}

}  // namespace

MmrResult mmr_select(const std::vector<double>& relevance, const std::vector<float>& vectors, std::size_t dim,
                     std::size_t k, double lambda) {
  MmrResult out;
  const std::size_t n = relevance.size();
  k = std::min(k, n);
  if (k == 0) return out;
  const auto [lo_it, hi_it] = std::minmax_element(relevance.begin(), relevance.end());
  const double lo = *lo_it, span = *hi_it - *lo_it;
  std::vector<double> max_sim(n, 0.0);
  std::vector<char> taken(n, 0);
  for (std::size_t t = 0; t < k; ++t) {
    std::size_t best = n;
    double best_value = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i) {
      if (taken[i]) continue;
      const double rel = span > 0 ? (relevance[i] - lo) / span : 1.0;
      const double value = lambda * rel - (1 - lambda) * (t == 0 ? 0.0 : max_sim[i]);
      if (value > best_value) {
        best_value = value;
        best = i;
      }
    }
    taken[best] = 1;
    out.selected.push_back(best);
    for (std::size_t i = 0; i < n; ++i) {
      if (!taken[i]) max_sim[i] = std::max(max_sim[i], cosine(vectors, dim, i, best));
    }
  }
  return out;
}

DiversityReport diversity_report(const std::vector<float>& vectors, std::size_t dim,
                                 const std::vector<std::vector<std::string>>& genres,
                                 const std::vector<std::size_t>& selected, std::size_t k) {
  std::vector<std::size_t> before;
  for (std::size_t i = 0; i < k && i < genres.size(); ++i) before.push_back(i);
  DiversityReport r;
  r.ils_before = ils(vectors, dim, before);
  r.ils_after = ils(vectors, dim, selected);
  r.genre_coverage_before = coverage(genres, before);
  r.genre_coverage_after = coverage(genres, selected);
  return r;
}

std::vector<std::size_t> pair_double_features(const std::vector<std::size_t>& picks,
                                              const std::vector<float>& vectors, std::size_t dim,
                                              const std::vector<std::vector<std::string>>& genres,
                                              const std::vector<float>& runtimes, double max_total_minutes) {
  const auto runtime = [&](std::size_t i) {
    return i < runtimes.size() ? static_cast<double>(runtimes[i]) : 0.0;
  };
  std::vector<std::size_t> out;
  std::vector<char> used(picks.size(), 0);
  for (std::size_t a = 0; a < picks.size(); ++a) {
    if (used[a]) continue;
    used[a] = 1;
    out.push_back(picks[a]);
    std::size_t best = picks.size();
    double best_value = -std::numeric_limits<double>::infinity();
    for (std::size_t b = a + 1; b < picks.size(); ++b) {
      if (used[b]) continue;
      double value = cosine(vectors, dim, picks[a], picks[b]) +
                     0.5 * (1.0 - jaccard(genres[picks[a]], genres[picks[b]]));
      const double ra = runtime(picks[a]), rb = runtime(picks[b]);
      if (ra > 0 && rb > 0 && ra + rb > max_total_minutes)
        value -= 0.5 * (ra + rb - max_total_minutes) / 60.0;
      if (value > best_value) {
        best_value = value;
        best = b;
      }
    }
    if (best < picks.size()) {
      used[best] = 1;
      out.push_back(picks[best]);
    }
  }
  return out;
}

std::string total_runtime_text(float minutes_a, float minutes_b) {
  if (!(minutes_a > 0) || !(minutes_b > 0)) return {};
  const auto total = static_cast<int>(std::lround(minutes_a + minutes_b));
  return std::to_string(total / 60) + " h " + std::to_string(total % 60) + " min";
}

}  // namespace mn
