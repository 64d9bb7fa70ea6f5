#include "text/wordpiece.h"

#include <utf8proc.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "io/file.h"
#include "util/error.h"
#include "util/text.h"

namespace mn {
namespace {

constexpr std::int32_t kReplacement = 0xFFFD;

// The next code point of s at byte i (advancing i); a malformed byte reads as U+FFFD, which the
// cleaning step drops, as a decoder that replaces bad bytes would.
std::int32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = static_cast<unsigned char>(s[i]);
  if (byte < 0x80) {
    ++i;
    return byte;
  }
  utf8proc_int32_t cp = -1;
  const utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                              static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
  if (n <= 0 || cp < 0) {
    ++i;
    return kReplacement;
  }
  i += static_cast<std::size_t>(n);
  return cp;
}

// The CJK ideograph blocks of the Rust tokenizers' BertNormalizer (which starts the extension E
// block at U+2B920, where Google's Python BERT says U+2B820).
bool is_cjk(std::int32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// \t \n \r count as whitespace, not as control characters.
bool is_control(std::int32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  if (c < 0x80) return c < 0x20 || c == 0x7F;
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
      return true;
    default:
      return false;
  }
}

// Rust's char::is_whitespace less the controls, which cleaning has already dropped.
bool is_whitespace(std::int32_t c) {
  if (c < 0x80) return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  const utf8proc_category_t cat = utf8proc_category(c);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool is_punctuation(std::int32_t c) {
  if (c < 0x80)
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  const utf8proc_category_t cat = utf8proc_category(c);
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

// Collects the characters of one pre-token (word) and hands finished words on.
struct WordSink {
  std::string bytes;
  std::size_t chars = 0;
  void add(std::int32_t c) {
    append_utf8(bytes, static_cast<std::uint32_t>(c));
    ++chars;
  }
};

// Steps 2-4 for one character: calls emit(normalised char, starts_own_word) per output char.
// The callback decides how words are split; normalize() and tokenize() share this.
template <typename Emit>
void normalize_char(std::int32_t c, const WordPieceOptions& options, Emit&& emit) {
  if (c == 0 || c == kReplacement || is_control(c)) return;
  if (is_whitespace(c)) {
    emit(' ');
    return;
  }
  const bool cjk = options.tokenize_chinese_chars && is_cjk(c);
  if (cjk) emit(' ');
  utf8proc_int32_t decomposed[8];
  utf8proc_ssize_t n = 1;
  decomposed[0] = c;
  if (options.strip_accents && c >= 0x80) {
    int boundclass = 0;
    n = utf8proc_decompose_char(c, decomposed, 8, UTF8PROC_DECOMPOSE, &boundclass);
    if (n <= 0 || n > 8) {
      decomposed[0] = c;
      n = 1;
    }
  }
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    std::int32_t d = decomposed[k];
    if (options.strip_accents && d >= 0x80 && utf8proc_category(d) == UTF8PROC_CATEGORY_MN) continue;
    if (options.lower_case) {
      if (d < 0x80) {
        if (d >= 'A' && d <= 'Z') d += 'a' - 'A';
      } else if (d == 0x130) {
        // The one unconditional multi-character lower-case mapping (Rust's to_lowercase).
        emit('i');
        d = 0x307;
      } else {
        d = utf8proc_tolower(d);
      }
    }
    emit(d);
  }
  if (cjk) emit(' ');
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::from_vocab_file(const std::filesystem::path& path,
                                                       WordPieceOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::kNotFound, path.string() + ": the WordPiece vocabulary file does not exist");
  }
  const std::string text = read_file(path);
  std::vector<std::string> vocab;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    vocab.emplace_back(line);
    start = end + 1;
  }
  return WordPieceTokenizer(std::move(vocab), std::move(options), path.string());
}

WordPieceOptions WordPieceTokenizer::options_from_config(const std::filesystem::path& tokenizer_config) {
  WordPieceOptions options;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(tokenizer_config, ec)) return options;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(tokenizer_config));
  } catch (const nlohmann::json::exception& e) {
    throw_input_error(tokenizer_config.string(), 0, std::string("not valid JSON: ") + e.what());
  }
  const auto flag = [&](const char* key, bool fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_boolean())
      throw_input_error(tokenizer_config.string(), 0, std::string(key) + " must be true or false");
    return it->get<bool>();
  };
  options.lower_case = flag("do_lower_case", true);
  options.tokenize_chinese_chars = flag("tokenize_chinese_chars", true);
  // HF: strip_accents null follows lower-casing.
  options.strip_accents = flag("strip_accents", options.lower_case);
  return options;
}

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options,
                                       std::string source)
    : options_(std::move(options)), vocab_(std::move(vocab)) {
  if (vocab_.empty()) throw_input_error(source, 0, "the WordPiece vocabulary is empty");
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i) {
    // A repeated token keeps its last id, as a dict built from the lines would.
    ids_[vocab_[i]] = static_cast<std::int32_t>(i);
    max_token_bytes_ = std::max(max_token_bytes_, vocab_[i].size());
  }
  const auto need = [&](const char* token) {
    const auto found = id(token);
    if (!found)
      throw_input_error(source, 0, std::string("the WordPiece vocabulary has no ") + token + " token");
    return *found;
  };
  cls_ = need("[CLS]");
  sep_ = need("[SEP]");
  unk_ = need("[UNK]");
  pad_ = id("[PAD]").value_or(0);
  for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    if (const auto found = id(s)) specials_.push_back({s, *found});
  }
}

