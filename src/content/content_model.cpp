#include "content/content_model.h"

#include <algorithm>
#include <cmath>

#include "cf/similarity.h"
#include "content/catalog_encoding.h"
#include "io/npy.h"
#include "text/encoder_factory.h"
#include "text/tfidf_encoder.h"
#include "util/error.h"
#include "util/simd.h"

namespace mn {
namespace {

const char* const kWeightParams[kTextFieldCount] = {"title_weight",   "genres_weight", "keywords_weight",
                                                    "tags_weight",    "cast_weight",   "directors_weight",
                                                    "overview_weight"};

std::string float_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

}  // namespace

std::vector<ParamSpec> content_encoder_params() {
  const TfidfOptions defaults;
  std::vector<ParamSpec> specs = {
      {"encoder",
       ParamType::kChoice,
       "tfidf",
       0,
       0,
       {"tfidf", "genres", "minilm"},
       "text encoder (minilm reads $MOVIENIGHT_MINILM or ./models/all-MiniLM-L6-v2)",
       {}},
      {"dim", ParamType::kInt, std::to_string(defaults.dim), 1, 4096, {}, "tfidf: LSA dimensions", {}},
  };
  for (int f = 0; f < kTextFieldCount; ++f) {
    specs.push_back(
        {kWeightParams[f],
         ParamType::kFloat,
         float_text(defaults.field_weights[static_cast<std::size_t>(f)]),
         0,
         1000,
         {},
         std::string("tfidf: weight of the ") + text_field_name(static_cast<TextField>(f)) + " field",
         {}});
  }
  specs.push_back(
      {"seed", ParamType::kInt, "0", 0, 4294967295.0, {}, "tfidf: seed of the randomised SVD", {}});
  return specs;
}

CatalogEncodingOptions encoding_options_from_params(const Params& params, int threads) {
  CatalogEncodingOptions o;
  o.encoder = params.get_choice("encoder");
  o.threads = threads;
  if (o.encoder == "tfidf") {
    TfidfOptions t;
    t.dim = static_cast<int>(params.get_int("dim"));
    for (int f = 0; f < kTextFieldCount; ++f) {
      t.field_weights[static_cast<std::size_t>(f)] = static_cast<float>(params.get_float(kWeightParams[f]));
    }
    t.seed = static_cast<std::uint64_t>(params.get_int("seed"));
    o.settings = t.to_json();
  } else if (o.encoder == "minilm") {
    o.settings = {{"model", default_minilm_dir().string()}};
  }
  return o;
}

ModelInfo content_model_info() {
  ModelInfo info;
  info.name = "content";
  info.description = "content-based: mean text embedding of the user's positives against every movie's";
  info.params = content_encoder_params();
  info.params.push_back({"weighting",
                         ParamType::kChoice,
                         "value",
                         0,
                         0,
                         {"value", "equal"},
                         "profile weights: the fitted values (ratings) or all equal",
                         {}});
  info.params.push_back(
      {"half_life_days",
       ParamType::kFloat,
       "0",
       0,
       1e9,
       {},
       "recency decay: a positive this many days older than the user's latest counts half (0: off)",
       {}});
  info.params.push_back({"index",
                         ParamType::kChoice,
                         "flat",
                         0,
                         0,
                         {"flat", "hnsw"},
                         "vector index for similar items: exact inner product or HNSW",
                         {}});
  info.test_settings = "encoder=genres";
  info.needs_catalog = true;
  info.make = [](Params p) { return std::make_unique<ContentModel>(std::move(p)); };
  return info;
}

ContentModel::ContentModel(Params params) : Recommender(std::move(params)) {}
ContentModel::~ContentModel() = default;

void ContentModel::fit(const CsrMatrix& user_items, const FitContext& context) {
  if (context.catalog == nullptr) {
    throw Error(ErrorKind::kInvalidInput, "content: fitting needs the catalog (item i = catalog movie i)");
  }
  if (context.catalog->size() != user_items.cols) {
    throw Error(ErrorKind::kInvalidInput, "content: the matrix has " + std::to_string(user_items.cols) +
                                              " items but the catalog " +
                                              std::to_string(context.catalog->size()));
  }
  n_users_ = user_items.rows;
  n_items_ = user_items.cols;
  CatalogEncoding encoding =
      encode_catalog(*context.catalog, encoding_options_from_params(params_, context.threads));
  encoder_ = std::move(encoding.encoder);
  embeddings_ = std::move(encoding.embeddings);
  dim_ = encoding.dim;

  // The weights each history entry gets in its user's profile.
  user_weights_ = user_items;
  const bool equal = params_.get_choice("weighting") == "equal";
  const double half_life = params_.get_float("half_life_days");
  const CsrMatrix* ages = context.entry_age_days;
  if (half_life > 0 && ages != nullptr && ages->indices.size() != user_items.indices.size()) {
    throw Error(ErrorKind::kInternal, "content: entry ages do not match the fitted matrix");
  }
  for (std::size_t p = 0; p < user_weights_.values.size(); ++p) {
    float w = equal ? 1.0f : user_weights_.values[p];
    if (half_life > 0 && ages != nullptr) w *= static_cast<float>(std::exp2(-ages->values[p] / half_life));
    user_weights_.values[p] = w;
  }
  build_index();
}

void ContentModel::build_index() {
  IndexOptions o;
  o.kind = params_.get_choice("index") == "hnsw" ? IndexKind::kHnsw : IndexKind::kFlat;
  o.metric = IndexMetric::kInnerProduct;  // rows are already unit length (or zero)
  index_ = std::make_unique<VectorIndex>(VectorIndex::build(embeddings_.data(), n_items_, dim_, o));
  make_half_copy();
}

void ContentModel::make_half_copy() {
  embeddings_half_ =
      HalfRows::from(embeddings_.data(), static_cast<std::size_t>(n_items_), static_cast<std::size_t>(dim_));
}

std::vector<float> ContentModel::profile(std::span<const std::int32_t> items,
                                         std::span<const float> weights) const {
  std::vector<float> p(static_cast<std::size_t>(dim_), 0.0f);
  double total = 0;
  for (std::size_t j = 0; j < items.size(); ++j) {
    if (items[j] < 0 || items[j] >= n_items_) continue;  // an item the model never saw adds nothing
    const float w = weights[j];
    const float* e = embeddings_.data() + static_cast<std::size_t>(items[j]) * static_cast<std::size_t>(dim_);
    for (int d = 0; d < dim_; ++d) p[static_cast<std::size_t>(d)] += w * e[d];
    total += w;
  }
  if (total > 0) {
    for (float& v : p) v = static_cast<float>(v / total);
  }
  return p;
}

void ContentModel::score_vector(std::span<const float> query, std::span<float> out) const {
  score_vectors(query, out);
}

void ContentModel::score_vectors(std::span<const float> queries, std::span<float> out,
                                 Precision precision) const {
  const auto dim = static_cast<std::size_t>(dim_), n = static_cast<std::size_t>(n_items_);
  if (dim == 0 || queries.size() % dim != 0 || out.size() != queries.size() / dim * n) {
    throw Error(ErrorKind::kInvalidInput, "content: " + std::to_string(queries.size()) +
                                              " query floats and " + std::to_string(out.size()) +
                                              " scores do not fit dimension " + std::to_string(dim_));
  }
  if (precision == Precision::kHalf && !embeddings_half_.empty()) {
    embeddings_half_.dot(queries.data(), queries.size() / dim, out.data());
  } else {
    dot_rows(embeddings_.data(), n, dim, queries.data(), queries.size() / dim, out.data());
  }
}

std::vector<float> ContentModel::user_profile(std::int32_t user) const {
  if (user < 0 || user >= n_users_)
    throw Error(ErrorKind::kInvalidInput, "content: unknown user " + std::to_string(user));
  return profile(user_weights_.row_indices(user), user_weights_.row_values(user));
}

std::vector<float> ContentModel::history_profile(std::span<const std::int32_t> items,
                                                 std::span<const float> values) const {
  std::vector<float> weights(values.begin(), values.end());
  if (params_.get_choice("weighting") == "equal") std::fill(weights.begin(), weights.end(), 1.0f);
  return profile(items, weights);
}

void ContentModel::score(std::int32_t user, std::span<float> out) const {
  score_vector(user_profile(user), out);
}

void ContentModel::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                                 std::span<float> out) const {
  score_vector(history_profile(items, values), out);
}

