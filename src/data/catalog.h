#pragma once
// The movies: MovieLens's own list, joined through links (movieId <-> imdbId <-> tmdbId) with
// whatever TMDB metadata the loaded files hold. An item's dense index is its position here, and
// the same index is used by Interactions, so a model's item i is catalog movie i.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mn {

struct Movie {
  std::int64_t movie_id = 0;  // the dataset's own id
  std::string title;          // as the file spells it, trailing space trimmed
  int year = 0;               // from "(1995)" at the end of the title; 0 when absent
  std::vector<std::string> genres;
  std::string imdb_id;            // 7 digits, zero-padded; empty when unknown
  std::int64_t tmdb_id = 0;       // 0 when unknown
  std::vector<std::string> tags;  // MovieLens user tags, lower-cased, de-duplicated, first-seen order

  // TMDB metadata; empty / 0 when no loaded source has it.
  std::string overview;
  std::string tagline;
  std::vector<std::string> keywords;
  std::vector<std::string> cast;  // billing order, top 5 (top 3 where only that is known)
  std::vector<std::string> directors;
  float runtime = 0;         // minutes
  std::string release_date;  // YYYY-MM-DD, or just YYYY
  std::string language;      // original language code
  float popularity = 0;
  float vote_average = 0;
  std::int32_t vote_count = 0;
};

class Catalog {
 public:
  // Adds a movie; a second movie with the same id is an error the caller reports.
  // Returns the new dense index.
  std::int32_t add(Movie movie);
  std::optional<std::int32_t> index_of(std::int64_t movie_id) const;
  std::int32_t size() const { return static_cast<std::int32_t>(movies_.size()); }
  const Movie& operator[](std::int32_t i) const { return movies_[static_cast<std::size_t>(i)]; }
  Movie& operator[](std::int32_t i) { return movies_[static_cast<std::size_t>(i)]; }
  const std::vector<Movie>& movies() const { return movies_; }
  std::vector<Movie>& movies() { return movies_; }
  void rebuild_index();

 private:
  std::vector<Movie> movies_;
  std::unordered_map<std::int64_t, std::int32_t> by_id_;
};

// "Toy Story (1995)" -> 1995; "Babylon 5" -> 0. Also "(2006-2007)" -> 2006.
int year_from_title(std::string_view title);

}  // namespace mn
