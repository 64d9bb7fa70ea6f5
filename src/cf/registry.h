#pragma once
// Models by name. register_all_models() lists every model explicitly (no static initialisers);
// an unknown name's error lists the known ones. save_model / load_model write and read a model
// folder: manifest.json (name, parameters, shape, data fingerprint, version) plus the model's files.
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cf/recommender.h"

namespace mn {

struct ModelInfo {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  bool stochastic = false;  // results depend on `seed` (eval --seeds averages over seeds)
  // Fits on ratings (a RatingModel: predict, RMSE/MAE); the CLI passes --values rating.
  bool explicit_ratings = false;
  // Reads FitContext::catalog (content models); the contract suite gives it a toy catalog.
  bool needs_catalog = false;
  // Settings that fit quickly on the contract suite's 50 x 50 toy matrix, e.g. "factors=8".
  std::string test_settings;
  std::function<std::unique_ptr<Recommender>(Params)> make;
};

const std::vector<ModelInfo>& model_registry();
const ModelInfo& find_model(std::string_view name);
std::unique_ptr<Recommender> make_model(const ModelSpec& spec);
std::unique_ptr<Recommender> make_model(std::string_view spec_text);

struct ManifestExtras {
  std::string data_fingerprint;
  nlohmann::json metrics = nlohmann::json::object();
};
// Writes dir/manifest.json and the model's files (into a temporary folder renamed into place).
void save_model(const Recommender& model, const std::filesystem::path& dir, const ManifestExtras& extras = {});
std::unique_ptr<Recommender> load_model(const std::filesystem::path& dir);
nlohmann::json read_manifest(const std::filesystem::path& dir);

}  // namespace mn
