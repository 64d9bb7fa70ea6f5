#include "util/text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mn {
namespace {

TEST(Text, Trim) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \n "), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(Text, Split) {
  EXPECT_EQ(split("a::b::", "::"), (std::vector<std::string_view>{"a", "b", ""}));
  EXPECT_EQ(split("", ","), (std::vector<std::string_view>{""}));
  EXPECT_EQ(split("a|b", ","), (std::vector<std::string_view>{"a|b"}));
}

TEST(Text, LowerAndPrefix) {
  EXPECT_EQ(to_lower_ascii("MovieID-Ä"), "movieid-Ä");
  EXPECT_TRUE(starts_with_ci("UserId,MovieId", "userid"));
  EXPECT_FALSE(starts_with_ci("User", "userid"));
}

TEST(Text, ParseInt) {
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int(" -7 "), -7);
  EXPECT_EQ(parse_int("+5"), 5);
  EXPECT_EQ(parse_int("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_int("-9223372036854775808"), INT64_MIN);
  // pandas writes integer columns with missing values as floats.
  EXPECT_EQ(parse_int("81.0"), 81);
  EXPECT_EQ(parse_int("-3.0"), -3);
  EXPECT_EQ(parse_int("81.5"), std::nullopt);
  EXPECT_EQ(parse_int(""), std::nullopt);
  EXPECT_EQ(parse_int(" "), std::nullopt);
  EXPECT_EQ(parse_int("+"), std::nullopt);
  EXPECT_EQ(parse_int("+-5"), std::nullopt);
  EXPECT_EQ(parse_int("12a"), std::nullopt);
  EXPECT_EQ(parse_int("tt0114709"), std::nullopt);
  // Out of range values are rejected, never wrapped.
  EXPECT_EQ(parse_int("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_int("1e30"), std::nullopt);
  EXPECT_EQ(parse_int("-1e30"), std::nullopt);
  EXPECT_EQ(parse_int("9.3e18"), std::nullopt);
  EXPECT_EQ(parse_int("nan"), std::nullopt);
  EXPECT_EQ(parse_int("inf"), std::nullopt);
}

TEST(Text, ParseDouble) {
  EXPECT_EQ(parse_double("3.5"), 3.5);
  EXPECT_EQ(parse_double(" -0.25\r"), -0.25);
  EXPECT_EQ(parse_double("+4"), 4.0);
  EXPECT_EQ(parse_double("1e3"), 1000.0);
  EXPECT_EQ(parse_double("81"), 81.0);
  EXPECT_EQ(parse_double(""), std::nullopt);
  EXPECT_EQ(parse_double("abc"), std::nullopt);
  EXPECT_EQ(parse_double("1.5x"), std::nullopt);
  EXPECT_EQ(parse_double("+-1"), std::nullopt);
  EXPECT_EQ(parse_double("1,5"), std::nullopt);
}

TEST(Text, DaysFromCivil) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

TEST(Text, ParseDatetime) {
  EXPECT_EQ(parse_datetime("2015-03-31 06:40:02"), 1427784002);
  EXPECT_EQ(parse_datetime("2015-03-31T06:40:02"), 1427784002);
  EXPECT_EQ(parse_datetime("1997-08-20"), 872035200);
  EXPECT_EQ(parse_datetime("1970-01-01"), 0);
  EXPECT_EQ(parse_datetime("2000-02-29"), 951782400);
  EXPECT_EQ(parse_datetime("1969-12-31 23:59:59"), -1);
  EXPECT_EQ(parse_datetime(""), std::nullopt);
  EXPECT_EQ(parse_datetime("1997-8-20"), std::nullopt);
  EXPECT_EQ(parse_datetime("1997-13-01"), std::nullopt);
  EXPECT_EQ(parse_datetime("1997-00-10"), std::nullopt);
  EXPECT_EQ(parse_datetime("1997-04-31"), std::nullopt);
  EXPECT_EQ(parse_datetime("1999-02-29"), std::nullopt);
  EXPECT_EQ(parse_datetime("1900-02-29"), std::nullopt);
  EXPECT_EQ(parse_datetime("2015-03-31 24:00:00"), std::nullopt);
  EXPECT_EQ(parse_datetime("2015-03-31 06:40"), std::nullopt);
  EXPECT_EQ(parse_datetime("2015-03-31x06:40:02"), std::nullopt);
  EXPECT_EQ(parse_datetime("abcd-ef-gh"), std::nullopt);
}

TEST(Text, ParseTimestamp) {
  EXPECT_EQ(parse_timestamp("964982703"), 964982703);
  EXPECT_EQ(parse_timestamp(" 874965758\r"), 874965758);
  EXPECT_EQ(parse_timestamp("2015-03-31 06:40:02"), 1427784002);
  EXPECT_EQ(parse_timestamp("1997-08-20"), 872035200);
  EXPECT_EQ(parse_timestamp("-86400"), -86400);
  EXPECT_EQ(parse_timestamp(""), std::nullopt);
  EXPECT_EQ(parse_timestamp("12x"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2015-02-30"), std::nullopt);
}

TEST(Text, AppendUtf8) {
  std::string s;
  append_utf8(s, 'A');
  append_utf8(s, 0xE9);
  append_utf8(s, 0x20AC);
  append_utf8(s, 0x1F600);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  s.clear();
  append_utf8(s, 0xD800);    // lone surrogate
  append_utf8(s, 0x110000);  // past Unicode
  EXPECT_EQ(s, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Text, IsValidUtf8) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9tienne \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE9tienne"));        // Latin-1
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Text, Latin1ToUtf8) {
  EXPECT_EQ(latin1_to_utf8("Am\xE9lie"), "Am\xC3\xA9lie");
  EXPECT_EQ(latin1_to_utf8("\xFF\x80 x"), "\xC3\xBF\xC2\x80 x");
  EXPECT_EQ(latin1_to_utf8("ascii"), "ascii");
  EXPECT_EQ(latin1_to_utf8(""), "");
}

TEST(Text, RepairMojibake) {
  EXPECT_EQ(repair_mojibake("Ã‰tienne Chatiliez"), "Étienne Chatiliez");
  EXPECT_EQ(repair_mojibake("MiloÅ¡ Forman"), "Miloš Forman");
  EXPECT_EQ(repair_mojibake("AmÃ©lie"), "Amélie");
  EXPECT_EQ(repair_mojibake("â‚¬"), "€");
  // Undefined CP1252 bytes decoded as C1 controls (U+0081) still round-trip.
  EXPECT_EQ(repair_mojibake("\xC3\x83\xC2\x81"), "\xC3\x81");  // "Ã" + U+0081 -> "Á"
}

TEST(Text, RepairMojibakeLeavesGoodTextAlone) {
  EXPECT_EQ(repair_mojibake("Toy Story (1995)"), "Toy Story (1995)");
  EXPECT_EQ(repair_mojibake(""), "");
  EXPECT_EQ(repair_mojibake("Étienne"), "Étienne");
  EXPECT_EQ(repair_mojibake("Miloš Forman"), "Miloš Forman");
  EXPECT_EQ(repair_mojibake("東京物語"), "東京物語");
  EXPECT_EQ(repair_mojibake("Café Ã©"), "Café Ã©");      // é alone is not a UTF-8 lead byte pair
  EXPECT_EQ(repair_mojibake("\xE9t\xE9"), "\xE9t\xE9");  // not UTF-8 at all: untouched
}

}  // namespace
}  // namespace mn
