#include "content/content_to_cf.h"

#include <eigen3/Eigen/Dense>

#include "content/catalog_encoding.h"
#include "content/content_model.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

// The text a parameter's value is written as on the command line.
std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::unique_ptr<Als> make_inner_als(const Params& params) {
  const ModelInfo info = als_model_info();
  Params als_params(info.params);
  const nlohmann::json values = params.to_json();
  for (const ParamSpec& spec : info.params) als_params.set(spec.name, value_text(values.at(spec.name)));
  return std::make_unique<Als>(std::move(als_params));
}

float dot(const float* a, const float* b, int n) {
  float s = 0;
  for (int k = 0; k < n; ++k) s += a[k] * b[k];
  return s;
}

}  // namespace

std::vector<float> fit_ridge_map(const std::vector<float>& embeddings, int d,
                                 const std::vector<float>& targets, int f,
                                 const std::vector<std::int32_t>& rows, double lambda) {
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Matrix ete = Matrix::Zero(d, d);
  Matrix etq = Matrix::Zero(d, f);
  for (const std::int32_t r : rows) {
    const auto e = Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>>(
                       embeddings.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(d), d)
                       .cast<double>();
    const auto q = Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>>(
                       targets.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(f), f)
                       .cast<double>();
    ete.noalias() += e.transpose() * e;
    etq.noalias() += e.transpose() * q;
  }
  ete.diagonal().array() += lambda;
  const Matrix w = ete.ldlt().solve(etq);
  std::vector<float> out(static_cast<std::size_t>(d) * static_cast<std::size_t>(f));
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < f; ++j)
      out[static_cast<std::size_t>(i) * static_cast<std::size_t>(f) + static_cast<std::size_t>(j)] =
          static_cast<float>(w(i, j));
  }
  return out;
}

ModelInfo content_to_cf_model_info() {
  ModelInfo info;
  info.name = "content2cf";
  info.description =
      "implicit ALS; unrated items get factors mapped from their text (ridge), for item cold start";
  info.params = als_model_info().params;
  for (ParamSpec& spec : content_encoder_params()) {
    if (spec.name == "seed") continue;  // ALS's seed also seeds the text encoder
    info.params.push_back(std::move(spec));
  }
  info.params.push_back(
      {"ridge", ParamType::kFloat, "1", 0, 1e12, {}, "L2 weight of the content-to-factors map", {}});
  info.stochastic = true;
  info.test_settings = "encoder=genres,factors=8,iterations=15,regularization=0.1,alpha=1";
  info.needs_catalog = true;
  info.make = [](Params p) { return std::make_unique<ContentToCf>(std::move(p)); };
  return info;
}

ContentToCf::ContentToCf(Params params) : Recommender(std::move(params)) {}
ContentToCf::~ContentToCf() = default;

void ContentToCf::fit(const CsrMatrix& user_items, const FitContext& context) {
  if (context.catalog == nullptr || context.catalog->size() != user_items.cols) {
    throw Error(ErrorKind::kInvalidInput, "content2cf: fitting needs the catalog, one movie per item");
  }
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
  als_ = make_inner_als(params_);
  als_->fit(user_items, context);
  factors_ = static_cast<int>(params_.get_int("factors"));

  CatalogEncodingOptions encoding_options = encoding_options_from_params(
      [&] {
        Params p(content_encoder_params());
        const nlohmann::json values = params_.to_json();
        for (const ParamSpec& spec : content_encoder_params())
          p.set(spec.name, value_text(values.at(spec.name)));
        return p;
      }(),
      context.threads);
  const CatalogEncoding encoding = encode_catalog(*context.catalog, encoding_options);

  item_vectors_ = als_->item_factors();
  std::vector<char> rated(static_cast<std::size_t>(n_items_), 0);
  for (const std::int32_t c : user_items.indices) rated[static_cast<std::size_t>(c)] = 1;
  std::vector<std::int32_t> rated_items;
  for (std::int32_t i = 0; i < n_items_; ++i) {
    if (rated[static_cast<std::size_t>(i)]) rated_items.push_back(i);
  }
  map_ = fit_ridge_map(encoding.embeddings, encoding.dim, item_vectors_, factors_, rated_items,
                       params_.get_float("ridge"));
  const auto d = static_cast<std::size_t>(encoding.dim);
  const auto f = static_cast<std::size_t>(factors_);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    if (rated[static_cast<std::size_t>(i)]) continue;
    const float* e = encoding.embeddings.data() + static_cast<std::size_t>(i) * d;
    float* q = item_vectors_.data() + static_cast<std::size_t>(i) * f;
    std::fill(q, q + f, 0.0f);
    for (std::size_t a = 0; a < d; ++a) {
      if (e[a] == 0) continue;
      const float* w = map_.data() + a * f;
      for (std::size_t b = 0; b < f; ++b) q[b] += e[a] * w[b];
    }
  }
}

