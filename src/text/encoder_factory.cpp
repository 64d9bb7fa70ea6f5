#include "text/encoder_factory.h"

#include <algorithm>

#include "io/file.h"
#include "text/genre_encoder.h"
#include "text/minilm.h"
#include "text/movie_text.h"
#include "text/tfidf_encoder.h"
#include "util/error.h"

namespace mn {
namespace {

std::string known_names() {
  std::string out;
  for (const std::string& n : text_encoder_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::unique_ptr<TextEncoder> load_minilm(const std::filesystem::path& model, const nlohmann::json& options) {
  MiniLMOptions mo;
  for (const auto& [key, value] : options.items()) {
    if (key == "model") continue;
    if ((key == "threads" || key == "batch_size") && value.is_number_integer() && value.get<int>() >= 0) {
      (key == "threads" ? mo.threads : mo.batch_size) = value.get<int>();
      continue;
    }
    throw Error(ErrorKind::kInvalidInput,
                "minilm option '" + key + "': unknown, or not a non-negative integer");
  }
  if (mo.batch_size < 1)
    throw Error(ErrorKind::kInvalidInput, "minilm option 'batch_size' must be at least 1");
  return MiniLMEncoder::load(model, mo);
}

}  // namespace

const std::vector<std::string>& text_encoder_names() {
  static const std::vector<std::string> names = {"tfidf", "genres", "minilm"};
  return names;
}

std::unique_ptr<TextEncoder> make_fitted_encoder(const std::string& name, const Catalog& catalog,
                                                 const nlohmann::json& options) {
  if (!options.is_null() && !options.is_object()) {
    throw Error(ErrorKind::kInvalidInput, name + " encoder options must be a JSON object");
  }
  if (name == "tfidf") return TfidfEncoder::fit(movie_documents(catalog), TfidfOptions::from_json(options));
  if (name == "genres") {
    if (!options.is_null() && !options.empty()) {
      throw Error(ErrorKind::kInvalidInput,
                  "the genres encoder takes no options (got " + options.dump() + ")");
    }
    return GenreEncoder::fit(movie_documents(catalog));
  }
  if (name == "minilm") {
    if (!options.is_object() || !options.contains("model") || !options["model"].is_string()) {
      throw Error(ErrorKind::kInvalidInput, "the minilm encoder needs {\"model\": \"MODEL_FOLDER\"}");
    }
    return load_minilm(options["model"].get<std::string>(), options);
  }
  throw Error(ErrorKind::kInvalidInput, "unknown text encoder '" + name + "' (known: " + known_names() + ")");
}

void save_encoder(const TextEncoder& encoder, const std::filesystem::path& dir,
                  const std::filesystem::path& minilm_model_dir) {
  if (const auto* t = dynamic_cast<const TfidfEncoder*>(&encoder)) return t->save(dir);
  if (const auto* g = dynamic_cast<const GenreEncoder*>(&encoder)) return g->save(dir);
  if (encoder.name() == "minilm") {
    if (minilm_model_dir.empty()) {
      throw Error(ErrorKind::kInvalidInput, "saving a minilm encoder needs its model folder");
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw_io_error(dir.string(), "cannot create the folder: " + ec.message());
    const nlohmann::json j = {{"name", "minilm"},
                              {"model", std::filesystem::absolute(minilm_model_dir).string()},
                              {"fingerprint", encoder.fingerprint()}};
    write_file_atomic(dir / "encoder.json", j.dump(2) + "\n");
    return;
  }
  throw Error(ErrorKind::kInternal, "cannot save the " + encoder.name() + " encoder");
}

std::unique_ptr<TextEncoder> load_encoder(const std::filesystem::path& dir) {
  const std::filesystem::path json_path = dir / "encoder.json";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(json_path, ec)) {
    if (std::filesystem::is_regular_file(dir / "config.json", ec))
      return load_minilm(dir, nlohmann::json::object());
    throw Error(ErrorKind::kNotFound, dir.string() + ": no saved text encoder (encoder.json) here");
  }
  std::string name;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(json_path));
    name = j.at("name").get<std::string>();
  } catch (const nlohmann::json::exception& ex) {
    throw_input_error(json_path.string(), 0, std::string("not a text encoder description: ") + ex.what());
  }
  if (name == "tfidf") return TfidfEncoder::load(dir);
  if (name == "genres") return GenreEncoder::load(dir);
  if (name == "minilm") {
    const nlohmann::json model = j.value("model", nlohmann::json());
    if (!model.is_string())
      throw_input_error(json_path.string(), 0, "a minilm encoder needs \"model\": FOLDER");
    std::unique_ptr<TextEncoder> e = load_minilm(model.get<std::string>(), nlohmann::json::object());
    const std::string saved = j.value("fingerprint", std::string());
    if (!saved.empty() && saved != e->fingerprint()) {
      throw_input_error(
          json_path.string(), 0,
          "the MiniLM model in " + model.get<std::string>() + " changed since this encoder was saved");
    }
    return e;
  }
  throw_input_error(json_path.string(), 0,
                    "unknown text encoder '" + name + "' (known: " + known_names() + ")");
}

}  // namespace mn
