// Speed of `movienight serve` over loopback: GET /recommend for two people of ml-latest-small.
//   1. start-up: data (or snapshot) load, NightPlanner (fitted, cached or --models), bind
//   2. a fixed rate (open loop, default 200 requests/s for 10 s): p50/p90/p99/max latency, counted
//      from each request's scheduled send time, so a server that falls behind pays for the queue
//   3. closed loops of 1, 2, 4, 8 clients: the most requests per second the server sustains
// The server runs in this process with --server-threads (default 2) unless --url names a running
// one. Issue 6 asks for p50 <= 5 ms and p99 <= 15 ms at 200 requests/s with 2 server threads, and
// start-up from a snapshot with trained models <= 1 s.
//   serve_bench [--data DIR | --snapshot F] [--models DIR] [--server-threads 2] [--rate 200]
//               [--seconds 10] [--clients 8] [--mood cozy] [--url http://127.0.0.1:8080]
// This is a plain program, not a Google Benchmark one: a request loop at a fixed rate does not fit
// its iteration model.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "data/snapshot.h"
#include "rank/night.h"
#include "serve/http_server.h"
#include "util/error.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string data = MOVIENIGHT_SOURCE_DIR "/../shared/datasets";
  std::string snapshot;
  std::string models;
  std::string url;
  std::string mood = "cozy";
  int server_threads = 2;
  double rate = 200;
  double seconds = 10;
  int clients = 8;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(
      stderr,
      "serve_bench: %s\nusage: serve_bench [--data DIR | --snapshot F] [--models DIR] [--server-threads N] "
      "[--rate R] [--seconds S] [--clients C] [--mood M] [--url URL]\n",
      why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    const std::string v = argv[++i];
    if (flag == "--data")
      a.data = v;
    else if (flag == "--snapshot")
      a.snapshot = v;
    else if (flag == "--models")
      a.models = v;
    else if (flag == "--url")
      a.url = v;
    else if (flag == "--mood")
      a.mood = v;
    else if (flag == "--server-threads")
      a.server_threads = std::atoi(v.c_str());
    else if (flag == "--rate")
      a.rate = std::atof(v.c_str());
    else if (flag == "--seconds")
      a.seconds = std::atof(v.c_str());
    else if (flag == "--clients")
      a.clients = std::atoi(v.c_str());
    else
      usage(("unknown option " + flag).c_str());
  }
  if (a.rate <= 0 || a.seconds <= 0 || a.clients <= 0 || a.server_threads <= 0)
    usage("values must be positive");
  return a;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Two people per request, drawn with a fixed seed so that runs compare.
std::vector<std::string> make_paths(const std::vector<std::int64_t>& users, const std::string& mood,
                                    std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, users.size() - 1);
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t a = users[pick(rng)], b = users[pick(rng)];
    while (b == a) b = users[pick(rng)];
    paths.push_back("/recommend?user=" + std::to_string(a) + "&user=" + std::to_string(b) +
                    (mood.empty() ? "" : "&mood=" + mood) + "&k=10");
  }
  return paths;
}

// The planner alone, on this thread, no HTTP: where a request's time goes, stage by stage (the
// stages of NightResult::stage_ms), over the same pairs of users as the HTTP runs.
void plan_alone(const mn::NightPlanner& planner, const std::vector<std::int64_t>& users,
                const std::string& mood, std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, users.size() - 1);
  std::vector<std::pair<std::string, double>> total;
  std::vector<double> took;
  double json_ms = 0;
  std::size_t json_bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t a = users[pick(rng)], b = users[pick(rng)];
    while (b == a) b = users[pick(rng)];
    mn::NightRequest request;
    request.people.resize(2);
    request.people[0].user_id = a;
    request.people[1].user_id = b;
    request.mood = mood;
    const mn::NightResult r = planner.plan(request);
    const auto j0 = Clock::now();
    const std::string body = planner.to_json(r).dump();
    json_ms += std::chrono::duration<double, std::milli>(Clock::now() - j0).count();
    json_bytes += body.size();
    took.push_back(r.took_ms);
    if (total.empty()) total.assign(r.stage_ms.size(), {"", 0.0});
    for (std::size_t s = 0; s < r.stage_ms.size() && s < total.size(); ++s) {
      total[s].first = r.stage_ms[s].first;
      total[s].second += r.stage_ms[s].second;
    }
  }
  std::sort(took.begin(), took.end());
  std::printf("planner alone, 1 thread, %zu requests: mean %.2f ms, p50 %.2f ms\n ", n,
              std::accumulate(took.begin(), took.end(), 0.0) / static_cast<double>(n), took[n / 2]);
  for (const auto& [name, ms] : total) std::printf(" %s %.2f", name.c_str(), ms / static_cast<double>(n));
  std::printf("  (ms per request)\n  then the JSON answer: %.2f ms (%.0f bytes)\n",
              json_ms / static_cast<double>(n), static_cast<double>(json_bytes) / static_cast<double>(n));
}

