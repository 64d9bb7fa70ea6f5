#include "serve/http_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "serve/metrics.h"
#include "serve/request_parse.h"
#include "serve/web_assets.h"
#include "util/error.h"

namespace mn::serve {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxSearchResults = 50;
constexpr std::size_t kMaxQueryChars = 200;
// httplib answers 414 above this many bytes of request line (a compile-time constant of the library).
constexpr std::size_t kMaxUrlBytes = CPPHTTPLIB_REQUEST_URI_MAX_LENGTH;

const std::vector<std::string> kApiRoutes = {"/recommend", "/similar", "/movies", "/health", "/metrics"};

// When this thread began the request it is answering (set before routing, read by the logger).
thread_local std::optional<Clock::time_point> t_request_start;

// Invalid UTF-8 in a title or an echoed query must not turn an answer into an exception.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// With the charset the type no longer matches httplib's list of compressible types: its brotli runs
// at quality 11, which would cost more than the answer itself.
constexpr const char* kJson = "application/json; charset=utf-8";

void send_json(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(dump(j), kJson);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

const char* status_text(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large";
    case 414:
      return "URL too long";
    case 415:
      return "unsupported media type";
    case 416:
      return "range not satisfiable";
    case 417:
      return "expectation failed";
    default:
      return status >= 500 ? "internal error" : "request failed";
  }
}

// httplib keeps the listening socket to itself until its accept loop ends; a server that was bound
// but never run has to close it here.
class Server : public httplib::Server {
 public:
  void close_listener() {
    const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) ::close(sock);
  }
};

