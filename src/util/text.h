#pragma once
// Small text helpers shared by the loaders: trimming, splitting, number and date parsing that
// never throws, and the UTF-8 repairs real files need (Latin-1 input, CP1252 mojibake).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mn {

std::string_view trim(std::string_view s);
std::vector<std::string_view> split(std::string_view s, std::string_view delimiter);
std::string to_lower_ascii(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);

std::optional<std::int64_t> parse_int(std::string_view s);
std::optional<double> parse_double(std::string_view s);
// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (UTC) to Unix seconds.
std::optional<std::int64_t> parse_datetime(std::string_view s);
// Unix seconds, or a date as above.
std::optional<std::int64_t> parse_timestamp(std::string_view s);
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

void append_utf8(std::string& out, std::uint32_t code_point);
// Length of the valid UTF-8 sequence at s[i] (and its code point), 0 when there is none.
std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& code_point);
// What CP1252 decodes byte b to: Windows punctuation for 0x80..0x9F (0 for its five undefined
// bytes), Latin-1 otherwise.
std::uint32_t cp1252_to_unicode(unsigned char b);
// The byte CP1252 (or Latin-1, for U+0080..U+009F) encodes a code point as, or -1.
int unicode_to_cp1252(std::uint32_t code_point);
bool is_valid_utf8(std::string_view s);
std::string latin1_to_utf8(std::string_view s);
// Text that was UTF-8, decoded as CP1252 and encoded again ("Ã‰tienne") is turned back
// ("Étienne"). Text that does not round-trip that way is returned unchanged.
std::string repair_mojibake(std::string_view s);

}  // namespace mn
