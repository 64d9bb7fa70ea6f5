#pragma once
// Maximum-weight assignment (the Hungarian method, O(rows^2 cols)): each row gets at most one column
// and no column is used twice, so that the sum of the chosen weights is as large as possible.
#include <cstdint>
#include <span>
#include <vector>

namespace mn {

// weights: rows x cols, row-major, finite. Returns, for each row, its column; when rows > cols,
// exactly rows - cols rows get -1. Every column is given to at most one row. Ties are broken
// deterministically (the same input always gives the same answer). Throws mn::Error (invalid
// input) when weights.size() != rows * cols or a weight is not finite.
std::vector<std::int32_t> max_weight_assignment(std::span<const double> weights, std::int32_t rows,
                                                std::int32_t cols);

}  // namespace mn