std::string host_for_url(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct HttpServer::Impl {
  const NightPlanner& planner;
  ServerOptions options;
  Server server;
  Metrics metrics;
  std::unordered_set<std::int64_t> user_ids;
  std::vector<std::string> asset_paths;

  std::mutex mutex;
  bool bound = false;
  bool ever_ran = false;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> in_run{false};
  int port = -1;
  std::thread thread;

  Impl(const NightPlanner& p, ServerOptions o);
  std::string route_of(const std::string& path) const;
  bool known_path(const std::string& path) const { return route_of(path) != "other"; }
  // A body past the limit is still read and dropped, up to 16 times the limit (at least 1 MiB), so
  // that a client still sending it gets the 413 rather than a reset connection; beyond, we hang up.
  bool keep_draining(std::size_t seen) const {
    return seen <= std::max<std::size_t>(16 * options.max_body_bytes, std::size_t{1} << 20);
  }

  // Runs a handler; every exception becomes an answer (4xx for the sender's mistakes).
  template <class F>
  httplib::Server::Handler guarded(F f) {
    return [f](const httplib::Request& req, httplib::Response& res) {
      try {
        f(req, res);
      } catch (const TitleNotFound& e) {
        send_json(res, 422, {{"error", e.what()}, {"query", e.query()}, {"did_you_mean", e.suggestions()}});
      } catch (const Error& e) {
        switch (e.kind()) {
          case ErrorKind::kInvalidInput:
            send_error(res, 400, e.what());
            break;
          case ErrorKind::kNotFound:
            send_error(res, 404, e.what());
            break;
          default:
            std::fprintf(stderr, "serve: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
            send_error(res, 500, std::string("internal error: ") + e.what());
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "serve: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
        send_error(res, 500, std::string("internal error: ") + e.what());
      } catch (...) {
        std::fprintf(stderr, "serve: %s %s: unknown exception\n", req.method.c_str(), req.path.c_str());
        send_error(res, 500, "internal error");
      }
    };
  }

  // Marks the accept loop as about to run; false when stop() came first.
  bool begin_run() {
    const std::lock_guard lock(mutex);
    if (stop_requested) return false;
    in_run = true;
    ever_ran = true;
    return true;
  }
  void check_users(const NightRequest& request) const;
  void answer_recommend(const NightRequest& request, Clock::time_point t0, httplib::Response& res) const;
  void install_routes();
};

HttpServer::Impl::Impl(const NightPlanner& p, ServerOptions o)
    : planner(p), options(std::move(o)), metrics([] {
        std::vector<std::string> routes = kApiRoutes;
        for (const WebAsset* a = kWebAssets; a->path != nullptr; ++a) routes.emplace_back(a->path);
        return routes;
      }()) {
  for (const std::int64_t id : planner.dataset().ratings.user_ids) user_ids.insert(id);
  for (const WebAsset* a = kWebAssets; a->path != nullptr; ++a) asset_paths.emplace_back(a->path);
  if (options.threads <= 0) {
    options.threads = static_cast<int>(std::max(4u, std::thread::hardware_concurrency()));
  }
  install_routes();
}

std::string HttpServer::Impl::route_of(const std::string& path) const {
  if (std::find(kApiRoutes.begin(), kApiRoutes.end(), path) != kApiRoutes.end()) return path;
  if (std::find(asset_paths.begin(), asset_paths.end(), path) != asset_paths.end()) return path;
  return "other";
}

void HttpServer::Impl::check_users(const NightRequest& request) const {
  for (const Person& person : request.people) {
    if (person.user_id >= 0 && user_ids.count(person.user_id) == 0) {
      throw Error(ErrorKind::kNotFound, "unknown user id " + std::to_string(person.user_id) +
                                            " (the data has " + std::to_string(user_ids.size()) + " users)");
    }
  }
}

void HttpServer::Impl::answer_recommend(const NightRequest& request, Clock::time_point t0,
                                        httplib::Response& res) const {
  check_users(request);
  const NightResult result = planner.plan(request);
  nlohmann::json j = planner.to_json(result);
  j["took_ms"] = ms_since(t0);  // parsing, planning and the JSON view, as the server saw it
  send_json(res, 200, j);
}

void HttpServer::Impl::install_routes() {
  httplib::Server& s = server;
  s.new_task_queue = [n = static_cast<std::size_t>(options.threads)] { return new httplib::ThreadPool(n); };
  s.set_payload_max_length(options.max_body_bytes);
  s.set_keep_alive_timeout(options.keep_alive_seconds);
  s.set_keep_alive_max_count(options.keep_alive_max_requests);
  s.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server take the same port
  // silently; SO_REUSEADDR alone only allows a quick restart.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});

  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    t_request_start = Clock::now();
    // httplib answers "Accept-Encoding: br" with brotli at quality 11 (13 ms for app.js); gzip costs
    // a fraction of that. The request is httplib's own non-const object, handed over as const.
    auto& headers = const_cast<httplib::Request&>(req).headers;
    const auto it = headers.find("Accept-Encoding");
    if (it != headers.end()) {
      const bool gzip = it->second.find("gzip") != std::string::npos;
      headers.erase("Accept-Encoding");
      if (gzip) headers.emplace("Accept-Encoding", "gzip");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Counted just before the answer is written, not in the logger (which runs after it): a client
  // that reads /metrics right after an answer then always finds that answer counted.
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::optional<double> seconds;
    if (t_request_start) seconds = std::chrono::duration<double>(Clock::now() - *t_request_start).count();
    t_request_start.reset();
    metrics.record(route_of(req.path), res.status, seconds);
  });
  // Answers httplib makes itself (414, 413, 400 for a broken request line, 404) get a JSON body too.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = status_text(res.status);
        if (res.status == 413)
          message = "request body too large (at most " + std::to_string(options.max_body_bytes) + " bytes)";
        if (res.status == 414) message = "URL too long (at most " + std::to_string(kMaxUrlBytes) + " bytes)";
        if (res.status == 404) message = "no such path: " + req.path;
        send_error(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "serve: %s %s: %s\n", req.method.c_str(), req.path.c_str(), what.c_str());
    send_error(res, 500, "internal error: " + what);
  });

  s.Get("/recommend", guarded([this](const httplib::Request& req, httplib::Response& res) {
          const auto t0 = Clock::now();
          answer_recommend(parse_recommend_query(req.params), t0, res);
        }));
  s.Post("/recommend", [this](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& read) {
    guarded([this, &read](const httplib::Request& r, httplib::Response& out) {
      const auto t0 = Clock::now();
      if (r.is_multipart_form_data()) {
        send_error(out, 415, "send the request as JSON (Content-Type: application/json)");
        return;
      }
      // Read by hand: httplib checks Content-Length against the limit but not chunked bodies.
      std::string body;
      bool too_large = false;
      std::size_t seen = 0;
      const bool ok = read([&](const char* data, std::size_t n) {
        seen += n;
        if (body.size() + n > options.max_body_bytes) too_large = true;
        if (!too_large) body.append(data, n);
        return keep_draining(seen);
      });
      if (too_large || out.status == 413) {
        send_error(out, 413,
                   "request body too large (at most " + std::to_string(options.max_body_bytes) + " bytes)");
        return;
      }
      if (!ok) {
        send_error(out, 400, "could not read the request body");
        return;
      }
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(body);
      } catch (const nlohmann::json::parse_error& e) {
        send_error(out, 400, std::string("the body is not valid JSON: ") + e.what());
        return;
      }
      answer_recommend(parse_recommend_json(j), t0, out);
    })(req, res);
  });

  s.Get("/similar", guarded([this](const httplib::Request& req, httplib::Response& res) {
          check_known_params(req.params, {"title", "mood", "k"});
          const std::string title = text_param(req.params, "title");
          const std::string mood = text_param(req.params, "mood");
          const int k = int_param(req.params, "k", 10, 1, kMaxK);
          if (title.empty() && mood.empty())
            throw Error(ErrorKind::kInvalidInput, "give title=, mood= or both");
          if (title.size() > kMaxQueryChars || mood.size() > kMaxQueryChars) {
            throw Error(ErrorKind::kInvalidInput,
                        "title and mood are limited to " + std::to_string(kMaxQueryChars) + " bytes");
          }
          send_json(res, 200, planner.similar(title, mood, k));
        }));

  s.Get("/movies", guarded([this](const httplib::Request& req, httplib::Response& res) {
          check_known_params(req.params, {"q", "n"});
          const std::string q = text_param(req.params, "q");
          const int n = int_param(req.params, "n", 10, 1, kMaxSearchResults);
          if (q.size() > kMaxQueryChars) {
            throw Error(ErrorKind::kInvalidInput,
                        "q is limited to " + std::to_string(kMaxQueryChars) + " bytes");
          }
          nlohmann::json movies = nlohmann::json::array();
          if (q.find_first_not_of(" \t") != std::string::npos) {
            const Catalog& catalog = planner.dataset().catalog;
            for (const TitleMatch& m : planner.search_titles(q, n)) {
              const Movie& movie = catalog[m.index];
              movies.push_back({{"id", movie.movie_id},
                                {"title", movie.title},
                                {"year", movie.year},
                                {"genres", movie.genres},
                                {"score", m.score}});
            }
          }
          send_json(res, 200, {{"query", q}, {"movies", movies}});
        }));

  s.Get("/health", guarded([this](const httplib::Request&, httplib::Response& res) {
          const Dataset& d = planner.dataset();
          send_json(res, 200,
                    {{"status", "ok"},
                     {"movies", d.catalog.size()},
                     {"users", d.ratings.n_users()},
                     {"recipes", d.recipes.size()}});
        }));

  s.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
          res.set_content(metrics.prometheus(), "text/plain; version=0.0.4; charset=utf-8");
        }));

  for (const WebAsset* a = kWebAssets; a->path != nullptr; ++a) {
    s.Get(a->path, [a](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(a->bytes()), a->content_type);
      // The page talks only to this server and loads nothing from elsewhere.
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                     "frame-ancestors 'none'; form-action 'self'");
    });
  }

  // Everything else: 404, or 405 for a known path with the wrong method. Bodies are drained (up to
  // the limit) so that a kept-alive connection stays in step.
  const auto fallback = [this](const httplib::Request& req, httplib::Response& res) {
    if (known_path(req.path)) {
      res.set_header("Allow", req.path == "/recommend" ? "GET, HEAD, POST" : "GET, HEAD");
      send_error(res, 405, req.method + " is not allowed on " + req.path);
    } else {
      send_error(res, 404, "no such path: " + req.path);
    }
  };
  const auto fallback_with_body = [this, fallback](const httplib::Request& req, httplib::Response& res,
                                                   const httplib::ContentReader& read) {
    std::size_t seen = 0;
    bool too_large = false;
    if (!req.is_multipart_form_data()) {
      read([&](const char*, std::size_t n) {
        seen += n;
        too_large = seen > options.max_body_bytes;
        return keep_draining(seen);
      });
    }
    if (too_large || res.status == 413) {
      send_error(res, 413,
                 "request body too large (at most " + std::to_string(options.max_body_bytes) + " bytes)");
      return;
    }
    fallback(req, res);
  };
  s.Get(".*", fallback);
  s.Options(".*", fallback);
  s.Post(".*", fallback_with_body);
  s.Put(".*", fallback_with_body);
  s.Patch(".*", fallback_with_body);
  s.Delete(".*", fallback_with_body);
  s.Delete(".*", fallback);  // DELETE without Content-Length skips the content-reader handlers
}

