#include "text/minilm.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>

#include "io/file.h"
#include "text/safetensors.h"
#include "util/error.h"
#include "util/hash.h"

namespace mn {
namespace fs = std::filesystem;

namespace {

constexpr const char* kWeightsSha256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";

nlohmann::json read_json(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw_input_error(path.string(), 0, std::string("not valid JSON: ") + e.what());
  }
}

struct Layer {
  bert::PackedLinear qkv, attention_out, intermediate, output;
  std::vector<float> attention_ln_gamma, attention_ln_beta, output_ln_gamma, output_ln_beta;
};

// Per-thread buffers, sized once for the largest batch and reused for every batch.
struct Workspace {
  bert::AlignedFloats x, qkv, ctx, tmp, ff, attention;
  Workspace(const BertConfig& c, int tokens, int longest)
      : x(static_cast<std::size_t>(tokens) * static_cast<std::size_t>(c.hidden)),
        qkv(static_cast<std::size_t>(tokens) * 3 * static_cast<std::size_t>(c.hidden)),
        ctx(static_cast<std::size_t>(tokens) * static_cast<std::size_t>(c.hidden)),
        tmp(static_cast<std::size_t>(tokens) * static_cast<std::size_t>(c.hidden)),
        ff(static_cast<std::size_t>(tokens) * static_cast<std::size_t>(c.intermediate)),
        attention(bert::attention_scratch_floats(longest, c.head_dim())) {}
};

struct Batch {
  std::size_t first = 0;  // range in the length-sorted order
  std::size_t count = 0;
  int tokens = 0;
};

}  // namespace

struct MiniLMEncoder::Model {
  BertConfig config;
  int max_seq_length = 0;
  MiniLMOptions options;
  std::unique_ptr<WordPieceTokenizer> tokenizer;
  std::string fingerprint;
  std::vector<float> word_embeddings;      // vocab × hidden
  std::vector<float> position_embeddings;  // max_positions × hidden, token type 0 added in
  std::vector<float> embedding_ln_gamma, embedding_ln_beta;
  std::vector<Layer> layers;
  const bert::Kernels* kernels = nullptr;

  void run_batch(Workspace& ws, std::span<const std::vector<std::int32_t>* const> seqs,
                 std::span<float* const> outs) const;
};

BertConfig BertConfig::from_json_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorKind::kNotFound, path.string() + ": no such file");
  const nlohmann::json j = read_json(path);
  const auto get_int = [&](const char* key, std::optional<int> fallback) {
    const auto it = j.find(key);
    if (it == j.end()) {
      if (fallback) return *fallback;
      throw_input_error(path.string(), 0, std::string("no ") + key);
    }
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 || it->get<std::int64_t>() > (1 << 24)) {
      throw_input_error(path.string(), 0,
                        std::string(key) + " must be a positive integer, not " + it->dump());
    }
    return it->get<int>();
  };
  BertConfig c;
  c.hidden = get_int("hidden_size", std::nullopt);
  c.heads = get_int("num_attention_heads", std::nullopt);
  c.layers = get_int("num_hidden_layers", std::nullopt);
  c.intermediate = get_int("intermediate_size", std::nullopt);
  c.vocab = get_int("vocab_size", std::nullopt);
  c.max_positions = get_int("max_position_embeddings", std::nullopt);
  c.type_vocab = get_int("type_vocab_size", 2);
  if (const auto it = j.find("layer_norm_eps"); it != j.end()) {
    if (!it->is_number() || it->get<double>() <= 0)
      throw_input_error(path.string(), 0, "layer_norm_eps must be positive");
    c.layer_norm_eps = it->get<double>();
  }
  if (c.hidden % c.heads != 0) {
    throw_input_error(path.string(), 0,
                      "hidden_size " + std::to_string(c.hidden) +
                          " is not a multiple of num_attention_heads " + std::to_string(c.heads));
  }
  if (const auto it = j.find("hidden_act"); it != j.end() && *it != "gelu") {
    throw_input_error(path.string(), 0,
                      "hidden_act " + it->dump() + " is not supported (only \"gelu\", the exact erf form)");
  }
  if (const auto it = j.find("position_embedding_type"); it != j.end() && *it != "absolute") {
    throw_input_error(path.string(), 0,
                      "position_embedding_type " + it->dump() + " is not supported (only \"absolute\")");
  }
  return c;
}

