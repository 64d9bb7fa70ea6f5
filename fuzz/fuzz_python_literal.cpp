// libFuzzer target: the Python literal parser and python_list_strings over arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "io/python_literal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const mn::PyParseResult parsed = mn::parse_python_literal(text);
  // An error always points into the text or just past its end.
  if (!parsed.ok && (parsed.error_column == 0 || parsed.error_column > size + 1 || parsed.error.empty())) {
    std::abort();
  }
  std::vector<std::string> out;
  std::string error;
  const bool ok = mn::python_list_strings(text, "name", out, &error);
  if (!ok && !out.empty()) std::abort();
  return 0;
}
