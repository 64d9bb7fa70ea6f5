#include "text/movie_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "util/text.h"

namespace mn {
namespace {

constexpr std::size_t kSentenceCast = 5;

bool is_ascii_alnum(std::uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_word_category(utf8proc_category_t cat) {
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

bool is_mark_category(utf8proc_category_t cat) {
  return cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
}

bool is_apostrophe(std::uint32_t c) { return c == '\'' || c == 0x2019; }

// The code point at s[i] (advancing i); a malformed byte reads as a separator.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  std::uint32_t cp = 0;
  const std::size_t n = decode_utf8(s, i, cp);
  if (n == 0) {
    ++i;
    return ' ';
  }
  i += n;
  return cp;
}

// Whether a code point continues a word (a letter, digit or combining mark).
bool continues_word(std::uint32_t c) {
  if (c < 0x80) return is_ascii_alnum(c);
  const utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return is_word_category(cat) || is_mark_category(cat);
}

// Appends the folded form of one letter or digit to word.
void append_folded(std::string& word, std::uint32_t c) {
  if (c < 0x80) {
    word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
    return;
  }
  std::array<utf8proc_int32_t, 16> out{};
  int boundclass = 0;
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      static_cast<utf8proc_int32_t>(c), out.data(), static_cast<utf8proc_ssize_t>(out.size()),
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                     UTF8PROC_STRIPMARK),
      &boundclass);
  if (n <= 0 || n > static_cast<utf8proc_ssize_t>(out.size())) return;
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    const auto d = static_cast<std::uint32_t>(out[static_cast<std::size_t>(k)]);
    if (d < 0x80) {
      if (is_ascii_alnum(d)) word.push_back(static_cast<char>(d >= 'A' && d <= 'Z' ? d + ('a' - 'A') : d));
    } else if (is_word_category(utf8proc_category(static_cast<utf8proc_int32_t>(d)))) {
      append_utf8(word, d);
    }
  }
}

constexpr std::array<std::string_view, 10> kTitleArticles = {"The", "A",  "An", "Les", "La",
                                                             "Le",  "L'", "Il", "El",  "Die"};

// Whether s is "(1995)", "(2006-2007)" or "(2006–2007)".
bool is_year_suffix(std::string_view s) {
  if (s.size() < 6 || s.front() != '(' || s.back() != ')') return false;
  s = s.substr(1, s.size() - 2);
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '-' && static_cast<unsigned char>(c) < 0x80) {
      return false;
    }
  }
  return digits == 4 || digits == 8;
}

void append_sentence(std::string& out, std::string_view text) {
  text = trim(text);
  if (text.empty()) return;
  if (!out.empty()) out += ' ';
  out += text;
  const char last = text.back();
  if (last != '.' && last != '!' && last != '?' && last != '"' && last != ')') out += '.';
}

std::string join(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (!out.empty()) out += ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> normalized_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto finish = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const std::uint32_t c = next_code_point(text, i);
    if (continues_word(c)) {
      append_folded(word, c);
      continue;
    }
    if (is_apostrophe(c) && !word.empty() && i < text.size()) {
      std::size_t j = i;
      const std::uint32_t next = next_code_point(text, j);
      if (next == 's' || next == 'S') {
        std::size_t k = j;
        if (k >= text.size() || !continues_word(next_code_point(text, k))) {
          i = j;  // possessive: "Schindler's" -> "schindler"
          finish();
          continue;
        }
      }
      if (continues_word(next)) continue;  // "don't" -> "dont"
    }
    finish();
  }
  finish();
  return words;
}

