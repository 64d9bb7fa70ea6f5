#pragma once
// Progress for long work: a redrawn bar when stderr is a terminal, a plain line every ~10 %
// otherwise (logs and CI stay readable), and a closing summary line. Work done within half a
// second prints nothing; quiet mode prints nothing at all.
#include <chrono>
#include <cstdint>
#include <string>

namespace mn {

class Progress {
 public:
  Progress(std::string label, std::uint64_t total, std::string unit = "");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set(std::uint64_t done);
  void add(std::uint64_t n) { set(done_ + n); }
  // Prints the closing line ("label: total unit in 1.23 s") once.
  void finish();

  static void set_quiet(bool quiet);
  static bool quiet();

 private:
  void draw(bool final_line);

  std::string label_;
  std::uint64_t total_;
  std::string unit_;
  std::uint64_t done_ = 0;
  int last_decile_ = -1;
  bool tty_;
  bool finished_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace mn