BertConfig minilm_l6_config() {
  BertConfig c;
  c.hidden = 384;
  c.heads = 12;
  c.layers = 6;
  c.intermediate = 1536;
  c.vocab = 30522;
  c.max_positions = 512;
  return c;
}

std::string minilm_weights_missing_message(const fs::path& model_dir) {
  const fs::path file = model_dir / "model.safetensors";
  std::string message =
      file.string() +
      " is missing: the weights of the MiniLM sentence encoder do not come with movienight. Download "
      "model.safetensors (90,868,376 bytes, sha256 " +
      std::string(kWeightsSha256) +
      ") from Hugging Face, sentence-transformers/all-MiniLM-L6-v2: "
      "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/model.safetensors, into " +
      model_dir.string() + "/ (`movienight fetch minilm` prints every step)";
  std::error_code ec;
  if (fs::exists(model_dir / "pytorch_model.bin", ec)) {
    message += "; movienight reads model.safetensors only, not pytorch_model.bin";
  }
  return message;
}

MiniLMEncoder::MiniLMEncoder(std::unique_ptr<Model> model) : model_(std::move(model)) {}
MiniLMEncoder::~MiniLMEncoder() = default;

namespace {

void check_model_folder(const fs::path& model_dir) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec)) {
    throw Error(ErrorKind::kNotFound,
                model_dir.string() +
                    ": no such model folder (it holds config.json, vocab.txt and "
                    "model.safetensors; `movienight fetch minilm` says where to get them)");
  }
  for (const char* name : {"config.json", "vocab.txt"}) {
    if (!fs::is_regular_file(model_dir / name, ec)) {
      throw Error(ErrorKind::kNotFound,
                  (model_dir / name).string() +
                      " is missing: a MiniLM model folder holds config.json, vocab.txt and "
                      "model.safetensors (`movienight fetch minilm` says where to get them)");
    }
  }
}

MiniLMTokenizer load_tokenizer(const fs::path& model_dir, const BertConfig& c) {
  MiniLMTokenizer t;
  t.max_seq_length = c.max_positions;
  std::error_code ec;
  if (const fs::path sb = model_dir / "sentence_bert_config.json"; fs::is_regular_file(sb, ec)) {
    const nlohmann::json j = read_json(sb);
    if (const auto it = j.find("max_seq_length"); it != j.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int>() < 2) {
        throw_input_error(sb.string(), 0, "max_seq_length must be an integer >= 2");
      }
      t.max_seq_length = std::min(it->get<int>(), c.max_positions);
    }
  }
  t.wordpiece = std::make_unique<WordPieceTokenizer>(WordPieceTokenizer::from_vocab_file(
      model_dir / "vocab.txt", WordPieceTokenizer::options_from_config(model_dir / "tokenizer_config.json")));
  if (t.wordpiece->vocab_size() > static_cast<std::size_t>(c.vocab)) {
    throw_input_error((model_dir / "vocab.txt").string(), 0,
                      "has " + std::to_string(t.wordpiece->vocab_size()) +
                          " tokens but config.json says vocab_size " + std::to_string(c.vocab));
  }
  return t;
}

}  // namespace

std::vector<std::int32_t> MiniLMTokenizer::encode(std::string_view text) const {
  return wordpiece->encode(text, static_cast<std::size_t>(max_seq_length));
}

MiniLMTokenizer load_minilm_tokenizer(const fs::path& model_dir) {
  check_model_folder(model_dir);
  return load_tokenizer(model_dir, BertConfig::from_json_file(model_dir / "config.json"));
}

