// The rules that turn GET /recommend's query and POST /recommend's JSON into a NightRequest.
#include "serve/request_parse.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/error.h"

namespace mn {
namespace {

using nlohmann::json;

serve::QueryParams params(std::initializer_list<std::pair<const char*, const char*>> list) {
  serve::QueryParams p;
  for (const auto& [k, v] : list) p.emplace(k, v);
  return p;
}

void expect_invalid(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning \"" << needle << "\"";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ServeRequestParse, QueryPeopleFromUsersLikesAndNumbers) {
  const NightRequest r = serve::parse_recommend_query(params({{"user", "5"},
                                                              {"user", "7"},
                                                              {"like", "3:Heat"},
                                                              {"like", "Toy Story"},
                                                              {"dislike", "2: Up"},
                                                              {"name", "1:Ann"},
                                                              {"mood", " cozy "},
                                                              {"k", "7"},
                                                              {"double", "1"}}));
  ASSERT_EQ(r.people.size(), 3u);
  EXPECT_EQ(r.people[0].user_id, 5);
  EXPECT_EQ(r.people[0].name, "Ann");
  EXPECT_EQ(r.people[0].likes, std::vector<std::string>{"Toy Story"});
  EXPECT_EQ(r.people[1].user_id, 7);
  EXPECT_EQ(r.people[1].dislikes, std::vector<std::string>{"Up"});
  EXPECT_EQ(r.people[2].user_id, -1);
  EXPECT_EQ(r.people[2].likes, std::vector<std::string>{"Heat"});
  EXPECT_EQ(r.mood, "cozy");
  EXPECT_EQ(r.k, 7);
  EXPECT_TRUE(r.double_feature);
}

TEST(ServeRequestParse, ANumberInATitleIsNotAPerson) {
  const NightRequest r = serve::parse_recommend_query(params({{"like", "2001: A Space Odyssey"}}));
  ASSERT_EQ(r.people.size(), 1u);
  EXPECT_EQ(r.people[0].likes, std::vector<std::string>{"2001: A Space Odyssey"});
}

TEST(ServeRequestParse, QueryMistakes) {
  expect_invalid([] { serve::parse_recommend_query({}); }, "at least one person");
  expect_invalid([] { serve::parse_recommend_query(params({{"like", "9:Heat"}})); }, "at most 8 people");
  expect_invalid([] { serve::parse_recommend_query(params({{"like", "3:Heat"}})); }, "person 1 has neither");
  expect_invalid([] { serve::parse_recommend_query(params({{"user", "abc"}})); }, "user id");
  expect_invalid([] { serve::parse_recommend_query(params({{"user", "-3"}})); }, "user id");
  expect_invalid([] { serve::parse_recommend_query(params({{"user", "1"}, {"k", "0"}})); }, "k must");
  expect_invalid([] { serve::parse_recommend_query(params({{"user", "1"}, {"k", "101"}})); }, "k must");
  expect_invalid([] { serve::parse_recommend_query(params({{"user", "1"}, {"k", "5.5"}})); }, "k must");
  expect_invalid(
      [] {
        serve::parse_recommend_query(params({{"user", "1"}, {"double", "maybe"}}));
      },
      "double");
  expect_invalid([] { serve::parse_recommend_query(params({{"usr", "1"}})); }, "unknown parameter \"usr\"");
  expect_invalid([] { serve::parse_recommend_query(params({{"user", "1"}, {"options", "{"}})); }, "options");
  expect_invalid(
      [] {
        serve::parse_recommend_query(params({{"user", "1"}, {"options", R"({"fusion":"nope"})"}}));
      },
      "fusion");
  serve::QueryParams nine;
  for (int u = 1; u <= 9; ++u) nine.emplace("user", std::to_string(u));
  expect_invalid([&] { serve::parse_recommend_query(nine); }, "at most 8 people");
}

TEST(ServeRequestParse, JsonBody) {
  const NightRequest r = serve::parse_recommend_json(json::parse(R"({
    "people": [{"user": 1}, {"name": "Bob", "likes": ["Heat"], "dislikes": ["Up"]}],
    "mood": "tense", "k": 12, "double": true, "options": {"aggregation": "average"}})"));
  ASSERT_EQ(r.people.size(), 2u);
  EXPECT_EQ(r.people[0].user_id, 1);
  EXPECT_EQ(r.people[1].name, "Bob");
  EXPECT_EQ(r.people[1].likes, std::vector<std::string>{"Heat"});
  EXPECT_EQ(r.people[1].dislikes, std::vector<std::string>{"Up"});
  EXPECT_EQ(r.mood, "tense");
  EXPECT_EQ(r.k, 12);
  EXPECT_TRUE(r.double_feature);
  EXPECT_EQ(r.options.aggregation, "average");

  expect_invalid([] { serve::parse_recommend_json(json::array()); }, "JSON object");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{"user":1}],"kk":3})")); }, "kk");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{"usr":1}]})")); }, "usr");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{"user":"1"}]})")); }, "user");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{"likes":[3]}]})")); },
                 "likes[0]");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{"user":1}],"k":0})")); },
                 "k must");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{"user":1}],"k":"5"})")); },
                 "k must");
  expect_invalid([] { serve::parse_recommend_json(json::parse(R"({"people":[{}]})")); },
                 "person 1 has neither");
  expect_invalid(
      [] {
        serve::parse_recommend_json(
            json::parse(R"({"people":[{"user":1}],"options":{"weights":{"cf":"x"}}})"));
      },
      "cf");
}

}  // namespace
}  // namespace mn
