#pragma once
// Moods ("cozy", "rom-com", "something tense") as query text an encoder can embed. MiniLM reads any
// text as it is; TF-IDF and genres only know their vocabulary, so a curated lexicon expands the
// common moods into the genres, keywords and tags that describe them, and the other words of the
// text are kept for the vocabulary fallback.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/text_encoder.h"

namespace mn {

struct MoodExpansion {
  std::vector<std::string> moods;  // lexicon entries recognised, e.g. {"romantic", "funny"}
  std::vector<std::string> terms;  // the expansions' normalised genres, keywords and tags
  std::string query;               // the text to embed: the terms plus the unrecognised words
};

// The lexicon's mood names, in display order.
const std::vector<std::string>& known_moods();
// Finds lexicon moods (and their synonyms: "rom-com", "romcom", "scary", "spooky", ...) in the
// text, case- and accent-insensitively, and builds the query.
MoodExpansion expand_mood(std::string_view text);

// The mood's query vector (encoder.dim() floats): MiniLM reads the text itself, the other encoders
// read the expansion. Empty when the encoder knows none of its words (a zero vector matches nothing).
std::vector<float> encode_mood(const TextEncoder& encoder, std::string_view text,
                               const MoodExpansion& expansion);

// The query of `similar`: a movie's embedding (empty: none), plus the mood's vector when mood_text
// is not empty (weighed mood_weight beside a movie, else 1), scaled to unit length. Throws
// kInvalidInput naming the known moods when no word of the mood is known to the encoder.
std::vector<float> title_mood_query(std::span<const float> movie, const TextEncoder& encoder,
                                    std::string_view mood_text, const MoodExpansion& expansion,
                                    double mood_weight);

}  // namespace mn
