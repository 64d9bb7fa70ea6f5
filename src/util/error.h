#pragma once
// Errors that end an operation. User mistakes (bad input, missing files) and broken invariants are
// told apart so that the command line can pick the exit code and the wording.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mn {

enum class ErrorKind {
  kInvalidInput,  // a file or argument the user gave is wrong: exit 2
  kNotFound,      // a file, title or id that does not exist: exit 2
  kIo,            // the operating system refused: exit 2
  kInternal,      // a bug in movienight: exit 70
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// "FILE:LINE: reason" (line 0 leaves the line out).
std::string located(std::string_view file, std::size_t line, std::string_view reason);

[[noreturn]] void throw_input_error(std::string_view file, std::size_t line, std::string_view reason);
[[noreturn]] void throw_io_error(std::string_view file, std::string_view what);

}  // namespace mn
