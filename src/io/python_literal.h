#pragma once
// A parser for the Python literals that Kaggle CSVs store in their list columns
// (`[{'id': 16, 'name': 'Animation'}]`, `['a', "b's"]`): strings in single or double quotes with
// backslash escapes, ints, floats, True/False/None, lists, tuples and dicts, nested. It accepts
// what ast.literal_eval accepts for these types and reports the column of the first error.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mn {

struct PyValue {
  enum class Type { kNone, kBool, kInt, kFloat, kString, kList, kDict };

  // Defined out of line: clang with libstdc++ rejects the implicit members of a type that holds
  // std::pair<PyValue, PyValue> while PyValue is still incomplete.
  PyValue();
  PyValue(const PyValue&);
  PyValue(PyValue&&) noexcept;
  PyValue& operator=(const PyValue&);
  PyValue& operator=(PyValue&&) noexcept;
  ~PyValue();

  Type type = Type::kNone;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<PyValue> items;                        // list / tuple elements
  std::vector<std::pair<PyValue, PyValue>> entries;  // dict entries in order

  bool is_string() const { return type == Type::kString; }
  // The value of key `key` in a dict with string keys, or nullptr.
  const PyValue* get(std::string_view key) const;
};

struct PyParseResult {
  bool ok = false;
  PyValue value;
  std::size_t error_column = 0;  // 1-based, when !ok
  std::string error;             // when !ok
};

PyParseResult parse_python_literal(std::string_view text);

// For a list of dicts, the string values of `key` in order (e.g. every 'name'); entries without
// it are left out. A list of plain strings gives those strings. Empty text gives an empty list.
// Returns false (and leaves out empty) when the text is not such a list.
bool python_list_strings(std::string_view text, std::string_view key, std::vector<std::string>& out,
                         std::string* error = nullptr);

}  // namespace mn
