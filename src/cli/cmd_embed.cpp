// movienight embed: one text per line on stdin, one JSON object per line on stdout.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/data_source.h"
#include "content/catalog_encoding.h"
#include "text/minilm.h"
#include "util/error.h"

namespace mn::cli {
namespace {

// Texts are encoded in chunks so that memory stays small whatever the input size.
constexpr std::size_t kChunkTexts = 16384;

// The encoders `embed` knows; tfidf and genres are fitted on the catalog of --data / --snapshot.
constexpr const char* kEncoders[] = {"minilm", "tfidf", "genres"};

void append_float(std::string& out, float v) {
  // The shortest text that reads back as the same float.
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

void write_out(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    throw Error(ErrorKind::kIo, "embed: cannot write to standard output");
  }
}

}  // namespace

void add_embed_command(CLI::App& app) {
  struct Options {
    std::string encoder = "minilm";
    std::string model = "models/all-MiniLM-L6-v2";
    bool tokens = false;
    int threads = 0;
    int batch = 64;
    DataSource source;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "embed",
      "embed text: reads one text per line on standard input and writes one JSON object per line, "
      "{\"embedding\": [...]} (L2-normalised) or, with --tokens, {\"tokens\": [token ids]}");
  options->source.add_options(*cmd);
  cmd->add_option("--encoder", options->encoder,
                  "text encoder: minilm, or tfidf / genres fitted on the catalog of the data")
      ->check(CLI::Validator(
          [](std::string& name) {
            for (const char* known : kEncoders) {
              if (name == known) return std::string();
            }
            std::string list;
            for (const char* known : kEncoders) list += (list.empty() ? "" : ", ") + std::string(known);
            return "unknown encoder '" + name + "' (known: " + list + ")";
          },
          "ENCODER", "encoder name"))
      ->capture_default_str();
  cmd->add_option(
         "--model", options->model,
         "model folder (config.json, vocab.txt, model.safetensors; `movienight fetch minilm` says where "
         "to get them)")
      ->capture_default_str();
  cmd->add_flag("--tokens", options->tokens,
                "print the token ids ([CLS] ... [SEP], truncated) instead of embeddings");
  cmd->add_option("--threads", options->threads, "threads (0: all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--batch", options->batch, "sentences per batch (sorted by length, no padding)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([options] {
    MiniLMOptions mo;
    mo.threads = options->threads;
    mo.batch_size = options->batch;
    // Token ids need only the vocabulary and configs, so they work before the weights arrive.
    MiniLMTokenizer tokenizer;
    std::shared_ptr<const TextEncoder> encoder;
    if (options->encoder != "minilm") {
      if (options->tokens)
        throw Error(ErrorKind::kInvalidInput, "--tokens: only the minilm encoder has token ids");
      const Dataset dataset = options->source.load();
      CatalogEncodingOptions eo;
      eo.encoder = options->encoder;
      eo.threads = options->threads;
      encoder = encode_catalog(dataset.catalog, eo).encoder;
    } else if (options->tokens) {
      tokenizer = load_minilm_tokenizer(options->model);
    } else {
      encoder = MiniLMEncoder::load(options->model, mo);
    }
    const auto dim = encoder ? static_cast<std::size_t>(encoder->dim()) : 0;

    std::vector<std::string> chunk;
    std::vector<float> embeddings;
    std::string out;
    const auto flush = [&] {
      out.clear();
      if (!options->tokens) {
        embeddings.resize(chunk.size() * dim);
        encoder->encode(chunk, embeddings.data());
      }
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        out += '{';
        if (options->tokens) {
          out += "\"tokens\":[";
          const std::vector<std::int32_t> ids = tokenizer.encode(chunk[i]);
          for (std::size_t k = 0; k < ids.size(); ++k) {
            if (k > 0) out += ',';
            out += std::to_string(ids[k]);
          }
        } else {
          out += "\"embedding\":[";
          for (std::size_t d = 0; d < dim; ++d) {
            if (d > 0) out += ',';
            append_float(out, embeddings[i * dim + d]);
          }
        }
        out += "]}\n";
      }
      write_out(out);
      chunk.clear();
    };
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      chunk.push_back(std::move(line));
      line.clear();
      if (chunk.size() == kChunkTexts) flush();
    }
    if (!chunk.empty()) flush();
    std::fflush(stdout);
  });
}

}  // namespace mn::cli
