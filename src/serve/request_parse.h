#pragma once
// Turning an HTTP request into a NightRequest: the query string of GET /recommend and the JSON
// body of POST /recommend. No HTTP library here, so the rules are testable on their own. Every
// mistake throws mn::Error kInvalidInput with a message meant for the person who sent it.
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "rank/night.h"

namespace mn::serve {

inline constexpr int kMaxPeople = 8;
inline constexpr int kMaxK = 100;

// Query parameters as the HTTP layer decodes them (name -> value, repeatable).
using QueryParams = std::multimap<std::string, std::string>;

// GET /recommend: user=ID (repeatable, each one a person, in order), like=N:Title and
// dislike=N:Title (N, one or two digits, the 1-based person; without "N:" the title is person 1's,
// so "2001: A Space Odyssey" stays a title), a person number past the user= entries adds people,
// name=N:Alice, mood=..., k=10, double=1|0|true|false, options={NightOptions JSON}.
// Unknown parameters are an error, so a typo does not pass silently.
NightRequest parse_recommend_query(const QueryParams& params);

// POST /recommend: {"people":[{"user":1},{"name":"Bob","likes":["Heat"],"dislikes":[]}],
// "mood":"cozy","k":10,"double":false,"options":{...}}. Unknown keys are an error.
NightRequest parse_recommend_json(const nlohmann::json& body);

// The checks both forms share: 1..8 people, each with a user id or at least one like, k in 1..100.
void check_request(const NightRequest& request);

// An integer parameter in [lo, hi]; `fallback` when absent.
int int_param(const QueryParams& params, const std::string& name, int fallback, int lo, int hi);
// The last value of a parameter, or "" when absent.
std::string text_param(const QueryParams& params, const std::string& name);
// Throws kInvalidInput naming the first parameter not in `allowed`.
void check_known_params(const QueryParams& params, std::initializer_list<const char*> allowed);

}  // namespace mn::serve
