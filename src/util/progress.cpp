#include "util/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace mn {
namespace {
std::atomic<bool> g_quiet{false};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }
bool Progress::quiet() { return g_quiet; }

void Progress::set(std::uint64_t done) {
  done_ = done;
  if (g_quiet || finished_) return;
  // Work that ends within half a second needs no progress report.
  if (!drawn_ && seconds_since(start_) < 0.5) return;
  drawn_ = true;
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(false);
    return;
  }
  const int decile = total_ == 0 ? 10 : static_cast<int>(10 * done_ / total_);
  if (decile != last_decile_ && decile < 10) {
    last_decile_ = decile;
    draw(false);
  }
}

void Progress::draw(bool final_line) {
  const double secs = seconds_since(start_);
  const double frac = total_ == 0 ? 1.0 : static_cast<double>(done_) / static_cast<double>(total_);
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %.1fs%s", label_.c_str(), bar.c_str(), 100 * frac, secs,
                 final_line ? "\n" : "");
  } else if (final_line) {
    std::fprintf(stderr, "%s: %llu %s in %.2f s\n", label_.c_str(), static_cast<unsigned long long>(done_),
                 unit_.c_str(), secs);
  } else {
    std::fprintf(stderr, "%s: %3.0f%% (%.1f s)\n", label_.c_str(), 100 * frac, secs);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (g_quiet || (!drawn_ && seconds_since(start_) < 0.5)) return;
  if (tty_) {
    draw(true);
    std::fprintf(stderr, "%s: %llu %s in %.2f s\n", label_.c_str(), static_cast<unsigned long long>(done_),
                 unit_.c_str(), seconds_since(start_));
  } else {
    draw(true);
  }
}

}  // namespace mn