std::unique_ptr<MiniLMEncoder> MiniLMEncoder::load(const fs::path& model_dir, MiniLMOptions options) {
  check_model_folder(model_dir);
  const fs::path weights_path = model_dir / "model.safetensors";
  std::error_code ec;
  if (!fs::exists(weights_path, ec))
    throw Error(ErrorKind::kNotFound, minilm_weights_missing_message(model_dir));

  auto m = std::make_unique<Model>();
  m->options = options;
  m->kernels = &bert::select_kernels(options.kernels);
  BertConfig& c = m->config;
  c = BertConfig::from_json_file(model_dir / "config.json");
  MiniLMTokenizer tokenizer = load_tokenizer(model_dir, c);
  m->max_seq_length = tokenizer.max_seq_length;
  m->tokenizer = std::move(tokenizer.wordpiece);

  const SafetensorsFile st = SafetensorsFile::open(weights_path);
  // Checkpoints saved from BertFor* models prefix every name with "bert.".
  const std::string prefix = !st.contains("embeddings.word_embeddings.weight") &&
                                     st.contains("bert.embeddings.word_embeddings.weight")
                                 ? "bert."
                                 : "";
  const auto h = static_cast<std::int64_t>(c.hidden);
  const auto read = [&](const std::string& name, std::initializer_list<std::int64_t> shape) {
    return st.read_f32(prefix + name, shape);
  };
  m->word_embeddings = read("embeddings.word_embeddings.weight", {c.vocab, h});
  m->position_embeddings = read("embeddings.position_embeddings.weight", {c.max_positions, h});
  const std::vector<float> token_type = read("embeddings.token_type_embeddings.weight", {c.type_vocab, h});
  for (std::size_t p = 0; p < static_cast<std::size_t>(c.max_positions); ++p) {
    for (std::size_t d = 0; d < static_cast<std::size_t>(h); ++d)
      m->position_embeddings[p * static_cast<std::size_t>(h) + d] += token_type[d];
  }
  m->embedding_ln_gamma = read("embeddings.LayerNorm.weight", {h});
  m->embedding_ln_beta = read("embeddings.LayerNorm.bias", {h});

  const auto linear = [&](const std::string& name, int out, int in) {
    const std::vector<float> w = read(name + ".weight", {out, in});
    const std::vector<float> b = read(name + ".bias", {out});
    return bert::pack_linear(w.data(), b.data(), out, in);
  };
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    Layer layer;
    // Q, K and V share their input: one GEMM of 3 × hidden outputs.
    std::vector<float> w, b;
    for (const char* part : {"query", "key", "value"}) {
      const std::vector<float> pw = read(p + "attention.self." + part + ".weight", {h, h});
      const std::vector<float> pb = read(p + "attention.self." + part + ".bias", {h});
      w.insert(w.end(), pw.begin(), pw.end());
      b.insert(b.end(), pb.begin(), pb.end());
    }
    layer.qkv = bert::pack_linear(w.data(), b.data(), 3 * c.hidden, c.hidden);
    layer.attention_out = linear(p + "attention.output.dense", c.hidden, c.hidden);
    layer.attention_ln_gamma = read(p + "attention.output.LayerNorm.weight", {h});
    layer.attention_ln_beta = read(p + "attention.output.LayerNorm.bias", {h});
    layer.intermediate = linear(p + "intermediate.dense", c.intermediate, c.hidden);
    layer.output = linear(p + "output.dense", c.hidden, c.intermediate);
    layer.output_ln_gamma = read(p + "output.LayerNorm.weight", {h});
    layer.output_ln_beta = read(p + "output.LayerNorm.bias", {h});
    m->layers.push_back(std::move(layer));
  }

  // Everything that changes an embedding: sizes, truncation, tokenizer options, vocabulary, weights.
  const WordPieceOptions& to = m->tokenizer->options();
  const std::string summary = "minilm/1 " + std::to_string(c.hidden) + " " + std::to_string(c.heads) + " " +
                              std::to_string(c.layers) + " " + std::to_string(c.intermediate) + " " +
                              std::to_string(c.vocab) + " " + std::to_string(c.max_positions) + " " +
                              std::to_string(c.layer_norm_eps) + " " + std::to_string(m->max_seq_length) +
                              " " + std::to_string(to.lower_case) + std::to_string(to.strip_accents) +
                              std::to_string(to.tokenize_chinese_chars) +
                              std::to_string(to.max_chars_per_word);
  std::uint64_t fp = hash64(summary);
  fp = hash_combine(fp, hash64(read_file(model_dir / "vocab.txt")));
  const auto bytes = st.file_bytes();
  fp = hash_combine(fp, hash64_blocks(bytes.data(), bytes.size()));
  m->fingerprint = "minilm-" + hex64(fp);
  return std::unique_ptr<MiniLMEncoder>(new MiniLMEncoder(std::move(m)));
}

