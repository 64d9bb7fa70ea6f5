#pragma once
// Text encoders by name: "tfidf" and "genres" are fitted on a catalog, "minilm" is loaded from
// its model folder; any of them can be saved to a folder whose encoder.json names it, and loaded
// back from there without knowing which it is.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/catalog.h"
#include "text/text_encoder.h"

namespace mn {

// "tfidf", "genres", "minilm".
const std::vector<std::string>& text_encoder_names();

// tfidf: options are TfidfOptions as JSON (dim, field_weights, k1, b, min_df, seed, ...,
// threads); genres: no options; minilm: {"model": DIR, "threads": N, "batch_size": N} (the
// catalog is not read). Unknown names and options throw mn::Error (invalid input).
std::unique_ptr<TextEncoder> make_fitted_encoder(const std::string& name, const Catalog& catalog,
                                                 const nlohmann::json& options = nlohmann::json::object());

// Writes encoder.json (+ the encoder's files) into dir. A MiniLM encoder is saved as a reference
// to its model folder, which must then be given.
void save_encoder(const TextEncoder& encoder, const std::filesystem::path& dir,
                  const std::filesystem::path& minilm_model_dir = {});

// Reads a folder written by save_encoder(), or a MiniLM model folder itself (config.json +
// model.safetensors). Errors name the folder.
std::unique_ptr<TextEncoder> load_encoder(const std::filesystem::path& dir);

}  // namespace mn
