#pragma once
// Sparse item-item weights kept to the top k per row, and the base of the models that score with
// them (itemknn, rp3beta): score(u) = sum over the user's items i of x_ui * W[i, :].
//
// top_k_product computes row i of L * R (L: items x users, R: users x items) the way implicit's
// all_pairs_knn does (SMMP accumulation, then a bounded heap), so that for equal inputs the kept
// neighbours, ties at the k-th place included, are the ones implicit keeps. Memory is one dense
// accumulator per thread plus items x k for the result; no items x items matrix is ever formed.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cf/recommender.h"
#include "cf/sparse.h"

namespace mn {

// OpenMP threads for FitContext::threads (0: every core).
int fit_threads(int requested);

// A sparse pattern with double values aligned to its entries (weights are computed in double, as
// implicit does, so that sums and ties come out the same).
struct WeightedCsr {
  const CsrMatrix* pattern = nullptr;
  std::vector<double> values;
};

struct TopKOptions {
  std::int64_t k = 20;
  bool keep_self = true;  // implicit counts the item itself as one of its k neighbours
  int threads = 0;
};

// Row i of the result: the (at most) k largest non-zero values of finish(i, j, dot_ij) over the
// items j reachable from i, dot_ij = sum_u L[i, u] * R[u, j]; columns ascending. Ties at the k-th
// place keep the item implicit keeps (its heap sees items in reverse order of first touch and
// replaces only on a strictly larger value). Identical results for any thread count.
template <typename Finish>
CsrMatrix top_k_product(const WeightedCsr& left, const WeightedCsr& right, const TopKOptions& options,
                        Finish&& finish) {
  const CsrMatrix& l = *left.pattern;
  const CsrMatrix& r = *right.pattern;
  const std::int32_t n = l.rows;
  const std::int32_t m = r.cols;
  const auto k = static_cast<std::size_t>(std::clamp<std::int64_t>(options.k, 0, m));
  std::vector<std::int32_t> count(static_cast<std::size_t>(n), 0);
  std::vector<std::int32_t> cols(static_cast<std::size_t>(n) * k);
  std::vector<float> vals(static_cast<std::size_t>(n) * k);
  using Entry = std::pair<double, std::int32_t>;
#pragma omp parallel num_threads(fit_threads(options.threads))
  {
    std::vector<double> sums(static_cast<std::size_t>(m), 0.0);
    // Columns in order of first touch; seen[j] == i marks them (no reset between rows). Appending
    // unconditionally and advancing only on a first touch keeps the hot loop free of branches.
    std::vector<std::int32_t> seen(static_cast<std::size_t>(m), -1);
    std::vector<std::int32_t> touched(static_cast<std::size_t>(m) + 1);
    std::vector<Entry> heap;
    heap.reserve(k + 1);
    const std::greater<Entry> heap_order;
#pragma omp for schedule(dynamic, 8)
    for (std::int32_t i = 0; i < n; ++i) {
      std::size_t length = 0;
      for (std::int64_t p = l.row_begin(i); p < l.row_end(i); ++p) {
        const std::int32_t u = l.indices[static_cast<std::size_t>(p)];
        const double w1 = left.values[static_cast<std::size_t>(p)];
        for (std::int64_t q = r.row_begin(u); q < r.row_end(u); ++q) {
          const std::int32_t j = r.indices[static_cast<std::size_t>(q)];
          const auto js = static_cast<std::size_t>(j);
          sums[js] += right.values[static_cast<std::size_t>(q)] * w1;
          touched[length] = j;
          length += seen[js] != i ? 1 : 0;
          seen[js] = i;
        }
      }
      heap.clear();
      // implicit's SMMP list yields the columns in reverse order of first touch.
      for (std::size_t t = length; t-- > 0;) {
        const std::int32_t j = touched[t];
        const auto js = static_cast<std::size_t>(j);
        const double v = finish(i, j, sums[js]);
        sums[js] = 0.0;
        if (v == 0.0 || (j == i && !options.keep_self) || k == 0) continue;
        if (heap.size() < k || v > heap.front().first) {
          if (heap.size() >= k) {
            std::pop_heap(heap.begin(), heap.end(), heap_order);
            heap.pop_back();
          }
          heap.emplace_back(v, j);
          std::push_heap(heap.begin(), heap.end(), heap_order);
        }
      }
      std::sort(heap.begin(), heap.end(), [](const Entry& a, const Entry& b) { return a.second < b.second; });
      const std::size_t base = static_cast<std::size_t>(i) * k;
      for (std::size_t e = 0; e < heap.size(); ++e) {
        cols[base + e] = heap[e].second;
        vals[base + e] = static_cast<float>(heap[e].first);
      }
      count[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(heap.size());
    }
  }
  CsrMatrix out;
  out.rows = n;
  out.cols = m;
  out.indptr.assign(static_cast<std::size_t>(n) + 1, 0);
  for (std::int32_t i = 0; i < n; ++i) {
    out.indptr[static_cast<std::size_t>(i) + 1] =
        out.indptr[static_cast<std::size_t>(i)] + count[static_cast<std::size_t>(i)];
  }
  // Compact in place (row i starts at i * k >= indptr[i]), then hand the buffers over.
  for (std::int32_t i = 0; i < n; ++i) {
    const std::size_t base = static_cast<std::size_t>(i) * k;
    const auto at = static_cast<std::size_t>(out.indptr[static_cast<std::size_t>(i)]);
    for (std::size_t e = 0; e < static_cast<std::size_t>(count[static_cast<std::size_t>(i)]); ++e) {
      cols[at + e] = cols[base + e];
      vals[at + e] = vals[base + e];
    }
  }
  cols.resize(static_cast<std::size_t>(out.indptr.back()));
  vals.resize(cols.size());
  cols.shrink_to_fit();
  vals.shrink_to_fit();
  out.indices = std::move(cols);
  out.values = std::move(vals);
  return out;
}

// Divides each row by the sum of its absolute values (rows that sum to 0 stay as they are).
void normalize_rows_l1(CsrMatrix& m);

// out = sum over the history of value * row(item) of w; out.size() == w.cols. Items outside w are
// an input error.
void accumulate_rows(const CsrMatrix& w, std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out);

// The k largest entries of row `item` of w, best first (ties: smaller item), the item itself left out.
std::vector<ScoredItem> top_of_row(const CsrMatrix& w, std::int32_t item, int k);

// prefix_indptr.npy (int64), prefix_indices.npy (int32), prefix_values.npy (float32) and
// prefix_shape.npy (int64 [rows, cols]): scipy.sparse.csr_matrix((values, indices, indptr), shape).
void save_csr(const std::filesystem::path& dir, const std::string& prefix, const CsrMatrix& m);
// Refuses files that do not form a valid CSR matrix (naming the file).
CsrMatrix load_csr(const std::filesystem::path& dir, const std::string& prefix);

// Base of the models that score with a sparse item x item weight matrix: they keep the fitted
// user x item matrix (so score(u) == score_history(row u), exactly) and the weights.
class ItemWeightsModel : public Recommender {
 public:
  using Recommender::Recommender;
  void score(std::int32_t user, std::span<float> out) const override;
  void score_history(std::span<const std::int32_t> items, std::span<const float> values,
                     std::span<float> out) const override;
  std::vector<ScoredItem> similar_items(std::int32_t item, int k) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  const CsrMatrix& weights() const { return weights_; }

 protected:
  void set_fitted(const CsrMatrix& user_items, CsrMatrix weights);

 private:
  CsrMatrix user_items_;
  CsrMatrix weights_;
};

}  // namespace mn
