#include "io/python_literal.h"

#include <cctype>
#include <charconv>
#include <cstring>

#include "util/text.h"

namespace mn {
namespace {

constexpr int kMaxDepth = 200;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  PyParseResult run() {
    PyParseResult result;
    skip_space();
    if (!value(result.value, 0)) return fail(result);
    skip_space();
    if (p_ != s_.size()) {
      error_ = "unexpected text after the value";
      return fail(result);
    }
    result.ok = true;
    return result;
  }

 private:
  PyParseResult& fail(PyParseResult& result) {
    result.ok = false;
    result.error = error_.empty() ? "invalid literal" : error_;
    result.error_column = p_ + 1;
    return result;
  }

  void skip_space() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }

  bool expect_word(std::string_view word) {
    if (s_.substr(p_, word.size()) != word) return false;
    const std::size_t after = p_ + word.size();
    if (after < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[after])) || s_[after] == '_')) {
      return false;
    }
    p_ = after;
    return true;
  }

  bool value(PyValue& out, int depth) {
    if (depth > kMaxDepth) {
      error_ = "nesting too deep";
      return false;
    }
    if (p_ >= s_.size()) {
      error_ = "unexpected end of text";
      return false;
    }
    const char c = s_[p_];
    if (c == '[' || c == '(') return sequence(out, c == '[' ? ']' : ')', depth);
    if (c == '{') return dict(out, depth);
    if (c == '\'' || c == '"') {
      out.type = PyValue::Type::kString;
      if (!string(out.text)) return false;
      // Adjacent literals concatenate, as in Python ('a' 'b' == 'ab').
      for (;;) {
        const std::size_t save = p_;
        skip_space();
        if (p_ < s_.size() && (s_[p_] == '\'' || s_[p_] == '"')) {
          std::string more;
          if (!string(more)) return false;
          out.text += more;
        } else {
          p_ = save;
          return true;
        }
      }
    }
    if (expect_word("None")) {
      out.type = PyValue::Type::kNone;
      return true;
    }
    if (expect_word("True") || expect_word("False")) {
      out.type = PyValue::Type::kBool;
      out.boolean = s_[p_ - 1] == 'e' && s_[p_ - 2] == 'u';
      return true;
    }
    return number(out);
  }

  bool sequence(PyValue& out, char close, int depth) {
    out.type = PyValue::Type::kList;
    ++p_;
    skip_space();
    if (p_ < s_.size() && s_[p_] == close) {
      ++p_;
      return true;
    }
    bool comma = false;
    for (;;) {
      skip_space();
      if (p_ < s_.size() && s_[p_] == close) {  // trailing comma
        ++p_;
        return true;
      }
      PyValue item;
      if (!value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
      skip_space();
      if (p_ >= s_.size()) {
        error_ = "unterminated list";
        return false;
      }
      if (s_[p_] == ',') {
        ++p_;
        comma = true;
        continue;
      }
      if (s_[p_] == close) {
        ++p_;
        // Parentheses without a comma only group, as in Python: (7) is 7, not a tuple.
        if (close == ')' && !comma) {
          PyValue inner = std::move(out.items.front());
          out = std::move(inner);
        }
        return true;
      }
      error_ = "expected ',' or closing bracket";
      return false;
    }
  }

  bool dict(PyValue& out, int depth) {
    out.type = PyValue::Type::kDict;
    ++p_;
    for (;;) {
      skip_space();
      if (p_ >= s_.size()) {
        error_ = "unterminated dict";
        return false;
      }
      if (s_[p_] == '}') {
        ++p_;
        return true;
      }
      PyValue key;
      PyValue val;
      if (!value(key, depth + 1)) return false;
      skip_space();
      if (p_ >= s_.size() || s_[p_] != ':') {
        error_ = "expected ':' in dict";
        return false;
      }
      ++p_;
      skip_space();
      if (!value(val, depth + 1)) return false;
      out.entries.emplace_back(std::move(key), std::move(val));
      skip_space();
      if (p_ >= s_.size()) {
        error_ = "unterminated dict";
        return false;
      }
      if (s_[p_] == ',') {
        ++p_;
        continue;
      }
      if (s_[p_] == '}') {
        ++p_;
        return true;
      }
      error_ = "expected ',' or '}' in dict";
      return false;
    }
  }

  bool hex_digits(std::size_t count, std::uint32_t& code) {
    if (p_ + count > s_.size()) {
      error_ = "truncated escape";
      return false;
    }
    code = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char h = s_[p_ + i];
      code <<= 4;
      if (h >= '0' && h <= '9') {
        code |= static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        code |= static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        code |= static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        error_ = "bad hex digit in escape";
        return false;
      }
    }
    p_ += count;
    return true;
  }

  bool string(std::string& out) {
    const char quote = s_[p_];
    // Triple-quoted strings are legal Python too.
    const bool triple = s_.substr(p_, 3) == std::string(3, quote);
    p_ += triple ? 3 : 1;
    for (;;) {
      if (p_ >= s_.size()) {
        error_ = "unterminated string";
        return false;
      }
      const char c = s_[p_];
      if (c == quote) {
        if (!triple) {
          ++p_;
          return true;
        }
        if (s_.substr(p_, 3) == std::string(3, quote)) {
          p_ += 3;
          return true;
        }
        out.push_back(c);
        ++p_;
        continue;
      }
      if ((c == '\n' || c == '\r') && !triple) {
        error_ = "line break inside a string";
        return false;
      }
      if (c != '\\') {
        out.push_back(c);
        ++p_;
        continue;
      }
      ++p_;
      if (p_ >= s_.size()) {
        error_ = "unterminated string";
        return false;
      }
      const char e = s_[p_++];
      std::uint32_t code = 0;
      switch (e) {
        // clang-format off
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case '\n': break;  // line continuation
        // clang-format on
        case 'x':
          if (!hex_digits(2, code)) return false;
          append_utf8(out, code);
          break;
        case 'u':
          if (!hex_digits(4, code)) return false;
          append_utf8(out, code);
          break;
        case 'U':
          if (!hex_digits(8, code)) return false;
          if (code > 0x10FFFF) {
            error_ = "escape out of Unicode range";
            return false;
          }
          append_utf8(out, code);
          break;
        // clang-format off
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          // clang-format on
          code = static_cast<std::uint32_t>(e - '0');
          for (int i = 0; i < 2 && p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '7'; ++i) {
            code = code * 8 + static_cast<std::uint32_t>(s_[p_++] - '0');
          }
          append_utf8(out, code);
          break;
        }
        default:  // unknown escapes stay as written, as in Python
          out.push_back('\\');
          out.push_back(e);
      }
    }
  }

  bool number(PyValue& out) {
    const std::size_t start = p_;
    if (p_ < s_.size() && (s_[p_] == '-' || s_[p_] == '+')) ++p_;
    bool is_float = false;
    while (p_ < s_.size()) {
      const char c = s_[p_];
      if (c >= '0' && c <= '9') {
        ++p_;
      } else if (c == '.' || c == 'e' || c == 'E') {
        is_float = true;
        ++p_;
        if ((c == 'e' || c == 'E') && p_ < s_.size() && (s_[p_] == '-' || s_[p_] == '+')) ++p_;
      } else {
        break;
      }
    }
    std::string_view token = s_.substr(start, p_ - start);
    if (!token.empty() && token[0] == '+') token.remove_prefix(1);
    if (token.empty() || token == "-") {
      p_ = start;
      error_ = "expected a value";
      return false;
    }
    const char* first = token.data();
    const char* last = token.data() + token.size();
    if (!is_float) {
      const auto [ptr, ec] = std::from_chars(first, last, out.integer);
      if (ec == std::errc() && ptr == last) {
        out.type = PyValue::Type::kInt;
        return true;
      }
    }
    const auto [ptr, ec] = std::from_chars(first, last, out.real);
    if (ec != std::errc() || ptr != last) {
      p_ = start;
      error_ = "bad number";
      return false;
    }
    out.type = PyValue::Type::kFloat;
    return true;
  }

  std::string_view s_;
  std::size_t p_ = 0;
  std::string error_;
};

}  // namespace

