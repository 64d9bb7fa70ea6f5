#include "text/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "io/file.h"
#include "util/error.h"

namespace mn {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// The header is JSON text; anything near this size is not a real model header.
constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t{100} << 20;

struct DtypeEntry {
  SafetensorsDtype dtype;
  const char* name;
  std::size_t size;
};
constexpr DtypeEntry kDtypes[] = {
    {SafetensorsDtype::kF64, "F64", 8}, {SafetensorsDtype::kF32, "F32", 4},
    {SafetensorsDtype::kF16, "F16", 2}, {SafetensorsDtype::kBF16, "BF16", 2},
    {SafetensorsDtype::kI64, "I64", 8}, {SafetensorsDtype::kI32, "I32", 4},
    {SafetensorsDtype::kI16, "I16", 2}, {SafetensorsDtype::kI8, "I8", 1},
    {SafetensorsDtype::kU8, "U8", 1},   {SafetensorsDtype::kBool, "BOOL", 1},
};

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// IEEE half to float, subnormals, infinities and NaN included.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits = 0;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400u) == 0);
    bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mantissa & 0x3FFu) << 13);
  } else {
    bits = sign;
  }
  return std::bit_cast<float>(bits);
}

}  // namespace

std::string_view dtype_name(SafetensorsDtype dtype) {
  for (const auto& d : kDtypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

std::size_t dtype_size(SafetensorsDtype dtype) {
  for (const auto& d : kDtypes) {
    if (d.dtype == dtype) return d.size;
  }
  return 0;
}

std::int64_t TensorInfo::elements() const {
  std::int64_t n = 1;
  for (const std::int64_t d : shape) n *= d;
  return n;
}

void SafetensorsFile::fail(std::string_view tensor, const std::string& reason) const {
  std::string message = path_.string() + ": ";
  if (!tensor.empty()) message += "tensor '" + std::string(tensor) + "': ";
  throw Error(ErrorKind::kInvalidInput, message + reason);
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept { *this = std::move(other); }

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    header_size_ = other.header_size_;
    metadata_ = std::move(other.metadata_);
    tensors_ = std::move(other.tensors_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile f;
  f.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error(ErrorKind::kNotFound, path.string() + ": no such file");
    throw_io_error(path.string(), "cannot open");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw_io_error(path.string(), "cannot stat");
  }
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  if (f.size_ < 8) {
    ::close(fd);
    f.fail(
        "",
        "the file is " + std::to_string(f.size_) +
            " bytes; a safetensors file starts with an 8-byte header length (truncated or not safetensors)");
  }
  void* map = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw_io_error(path.string(), "cannot map");
  f.data_ = static_cast<const std::byte*>(map);

  std::uint64_t header = 0;
  std::memcpy(&header, f.data_, 8);
  if (header > f.size_ - 8 || header > kMaxHeaderBytes) {
    f.fail("", "the header length " + std::to_string(header) + " runs past the end of the file (" +
                   std::to_string(f.size_) + " bytes): the file is truncated or not safetensors");
  }
  f.header_size_ = header;
  const std::string_view text(reinterpret_cast<const char*>(f.data_) + 8, header);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    f.fail("", std::string("the header is not valid JSON (truncated or not safetensors): ") + e.what());
  }
  if (!j.is_object()) f.fail("", "the header is not a JSON object");

  const std::uint64_t data_size = f.size_ - 8 - header;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) f.fail("", "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        f.metadata_[m.key()] = m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
      }
      continue;
    }
    if (!v.is_object()) f.fail(name, "its header entry is not an object");
    TensorInfo info;
    info.name = name;
    const auto dtype = v.find("dtype");
    if (dtype == v.end() || !dtype->is_string()) f.fail(name, "no dtype");
    const std::string dtype_text = dtype->get<std::string>();
    const auto known = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                    [&](const DtypeEntry& d) { return dtype_text == d.name; });
    if (known == std::end(kDtypes)) f.fail(name, "unsupported dtype " + dtype_text);
    info.dtype = known->dtype;
    const auto shape = v.find("shape");
    if (shape == v.end() || !shape->is_array()) f.fail(name, "no shape");
    std::uint64_t elements = 1;
    for (const auto& d : *shape) {
      if (!d.is_number_unsigned()) f.fail(name, "the shape " + shape->dump() + " is not a list of sizes");
      const auto size = d.get<std::uint64_t>();
      if (size != 0 && elements > (std::uint64_t{1} << 62) / size)
        f.fail(name, "the shape " + shape->dump() + " is too large");
      elements *= size;
      info.shape.push_back(static_cast<std::int64_t>(size));
    }
    const auto offsets = v.find("data_offsets");
    if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
      f.fail(name, "data_offsets must be [begin, end]");
    }
    info.begin = (*offsets)[0].get<std::uint64_t>();
    info.end = (*offsets)[1].get<std::uint64_t>();
    if (info.begin > info.end) f.fail(name, "data_offsets " + offsets->dump() + " end before they begin");
    if (info.end > data_size) {
      f.fail(name, "data_offsets " + offsets->dump() + " run past the end of the data (" +
                       std::to_string(data_size) + " bytes): the file is truncated");
    }
    const std::uint64_t need = elements * known->size;
    if (info.end - info.begin != need) {
      f.fail(name, dtype_text + " " + shape_text(info.shape) + " needs " + std::to_string(need) +
                       " bytes, but data_offsets " + offsets->dump() + " hold " +
                       std::to_string(info.end - info.begin));
    }
    f.tensors_.emplace(name, std::move(info));
  }
  // Tensors must not share bytes.
  std::vector<const TensorInfo*> order;
  for (const auto& [name, info] : f.tensors_) order.push_back(&info);
  std::sort(order.begin(), order.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (order[i]->begin < order[i - 1]->end && order[i]->begin != order[i]->end) {
      f.fail(order[i]->name, "its data overlaps tensor '" + order[i - 1]->name + "'");
    }
  }
  return f;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<const TensorInfo*> order;
  for (const auto& [name, info] : tensors_) order.push_back(&info);
  std::stable_sort(order.begin(), order.end(),
                   [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  std::vector<std::string> out;
  for (const TensorInfo* t : order) out.push_back(t->name);
  return out;
}

bool SafetensorsFile::contains(std::string_view name) const { return tensors_.find(name) != tensors_.end(); }

const TensorInfo& SafetensorsFile::info(std::string_view name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    throw Error(ErrorKind::kInvalidInput, path_.string() + ": tensor '" + std::string(name) +
                                              "' is missing (the file has " +
                                              std::to_string(tensors_.size()) + " tensors)");
  }
  return it->second;
}

