#include "explicit/explicit_registry.h"

#include "explicit/baseline.h"
#include "explicit/co_clustering.h"
#include "explicit/explicit_common.h"
#include "explicit/knn.h"
#include "explicit/matrix_factorization.h"
#include "explicit/slope_one.h"

namespace mn {
namespace {

using xp::spec;

constexpr double kBig = 1e12;

std::vector<ParamSpec> per_term(const std::vector<std::string>& terms, const std::string& kind,
                                const std::string& all) {
  std::vector<ParamSpec> out;
  for (const std::string& t : terms) {
    out.push_back(spec(kind + "_" + t, ParamType::kFloat, "-1", -1, kBig,
                       (kind == "lr" ? "learning rate of " : "regularisation of ") + t + "; -1: " + all));
  }
  return out;
}

void append(std::vector<ParamSpec>& to, const std::vector<ParamSpec>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

ModelInfo explicit_info(std::string name, std::string description) {
  ModelInfo info;
  info.name = std::move(name);
  info.description = std::move(description);
  info.explicit_ratings = true;
  return info;
}

ModelInfo normal_info() {
  ModelInfo info =
      explicit_info("normal", "Surprise NormalPredictor: a random rating from N(mean, std) of the ratings");
  info.params = {xp::seed_spec("the draws")};
  info.stochastic = true;
  info.make = [](Params p) { return std::make_unique<NormalPredictor>(std::move(p)); };
  return info;
}

ModelInfo baseline_info() {
  ModelInfo info = explicit_info("baseline", "Surprise BaselineOnly: mu + b_u + b_i, biases by ALS or SGD");
  info.params = xp::baseline_specs();
  info.params.push_back(xp::seed_spec("the rating order of method=sgd"));
  info.make = [](Params p) { return std::make_unique<BaselineOnly>(std::move(p)); };
  return info;
}

ModelInfo svd_info() {
  ModelInfo info = explicit_info("svd", "Surprise SVD: biased matrix factorisation by SGD (Funk)");
  info.params = {
      spec("n_factors", ParamType::kInt, "100", 1, 4096, "number of factors"),
      spec("n_epochs", ParamType::kInt, "20", 0, 1e6, "SGD passes over the ratings"),
      spec("biased", ParamType::kBool, "true", 0, 0, "use the baselines mu, b_u, b_i"),
      spec("init_mean", ParamType::kFloat, "0", -kBig, kBig, "mean of the normal initial factors"),
      spec("init_std_dev", ParamType::kFloat, "0.1", 0, kBig, "standard deviation of the initial factors"),
      spec("lr_all", ParamType::kFloat, "0.005", 0, kBig, "learning rate of every term"),
      spec("reg_all", ParamType::kFloat, "0.02", 0, kBig, "regularisation of every term"),
  };
  append(info.params, per_term({"bu", "bi", "pu", "qi"}, "lr", "lr_all"));
  append(info.params, per_term({"bu", "bi", "pu", "qi"}, "reg", "reg_all"));
  info.params.push_back(xp::seed_spec("the initial factors and the rating order"));
  info.params.push_back(
      spec("schedule", ParamType::kChoice, "blocks", 0, 0,
           "rating order: surprise (Surprise's own and its initial draws, one thread) or blocks (users "
           "and items in four groups balanced by ratings; the four disjoint blocks of a phase run at "
           "once, each in Surprise's order; the result does not depend on the thread count)",
           {"blocks", "surprise"}));
  info.stochastic = true;
  info.test_settings = "n_factors=8,n_epochs=150,lr_all=0.02,reg_all=0.02";
  info.make = [](Params p) { return std::make_unique<Svd>(std::move(p)); };
  return info;
}

ModelInfo svdpp_info() {
  ModelInfo info =
      explicit_info("svdpp", "Surprise SVDpp: SVD with implicit feedback of the rated items (SVD++)");
  info.params = {
      spec("n_factors", ParamType::kInt, "20", 1, 4096, "number of factors"),
      spec("n_epochs", ParamType::kInt, "20", 0, 1e6, "SGD passes over the ratings"),
      spec("init_mean", ParamType::kFloat, "0", -kBig, kBig, "mean of the normal initial factors"),
      spec("init_std_dev", ParamType::kFloat, "0.1", 0, kBig, "standard deviation of the initial factors"),
      spec("lr_all", ParamType::kFloat, "0.007", 0, kBig, "learning rate of every term"),
      spec("reg_all", ParamType::kFloat, "0.02", 0, kBig, "regularisation of every term"),
  };
  append(info.params, per_term({"bu", "bi", "pu", "qi", "yj"}, "lr", "lr_all"));
  append(info.params, per_term({"bu", "bi", "pu", "qi", "yj"}, "reg", "reg_all"));
  info.params.push_back(spec("cache_ratings", ParamType::kBool, "false", 0, 0,
                             "accepted for Surprise compatibility; the rated items are always at hand"));
  info.params.push_back(xp::seed_spec("the initial factors and the rating order"));
  info.stochastic = true;
  info.test_settings = "n_factors=8,n_epochs=150,lr_all=0.02,reg_all=0.02";
  info.make = [](Params p) { return std::make_unique<SvdPp>(std::move(p)); };
  return info;
}

ModelInfo nmf_info() {
  ModelInfo info =
      explicit_info("nmf", "Surprise NMF: non-negative matrix factorisation (multiplicative updates)");
  info.params = {
      spec("n_factors", ParamType::kInt, "15", 1, 4096, "number of factors"),
      spec("n_epochs", ParamType::kInt, "50", 0, 1e6, "passes over the ratings"),
      spec("biased", ParamType::kBool, "false", 0, 0, "use the baselines mu, b_u, b_i (learnt by SGD)"),
      spec("reg_pu", ParamType::kFloat, "0.06", 0, kBig, "regularisation of the user factors"),
      spec("reg_qi", ParamType::kFloat, "0.06", 0, kBig, "regularisation of the item factors"),
      spec("reg_bu", ParamType::kFloat, "0.02", 0, kBig, "regularisation of b_u"),
      spec("reg_bi", ParamType::kFloat, "0.02", 0, kBig, "regularisation of b_i"),
      spec("lr_bu", ParamType::kFloat, "0.005", 0, kBig, "learning rate of b_u"),
      spec("lr_bi", ParamType::kFloat, "0.005", 0, kBig, "learning rate of b_i"),
      spec("init_low", ParamType::kFloat, "0", 0, kBig, "lower bound of the uniform initial factors"),
      spec("init_high", ParamType::kFloat, "1", 0, kBig, "upper bound of the uniform initial factors"),
      xp::seed_spec("the initial factors and the rating order"),
  };
  info.stochastic = true;
  info.test_settings = "n_factors=4,n_epochs=100";
  info.make = [](Params p) { return std::make_unique<Nmf>(std::move(p)); };
  return info;
}

ModelInfo slopeone_info() {
  ModelInfo info = explicit_info("slopeone", "Surprise SlopeOne: user mean plus mean item deviations");
  info.make = [](Params p) { return std::make_unique<SlopeOne>(std::move(p)); };
  return info;
}

ModelInfo coclustering_info() {
  ModelInfo info =
      explicit_info("coclustering", "Surprise CoClustering: user and item clusters and their averages");
  info.params = {
      spec("n_cltr_u", ParamType::kInt, "3", 1, 100000, "number of user clusters"),
      spec("n_cltr_i", ParamType::kInt, "3", 1, 100000, "number of item clusters"),
      spec("n_epochs", ParamType::kInt, "20", 0, 1e6, "reassignment passes"),
      xp::seed_spec("the initial clusters"),
  };
  info.stochastic = true;
  info.make = [](Params p) { return std::make_unique<CoClustering>(std::move(p)); };
  return info;
}

ModelInfo knn_info(std::string name, Knn::Variant variant, std::string description) {
  ModelInfo info = explicit_info(std::move(name), std::move(description));
  info.params = {
      spec("k", ParamType::kInt, "40", 1, 1e9, "most neighbours in an estimate"),
      spec("min_k", ParamType::kInt, "1", 0, 1e9, "fewest neighbours for a neighbourhood estimate"),
      spec("sim", ParamType::kChoice, "msd", 0, 0, "similarity (sim_options name)",
           {"cosine", "msd", "pearson", "pearson_baseline"}, {"name"}),
      spec("user_based", ParamType::kBool, "true", 0, 0,
           "similarities between users (true) or items (false)"),
      spec("min_support", ParamType::kInt, "1", 0, 1e9, "fewest common ratings for a non-zero similarity"),
      spec("shrinkage", ParamType::kFloat, "100", 0, kBig, "pearson_baseline shrinkage"),
      spec("keep_neighbors", ParamType::kInt, "0", 0, 1e9,
           "largest similarities kept per user (item); 0: every positive one (Surprise's results exactly) "
           "up to 10,000 users (items), the 1,000 largest beyond"),
  };
  append(info.params, xp::baseline_specs());
  info.params.push_back(xp::seed_spec("the rating order of method=sgd"));
  info.make = [variant](Params p) { return std::make_unique<Knn>(std::move(p), variant); };
  return info;
}

}  // namespace

void append_explicit_models(std::vector<ModelInfo>& models) {
  models.push_back(normal_info());
  models.push_back(baseline_info());
  models.push_back(svd_info());
  models.push_back(svdpp_info());
  models.push_back(nmf_info());
  models.push_back(slopeone_info());
  models.push_back(coclustering_info());
  models.push_back(
      knn_info("knnbasic", Knn::Variant::kBasic, "Surprise KNNBasic: weighted mean of neighbours' ratings"));
  models.push_back(knn_info("knnwithmeans", Knn::Variant::kWithMeans,
                            "Surprise KNNWithMeans: k-NN on deviations from the mean"));
  models.push_back(
      knn_info("knnwithzscore", Knn::Variant::kWithZScore, "Surprise KNNWithZScore: k-NN on z-scores"));
  models.push_back(knn_info("knnbaseline", Knn::Variant::kBaseline,
                            "Surprise KNNBaseline: k-NN on deviations from the baseline estimates"));
}

}  // namespace mn
