#include "io/csv_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

using Rows = std::vector<std::vector<std::string>>;

struct ReadResult {
  Rows rows;
  std::vector<std::size_t> lines;
  CsvReader::Status last = CsvReader::Status::kEnd;
};

// Reads every record (including an unterminated last one) into owned strings.
ReadResult read_all(CsvReader reader) {
  ReadResult out;
  for (;;) {
    const CsvReader::Status status = reader.next();
    if (status == CsvReader::Status::kEnd) break;
    out.rows.emplace_back(reader.fields().begin(), reader.fields().end());
    out.lines.push_back(reader.line());
    if (status == CsvReader::Status::kUnterminated) {
      out.last = status;
      EXPECT_EQ(reader.next(), CsvReader::Status::kEnd);
      break;
    }
  }
  return out;
}

ReadResult read_string(const std::string& data, CsvOptions options = {}) {
  return read_all(CsvReader::from_string(data, "test.csv", std::move(options)));
}

TEST(CsvReader, PlainRecordsWithLf) {
  const ReadResult r = read_string("a,b,c\n1,2,3\n");
  EXPECT_EQ(r.rows, (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(r.last, CsvReader::Status::kEnd);
}

TEST(CsvReader, EmptyFieldsAreKept) {
  const ReadResult r = read_string(",a,,\n\"\",x\n");
  EXPECT_EQ(r.rows, (Rows{{"", "a", "", ""}, {"", "x"}}));
}

TEST(CsvReader, QuotedFieldWithCommaAndDoubledQuotes) {
  const ReadResult r = read_string("id,title\n1,\"Toy Story, \"\"the\"\" movie\"\n");
  EXPECT_EQ(r.rows, (Rows{{"id", "title"}, {"1", "Toy Story, \"the\" movie"}}));
}

TEST(CsvReader, QuotedFieldsWithEmbeddedLfAndCrlf) {
  const ReadResult r = read_string("1,\"line one\nline two\",x\n2,\"a\r\nb\",y\n3,z,w\n");
  EXPECT_EQ(r.rows, (Rows{{"1", "line one\nline two", "x"}, {"2", "a\r\nb", "y"}, {"3", "z", "w"}}));
  // A record's line is the physical line where it starts.
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{1, 3, 5}));
}

TEST(CsvReader, MixedRecordEnds) {
  const ReadResult r = read_string("a,b\r\nc,d\re,f\ng,h\r\n");
  EXPECT_EQ(r.rows, (Rows{{"a", "b"}, {"c", "d"}, {"e", "f"}, {"g", "h"}}));
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{1, 2, 3, 4}));
}

TEST(CsvReader, QuotedFieldAtRecordEndWithCr) {
  const ReadResult r = read_string("\"a\"\r\"b\"\r\n\"c\"");
  EXPECT_EQ(r.rows, (Rows{{"a"}, {"b"}, {"c"}}));
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{1, 2, 3}));
}

TEST(CsvReader, Utf8BomIsSkipped) {
  const ReadResult r = read_string("\xEF\xBB\xBFuserId,movieId\n1,2\n");
  EXPECT_EQ(r.rows, (Rows{{"userId", "movieId"}, {"1", "2"}}));
}

TEST(CsvReader, BomOnlyInputHasNoRecords) {
  const ReadResult r = read_string("\xEF\xBB\xBF");
  EXPECT_TRUE(r.rows.empty());
}

