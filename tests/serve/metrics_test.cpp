// The /metrics text: counts by route and status, cumulative latency buckets per route.
#include "serve/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace mn {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(ServeMetrics, PrometheusText) {
  serve::Metrics m({"/recommend", "/health"});
  m.record("/recommend", 200, 0.004);
  m.record("/recommend", 200, 0.012);
  m.record("/recommend", 400, 0.0001);
  m.record("/nowhere", 404, 0.0002);
  m.record("", 414, std::nullopt);  // never routed: counted, not timed
  EXPECT_EQ(m.count("/recommend", 200), 2u);
  EXPECT_EQ(m.count("/unknown", 404), 1u);  // every other route is "other"
  EXPECT_EQ(m.count("/health", 200), 0u);

  const std::string text = m.prometheus();
  EXPECT_TRUE(has_line(text, "# TYPE movienight_http_requests_total counter")) << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_requests_total{route="/recommend",status="200"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_requests_total{route="/recommend",status="400"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_requests_total{route="other",status="404"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_requests_total{route="other",status="414"} 1)")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE movienight_http_request_duration_seconds histogram")) << text;
  const std::string b = R"(movienight_http_request_duration_seconds_bucket{route="/recommend",le=)";
  EXPECT_TRUE(has_line(text, b + R"("0.0005"} 1)")) << text;
  EXPECT_TRUE(has_line(text, b + R"("0.001"} 1)")) << text;
  EXPECT_TRUE(has_line(text, b + R"("0.005"} 2)")) << text;
  EXPECT_TRUE(has_line(text, b + R"("0.01"} 2)")) << text;
  EXPECT_TRUE(has_line(text, b + R"("0.025"} 3)")) << text;
  EXPECT_TRUE(has_line(text, b + R"("+Inf"} 3)")) << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_request_duration_seconds_count{route="/recommend"} 3)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_request_duration_seconds_sum{route="/recommend"} 0.0161)"))
      << text;
  // The 414 has no latency: "other" holds one timed request.
  EXPECT_TRUE(has_line(text, R"(movienight_http_request_duration_seconds_count{route="other"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(movienight_http_request_duration_seconds_count{route="/health"} 0)")) << text;
}

}  // namespace
}  // namespace mn
