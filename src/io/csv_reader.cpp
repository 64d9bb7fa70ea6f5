#include "io/csv_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "util/error.h"

namespace mn {
namespace {
constexpr std::size_t kBlock = 1 << 20;

// Line breaks in b[from, to): LF, CRLF and a lone CR each end one physical line. A CR at to - 1 is
// counted as lone; callers only pass ranges that end before a quote or at the end of input.
std::size_t count_line_breaks(const char* b, std::size_t from, std::size_t to) {
  std::size_t n = 0;
  for (std::size_t i = from; i < to; ++i) {
    if (b[i] == '\n') {
      ++n;
    } else if (b[i] == '\r' && (i + 1 == to || b[i + 1] != '\n')) {
      ++n;
    }
  }
  return n;
}

bool starts_with_bom(const std::string& buf, std::size_t end) {
  return end >= 3 && std::memcmp(buf.data(), "\xEF\xBB\xBF", 3) == 0;
}
}  // namespace

CsvReader::CsvReader(std::string name, CsvOptions options)
    : name_(std::move(name)), options_(std::move(options)) {
  if (options_.delimiter.empty()) throw Error(ErrorKind::kInternal, "csv: empty delimiter");
  if (options_.quoting && options_.delimiter.size() != 1) {
    throw Error(ErrorKind::kInternal, "csv: quoting needs a one-character delimiter");
  }
}

CsvReader::CsvReader(CsvReader&& other) noexcept { *this = std::move(other); }

CsvReader& CsvReader::operator=(CsvReader&& other) noexcept {
  if (this == &other) return *this;
  if (fd_ >= 0) ::close(fd_);
  name_ = std::move(other.name_);
  options_ = std::move(other.options_);
  fd_ = std::exchange(other.fd_, -1);
  eof_ = other.eof_;
  buf_ = std::move(other.buf_);
  pos_ = other.pos_;
  end_ = other.end_;
  line_ = other.line_;
  record_line_ = other.record_line_;
  bytes_consumed_ = other.bytes_consumed_;
  scratch_ = std::move(other.scratch_);
  spans_ = std::move(other.spans_);
  // fields_ would point into the other reader's buffers; the moved-from reader is left empty.
  fields_.clear();
  other.fields_.clear();
  other.pos_ = 0;
  other.end_ = 0;
  other.eof_ = true;
  return *this;
}

CsvReader::~CsvReader() {
  if (fd_ >= 0) ::close(fd_);
}

CsvReader CsvReader::open(const std::filesystem::path& path, CsvOptions options) {
  CsvReader reader(path.string(), std::move(options));
  errno = 0;
  reader.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (reader.fd_ < 0) throw_io_error(path.string(), "cannot open");
  reader.refill();
  if (starts_with_bom(reader.buf_, reader.end_)) reader.pos_ = reader.bytes_consumed_ = 3;
  return reader;
}

CsvReader CsvReader::from_string(std::string data, std::string name, CsvOptions options) {
  CsvReader reader(std::move(name), std::move(options));
  reader.buf_ = std::move(data);
  reader.end_ = reader.buf_.size();
  reader.eof_ = true;
  if (starts_with_bom(reader.buf_, reader.end_)) reader.pos_ = reader.bytes_consumed_ = 3;
  return reader;
}

// Moves the unread tail to the front and appends another block. False once the file is exhausted.
bool CsvReader::refill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < end_ + kBlock) buf_.resize(std::max(buf_.size() * 2, end_ + kBlock));
  for (;;) {
    const ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io_error(name_, "read failed");
    }
    if (n == 0) {
      eof_ = true;
      ::close(fd_);
      fd_ = -1;
      return false;
    }
    end_ += static_cast<std::size_t>(n);
    return true;
  }
}

CsvReader::Parse CsvReader::parse_plain(std::size_t start, std::size_t& next_pos, std::size_t& newlines) {
  const char* b = buf_.data();
  const std::string& delim = options_.delimiter;
  std::size_t field_start = start;
  std::size_t p = start;
  while (p < end_) {
    const char c = b[p];
    if (c == '\n' || c == '\r') {
      std::size_t line_end = p;
      if (c == '\r') {
        if (p + 1 == end_ && !eof_) return Parse::kNeedMore;
        if (p + 1 < end_ && b[p + 1] == '\n') ++p;
      }
      spans_.push_back({false, field_start, line_end - field_start});
      next_pos = p + 1;
      newlines = 1;
      return Parse::kComplete;
    }
    if (c == delim[0] && end_ - p >= delim.size() && std::memcmp(b + p, delim.data(), delim.size()) == 0) {
      spans_.push_back({false, field_start, p - field_start});
      p += delim.size();
      field_start = p;
      continue;
    }
    ++p;
  }
  if (!eof_) return Parse::kNeedMore;
  spans_.push_back({false, field_start, end_ - field_start});
  next_pos = end_;
  newlines = 0;
  return Parse::kComplete;
}

