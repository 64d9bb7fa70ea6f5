#include "data/foodcom.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv_reader.h"
#include "io/python_literal.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/text.h"

namespace mn {
namespace {

constexpr std::size_t kAbsent = SIZE_MAX;

struct Column {
  const char* name;
  bool required;
};

// Reads the header and returns each wanted column's position (kAbsent for a missing optional one).
std::vector<std::size_t> find_columns(CsvReader& reader, const std::vector<Column>& wanted,
                                      std::size_t& width) {
  const CsvReader::Status status = reader.next();
  if (status == CsvReader::Status::kEnd) throw_input_error(reader.name(), 1, "empty file");
  if (status == CsvReader::Status::kUnterminated) {
    throw_input_error(reader.name(), 1, "unterminated quoted field in the header");
  }
  width = reader.size();
  std::vector<std::size_t> where;
  for (const Column& column : wanted) {
    std::size_t found = kAbsent;
    for (std::size_t i = 0; i < reader.size(); ++i) {
      if (trim(reader[i]) == column.name) {
        found = i;
        break;
      }
    }
    if (found == kAbsent && column.required) {
      throw_input_error(reader.name(), 1, std::string("missing column '") + column.name + "'");
    }
    where.push_back(found);
  }
  return where;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  if (s.size() > kMax) return "'" + std::string(s.substr(0, kMax)) + "...'";
  return "'" + std::string(s) + "'";
}

// CRLF and lone CR become LF, so that copies of a row written by different tools compare equal.
std::string normalise_line_breaks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool parse_nutrition(std::string_view text, std::array<float, 7>& out, std::string& error) {
  const PyParseResult parsed = parse_python_literal(text);
  if (!parsed.ok) {
    error = parsed.error + " at column " + std::to_string(parsed.error_column);
    return false;
  }
  if (parsed.value.type != PyValue::Type::kList || parsed.value.items.size() != out.size()) {
    error = "expected a list of 7 numbers";
    return false;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const PyValue& v = parsed.value.items[i];
    if (v.type == PyValue::Type::kFloat) {
      out[i] = static_cast<float>(v.real);
    } else if (v.type == PyValue::Type::kInt) {
      out[i] = static_cast<float>(v.integer);
    } else {
      error = "expected a list of 7 numbers";
      return false;
    }
  }
  return true;
}

// Reads the next data record. False at the end; a record cut off by the end of the file is
// counted and skipped.
bool next_record(CsvReader& reader, FoodLoadStats& stats, SkipLog& skipped) {
  for (;;) {
    const CsvReader::Status status = reader.next();
    if (status == CsvReader::Status::kEnd) return false;
    ++stats.rows;
    if (status == CsvReader::Status::kUnterminated) {
      skipped.add(reader.name(), reader.line(), "record cut off at end of file (unterminated quoted field)");
      continue;
    }
    return true;
  }
}

}  // namespace

FoodLoadStats load_foodcom_recipes(const std::filesystem::path& path, RecipeBook& book, SkipLog& skipped) {
  enum {
    kName,
    kId,
    kMinutes,
    kContributor,
    kSubmitted,
    kTags,
    kNutrition,
    kSteps,
    kDescription,
    kIngredients
  };
  CsvReader reader = CsvReader::open(path);
  std::size_t width = 0;
  const std::vector<std::size_t> col = find_columns(reader,
                                                    {{"name", true},
                                                     {"id", true},
                                                     {"minutes", true},
                                                     {"contributor_id", true},
                                                     {"submitted", true},
                                                     {"tags", true},
                                                     {"nutrition", true},
                                                     {"steps", true},
                                                     {"description", true},
                                                     {"ingredients", true}},
                                                    width);
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  Progress progress("reading " + path.filename().string(), ec ? 0 : file_size, "bytes");

  FoodLoadStats stats;
  std::string error;
  while (next_record(reader, stats, skipped)) {
    progress.set(reader.bytes_read());
    const auto skip = [&](const std::string& reason) { skipped.add(reader.name(), reader.line(), reason); };
    if (reader.size() != width) {
      skip("expected " + std::to_string(width) + " fields, found " + std::to_string(reader.size()));
      continue;
    }
    Recipe recipe;
    const auto id = parse_int(reader[col[kId]]);
    if (!id) {
      skip("id: expected an integer, found " + quoted(reader[col[kId]]));
      continue;
    }
    recipe.id = *id;
    const auto minutes = parse_int(reader[col[kMinutes]]);
    if (!minutes || *minutes < 0 || *minutes > INT32_MAX) {
      skip("minutes: expected a count of minutes, found " + quoted(reader[col[kMinutes]]));
      continue;
    }
    recipe.minutes = static_cast<std::int32_t>(*minutes);
    const auto contributor = parse_int(reader[col[kContributor]]);
    if (!contributor) {
      skip("contributor_id: expected an integer, found " + quoted(reader[col[kContributor]]));
      continue;
    }
    recipe.contributor_id = *contributor;
    if (!python_list_strings(reader[col[kTags]], "", recipe.tags, &error)) {
      skip("tags: bad list literal: " + error);
      continue;
    }
    if (!parse_nutrition(reader[col[kNutrition]], recipe.nutrition, error)) {
      skip("nutrition: " + error);
      continue;
    }
    if (!python_list_strings(reader[col[kSteps]], "", recipe.steps, &error)) {
      skip("steps: bad list literal: " + error);
      continue;
    }
    if (!python_list_strings(reader[col[kIngredients]], "", recipe.ingredients, &error)) {
      skip("ingredients: bad list literal: " + error);
      continue;
    }
    recipe.name = std::string(reader[col[kName]]);
    recipe.submitted = std::string(trim(reader[col[kSubmitted]]));
    recipe.description = normalise_line_breaks(reader[col[kDescription]]);
    if (book.add(std::move(recipe))) {
      ++stats.added;
    } else {
      ++stats.duplicates;
    }
  }
  progress.finish();
  return stats;
}

FoodLoadStats load_foodcom_interactions(const std::filesystem::path& path, RecipeBook& book,
                                        SkipLog& skipped) {
  enum { kUser, kRecipe, kDate, kRating };
  CsvReader reader = CsvReader::open(path);
  std::size_t width = 0;
  const std::vector<std::size_t> col =
      find_columns(reader, {{"user_id", true}, {"recipe_id", true}, {"date", true}, {"rating", true}}, width);
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  Progress progress("reading " + path.filename().string(), ec ? 0 : file_size, "bytes");

  FoodLoadStats stats;
  while (next_record(reader, stats, skipped)) {
    progress.set(reader.bytes_read());
    const auto skip = [&](const std::string& reason) { skipped.add(reader.name(), reader.line(), reason); };
    if (reader.size() != width) {
      skip("expected " + std::to_string(width) + " fields, found " + std::to_string(reader.size()));
      continue;
    }
    RecipeInteraction row;
    const auto user = parse_int(reader[col[kUser]]);
    if (!user) {
      skip("user_id: expected an integer, found " + quoted(reader[col[kUser]]));
      continue;
    }
    const auto recipe = parse_int(reader[col[kRecipe]]);
    if (!recipe) {
      skip("recipe_id: expected an integer, found " + quoted(reader[col[kRecipe]]));
      continue;
    }
    const std::string_view date_text = trim(reader[col[kDate]]);
    const auto date = date_text.size() == 10 ? parse_datetime(date_text) : std::nullopt;
    if (!date) {
      skip("date: expected YYYY-MM-DD, found " + quoted(date_text));
      continue;
    }
    const auto rating = parse_int(reader[col[kRating]]);
    if (!rating || *rating < 0 || *rating > 5) {
      skip("rating: expected 0..5 (0 = no rating), found " + quoted(reader[col[kRating]]));
      continue;
    }
    row.user_id = *user;
    row.recipe_id = *recipe;
    row.date = *date;
    row.rating = static_cast<std::int8_t>(*rating);
    book.add_interaction(row);
    ++stats.added;
  }
  progress.finish();
  return stats;
}

}  // namespace mn
