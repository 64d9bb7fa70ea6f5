#include "data/title_lookup.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

// Articles that MovieLens moves to the end of a title ("Matrix, The", "Haine, La", "Auberge
// espagnole, L'"), in the languages its titles use.
constexpr std::string_view kTrailingArticles[] = {
    "the", "a",  "an",  "le", "la",  "les", "l'",  "l’",  "un",  "une", "el",   "los", "las",
    "il",  "lo", "gli", "i",  "der", "die", "das", "den", "dem", "ein", "eine", "de",  "het",
    "een", "o",  "os",  "as", "um",  "uma", "una", "uno", "en",  "ett", "et",   "det"};
// Leading articles dropped for an extra, slightly weaker name ("The Godfather Trilogy" -> "Godfather
// Trilogy"). Fewer than above: "Die Hard" or "O Brother" must not lose their first word.
constexpr std::string_view kLeadingArticles[] = {"the ", "a ",   "an ", "l'",  "l’",   "le ",
                                                 "la ",  "les ", "el ", "il ", "der ", "das "};

// Weights of the derived names (a name as written, or with its article put back in front, is 1).
constexpr double kLeadingStripped = 0.97;  // catalog name without its leading article
constexpr double kHyphenJoined = 0.97;     // "Spider-Man" also as "spiderman"
constexpr double kQueryDerived = 0.99;     // a query form the person did not literally type
constexpr double kWrongYear = 0.9;

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "1995", "2006-2007", "2006–" -> the first year; 0 otherwise.
int year_of_group(std::string_view s) {
  s = trim(s);
  if (s.size() < 4) return 0;
  int year = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    year = year * 10 + (s[i] - '0');
  }
  if (s.size() > 4) {
    const std::string_view rest = s.substr(4);
    if (rest[0] != '-' && rest.substr(0, 3) != "\u2013") return 0;
    for (const char c : rest) {
      if (!(c == '-' || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) >= 0x80)) return 0;
    }
  }
  return year >= 1870 && year <= 2100 ? year : 0;
}

struct Form {
  std::string text;
  double weight;
};

void add_form(std::vector<Form>& forms, std::string text, double weight) {
  if (text.empty()) return;
  for (Form& f : forms) {
    if (f.text == text) {
      f.weight = std::max(f.weight, weight);
      return;
    }
  }
  forms.push_back({std::move(text), weight});
}

// The normalised names one written name stands for. bare_weight / derived_weight: what a name
// without its trailing article, or with its leading article or hyphens dropped, is worth.
void add_name_forms(std::vector<Form>& forms, std::string_view name, double bare_weight,
                    double derived_weight) {
  name = trim(name);
  if (name.empty()) return;
  add_form(forms, normalize_title(name), 1.0);
  // "Matrix, The" -> "The Matrix" and "Matrix".
  const std::size_t comma = name.rfind(", ");
  if (comma != std::string_view::npos) {
    const std::string_view article = trim(name.substr(comma + 2));
    const std::string_view bare = trim(name.substr(0, comma));
    const bool known = std::any_of(std::begin(kTrailingArticles), std::end(kTrailingArticles),
                                   [&](std::string_view a) { return iequals_ascii(a, article); });
    if (known && !bare.empty()) {
      const bool elided = article.back() == '\'' || article.ends_with("’");
      add_form(forms, normalize_title(std::string(article) + (elided ? "" : " ") + std::string(bare)), 1.0);
      add_form(forms, normalize_title(bare), bare_weight);
    }
  }
  for (const std::string_view article : kLeadingArticles) {
    if (name.size() > article.size() && starts_with_ci(name, article)) {
      add_form(forms, normalize_title(name.substr(article.size())), derived_weight);
      break;
    }
  }
  if (name.find('-') != std::string_view::npos) {
    std::string joined;
    for (const char c : name) {
      if (c != '-') joined += c;
    }
    add_form(forms, normalize_title(joined), derived_weight);
  }
}

