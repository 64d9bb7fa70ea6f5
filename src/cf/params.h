#pragma once
// Model parameters: each model declares one table of ParamSpec (type, default, bounds, doc); that
// table drives parsing of "name:key=value,...", validation, --help, and the saved manifest.
// Unknown keys and out-of-range values are errors that name the key and what is allowed.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mn {

enum class ParamType { kInt, kFloat, kBool, kChoice };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kFloat;
  std::string default_value;  // as it would be written on the command line
  double min = -1e300;        // numeric bounds, inclusive
  double max = 1e300;
  std::vector<std::string> choices;  // kChoice
  std::string doc;
  std::vector<std::string> aliases;  // e.g. "epochs" for "iterations"
};

class Params {
 public:
  Params() = default;
  explicit Params(std::vector<ParamSpec> specs);

  // Sets one value from text, validated against its spec; aliases resolve to the main name.
  void set(std::string_view key, std::string_view value);
  std::int64_t get_int(std::string_view name) const;
  double get_float(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  const std::string& get_choice(std::string_view name) const;
  bool has(std::string_view name) const;

  const std::vector<ParamSpec>& specs() const { return specs_; }
  // {"factors": 64, "regularization": 30.0, ...} with typed values.
  nlohmann::json to_json() const;
  // Reads what to_json wrote (unknown keys are errors).
  void set_json(const nlohmann::json& values);
  // "factors=64,regularization=30" (every parameter, in table order).
  std::string to_string() const;
  // Only the values that differ from the defaults.
  std::string changed() const;
  // One line per parameter: name, type, default, bounds, doc.
  std::string help() const;

 private:
  const ParamSpec& spec(std::string_view name) const;
  std::vector<ParamSpec> specs_;
  std::map<std::string, std::string, std::less<>> values_;
};

// "als:factors=64,regularization=30" -> {"als", {{"factors","64"}, {"regularization","30"}}}.
struct ModelSpec {
  std::string name;
  std::vector<std::pair<std::string, std::string>> settings;
};
ModelSpec parse_model_spec(std::string_view text);
// "pop;itemknn:sim=bm25,k=100;als:factors=64"
std::vector<ModelSpec> parse_model_list(std::string_view text);

}  // namespace mn
