#pragma once
// Request counts by route and status, and a latency histogram per route, written in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mn::serve {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

  // The routes a histogram is kept for; any other route is counted as "other".
  explicit Metrics(std::vector<std::string> routes);

  // seconds: nullopt when the request never reached routing (e.g. a 414), so only its count is kept.
  void record(std::string_view route, int status, std::optional<double> seconds);

  std::string prometheus() const;
  // Requests answered so far for a route and status (tests, and nothing else).
  std::uint64_t count(std::string_view route, int status) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size() + 1> buckets{};  // non-cumulative; last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::size_t route_slot(std::string_view route) const;

  std::vector<std::string> routes_;  // last one is "other"
  mutable std::mutex mutex_;
  std::vector<Histogram> histograms_;
  std::map<std::pair<std::size_t, int>, std::uint64_t> counts_;  // (route slot, status) -> requests
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace mn::serve
