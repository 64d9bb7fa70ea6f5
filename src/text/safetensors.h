#pragma once
// A reader of the safetensors format (Hugging Face): an 8-byte little-endian header length, a
// JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}
// padded with spaces, then the raw little-endian tensor data, offsets relative to its start.
// The file is memory-mapped; every tensor is checked against the file when it is opened, and
// every error names the file and, where there is one, the tensor.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mn {

enum class SafetensorsDtype { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

std::string_view dtype_name(SafetensorsDtype dtype);
std::size_t dtype_size(SafetensorsDtype dtype);

struct TensorInfo {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::kF32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets into the data section
  std::uint64_t end = 0;
  std::int64_t elements() const;
};

class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::filesystem::path& path);

  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
  ~SafetensorsFile();

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t file_size() const { return size_; }
  std::uint64_t header_size() const { return header_size_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Tensor names in file order (by data offset).
  std::vector<std::string> names() const;
  bool contains(std::string_view name) const;
  // Throws (naming file and tensor) when the tensor is absent.
  const TensorInfo& info(std::string_view name) const;
  // The tensor's raw bytes, in the file's (little-endian) byte order.
  std::span<const std::byte> bytes(std::string_view name) const;
  // The whole file, for fingerprints.
  std::span<const std::byte> file_bytes() const;

  // A floating-point tensor as float32 (F32 copied, F16/BF16/F64 converted). When shape is not
  // empty the tensor must have exactly that shape.
  std::vector<float> read_f32(std::string_view name, std::span<const std::int64_t> shape = {}) const;
  std::vector<float> read_f32(std::string_view name, std::initializer_list<std::int64_t> shape) const {
    return read_f32(name, std::span<const std::int64_t>(shape.begin(), shape.size()));
  }

 private:
  SafetensorsFile() = default;
  [[noreturn]] void fail(std::string_view tensor, const std::string& reason) const;

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;  // the mapping
  std::uint64_t size_ = 0;
  std::uint64_t header_size_ = 0;
  std::map<std::string, std::string> metadata_;
  std::map<std::string, TensorInfo, std::less<>> tensors_;
};

// Writes tensors in the layout safetensors itself uses (8-byte aligned header padded with
// spaces, larger dtypes first, then by name); used by tests and benchmarks to make models.
struct TensorToWrite {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::kF32;
  std::vector<std::int64_t> shape;
  std::string bytes;  // little-endian
};
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});
TensorToWrite f32_tensor(std::string name, std::vector<std::int64_t> shape, std::span<const float> values);

}  // namespace mn