// Every normalised name of a title: as written (main and alternates together), the main title,
// each alternate, with the variations above.
std::vector<Form> title_forms(const TitleParts& parts, double bare_weight, double derived_weight) {
  std::vector<Form> forms;
  add_name_forms(forms, parts.main, bare_weight, derived_weight);
  for (const std::string& alt : parts.alternates) add_name_forms(forms, alt, bare_weight, derived_weight);
  if (!parts.alternates.empty()) {
    std::string whole = parts.main;
    for (const std::string& alt : parts.alternates) whole += " " + alt;
    add_form(forms, normalize_title(whole), 1.0);
  }
  return forms;
}

std::uint32_t gram_code(const std::string& padded, std::size_t i) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(padded[i])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(padded[i + 1])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(padded[i + 2]));
}

// Distinct trigrams of " text ", sorted.
std::vector<std::uint32_t> grams_of(const std::string& text) {
  const std::string padded = " " + text + " ";
  std::vector<std::uint32_t> grams;
  for (std::size_t i = 0; i + 3 <= padded.size(); ++i) grams.push_back(gram_code(padded, i));
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions) between q
// and all of key (full) and between q and key's closest beginning (prefix).
void osa_distances(std::string_view q, std::string_view key, int& full, int& prefix) {
  const std::size_t m = q.size(), n = key.size();
  std::vector<int> two(n + 1), one(n + 1), cur(n + 1);
  std::iota(one.begin(), one.end(), 0);
  for (std::size_t i = 1; i <= m; ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= n; ++j) {
      const int cost = q[i - 1] == key[j - 1] ? 0 : 1;
      int best = std::min({one[j] + 1, cur[j - 1] + 1, one[j - 1] + cost});
      if (i > 1 && j > 1 && q[i - 1] == key[j - 2] && q[i - 2] == key[j - 1])
        best = std::min(best, two[j - 2] + 1);
      cur[j] = best;
    }
    std::swap(two, one);
    std::swap(one, cur);
  }
  full = one[n];
  prefix = *std::min_element(one.begin(), one.end());
}

}  // namespace

