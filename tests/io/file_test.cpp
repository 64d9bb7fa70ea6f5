#include "io/file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

std::vector<std::string> entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(File, ReadFileReturnsExactBytes) {
  test::TempDir dir;
  const std::string data = std::string("a\0b\r\n", 5) + std::string(200000, 'z');
  test::write_text(dir / "f.bin", data);
  EXPECT_EQ(read_file(dir / "f.bin"), data);
}

TEST(File, ReadFileOfEmptyFile) {
  test::TempDir dir;
  test::write_text(dir / "empty", "");
  EXPECT_EQ(read_file(dir / "empty"), "");
}

TEST(File, ReadMissingFileThrowsIoError) {
  test::TempDir dir;
  try {
    read_file(dir / "missing.txt");
    FAIL() << "expected mn::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("missing.txt: cannot open"), std::string::npos) << e.what();
  }
}

TEST(File, ReadPrefix) {
  test::TempDir dir;
  test::write_text(dir / "p.txt", "userId,movieId,rating\n1,2,3\n");
  EXPECT_EQ(read_prefix(dir / "p.txt", 6), "userId");
  EXPECT_EQ(read_prefix(dir / "p.txt", 0), "");
  EXPECT_EQ(read_prefix(dir / "p.txt", 1000), "userId,movieId,rating\n1,2,3\n");
  EXPECT_THROW(read_prefix(dir / "nope.txt", 10), Error);
}

TEST(File, WriteAtomicCreatesFileAndLeavesNoTemporary) {
  test::TempDir dir;
  write_file_atomic(dir / "out.txt", "hello\n");
  EXPECT_EQ(read_file(dir / "out.txt"), "hello\n");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"out.txt"}));
  // Replacing an existing file.
  write_file_atomic(dir / "out.txt", "second");
  EXPECT_EQ(read_file(dir / "out.txt"), "second");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"out.txt"}));
}

TEST(File, WriteAtomicWithCallback) {
  test::TempDir dir;
  write_file_atomic(dir / "cb.bin", [&](int fd) {
    write_all(fd, "ab", 2, dir / "cb.bin");
    write_all(fd, "cd", 2, dir / "cb.bin");
  });
  EXPECT_EQ(read_file(dir / "cb.bin"), "abcd");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"cb.bin"}));
}

TEST(File, WriterThatThrowsKeepsOldFile) {
  test::TempDir dir;
  write_file_atomic(dir / "keep.txt", "old contents");
  EXPECT_THROW(write_file_atomic(dir / "keep.txt",
                                 [&](int fd) {
                                   write_all(fd, "partial new", 11, dir / "keep.txt");
                                   throw std::runtime_error("writer failed");
                                 }),
               std::runtime_error);
  EXPECT_EQ(read_file(dir / "keep.txt"), "old contents");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"keep.txt"}));
}

TEST(File, WriterThatThrowsCreatesNothing) {
  test::TempDir dir;
  EXPECT_THROW(write_file_atomic(dir / "new.txt", [](int) { throw Error(ErrorKind::kInternal, "boom"); }),
               Error);
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(File, WriteAtomicIntoMissingFolderThrows) {
  test::TempDir dir;
  EXPECT_THROW(write_file_atomic(dir / "no" / "such" / "f.txt", "x"), Error);
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(File, WriteAtomicRelativePath) {
  test::TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  write_file_atomic("rel.txt", "relative");
  std::filesystem::current_path(cwd);
  EXPECT_EQ(read_file(dir / "rel.txt"), "relative");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"rel.txt"}));
}

TEST(File, WriteAllToBadDescriptorThrows) {
  test::TempDir dir;
  EXPECT_THROW(write_all(-1, "x", 1, dir / "x"), Error);
}

}  // namespace
}  // namespace mn
