#pragma once
// Where tests find data: ../shared (or $MOVIENIGHT_SHARED) for the real datasets, tests/fixtures
// for small hand-made files, and a fresh temporary folder per test.
#include <filesystem>
#include <string>

namespace mn::test {

std::filesystem::path shared_dir();
std::filesystem::path datasets_dir();  // shared_dir() / "datasets"
std::filesystem::path fixtures_dir();
std::filesystem::path movienight_binary();

// A folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text);

// Runs a shell command, returns its exit status and fills output with stdout+stderr.
int run_command(const std::string& command, std::string& output);

}  // namespace mn::test