bool is_stop_word(std::string_view word) {
  static constexpr std::string_view kStopWords[] = {
      "a",       "about", "after",    "again",     "all",   "also",   "am",     "an",    "and",     "any",
      "are",     "as",    "at",       "be",        "been",  "before", "being",  "both",  "but",     "by",
      "can",     "could", "did",      "do",        "does",  "doing",  "during", "each",  "for",     "from",
      "had",     "has",   "have",     "having",    "he",    "her",    "here",   "hers",  "herself", "him",
      "himself", "his",   "how",      "i",         "if",    "in",     "into",   "is",    "it",      "its",
      "itself",  "just",  "me",       "more",      "most",  "my",     "no",     "nor",   "not",     "of",
      "off",     "on",    "once",     "only",      "or",    "other",  "our",    "ours",  "out",     "over",
      "own",     "she",   "should",   "so",        "some",  "such",   "than",   "that",  "the",     "their",
      "theirs",  "them",  "then",     "there",     "these", "they",   "this",   "those", "through", "to",
      "too",     "under", "until",    "up",        "very",  "was",    "we",     "were",  "what",    "when",
      "where",   "which", "while",    "who",       "whom",  "why",    "will",   "with",  "would",   "you",
      "your",    "yours", "yourself", "yourselves"};
  static const std::vector<std::string_view> sorted = [] {
    std::vector<std::string_view> v(std::begin(kStopWords), std::end(kStopWords));
    std::sort(v.begin(), v.end());
    return v;
  }();
  return std::binary_search(sorted.begin(), sorted.end(), word);
}

std::vector<std::string> tokenize_for_search(std::string_view text) {
  std::vector<std::string> words = normalized_words(text);
  std::erase_if(words, [](const std::string& w) {
    const bool single_letter = w.size() == 1 && !(w[0] >= '0' && w[0] <= '9');
    return single_letter || is_stop_word(w);
  });
  return words;
}

std::string normalize_phrase(std::string_view text) {
  std::string out;
  for (const std::string& w : normalized_words(text)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string display_title(std::string_view title) {
  title = trim(title);
  const std::size_t open = title.rfind('(');
  if (open != std::string_view::npos && is_year_suffix(title.substr(open)))
    title = trim(title.substr(0, open));
  std::string out(title);
  // MovieLens writes "American President, The" and "City of Lost Children, The (Cité des ...)".
  for (const std::string_view article : kTitleArticles) {
    const std::string marker = ", " + std::string(article);
    std::size_t pos = out.find(marker + " (");
    if (pos == std::string::npos && out.size() >= marker.size() &&
        out.compare(out.size() - marker.size(), marker.size(), marker) == 0) {
      pos = out.size() - marker.size();
    }
    if (pos == std::string::npos) continue;
    const std::string head = out.substr(0, pos);
    const std::string rest = out.substr(pos + marker.size());
    const bool elided = article.back() == '\'';
    out = std::string(article) + (elided ? "" : " ") + head + rest;
    break;
  }
  return out;
}

MovieDocument movie_document(const Movie& movie) {
  MovieDocument doc;
  doc.title = display_title(movie.title);
  for (const std::string& g : movie.genres) {
    if (trim(g) != kNoGenresListed && !trim(g).empty()) doc.genres.push_back(g);
  }
  doc.keywords = movie.keywords;
  doc.tags = movie.tags;
  doc.cast = movie.cast;
  doc.directors = movie.directors;
  doc.overview = std::string(trim(movie.overview));
  const std::string_view tagline = trim(movie.tagline);
  if (!tagline.empty() && doc.overview.find(tagline) == std::string::npos) {
    if (!doc.overview.empty()) doc.overview += ' ';
    doc.overview += tagline;
  }
  return doc;
}

std::vector<MovieDocument> movie_documents(const Catalog& catalog) {
  std::vector<MovieDocument> docs;
  docs.reserve(catalog.movies().size());
  for (const Movie& m : catalog.movies()) docs.push_back(movie_document(m));
  return docs;
}

std::string movie_sentence(const Movie& movie) {
  const MovieDocument doc = movie_document(movie);
  std::string out;
  append_sentence(out, doc.title);
  if (!trim(movie.overview).empty()) {
    append_sentence(out, movie.overview);
  } else if (!doc.tags.empty()) {
    append_sentence(out, "Tags: " + join(doc.tags, doc.tags.size()));
  }
  if (!doc.genres.empty()) append_sentence(out, "Genres: " + join(doc.genres, doc.genres.size()));
  if (!doc.cast.empty()) append_sentence(out, "Starring " + join(doc.cast, kSentenceCast));
  if (!doc.directors.empty())
    append_sentence(out, "Directed by " + join(doc.directors, doc.directors.size()));
  if (!doc.keywords.empty()) append_sentence(out, "Keywords: " + join(doc.keywords, doc.keywords.size()));
  return out;
}

}  // namespace mn
