#pragma once
// The all-MiniLM-L6-v2 sentence encoder (any BERT in its file layout): WordPiece ids → word +
// position + token-type-0 embeddings → LayerNorm → post-norm encoder layers (self-attention,
// exact-erf GELU feed-forward) → mean over the tokens → L2 normalisation. Sizes come from the
// model folder's config.json, weights from model.safetensors (tensor names as Hugging Face's
// BertModel; a "bert." prefix is accepted), the tokenizer from vocab.txt (+ tokenizer_config.json)
// and the truncation from sentence_bert_config.json.
//
// Speed: sentences are sorted by length and packed without padding, so a linear layer is one
// GEMM over all tokens of a batch and attention runs per sentence on its true length; batches
// run in parallel, one thread each with its buffers reused (measured on the catalog texts: 2
// threads encode 2.0-2.1x as fast as one, so splitting the GEMMs themselves could gain nothing),
// on AVX-512 kernels when the CPU has them.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/bert_kernels.h"
#include "text/text_encoder.h"
#include "text/wordpiece.h"

namespace mn {

struct BertConfig {
  int hidden = 0;
  int heads = 0;
  int layers = 0;
  int intermediate = 0;
  int vocab = 0;
  int max_positions = 0;
  int type_vocab = 2;
  double layer_norm_eps = 1e-12;

  int head_dim() const { return heads > 0 ? hidden / heads : 0; }
  // Reads a Hugging Face config.json; errors name the file and the key.
  static BertConfig from_json_file(const std::filesystem::path& path);
};

struct MiniLMOptions {
  int threads = 0;      // 0: all of OpenMP's threads
  int batch_size = 64;  // sentences per batch (a batch is also capped at kMaxBatchTokens tokens)
  bert::KernelChoice kernels = bert::KernelChoice::kAuto;
};

class MiniLMEncoder final : public TextEncoder {
 public:
  static constexpr int kMaxBatchTokens = 4096;

  // model_dir holds config.json, vocab.txt and model.safetensors; sentence_bert_config.json and
  // tokenizer_config.json are read when present.
  static std::unique_ptr<MiniLMEncoder> load(const std::filesystem::path& model_dir,
                                             MiniLMOptions options = {});
  ~MiniLMEncoder() override;
  MiniLMEncoder(const MiniLMEncoder&) = delete;
  MiniLMEncoder& operator=(const MiniLMEncoder&) = delete;

  std::string name() const override { return "minilm"; }
  int dim() const override;
  std::string fingerprint() const override;
  void encode(std::span<const std::string> texts, float* out) const override;

  // [CLS] pieces [SEP], at most max_seq_length() ids.
  std::vector<std::int32_t> tokenize(std::string_view text) const;
  // Embeds token-id sequences (each at most config().max_positions long).
  void encode_ids(std::span<const std::vector<std::int32_t>> ids, float* out) const;

  const BertConfig& config() const;
  int max_seq_length() const;
  const WordPieceTokenizer& tokenizer() const;
  const MiniLMOptions& options() const;
  // Not while an encode() runs.
  void set_options(const MiniLMOptions& options);
  // "avx512" or "generic".
  const char* kernels_name() const;
  // Floating-point operations of the linear layers and attention for sequences of these lengths
  // (2 per multiply-add), for GFLOP/s figures.
  double flops(std::span<const int> lengths) const;

 private:
  struct Model;
  explicit MiniLMEncoder(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model_;
};

// The tokenizer half of a model folder (config.json, vocab.txt, tokenizer_config.json,
// sentence_bert_config.json): enough for token ids when the weights are absent.
struct MiniLMTokenizer {
  std::unique_ptr<WordPieceTokenizer> wordpiece;
  int max_seq_length = 0;
  // [CLS] pieces [SEP], at most max_seq_length ids.
  std::vector<std::int32_t> encode(std::string_view text) const;
};
MiniLMTokenizer load_minilm_tokenizer(const std::filesystem::path& model_dir);

// Says that model.safetensors is missing from model_dir and where to get it.
std::string minilm_weights_missing_message(const std::filesystem::path& model_dir);

// Writes a BERT with random weights in the all-MiniLM-L6-v2 file layout into dir (config.json,
// model.safetensors, sentence_bert_config.json, and vocab_file copied as vocab.txt): the real
// sizes make a timing model, small ones a test model. Never a substitute for the real weights.
void write_random_bert(const std::filesystem::path& dir, const BertConfig& config,
                       const std::filesystem::path& vocab_file, std::uint64_t seed, int max_seq_length = 256);

// The sizes of all-MiniLM-L6-v2.
BertConfig minilm_l6_config();

}  // namespace mn
