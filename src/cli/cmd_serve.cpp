// `movienight serve`: builds the NightPlanner once, then answers the HTTP API and the web page until
// SIGINT or SIGTERM.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "cli/data_source.h"
#include "rank/night.h"
#include "serve/http_server.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn::cli {
namespace {

// Self-pipe: a signal may land on any thread (OpenMP's included), so its handler only writes a byte
// and a plain thread does the stopping.
int g_signal_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  const char byte = 's';
  if (write(g_signal_pipe[1], &byte, 1) < 0) {
    // Nothing else is safe in a signal handler.
  }
}

}  // namespace

void add_serve_command(CLI::App& app) {
  struct Options {
    DataSource source;
    std::string host = "127.0.0.1";
    int port = 8080;
    int threads = 0;
    std::string models;
    std::string cache_dir;
    std::size_t max_body = 64 * 1024;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "the HTTP API (/recommend, /similar, /movies, /health, /metrics) and the web page");
  o->source.add_options(*cmd);
  cmd->add_option("--host", o->host, "address to listen on (loopback unless told otherwise)")
      ->capture_default_str();
  cmd->add_option("--port", o->port, "port (0: pick a free one and print it)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "worker threads answering requests (0: max(4, cores))")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_option("--models", o->models,
                  "trained models (als, itemknn, content); default: fit and cache them");
  cmd->add_option("--cache-dir", o->cache_dir,
                  "cache of fitted models and embeddings (default $MOVIENIGHT_CACHE, ~/.cache/movienight)");
  cmd->add_option("--max-body", o->max_body, "largest POST body in bytes (larger ones get 413)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  cmd->callback([o] {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset dataset = o->source.load();
    PlannerOptions po;
    po.models_dir = o->models;
    po.cache_dir = o->cache_dir;
    po.show_progress = !Progress::quiet();
    const NightPlanner planner(dataset, po);

    serve::ServerOptions so;
    so.host = o->host;
    so.port = o->port;
    so.threads = o->threads;
    so.max_body_bytes = o->max_body;
    serve::HttpServer server(planner, so);
    server.bind();

    if (pipe(g_signal_pipe) != 0) throw Error(ErrorKind::kIo, "serve: cannot create a pipe for signals");
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    struct sigaction old_int {
    }, old_term{};
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server
    std::thread stopper([&server] {
      char byte = 0;
      while (read(g_signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
      }
      server.stop();
    });

    // Tests and scripts wait for this exact line.
    std::printf("listening on %s\n", server.url().c_str());
    std::fflush(stdout);
    if (!Progress::quiet()) {
      std::fprintf(stderr, "ready in %.2f s: %d movies, %d users, %d recipes; Ctrl-C stops\n",
                   seconds_since(t0), static_cast<int>(dataset.catalog.size()),
                   static_cast<int>(dataset.ratings.n_users()), static_cast<int>(dataset.recipes.size()));
    }
    server.run();

    on_stop_signal(0);  // wakes the stopper if run() ended on its own
    stopper.join();
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    close(g_signal_pipe[0]);
    close(g_signal_pipe[1]);
    g_signal_pipe[0] = g_signal_pipe[1] = -1;
    if (!Progress::quiet()) std::fprintf(stderr, "stopped\n");
  });
}

}  // namespace mn::cli
