#include "serve/request_parse.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "util/error.h"
#include "util/text.h"

namespace mn::serve {
namespace {

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorKind::kInvalidInput, message); }

// "2:Heat" -> {2, "Heat"}; "Heat" and "2001: A Space Odyssey" -> {1, whole text}.
std::pair<int, std::string> split_person(const std::string& name, const std::string& value) {
  std::size_t digits = 0;
  while (digits < value.size() && digits < 3 && value[digits] >= '0' && value[digits] <= '9') ++digits;
  if (digits == 0 || digits > 2 || digits >= value.size() || value[digits] != ':') return {1, value};
  const int person = std::stoi(value.substr(0, digits));
  if (person < 1) bad(name + "=" + value + ": people are numbered from 1");
  if (person > kMaxPeople) {
    bad(name + "=" + value + ": at most " + std::to_string(kMaxPeople) + " people, got person " +
        std::to_string(person));
  }
  return {person, std::string(trim(std::string_view(value).substr(digits + 1)))};
}

Person& person_at(std::vector<Person>& people, int number) {
  if (static_cast<std::size_t>(number) > people.size()) people.resize(static_cast<std::size_t>(number));
  return people[static_cast<std::size_t>(number - 1)];
}

std::int64_t parse_user(const std::string& where, const std::string& text) {
  const auto id = parse_int(text);
  if (!id || *id < 0 || std::string_view(text).find('.') != std::string_view::npos) {
    bad(where + " must be a user id (a whole number), got \"" + text + "\"");
  }
  return *id;
}

bool parse_flag(const std::string& name, const std::string& value) {
  const std::string v = to_lower_ascii(trim(value));
  if (v.empty() || v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  bad(name + " must be 1/true or 0/false, got \"" + value + "\"");
}

NightOptions parse_options(const nlohmann::json& j) {
  if (!j.is_object()) bad("options must be a JSON object");
  try {
    return NightOptions::from_json(j);
  } catch (const nlohmann::json::exception& e) {
    // A value of the wrong type inside the options is the sender's mistake, not ours.
    bad(std::string("options: ") + e.what());
  }
}

std::vector<std::string> string_list(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) bad(where + " must be an array of titles");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) bad(where + "[" + std::to_string(i) + "] must be a string");
    std::string title(trim(j[i].get<std::string>()));
    if (title.empty()) bad(where + "[" + std::to_string(i) + "] is empty");
    out.push_back(std::move(title));
  }
  return out;
}

}  // namespace

std::string text_param(const QueryParams& params, const std::string& name) {
  const auto range = params.equal_range(name);
  if (range.first == range.second) return "";
  return std::prev(range.second)->second;
}

int int_param(const QueryParams& params, const std::string& name, int fallback, int lo, int hi) {
  if (params.find(name) == params.end()) return fallback;
  const std::string text = text_param(params, name);
  const auto v = parse_int(text);
  if (!v || *v < lo || *v > hi || text.find('.') != std::string::npos) {
    bad(name + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
        ", got \"" + text + "\"");
  }
  return static_cast<int>(*v);
}

void check_known_params(const QueryParams& params, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : params) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return name == a; })) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      bad("unknown parameter \"" + name + "\" (known: " + list + ")");
    }
  }
}

void check_request(const NightRequest& request) {
  if (request.people.empty()) bad("give at least one person: user=ID or like=1:Title (\"people\" in JSON)");
  if (request.people.size() > static_cast<std::size_t>(kMaxPeople)) {
    bad("at most " + std::to_string(kMaxPeople) + " people, got " + std::to_string(request.people.size()));
  }
  for (std::size_t p = 0; p < request.people.size(); ++p) {
    const Person& person = request.people[p];
    if (person.user_id < 0 && person.likes.empty()) {
      bad("person " + std::to_string(p + 1) + " has neither a user id nor a liked title");
    }
  }
  if (request.k < 1 || request.k > kMaxK) {
    bad("k must be from 1 to " + std::to_string(kMaxK) + ", got " + std::to_string(request.k));
  }
}