PyValue::PyValue() = default;
PyValue::PyValue(const PyValue&) = default;
PyValue::PyValue(PyValue&&) noexcept = default;
PyValue& PyValue::operator=(const PyValue&) = default;
PyValue& PyValue::operator=(PyValue&&) noexcept = default;
PyValue::~PyValue() = default;

const PyValue* PyValue::get(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.type == Type::kString && k.text == key) return &v;
  }
  return nullptr;
}

PyParseResult parse_python_literal(std::string_view text) { return Parser(text).run(); }

bool python_list_strings(std::string_view text, std::string_view key, std::vector<std::string>& out,
                         std::string* error) {
  out.clear();
  if (trim(text).empty()) return true;
  PyParseResult parsed = parse_python_literal(text);
  if (!parsed.ok) {
    if (error != nullptr) {
      *error = parsed.error + " at column " + std::to_string(parsed.error_column);
    }
    return false;
  }
  if (parsed.value.type != PyValue::Type::kList) {
    if (error != nullptr) *error = "expected a list";
    return false;
  }
  for (PyValue& item : parsed.value.items) {
    if (item.type == PyValue::Type::kString) {
      out.push_back(std::move(item.text));
    } else if (item.type == PyValue::Type::kDict) {
      if (const PyValue* v = item.get(key); v != nullptr && v->is_string()) out.push_back(v->text);
    }
  }
  return true;
}

}  // namespace mn
