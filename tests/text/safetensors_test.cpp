// The safetensors reader: the synthetic MiniLM file, the real model's header layout, dtypes, and
// damaged files (every error names the file and, where there is one, the tensor).
#include "text/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/file.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {

std::filesystem::path synthetic_model() {
  return test::shared_dir() / "testvectors" / "minilm" / "synthetic-model";
}

std::string read_bytes(const std::filesystem::path& path) { return read_file(path); }

// A file of the given header JSON (padded to 8 bytes) and data bytes.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string h = header;
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const std::uint64_t n = h.size();
  std::memcpy(out.data(), &n, 8);
  return out + h + data;
}

// The error message of opening (and reading every tensor of) a file.
std::string open_error(const std::filesystem::path& path) {
  try {
    const SafetensorsFile f = SafetensorsFile::open(path);
    for (const auto& name : f.names()) {
      if (f.info(name).dtype == SafetensorsDtype::kF32) (void)f.read_f32(name);
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SafetensorsTest, ReadsTheSyntheticModel) {
  const SafetensorsFile f = SafetensorsFile::open(synthetic_model() / "model.safetensors");
  // 5 embedding tensors, position_ids, 16 per layer × 3, pooler weight and bias.
  EXPECT_EQ(f.names().size(), 5u + 1 + 16 * 3 + 2);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const TensorInfo& ids = f.info("embeddings.position_ids");
  EXPECT_EQ(ids.dtype, SafetensorsDtype::kI64);
  EXPECT_EQ(ids.shape, (std::vector<std::int64_t>{1, 512}));
  const auto raw = f.bytes("embeddings.position_ids");
  std::int64_t last = 0;
  std::memcpy(&last, raw.data() + 511 * 8, 8);
  EXPECT_EQ(last, 511);
  const auto word = f.read_f32("embeddings.word_embeddings.weight", {30522, 48});
  EXPECT_EQ(word.size(), 30522u * 48);
  EXPECT_EQ(f.info("encoder.layer.2.intermediate.dense.weight").shape, (std::vector<std::int64_t>{192, 48}));
  // The position buffer is not floating point.
  EXPECT_THROW((void)f.read_f32("embeddings.position_ids"), Error);
}

TEST(SafetensorsTest, TheRealModelHeaderLayout) {
  // The parsed header of the genuine all-MiniLM-L6-v2 file: its offsets must satisfy the reader.
  std::ifstream in(test::shared_dir() / "models" / "all-MiniLM-L6-v2" / "expected_safetensors_header.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  const nlohmann::json& tensors = expected["tensors"];
  std::uint64_t data_size = 0;
  for (const auto& [name, t] : tensors.items())
    data_size = std::max(data_size, t["data_offsets"][1].get<std::uint64_t>());
  test::TempDir tmp;
  const auto path = tmp / "model.safetensors";
  {
    std::ofstream out(path, std::ios::binary);
    out << safetensors_bytes(tensors.dump(), "");
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) + data_size);  // sparse zeros
  const SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.names().size(), 104u);
  std::int64_t parameters = 0;
  for (const auto& name : f.names()) parameters += f.info(name).elements();
  EXPECT_EQ(parameters, 22713728);  // the published count (position_ids included)
  EXPECT_EQ(f.info("embeddings.word_embeddings.weight").shape, (std::vector<std::int64_t>{30522, 384}));
  EXPECT_EQ(expected["file_size"].get<std::uint64_t>(),
            8 + expected["header_length"].get<std::uint64_t>() + data_size);
}

TEST(SafetensorsTest, WritesAndReadsEveryFloatType) {
  test::TempDir tmp;
  const std::vector<float> values{1.0f, -2.5f, 0.0f, 65504.0f};
  std::vector<TensorToWrite> tensors;
  tensors.push_back(f32_tensor("f32", {2, 2}, values));
  TensorToWrite f16{"f16", SafetensorsDtype::kF16, {5}, ""};
  // 1, -2.5, 65504 (largest half), 2^-24 (smallest subnormal), +inf.
  for (const std::uint16_t h : {0x3C00, 0xC100, 0x7BFF, 0x0001, 0x7C00})
    f16.bytes.append(reinterpret_cast<const char*>(&h), 2);
  tensors.push_back(f16);
  TensorToWrite bf16{"bf16", SafetensorsDtype::kBF16, {2}, ""};
  for (const std::uint16_t h : {0x3F80, 0xC020}) bf16.bytes.append(reinterpret_cast<const char*>(&h), 2);
  tensors.push_back(bf16);
  write_safetensors(tmp / "t.safetensors", tensors, {{"format", "pt"}});

  const SafetensorsFile f = SafetensorsFile::open(tmp / "t.safetensors");
  EXPECT_EQ(f.header_size() % 8, 0u);
  EXPECT_EQ(f.read_f32("f32", {2, 2}), values);
  const auto h = f.read_f32("f16");
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], -2.5f);
  EXPECT_EQ(h[2], 65504.0f);
  EXPECT_EQ(h[3], std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(h[4]));
  EXPECT_EQ(f.read_f32("bf16"), (std::vector<float>{1.0f, -2.5f}));
  // Larger dtypes first, then by name.
  EXPECT_EQ(f.names(), (std::vector<std::string>{"f32", "bf16", "f16"}));
}

TEST(SafetensorsTest, TruncatedFileNamesFileAndTensor) {
  test::TempDir tmp;
  const std::string full = read_bytes(synthetic_model() / "model.safetensors");
  const auto path = tmp / "model.safetensors";
  test::write_text(path, full.substr(0, full.size() / 2));
  const std::string message = open_error(path);
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("tensor '"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;

  test::write_text(path, full.substr(0, 5));
  EXPECT_NE(open_error(path).find("8-byte header length"), std::string::npos) << open_error(path);
  test::write_text(path, full.substr(0, 1000));
  EXPECT_NE(open_error(path).find("runs past the end of the file"), std::string::npos) << open_error(path);
}

TEST(SafetensorsTest, CorruptHeadersAreRefused) {
  test::TempDir tmp;
  const auto path = tmp / "bad.safetensors";
  const auto expect = [&](const std::string& header, const std::string& data, const std::string& words) {
    test::write_text(path, safetensors_bytes(header, data));
    const std::string message = open_error(path);
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(words), std::string::npos) << header << " -> " << message;
  };
  const std::string eight(8, '\0');
  expect("{not json", eight, "not valid JSON");
  expect("[1, 2]", eight, "not a JSON object");
  expect(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", eight,
         "tensor 'w': F32 [3] needs 12 bytes");
  expect(R"({"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}})", eight,
         "tensor 'w': unsupported dtype Q4");
  expect(R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", eight, "tensor 'w': the shape");
  expect(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", eight,
         "tensor 'w': data_offsets");
  expect(R"({"w": {"dtype": "F32", "shape": [2]}})", eight, "tensor 'w': data_offsets must be");
  expect(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
         eight, "overlaps");
}

TEST(SafetensorsTest, MissingTensorAndWrongShapeNameFileAndTensor) {
  const auto path = synthetic_model() / "model.safetensors";
  const SafetensorsFile f = SafetensorsFile::open(path);
  try {
    (void)f.read_f32("encoder.layer.7.output.dense.weight");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tensor 'encoder.layer.7.output.dense.weight' is missing"),
              std::string::npos)
        << e.what();
  }
  try {
    (void)f.read_f32("embeddings.LayerNorm.weight", {384});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("tensor 'embeddings.LayerNorm.weight': has shape [48], expected [384]"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(SafetensorsFile::open(synthetic_model() / "nothing.safetensors"), Error);
}

}  // namespace
}  // namespace mn
