#include "snacks/assignment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "util/error.h"

namespace mn {
namespace {

// The shortest-augmenting-path Hungarian method with potentials, minimising cost over an n x m
// matrix with n <= m (1-based inside, as in the classic formulation). Returns row -> column.
std::vector<std::int32_t> hungarian_min(const std::vector<double>& cost, std::int32_t n, std::int32_t m) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto un = static_cast<std::size_t>(n);
  const auto um = static_cast<std::size_t>(m);
  std::vector<double> u(un + 1, 0.0), v(um + 1, 0.0), minv(um + 1);
  std::vector<std::int32_t> p(um + 1, 0), way(um + 1, 0);
  std::vector<char> used(um + 1);
  const auto a = [&](std::int32_t i, std::int32_t j) {
    return cost[static_cast<std::size_t>(i - 1) * um + static_cast<std::size_t>(j - 1)];
  };
  for (std::int32_t i = 1; i <= n; ++i) {
    p[0] = i;
    std::int32_t j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[static_cast<std::size_t>(j0)] = 1;
      const std::int32_t i0 = p[static_cast<std::size_t>(j0)];
      double delta = inf;
      std::int32_t j1 = 0;
      for (std::int32_t j = 1; j <= m; ++j) {
        const auto uj = static_cast<std::size_t>(j);
        if (used[uj]) continue;
        const double cur = a(i0, j) - u[static_cast<std::size_t>(i0)] - v[uj];
        if (cur < minv[uj]) {
          minv[uj] = cur;
          way[uj] = j0;
        }
        if (minv[uj] < delta) {
          delta = minv[uj];
          j1 = j;
        }
      }
      for (std::size_t j = 0; j <= um; ++j) {
        if (used[j]) {
          u[static_cast<std::size_t>(p[j])] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[static_cast<std::size_t>(j0)] != 0);
    do {
      const std::int32_t j1 = way[static_cast<std::size_t>(j0)];
      p[static_cast<std::size_t>(j0)] = p[static_cast<std::size_t>(j1)];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<std::int32_t> row_to_col(un, -1);
  for (std::size_t j = 1; j <= um; ++j) {
    if (p[j] != 0) row_to_col[static_cast<std::size_t>(p[j] - 1)] = static_cast<std::int32_t>(j - 1);
  }
  return row_to_col;
}

}  // namespace

std::vector<std::int32_t> max_weight_assignment(std::span<const double> weights, std::int32_t rows,
                                                std::int32_t cols) {
  if (rows < 0 || cols < 0 ||
      weights.size() != static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols)) {
    throw Error(ErrorKind::kInvalidInput, "assignment: " + std::to_string(weights.size()) +
                                              " weights for a " + std::to_string(rows) + " x " +
                                              std::to_string(cols) + " matrix");
  }
  for (const double w : weights) {
    if (!std::isfinite(w)) throw Error(ErrorKind::kInvalidInput, "assignment: a weight is not finite");
  }
  if (rows == 0) return {};
  if (cols == 0) return std::vector<std::int32_t>(static_cast<std::size_t>(rows), -1);
  const auto ur = static_cast<std::size_t>(rows);
  const auto uc = static_cast<std::size_t>(cols);
  if (rows <= cols) {
    std::vector<double> cost(weights.size());
    for (std::size_t k = 0; k < cost.size(); ++k) cost[k] = -weights[k];
    return hungarian_min(cost, rows, cols);
  }
  // More rows than columns: assign each column a row on the transposed matrix.
  std::vector<double> cost(weights.size());
  for (std::size_t r = 0; r < ur; ++r) {
    for (std::size_t c = 0; c < uc; ++c) cost[c * ur + r] = -weights[r * uc + c];
  }
  const std::vector<std::int32_t> col_to_row = hungarian_min(cost, cols, rows);
  std::vector<std::int32_t> row_to_col(ur, -1);
  for (std::size_t c = 0; c < uc; ++c)
    row_to_col[static_cast<std::size_t>(col_to_row[c])] = static_cast<std::int32_t>(c);
  return row_to_col;
}

}  // namespace mn
