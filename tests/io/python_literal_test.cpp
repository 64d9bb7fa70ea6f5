#include "io/python_literal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mn {
namespace {

using Strings = std::vector<std::string>;

PyValue parse_ok(std::string_view text) {
  PyParseResult r = parse_python_literal(text);
  EXPECT_TRUE(r.ok) << text << ": " << r.error << " at column " << r.error_column;
  return r.value;
}

TEST(PythonLiteral, TmdbKeywordList) {
  const PyValue v = parse_ok("[{'id': 931, 'name': 'jealousy'}, {'id': 4290, 'name': 'toy'}]");
  ASSERT_EQ(v.type, PyValue::Type::kList);
  ASSERT_EQ(v.items.size(), 2u);
  const PyValue& first = v.items[0];
  ASSERT_EQ(first.type, PyValue::Type::kDict);
  ASSERT_EQ(first.entries.size(), 2u);
  EXPECT_EQ(first.entries[0].first.text, "id");
  ASSERT_NE(first.get("id"), nullptr);
  EXPECT_EQ(first.get("id")->type, PyValue::Type::kInt);
  EXPECT_EQ(first.get("id")->integer, 931);
  ASSERT_NE(first.get("name"), nullptr);
  EXPECT_EQ(first.get("name")->text, "jealousy");
  EXPECT_EQ(first.get("missing"), nullptr);
  EXPECT_EQ(v.items[1].get("id")->integer, 4290);

  Strings names;
  std::string error;
  ASSERT_TRUE(python_list_strings("[{'id': 931, 'name': 'jealousy'}, {'id': 4290, 'name': 'toy'}]", "name",
                                  names, &error))
      << error;
  EXPECT_EQ(names, (Strings{"jealousy", "toy"}));
}

TEST(PythonLiteral, DoubleQuotedStringWithApostrophe) {
  Strings out;
  ASSERT_TRUE(python_list_strings("[\"based on children's book\"]", "name", out));
  EXPECT_EQ(out, (Strings{"based on children's book"}));
}

TEST(PythonLiteral, ListOfStringsMixedQuotes) {
  Strings out;
  ASSERT_TRUE(python_list_strings("['winter', \"christmas\", 'a \"b\"']", "", out));
  EXPECT_EQ(out, (Strings{"winter", "christmas", "a \"b\""}));
}

TEST(PythonLiteral, ListStringsSkipsEntriesWithoutKey) {
  Strings out;
  ASSERT_TRUE(python_list_strings("[{'id': 1}, {'name': 2}, {'name': 'x'}, 5, None]", "name", out));
  EXPECT_EQ(out, (Strings{"x"}));
}

TEST(PythonLiteral, ListStringsEmptyInputs) {
  Strings out = {"stale"};
  ASSERT_TRUE(python_list_strings("", "name", out));
  EXPECT_TRUE(out.empty());
  out = {"stale"};
  ASSERT_TRUE(python_list_strings("  ", "name", out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(python_list_strings("[]", "name", out));
  EXPECT_TRUE(out.empty());
}

TEST(PythonLiteral, ListStringsRejectsNonLists) {
  Strings out = {"stale"};
  std::string error;
  EXPECT_FALSE(python_list_strings("{'name': 'x'}", "name", out, &error));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(error, "expected a list");
  EXPECT_FALSE(python_list_strings("[1, 2", "name", out, &error));
  EXPECT_EQ(error, "unterminated list at column 6");
  EXPECT_TRUE(out.empty());
}

TEST(PythonLiteral, EscapedQuotes) {
  EXPECT_EQ(parse_ok(R"('\'s')").text, "'s");
  EXPECT_EQ(parse_ok(R"("say \"hi\"")").text, "say \"hi\"");
  EXPECT_EQ(parse_ok(R"('a\\b')").text, "a\\b");
  EXPECT_EQ(parse_ok(R"('tab\there\nnew')").text, "tab\there\nnew");
  // Unknown escapes stay as written, as in Python.
  EXPECT_EQ(parse_ok(R"('\d+')").text, "\\d+");
}

TEST(PythonLiteral, UnicodeEscapesBecomeUtf8) {
  EXPECT_EQ(parse_ok(R"('Am\xe9lie')").text, "Am\xC3\xA9lie");
  EXPECT_EQ(parse_ok(R"('Am\u00e9lie')").text, "Am\xC3\xA9lie");
  EXPECT_EQ(parse_ok(R"('\u20AC')").text, "\xE2\x82\xAC");
  EXPECT_EQ(parse_ok(R"('\U0001F600')").text, "\xF0\x9F\x98\x80");
  EXPECT_EQ(parse_ok(R"('\101\0')").text, std::string("A\0", 2));
  // Raw UTF-8 passes through untouched.
  EXPECT_EQ(parse_ok("'Am\xC3\xA9lie'").text, "Am\xC3\xA9lie");
}

TEST(PythonLiteral, BadEscapes) {
  PyParseResult r = parse_python_literal(R"('\xZZ')");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "bad hex digit in escape");
  r = parse_python_literal(R"('\u12')");
  EXPECT_FALSE(r.ok);
  r = parse_python_literal(R"('\U00110000')");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "escape out of Unicode range");
}

TEST(PythonLiteral, NestedListsAndDicts) {
  const PyValue v = parse_ok("{'a': [1, [2, {'b': (3, 4)}]], 'c': {}}");
  ASSERT_EQ(v.type, PyValue::Type::kDict);
  const PyValue* a = v.get("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items.size(), 2u);
  EXPECT_EQ(a->items[0].integer, 1);
  const PyValue& inner = a->items[1];
  ASSERT_EQ(inner.items.size(), 2u);
  const PyValue* b = inner.items[1].get("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->type, PyValue::Type::kList);
  ASSERT_EQ(b->items.size(), 2u);
  EXPECT_EQ(b->items[1].integer, 4);
  const PyValue* c = v.get("c");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->type, PyValue::Type::kDict);
  EXPECT_TRUE(c->entries.empty());
}

TEST(PythonLiteral, Constants) {
  const PyValue v = parse_ok("[True, False, None]");
  ASSERT_EQ(v.items.size(), 3u);
  EXPECT_EQ(v.items[0].type, PyValue::Type::kBool);
  EXPECT_TRUE(v.items[0].boolean);
  EXPECT_EQ(v.items[1].type, PyValue::Type::kBool);
  EXPECT_FALSE(v.items[1].boolean);
  EXPECT_EQ(v.items[2].type, PyValue::Type::kNone);
  // Names that only start like a constant are not constants.
  EXPECT_FALSE(parse_python_literal("Truex").ok);
  EXPECT_FALSE(parse_python_literal("None_").ok);
  EXPECT_FALSE(parse_python_literal("true").ok);
}

TEST(PythonLiteral, Numbers) {
  PyValue v = parse_ok("[0, -17, +5, 9223372036854775807, 81.0, -1e-5, 2.5E3, .5]");
  ASSERT_EQ(v.items.size(), 8u);
  EXPECT_EQ(v.items[0].type, PyValue::Type::kInt);
  EXPECT_EQ(v.items[0].integer, 0);
  EXPECT_EQ(v.items[1].integer, -17);
  EXPECT_EQ(v.items[2].integer, 5);
  EXPECT_EQ(v.items[3].integer, INT64_MAX);
  EXPECT_EQ(v.items[4].type, PyValue::Type::kFloat);
  EXPECT_EQ(v.items[4].real, 81.0);
  EXPECT_EQ(v.items[5].type, PyValue::Type::kFloat);
  EXPECT_DOUBLE_EQ(v.items[5].real, -1e-5);
  EXPECT_EQ(v.items[6].real, 2500.0);
  EXPECT_EQ(v.items[7].real, 0.5);
}

TEST(PythonLiteral, TuplesAndParentheses) {
  PyValue v = parse_ok("(1, 'a')");
  EXPECT_EQ(v.type, PyValue::Type::kList);
  ASSERT_EQ(v.items.size(), 2u);
  EXPECT_EQ(v.items[1].text, "a");
  v = parse_ok("()");
  EXPECT_EQ(v.type, PyValue::Type::kList);
  EXPECT_TRUE(v.items.empty());
  v = parse_ok("(1,)");
  EXPECT_EQ(v.type, PyValue::Type::kList);
  EXPECT_EQ(v.items.size(), 1u);
  // Parentheses without a comma only group, as in Python: (7) is 7.
  v = parse_ok("(7)");
  EXPECT_EQ(v.type, PyValue::Type::kInt);
  EXPECT_EQ(v.integer, 7);
  v = parse_ok("(['x'])");
  EXPECT_EQ(v.type, PyValue::Type::kList);
  ASSERT_EQ(v.items.size(), 1u);
  EXPECT_EQ(v.items[0].text, "x");
}

TEST(PythonLiteral, TrailingCommasAndWhitespace) {
  PyValue v = parse_ok(" [ 1 , 2 , ] ");
  EXPECT_EQ(v.items.size(), 2u);
  v = parse_ok("{'a': 1,}");
  EXPECT_EQ(v.entries.size(), 1u);
  v = parse_ok("[\n  'a',\n\t'b'\r\n]");
  EXPECT_EQ(v.items.size(), 2u);
}

TEST(PythonLiteral, EmptyContainers) {
  PyValue v = parse_ok("[]");
  EXPECT_EQ(v.type, PyValue::Type::kList);
  EXPECT_TRUE(v.items.empty());
  v = parse_ok("[ ]");
  EXPECT_TRUE(v.items.empty());
  v = parse_ok("{}");
  EXPECT_EQ(v.type, PyValue::Type::kDict);
}

TEST(PythonLiteral, StringConcatenationAndTripleQuotes) {
  EXPECT_EQ(parse_ok("'a' \"b\" 'c'").text, "abc");
  EXPECT_EQ(parse_ok("'''it's\nok'''").text, "it's\nok");
  EXPECT_EQ(parse_ok("''").text, "");
}

struct BadInput {
  const char* text;
  std::size_t column;
  const char* error;
};

TEST(PythonLiteral, ErrorsReportColumns) {
  const BadInput cases[] = {
      {"", 1, "unexpected end of text"},
      {"[1, 2", 6, "unterminated list"},
      {"[1 2]", 4, "expected ',' or closing bracket"},
      {"[1,,2]", 4, "expected a value"},
      {"{'a' 1}", 6, "expected ':' in dict"},
      {"{'a': 1 'b': 2}", 9, "expected ',' or '}' in dict"},
      {"['abc", 6, "unterminated string"},
      {"['a\nb']", 4, "line break inside a string"},
      {"[1] x", 5, "unexpected text after the value"},
      {"[abc]", 2, "expected a value"},
      {"[1.2.3]", 2, "bad number"},
      {"{'a': 1", 8, "unterminated dict"},
      {"[1)", 3, "expected ',' or closing bracket"},
  };
  for (const BadInput& c : cases) {
    const PyParseResult r = parse_python_literal(c.text);
    EXPECT_FALSE(r.ok) << c.text;
    EXPECT_EQ(r.error_column, c.column) << c.text;
    EXPECT_EQ(r.error, c.error) << c.text;
  }
}

TEST(PythonLiteral, DepthLimit) {
  const std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_TRUE(parse_python_literal(ok).ok);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const PyParseResult r = parse_python_literal(deep);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "nesting too deep");
  const std::string deep_dict = [] {
    std::string s;
    for (int i = 0; i < 5000; ++i) s += "{'k': ";
    return s + "1" + std::string(5000, '}');
  }();
  EXPECT_FALSE(parse_python_literal(deep_dict).ok);
}

}  // namespace
}  // namespace mn
