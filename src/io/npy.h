#pragma once
// NumPy .npy files (format version 1.0, little-endian, C order) so that a Python user can
// numpy.load what movienight saves. float32, float64, int32 and int64 arrays of any rank.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mn {

struct NpyArray {
  std::string dtype;  // "<f4", "<f8", "<i4", "<i8"
  std::vector<std::size_t> shape;
  std::vector<char> data;  // raw little-endian bytes, C order

  std::size_t element_count() const;
  template <typename T>
  std::vector<T> as() const;
};

template <typename T>
const char* npy_dtype();

// Writes atomically (temp file + rename).
template <typename T>
void save_npy(const std::filesystem::path& path, const T* data, const std::vector<std::size_t>& shape);
template <typename T>
void save_npy(const std::filesystem::path& path, const std::vector<T>& data,
              const std::vector<std::size_t>& shape) {
  save_npy(path, data.data(), shape);
}

// Throws mn::Error naming the file for a corrupt or unsupported file.
NpyArray load_npy(const std::filesystem::path& path);
NpyArray parse_npy(const std::string& bytes, const std::string& name);

}  // namespace mn
