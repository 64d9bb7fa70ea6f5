#include "rank/reasons.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "text/movie_text.h"

namespace mn {
namespace {

float cosine(const ReasonContext& c, std::int32_t a, std::int32_t b) {
  const auto d = static_cast<std::size_t>(c.dim);
  const float* x = c.embeddings.data() + static_cast<std::size_t>(a) * d;
  const float* y = c.embeddings.data() + static_cast<std::size_t>(b) * d;
  // A vector sum: a pick is compared with up to 50 liked movies per person.
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t k = 0; k < d; ++k) s += x[k] * y[k];
  return s;
}

// TMDB keywords about the production, not the story ("aftercreditsstinger", "woman director").
bool is_production_keyword(const std::string& phrase) {
  return phrase.find("stinger") != std::string::npos || phrase == "woman director" ||
         phrase == "independent film" || phrase == "3d" || phrase == "sequel" || phrase == "remake";
}

// Entries of `mine` whose normalised form is in `theirs`, in mine's order, at most `limit`.
std::vector<std::string> shared(const std::vector<std::string>& mine, const std::vector<std::string>& theirs,
                                std::size_t limit) {
  std::set<std::string> other;
  for (const auto& t : theirs) other.insert(normalize_phrase(t));
  std::vector<std::string> out;
  for (const auto& m : mine) {
    if (out.size() >= limit) break;
    const std::string phrase = normalize_phrase(m);
    if (other.count(phrase) > 0 && !is_production_keyword(phrase)) out.push_back(m);
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

std::vector<std::string> explain(const ReasonContext& c, std::int32_t item,
                                 const std::vector<PersonHistory>& people) {
  std::vector<std::string> why;
  const Movie& movie = c.catalog[item];

  // Each person's nearest liked movie.
  std::vector<std::string> becauses;
  std::int32_t nearest = -1;
  float nearest_cos = 0;
  for (const PersonHistory& p : people) {
    std::int32_t best = -1;
    float best_cos = kReasonMinCosine;
    for (const std::int32_t liked : p.liked) {
      const float cos = cosine(c, item, liked);
      if (cos > best_cos) {
        best_cos = cos;
        best = liked;
      }
    }
    if (best < 0) continue;
    becauses.push_back(p.name + " liked " + c.catalog[best].title);
    if (best_cos > nearest_cos) {
      nearest_cos = best_cos;
      nearest = best;
    }
  }
  if (!becauses.empty()) {
    std::string line = "because ";
    for (std::size_t k = 0; k < becauses.size(); ++k) {
      line += becauses[k];
      if (k + 2 < becauses.size())
        line += ", ";
      else if (k + 2 == becauses.size())
        line += " and ";
    }
    why.push_back(line);
  }

  // What it shares with the nearest liked movie.
  if (nearest >= 0) {
    const Movie& other = c.catalog[nearest];
    if (const auto d = shared(movie.directors, other.directors, 2); !d.empty())
      why.push_back("same director: " + join(d));
    if (const auto cast = shared(movie.cast, other.cast, 3); !cast.empty())
      why.push_back("also starring " + join(cast));
    if (const auto g = shared(movie.genres, other.genres, 4); !g.empty())
      why.push_back("shared genres: " + join(g));
    if (const auto k = shared(movie.keywords, other.keywords, 3); !k.empty())
      why.push_back("also about " + join(k));
  }

  // The mood's lexicon terms it carries (genres, keywords, tags).
  if (!c.mood.terms.empty()) {
    std::set<std::string> have;
    for (const auto* list : {&movie.genres, &movie.keywords, &movie.tags}) {
      for (const auto& s : *list) have.insert(normalize_phrase(s));
    }
    std::vector<std::string> hits;
    for (const auto& term : c.mood.terms) {
      if (have.count(term) > 0) hits.push_back(term);
      if (hits.size() >= 3) break;
    }
    if (!hits.empty()) why.push_back("fits the " + join(c.mood.moods, " + ") + " mood: " + join(hits));
  }

  // What the raters thought.
  const auto p = static_cast<std::size_t>(item);
  if (p < c.rating_count.size() && c.rating_count[p] >= 3) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "rated %.1f/5 by %d people", static_cast<double>(c.mean_rating[p]),
                  c.rating_count[p]);
    why.push_back(buf);
  }
  return why;
}

}  // namespace mn