int MiniLMEncoder::dim() const { return model_->config.hidden; }
std::string MiniLMEncoder::fingerprint() const { return model_->fingerprint; }
const BertConfig& MiniLMEncoder::config() const { return model_->config; }
int MiniLMEncoder::max_seq_length() const { return model_->max_seq_length; }
const WordPieceTokenizer& MiniLMEncoder::tokenizer() const { return *model_->tokenizer; }
const MiniLMOptions& MiniLMEncoder::options() const { return model_->options; }
const char* MiniLMEncoder::kernels_name() const { return model_->kernels->name; }

void MiniLMEncoder::set_options(const MiniLMOptions& options) {
  model_->options = options;
  model_->kernels = &bert::select_kernels(options.kernels);
}

std::vector<std::int32_t> MiniLMEncoder::tokenize(std::string_view text) const {
  return model_->tokenizer->encode(text, static_cast<std::size_t>(model_->max_seq_length));
}

double MiniLMEncoder::flops(std::span<const int> lengths) const {
  const BertConfig& c = model_->config;
  const double h = c.hidden, inter = c.intermediate;
  double total = 0;
  for (const int len : lengths) {
    const double n = len;
    // QKV, attention output, two feed-forward GEMMs; q·kᵀ and p·v.
    total += c.layers * (2 * n * h * (3 * h + h + 2 * inter) + 4 * n * n * h);
  }
  return total;
}

void MiniLMEncoder::Model::run_batch(Workspace& ws, std::span<const std::vector<std::int32_t>* const> seqs,
                                     std::span<float* const> outs) const {
  const bert::Kernels& k = *kernels;
  const int h = config.hidden, inter = config.intermediate;
  const auto hs = static_cast<std::size_t>(h);
  const auto eps = static_cast<float>(config.layer_norm_eps);
  int tokens = 0;
  for (const auto* s : seqs) tokens += static_cast<int>(s->size());

  // Embeddings: word + position (token type 0 folded into the position table), then LayerNorm.
  std::size_t row = 0;
  for (const auto* s : seqs) {
    for (std::size_t t = 0; t < s->size(); ++t, ++row) {
      const float* w = word_embeddings.data() + static_cast<std::size_t>((*s)[t]) * hs;
      const float* p = position_embeddings.data() + t * hs;
      float* x = ws.x.data() + row * hs;
      for (std::size_t d = 0; d < hs; ++d) x[d] = w[d] + p[d];
    }
  }
  k.layer_norm(
      {ws.x.data(), ws.x.data(), h, tokens, h, embedding_ln_gamma.data(), embedding_ln_beta.data(), eps});

  const auto linear = [&](const float* x, int ldx, const bert::PackedLinear& w, float* y, int ldy,
                          const float* residual, bert::Activation act) {
    k.linear({x, ldx, tokens, w.panels.data(), w.bias.data(), w.in, w.out, y, ldy, residual, residual ? h : 0,
              act});
  };
  for (const Layer& layer : layers) {
    linear(ws.x.data(), h, layer.qkv, ws.qkv.data(), 3 * h, nullptr, bert::Activation::kNone);
    std::size_t first = 0;
    for (const auto* s : seqs) {
      k.attention({ws.qkv.data() + first * 3 * hs, 3 * h, ws.ctx.data() + first * hs, h,
                   static_cast<int>(s->size()), config.heads, config.head_dim(), ws.attention.data()});
      first += s->size();
    }
    linear(ws.ctx.data(), h, layer.attention_out, ws.tmp.data(), h, ws.x.data(), bert::Activation::kNone);
    k.layer_norm({ws.tmp.data(), ws.x.data(), h, tokens, h, layer.attention_ln_gamma.data(),
                  layer.attention_ln_beta.data(), eps});
    linear(ws.x.data(), h, layer.intermediate, ws.ff.data(), inter, nullptr, bert::Activation::kGelu);
    linear(ws.ff.data(), inter, layer.output, ws.tmp.data(), h, ws.x.data(), bert::Activation::kNone);
    k.layer_norm({ws.tmp.data(), ws.x.data(), h, tokens, h, layer.output_ln_gamma.data(),
                  layer.output_ln_beta.data(), eps});
  }

  // Mean over every token ([CLS] and [SEP] included; there is no padding), then L2-normalise.
  std::vector<double> mean(hs);
  row = 0;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const std::size_t n = seqs[i]->size();
    std::fill(mean.begin(), mean.end(), 0.0);
    for (std::size_t t = 0; t < n; ++t, ++row) {
      const float* x = ws.x.data() + row * hs;
      for (std::size_t d = 0; d < hs; ++d) mean[d] += x[d];
    }
    double norm = 0;
    for (double& v : mean) {
      v /= static_cast<double>(std::max<std::size_t>(n, 1));
      norm += v * v;
    }
    const double scale = 1.0 / std::max(std::sqrt(norm), 1e-12);
    for (std::size_t d = 0; d < hs; ++d) outs[i][d] = static_cast<float>(mean[d] * scale);
  }
}

