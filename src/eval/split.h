#pragma once
// Train / validation / test splits over a dataset's ratings, by the protocols the literature uses,
// and the CSV form other tools read (--save-split / --load-split).
//
//   loo        per user with >= 3 positives: latest positive (by timestamp, ties: larger movieId
//              counts as later) is test, the one before validation, the rest train
//   holdout    per user with >= 5 positives: a random ceil(test_frac * n) of them is test
//   kfold      random k folds over all ratings (one split per fold)
//   predefined the split files a dataset ships (ml-100k u1..u5, ua, ub)
//   strong     held-out users: their positives are 80 % fold-in history, 20 % test; the model
//              never sees them in training (Liang et al. 2018)
//   sampled    loo, but each test item is ranked against 99 sampled negatives (NCF protocol)
//   random     a random fraction of all ratings is test (Surprise's train_test_split)
//   coldstart  a set of items (the cold_frac most popular, or random ones) is hidden from training:
//              every positive on them is test, and only they are ranked (item cold start)
// "positives" are ratings >= threshold; the implicit protocols keep only positives.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cf/sparse.h"
#include "data/dataset.h"

namespace mn {

struct SplitOptions {
  std::string protocol = "loo";
  double threshold = 4.0;
  double test_frac = 0.2;
  int folds = 5;
  std::uint64_t seed = 0;
  std::int32_t heldout_users = 0;  // strong: 0 means 10 % of the users
  int sampled_negatives = 99;
  std::string cold_items = "popular";  // coldstart: "popular" or "random"
  double cold_frac = 0.1;              // coldstart: fraction of the rated items hidden
};

struct Split {
  std::string name;  // "loo", "kfold 2/5", "u1", ...
  std::vector<RatingTriple> train;
  std::vector<RatingTriple> validation;  // may be empty
  std::vector<RatingTriple> test;
  // strong: the held-out users' fold-in histories (never in train).
  std::vector<RatingTriple> fold_in;
  // sampled: per test row, the negatives it is ranked against.
  std::vector<std::vector<std::int32_t>> sampled_negatives;
  std::int32_t n_users = 0;
  std::int32_t n_items = 0;
  // Items that may be recommended: those that occur in the ratings file.
  std::vector<char> candidate;
};

// One split for loo / holdout / strong / sampled / random; one per fold for kfold; one per
// shipped split for predefined.
std::vector<Split> make_splits(const Dataset& dataset, const SplitOptions& options);

// Writes train.csv, val.csv (when there is a validation part), test.csv: header
// userId,movieId,rating,timestamp, the dataset's own ids, ratings with one decimal, rows sorted by
// (userId, timestamp, movieId); each file written atomically.
void save_split(const Split& split, const Dataset& dataset, const std::filesystem::path& dir);
// Reads such a folder (val.csv optional); ids must exist in the dataset.
Split load_split(const std::filesystem::path& dir, const Dataset& dataset);

// rows x cols matrix of the triples; binary: every value 1.
CsrMatrix to_matrix(const std::vector<RatingTriple>& rows, std::int32_t n_users, std::int32_t n_items,
                    bool binary);
// Every rating of the dataset (binary: the positives, rating >= threshold, valued 1), users x items:
// what a model fits on when it is trained on all of the data.
CsrMatrix dataset_matrix(const Dataset& dataset, double threshold, bool binary);
// The same entries as to_matrix, valued by how many days each is older than its user's latest
// entry (for recency decay); a repeated pair sums its ages.
CsrMatrix to_age_matrix(const std::vector<RatingTriple>& rows, std::int32_t n_users, std::int32_t n_items);
// The dataset without `hidden` (matched by user and movie): what a product built on it may know
// when those rows are held out, e.g. a NightPlanner measured on a split's test rows. Users keep
// their indices; the fingerprint changes with the hidden rows, so model caches keyed by it never
// mix the two.
Dataset hide_rows(const Dataset& dataset, const std::vector<RatingTriple>& hidden);
// Concatenation (train + validation for the final refit).
std::vector<RatingTriple> concat(const std::vector<RatingTriple>& a, const std::vector<RatingTriple>& b);

}  // namespace mn