CsvReader::Parse CsvReader::parse_quoted(std::size_t start, std::size_t& next_pos, std::size_t& newlines) {
  const char* b = buf_.data();
  const char delim = options_.delimiter[0];
  std::size_t p = start;
  newlines = 0;
  for (;;) {
    // One field starts at p.
    if (p < end_ && b[p] == '"') {
      const std::size_t offset = scratch_.size();
      ++p;
      for (;;) {
        const void* hit = std::memchr(b + p, '"', end_ - p);
        if (hit == nullptr) {
          if (!eof_) return Parse::kNeedMore;
          newlines += count_line_breaks(b, p, end_);
          scratch_.append(b + p, end_ - p);
          spans_.push_back({true, offset, scratch_.size() - offset});
          next_pos = end_;
          return Parse::kUnterminated;
        }
        const std::size_t q = static_cast<std::size_t>(static_cast<const char*>(hit) - b);
        newlines += count_line_breaks(b, p, q);
        scratch_.append(b + p, q - p);
        if (q + 1 == end_ && !eof_) return Parse::kNeedMore;
        if (q + 1 < end_ && b[q + 1] == '"') {
          scratch_.push_back('"');
          p = q + 2;
          continue;
        }
        p = q + 1;
        break;
      }
      // Lenient: text between a closing quote and the delimiter is kept, as Python's csv does.
      while (p < end_ && b[p] != delim && b[p] != '\n' && b[p] != '\r') scratch_.push_back(b[p++]);
      spans_.push_back({true, offset, scratch_.size() - offset});
    } else {
      const std::size_t field_start = p;
      while (p < end_ && b[p] != delim && b[p] != '\n' && b[p] != '\r') ++p;
      spans_.push_back({false, field_start, p - field_start});
    }
    if (p == end_) {
      if (!eof_) return Parse::kNeedMore;
      next_pos = end_;
      return Parse::kComplete;
    }
    const char c = b[p];
    if (c == delim) {
      ++p;
      continue;
    }
    if (c == '\r') {
      if (p + 1 == end_ && !eof_) return Parse::kNeedMore;
      if (p + 1 < end_ && b[p + 1] == '\n') ++p;
    }
    next_pos = p + 1;
    ++newlines;
    return Parse::kComplete;
  }
}

CsvReader::Status CsvReader::next() {
  for (;;) {
    if (pos_ == end_ && !refill()) return Status::kEnd;
    // Skip blank lines.
    const char c = buf_[pos_];
    if (c == '\n' || c == '\r') {
      if (c == '\r' && pos_ + 1 == end_ && !eof_) {
        refill();
        continue;
      }
      if (c == '\r' && pos_ + 1 < end_ && buf_[pos_ + 1] == '\n') {
        ++pos_;
        ++bytes_consumed_;
      }
      ++pos_;
      ++bytes_consumed_;
      ++line_;
      continue;
    }
    scratch_.clear();
    spans_.clear();
    std::size_t next_pos = 0;
    std::size_t newlines = 0;
    const Parse result =
        options_.quoting ? parse_quoted(pos_, next_pos, newlines) : parse_plain(pos_, next_pos, newlines);
    if (result == Parse::kNeedMore) {
      refill();
      continue;
    }
    record_line_ = line_;
    line_ += newlines;
    bytes_consumed_ += next_pos - pos_;
    pos_ = next_pos;
    fields_.clear();
    for (const Span& s : spans_) {
      const char* base = s.in_scratch ? scratch_.data() : buf_.data();
      fields_.emplace_back(base + s.offset, s.length);
    }
    return result == Parse::kUnterminated ? Status::kUnterminated : Status::kRecord;
  }
}

bool CsvReader::next_or_throw() {
  const Status status = next();
  if (status == Status::kUnterminated) {
    throw_input_error(name_, record_line_, "unterminated quoted field at end of file");
  }
  return status == Status::kRecord;
}

}  // namespace mn
