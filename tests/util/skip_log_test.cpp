#include "util/skip_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mn {
namespace {

using Examples = std::vector<std::string>;

TEST(SkipLog, EmptyLog) {
  const SkipLog log;
  EXPECT_EQ(log.total(), 0u);
  EXPECT_TRUE(log.by_file().empty());
}

TEST(SkipLog, CountsPerFileAndKeepsExamples) {
  SkipLog log;
  log.add("ratings.csv", 12, "bad rating");
  log.add("movies.csv", 3, "missing title");
  log.add("ratings.csv", 40, "bad user id");
  EXPECT_EQ(log.total(), 3u);
  ASSERT_EQ(log.by_file().size(), 2u);
  const SkippedRows& ratings = log.by_file().at("ratings.csv");
  EXPECT_EQ(ratings.count, 2u);
  EXPECT_EQ(ratings.examples, (Examples{"ratings.csv:12: bad rating", "ratings.csv:40: bad user id"}));
  EXPECT_EQ(log.by_file().at("movies.csv").examples, (Examples{"movies.csv:3: missing title"}));
}

TEST(SkipLog, LineZeroIsLeftOut) {
  SkipLog log;
  log.add("x.dat", 0, "truncated file");
  EXPECT_EQ(log.by_file().at("x.dat").examples, (Examples{"x.dat: truncated file"}));
}

TEST(SkipLog, ExamplesAreCapped) {
  SkipLog log;
  for (std::size_t i = 1; i <= 100; ++i) log.add("f.csv", i, "r");
  const SkippedRows& rows = log.by_file().at("f.csv");
  EXPECT_EQ(rows.count, 100u);
  ASSERT_EQ(rows.examples.size(), SkipLog::kMaxExamples);
  EXPECT_EQ(rows.examples.front(), "f.csv:1: r");
  EXPECT_EQ(rows.examples.back(), "f.csv:5: r");
}

TEST(SkipLog, Merge) {
  SkipLog a;
  a.add("f.csv", 1, "a1");
  a.add("f.csv", 2, "a2");
  a.add("g.csv", 7, "g");
  SkipLog b;
  for (std::size_t i = 10; i < 15; ++i) b.add("f.csv", i, "b");
  b.add("h.csv", 9, "h");
  a.merge(b);
  EXPECT_EQ(a.total(), 9u);
  const SkippedRows& f = a.by_file().at("f.csv");
  EXPECT_EQ(f.count, 7u);
  EXPECT_EQ(f.examples,
            (Examples{"f.csv:1: a1", "f.csv:2: a2", "f.csv:10: b", "f.csv:11: b", "f.csv:12: b"}));
  EXPECT_EQ(a.by_file().at("g.csv").count, 1u);
  EXPECT_EQ(a.by_file().at("h.csv").examples, (Examples{"h.csv:9: h"}));
  // The merged-from log is unchanged.
  EXPECT_EQ(b.total(), 6u);
}

TEST(SkipLog, MergeWithItselfDoublesCounts) {
  SkipLog log;
  log.add("f.csv", 1, "x");
  log.add("f.csv", 2, "y");
  log.merge(log);
  EXPECT_EQ(log.total(), 4u);
  EXPECT_EQ(log.by_file().at("f.csv").examples,
            (Examples{"f.csv:1: x", "f.csv:2: y", "f.csv:1: x", "f.csv:2: y"}));
}

}  // namespace
}  // namespace mn