std::string normalize_title(std::string_view title) {
  std::string input(title);
  if (!is_valid_utf8(input)) input = latin1_to_utf8(input);
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t len =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(input.data()),
                   static_cast<utf8proc_ssize_t>(input.size()), &mapped,
                   static_cast<utf8proc_option_t>(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                                                  UTF8PROC_CASEFOLD));
  std::string folded;
  if (len >= 0 && mapped != nullptr) {
    folded.assign(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(len));
  } else {
    folded = to_lower_ascii(input);
  }
  std::free(mapped);

  std::string out;
  out.reserve(folded.size());
  bool space = true;  // drops leading spaces and collapses runs
  const auto put = [&](std::string_view s) {
    for (const char c : s) {
      if (c == ' ') {
        if (!space) out += ' ';
        space = true;
      } else {
        out += c;
        space = false;
      }
    }
  };
  std::size_t i = 0;
  while (i < folded.size()) {
    std::uint32_t c = 0;
    const std::size_t n = decode_utf8(folded, i, c);
    if (n == 0) {
      ++i;
      put(" ");
      continue;
    }
    i += n;
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        out += static_cast<char>(c);
        space = false;
      } else if (c >= 'A' && c <= 'Z') {
        out += static_cast<char>(c - 'A' + 'a');
        space = false;
      } else if (c == '\'' || c == '.' || c == '`') {
        // dropped: "L.A." is "la", "Schindler's" is "schindlers"
      } else if (c == '&') {
        put(" and ");
      } else {
        put(" ");
      }
      continue;
    }
    switch (c) {
      case 0xE6:
        put("ae");
        continue;  // æ
      case 0x153:
        put("oe");
        continue;  // œ
      case 0xF8:
        put("o");
        continue;  // ø
      case 0x142:
        put("l");
        continue;  // ł
      case 0x111:  // đ
      case 0xF0:
        put("d");
        continue;  // ð
      case 0xFE:
        put("th");
        continue;  // þ
      case 0x131:
        put("i");
        continue;  // ı
      case 0xDF:
        put("ss");
        continue;   // ß
      case 0x2018:  // ‘ ’ ʼ ´: apostrophes
      case 0x2019:
      case 0x2BC:
      case 0xB4:
        continue;
      default:
        break;
    }
    const utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
        (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)) {
      append_utf8(out, c);
      space = false;
    } else if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME) {
      // a mark STRIPMARK left behind: dropped
    } else {
      put(" ");
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

TitleParts split_title(std::string_view title) {
  TitleParts parts;
  std::string_view s = trim(title);
  while (!s.empty() && s.back() == ')') {
    int depth = 0;
    std::size_t open = std::string_view::npos;
    for (std::size_t i = s.size(); i-- > 0;) {
      if (s[i] == ')') ++depth;
      if (s[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open == std::string_view::npos) break;
    const std::string_view before = trim(s.substr(0, open));
    if (before.empty()) break;  // "(Untitled)": the parentheses are the title
    std::string_view content = trim(s.substr(open + 1, s.size() - open - 2));
    const int year = parts.year == 0 && parts.alternates.empty() ? year_of_group(content) : 0;
    if (year != 0) {
      parts.year = year;
    } else if (!content.empty()) {
      if (starts_with_ci(content, "a.k.a.")) content = trim(content.substr(6));
      if (starts_with_ci(content, "aka ")) content = trim(content.substr(4));
      if (!content.empty()) parts.alternates.emplace_back(content);
    }
    s = before;
  }
  // Collected from the end backwards.
  std::reverse(parts.alternates.begin(), parts.alternates.end());
  parts.main = std::string(s);
  return parts;
}

TitleIndex::TitleIndex(const Catalog& catalog) {
  const auto n = static_cast<std::size_t>(catalog.size());
  titles_.reserve(n);
  years_.reserve(n);
  popularity_.assign(n, 0.0f);
  for (std::int32_t i = 0; i < catalog.size(); ++i) {
    const Movie& movie = catalog[i];
    titles_.push_back(movie.title);
    const TitleParts parts = split_title(movie.title);
    years_.push_back(movie.year != 0 ? movie.year : parts.year);
    for (Form& form : title_forms(parts, 1.0, kLeadingStripped)) {
      // Hyphen-joined and leading-article names share one weight; both are derived.
      keys_.push_back({std::move(form.text), i, 0, static_cast<float>(form.weight)});
    }
  }
  exact_.reserve(keys_.size());
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    exact_[keys_[k].text].push_back(static_cast<std::uint32_t>(k));
    const std::vector<std::uint32_t> grams = grams_of(keys_[k].text);
    keys_[k].n_grams = static_cast<std::uint16_t>(std::min<std::size_t>(grams.size(), 65535));
    for (const std::uint32_t g : grams) grams_[g].push_back(static_cast<std::uint32_t>(k));
  }
}

void TitleIndex::set_popularity(std::span<const float> counts) {
  if (counts.size() != titles_.size()) {
    throw Error(ErrorKind::kInvalidInput, "title lookup: " + std::to_string(counts.size()) +
                                              " popularity counts for " + std::to_string(titles_.size()) +
                                              " movies");
  }
  popularity_.assign(counts.begin(), counts.end());
}

void TitleIndex::score_variant(const std::string& q, double weight, int year, std::vector<double>& best,
                               std::vector<std::int32_t>& touched, std::vector<std::uint16_t>& shared) const {
  if (q.empty()) return;
  const auto offer = [&](std::int32_t movie, double score) {
    const int movie_year = years_[static_cast<std::size_t>(movie)];
    if (year != 0 && movie_year != 0 && movie_year != year) score *= kWrongYear;
    double& b = best[static_cast<std::size_t>(movie)];
    if (b < 0) touched.push_back(movie);
    b = std::max(b, score);
  };

  if (const auto it = exact_.find(q); it != exact_.end()) {
    for (const std::uint32_t k : it->second) offer(keys_[k].movie, weight * keys_[k].weight);
  }

  // Shared trigrams per key, counting each of the query's distinct trigrams once.
  const std::vector<std::uint32_t> grams = grams_of(q);
  std::vector<std::uint32_t> hit_keys;  // shared[k] > 0 exactly for these; reset to 0 at the end
  for (const std::uint32_t g : grams) {
    const auto it = grams_.find(g);
    if (it == grams_.end()) continue;
    for (const std::uint32_t k : it->second) {
      if (shared[k]++ == 0) hit_keys.push_back(k);
    }
  }

  // Prefix and whole-word containment. A key holding " q" (prefix) has every trigram of " q "
  // except possibly the last; one holding " q " (words) has them all.
  const std::size_t need = grams.size() > 1 ? grams.size() - 1 : grams.size();
  if (q.size() >= 3) {
    const std::string padded_q = " " + q + " ";
    for (const std::uint32_t k : hit_keys) {
      if (shared[k] < need) continue;
      const Key& key = keys_[k];
      if (key.text.size() <= q.size()) continue;
      const double ratio = static_cast<double>(q.size()) / static_cast<double>(key.text.size());
      double score = 0;
      if (key.text.compare(0, q.size(), q) == 0) {
        score = (key.text[q.size()] == ' ' ? 0.85 : 0.80) + 0.1 * ratio;
      } else if (shared[k] == grams.size() && (" " + key.text + " ").find(padded_q) != std::string::npos) {
        score = 0.75 + 0.1 * ratio;
      }
      if (score > 0) offer(key.movie, score * weight * key.weight);
    }
  }

  // Typos: edit distance against the keys sharing the most trigrams with the query.
  constexpr std::size_t kFuzzyCandidates = 256;
  const auto more_shared = [&](std::uint32_t a, std::uint32_t b) {
    if (shared[a] != shared[b]) return shared[a] > shared[b];
    if (keys_[a].n_grams != keys_[b].n_grams) return keys_[a].n_grams < keys_[b].n_grams;
    return a < b;
  };
  const std::size_t candidates = std::min(hit_keys.size(), kFuzzyCandidates);
  if (hit_keys.size() > kFuzzyCandidates) {
    std::nth_element(hit_keys.begin(), hit_keys.begin() + kFuzzyCandidates, hit_keys.end(), more_shared);
  }
  const std::string_view qv = std::string_view(q).substr(0, 256);
  for (std::size_t c = 0; c < candidates; ++c) {
    const std::uint32_t k = hit_keys[c];
    const Key& key = keys_[k];
    const std::string_view kv = std::string_view(key.text).substr(0, 512);
    int full = 0, prefix = 0;
    osa_distances(qv, kv, full, prefix);
    const double longer = static_cast<double>(std::max(qv.size(), kv.size()));
    double sim = 0.8 * (1.0 - static_cast<double>(full) / longer);
    if (qv.size() >= 5 && kv.size() > qv.size()) {
      sim = std::max(sim, 0.7 * (1.0 - static_cast<double>(prefix) / static_cast<double>(qv.size())));
    }
    if (full == 0) sim = 1.0;
    if (sim > 0) offer(key.movie, sim * weight * key.weight);
  }
  for (const std::uint32_t k : hit_keys) shared[k] = 0;
}

std::vector<TitleIndex::Scored> TitleIndex::rank(std::string_view query, std::size_t limit) const {
  query = trim(query);
  if (query.size() > 400) query = query.substr(0, 400);  // no title is longer; keeps counts small
  std::vector<double> best(titles_.size(), -1.0);
  std::vector<std::int32_t> touched;
  std::vector<std::uint16_t> shared(keys_.size(), 0);  // scratch for score_variant

  // As typed (a title may be a number: "1917", "2012"), and with a year taken off the end:
  // "Toy Story (1995)", "matrix 1999".
  TitleParts with_year = split_title(query);
  if (with_year.year == 0) {
    const std::size_t space = query.find_last_of(' ');
    if (space != std::string_view::npos) {
      const int year = year_of_group(query.substr(space + 1));
      const std::string_view rest = trim(query.substr(0, space));
      if (year != 0 && query.size() - space - 1 == 4 && !rest.empty()) {
        with_year = split_title(rest);
        with_year.year = year;
      }
    }
  }
  std::vector<std::pair<std::vector<Form>, int>> variants;
  TitleParts as_typed;
  as_typed.main = std::string(query);
  variants.emplace_back(title_forms(as_typed, kQueryDerived, kQueryDerived), 0);
  if (with_year.year != 0)
    variants.emplace_back(title_forms(with_year, kQueryDerived, kQueryDerived), with_year.year);
  else if (!with_year.alternates.empty())
    variants.emplace_back(title_forms(with_year, kQueryDerived, kQueryDerived), 0);
  for (const auto& [forms, year] : variants) {
    for (const Form& form : forms) score_variant(form.text, form.weight, year, best, touched, shared);
  }

  std::vector<Scored> scored;
  scored.reserve(touched.size());
  for (const std::int32_t m : touched) scored.push_back({m, best[static_cast<std::size_t>(m)]});
  const auto better = [&](const Scored& a, const Scored& b) {
    if (a.score != b.score) return a.score > b.score;
    const float pa = popularity_[static_cast<std::size_t>(a.movie)];
    const float pb = popularity_[static_cast<std::size_t>(b.movie)];
    if (pa != pb) return pa > pb;
    return a.movie < b.movie;
  };
  if (scored.size() > limit) {
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(limit), scored.end(),
                      better);
    scored.resize(limit);
  } else {
    std::sort(scored.begin(), scored.end(), better);
  }
  // Too few movies share anything with the query: the most popular others fill the list.
  if (scored.size() < limit && scored.size() < titles_.size()) {
    std::vector<Scored> rest;
    for (std::size_t m = 0; m < titles_.size(); ++m) {
      if (best[m] < 0) rest.push_back({static_cast<std::int32_t>(m), 0.0});
    }
    const std::size_t take = std::min(limit - scored.size(), rest.size());
    std::partial_sort(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take), rest.end(), better);
    scored.insert(scored.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return scored;
}

std::optional<TitleMatch> TitleIndex::find(std::string_view query) const {
  const std::vector<Scored> top = rank(query, 1);
  if (top.empty() || top[0].score < kGoodMatch) return std::nullopt;
  return TitleMatch{top[0].movie, top[0].score, titles_[static_cast<std::size_t>(top[0].movie)]};
}

std::vector<TitleMatch> TitleIndex::closest(std::string_view query, int n) const {
  std::vector<TitleMatch> out;
  if (n <= 0) return out;
  for (const Scored& s : rank(query, static_cast<std::size_t>(n))) {
    out.push_back({s.movie, s.score, titles_[static_cast<std::size_t>(s.movie)]});
  }
  return out;
}

TitleIndex make_title_index(const Dataset& dataset) {
  TitleIndex index(dataset.catalog);
  std::vector<float> counts(static_cast<std::size_t>(dataset.catalog.size()), 0.0f);
  for (std::int32_t i = 0; i < dataset.catalog.size(); ++i) {
    const auto p = static_cast<std::size_t>(i);
    if (p + 1 < dataset.ratings.item_ptr.size()) {
      counts[p] = static_cast<float>(dataset.ratings.item_ptr[p + 1] - dataset.ratings.item_ptr[p]);
    }
  }
  index.set_popularity(counts);
  return index;
}

}  // namespace mn