TEST(CsvReader, BlankLinesAreSkippedButCounted) {
  const ReadResult r = read_string("\n\r\na,b\n\n\r\r\nc,d\n\n");
  EXPECT_EQ(r.rows, (Rows{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{3, 7}));
}

TEST(CsvReader, FinalRecordWithoutNewline) {
  const ReadResult r = read_string("a,b\nc,\"d\"");
  EXPECT_EQ(r.rows, (Rows{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(r.last, CsvReader::Status::kEnd);
}

TEST(CsvReader, EmptyInputHasNoRecords) {
  CsvReader reader = CsvReader::from_string("", "empty.csv");
  EXPECT_EQ(reader.next(), CsvReader::Status::kEnd);
  EXPECT_EQ(reader.next(), CsvReader::Status::kEnd);
}

TEST(CsvReader, LineNumbersAfterMultiLineRecords) {
  const std::string data =
      "h1,h2\n"           // line 1
      "1,\"a\nb\nc\"\n"   // lines 2-4
      "2,\"x\r\ny\"\r\n"  // lines 5-6
      "\n"                // line 7 (blank)
      "3,\"p\rq\"\n"      // lines 8-9: a lone CR is a line break too
      "4,plain\n";        // line 10
  const ReadResult r = read_string(data);
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{1, 2, 5, 8, 10}));
  EXPECT_EQ(r.rows[1][1], "a\nb\nc");
  EXPECT_EQ(r.rows[3][1], "p\rq");
  EXPECT_EQ(r.rows[4], (std::vector<std::string>{"4", "plain"}));
}

TEST(CsvReader, TextAfterClosingQuoteIsKept) {
  const ReadResult r = read_string("\"ab\"cd,e\n");
  EXPECT_EQ(r.rows, (Rows{{"abcd", "e"}}));
}

TEST(CsvReader, UnterminatedQuoteAtEof) {
  const ReadResult r = read_string("a,b\nc,\"never\nclosed");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.last, CsvReader::Status::kUnterminated);
  EXPECT_EQ(r.rows[1], (std::vector<std::string>{"c", "never\nclosed"}));
  EXPECT_EQ(r.lines[1], 2u);
}

TEST(CsvReader, NextOrThrowNamesFileAndLine) {
  CsvReader reader = CsvReader::from_string("x\n\ny\n\"open", "ratings.csv");
  EXPECT_TRUE(reader.next_or_throw());
  EXPECT_TRUE(reader.next_or_throw());
  try {
    reader.next_or_throw();
    FAIL() << "expected mn::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("ratings.csv:4:"), std::string::npos) << e.what();
  }
}

TEST(CsvReader, NextOrThrowReturnsFalseAtEnd) {
  CsvReader reader = CsvReader::from_string("x\n", "a.csv");
  EXPECT_TRUE(reader.next_or_throw());
  EXPECT_FALSE(reader.next_or_throw());
}

TEST(CsvReader, UnquotedDoubleColon) {
  const ReadResult r =
      read_string("1::Toy Story (1995)::Animation|Comedy\r\n2::\"Jumanji\"::\n", CsvOptions{"::", false});
  EXPECT_EQ(r.rows, (Rows{{"1", "Toy Story (1995)", "Animation|Comedy"}, {"2", "\"Jumanji\"", ""}}));
}

TEST(CsvReader, UnquotedDoubleColonWithOddColons) {
  const ReadResult r = read_string("a:::b\n:x\n", CsvOptions{"::", false});
  EXPECT_EQ(r.rows, (Rows{{"a", ":b"}, {":x"}}));
}

TEST(CsvReader, UnquotedTabAndPipe) {
  const ReadResult tab =
      read_string("196\t242\t3\t881250949\n186\t302\t3\t891717742", CsvOptions{"\t", false});
  EXPECT_EQ(tab.rows, (Rows{{"196", "242", "3", "881250949"}, {"186", "302", "3", "891717742"}}));
  EXPECT_EQ(tab.lines, (std::vector<std::size_t>{1, 2}));
  const ReadResult pipe =
      read_string("1|Toy Story (1995)|01-Jan-1995||\r2|a \"b\"|\n", CsvOptions{"|", false});
  EXPECT_EQ(pipe.rows, (Rows{{"1", "Toy Story (1995)", "01-Jan-1995", "", ""}, {"2", "a \"b\"", ""}}));
}

TEST(CsvReader, QuotingNeedsOneCharacterDelimiter) {
  EXPECT_THROW(CsvReader::from_string("a", "x", CsvOptions{"::", true}), Error);
  EXPECT_THROW(CsvReader::from_string("a", "x", CsvOptions{"", false}), Error);
}

TEST(CsvReader, OpenMissingFileThrows) {
  test::TempDir dir;
  EXPECT_THROW(CsvReader::open(dir / "missing.csv"), Error);
}

TEST(CsvReader, MovedReaderKeepsPosition) {
  CsvReader a = CsvReader::from_string("1\n2\n3\n", "m.csv");
  ASSERT_EQ(a.next(), CsvReader::Status::kRecord);
  CsvReader b = std::move(a);
  ASSERT_EQ(b.next(), CsvReader::Status::kRecord);
  EXPECT_EQ(b[0], "2");
  EXPECT_EQ(b.line(), 2u);
  CsvReader c = CsvReader::from_string("", "c.csv");
  c = std::move(b);
  ASSERT_EQ(c.next(), CsvReader::Status::kRecord);
  EXPECT_EQ(c[0], "3");
  EXPECT_EQ(c.next(), CsvReader::Status::kEnd);
}

// Deterministic pseudo-random text with quotes, delimiters and every kind of line break.
std::string make_field(std::size_t seed, std::size_t length) {
  static const char kAlphabet[] = "abcxyz ,\"\n\r0123456789";
  std::string s;
  s.reserve(length);
  std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (std::size_t i = 0; i < length; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s.push_back(kAlphabet[(x >> 33) % (sizeof kAlphabet - 1)]);
  }
  return s;
}

std::string quote(const std::string& field) {
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::size_t count_line_breaks(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'))) ++n;
  }
  return n;
}

TEST(CsvReader, RecordsStraddlingBlockBoundaries) {
  // Field lengths chosen so that records, quotes, doubled quotes and CRLF pairs land on the
  // 1 MiB block edges; some fields are larger than a block.
  Rows expected;
  std::vector<std::size_t> expected_lines;
  std::string data;
  std::size_t line = 1;
  const std::size_t lengths[] = {1, 1000, 70000, 1500000, 3, 999999, 48575, 2, 1048576, 7, 300000, 12};
  std::size_t seed = 0;
  while (data.size() < (3u << 20) + 100000) {
    for (const std::size_t len : lengths) {
      std::vector<std::string> row = {std::to_string(seed), make_field(seed, len),
                                      make_field(seed + 1, len % 97)};
      const std::string text = row[0] + "," + quote(row[1]) + "," + quote(row[2]);
      expected_lines.push_back(line);
      line += count_line_breaks(text) + 1;
      data += text;
      data += seed % 3 == 0 ? "\r\n" : seed % 3 == 1 ? "\n" : "\r";
      expected.push_back(std::move(row));
      ++seed;
    }
  }
  ASSERT_GT(data.size(), 3u << 20);
  test::TempDir dir;
  const auto path = dir / "big.csv";
  test::write_text(path, data);

  const ReadResult from_file = read_all(CsvReader::open(path));
  ASSERT_EQ(from_file.rows.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(from_file.rows[i], expected[i]) << "record " << i;
  }
  EXPECT_EQ(from_file.lines, expected_lines);
  EXPECT_EQ(from_file.last, CsvReader::Status::kEnd);

  const ReadResult from_string = read_string(data);
  EXPECT_EQ(from_string.rows, from_file.rows);
  EXPECT_EQ(from_string.lines, from_file.lines);
}

TEST(CsvReader, CrlfSplitAcrossBlockBoundary) {
  // The record end "\r\n" straddles the first 1 MiB block: the CR is the block's last byte.
  const std::size_t block = 1 << 20;
  std::string data = std::string(block - 1, 'a');
  data += "\r\nb\r\n\r\nc";
  test::TempDir dir;
  test::write_text(dir / "edge.csv", data);
  const ReadResult r = read_all(CsvReader::open(dir / "edge.csv"));
  EXPECT_EQ(r.rows, (Rows{{std::string(block - 1, 'a')}, {"b"}, {"c"}}));
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{1, 2, 4}));
}