std::vector<ScoredItem> ContentModel::similar_items(std::int32_t item, int k) const {
  std::vector<ScoredItem> out;
  for (const Neighbor& n : index_->similar(item, k))
    out.push_back({static_cast<std::int32_t>(n.id), n.score});
  return out;
}

void ContentModel::save(const std::filesystem::path& dir) const {
  save_npy(dir / "item_embeddings.npy", embeddings_,
           {static_cast<std::size_t>(n_items_), static_cast<std::size_t>(dim_)});
  save_csr(dir, "user_weights", user_weights_);
  save_encoder(*encoder_, dir / "encoder", default_minilm_dir());
  index_->save(dir / "items.index");
}

void ContentModel::load(const std::filesystem::path& dir) {
  const NpyArray e = load_npy(dir / "item_embeddings.npy");
  if (e.shape.size() != 2)
    throw Error(ErrorKind::kInvalidInput, (dir / "item_embeddings.npy").string() + ": expected a matrix");
  embeddings_ = e.as<float>();
  user_weights_ = load_csr(dir, "user_weights");
  n_items_ = static_cast<std::int32_t>(e.shape[0]);
  dim_ = static_cast<int>(e.shape[1]);
  n_users_ = user_weights_.rows;
  if (user_weights_.cols != n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                dir.string() + ": user histories and item embeddings disagree on the items");
  }
  encoder_ = load_encoder(dir / "encoder");
  index_ = std::make_unique<VectorIndex>(VectorIndex::load(dir / "items.index"));
  if (index_->size() != n_items_ || index_->dim() != dim_) {
    throw Error(ErrorKind::kInvalidInput,
                (dir / "items.index").string() + ": does not match item_embeddings.npy");
  }
  make_half_copy();
}

}  // namespace mn