void MiniLMEncoder::encode_ids(std::span<const std::vector<std::int32_t>> ids, float* out) const {
  const Model& m = *model_;
  const BertConfig& c = m.config;
  const auto hs = static_cast<std::size_t>(c.hidden);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].size() > static_cast<std::size_t>(c.max_positions)) {
      throw Error(ErrorKind::kInvalidInput,
                  "MiniLM: sequence " + std::to_string(i) + " has " + std::to_string(ids[i].size()) +
                      " tokens, more than the model's " + std::to_string(c.max_positions) + " positions");
    }
    for (const std::int32_t id : ids[i]) {
      if (id < 0 || id >= c.vocab) {
        throw Error(ErrorKind::kInvalidInput, "MiniLM: token id " + std::to_string(id) +
                                                  " is outside the vocabulary of " + std::to_string(c.vocab));
      }
    }
  }
  // Longest first: batches hold sentences of similar length, and the long ones start early.
  std::vector<std::size_t> order(ids.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return ids[a].size() > ids[b].size(); });
  std::vector<Batch> batches;
  const auto batch_size = static_cast<std::size_t>(std::max(1, m.options.batch_size));
  int largest = 0;
  for (std::size_t i = 0; i < order.size();) {
    Batch b;
    b.first = i;
    while (i < order.size() && b.count < batch_size &&
           (b.count == 0 || b.tokens + static_cast<int>(ids[order[i]].size()) <= kMaxBatchTokens)) {
      b.tokens += static_cast<int>(ids[order[i]].size());
      ++b.count;
      ++i;
    }
    largest = std::max(largest, b.tokens);
    batches.push_back(b);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) std::fill_n(out + i * hs, hs, 0.0f);
  }
  if (batches.empty()) return;
  const int longest = std::max(1, static_cast<int>(ids[order.front()].size()));
  const int threads = std::max(1, std::min(m.options.threads > 0 ? m.options.threads : omp_get_max_threads(),
                                           static_cast<int>(batches.size())));
  std::exception_ptr error;
  std::mutex error_mutex;