struct Stats {
  std::vector<double> latency_ms;  // from the scheduled send (open loop) or the send (closed loop)
  std::vector<double> service_ms;  // from the send
  int errors = 0;
  double elapsed_s = 0;
};

void print_stats(const char* what, const Stats& s) {
  const double n = static_cast<double>(s.latency_ms.size());
  std::printf(
      "%-26s %6.0f req  %7.1f req/s  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %7.2f ms  errors %d\n",
      what, n, n / s.elapsed_s, percentile(s.latency_ms, 50), percentile(s.latency_ms, 90),
      percentile(s.latency_ms, 99), percentile(s.latency_ms, 100), s.errors);
}

// Open loop: request i is due at t0 + i / rate; `clients` connections share the schedule.
Stats fixed_rate(const std::string& host, int port, const std::vector<std::string>& paths, double rate,
                 int clients) {
  Stats total;
  std::atomic<std::size_t> next{0};
  std::vector<Stats> per(static_cast<std::size_t>(clients));
  const auto t0 = Clock::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client cli(host, port);
      cli.set_keep_alive(true);
      cli.set_read_timeout(60, 0);
      Stats& mine = per[static_cast<std::size_t>(c)];
      for (std::size_t i = next++; i < paths.size(); i = next++) {
        const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(i) / rate));
        std::this_thread::sleep_until(due);
        const auto sent = Clock::now();
        const auto res = cli.Get(paths[i]);
        const auto done = Clock::now();
        if (!res || res->status != 200) ++mine.errors;
        mine.latency_ms.push_back(std::chrono::duration<double, std::milli>(done - due).count());
        mine.service_ms.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  total.elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();
  for (const Stats& s : per) {
    total.latency_ms.insert(total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
    total.service_ms.insert(total.service_ms.end(), s.service_ms.begin(), s.service_ms.end());
    total.errors += s.errors;
  }
  return total;
}

