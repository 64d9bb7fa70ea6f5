// The HTTP API end to end: a real NightPlanner over ml-latest-small (+ Food.com + TMDB), the server
// on a free loopback port in this process, and httplib's client.
#include "serve/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

using nlohmann::json;

constexpr std::size_t kBodyLimit = 16 * 1024;

class ServeHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_ = std::make_unique<test::TempDir>();
    const char* saved = std::getenv("MOVIENIGHT_CACHE");
    saved_cache_ = saved != nullptr ? std::optional<std::string>(saved) : std::nullopt;
    setenv("MOVIENIGHT_CACHE", cache_->path().c_str(), 1);
    LoadOptions lo;
    lo.show_progress = false;
    dataset_ = std::make_unique<Dataset>(load_dataset({test::datasets_dir()}, lo));
    PlannerOptions po;
    po.cache_dir = cache_->path().string();
    po.show_progress = false;
    planner_ = std::make_unique<NightPlanner>(*dataset_, po);
    serve::ServerOptions so;
    so.port = 0;
    so.threads = 4;
    so.max_body_bytes = kBodyLimit;
    server_ = std::make_unique<serve::HttpServer>(*planner_, so);
    server_->start();
  }
  static void TearDownTestSuite() {
    server_.reset();
    planner_.reset();
    dataset_.reset();
    if (saved_cache_) {
      setenv("MOVIENIGHT_CACHE", saved_cache_->c_str(), 1);
    } else {
      unsetenv("MOVIENIGHT_CACHE");
    }
    cache_.reset();
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(120, 0);
    return c;
  }
  static httplib::Result get(const std::string& path, const httplib::Params& query) {
    return client().Get(path, query, httplib::Headers{});
  }
  static json body_of(const httplib::Result& res) {
    const json j = json::parse(res->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << res->body;
    return j;
  }
  // Checks an error answer: the status and a JSON {"error": "..."} that mentions `needle`.
  static json expect_error(const httplib::Result& res, int status, const std::string& needle = "") {
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) return {};
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
    const json j = body_of(res);
    EXPECT_TRUE(j.contains("error") && j["error"].is_string()) << res->body;
    if (!needle.empty() && j.contains("error")) {
      EXPECT_NE(j["error"].get<std::string>().find(needle), std::string::npos) << res->body;
    }
    return j;
  }
  static void expect_night(const json& j, std::size_t k, const std::vector<std::string>& names) {
    ASSERT_TRUE(j.contains("items")) << j.dump();
    ASSERT_EQ(j["items"].size(), k) << j.dump();
    EXPECT_TRUE(j["took_ms"].is_number());
    for (const json& item : j["items"]) {
      EXPECT_TRUE(item["movie"]["id"].is_number_integer());
      EXPECT_FALSE(item["movie"]["title"].get<std::string>().empty());
      EXPECT_TRUE(item["movie"]["genres"].is_array());
      ASSERT_TRUE(item["why"].is_array());
      EXPECT_FALSE(item["why"].empty()) << item.dump();
      ASSERT_TRUE(item.contains("snack")) << item.dump();
      EXPECT_FALSE(item["snack"]["name"].get<std::string>().empty());
      EXPECT_GT(item["snack"]["minutes"].get<int>(), 0);
      EXPECT_LE(item["snack"]["minutes"].get<int>(), 25);
      ASSERT_TRUE(item["per_user_rank"].is_object());
      EXPECT_EQ(item["per_user_rank"].size(), names.size()) << item.dump();
      for (const std::string& name : names) {
        ASSERT_TRUE(item["per_user_rank"].contains(name)) << name << " in " << item.dump();
        EXPECT_GE(item["per_user_rank"][name].get<int>(), 1);
      }
    }
  }

  static inline std::unique_ptr<test::TempDir> cache_;
  static inline std::optional<std::string> saved_cache_;
  static inline std::unique_ptr<Dataset> dataset_;
  static inline std::unique_ptr<NightPlanner> planner_;
  static inline std::unique_ptr<serve::HttpServer> server_;
};

