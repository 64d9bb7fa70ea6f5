#include "data/catalog.h"

#include "util/text.h"

namespace mn {

std::int32_t Catalog::add(Movie movie) {
  const auto index = static_cast<std::int32_t>(movies_.size());
  by_id_.emplace(movie.movie_id, index);
  movies_.push_back(std::move(movie));
  return index;
}

std::optional<std::int32_t> Catalog::index_of(std::int64_t movie_id) const {
  const auto it = by_id_.find(movie_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

void Catalog::rebuild_index() {
  by_id_.clear();
  by_id_.reserve(movies_.size());
  for (std::size_t i = 0; i < movies_.size(); ++i)
    by_id_.emplace(movies_[i].movie_id, static_cast<std::int32_t>(i));
}

int year_from_title(std::string_view title) {
  title = trim(title);
  if (title.size() < 6 || title.back() != ')') return 0;
  const std::size_t open = title.rfind('(');
  if (open == std::string_view::npos || title.size() - open < 6) return 0;
  int year = 0;
  for (std::size_t i = open + 1; i < open + 5; ++i) {
    const char c = title[i];
    if (c < '0' || c > '9') return 0;
    year = year * 10 + (c - '0');
  }
  // "(1995)" or a range such as "(2006-2007)" / "(2006–2007)".
  const char after = title[open + 5];
  if (after != ')' && after != '-' && static_cast<unsigned char>(after) != 0xE2) return 0;
  return year >= 1870 && year <= 2100 ? year : 0;
}

}  // namespace mn
