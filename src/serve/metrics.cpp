#include "serve/metrics.h"

#include <algorithm>
#include <charconv>

namespace mn::serve {
namespace {

// The shortest text that reads back as the same double ("0.005", not "0.0050000000000000001").
std::string number(double v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return std::string(buf, result.ptr);
}

}  // namespace

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)) {
  routes_.push_back("other");
  histograms_.resize(routes_.size());
}

std::size_t Metrics::route_slot(std::string_view route) const {
  const auto it = std::find(routes_.begin(), routes_.end() - 1, route);
  return static_cast<std::size_t>(it - routes_.begin());  // end() - 1 is "other"
}

void Metrics::record(std::string_view route, int status, std::optional<double> seconds) {
  const std::size_t slot = route_slot(route);
  std::size_t bucket = kBuckets.size();
  if (seconds) {
    bucket = static_cast<std::size_t>(std::lower_bound(kBuckets.begin(), kBuckets.end(), *seconds) -
                                      kBuckets.begin());
  }
  const std::lock_guard lock(mutex_);
  ++counts_[{slot, status}];
  if (seconds) {
    Histogram& h = histograms_[slot];
    ++h.buckets[bucket];
    h.sum += *seconds;
    ++h.count;
  }
}

std::uint64_t Metrics::count(std::string_view route, int status) const {
  const std::size_t slot = route_slot(route);
  const std::lock_guard lock(mutex_);
  const auto it = counts_.find({slot, status});
  return it == counts_.end() ? 0 : it->second;
}

std::string Metrics::prometheus() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP movienight_http_requests_total HTTP requests answered, by route and status code.\n";
  out += "# TYPE movienight_http_requests_total counter\n";
  for (const auto& [key, n] : counts_) {
    out += "movienight_http_requests_total{route=\"" + routes_[key.first] + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP movienight_http_request_duration_seconds Time from a request's headers to its answer.\n";
  out += "# TYPE movienight_http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const Histogram& h = histograms_[r];
    const std::string label = "route=\"" + routes_[r] + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += h.buckets[b];
      const std::string le = b < kBuckets.size() ? number(kBuckets[b]) : "+Inf";
      out += "movienight_http_request_duration_seconds_bucket{" + label + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "movienight_http_request_duration_seconds_sum{" + label + "} " + number(h.sum) + "\n";
    out += "movienight_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  const double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  out += "# HELP movienight_uptime_seconds Seconds since the server started.\n";
  out += "# TYPE movienight_uptime_seconds gauge\n";
  out += "movienight_uptime_seconds " + number(up) + "\n";
  return out;
}

}  // namespace mn::serve