TEST_F(ServeHttp, Health) {
  const auto res = client().Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const json j = body_of(res);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["movies"].get<int>(), dataset_->catalog.size());
  EXPECT_EQ(j["users"].get<int>(), 610);  // ml-latest-small
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(ServeHttp, RecommendForTwoUsers) {
  const auto res = get("/recommend", {{"user", "1"}, {"user", "2"}, {"mood", "cozy"}, {"k", "10"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  const json j = body_of(res);
  ASSERT_EQ(j["people"].size(), 2u);
  expect_night(j, 10, j["people"].get<std::vector<std::string>>());
  // No snack twice in one list.
  std::set<std::int64_t> snacks;
  for (const json& item : j["items"]) snacks.insert(item["snack"]["id"].get<std::int64_t>());
  EXPECT_EQ(snacks.size(), 10u);
}

TEST_F(ServeHttp, RecommendFromLikesWithATypo) {
  const json request = {{"people",
                         {{{"name", "Alice"}, {"likes", {"toy stroy"}}},
                          {{"name", "Bob"}, {"likes", {"heat"}}, {"dislikes", {"Titanic"}}}}},
                        {"mood", "tense"},
                        {"k", 6}};
  const auto res = client().Post("/recommend", request.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  expect_night(body_of(res), 6, {"Alice", "Bob"});

  const auto by_get = get("/recommend", {{"like", "1:toy stroy"}, {"like", "2:heat"}, {"k", "3"}});
  ASSERT_TRUE(by_get);
  ASSERT_EQ(by_get->status, 200) << by_get->body;
  EXPECT_EQ(body_of(by_get)["items"].size(), 3u);
}

TEST_F(ServeHttp, UnknownUserIs404NamingTheId) {
  expect_error(get("/recommend", {{"user", "1"}, {"user", "987654"}}), 404, "987654");
  expect_error(client().Post("/recommend", R"({"people":[{"user":987654}]})", "application/json"), 404,
               "987654");
}

TEST_F(ServeHttp, NonsenseTitleIs422WithSuggestions) {
  const json j = expect_error(get("/recommend", {{"user", "1"}, {"like", "2:Qzxvbnm Plkjh"}}), 422);
  ASSERT_TRUE(j.contains("did_you_mean")) << j.dump();
  ASSERT_TRUE(j["did_you_mean"].is_array());
  EXPECT_FALSE(j["did_you_mean"].empty());
  EXPECT_EQ(j["query"], "Qzxvbnm Plkjh");
  expect_error(client().Post("/recommend", R"({"people":[{"likes":["xqzvbnmplkjh"]}]})", "application/json"),
               422);
}

TEST_F(ServeHttp, ClientMistakesAre400) {
  httplib::Params nine;
  for (int u = 1; u <= 9; ++u) nine.emplace("user", std::to_string(u));
  expect_error(get("/recommend", nine), 400, "at most 8 people");
  expect_error(get("/recommend", {{"user", "1"}, {"k", "0"}}), 400, "k must");
  expect_error(get("/recommend", {{"user", "1"}, {"k", "101"}}), 400, "k must");
  expect_error(get("/recommend", {{"user", "1"}, {"fusion", "rrf"}}), 400, "unknown parameter");
  expect_error(client().Post("/recommend", "{\"people\": [", "application/json"), 400, "not valid JSON");
  expect_error(client().Post("/recommend", "", "application/json"), 400, "not valid JSON");
  expect_error(client().Post("/recommend", R"({"people":[{"user":1}],"k":101})", "application/json"), 400,
               "k must");
  json nine_people = {{"people", json::array()}};
  for (int u = 1; u <= 9; ++u) nine_people["people"].push_back({{"user", u}});
  expect_error(client().Post("/recommend", nine_people.dump(), "application/json"), 400, "at most 8 people");
  expect_error(client().Post("/recommend", R"({"people":[{"user":1}],"options":{"fusion":"nope"}})",
                             "application/json"),
               400, "fusion");
  expect_error(get("/movies", {{"q", "toy"}, {"n", "0"}}), 400, "n must");
  expect_error(client().Get("/similar"), 400);
}

TEST_F(ServeHttp, OverLongUrlIs414AndBigBodyIs413) {
  expect_error(client().Get("/recommend?user=1&mood=" + std::string(10000, 'x')), 414);
  const std::string big = R"({"people":[{"user":1}],"mood":")" + std::string(kBodyLimit * 2, 'x') + "\"}";
  expect_error(client().Post("/recommend", big, "application/json"), 413);
  // Chunked bodies have no Content-Length for httplib to check; the server counts them itself.
  const auto chunked = client().Post(
      "/recommend",
      [&](std::size_t offset, httplib::DataSink& sink) {
        if (offset < big.size()) {
          sink.write(big.data() + offset, std::min<std::size_t>(4096, big.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  expect_error(chunked, 413);
  // The server is still there.
  const auto res = client().Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(ServeHttp, MetricsCountRequests) {
  const auto count = [](const std::string& text, const std::string& series) -> long {
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return 0;
    return std::stol(text.substr(at + series.size() + 1));
  };
  const std::string health = R"(movienight_http_requests_total{route="/health",status="200"})";
  const auto before = client().Get("/metrics");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200);
  EXPECT_EQ(before->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client().Get("/health"));
  ASSERT_TRUE(client().Get("/no/such/page"));
  const auto after = client().Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(count(after->body, health), count(before->body, health) + 3) << after->body;
  EXPECT_GE(count(after->body, R"(movienight_http_requests_total{route="other",status="404"})"), 1);
  EXPECT_EQ(server_->request_count("/health", 200), static_cast<std::uint64_t>(count(after->body, health)));
  // A histogram per route: cumulative buckets ending in +Inf, which equals _count.
  const long inf =
      count(after->body, R"(movienight_http_request_duration_seconds_bucket{route="/health",le="+Inf"})");
  EXPECT_GE(inf, 3);
  EXPECT_EQ(inf, count(after->body, R"(movienight_http_request_duration_seconds_count{route="/health"})"));
  EXPECT_NE(after->body.find("# TYPE movienight_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(
      after->body.find(R"(movienight_http_request_duration_seconds_bucket{route="/recommend",le="0.005"})"),
      std::string::npos);
}

TEST_F(ServeHttp, MovieSearchForAutocomplete) {
  const auto res = get("/movies", {{"q", "toy"}, {"n", "5"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json j = body_of(res);
  ASSERT_TRUE(j["movies"].is_array());
  ASSERT_FALSE(j["movies"].empty());
  EXPECT_LE(j["movies"].size(), 5u);
  bool toy_story = false;
  for (const json& m : j["movies"]) {
    EXPECT_TRUE(m["id"].is_number_integer());
    EXPECT_TRUE(m["year"].is_number_integer());
    EXPECT_TRUE(m["score"].is_number());
    toy_story = toy_story || m["title"] == "Toy Story (1995)";
  }
  EXPECT_TRUE(toy_story) << j.dump();
  const auto empty = client().Get("/movies?q=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(body_of(empty)["movies"].size(), 0u);
}

TEST_F(ServeHttp, Similar) {
  const auto res = get("/similar", {{"title", "toy story"}, {"k", "5"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(body_of(res).empty());
  expect_error(get("/similar", {{"title", "xqzvbnmplkjh"}}), 422);
}

TEST_F(ServeHttp, ServesItsOwnPage) {
  const auto page = client().Get("/");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<title>movienight</title>"), std::string::npos);
  EXPECT_NE(page->body.find("/app.js"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  const auto js = client().Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js->body.find("/recommend"), std::string::npos);
  const auto css = client().Get("/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  // Nothing from the disk, whatever the path.
  expect_error(client().Get("/../CMakeLists.txt"), 404);
  expect_error(client().Get("/web/index.html"), 404);
}

TEST_F(ServeHttp, UnknownPathsAndMethods) {
  expect_error(client().Get("/nope"), 404, "/nope");
  expect_error(client().Post("/nope", "{}", "application/json"), 404);
  expect_error(client().Delete("/recommend"), 405);
  const auto post_health = client().Post("/health", "{}", "application/json");
  expect_error(post_health, 405);
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(ServeHttp, ConcurrentRequestsFromFourThreads) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      httplib::Client c = client();
      for (int r = 0; r < 4; ++r) {
        const int a = 1 + t * 37 + r * 5, b = 300 + t * 11 + r * 7;
        const auto res =
            c.Get("/recommend", httplib::Params{{"user", std::to_string(a)}, {"user", std::to_string(b)}},
                  httplib::Headers{});
        if (res && res->status == 200 && json::parse(res->body)["items"].size() == 10) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
}

TEST_F(ServeHttp, ASecondServerCannotTakeTheSamePort) {
  serve::ServerOptions so;
  so.port = server_->port();
  serve::HttpServer second(*planner_, so);
  try {
    second.bind();
    ADD_FAILURE() << "bound a port that is in use";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find(std::to_string(server_->port())), std::string::npos) << e.what();
  }
}

TEST_F(ServeHttp, StartsAndStopsCleanly) {
  serve::ServerOptions so;
  so.port = 0;
  so.threads = 1;
  {
    serve::HttpServer bound_only(*planner_, so);  // bound, never run: the destructor closes the socket
    EXPECT_GT(bound_only.bind(), 0);
  }
  serve::HttpServer s(*planner_, so);
  s.start();
  httplib::Client c("127.0.0.1", s.port());
  const auto res = c.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  s.stop();
  s.stop();  // idempotent
  httplib::Client after("127.0.0.1", s.port());
  after.set_connection_timeout(1, 0);
  EXPECT_FALSE(after.Get("/health"));
}

}  // namespace
}  // namespace mn