#pragma omp parallel num_threads(threads)
  {
    try {
      Workspace ws(c, std::max(largest, 1), longest);
      std::vector<const std::vector<std::int32_t>*> seqs;
      std::vector<float*> outs;
#pragma omp for schedule(dynamic, 1)
      for (std::size_t b = 0; b < batches.size(); ++b) {
        seqs.clear();
        outs.clear();
        for (std::size_t j = batches[b].first; j < batches[b].first + batches[b].count; ++j) {
          if (ids[order[j]].empty()) continue;
          seqs.push_back(&ids[order[j]]);
          outs.push_back(out + order[j] * hs);
        }
        m.run_batch(ws, seqs, outs);
      }
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

void MiniLMEncoder::encode(std::span<const std::string> texts, float* out) const {
  std::vector<std::vector<std::int32_t>> ids(texts.size());
  const int threads =
      std::max(1, model_->options.threads > 0 ? model_->options.threads : omp_get_max_threads());
#pragma omp parallel for schedule(dynamic, 64) num_threads(threads)
  for (std::size_t i = 0; i < texts.size(); ++i) ids[i] = tokenize(texts[i]);
  encode_ids(ids, out);
}

void write_random_bert(const fs::path& dir, const BertConfig& c, const fs::path& vocab_file,
                       std::uint64_t seed, int max_seq_length) {
  fs::create_directories(dir);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<TensorToWrite> tensors;
  const auto h = static_cast<std::int64_t>(c.hidden), inter = static_cast<std::int64_t>(c.intermediate);
  const auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale, float offset) {
    const std::int64_t n = std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
    std::vector<float> v(static_cast<std::size_t>(n));
    for (float& x : v) x = offset + scale * normal(rng);
    tensors.push_back(f32_tensor(name, std::move(shape), v));
  };
  add("embeddings.word_embeddings.weight", {c.vocab, h}, 0.5f, 0.0f);
  add("embeddings.position_embeddings.weight", {c.max_positions, h}, 0.5f, 0.0f);
  add("embeddings.token_type_embeddings.weight", {c.type_vocab, h}, 0.5f, 0.0f);
  add("embeddings.LayerNorm.weight", {h}, 0.1f, 1.0f);
  add("embeddings.LayerNorm.bias", {h}, 0.1f, 0.0f);
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* part : {"query", "key", "value"}) {
      add(p + "attention.self." + part + ".weight", {h, h}, 0.2f, 0.0f);
      add(p + "attention.self." + part + ".bias", {h}, 0.1f, 0.0f);
    }
    add(p + "attention.output.dense.weight", {h, h}, 0.2f, 0.0f);
    add(p + "attention.output.dense.bias", {h}, 0.1f, 0.0f);
    add(p + "attention.output.LayerNorm.weight", {h}, 0.1f, 1.0f);
    add(p + "attention.output.LayerNorm.bias", {h}, 0.1f, 0.0f);
    add(p + "intermediate.dense.weight", {inter, h}, 0.2f, 0.0f);
    add(p + "intermediate.dense.bias", {inter}, 0.1f, 0.0f);
    add(p + "output.dense.weight", {h, inter}, 0.1f, 0.0f);
    add(p + "output.dense.bias", {h}, 0.1f, 0.0f);
    add(p + "output.LayerNorm.weight", {h}, 0.1f, 1.0f);
    add(p + "output.LayerNorm.bias", {h}, 0.1f, 0.0f);
  }
  add("pooler.dense.weight", {h, h}, 0.2f, 0.0f);
  add("pooler.dense.bias", {h}, 0.1f, 0.0f);
  TensorToWrite ids;
  ids.name = "embeddings.position_ids";
  ids.dtype = SafetensorsDtype::kI64;
  ids.shape = {1, c.max_positions};
  for (std::int64_t i = 0; i < c.max_positions; ++i)
    ids.bytes.append(reinterpret_cast<const char*>(&i), sizeof i);
  tensors.push_back(std::move(ids));
  write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});

  const nlohmann::json config = {{"architectures", {"BertModel"}},
                                 {"model_type", "bert"},
                                 {"hidden_act", "gelu"},
                                 {"hidden_size", c.hidden},
                                 {"num_attention_heads", c.heads},
                                 {"num_hidden_layers", c.layers},
                                 {"intermediate_size", c.intermediate},
                                 {"vocab_size", c.vocab},
                                 {"max_position_embeddings", c.max_positions},
                                 {"type_vocab_size", c.type_vocab},
                                 {"layer_norm_eps", c.layer_norm_eps},
                                 {"pad_token_id", 0},
                                 {"position_embedding_type", "absolute"}};
  write_file_atomic(dir / "config.json", config.dump(2) + "\n");
  write_file_atomic(
      dir / "sentence_bert_config.json",
      nlohmann::json{{"max_seq_length", max_seq_length}, {"do_lower_case", false}}.dump(2) + "\n");
  write_file_atomic(dir / "vocab.txt", read_file(vocab_file));
}

}  // namespace mn
