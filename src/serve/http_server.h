#pragma once
// `movienight serve`: the HTTP API over a NightPlanner, and the web page.
//   GET  /recommend?user=A&user=B&like=3:Heat&mood=cozy&k=10   POST /recommend (JSON)
//   GET  /similar?title=...&mood=...&k=10    GET /movies?q=toy&n=10    GET /health
//   GET  /metrics (Prometheus text)          GET /, /app.js, /style.css (the page, built in)
// Client mistakes get 4xx with {"error": ...}: 400 bad input, 404 unknown user or path, 405 wrong
// method, 413 body too large, 414 URL too long, 422 a title that matches nothing (with
// "did_you_mean"). 500 is kept for our own faults; an exception never ends the process.
// cpp-httplib stays behind this header (its header and Eigen's must not meet in one unit).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "rank/night.h"

namespace mn::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";          // loopback unless told otherwise
  int port = 8080;                         // 0: any free port (port() says which)
  int threads = 0;                         // worker threads (httplib's pool); 0: max(4, cores)
  std::size_t max_body_bytes = 64 * 1024;  // POST bodies above this get 413
  // httplib gives a worker to a connection for as long as it is kept alive, idle time included, so
  // with more connections than workers the others wait. One request per connection (the default)
  // frees the worker with each answer; reconnecting costs about 0.1 ms on loopback. The timeout is
  // how long a new connection may take to send its request.
  int keep_alive_seconds = 2;
  std::size_t keep_alive_max_requests = 1;
};

class HttpServer {
 public:
  // The planner must outlive the server.
  HttpServer(const NightPlanner& planner, ServerOptions options);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the socket (connections queue from here on) and returns the port; throws kIo when the
  // address cannot be bound.
  int bind();
  // Answers requests until stop(); binds first if bind() was not called.
  void run();
  // bind() + run() on a background thread; returns once connections are accepted.
  void start();
  // Thread-safe and idempotent; run() returns soon after.
  void stop();

  int port() const;
  // "http://127.0.0.1:8080" ("http://[::1]:8080" for IPv6 hosts).
  std::string url() const;
  // The /metrics text.
  std::string metrics_text() const;
  // Requests answered for a route ("/recommend", "/health", ..., "other") and status.
  std::uint64_t request_count(const std::string& route, int status) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mn::serve