TEST(CsvReader, DoubleColonSplitAcrossBlockBoundary) {
  const std::size_t block = 1 << 20;
  std::string data = std::string(block - 1, 'x');
  data += "::y\n1::2\n";
  test::TempDir dir;
  test::write_text(dir / "edge.dat", data);
  const ReadResult r = read_all(CsvReader::open(dir / "edge.dat", CsvOptions{"::", false}));
  EXPECT_EQ(r.rows, (Rows{{std::string(block - 1, 'x'), "y"}, {"1", "2"}}));
}

TEST(CsvReader, OpenAndFromStringAgree) {
  const std::string data =
      "\xEF\xBB\xBFid,name,tags\r\n"
      "1,\"Amélie, \"\"Le fabuleux\"\"\",\"['a', 'b']\"\n"
      "\n"
      "2,\"multi\r\nline\nfield\",x\r"
      "3,,\n"
      "4,last,\"unterminated\n";
  test::TempDir dir;
  test::write_text(dir / "same.csv", data);
  const ReadResult a = read_all(CsvReader::open(dir / "same.csv"));
  const ReadResult b = read_string(data);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.last, CsvReader::Status::kUnterminated);
  EXPECT_EQ(b.last, CsvReader::Status::kUnterminated);
  EXPECT_EQ(a.rows, (Rows{{"id", "name", "tags"},
                          {"1", "Amélie, \"Le fabuleux\"", "['a', 'b']"},
                          {"2", "multi\r\nline\nfield", "x"},
                          {"3", "", ""},
                          {"4", "last", "unterminated\n"}}));
  EXPECT_EQ(a.lines, (std::vector<std::size_t>{1, 2, 4, 7, 8}));
}

TEST(CsvReader, BytesReadReachesInputSize) {
  const std::string data = "a,b\r\n\n\"c\nd\",e\n";
  CsvReader reader = CsvReader::from_string(data, "b.csv");
  while (reader.next() == CsvReader::Status::kRecord) {
  }
  EXPECT_EQ(reader.bytes_read(), data.size());
}

}  // namespace
}  // namespace mn
