#pragma once
// Pieces shared by the explicit-rating models: the order in which SGD visits the ratings, a seeded
// normal generator, Surprise's baseline estimates (ALS and SGD, bsl_options as flat parameters)
// and the parameter-table helpers.
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cf/params.h"
#include "cf/sgd_util.h"
#include "cf/sparse.h"

namespace mn::xp {

ParamSpec spec(std::string name, ParamType type, std::string def, double lo, double hi, std::string doc,
               std::vector<std::string> choices = {}, std::vector<std::string> aliases = {});
// seed (alias random_state), Surprise's random_state.
ParamSpec seed_spec(const std::string& what);

// The stored entries of `ratings` (positions into its CSR arrays) in the order Surprise's
// trainset.all_ratings() visits a randomly shuffled trainset: user by user, users in order of
// their first rating in a random permutation of all ratings, each user's ratings in that
// permutation's order. Seeded; the same order serves every epoch, as in Surprise.
std::vector<std::int64_t> surprise_order(const CsrMatrix& ratings, std::uint64_t seed);

// Normal draws (the ziggurat method) from the project's SplitMix64 generator.
class NormalRng {
 public:
  explicit NormalRng(std::uint64_t seed, std::uint64_t stream = 0) : rng_(seed, stream) {}
  double uniform() { return static_cast<double>(rng_.next() >> 11) * 0x1.0p-53; }
  double normal(double mean, double std_dev);

 private:
  sgd::Rng rng_;
};
// Normal initial factors (rows x cols, padded): row r draws from its own stream (seed, matrix, r),
// so the values do not depend on the thread count.
void init_normal(sgd::FactorMatrix& m, std::int32_t rows, int cols, std::uint64_t seed, std::uint64_t matrix,
                 double mean, double std_dev, int threads);
// A normal draw that depends only on (seed, a, b): NormalPredictor's per-prediction draw.
double hashed_normal(std::uint64_t seed, std::int64_t a, std::int64_t b, double mean, double std_dev);

// Surprise's bsl_options: method als (reg_u, reg_i, n_epochs 10) or sgd (reg, learning_rate,
// n_epochs 20).
struct BaselineOptions {
  bool sgd = false;
  int n_epochs = 10;
  double reg_u = 15;
  double reg_i = 10;
  double reg = 0.02;
  double learning_rate = 0.005;
  std::uint64_t seed = 0;  // sgd: the order of the ratings
  static BaselineOptions from(const Params& params);
};
// The parameters behind BaselineOptions (method, n_epochs, reg_u, reg_i, reg, learning_rate).
std::vector<ParamSpec> baseline_specs();

struct Baselines {
  std::vector<double> bu;
  std::vector<double> bi;
};
// Surprise's baseline_als / baseline_sgd. by_item: the transpose of ratings.
Baselines compute_baselines(const CsrMatrix& ratings, const CsrMatrix& by_item, double global_mean,
                            const BaselineOptions& options);
// The user bias of a new user from a history against fixed item biases: the ALS user step
// (sum of r - mu - b_i over reg_u + n), which is exactly the trained b_u of an ALS fit.
double fold_in_user_bias(std::span<const std::int32_t> items, std::span<const float> values,
                         std::span<const double> bi, double global_mean, const BaselineOptions& options);

// Items of a history checked against the item count (kInvalidInput naming the model otherwise)
// and equal lengths of items and values.
void check_history(const std::string& model, std::span<const std::int32_t> items,
                   std::span<const float> values, std::int32_t n_items);

// Solves the symmetric positive definite system a x = b in place (a: n x n row-major, b: n);
// returns false when a is not positive definite.
bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, int n);

}  // namespace mn::xp
