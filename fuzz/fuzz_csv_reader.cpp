// libFuzzer target: CsvReader over arbitrary bytes, in RFC 4180 mode and in unquoted "::" mode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "io/csv_reader.h"
#include "util/text.h"

namespace {

// Reads every record and copies every field, so that a field pointing outside its buffer shows up
// under AddressSanitizer, and checks the invariants callers rely on.
void read_all(const std::string& data, mn::CsvOptions options) {
  mn::CsvReader reader = mn::CsvReader::from_string(data, "fuzz.csv", std::move(options));
  std::size_t last_line = 0;
  for (;;) {
    const mn::CsvReader::Status status = reader.next();
    if (status == mn::CsvReader::Status::kEnd) break;
    // Records start on increasing lines and the reader never reports more than it consumed.
    if (reader.line() <= last_line || reader.size() == 0 || reader.bytes_read() > data.size()) std::abort();
    last_line = reader.line();
    // Fields never hold more bytes than the input (quotes are dropped, delimiters are not kept).
    std::size_t total = 0;
    for (const std::string_view field : reader.fields()) {
      const std::string copy(field);
      total += copy.size();
      // The loaders run these on every field; UBSan watches their conversions.
      (void)mn::parse_int(field);
      (void)mn::parse_double(field);
      (void)mn::parse_timestamp(field);
      if (mn::repair_mojibake(field).size() > field.size()) std::abort();
    }
    if (total > data.size()) std::abort();
    if (status == mn::CsvReader::Status::kUnterminated) {
      if (reader.next() != mn::CsvReader::Status::kEnd) std::abort();
      break;
    }
  }
  if (reader.bytes_read() != data.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  read_all(input, mn::CsvOptions{",", true});
  read_all(input, mn::CsvOptions{"::", false});
  return 0;
}