std::span<const std::byte> SafetensorsFile::bytes(std::string_view name) const {
  const TensorInfo& t = info(name);
  return {data_ + 8 + header_size_ + t.begin, static_cast<std::size_t>(t.end - t.begin)};
}

std::span<const std::byte> SafetensorsFile::file_bytes() const {
  return {data_, static_cast<std::size_t>(size_)};
}

std::vector<float> SafetensorsFile::read_f32(std::string_view name,
                                             std::span<const std::int64_t> shape) const {
  const TensorInfo& t = info(name);
  if (!shape.empty() && !std::equal(shape.begin(), shape.end(), t.shape.begin(), t.shape.end())) {
    fail(name, "has shape " + shape_text(t.shape) + ", expected " + shape_text(shape));
  }
  const std::span<const std::byte> raw = bytes(name);
  const auto n = static_cast<std::size_t>(t.elements());
  std::vector<float> out(n);
  switch (t.dtype) {
    case SafetensorsDtype::kF32:
      std::memcpy(out.data(), raw.data(), n * 4);
      break;
    case SafetensorsDtype::kF64:
      for (std::size_t i = 0; i < n; ++i) {
        double v = 0;
        std::memcpy(&v, raw.data() + i * 8, 8);
        out[i] = static_cast<float>(v);
      }
      break;
    case SafetensorsDtype::kF16:
    case SafetensorsDtype::kBF16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t v = 0;
        std::memcpy(&v, raw.data() + i * 2, 2);
        out[i] = t.dtype == SafetensorsDtype::kF16
                     ? half_to_float(v)
                     : std::bit_cast<float>(static_cast<std::uint32_t>(v) << 16);
      }
      break;
    default:
      fail(name, "is " + std::string(dtype_name(t.dtype)) + ", not a floating-point tensor");
  }
  return out;
}

TensorToWrite f32_tensor(std::string name, std::vector<std::int64_t> shape, std::span<const float> values) {
  TensorToWrite t;
  t.name = std::move(name);
  t.dtype = SafetensorsDtype::kF32;
  t.shape = std::move(shape);
  t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return t;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorToWrite*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const TensorToWrite* a, const TensorToWrite* b) {
    const std::size_t sa = dtype_size(a->dtype), sb = dtype_size(b->dtype);
    return sa != sb ? sa > sb : a->name < b->name;
  });
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const TensorToWrite* t : order) {
    header[t->name] = {{"dtype", dtype_name(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + t->bytes.size()}}};
    offset += t->bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const std::uint64_t length = text.size();
  std::memcpy(out.data(), &length, 8);
  out += text;
  out.reserve(out.size() + offset);
  for (const TensorToWrite* t : order) out += t->bytes;
  write_file_atomic(path, out);
}

}  // namespace mn