HttpServer::HttpServer(const NightPlanner& planner, ServerOptions options)
    : impl_(std::make_unique<Impl>(planner, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->bound && !impl_->ever_ran) impl_->server.close_listener();
}

int HttpServer::bind() {
  const std::lock_guard lock(impl_->mutex);
  if (impl_->bound) return impl_->port;
  const ServerOptions& o = impl_->options;
  errno = 0;
  int port = -1;
  if (o.port == 0) {
    port = impl_->server.bind_to_any_port(o.host);
  } else if (impl_->server.bind_to_port(o.host, o.port)) {
    port = o.port;
  }
  if (port <= 0) {
    const int err = errno;
    throw Error(ErrorKind::kIo, "cannot listen on " + host_for_url(o.host) + ":" + std::to_string(o.port) +
                                    (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
  impl_->port = port;
  impl_->bound = true;
  return port;
}

void HttpServer::run() {
  bind();
  if (!impl_->begin_run()) return;
  impl_->server.listen_after_bind();
  impl_->in_run = false;
}

void HttpServer::start() {
  bind();
  if (!impl_->begin_run()) return;
  impl_->thread = std::thread([this] {
    impl_->server.listen_after_bind();
    impl_->in_run = false;
  });
  // Connections already queue on the bound socket; wait for the accept loop so that stop() finds it.
  while (impl_->in_run && !impl_->server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::stop() {
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stop_requested = true;
  }
  // run() may be between its check and httplib's accept loop: wait for the loop, then end it.
  while (impl_->in_run && !impl_->server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->server.stop();
}

int HttpServer::port() const { return impl_->port; }

std::string HttpServer::url() const {
  return "http://" + host_for_url(impl_->options.host) + ":" + std::to_string(impl_->port);
}

std::string HttpServer::metrics_text() const { return impl_->metrics.prometheus(); }

std::uint64_t HttpServer::request_count(const std::string& route, int status) const {
  return impl_->metrics.count(route, status);
}

}  // namespace mn::serve