// Closed loop: `clients` connections, each sending its next request as soon as the last is answered.
Stats closed_loop(const std::string& host, int port, const std::vector<std::string>& paths, int clients,
                  double seconds) {
  Stats total;
  std::atomic<std::size_t> next{0};
  std::vector<Stats> per(static_cast<std::size_t>(clients));
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client cli(host, port);
      cli.set_keep_alive(true);
      cli.set_read_timeout(60, 0);
      Stats& mine = per[static_cast<std::size_t>(c)];
      while (Clock::now() < end) {
        const auto sent = Clock::now();
        const auto res = cli.Get(paths[next++ % paths.size()]);
        const auto done = Clock::now();
        if (!res || res->status != 200) ++mine.errors;
        const double ms = std::chrono::duration<double, std::milli>(done - sent).count();
        mine.latency_ms.push_back(ms);
        mine.service_ms.push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  total.elapsed_s = std::chrono::duration<double>(Clock::now() - t0).count();
  for (const Stats& s : per) {
    total.latency_ms.insert(total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
    total.errors += s.errors;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args args = parse(argc, argv);
  std::unique_ptr<mn::Dataset> dataset;
  std::unique_ptr<mn::NightPlanner> planner;
  std::unique_ptr<mn::serve::HttpServer> server;
  std::string host = "127.0.0.1";
  int port = 0;
  std::vector<std::int64_t> users;

  if (args.url.empty()) {
    const auto t0 = Clock::now();
    mn::LoadOptions lo;
    lo.show_progress = false;
    dataset = std::make_unique<mn::Dataset>(args.snapshot.empty() ? mn::load_dataset({args.data}, lo)
                                                                  : mn::load_snapshot(args.snapshot));
    const auto t1 = Clock::now();
    mn::PlannerOptions po;
    po.models_dir = args.models;
    po.show_progress = false;
    planner = std::make_unique<mn::NightPlanner>(*dataset, po);
    const auto t2 = Clock::now();
    mn::serve::ServerOptions so;
    so.port = 0;
    so.threads = args.server_threads;
    server = std::make_unique<mn::serve::HttpServer>(*planner, so);
    server->start();
    const auto t3 = Clock::now();
    port = server->port();
    users = dataset->ratings.user_ids;
    const auto s = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double>(b - a).count();
    };
    std::printf("start-up: %s %.3f s, planner %.3f s (%s), bind %.3f s, total %.3f s\n",
                args.snapshot.empty() ? "data" : "snapshot", s(t0, t1), s(t1, t2),
                args.models.empty() ? "models fitted or from the cache" : "models from --models", s(t2, t3),
                s(t0, t3));
    std::printf("server: in process, %d threads, %s\n", args.server_threads, server->url().c_str());
  } else {
    const auto colon = args.url.rfind(':');
    const auto slashes = args.url.find("//");
    if (colon == std::string::npos || slashes == std::string::npos)
      usage("--url must look like http://HOST:PORT");
    host = args.url.substr(slashes + 2, colon - slashes - 2);
    port = std::atoi(args.url.c_str() + colon + 1);
    httplib::Client cli(host, port);
    const auto health = cli.Get("/health");
    if (!health || health->status != 200) usage("the server at --url does not answer /health");
    // A running server does not list its users; ml-latest-small's are 1..N.
    const int n = nlohmann::json::parse(health->body)["users"].get<int>();
    for (int u = 1; u <= n; ++u) users.push_back(u);
    std::printf("server: %s\n", args.url.c_str());
  }
  const char* omp = std::getenv("OMP_NUM_THREADS");
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  std::printf("machine: %u hardware threads; OMP_NUM_THREADS=%s; OPENBLAS_CORETYPE=%s\n",
              std::thread::hardware_concurrency(), omp ? omp : "(unset)", core ? core : "(unset)");

  const auto total = static_cast<std::size_t>(args.rate * args.seconds);
  const std::vector<std::string> paths = make_paths(users, args.mood, std::max<std::size_t>(total, 2000));

  // Warm-up: caches, first-touch pages, connections.
  {
    httplib::Client cli(host, port);
    for (std::size_t i = 0; i < 50; ++i) {
      const auto res = cli.Get(paths[paths.size() - 1 - i]);
      if (!res || res->status != 200) {
        std::fprintf(stderr, "serve_bench: warm-up request failed: %s\n",
                     res ? res->body.c_str() : httplib::to_string(res.error()).c_str());
        return 1;
      }
    }
    const auto one = cli.Get(paths[0]);
    std::printf("one answer: %zu bytes\n", one ? one->body.size() : std::size_t{0});
  }

  if (planner) plan_alone(*planner, users, args.mood, 500);

  std::printf("\n/recommend, two people%s%s, k=10\n", args.mood.empty() ? "" : ", mood ", args.mood.c_str());
  const std::vector<std::string> open(paths.begin(), paths.begin() + static_cast<std::ptrdiff_t>(total));
  const Stats fixed = fixed_rate(host, port, open, args.rate, args.clients);
  char label[64];
  std::snprintf(label, sizeof label, "fixed %.0f req/s", args.rate);
  print_stats(label, fixed);
  std::printf("%-26s %6s      %7s        p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %7.2f ms\n",
              "  (service time only)", "", "", percentile(fixed.service_ms, 50),
              percentile(fixed.service_ms, 90), percentile(fixed.service_ms, 99),
              percentile(fixed.service_ms, 100));

  // The HTTP floor: the cheapest route, one client, so that the planner's share of /recommend shows.
  {
    const std::vector<std::string> health(1, "/health");
    print_stats("/health, 1 client", closed_loop(host, port, health, 1, 2.0));
  }

  double best = 0;
  int best_clients = 0;
  for (const int c : {1, 2, 4, 8}) {
    const Stats s = closed_loop(host, port, paths, c, std::min(args.seconds, 5.0));
    std::snprintf(label, sizeof label, "/recommend, %d client%s", c, c == 1 ? "" : "s");
    print_stats(label, s);
    const double rps = static_cast<double>(s.latency_ms.size()) / s.elapsed_s;
    if (s.errors == 0 && rps > best) {
      best = rps;
      best_clients = c;
    }
  }
  std::printf("\nmax sustained throughput: %.0f req/s (%d clients)\n", best, best_clients);
  std::printf(
      "target at %.0f req/s: p50 %.2f ms (<= 5), p99 %.2f ms (<= 15): %s\n", args.rate,
      percentile(fixed.latency_ms, 50), percentile(fixed.latency_ms, 99),
      percentile(fixed.latency_ms, 50) <= 5 && percentile(fixed.latency_ms, 99) <= 15 && fixed.errors == 0
          ? "met"
          : "NOT met");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "serve_bench: %s\n", e.what());
  return 1;
}