std::string_view WordPieceTokenizer::token(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= vocab_.size()) return {};
  return vocab_[static_cast<std::size_t>(id)];
}

std::optional<std::int32_t> WordPieceTokenizer::id(std::string_view token) const { return lookup(token); }

std::optional<std::int32_t> WordPieceTokenizer::lookup(std::string_view piece) const {
  const auto it = ids_.find(piece);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string WordPieceTokenizer::normalize(std::string_view text) const {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    normalize_char(next_code_point(text, i), options_,
                   [&](std::int32_t c) { append_utf8(out, static_cast<std::uint32_t>(c)); });
  }
  return out;
}

void WordPieceTokenizer::word_pieces(std::string_view word, std::size_t chars,
                                     std::vector<std::int32_t>& out) const {
  if (chars > options_.max_chars_per_word) {
    out.push_back(unk_);
    return;
  }
  // Byte offset of each character boundary, so that pieces end on whole characters.
  std::vector<std::size_t> bounds;
  bounds.reserve(chars + 1);
  for (std::size_t i = 0; i < word.size();) {
    bounds.push_back(i);
    const auto b = static_cast<unsigned char>(word[i]);
    i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }
  bounds.push_back(word.size());
  const std::size_t n = bounds.size() - 1;
  const std::size_t mark = out.size();
  std::string key = options_.continuation_prefix;
  const std::size_t prefix = key.size();
  for (std::size_t start = 0; start < n;) {
    std::optional<std::int32_t> found;
    std::size_t end = n;
    for (; end > start; --end) {
      const std::size_t bytes = bounds[end] - bounds[start];
      const std::string_view piece = word.substr(bounds[start], bytes);
      if (start == 0) {
        if (bytes > max_token_bytes_) continue;
        found = lookup(piece);
      } else {
        if (bytes + prefix > max_token_bytes_) continue;
        key.resize(prefix);
        key.append(piece);
        found = lookup(key);
      }
      if (found) break;
    }
    if (!found) {
      out.resize(mark);
      out.push_back(unk_);
      return;
    }
    out.push_back(*found);
    start = end;
  }
}

void WordPieceTokenizer::tokenize_plain(std::string_view text, std::vector<std::int32_t>& out) const {
  WordSink word;
  const auto flush = [&] {
    if (word.chars > 0) word_pieces(word.bytes, word.chars, out);
    word.bytes.clear();
    word.chars = 0;
  };
  const auto emit = [&](std::int32_t c) {
    if (c == ' ') {
      flush();
    } else if (is_punctuation(c)) {
      flush();
      word.add(c);
      flush();
    } else {
      word.add(c);
    }
  };
  for (std::size_t i = 0; i < text.size();) normalize_char(next_code_point(text, i), options_, emit);
  flush();
}

std::vector<std::int32_t> WordPieceTokenizer::tokenize(std::string_view text) const {
  std::vector<std::int32_t> out;
  // The literal special tokens are matched in the raw text first (HF "added tokens", not
  // normalised), so "[SEP]" in a text stays one token.
  std::size_t plain = 0;
  for (std::size_t i = text.find('['); i != std::string_view::npos; i = text.find('[', i)) {
    const Special* hit = nullptr;
    for (const Special& s : specials_) {
      if (text.substr(i).starts_with(s.text) && (hit == nullptr || s.text.size() > hit->text.size()))
        hit = &s;
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    tokenize_plain(text.substr(plain, i - plain), out);
    out.push_back(hit->id);
    i += hit->text.size();
    plain = i;
  }
  tokenize_plain(text.substr(plain), out);
  return out;
}

std::vector<std::int32_t> WordPieceTokenizer::encode(std::string_view text, std::size_t max_length) const {
  if (max_length < 2)
    throw Error(ErrorKind::kInvalidInput, "WordPiece: max_length must leave room for [CLS] and [SEP]");
  std::vector<std::int32_t> pieces = tokenize(text);
  if (pieces.size() > max_length - 2) pieces.resize(max_length - 2);
  std::vector<std::int32_t> out;
  out.reserve(pieces.size() + 2);
  out.push_back(cls_);
  out.insert(out.end(), pieces.begin(), pieces.end());
  out.push_back(sep_);
  return out;
}

}  // namespace mn