NightRequest parse_recommend_query(const QueryParams& params) {
  check_known_params(params, {"user", "like", "dislike", "name", "mood", "k", "double", "options"});
  NightRequest request;
  const auto users = params.equal_range("user");
  for (auto it = users.first; it != users.second; ++it) {
    if (request.people.size() >= static_cast<std::size_t>(kMaxPeople)) {
      bad("at most " + std::to_string(kMaxPeople) + " people, got " + std::to_string(params.count("user")) +
          " user= entries");
    }
    Person person;
    person.user_id = parse_user("user", it->second);
    request.people.push_back(std::move(person));
  }
  for (const char* key : {"like", "dislike", "name"}) {
    const auto range = params.equal_range(key);
    for (auto it = range.first; it != range.second; ++it) {
      auto [number, text] = split_person(key, it->second);
      if (text.empty()) bad(std::string(key) + "=" + it->second + ": nothing after the person number");
      Person& person = person_at(request.people, number);
      if (std::string_view(key) == "like") {
        person.likes.push_back(std::move(text));
      } else if (std::string_view(key) == "dislike") {
        person.dislikes.push_back(std::move(text));
      } else {
        person.name = std::move(text);
      }
    }
  }
  request.mood = std::string(trim(text_param(params, "mood")));
  request.k = int_param(params, "k", 10, 1, kMaxK);
  if (params.count("double") != 0)
    request.double_feature = parse_flag("double", text_param(params, "double"));
  if (params.count("options") != 0) {
    const nlohmann::json j = nlohmann::json::parse(text_param(params, "options"), nullptr, false);
    if (j.is_discarded()) bad("options is not valid JSON");
    request.options = parse_options(j);
  }
  check_request(request);
  return request;
}

NightRequest parse_recommend_json(const nlohmann::json& body) {
  if (!body.is_object())
    bad("the body must be a JSON object such as {\"people\":[{\"user\":1},{\"user\":2}]}");
  NightRequest request;
  for (const auto& [key, value] : body.items()) {
    if (key == "people") {
      if (!value.is_array()) bad("people must be an array");
      if (value.size() > static_cast<std::size_t>(kMaxPeople)) {
        bad("at most " + std::to_string(kMaxPeople) + " people, got " + std::to_string(value.size()));
      }
      for (std::size_t p = 0; p < value.size(); ++p) {
        const std::string where = "people[" + std::to_string(p) + "]";
        const nlohmann::json& pj = value[p];
        if (!pj.is_object()) bad(where + " must be an object such as {\"user\":1} or {\"likes\":[\"Heat\"]}");
        Person person;
        for (const auto& [pk, pv] : pj.items()) {
          if (pk == "user") {
            if (!pv.is_number_integer() || pv.get<std::int64_t>() < 0) bad(where + ".user must be a user id");
            person.user_id = pv.get<std::int64_t>();
          } else if (pk == "name") {
            if (!pv.is_string()) bad(where + ".name must be a string");
            person.name = std::string(trim(pv.get<std::string>()));
          } else if (pk == "likes") {
            person.likes = string_list(pv, where + ".likes");
          } else if (pk == "dislikes") {
            person.dislikes = string_list(pv, where + ".dislikes");
          } else {
            bad(where + ": unknown key \"" + pk + "\" (known: user, name, likes, dislikes)");
          }
        }
        request.people.push_back(std::move(person));
      }
    } else if (key == "mood") {
      if (!value.is_string()) bad("mood must be a string");
      request.mood = std::string(trim(value.get<std::string>()));
    } else if (key == "k") {
      if (!value.is_number_integer()) bad("k must be a whole number from 1 to " + std::to_string(kMaxK));
      const auto k = value.get<std::int64_t>();
      if (k < 1 || k > kMaxK)
        bad("k must be from 1 to " + std::to_string(kMaxK) + ", got " + std::to_string(k));
      request.k = static_cast<int>(k);
    } else if (key == "double") {
      if (!value.is_boolean()) bad("double must be true or false");
      request.double_feature = value.get<bool>();
    } else if (key == "options") {
      request.options = parse_options(value);
    } else {
      bad("unknown key \"" + key + "\" (known: people, mood, k, double, options)");
    }
  }
  check_request(request);
  return request;
}

}  // namespace mn::serve
