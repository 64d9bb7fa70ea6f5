#include "util/error.h"

#include <cerrno>
#include <cstring>

namespace mn {

std::string located(std::string_view file, std::size_t line, std::string_view reason) {
  std::string out(file);
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  }
  out += ": ";
  out += reason;
  return out;
}

void throw_input_error(std::string_view file, std::size_t line, std::string_view reason) {
  throw Error(ErrorKind::kInvalidInput, located(file, line, reason));
}

void throw_io_error(std::string_view file, std::string_view what) {
  const int saved = errno;
  std::string reason(what);
  if (saved != 0) {
    reason += ": ";
    reason += std::strerror(saved);
  }
  throw Error(ErrorKind::kIo, located(file, 0, reason));
}

}  // namespace mn
