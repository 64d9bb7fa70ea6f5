#include "cf/params.h"

#include <cmath>
#include <cstdio>

#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

std::string format_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

const char* type_name(ParamType t) {
  switch (t) {
    case ParamType::kInt:
      return "int";
    case ParamType::kFloat:
      return "float";
    case ParamType::kBool:
      return "bool";
    case ParamType::kChoice:
      return "choice";
  }
  return "?";
}

std::optional<bool> parse_bool(std::string_view v) {
  const std::string s = to_lower_ascii(trim(v));
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  return std::nullopt;
}

// Validates text against a spec and returns its canonical spelling.
std::string canonical(const ParamSpec& spec, std::string_view raw) {
  const std::string_view value = trim(raw);
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::kInvalidInput, "parameter " + spec.name + "=" + std::string(value) + ": " + why);
  };
  switch (spec.type) {
    case ParamType::kInt: {
      const auto v = parse_int(value);
      if (!v) throw bad("expected an integer");
      if (static_cast<double>(*v) < spec.min || static_cast<double>(*v) > spec.max) {
        throw bad("must be between " + format_number(spec.min) + " and " + format_number(spec.max));
      }
      return std::to_string(*v);
    }
    case ParamType::kFloat: {
      const auto v = parse_double(value);
      if (!v || !std::isfinite(*v)) throw bad("expected a number");
      if (*v < spec.min || *v > spec.max) {
        throw bad("must be between " + format_number(spec.min) + " and " + format_number(spec.max));
      }
      return format_number(*v);
    }
    case ParamType::kBool: {
      const auto v = parse_bool(value);
      if (!v) throw bad("expected true or false");
      return *v ? "true" : "false";
    }
    case ParamType::kChoice: {
      for (const auto& c : spec.choices) {
        if (c == value) return c;
      }
      std::string list;
      for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
      throw bad("expected one of " + list);
    }
  }
  throw bad("unknown type");
}

}  // namespace

Params::Params(std::vector<ParamSpec> specs) : specs_(std::move(specs)) {
  for (const ParamSpec& s : specs_) values_[s.name] = canonical(s, s.default_value);
}

const ParamSpec& Params::spec(std::string_view name) const {
  for (const ParamSpec& s : specs_) {
    if (s.name == name) return s;
    for (const auto& a : s.aliases) {
      if (a == name) return s;
    }
  }
  std::string known;
  for (const ParamSpec& s : specs_) known += (known.empty() ? "" : ", ") + s.name;
  throw Error(ErrorKind::kInvalidInput,
              "unknown parameter '" + std::string(name) + "'" +
                  (known.empty() ? " (this model takes none)" : "; known: " + known));
}

bool Params::has(std::string_view name) const {
  for (const ParamSpec& s : specs_) {
    if (s.name == name) return true;
  }
  return false;
}

void Params::set(std::string_view key, std::string_view value) {
  const ParamSpec& s = spec(trim(key));
  values_[s.name] = canonical(s, value);
}

std::int64_t Params::get_int(std::string_view name) const {
  const ParamSpec& s = spec(name);
  if (s.type != ParamType::kInt) throw Error(ErrorKind::kInternal, "parameter " + s.name + " is not an int");
  return *parse_int(values_.find(s.name)->second);
}

double Params::get_float(std::string_view name) const {
  const ParamSpec& s = spec(name);
  if (s.type != ParamType::kFloat && s.type != ParamType::kInt) {
    throw Error(ErrorKind::kInternal, "parameter " + s.name + " is not a number");
  }
  return *parse_double(values_.find(s.name)->second);
}

bool Params::get_bool(std::string_view name) const {
  const ParamSpec& s = spec(name);
  if (s.type != ParamType::kBool) throw Error(ErrorKind::kInternal, "parameter " + s.name + " is not a bool");
  return values_.find(s.name)->second == "true";
}

const std::string& Params::get_choice(std::string_view name) const {
  const ParamSpec& s = spec(name);
  if (s.type != ParamType::kChoice)
    throw Error(ErrorKind::kInternal, "parameter " + s.name + " is not a choice");
  return values_.find(s.name)->second;
}

nlohmann::json Params::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const ParamSpec& s : specs_) {
    const std::string& v = values_.find(s.name)->second;
    switch (s.type) {
      case ParamType::kInt:
        j[s.name] = *parse_int(v);
        break;
      case ParamType::kFloat:
        j[s.name] = *parse_double(v);
        break;
      case ParamType::kBool:
        j[s.name] = v == "true";
        break;
      case ParamType::kChoice:
        j[s.name] = v;
        break;
    }
  }
  return j;
}

void Params::set_json(const nlohmann::json& values) {
  for (const auto& [key, value] : values.items()) {
    if (value.is_string()) {
      set(key, value.get<std::string>());
    } else if (value.is_boolean()) {
      set(key, value.get<bool>() ? "true" : "false");
    } else if (value.is_number_integer()) {
      set(key, std::to_string(value.get<std::int64_t>()));
    } else if (value.is_number()) {
      set(key, format_number(value.get<double>()));
    } else {
      throw Error(ErrorKind::kInvalidInput, "parameter " + key + ": unsupported JSON value");
    }
  }
}

std::string Params::to_string() const {
  std::string out;
  for (const ParamSpec& s : specs_)
    out += (out.empty() ? "" : ",") + s.name + "=" + values_.find(s.name)->second;
  return out;
}

std::string Params::changed() const {
  std::string out;
  for (const ParamSpec& s : specs_) {
    const std::string& v = values_.find(s.name)->second;
    if (v != canonical(s, s.default_value)) out += (out.empty() ? "" : ",") + s.name + "=" + v;
  }
  return out;
}

std::string Params::help() const {
  std::string out;
  for (const ParamSpec& s : specs_) {
    out += "  " + s.name + " (" + type_name(s.type) + ", default " + s.default_value;
    if (s.type == ParamType::kChoice) {
      out += ", one of";
      for (const auto& c : s.choices) out += " " + c;
    } else if (s.type != ParamType::kBool && (s.min > -1e299 || s.max < 1e299)) {
      out += ", " + format_number(s.min) + ".." + format_number(s.max);
    }
    out += ")";
    if (!s.aliases.empty()) {
      out += " alias";
      for (const auto& a : s.aliases) out += " " + a;
    }
    out += ": " + s.doc + "\n";
  }
  return out;
}

ModelSpec parse_model_spec(std::string_view text) {
  ModelSpec spec;
  text = trim(text);
  const std::size_t colon = text.find(':');
  spec.name = std::string(trim(text.substr(0, colon)));
  if (spec.name.empty())
    throw Error(ErrorKind::kInvalidInput, "model spec '" + std::string(text) + "': missing model name");
  if (colon == std::string_view::npos) return spec;
  for (const auto part : split(text.substr(colon + 1), ",")) {
    if (trim(part).empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      throw Error(ErrorKind::kInvalidInput, "model spec '" + std::string(text) +
                                                "': expected key=value, found '" + std::string(part) + "'");
    }
    spec.settings.emplace_back(std::string(trim(part.substr(0, eq))), std::string(trim(part.substr(eq + 1))));
  }
  return spec;
}

std::vector<ModelSpec> parse_model_list(std::string_view text) {
  std::vector<ModelSpec> out;
  for (const auto part : split(text, ";")) {
    if (!trim(part).empty()) out.push_back(parse_model_spec(part));
  }
  if (out.empty())
    throw Error(ErrorKind::kInvalidInput, "--models: give at least one model, e.g. \"pop;als:factors=64\"");
  return out;
}

}  // namespace mn
