#include "io/npy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/file.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

std::size_t header_length(const std::string& bytes) {
  return static_cast<unsigned char>(bytes[8]) |
         (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
}

TEST(Npy, Float32OneDimensionalRoundTrip) {
  test::TempDir dir;
  const std::vector<float> values = {1.5f, -2.25f, 3.0e-7f};
  save_npy(dir / "v.npy", values, {3});
  const NpyArray arr = load_npy(dir / "v.npy");
  EXPECT_EQ(arr.dtype, "<f4");
  EXPECT_EQ(arr.shape, (std::vector<std::size_t>{3}));
  EXPECT_EQ(arr.element_count(), 3u);
  EXPECT_EQ(arr.as<float>(), values);
  EXPECT_THROW(arr.as<double>(), Error);
  EXPECT_THROW(arr.as<std::int32_t>(), Error);
}

TEST(Npy, Int64TwoDimensionalRoundTrip) {
  test::TempDir dir;
  const std::vector<std::int64_t> values = {0, 1, -1, INT64_MAX, INT64_MIN, 42};
  save_npy(dir / "m.npy", values, {2, 3});
  const NpyArray arr = load_npy(dir / "m.npy");
  EXPECT_EQ(arr.dtype, "<i8");
  EXPECT_EQ(arr.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(arr.as<std::int64_t>(), values);
}

TEST(Npy, Float32TwoDimensionalAndOtherTypes) {
  test::TempDir dir;
  const std::vector<float> f = {1, 2, 3, 4, 5, 6, 7, 8};
  save_npy(dir / "f.npy", f, {4, 2});
  EXPECT_EQ(load_npy(dir / "f.npy").as<float>(), f);
  EXPECT_EQ(load_npy(dir / "f.npy").shape, (std::vector<std::size_t>{4, 2}));
  const std::vector<double> d = {0.1, 0.2};
  save_npy(dir / "d.npy", d, {2});
  EXPECT_EQ(load_npy(dir / "d.npy").as<double>(), d);
  const std::vector<std::int32_t> i = {-7, 7, 9};
  save_npy(dir / "i.npy", i, {1, 3});
  EXPECT_EQ(load_npy(dir / "i.npy").as<std::int32_t>(), i);
}

TEST(Npy, EmptyArray) {
  test::TempDir dir;
  const std::vector<float> none;
  save_npy(dir / "e.npy", none, {0, 4});
  const NpyArray arr = load_npy(dir / "e.npy");
  EXPECT_EQ(arr.shape, (std::vector<std::size_t>{0, 4}));
  EXPECT_TRUE(arr.as<float>().empty());
}

TEST(Npy, HeaderLayoutMatchesNumpy) {
  test::TempDir dir;
  const std::vector<float> values = {1.0f, 2.0f, 3.0f};
  save_npy(dir / "v.npy", values, {3});
  const std::string bytes = read_file(dir / "v.npy");
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], '\x01');
  EXPECT_EQ(bytes[7], '\x00');
  const std::size_t len = header_length(bytes);
  const std::size_t data_start = 10 + len;
  EXPECT_EQ(data_start % 64, 0u);
  EXPECT_EQ(data_start, 128u);  // as numpy.save writes it: 10 + 57 + 1 bytes round up to 128
  ASSERT_EQ(bytes.size(), data_start + 3 * sizeof(float));
  const std::string header = bytes.substr(10, len);
  // What numpy.save writes for np.zeros(3, dtype='<f4'), padded with spaces and ending in '\n'.
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  EXPECT_EQ(header.substr(0, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.find_first_not_of(' ', dict.size()), len - 1);
  // Data: little-endian 1.0f = 00 00 80 3F.
  EXPECT_EQ(bytes.substr(data_start, 4), std::string("\x00\x00\x80\x3F", 4));
}

TEST(Npy, TwoDimensionalShapeText) {
  test::TempDir dir;
  const std::vector<std::int64_t> values(6, 0);
  save_npy(dir / "m.npy", values, {2, 3});
  const std::string bytes = read_file(dir / "m.npy");
  const std::string header = bytes.substr(10, header_length(bytes));
  EXPECT_NE(header.find("'descr': '<i8'"), std::string::npos);
  EXPECT_NE(header.find("'shape': (2, 3), }"), std::string::npos);
  EXPECT_EQ((10 + header.size()) % 64, 0u);
}

TEST(Npy, ParsesVersionTwoHeader) {
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
  header.append(64 - (12 + header.size() + 1) % 64, ' ');
  header.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes += std::string("\x02\x00", 2);
  const auto len = static_cast<std::uint32_t>(header.size());
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  bytes += header;
  bytes += std::string("\x05\x00\x00\x00\xFF\xFF\xFF\xFF", 8);
  const NpyArray arr = parse_npy(bytes, "v2.npy");
  EXPECT_EQ(arr.as<std::int32_t>(), (std::vector<std::int32_t>{5, -1}));
}

// A valid 1-D float32 file for two values whose header the tests then break.
std::string valid_bytes(const std::string& dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                        std::size_t data_bytes = 8) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes += std::string("\x01\x00", 2);
  bytes.push_back(static_cast<char>(header.size() & 0xFF));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  return bytes + header + std::string(data_bytes, '\0');
}

void expect_rejected(const std::string& bytes, const std::string& why) {
  try {
    parse_npy(bytes, "bad.npy");
    ADD_FAILURE() << "accepted: " << why;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput) << why;
    EXPECT_EQ(std::string(e.what()).rfind("bad.npy: ", 0), 0u) << e.what();
  }
}

TEST(Npy, CorruptFilesAreRejected) {
  ASSERT_EQ(parse_npy(valid_bytes(), "ok.npy").as<float>().size(), 2u);
  expect_rejected("", "empty");
  expect_rejected("\x93NUMP", "short magic");
  expect_rejected("PK\x03\x04xxxxxxxxxxxx", "zip file");
  std::string bytes = valid_bytes();
  bytes[6] = '\x04';
  expect_rejected(bytes, "version 4");
  expect_rejected(valid_bytes().substr(0, 40), "truncated header");
  expect_rejected(valid_bytes().substr(0, valid_bytes().size() - 1), "truncated data");
  expect_rejected(valid_bytes() + "x", "trailing bytes");
  expect_rejected(valid_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }"), "float16");
  expect_rejected(valid_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"), "big-endian");
  expect_rejected(valid_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"), "Fortran order");
  expect_rejected(valid_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,a), }"), "bad shape");
  expect_rejected(valid_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': 2, }"), "no tuple");
  expect_rejected(valid_bytes("{'descr': '<f4', 'fortran_order': False}"), "no shape");
  expect_rejected(valid_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), "unclosed shape");
  expect_rejected(valid_bytes("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }"), "broken descr");
  // Dimensions whose product overflows 64 bits must not wrap around to a small size.
  expect_rejected(
      valid_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0),
      "overflowing shape");
  expect_rejected(
      valid_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", 0),
      "overflowing shape");
  expect_rejected(
      valid_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }", 0),
      "element count times size overflows");
}

TEST(Npy, LoadMissingFileThrows) {
  test::TempDir dir;
  EXPECT_THROW(load_npy(dir / "missing.npy"), Error);
}

}  // namespace
}  // namespace mn