void ContentToCf::score_user_vector(std::span<const float> user, std::span<float> out) const {
  for (std::int32_t i = 0; i < n_items_; ++i) {
    out[static_cast<std::size_t>(i)] = dot(
        user.data(), item_vectors_.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(factors_),
        factors_);
  }
}

void ContentToCf::score(std::int32_t user, std::span<float> out) const {
  if (user < 0 || user >= n_users_)
    throw Error(ErrorKind::kInvalidInput, "content2cf: unknown user " + std::to_string(user));
  const std::vector<float> users = als_->user_factors();  // copy of one row would do; users are few
  score_user_vector({users.data() + static_cast<std::size_t>(user) * static_cast<std::size_t>(factors_),
                     static_cast<std::size_t>(factors_)},
                    out);
}

void ContentToCf::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                                std::span<float> out) const {
  score_user_vector(als_->recalculate_user(items, values), out);
}

std::vector<ScoredItem> ContentToCf::similar_items(std::int32_t item, int k) const {
  const auto f = static_cast<std::size_t>(factors_);
  std::vector<float> norms(static_cast<std::size_t>(n_items_));
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const float* q = item_vectors_.data() + static_cast<std::size_t>(i) * f;
    norms[static_cast<std::size_t>(i)] = std::sqrt(dot(q, q, factors_));
  }
  const float* target = item_vectors_.data() + static_cast<std::size_t>(item) * f;
  std::vector<float> scores(static_cast<std::size_t>(n_items_), 0.0f);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const float n = norms[static_cast<std::size_t>(i)] * norms[static_cast<std::size_t>(item)];
    scores[static_cast<std::size_t>(i)] =
        n > 0 ? dot(target, item_vectors_.data() + static_cast<std::size_t>(i) * f, factors_) / n : 0.0f;
  }
  exclude_items(scores, std::span<const std::int32_t>(&item, 1));
  return top_k(scores, k);
}

void ContentToCf::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir / "als");
  als_->save(dir / "als");
  save_npy(dir / "item_vectors.npy", item_vectors_,
           {static_cast<std::size_t>(n_items_), static_cast<std::size_t>(factors_)});
  save_npy(
      dir / "content_map.npy", map_,
      {map_.size() / static_cast<std::size_t>(std::max(factors_, 1)), static_cast<std::size_t>(factors_)});
}

void ContentToCf::load(const std::filesystem::path& dir) {
  als_ = make_inner_als(params_);
  als_->load(dir / "als");
  const NpyArray v = load_npy(dir / "item_vectors.npy");
  if (v.shape.size() != 2)
    throw Error(ErrorKind::kInvalidInput, (dir / "item_vectors.npy").string() + ": expected a matrix");
  item_vectors_ = v.as<float>();
  n_items_ = static_cast<std::int32_t>(v.shape[0]);
  factors_ = static_cast<int>(v.shape[1]);
  n_users_ = als_->n_users();
  map_ = load_npy(dir / "content_map.npy").as<float>();
  if (als_->n_items() != n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                dir.string() + ": ALS factors and item vectors disagree on the items");
  }
}

}  // namespace mn
