// MiniLM speed (issue 5, "MiniLM speed"): encoding the 9,742 movie texts of ml-latest-small
// (title. genres. tags.) with a random-weight BERT of the real all-MiniLM-L6-v2 sizes (hidden 384,
// 12 heads, 6 layers, intermediate 1536, vocab 30522), written to a temporary folder; the values
// of the weights do not change the time. bench/minilm_vs_torch.sh runs it beside the PyTorch
// reference of ../shared/peers/scripts/minilm_reference.py.
//
//   build/bench/minilm_bench --catalog [--threads 2] [--batch 64] [--repeat 3] [--model DIR]
//       one JSON line: texts/s (tokenizer included, model loading not), GFLOP/s and the share of
//       this CPU's peak (cpu MHz of /proc/cpuinfo × threads × 2 FMA units × 16 floats × 2 flops)
//   build/bench/minilm_bench --write-model DIR --write-texts FILE
//       the timing model and the texts (one per line), for the PyTorch side
//   build/bench/minilm_bench [--benchmark_filter=...]
//       Google Benchmarks: the GEMM kernel against OpenBLAS sgemm (loaded at run time when
//       installed) at the model's shapes, one thread; the tokenizer; the catalog on 1 and 2 threads
//
// Reads ../shared (or $MOVIENIGHT_SHARED): datasets/ml-latest-small and the real vocab.txt.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <immintrin.h>
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "text/bert_kernels.h"
#include "text/minilm.h"
#include "util/progress.h"

namespace {

namespace fs = std::filesystem;

fs::path shared() {
  if (const char* env = std::getenv("MOVIENIGHT_SHARED"); env != nullptr && *env != '\0') return env;
  return fs::path(MOVIENIGHT_SOURCE_DIR) / ".." / "shared";
}

// "Toy Story (1995). Adventure, Animation, Children, Comedy, Fantasy. pixar, fun"
std::vector<std::string> movie_texts() {
  mn::Progress::set_quiet(true);
  const mn::Dataset dataset = mn::load_dataset({shared() / "datasets" / "ml-latest-small"}, {false});
  std::vector<std::string> texts;
  for (const mn::Movie& m : dataset.catalog.movies()) {
    std::string t = m.title;
    const auto join = [&](const std::vector<std::string>& items) {
      if (items.empty()) return;
      t += ". ";
      for (std::size_t i = 0; i < items.size(); ++i) t += (i ? ", " : "") + items[i];
    };
    join(m.genres);
    join(m.tags);
    texts.push_back(std::move(t));
  }
  return texts;
}

const std::vector<std::string>& catalog_texts() {
  static const std::vector<std::string> texts = movie_texts();
  return texts;
}

void write_timing_model(const fs::path& dir) {
  mn::write_random_bert(dir, mn::minilm_l6_config(), shared() / "models" / "all-MiniLM-L6-v2" / "vocab.txt",
                        1234);
}

// The timing model, written once per process into a temporary folder.
const fs::path& timing_model() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("movienight-minilm-bench-" + std::to_string(::getpid()));
    write_timing_model(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / ("movienight-minilm-bench-" + std::to_string(::getpid())),
                     ec);
    });
    return d;
  }();
  return dir;
}

double cpu_mhz() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("cpu MHz", 0) == 0) return std::atof(line.substr(line.find(':') + 1).c_str());
  }
  return 0;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// The FMA throughput one core really reaches (turbo included), from 24 independent chains of
// 16-float FMAs; 0 without AVX-512. A check on the nominal peak computed from cpu MHz.
// GCC 12's AVX-512 headers self-initialise their "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,fma"))) double measured_core_peak_avx512() {
  constexpr int kChains = 24;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  constexpr long kSteps = 20'000'000;
  double best = 1e30;
  for (int r = 0; r < 3; ++r) {
    const double t0 = thread_cpu_seconds();
    for (long s = 0; s < kSteps; ++s) {
#pragma GCC unroll 24
      for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    best = std::min(best, thread_cpu_seconds() - t0);
  }
  float sink = 0;
  for (int i = 0; i < kChains; ++i) sink += _mm512_reduce_add_ps(acc[i]);
  benchmark::DoNotOptimize(sink);
  return static_cast<double>(kSteps) * kChains * 16 * 2 / best;
}
#pragma GCC diagnostic pop

