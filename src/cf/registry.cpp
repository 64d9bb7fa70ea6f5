#include "cf/registry.h"

#include <random>

#include "cf/als.h"
#include "cf/bpr.h"
#include "cf/ease.h"
#include "cf/itemknn.h"
#include "cf/popularity.h"
#include "cf/random_model.h"
#include "cf/rp3beta.h"
#include "cf/warp.h"
#include "content/content_model.h"
#include "content/content_to_cf.h"
#include "rank/blend.h"
#include "explicit/explicit_registry.h"
#include "io/file.h"
#include "util/error.h"

namespace mn {

const std::vector<ModelInfo>& model_registry() {
  // Every model, listed once, in the order `eval --help` shows them.
  static const std::vector<ModelInfo> registry = [] {
    std::vector<ModelInfo> models;
    models.push_back(popularity_model_info());
    models.push_back(random_model_info());
    models.push_back(itemknn_model_info());
    models.push_back(als_model_info());
    models.push_back(bpr_model_info());
    models.push_back(warp_model_info());
    models.push_back(ease_model_info());
    models.push_back(rp3beta_model_info());
    models.push_back(content_model_info());
    models.push_back(content_to_cf_model_info());
    models.push_back(blend_model_info());
    append_explicit_models(models);
    return models;
  }();
  return registry;
}

const ModelInfo& find_model(std::string_view name) {
  for (const ModelInfo& m : model_registry()) {
    if (m.name == name) return m;
  }
  std::string known;
  for (const ModelInfo& m : model_registry()) known += (known.empty() ? "" : ", ") + m.name;
  throw Error(ErrorKind::kInvalidInput, "unknown model '" + std::string(name) + "'; known models: " + known);
}

std::unique_ptr<Recommender> make_model(const ModelSpec& spec) {
  const ModelInfo& info = find_model(spec.name);
  Params params(info.params);
  for (const auto& [key, value] : spec.settings) {
    try {
      params.set(key, value);
    } catch (const Error& e) {
      throw Error(e.kind(), spec.name + ": " + e.what());
    }
  }
  return info.make(std::move(params));
}

std::unique_ptr<Recommender> make_model(std::string_view spec_text) {
  return make_model(parse_model_spec(spec_text));
}

void save_model(const Recommender& model, const std::filesystem::path& dir, const ManifestExtras& extras) {
  // Written beside the target and renamed into place, so a crash never leaves half a model.
  std::random_device rd;
  const std::filesystem::path parent = dir.has_parent_path() ? dir.parent_path() : ".";
  std::filesystem::create_directories(parent);
  const std::filesystem::path tmp =
      parent / ("." + dir.filename().string() + ".tmp" + std::to_string(rd() % 1000000));
  std::filesystem::create_directories(tmp);
  try {
    model.save(tmp);
    nlohmann::json manifest;
    manifest["format"] = "movienight-model";
    manifest["version"] = 1;
    manifest["movienight"] = MOVIENIGHT_VERSION;
    manifest["model"] = model.name();
    manifest["params"] = model.params().to_json();
    manifest["users"] = model.n_users();
    manifest["items"] = model.n_items();
    manifest["data_fingerprint"] = extras.data_fingerprint;
    manifest["metrics"] = extras.metrics.is_null() ? nlohmann::json::object() : extras.metrics;
    write_file_atomic(tmp / "manifest.json", manifest.dump(2) + "\n");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::rename(tmp, dir);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(tmp, ec);
    throw;
  }
}

nlohmann::json read_manifest(const std::filesystem::path& dir) {
  const auto path = dir / "manifest.json";
  if (!std::filesystem::exists(path)) {
    throw Error(ErrorKind::kNotFound,
                path.string() + ": no such file (not a model folder written by movienight)");
  }
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": not valid JSON: " + e.what());
  }
  if (manifest.value("format", "") != "movienight-model") {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": not a movienight model manifest");
  }
  if (manifest.value("version", 0) > 1) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": model format version " +
                                              std::to_string(manifest.value("version", 0)) +
                                              " is newer than this movienight");
  }
  return manifest;
}

std::unique_ptr<Recommender> load_model(const std::filesystem::path& dir) {
  const nlohmann::json manifest = read_manifest(dir);
  const ModelInfo& info = find_model(manifest.at("model").get<std::string>());
  Params params(info.params);
  params.set_json(manifest.at("params"));
  std::unique_ptr<Recommender> model = info.make(std::move(params));
  model->load(dir);
  if (model->n_users() != manifest.value("users", -1) || model->n_items() != manifest.value("items", -1)) {
    throw Error(ErrorKind::kInvalidInput,
                (dir / "manifest.json").string() + ": shape does not match the model files");
  }
  return model;
}

}  // namespace mn
