// The MiniLM encoder: the synthetic random-weight model of ../shared/testvectors/minilm against
// its float64 reference embeddings, invariance to batching and threads, both kernel builds, and
// the errors a user meets (missing weights, damaged or incomplete files).
#include "text/minilm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "test_support.h"
#include "text/safetensors.h"
#include "util/error.h"

namespace mn {
namespace {

namespace fs = std::filesystem;

fs::path synthetic_model() { return test::shared_dir() / "testvectors" / "minilm" / "synthetic-model"; }
fs::path real_model_files() { return test::shared_dir() / "models" / "all-MiniLM-L6-v2"; }

struct Sentence {
  std::string text;
  std::vector<std::int32_t> ids;
  std::vector<float> embedding;
};

const std::vector<Sentence>& synthetic_sentences() {
  static const std::vector<Sentence> sentences = [] {
    std::ifstream in(test::shared_dir() / "testvectors" / "minilm" / "public_synthetic.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    std::vector<Sentence> out;
    for (const auto& s : j["sentences"]) {
      out.push_back({s["text"], s["token_ids"].get<std::vector<std::int32_t>>(),
                     s["embedding"].get<std::vector<float>>()});
    }
    return out;
  }();
  return sentences;
}

std::vector<std::string> texts() {
  std::vector<std::string> out;
  for (const auto& s : synthetic_sentences()) out.push_back(s.text);
  return out;
}

std::vector<float> encode(const MiniLMEncoder& encoder, const std::vector<std::string>& input) {
  std::vector<float> out(input.size() * static_cast<std::size_t>(encoder.dim()));
  encoder.encode(input, out.data());
  return out;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

std::string load_error(const fs::path& dir) {
  try {
    (void)MiniLMEncoder::load(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A copy of the synthetic model whose weights file is rewritten by edit.
fs::path edited_model(const test::TempDir& tmp,
                      const std::function<void(std::vector<TensorToWrite>&)>& edit) {
  const fs::path dir = tmp / "model";
  fs::create_directories(dir);
  for (const char* f : {"config.json", "vocab.txt", "sentence_bert_config.json"})
    fs::copy_file(synthetic_model() / f, dir / f);
  const SafetensorsFile st = SafetensorsFile::open(synthetic_model() / "model.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const auto& name : st.names()) {
    const auto bytes = st.bytes(name);
    tensors.push_back({name, st.info(name).dtype, st.info(name).shape,
                       std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())});
  }
  edit(tensors);
  write_safetensors(dir / "model.safetensors", tensors);
  return dir;
}

TEST(MiniLMTest, SyntheticModelConfig) {
  const auto encoder = MiniLMEncoder::load(synthetic_model());
  EXPECT_EQ(encoder->name(), "minilm");
  EXPECT_EQ(encoder->dim(), 48);
  EXPECT_EQ(encoder->config().heads, 12);
  EXPECT_EQ(encoder->config().layers, 3);
  EXPECT_EQ(encoder->config().intermediate, 192);
  EXPECT_EQ(encoder->config().layer_norm_eps, 1e-12);
  EXPECT_EQ(encoder->max_seq_length(), 256);
  for (const auto& s : synthetic_sentences()) EXPECT_EQ(encoder->tokenize(s.text), s.ids) << s.text;
}

TEST(MiniLMTest, SyntheticEmbeddingsWithin1e5) {
  for (const auto choice : {bert::KernelChoice::kAuto, bert::KernelChoice::kGeneric}) {
    MiniLMOptions options;
    options.kernels = choice;
    const auto encoder = MiniLMEncoder::load(synthetic_model(), options);
    const std::vector<float> got = encode(*encoder, texts());
    float worst = 0;
    for (std::size_t i = 0; i < synthetic_sentences().size(); ++i) {
      const auto& expected = synthetic_sentences()[i].embedding;
      ASSERT_EQ(expected.size(), 48u);
      double norm = 0;
      for (std::size_t d = 0; d < 48; ++d) {
        const float v = got[i * 48 + d];
        EXPECT_NEAR(v, expected[d], 1e-5) << encoder->kernels_name() << " sentence " << i << " dim " << d;
        worst = std::max(worst, std::abs(v - expected[d]));
        norm += static_cast<double>(v) * v;
      }
      EXPECT_NEAR(norm, 1.0, 1e-6);
    }
    std::printf("[ %s kernels ] max |diff| against the float64 reference: %.3g\n", encoder->kernels_name(),
                worst);
  }
}

TEST(MiniLMTest, BatchEqualsOneAtATime) {
  const auto encoder = MiniLMEncoder::load(synthetic_model());
  const auto all = texts();
  const std::vector<float> batch = encode(*encoder, all);
  std::vector<float> single;
  for (const auto& t : all) {
    const std::vector<float> one = encode(*encoder, {t});
    single.insert(single.end(), one.begin(), one.end());
  }
  EXPECT_LE(max_abs_diff(batch, single), 1e-6f);
  // Batch sizes that split the length-sorted list differently.
  for (const int size : {1, 3, 7, 1000}) {
    MiniLMOptions options;
    options.batch_size = size;
    encoder->set_options(options);
    EXPECT_LE(max_abs_diff(encode(*encoder, all), batch), 1e-6f) << "batch " << size;
  }
}

TEST(MiniLMTest, ThreadCountGivesIdenticalResults) {
  const auto encoder = MiniLMEncoder::load(synthetic_model());
  std::vector<std::string> many;
  for (int r = 0; r < 8; ++r) {
    for (const auto& t : texts()) many.push_back(t + " " + std::to_string(r));
  }
  MiniLMOptions options;
  options.batch_size = 4;
  options.threads = 1;
  encoder->set_options(options);
  const std::vector<float> one = encode(*encoder, many);
  options.threads = 2;
  encoder->set_options(options);
  const std::vector<float> two = encode(*encoder, many);
  EXPECT_EQ(one, two);
}

TEST(MiniLMTest, KernelBuildsAgree) {
  if (bert::avx512_kernels() == nullptr) GTEST_SKIP() << "no AVX-512 on this CPU";
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  // Sizes with tails everywhere: rows not a multiple of 8, columns not of 48, depth over one block.
  for (const auto& [rows, in, out] :
       {std::tuple{13, 50, 100}, std::tuple{1, 800, 48}, std::tuple{97, 384, 1152}}) {
    std::vector<float> w(static_cast<std::size_t>(out * in)), b(static_cast<std::size_t>(out)),
        x(static_cast<std::size_t>(rows * in)), r(static_cast<std::size_t>(rows * out));
    for (auto* v : {&w, &b, &x, &r}) {
      for (float& f : *v) f = normal(rng);
    }
    const bert::PackedLinear packed = bert::pack_linear(w.data(), b.data(), out, in);
    for (const auto act : {bert::Activation::kNone, bert::Activation::kGelu}) {
      std::vector<float> generic(r.size()), fast(r.size());
      for (const auto* k : {&bert::generic_kernels(), bert::avx512_kernels()}) {
        auto& y = k == &bert::generic_kernels() ? generic : fast;
        k->linear({x.data(), in, rows, packed.panels.data(), packed.bias.data(), in, out, y.data(), out,
                   r.data(), out, act});
      }
      // Against a float64 product.
      for (int i = 0; i < rows; ++i) {
        for (int n = 0; n < out; ++n) {
          double s = b[static_cast<std::size_t>(n)];
          for (int k = 0; k < in; ++k)
            s += static_cast<double>(x[static_cast<std::size_t>(i * in + k)]) *
                 w[static_cast<std::size_t>(n * in + k)];
          if (act == bert::Activation::kGelu) s = 0.5 * s * std::erfc(-s / std::sqrt(2.0));
          s += r[static_cast<std::size_t>(i * out + n)];
          const auto at = static_cast<std::size_t>(i * out + n);
          EXPECT_NEAR(fast[at], s, 1e-4 * (1 + std::abs(s))) << rows << "x" << in << "x" << out;
          EXPECT_NEAR(generic[at], s, 1e-4 * (1 + std::abs(s)));
        }
      }
    }
  }
  // Attention and LayerNorm on odd sizes.
  for (const auto& [rows, heads, head_dim] :
       {std::tuple{1, 2, 4}, std::tuple{17, 12, 32}, std::tuple{40, 3, 80}}) {
    const int hidden = heads * head_dim;
    std::vector<float> qkv(static_cast<std::size_t>(rows * 3 * hidden));
    for (float& f : qkv) f = 2 * normal(rng);
    std::vector<float> a(static_cast<std::size_t>(rows * hidden)), b(a.size());
    bert::AlignedFloats scratch(bert::attention_scratch_floats(rows, head_dim));
    bert::generic_kernels().attention(
        {qkv.data(), 3 * hidden, a.data(), hidden, rows, heads, head_dim, scratch.data()});
    bert::avx512_kernels()->attention(
        {qkv.data(), 3 * hidden, b.data(), hidden, rows, heads, head_dim, scratch.data()});
    EXPECT_LE(max_abs_diff(a, b), 1e-5f) << rows << " " << heads << " " << head_dim;
    std::vector<float> gamma(static_cast<std::size_t>(hidden)), beta(gamma.size());
    for (auto* v : {&gamma, &beta}) {
      for (float& f : *v) f = normal(rng);
    }
    bert::generic_kernels().layer_norm(
        {qkv.data(), a.data(), hidden, rows, hidden, gamma.data(), beta.data(), 1e-12f});
    bert::avx512_kernels()->layer_norm(
        {qkv.data(), b.data(), hidden, rows, hidden, gamma.data(), beta.data(), 1e-12f});
    EXPECT_LE(max_abs_diff(a, b), 1e-5f);
  }
}

TEST(MiniLMTest, GeluIsTheErfForm) {
  std::vector<float> xs;
  for (float x = -12; x <= 12; x += 0.001f) xs.push_back(x);
  for (const auto* k : {&bert::generic_kernels(), bert::avx512_kernels()}) {
    if (k == nullptr) continue;
    std::vector<float> y = xs;
    k->gelu(y.data(), y.size());
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double x = xs[i];
      const double exact = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
      worst = std::max(worst, std::abs(y[i] - exact) / std::max(1.0, std::abs(exact)));
    }
    // The tanh form is off by up to 5e-4 here.
    EXPECT_LT(worst, 5e-7) << k->name;
  }
}

TEST(MiniLMTest, LongTextIsTruncatedAndEmptyTextWorks) {
  const auto encoder = MiniLMEncoder::load(synthetic_model());
  std::string longer;
  for (int i = 0; i < 400; ++i) longer += "word" + std::to_string(i) + " ";
  EXPECT_EQ(encoder->tokenize(longer).size(), 256u);
  const std::vector<float> v = encode(*encoder, {longer, ""});
  for (const float f : v) EXPECT_TRUE(std::isfinite(f));
  const std::vector<std::vector<std::int32_t>> too_long{std::vector<std::int32_t>(513, 1000)};
  std::vector<float> out(48);
  EXPECT_THROW(encoder->encode_ids(too_long, out.data()), Error);
  EXPECT_THROW(encoder->encode_ids(std::vector<std::vector<std::int32_t>>{{101, 40000, 102}}, out.data()),
               Error);
  encoder->encode(std::span<const std::string>(), out.data());  // nothing to do
}

TEST(MiniLMTest, MissingWeightsSayWhereToGetThem) {
  // The real model folder holds everything but the weights.
  const std::string message = load_error(real_model_files());
  EXPECT_NE(message.find((real_model_files() / "model.safetensors").string() + " is missing"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("sentence-transformers/all-MiniLM-L6-v2"), std::string::npos) << message;
  EXPECT_NE(message.find("huggingface.co"), std::string::npos) << message;
  EXPECT_NE(message.find("53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("movienight fetch minilm"), std::string::npos) << message;
  try {
    (void)MiniLMEncoder::load(real_model_files());
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
  test::TempDir tmp;
  EXPECT_NE(load_error(tmp / "nowhere").find("no such model folder"), std::string::npos);
  EXPECT_NE(load_error(tmp.path()).find("config.json is missing"), std::string::npos);
}

TEST(MiniLMTest, MissingOrMisshapenTensorNamesFileAndTensor) {
  test::TempDir tmp;
  const fs::path dir = edited_model(tmp, [](std::vector<TensorToWrite>& t) {
    std::erase_if(t,
                  [](const TensorToWrite& x) { return x.name == "encoder.layer.1.attention.self.key.bias"; });
  });
  std::string message = load_error(dir);
  EXPECT_NE(message.find((dir / "model.safetensors").string()), std::string::npos) << message;
  EXPECT_NE(message.find("tensor 'encoder.layer.1.attention.self.key.bias' is missing"), std::string::npos)
      << message;

  test::TempDir tmp2;
  const fs::path dir2 = edited_model(tmp2, [](std::vector<TensorToWrite>& t) {
    for (auto& x : t) {
      if (x.name == "encoder.layer.0.intermediate.dense.weight") x.shape = {48, 192};
    }
  });
  message = load_error(dir2);
  EXPECT_NE(
      message.find(
          "tensor 'encoder.layer.0.intermediate.dense.weight': has shape [48, 192], expected [192, 48]"),
      std::string::npos)
      << message;
}

TEST(MiniLMTest, TruncatedWeightsNameFileAndTensor) {
  test::TempDir tmp;
  const fs::path dir = edited_model(tmp, [](std::vector<TensorToWrite>&) {});
  const fs::path weights = dir / "model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) - 100);
  const std::string message = load_error(dir);
  EXPECT_NE(message.find(weights.string() + ": tensor '"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(MiniLMTest, FingerprintFollowsTheModel) {
  const auto a = MiniLMEncoder::load(synthetic_model());
  const auto b = MiniLMEncoder::load(synthetic_model());
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
  EXPECT_EQ(a->fingerprint().rfind("minilm-", 0), 0u);
  test::TempDir tmp;
  const fs::path dir = edited_model(tmp, [](std::vector<TensorToWrite>& t) {
    for (auto& x : t) {
      if (x.name == "encoder.layer.2.output.dense.bias") x.bytes[0] = static_cast<char>(x.bytes[0] ^ 1);
    }
  });
  EXPECT_NE(MiniLMEncoder::load(dir)->fingerprint(), a->fingerprint());
  test::write_text(dir / "sentence_bert_config.json", R"({"max_seq_length": 128})");
  const auto shorter = MiniLMEncoder::load(dir);
  EXPECT_EQ(shorter->max_seq_length(), 128);
  EXPECT_NE(shorter->fingerprint(), MiniLMEncoder::load(synthetic_model())->fingerprint());
}

TEST(MiniLMTest, TheRealModelLayoutLoads) {
  // The real config, vocabulary and header layout with zero weights (a sparse file): shapes and
  // names must be what the loader expects; the values say nothing.
  test::TempDir tmp;
  const fs::path dir = tmp / "all-MiniLM-L6-v2";
  fs::create_directories(dir);
  for (const char* f : {"config.json", "vocab.txt", "sentence_bert_config.json", "tokenizer_config.json"}) {
    fs::copy_file(real_model_files() / f, dir / f);
  }
  std::ifstream in(real_model_files() / "expected_safetensors_header.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  std::string header = expected["tensors"].dump();
  header.append(expected["header_length"].get<std::size_t>() - header.size(), ' ');
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  test::write_text(dir / "model.safetensors", bytes + header);
  fs::resize_file(dir / "model.safetensors", expected["file_size"].get<std::uintmax_t>());
  const auto encoder = MiniLMEncoder::load(dir);
  EXPECT_EQ(encoder->dim(), 384);
  EXPECT_EQ(encoder->config().layers, 6);
  EXPECT_EQ(encoder->config().heads, 12);
  EXPECT_EQ(encoder->max_seq_length(), 256);
  const std::vector<float> v = encode(*encoder, {"Toy Story (1995)"});
  for (const float f : v) EXPECT_EQ(f, 0.0f);  // zero weights: LayerNorm gives beta = 0 everywhere
}

}  // namespace
}  // namespace mn