double measured_core_peak() { return __builtin_cpu_supports("avx512f") ? measured_core_peak_avx512() : 0.0; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int run_catalog(const fs::path& model, int threads, int batch, int repeat) {
  mn::MiniLMOptions options;
  options.threads = threads;
  options.batch_size = batch;
  const auto encoder = mn::MiniLMEncoder::load(model.empty() ? timing_model() : model, options);
  const auto& texts = catalog_texts();
  std::vector<int> lengths;
  for (const auto& t : texts) lengths.push_back(static_cast<int>(encoder->tokenize(t).size()));
  long tokens = 0;
  for (const int n : lengths) tokens += n;
  const double flops = encoder->flops(lengths);
  std::vector<float> out(texts.size() * static_cast<std::size_t>(encoder->dim()));
  encoder->encode(std::span(texts).first(std::min<std::size_t>(256, texts.size())), out.data());  // warm-up
  double best = 1e30, best_cpu = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_seconds();
    encoder->encode(texts, out.data());
    const double s = seconds_since(t0);
    if (s < best) {
      best = s;
      best_cpu = process_cpu_seconds() - c0;
    }
  }
  const double mhz = cpu_mhz();
  const int used = threads > 0 ? threads : omp_get_max_threads();
  const double peak = mhz * 1e6 * used * 2 * 16 * 2;  // 2 FMA units × 16 floats × 2 flops per cycle
  const double measured = measured_core_peak() * used;
  std::printf(
      "{\"texts\": %zu, \"tokens\": %ld, \"mean_tokens\": %.1f, \"threads\": %d, \"batch\": %d, \"kernels\": "
      "\"%s\", "
      "\"seconds\": %.3f, \"cpu_seconds\": %.3f, \"texts_per_second\": %.1f, \"gflop\": %.1f, "
      "\"gflop_per_second\": %.1f, "
      "\"cpu_mhz\": %.0f, \"peak_gflop_per_second\": %.1f, \"share_of_peak\": %.3f, "
      "\"share_of_peak_per_cpu_second\": %.3f, "
      "\"measured_fma_peak_gflop_per_second\": %.1f, \"share_of_measured_peak\": %.3f}\n",
      texts.size(), tokens, static_cast<double>(tokens) / static_cast<double>(texts.size()), used, batch,
      encoder->kernels_name(), best, best_cpu, static_cast<double>(texts.size()) / best, flops / 1e9,
      flops / best / 1e9, mhz, peak / 1e9, flops / best / peak, flops / best_cpu / (peak / used),
      measured / 1e9, measured > 0 ? flops / best / measured : 0.0);
  return 0;
}

// ---- Google Benchmarks ----

using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                       float*, int);
using SetThreads = void (*)(int);

struct OpenBlas {
  Sgemm sgemm = nullptr;
  SetThreads set_threads = nullptr;
};

const OpenBlas& openblas() {
  static const OpenBlas lib = [] {
    OpenBlas b;
    for (const char* name : {"libopenblas.so.0", "libopenblas.so"}) {
      if (void* h = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
        b.sgemm = reinterpret_cast<Sgemm>(::dlsym(h, "cblas_sgemm"));
        b.set_threads = reinterpret_cast<SetThreads>(::dlsym(h, "openblas_set_num_threads"));
        break;
      }
    }
    return b;
  }();
  return lib;
}

struct GemmData {
  int rows, in, out;
  std::vector<float> x, w, b, y;
  mn::bert::PackedLinear packed;
  GemmData(int r, int i, int o) : rows(r), in(i), out(o) {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    x.resize(static_cast<std::size_t>(r) * static_cast<std::size_t>(i));
    w.resize(static_cast<std::size_t>(o) * static_cast<std::size_t>(i));
    b.resize(static_cast<std::size_t>(o));
    y.resize(static_cast<std::size_t>(r) * static_cast<std::size_t>(o));
    for (auto* v : {&x, &w, &b}) {
      for (float& f : *v) f = normal(rng);
    }
    packed = mn::bert::pack_linear(w.data(), b.data(), o, i);
  }
};

