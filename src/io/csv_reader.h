#pragma once
// A streaming RFC 4180 reader: quoted fields with delimiters, doubled quotes and line breaks;
// CRLF, LF or CR line ends (mixed within a file too); a UTF-8 byte-order mark is skipped. It reads
// a file in blocks, so memory stays small whatever the file size. Blank lines are skipped.
//
// Unquoted mode (quoting = false) splits plain lines on a delimiter of any length, for the
// MovieLens .dat ("::") and ml-100k ("\t", "|") files, which never quote.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mn {

struct CsvOptions {
  std::string delimiter = ",";
  bool quoting = true;
};

class CsvReader {
 public:
  enum class Status {
    kRecord,        // fields() holds the next record
    kEnd,           // no more input
    kUnterminated,  // the input ended inside a quoted field; fields() holds what was read
  };

  static CsvReader open(const std::filesystem::path& path, CsvOptions options = {});
  static CsvReader from_string(std::string data, std::string name, CsvOptions options = {});

  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  ~CsvReader();

  Status next();
  // next(), but an unterminated quoted field is an error naming the file and line.
  bool next_or_throw();

  const std::vector<std::string_view>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  std::string_view operator[](std::size_t i) const { return fields_[i]; }
  // Physical line (1-based) where the current record starts.
  std::size_t line() const { return record_line_; }
  const std::string& name() const { return name_; }
  // Bytes consumed so far (for progress).
  std::size_t bytes_read() const { return bytes_consumed_; }

 private:
  CsvReader(std::string name, CsvOptions options);
  enum class Parse { kComplete, kNeedMore, kUnterminated };
  Parse parse_quoted(std::size_t start, std::size_t& next_pos, std::size_t& newlines);
  Parse parse_plain(std::size_t start, std::size_t& next_pos, std::size_t& newlines);
  bool refill();

  struct Span {
    bool in_scratch;
    std::size_t offset;
    std::size_t length;
  };

  std::string name_;
  CsvOptions options_;
  int fd_ = -1;
  bool eof_ = false;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::size_t line_ = 1;
  std::size_t record_line_ = 0;
  std::size_t bytes_consumed_ = 0;
  std::string scratch_;
  std::vector<Span> spans_;
  std::vector<std::string_view> fields_;
};

}  // namespace mn
