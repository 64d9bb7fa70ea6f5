#include "text/mood.h"

#include <gtest/gtest.h>

namespace mn {
namespace {

bool has(const std::string& text, const std::string& word) { return text.find(word) != std::string::npos; }

TEST(Mood, EveryListedMoodIsRecognisedByItsName) {
  for (const std::string& mood : known_moods()) {
    const MoodExpansion e = expand_mood(mood);
    ASSERT_FALSE(e.moods.empty()) << mood;
    EXPECT_EQ(e.moods.front(), mood);
    EXPECT_FALSE(e.query.empty()) << mood;
  }
  EXPECT_EQ(known_moods().size(), 11u);
}

TEST(Mood, SynonymsPhrasesCaseAndAccents) {
  EXPECT_EQ(expand_mood("Something TENSE").moods, std::vector<std::string>{"tense"});
  const MoodExpansion romcom = expand_mood("a rom-com please");
  EXPECT_EQ(romcom.moods, (std::vector<std::string>{"romantic", "funny"}));
  EXPECT_TRUE(has(romcom.query, "romance") && has(romcom.query, "comedy"));
  EXPECT_EQ(expand_mood("Cozy").moods, std::vector<std::string>{"cozy"});
  EXPECT_EQ(expand_mood("feel good").moods, std::vector<std::string>{"feel-good"});
  EXPECT_EQ(expand_mood("mind bending").moods, std::vector<std::string>{"mind-bending"});
  EXPECT_EQ(expand_mood("spoοky").moods.size(), 0u);  // a Greek omicron is not an "o"
  EXPECT_EQ(expand_mood("spooky").moods, std::vector<std::string>{"scary"});
}

TEST(Mood, UnknownWordsStayAndFillerGoes) {
  const MoodExpansion e = expand_mood("something cozy with christmas and heists tonight");
  EXPECT_EQ(e.moods, std::vector<std::string>{"cozy"});
  EXPECT_TRUE(has(e.query, "christmas"));
  EXPECT_TRUE(has(e.query, "heists"));
  EXPECT_FALSE(has(e.query, "something"));
  EXPECT_FALSE(has(e.query, "tonight"));
  const MoodExpansion none = expand_mood("samurai");
  EXPECT_TRUE(none.moods.empty());
  EXPECT_EQ(none.query, "samurai");
  EXPECT_TRUE(expand_mood("").query.empty());
}

}  // namespace
}  // namespace mn
