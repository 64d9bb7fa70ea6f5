#pragma once
// Rows a loader skipped because the format is known to have them malformed. Every skip is counted
// per file and the first few are kept verbatim, so nothing disappears without a trace.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mn {

struct SkippedRows {
  std::size_t count = 0;
  std::vector<std::string> examples;  // "file:line: reason", at most kMaxExamples
};

class SkipLog {
 public:
  static constexpr std::size_t kMaxExamples = 5;

  void add(std::string_view file, std::size_t line, std::string_view reason);
  void merge(const SkipLog& other);
  std::size_t total() const;
  const std::map<std::string, SkippedRows>& by_file() const { return by_file_; }
  std::map<std::string, SkippedRows>& by_file() { return by_file_; }

 private:
  std::map<std::string, SkippedRows> by_file_;
};

}  // namespace mn