void BM_GemmKernel(benchmark::State& state) {
  GemmData d(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
             static_cast<int>(state.range(2)));
  const mn::bert::Kernels& k = mn::bert::select_kernels(mn::bert::KernelChoice::kAuto);
  for (auto _ : state) {
    k.linear({d.x.data(), d.in, d.rows, d.packed.panels.data(), d.packed.bias.data(), d.in, d.out, d.y.data(),
              d.out, nullptr, 0, mn::bert::Activation::kNone});
    benchmark::DoNotOptimize(d.y.data());
  }
  state.SetLabel(k.name);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * d.rows * d.in * d.out / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GemmOpenBlas(benchmark::State& state) {
  const OpenBlas& lib = openblas();
  if (lib.sgemm == nullptr) {
    state.SkipWithError("libopenblas not found");
    return;
  }
  if (lib.set_threads != nullptr) lib.set_threads(1);
  GemmData d(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
             static_cast<int>(state.range(2)));
  for (auto _ : state) {
    // Row-major x · Wᵀ (CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112), bias not added.
    lib.sgemm(101, 111, 112, d.rows, d.out, d.in, 1.0f, d.x.data(), d.in, d.w.data(), d.in, 0.0f, d.y.data(),
              d.out);
    benchmark::DoNotOptimize(d.y.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * d.rows * d.in * d.out / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// A batch of 64 catalog texts is about 1,100 tokens: QKV, attention output, feed-forward up and down.
#define GEMM_SHAPES \
  ->Args({1088, 384, 1152})->Args({1088, 384, 384})->Args({1088, 384, 1536})->Args({1088, 1536, 384})
BENCHMARK(BM_GemmKernel) GEMM_SHAPES->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GemmOpenBlas) GEMM_SHAPES->Unit(benchmark::kMillisecond);

void BM_TokenizeCatalog(benchmark::State& state) {
  const auto tokenizer = mn::load_minilm_tokenizer(shared() / "models" / "all-MiniLM-L6-v2");
  const auto& texts = catalog_texts();
  for (auto _ : state) {
    for (const auto& t : texts) benchmark::DoNotOptimize(tokenizer.encode(t));
  }
  state.counters["texts/s"] =
      benchmark::Counter(static_cast<double>(texts.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_TokenizeCatalog)->Unit(benchmark::kMillisecond);

void BM_EncodeCatalog(benchmark::State& state) {
  mn::MiniLMOptions options;
  options.threads = static_cast<int>(state.range(0));
  const auto encoder = mn::MiniLMEncoder::load(timing_model(), options);
  const auto& texts = catalog_texts();
  std::vector<float> out(texts.size() * 384);
  for (auto _ : state) encoder->encode(texts, out.data());
  // With UseRealTime the rate is per wall-clock second.
  state.counters["texts/s"] =
      benchmark::Counter(static_cast<double>(texts.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EncodeCatalog)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  fs::path model, write_model, write_texts;
  int threads = 2, batch = 64, repeat = 3;
  bool catalog = false;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--catalog") {
      catalog = true;
    } else if (a == "--model") {
      model = value();
    } else if (a == "--threads") {
      threads = std::atoi(value().c_str());
    } else if (a == "--batch") {
      batch = std::atoi(value().c_str());
    } else if (a == "--repeat") {
      repeat = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--write-model") {
      write_model = value();
    } else if (a == "--write-texts") {
      write_texts = value();
    } else {
      rest.push_back(argv[i]);
    }
  }
  try {
    if (!write_model.empty() || !write_texts.empty()) {
      if (!write_model.empty()) write_timing_model(write_model);
      if (!write_texts.empty()) {
        std::ofstream out(write_texts);
        for (const auto& t : catalog_texts()) out << t << '\n';
        if (!out) throw std::runtime_error("cannot write " + write_texts.string());
      }
      return 0;
    }
    if (catalog) return run_catalog(model, threads, batch, repeat);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
