#include "io/npy.h"

#include <cstring>
#include <limits>

#include "io/file.h"
#include "util/error.h"

namespace mn {

template <>
const char* npy_dtype<float>() {
  return "<f4";
}
template <>
const char* npy_dtype<double>() {
  return "<f8";
}
template <>
const char* npy_dtype<std::int32_t>() {
  return "<i4";
}
template <>
const char* npy_dtype<std::int64_t>() {
  return "<i8";
}

namespace {
std::size_t dtype_size(const std::string& dtype) {
  if (dtype == "<f4" || dtype == "<i4") return 4;
  if (dtype == "<f8" || dtype == "<i8") return 8;
  return 0;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
    if (i + 1 < shape.size()) s += " ";
  }
  return s + ")";
}
}  // namespace

std::size_t NpyArray::element_count() const {
  std::size_t n = 1;
  for (const std::size_t d : shape) n *= d;
  return n;
}

template <typename T>
std::vector<T> NpyArray::as() const {
  if (dtype != npy_dtype<T>()) {
    throw Error(ErrorKind::kInvalidInput,
                "npy: expected dtype " + std::string(npy_dtype<T>()) + ", found " + dtype);
  }
  const std::size_t count = element_count();
  if (data.size() % sizeof(T) != 0 || data.size() / sizeof(T) != count) {
    throw Error(ErrorKind::kInternal, "npy: data size does not match shape");
  }
  std::vector<T> out(count);
  if (count > 0) std::memcpy(out.data(), data.data(), data.size());
  return out;
}

template <typename T>
void save_npy(const std::filesystem::path& path, const T* values, const std::vector<std::size_t>& shape) {
  std::string header = "{'descr': '" + std::string(npy_dtype<T>()) +
                       "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  // Version 1.0 stores the header length in 16 bits.
  if (header.size() > 0xFFFF) throw Error(ErrorKind::kInternal, "npy: header too long for " + path.string());
  std::size_t count = 1;
  for (const std::size_t d : shape) count *= d;
  write_file_atomic(path, [&](int fd) {
    std::string prefix = "\x93NUMPY";
    prefix.push_back('\x01');
    prefix.push_back('\x00');
    const auto len = static_cast<std::uint16_t>(header.size());
    prefix.push_back(static_cast<char>(len & 0xFF));
    prefix.push_back(static_cast<char>(len >> 8));
    prefix += header;
    write_all(fd, prefix.data(), prefix.size(), path);
    write_all(fd, values, count * sizeof(T), path);
  });
}

NpyArray parse_npy(const std::string& bytes, const std::string& name) {
  auto bad = [&](const std::string& why) -> Error {
    return Error(ErrorKind::kInvalidInput, name + ": not a supported .npy file: " + why);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw bad("missing magic");
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw bad("truncated header");
    for (int i = 3; i >= 0; --i) {
      header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    }
    offset = 12;
  } else {
    throw bad("version " + std::to_string(major));
  }
  if (offset + header_len > bytes.size()) throw bad("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  NpyArray arr;
  const auto descr = header.find("'descr':");
  const auto fortran = header.find("'fortran_order':");
  const auto shape = header.find("'shape':");
  if (descr == std::string::npos || fortran == std::string::npos || shape == std::string::npos) {
    throw bad("bad header");
  }
  const auto q1 = header.find('\'', descr + 8);
  const auto q2 = q1 == std::string::npos ? q1 : header.find('\'', q1 + 1);
  if (q2 == std::string::npos) throw bad("bad descr");
  arr.dtype = header.substr(q1 + 1, q2 - q1 - 1);
  if (dtype_size(arr.dtype) == 0) throw bad("dtype " + arr.dtype);
  if (header.compare(fortran + 16, 6, " False") != 0 && header.compare(fortran + 16, 5, "False") != 0) {
    throw bad("Fortran order");
  }
  const auto open = header.find('(', shape);
  const auto close = open == std::string::npos ? open : header.find(')', open);
  if (close == std::string::npos) throw bad("bad shape");
  std::size_t value = 0;
  bool have = false;
  for (std::size_t i = open + 1; i < close; ++i) {
    const char c = header[i];
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<std::size_t>(c - '0');
      have = true;
      if (value > (std::size_t{1} << 40)) throw bad("shape too large");
    } else if (c == ',') {
      if (have) arr.shape.push_back(value);
      value = 0;
      have = false;
    } else if (c != ' ') {
      throw bad("bad shape");
    }
  }
  if (have) arr.shape.push_back(value);
  // The byte count is computed with overflow checks: a product that wraps around could match a
  // short file and make as<T>() read far past the data.
  std::size_t need = dtype_size(arr.dtype);
  for (const std::size_t d : arr.shape) {
    if (d != 0 && need > std::numeric_limits<std::size_t>::max() / d) throw bad("shape too large");
    need *= d;
  }
  const std::size_t data_offset = offset + header_len;
  if (bytes.size() - data_offset != need) throw bad("data size does not match shape");
  arr.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_offset), bytes.end());
  return arr;
}

NpyArray load_npy(const std::filesystem::path& path) { return parse_npy(read_file(path), path.string()); }

template std::vector<float> NpyArray::as<float>() const;
template std::vector<double> NpyArray::as<double>() const;
template std::vector<std::int32_t> NpyArray::as<std::int32_t>() const;
template std::vector<std::int64_t> NpyArray::as<std::int64_t>() const;
template void save_npy<float>(const std::filesystem::path&, const float*, const std::vector<std::size_t>&);
template void save_npy<double>(const std::filesystem::path&, const double*, const std::vector<std::size_t>&);
template void save_npy<std::int32_t>(const std::filesystem::path&, const std::int32_t*,
                                     const std::vector<std::size_t>&);
template void save_npy<std::int64_t>(const std::filesystem::path&, const std::int64_t*,
                                     const std::vector<std::size_t>&);

}  // namespace mn
