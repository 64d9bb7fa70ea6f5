#pragma once
// Hot loops are compiled for AVX-512, AVX2 and the baseline, picked at load time (the project
// builds without -march). Results are deterministic per machine, not across instruction sets.
#include <cstddef>

// Not under ThreadSanitizer: the clones' resolvers run before its runtime is up and crash.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define MN_SIMD_CLONES [[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]]
#else
#define MN_SIMD_CLONES
#endif
#if defined(__GNUC__)
#define MN_INLINE inline __attribute__((always_inline))
#else
#define MN_INLINE inline
#endif

namespace mn {

// out[q * n + i] = rows[i] . queries[q] for i < n, q < n_queries (rows: n x dim, queries:
// n_queries x dim, both row-major). The rows are streamed once for all the queries, so scoring a
// few queries costs about as much as one.
void dot_rows(const float* rows, std::size_t n, std::size_t dim, const float* queries, std::size_t n_queries,
              float* out);

}  // namespace mn
