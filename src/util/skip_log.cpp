#include "util/skip_log.h"

#include "util/error.h"

namespace mn {

void SkipLog::add(std::string_view file, std::size_t line, std::string_view reason) {
  SkippedRows& rows = by_file_[std::string(file)];
  ++rows.count;
  if (rows.examples.size() < kMaxExamples) rows.examples.push_back(located(file, line, reason));
}

void SkipLog::merge(const SkipLog& other) {
  if (&other == this) {
    // Appending a log's examples to themselves would invalidate the iterators; merge a copy.
    const SkipLog copy = other;
    merge(copy);
    return;
  }
  for (const auto& [file, rows] : other.by_file_) {
    SkippedRows& mine = by_file_[file];
    mine.count += rows.count;
    for (const auto& example : rows.examples) {
      if (mine.examples.size() < kMaxExamples) mine.examples.push_back(example);
    }
  }
}

std::size_t SkipLog::total() const {
  std::size_t n = 0;
  for (const auto& [file, rows] : by_file_) n += rows.count;
  return n;
}

}  // namespace mn
