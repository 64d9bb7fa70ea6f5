#include "util/sort_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace mn {
namespace {

TEST(SortKey, AscendingKeysPutTheLargerScoreFirstAndTiesToTheSmallerIndex) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float tiny = std::numeric_limits<float>::denorm_min();
  const std::vector<float> scores = {kInf,  3e38f, 2.5f,  1.0f,  tiny,   0.0f,
                                     -0.0f, -tiny, -1.0f, -2.5f, -3e38f, -kInf};
  // Already best first: the keys must ascend, strictly except for +0 and -0 (equal scores, so the
  // index decides).
  for (std::size_t a = 0; a + 1 < scores.size(); ++a) {
    if (scores[a] == scores[a + 1]) continue;
    EXPECT_LT(best_first_key(scores[a], 7), best_first_key(scores[a + 1], 7))
        << scores[a] << " vs " << scores[a + 1];
  }
  EXPECT_EQ(best_first_key(0.0f, 3), best_first_key(-0.0f, 3));
  EXPECT_LT(best_first_key(1.0f, 2), best_first_key(1.0f, 9));
  EXPECT_EQ(key_index(best_first_key(-2.5f, 123456)), 123456u);
}

}  // namespace
}  // namespace mn
