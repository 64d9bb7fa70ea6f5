#include "explicit/matrix_factorization.h"

#include <omp.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>

#include "explicit/explicit_common.h"
#include "io/npy.h"
#include "util/error.h"

namespace mn {
namespace {

// A per-term rate: -1 (the default) means the *_all value, as Surprise's None.
double rate(const Params& p, const char* name, const char* all) {
  const double v = p.get_float(name);
  return v < 0 ? p.get_float(all) : v;
}

using xp::init_normal;

struct Ordered {
  std::vector<std::int32_t> user;
  std::vector<std::int32_t> item;
  std::vector<float> rating;
};

Ordered ordered_ratings(const CsrMatrix& x, std::uint64_t seed) {
  const std::vector<std::int64_t> order = xp::surprise_order(x, seed);
  std::vector<std::int32_t> row_of(order.size());
  for (std::int32_t u = 0; u < x.rows; ++u) {
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) row_of[static_cast<std::size_t>(e)] = u;
  }
  Ordered o;
  o.user.reserve(order.size());
  o.item.reserve(order.size());
  o.rating.reserve(order.size());
  for (const std::int64_t e : order) {
    const auto p = static_cast<std::size_t>(e);
    o.user.push_back(row_of[p]);
    o.item.push_back(x.indices[p]);
    o.rating.push_back(x.values[p]);
  }
  return o;
}

struct SgdRates {
  float lr_bu, lr_bi, lr_pu, lr_qi, lr_yj;
  float reg_bu, reg_bi, reg_pu, reg_qi, reg_yj;
};

SgdRates rates_of(const Params& p, bool with_yj) {
  SgdRates r{};
  r.lr_bu = static_cast<float>(rate(p, "lr_bu", "lr_all"));
  r.lr_bi = static_cast<float>(rate(p, "lr_bi", "lr_all"));
  r.lr_pu = static_cast<float>(rate(p, "lr_pu", "lr_all"));
  r.lr_qi = static_cast<float>(rate(p, "lr_qi", "lr_all"));
  r.reg_bu = static_cast<float>(rate(p, "reg_bu", "reg_all"));
  r.reg_bi = static_cast<float>(rate(p, "reg_bi", "reg_all"));
  r.reg_pu = static_cast<float>(rate(p, "reg_pu", "reg_all"));
  r.reg_qi = static_cast<float>(rate(p, "reg_qi", "reg_all"));
  if (with_yj) {
    r.lr_yj = static_cast<float>(rate(p, "lr_yj", "lr_all"));
    r.reg_yj = static_cast<float>(rate(p, "reg_yj", "reg_all"));
  }
  return r;
}

// ------------------------------------------------------------------------------------ svd's SGD

// The ratings an SGD pass visits, as runs of one user's ratings. `item` and `rating` carry kAhead
// copies of their last entry past the end, so that the look-ahead reads need no bounds check.
constexpr int kAhead = 6;  // the item rows are random reads: fetched this many ratings early
struct Runs {
  std::vector<std::int32_t> user;
  std::vector<std::int64_t> end;  // one past the run's last rating
  std::vector<std::int32_t> item;
  std::vector<float> rating;

  void add(std::int32_t u, std::int32_t i, float r) {
    if (user.empty() || user.back() != u) {
      if (!user.empty()) end.push_back(static_cast<std::int64_t>(item.size()));
      user.push_back(u);
    }
    item.push_back(i);
    rating.push_back(r);
  }
  // Closes the last run at n ratings and pads the arrays.
  void finish(std::size_t n) {
    if (!user.empty()) end.push_back(static_cast<std::int64_t>(n));
    const std::int32_t last = n > 0 ? item[n - 1] : 0;
    item.resize(n + kAhead + 1);
    rating.resize(n + kAhead + 1);
    std::fill(item.begin() + static_cast<std::ptrdiff_t>(n), item.end(), last);
    std::fill(rating.begin() + static_cast<std::ptrdiff_t>(n), rating.end(), 0.0f);
  }
};

// Surprise's order as one pass (schedule=surprise).
Runs surprise_runs(const CsrMatrix& x, std::uint64_t seed) {
  const Ordered o = ordered_ratings(x, seed);
  Runs r;
  r.item.reserve(o.item.size() + kAhead + 1);
  r.rating.reserve(o.item.size() + kAhead + 1);
  for (std::size_t t = 0; t < o.user.size(); ++t) r.add(o.user[t], o.item[t], o.rating[t]);
  r.finish(o.user.size());
  return r;
}

// Users and items in kGroups groups each; block (a, c) holds the ratings of user group a on item
// group c, in Surprise's order. In phase p the blocks (g, g + p mod kGroups) share no user and no
// item, so they run at once with no race and the same result as one after the other (stratified
// SGD, Gemulla et al. 2011); the result does not depend on the thread count.
constexpr int kGroups = 4;

// The group of each run of 16 indices, runs weighted by their ratings and placed heaviest first
// on the lightest group, so that the groups hold about as many ratings each. Groups go by runs of
// 16 (64 bytes of biases): two threads never write to one cache line of b_u, b_i or a scale.
std::vector<std::uint8_t> groups_of(const std::vector<std::int32_t>& count) {
  const std::size_t runs = (count.size() + 15) / 16;
  std::vector<std::int64_t> weight(runs, 0);
  for (std::size_t x = 0; x < count.size(); ++x) weight[x / 16] += count[x];
  std::vector<std::size_t> by_weight(runs);
  std::iota(by_weight.begin(), by_weight.end(), std::size_t{0});
  std::stable_sort(by_weight.begin(), by_weight.end(),
                   [&](std::size_t a, std::size_t b) { return weight[a] > weight[b]; });
  std::vector<std::uint8_t> group(runs, 0);
  std::int64_t load[kGroups] = {};
  for (const std::size_t run : by_weight) {
    const auto g = static_cast<std::size_t>(std::min_element(load, load + kGroups) - load);
    group[run] = static_cast<std::uint8_t>(g);
    load[g] += weight[run];
  }
  return group;
}

struct Blocks {
  Runs part[kGroups][kGroups];
};

Blocks split_blocks(const CsrMatrix& x, std::uint64_t seed, const std::vector<std::int32_t>& user_count,
                    const std::vector<std::int32_t>& item_count) {
  constexpr int kBlocks = kGroups * kGroups;
  const std::vector<std::uint8_t> ug = groups_of(user_count);
  const std::vector<std::uint8_t> ig = groups_of(item_count);
  const std::vector<std::int64_t> order = xp::surprise_order(x, seed);
  // Each entry's user, item, rating and block in one record: the shuffled pass below then reads
  // one random cache line per rating, not four.
  struct Entry {
    std::int32_t user, item;
    float rating;
    std::int32_t block;
  };
  std::vector<Entry> entry(order.size());
  std::size_t size[kBlocks] = {};
  for (std::int32_t u = 0; u < x.rows; ++u) {
    const int a = kGroups * ug[static_cast<std::size_t>(u) / 16];
    for (std::int64_t e = x.row_begin(u); e < x.row_end(u); ++e) {
      const auto s = static_cast<std::size_t>(e);
      const int c = a + ig[static_cast<std::size_t>(x.indices[s]) / 16];
      entry[s] = {u, x.indices[s], x.values[s], c};
      ++size[c];
    }
  }
  Blocks b;
  Runs* part = &b.part[0][0];
  std::int32_t* item[kBlocks];
  float* rating[kBlocks];
  std::size_t at[kBlocks] = {};
  for (int c = 0; c < kBlocks; ++c) {
    part[c].item.resize(size[c] + kAhead + 1);
    part[c].rating.resize(size[c] + kAhead + 1);
    item[c] = part[c].item.data();
    rating[c] = part[c].rating.data();
  }
  for (const std::int64_t e : order) {
    const Entry& en = entry[static_cast<std::size_t>(e)];
    const int c = en.block;
    Runs& r = part[c];
    if (r.user.empty() || r.user.back() != en.user) {  // a user's ratings are consecutive in the order
      if (!r.user.empty()) r.end.push_back(static_cast<std::int64_t>(at[c]));
      r.user.push_back(en.user);
    }
    item[c][at[c]] = en.item;
    rating[c][at[c]] = en.rating;
    ++at[c];
  }
  for (int c = 0; c < kBlocks; ++c) part[c].finish(at[c]);
  return b;
}

// Normal initial factors by Box-Muller on SplitMix64 draws, row r of matrix m from its own stream
// (seed, m, r), so the values do not depend on the thread count. init_normal's ziggurat is serial
// and took a fifth of the fit; this is straight-line float code that vectorises.
MN_SIMD_CLONES void normal_rows(float* data, int stride, int cols, std::int32_t first, std::int32_t last,
                                std::uint64_t seed, std::uint64_t matrix, float mean, float std_dev) {
  const int pairs = (cols + 1) / 2;
  const std::int32_t batch = std::max(1, 1024 / pairs);  // rows per vector loop: long loops
  std::vector<std::int32_t> a(static_cast<std::size_t>(batch * pairs)), b(a.size());
  std::vector<float> out(2 * a.size());
  for (std::int32_t r0 = first; r0 < last; r0 += batch) {
    const std::int32_t rows = std::min(batch, last - r0);
    for (std::int32_t k = 0; k < rows; ++k) {
      sgd::Rng rng(seed, (matrix << 40) ^ static_cast<std::uint64_t>(r0 + k));
      for (int j = 0; j < pairs; ++j) {
        const std::uint64_t d = rng.next();
        const auto at = static_cast<std::size_t>(k * pairs + j);
        a[at] = static_cast<std::int32_t>(d >> 41);               // 23 bits
        b[at] = static_cast<std::int32_t>((d >> 8) & 0xffffffu);  // 24 other bits
      }
    }
    const int n = rows * pairs;
    float* o = out.data();
    const std::int32_t* pa = a.data();
    const std::int32_t* pb = b.data();
    // No branch or select on floats, so that the loop vectorises.
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      // radius sqrt(-2 ln u1), u1 in (0, 1): ln by the exponent and the atanh series of the
      // mantissa, taken in [sqrt(1/2), sqrt(2))
      const float u1 = (static_cast<float>(pa[j]) + 0.5f) * 0x1.0p-23f;
      const auto bits = std::bit_cast<std::int32_t>(u1);
      const auto big =
          static_cast<std::int32_t>(static_cast<std::uint32_t>(0x3504f3 - (bits & 0x7fffff)) >> 31);
      const float mant = std::bit_cast<float>((bits & 0x7fffff) | ((127 - big) << 23));
      const auto e = static_cast<float>(((bits >> 23) & 0xff) - 127 + big);
      const float s = (mant - 1.0f) / (mant + 1.0f);
      const float s2 = s * s;
      const float ln =
          e * 0.693147181f + 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 / 9))));
      const float rad2 = -2.0f * ln;  // > 0
      const float rad = rad2 * sgd::rsqrt(rad2);
      // angle 2 pi u2 - pi: quarter turns and x in [-pi/4, pi/4] (Taylor series of sin, cos); a
      // quarter turn swaps them and flips signs
      const float w = 4.0f * static_cast<float>(pb[j]) * 0x1.0p-24f - 2.0f;  // [-2, 2)
      const int turns = static_cast<int>(w + 2.5f) - 2;
      const float x = (w - static_cast<float>(turns)) * 1.57079633f;
      const float x2 = x * x;
      const float sn = x * (1.0f - x2 * (1.0f / 6 - x2 * (1.0f / 120 - x2 * (1.0f / 5040 - x2 / 362880))));
      const float cs = 1.0f - x2 * (0.5f - x2 * (1.0f / 24 - x2 * (1.0f / 720 - x2 / 40320)));
      const std::int32_t swap = -(turns & 1);
      const std::int32_t sn_bits = std::bit_cast<std::int32_t>(sn);
      const std::int32_t cs_bits = std::bit_cast<std::int32_t>(cs);
      const std::int32_t sign_c =
          static_cast<std::int32_t>(static_cast<std::uint32_t>((turns + 1) & 2) << 30);
      const std::int32_t sign_s = static_cast<std::int32_t>(static_cast<std::uint32_t>(turns & 2) << 30);
      const float c = std::bit_cast<float>(((cs_bits & ~swap) | (sn_bits & swap)) ^ sign_c);
      const float si = std::bit_cast<float>(((sn_bits & ~swap) | (cs_bits & swap)) ^ sign_s);
      o[2 * j] = mean + std_dev * rad * c;
      o[2 * j + 1] = mean + std_dev * rad * si;
    }
    for (std::int32_t k = 0; k < rows; ++k) {
      const auto from = out.begin() + 2 * k * pairs;
      std::copy(from, from + cols,
                data + static_cast<std::size_t>(r0 + k) * static_cast<std::size_t>(stride));
    }
  }
}

// 8 floats; loads and stores go through memcpy (one unaligned move, no aliasing question). The
// kernels below are always inlined, so the ABI of an AVX value passed by value never applies.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float V8 __attribute__((vector_size(32)));
MN_INLINE V8 load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
MN_INLINE void store8(float* p, V8 v) { std::memcpy(p, &v, sizeof v); }
MN_INLINE float sum8(V8 v) {
  typedef float V4 __attribute__((vector_size(16)));
  V4 s = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
  s += __builtin_shufflevector(s, s, 2, 3, 0, 1);
  s += __builtin_shufflevector(s, s, 1, 0, 3, 2);
  return s[0];
}

struct SvdStep {
  float mu;
  float lr_bu, reg_bu, lr_bi, reg_bi;  // lr_bu = lr_bi = 0 when unbiased
  float lr_pu, lr_qi;
  float keep_pu, keep_qi;  // 1 - lr reg: p' = keep_pu p + lr_pu err q
};

// The SGD's scalars: b_u, and per item b_i beside the scale s_i of q~_i (below). Cache-line
// aligned, so that the groups' runs of 16 indices own whole lines: no false sharing between threads.
struct SvdTerms {
  std::vector<float, sgd::CacheAligned<float>> user;
  std::vector<float, sgd::CacheAligned<float>> item;  // b_0, s_0, b_1, s_1, ...
  SvdTerms(std::int32_t users, std::int32_t items)
      : user(static_cast<std::size_t>(users), 0.0f), item(2 * static_cast<std::size_t>(items), 0.0f) {
    for (std::size_t i = 1; i < item.size(); i += 2) item[i] = 1.0f;
  }
};

// Surprise's SVD.sgd over one pass of runs (padded rows: the padding stays 0).
//
// The factors are kept scaled, p_u = a p~ (a per run) and q_i = s_i q~_i, so that the decay costs a
// scalar product, not a vector one: p' = keep_pu p + lr_pu err q_i becomes a' = keep_pu a,
// p~' = p~ + (lr_pu err s_i / a') q~_i, and the same for q_i: 4 vector FMAs per 8 factors and
// rating instead of 6. A run stores a p~ at its end; a scale is folded into its row when it falls
// below 2^-24, and every s_i at the end of the fit. kScaled false (keep <= 0: a scale cannot carry
// the decay): the plain updates. NV: the vectors of 8 in a row (0: any number).
//
// The next rating's dot product is not recomputed from the updated p_u, which would chain every
// rating's latency to the last: p_u'.q_j = a' s_j (p~.q~_j + (lr_pu err s_i / a') q~_i.q~_j), and
// both products are independent of the current error, so they are computed alongside it.
constexpr float kTinyScale = 0x1.0p-24f;

template <int NV, bool kScaled>
MN_INLINE void svd_pass(const Runs& b, float* pu, float* qi, int stride, float* bu, float* terms,
                        const SvdStep& k) {
  // Locals: the stores to the factors cannot alias them.
  const int nv = NV > 0 ? NV : stride / 8;
  const float mu = k.mu, lr_bu = k.lr_bu, reg_bu = k.reg_bu, lr_bi = k.lr_bi, reg_bi = k.reg_bi;
  const float lr_pu = k.lr_pu, lr_qi = k.lr_qi, keep_pu = k.keep_pu, keep_qi = k.keep_qi;
  const std::int32_t* item = b.item.data();
  const float* rating = b.rating.data();
  const auto row = [stride](float* m, std::int32_t r) {
    return m + static_cast<std::size_t>(r) * static_cast<std::size_t>(stride);
  };
  std::int64_t t = 0;
  for (std::size_t run = 0; run < b.user.size(); ++run) {
    const std::int32_t u = b.user[run];
    const std::int64_t end = b.end[run];
    float* p = row(pu, u);
    float b_u = bu[u];
    float a = 1.0f;
    float dot;
    {
      const float* q = row(qi, item[t]);
      V8 acc[2] = {};
#pragma GCC unroll 16
      for (int v = 0; v < nv; ++v) acc[v % 2] += load8(p + 8 * v) * load8(q + 8 * v);
      dot = (kScaled ? terms[2 * static_cast<std::size_t>(item[t]) + 1] : 1.0f) * sum8(acc[0] + acc[1]);
    }
    for (; t < end; ++t) {
      sgd::prefetch_row(row(qi, item[t + kAhead]), 8 * nv);
      const std::int32_t i = item[t];
      const std::int32_t j = item[t + 1];
      float* q = row(qi, i);
      const float* qn = row(qi, j);
      float* term_i = terms + 2 * static_cast<std::size_t>(i);  // b_i, s_i
      float& b_i = term_i[0];
      const float err = (rating[t] - (mu + b_u + b_i)) - dot;  // dot last: it comes last
      b_u += lr_bu * (err - reg_bu * b_u);                     // the rates are 0 when unbiased
      b_i += lr_bi * (err - reg_bi * b_i);
      // p~ += kp q~_i, q~_i += kq p~, next dot = kpn p~.q~_j + err kqq q~_i.q~_j
      float kp, kq, kpn, kqq;
      float scale_i = 1.0f, a_next = 1.0f;
      if constexpr (kScaled) {
        scale_i = term_i[1];
        const float scale_j = terms[2 * static_cast<std::size_t>(j) + 1];
        a_next = keep_pu * a;
        const float scale_next = keep_qi * scale_i;
        kp = err * (lr_pu * scale_i / a_next);
        kq = err * (lr_qi * a / scale_next);
        kpn = a_next * scale_j;
        kqq = lr_pu * scale_i * scale_j;
        scale_i = scale_next;
      } else {
        kp = lr_pu * err;
        kq = lr_qi * err;
        kpn = keep_pu;
        kqq = lr_pu;
      }
      // Four partial sums for p~.q~_j: its chain runs from the previous rating's error to the
      // next one's.
      V8 pn[4] = {}, qq[2] = {};
#pragma GCC unroll 16
      for (int v = 0; v < nv; ++v) {
        const V8 pv = load8(p + 8 * v);
        const V8 qv = load8(q + 8 * v);
        const V8 qnv = load8(qn + 8 * v);
        pn[v % 4] += pv * qnv;
        qq[v % 2] += qv * qnv;
        if constexpr (kScaled) {
          store8(q + 8 * v, qv + kq * pv);
          store8(p + 8 * v, pv + kp * qv);
        } else {
          store8(q + 8 * v, keep_qi * qv + kq * pv);
          store8(p + 8 * v, keep_pu * pv + kp * qv);
        }
      }
      dot = err * (kqq * sum8(qq[0] + qq[1])) + kpn * sum8((pn[0] + pn[1]) + (pn[2] + pn[3]));
      if constexpr (kScaled) {
        a = a_next;
        if (a < kTinyScale) {
          for (int f = 0; f < stride; ++f) p[f] *= a;
          a = 1.0f;
        }
        if (scale_i < kTinyScale) {
          for (int f = 0; f < stride; ++f) q[f] *= scale_i;
          scale_i = 1.0f;
        }
        term_i[1] = scale_i;
      }
      if (j == i) {  // a repeated rating: q_i itself changed
        V8 d = {};
#pragma GCC unroll 16
        for (int v = 0; v < nv; ++v) d += load8(p + 8 * v) * load8(q + 8 * v);
        dot = a * scale_i * sum8(d);
      }
    }
    if (a != 1.0f) {
#pragma GCC unroll 16
      for (int v = 0; v < nv; ++v) store8(p + 8 * v, a * load8(p + 8 * v));
    }
    bu[u] = b_u;
  }
}

// The pass unrolled for strides of NV, NV + 1, ... 16 vectors of 8.
template <int NV>
MN_INLINE void svd_pass_unrolled(const Runs& b, float* p, float* q, int stride, float* bu, float* terms,
                                 const SvdStep& k) {
  if constexpr (NV > 16) {
    svd_pass<0, true>(b, p, q, stride, bu, terms, k);
  } else if (stride == 8 * NV) {
    svd_pass<NV, true>(b, p, q, stride, bu, terms, k);
  } else {
    svd_pass_unrolled<NV + 1>(b, p, q, stride, bu, terms, k);
  }
}

// One pass; rows of `stride` floats, a multiple of 8.
MN_SIMD_CLONES void svd_pass_any(const Runs& b, float* p, float* q, int stride, SvdTerms& terms,
                                 const SvdStep& k) {
  if (k.keep_pu > 0 && k.keep_qi > 0) {
    svd_pass_unrolled<1>(b, p, q, stride, terms.user.data(), terms.item.data(), k);
  } else {
    svd_pass<0, false>(b, p, q, stride, terms.user.data(), terms.item.data(), k);
  }
}

// The fitted terms into the model: q_i = s_i q~_i and p_u from the fit's rows (which may be the
// model's own), the biases.
void finish_fit(const float* p, const float* q, int stride, const SvdTerms& terms, sgd::FactorMatrix& pu,
                sgd::FactorMatrix& qi, std::vector<float>& bu, std::vector<float>& bi) {
  const auto at = [stride](const float* m, std::int32_t r) {
    return m + static_cast<std::size_t>(r) * static_cast<std::size_t>(stride);
  };
  if (p != pu.data.data()) {
    for (std::int32_t u = 0; u < pu.rows; ++u) std::copy(at(p, u), at(p, u) + pu.cols, pu.row(u));
  }
  for (std::int32_t i = 0; i < qi.rows; ++i) {
    const float c = terms.item[2 * static_cast<std::size_t>(i) + 1];
    const float* from = at(q, i);
    float* to = qi.row(i);
    for (int f = 0; f < qi.cols; ++f) to[f] = c * from[f];
  }
  bu.assign(terms.user.begin(), terms.user.begin() + static_cast<std::ptrdiff_t>(bu.size()));
  for (std::size_t i = 0; i < bi.size(); ++i) bi[i] = terms.item[2 * i];
}

#pragma GCC diagnostic pop

// Whether every value is finite, as one vectorised pass (x - x is 0, or NaN for NaN and infinity).
MN_SIMD_CLONES bool all_finite(const sgd::FactorMatrix& m) {
  const float* d = m.data.data();
  const std::size_t n = m.data.size();
  float z = 0;
#pragma omp simd reduction(+ : z)
  for (std::size_t j = 0; j < n; ++j) z += d[j] - d[j];
  return z == 0;
}

// SVDpp.sgd with the per-user affine composition of the y_j updates (see the header).
MN_SIMD_CLONES void svdpp_epochs(const Ordered& o, const CsrMatrix& x, int epochs, sgd::FactorMatrix& pu,
                                 sgd::FactorMatrix& qi, sgd::FactorMatrix& yj, float* bu, float* bi, float mu,
                                 const SgdRates& k) {
  const int stride = pu.stride;
  const std::size_t n = o.user.size();
  std::vector<float, sgd::CacheAligned<float>> s(static_cast<std::size_t>(stride)), offset(s.size()),
      imp(s.size());
  const float a = 1.0f - k.lr_yj * k.reg_yj;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::size_t t = 0;
    while (t < n) {
      const std::int32_t u = o.user[t];
      const auto items = x.row_indices(u);
      const auto n_u = static_cast<float>(items.size());
      const float inv_sqrt = 1.0f / std::sqrt(n_u);
      std::fill(s.begin(), s.end(), 0.0f);
      std::fill(offset.begin(), offset.end(), 0.0f);
      for (const std::int32_t j : items) {
        const float* y = yj.row(j);
#pragma omp simd
        for (int f = 0; f < stride; ++f) s[static_cast<std::size_t>(f)] += y[f];
      }
      float scale = 1.0f;
      float* p = pu.row(u);
      float& b_u = bu[u];
      for (; t < n && o.user[t] == u; ++t) {
        const std::int32_t i = o.item[t];
        float* q = qi.row(i);
        float dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int f = 0; f < stride; ++f) {
          imp[static_cast<std::size_t>(f)] = s[static_cast<std::size_t>(f)] * inv_sqrt;
          dot += q[f] * (p[f] + imp[static_cast<std::size_t>(f)]);
        }
        float& b_i = bi[i];
        const float err = o.rating[t] - (mu + b_u + b_i + dot);
        b_u += k.lr_bu * (err - k.reg_bu * b_u);
        b_i += k.lr_bi * (err - k.reg_bi * b_i);
        const float g = k.lr_yj * err * inv_sqrt;
#pragma omp simd
        for (int f = 0; f < stride; ++f) {
          const auto fs = static_cast<std::size_t>(f);
          const float pf = p[f];
          const float qf = q[f];
          p[f] = pf + k.lr_pu * (err * qf - k.reg_pu * pf);
          q[f] = qf + k.lr_qi * (err * (pf + imp[fs]) - k.reg_qi * qf);
          const float b = g * qf;  // every y_j of I_u: y <- a y + b
          offset[fs] = a * offset[fs] + b;
          s[fs] = a * s[fs] + n_u * b;
        }
        scale *= a;
      }
      for (const std::int32_t j : items) {
        float* y = yj.row(j);
#pragma omp simd
        for (int f = 0; f < stride; ++f) y[f] = scale * y[f] + offset[static_cast<std::size_t>(f)];
      }
    }
  }
}

// Cosine of the first n columns of row `item` with every known row (the item itself left out).
std::vector<ScoredItem> factor_cosine(const sgd::FactorMatrix& q, int n, std::int32_t item, int k,
                                      const std::vector<std::int32_t>& item_count, const std::string& model) {
  if (item < 0 || item >= q.rows) {
    throw Error(ErrorKind::kInvalidInput,
                model + ": item " + std::to_string(item) + " is not in the fitted matrix");
  }
  const float* a = q.row(item);
  const float na = std::sqrt(sgd::dot(a, a, n));
  std::vector<float> s(static_cast<std::size_t>(q.rows), -std::numeric_limits<float>::infinity());
  for (std::int32_t j = 0; j < q.rows; ++j) {
    if (j == item || item_count[static_cast<std::size_t>(j)] == 0) continue;
    const float* b = q.row(j);
    const float nb = std::sqrt(sgd::dot(b, b, n));
    s[static_cast<std::size_t>(j)] = na > 0 && nb > 0 ? sgd::dot(a, b, n) / (na * nb) : 0.0f;
  }
  return top_k(s, k);
}

// Ridge fold-in: [b, p] minimising sum (t_i - b - q_i.p)^2 + n (reg_b b^2 + reg_p |p|^2) (no b
// when unbiased) over the rows given; the stationary point of the per-rating SGD updates.
std::vector<double> ridge_fold_in(const std::vector<const float*>& rows, const std::vector<double>& targets,
                                  int f, bool biased, double reg_b, double reg_p) {
  const int off = biased ? 1 : 0;
  const int dim = f + off;
  std::vector<double> a(static_cast<std::size_t>(dim) * static_cast<std::size_t>(dim), 0.0);
  std::vector<double> b(static_cast<std::size_t>(dim), 0.0);
  std::vector<double> x(static_cast<std::size_t>(dim));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (biased) x[0] = 1.0;
    for (int c = 0; c < f; ++c) x[static_cast<std::size_t>(c + off)] = rows[r][c];
    for (int i = 0; i < dim; ++i) {
      const double xi = x[static_cast<std::size_t>(i)];
      b[static_cast<std::size_t>(i)] += xi * targets[r];
      for (int j = 0; j <= i; ++j)
        a[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] +=
            xi * x[static_cast<std::size_t>(j)];
    }
  }
  const auto n = static_cast<double>(rows.size());
  for (int i = 0; i < dim; ++i) {
    for (int j = i + 1; j < dim; ++j)
      a[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(j)] =
          a[static_cast<std::size_t>(j) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(i)];
    // A tiny floor keeps the system definite when the regularisation is 0.
    a[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim) + static_cast<std::size_t>(i)] +=
        std::max(n * (biased && i == 0 ? reg_b : reg_p), 1e-9);
  }
  if (rows.empty() || !xp::cholesky_solve(a, b, dim))
    return std::vector<double>(static_cast<std::size_t>(dim), 0.0);
  return b;
}

void save_bias(const std::filesystem::path& path, const std::vector<float>& b) {
  const std::vector<double> d(b.begin(), b.end());
  save_npy(path, d, {d.size()});
}

std::vector<float> load_bias(const std::filesystem::path& path, std::int32_t n) {
  const std::vector<double> d = load_npy(path).as<double>();
  if (d.size() != static_cast<std::size_t>(n)) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected " + std::to_string(n) + " values");
  }
  return {d.begin(), d.end()};
}

void load_factors(sgd::FactorMatrix& m, const std::filesystem::path& path, std::int32_t rows, int cols) {
  m.load(path);
  if (m.rows != rows || m.cols != cols) {
    throw Error(ErrorKind::kInvalidInput, path.string() + ": expected a (" + std::to_string(rows) + ", " +
                                              std::to_string(cols) + ") array");
  }
}

float clip(double v, float lo, float hi) {
  return static_cast<float>(std::clamp(v, static_cast<double>(lo), static_cast<double>(hi)));
}

// The tasks of a fit as one sequence, claimed in order by whichever thread is free; a task starts
// once the (at most two) tasks it depends on are done. No thread waits at a barrier: a peer that
// is descheduled holds back only what depends on its block, and the other thread takes the tasks
// it has not claimed. A wait spins for about as long as two balanced blocks differ, then sleeps (a
// futex), leaving the core to the peer.
//
// On a busy machine two threads that take turns on one core are slower than one that keeps it
// (ml-latest-small, 80 factors, beside a two-thread process: 72-76 ms against 58-64 ms; idle: 24
// against 42 ms). So once a thread's tasks have had the CPU for less than 2/3 of their wall time
// over 3 ms, the helpers leave and the caller's thread goes on alone. The helpers are plain
// threads, not an OpenMP team: nobody waits at a team's closing barrier for a helper the OS has
// not run yet, and a helper that leaves does not spin there, taking the core from the caller.
class TaskChain {
 public:
  // deps(s, d) writes the tasks s waits for to d (at most two, at most kReach tasks back) and
  // returns their number.
  static constexpr int kReach = 4 * kGroups;
  explicit TaskChain(int total) : total_(total) {}

  template <typename Deps, typename Run>
  void work(const Deps& deps, const Run& run, bool helper) {
    double wall = 0, cpu = 0;
    for (;;) {
      if (helper && alone_.load(std::memory_order_relaxed)) return;
      const int s = next_.fetch_add(1, std::memory_order_relaxed);
      if (s >= total_) return;
      int d[2];
      const int n = deps(s, d);
      for (int k = 0; k < n; ++k) wait_until(done_[s_slot(d[k])], d[k] + 1);
      const auto w0 = std::chrono::steady_clock::now();
      const double c0 = thread_cpu_seconds();
      run(s);
      wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
      cpu += thread_cpu_seconds() - c0;
      if (wall > 3e-3 && 3 * cpu < 2 * wall) alone_.store(true, std::memory_order_relaxed);
      // A slot is reused kReach tasks later, when everything that waits for s is past its wait.
      std::atomic<int>& slot = done_[s_slot(s)];
      slot.store(s + 1, std::memory_order_release);
      slot.notify_all();
      finished_.fetch_add(1, std::memory_order_release);
      finished_.notify_all();
    }
  }
  // Returns once every task is done (the helpers may still hold the chain, but no task).
  void wait_all() { wait_until(finished_, total_); }

 private:
  static constexpr int kSpins = 2000;  // some 50 us
  static std::size_t s_slot(int s) { return static_cast<std::size_t>(s % kReach); }
  static double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
  }
  static void wait_until(std::atomic<int>& a, int value) {
    int spins = 0;
    for (int v = a.load(std::memory_order_acquire); v < value; v = a.load(std::memory_order_acquire)) {
      if (spins++ < kSpins) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        a.wait(v, std::memory_order_acquire);
      }
    }
  }
  int total_;
  std::atomic<int> next_{0};
  std::atomic<int> finished_{0};
  std::atomic<bool> alone_{false};
  std::atomic<int> done_[kReach] = {};
};

// Runs the chain's tasks on the caller's thread and threads - 1 detached helpers. A helper that
// starts late finds no task left and ends; it holds the chain, never deps or run, after that.
template <typename Deps, typename Run>
void run_fit(int total, int threads, const Deps& deps, const Run& run) {
  const auto chain = std::make_shared<TaskChain>(total);
  for (int h = 1; h < threads; ++h) {
    try {
      std::thread([chain, &deps, &run] { chain->work(deps, run, true); }).detach();
    } catch (const std::system_error&) {
      break;  // no thread to be had: fewer helpers
    }
  }
  chain->work(deps, run, false);
  chain->wait_all();
}

}  // namespace

// ---------------------------------------------------------------------------------------------- svd

Svd::Svd(Params params)
    : RatingModel(std::move(params)),
      factors_(static_cast<int>(params_.get_int("n_factors"))),
      biased_(params_.get_bool("biased")) {}

void Svd::fit(const CsrMatrix& ratings, const FitContext& context) {
  begin_fit(ratings);
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  const double init_mean = params_.get_float("init_mean");
  const double init_std = params_.get_float("init_std_dev");
  const int threads = rating_threads(context.threads);
  bu_.assign(static_cast<std::size_t>(n_users_), 0.0f);
  bi_.assign(static_cast<std::size_t>(n_items_), 0.0f);
  const int epochs = static_cast<int>(params_.get_int("n_epochs"));
  const SgdRates r = rates_of(params_, false);
  const SvdStep k{biased_ ? static_cast<float>(global_mean_) : 0.0f,
                  biased_ ? r.lr_bu : 0.0f,
                  r.reg_bu,
                  biased_ ? r.lr_bi : 0.0f,
                  r.reg_bi,
                  r.lr_pu,
                  r.lr_qi,
                  1.0f - r.lr_pu * r.reg_pu,
                  1.0f - r.lr_qi * r.reg_qi};
  SvdTerms terms(n_users_, n_items_);
  // The fit's rows: a multiple of 8 floats (50 factors take 56, not a FactorMatrix's 64: an eighth
  // less work). 16 rows span whole cache lines, so threads on different groups share none. The
  // model's own rows when the strides agree.
  float* p = nullptr;
  float* q = nullptr;
  int stride = 0;
  std::vector<float, sgd::CacheAligned<float>> p_fit, q_fit;
  if (params_.get_choice("schedule") == "surprise") {
    init_normal(pu_, n_users_, factors_, seed, 1, init_mean, init_std, threads);
    init_normal(qi_, n_items_, factors_, seed, 2, init_mean, init_std, threads);
    p = pu_.data.data();
    q = qi_.data.data();
    stride = pu_.stride;
    const Runs runs = surprise_runs(ratings, seed);
    for (int epoch = 0; epoch < epochs; ++epoch) svd_pass_any(runs, p, q, stride, terms, k);
  } else {
    // Task 0 orders the ratings into blocks, task 1 draws the initial factors, then the passes:
    // pass q runs block g = q mod G of phase P = q / G, after the passes of phase P - 1 on its user
    // group (block g) and on its item group (block g + 1).
    stride = (factors_ + 7) / 8 * 8;
    Blocks blocks;
    std::exception_ptr failed;
    std::mutex failed_lock;
    std::atomic<bool> any_failed{false};
    const auto mean = static_cast<float>(init_mean);
    const auto std_dev = static_cast<float>(init_std);
    const int total = 2 + kGroups * kGroups * epochs;
    const auto deps = [](int s, int* d) {
      if (s < 2) return 0;
      const int pass = s - 2, phase = pass / kGroups, g = pass % kGroups;
      if (phase == 0) {
        d[0] = 0;
        d[1] = 1;
      } else {
        d[0] = 2 + (phase - 1) * kGroups + g;
        d[1] = 2 + (phase - 1) * kGroups + (g + 1) % kGroups;
      }
      return 2;
    };
    const auto run = [&](int s) {
      try {
        if (s == 0) {
          blocks = split_blocks(ratings, seed, user_count_, item_count_);
        } else if (s == 1) {
          pu_.reset(n_users_, factors_);
          qi_.reset(n_items_, factors_);
          if (stride == pu_.stride) {
            p = pu_.data.data();
            q = qi_.data.data();
          } else {
            p_fit.assign(static_cast<std::size_t>(n_users_) * static_cast<std::size_t>(stride), 0.0f);
            q_fit.assign(static_cast<std::size_t>(n_items_) * static_cast<std::size_t>(stride), 0.0f);
            p = p_fit.data();
            q = q_fit.data();
          }
          normal_rows(p, stride, factors_, 0, n_users_, seed, 1, mean, std_dev);
          normal_rows(q, stride, factors_, 0, n_items_, seed, 2, mean, std_dev);
        } else if (!any_failed.load(std::memory_order_relaxed)) {
          const int g = (s - 2) % kGroups;
          const int phase = (s - 2) / kGroups % kGroups;
          svd_pass_any(blocks.part[g][(g + phase) % kGroups], p, q, stride, terms, k);
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failed_lock);
        failed = std::current_exception();
        any_failed.store(true, std::memory_order_relaxed);
      }
    };
    run_fit(total, omp_in_parallel() ? 1 : std::min(threads, kGroups), deps, run);
    if (failed) std::rethrow_exception(failed);
  }
  finish_fit(p, q, stride, terms, pu_, qi_, bu_, bi_);
  if (!all_finite(pu_)) sgd::check_finite(pu_, "svd user factors (lower the learning rates)");
  if (!all_finite(qi_)) sgd::check_finite(qi_, "svd item factors (lower the learning rates)");
}

Estimate Svd::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  if (!biased_) {
    if (!(ku && ki)) return {0, kUnknownReason, -1};
    return {sgd::dot(pu_.row(user), qi_.row(item), factors_), {}, -1};
  }
  double est = global_mean_;
  if (ku) est += bu_[static_cast<std::size_t>(user)];
  if (ki) est += bi_[static_cast<std::size_t>(item)];
  if (ku && ki) est += sgd::dot(pu_.row(user), qi_.row(item), factors_);
  return {est, {}, -1};
}

void Svd::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  if (!knows_user(user)) {
    RatingModel::score(user, out);
    return;
  }
  sgd::score_all(qi_, pu_.row(user), qi_.stride, -1, out);
  const double base = biased_ ? global_mean_ + bu_[static_cast<std::size_t>(user)] : 0.0;
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    if (!knows_item(i)) {
      out[s] = static_cast<float>(predict(user, i).estimate);
      continue;
    }
    out[s] = clip(base + (biased_ ? bi_[s] : 0.0f) + out[s], rating_min_, rating_max_);
  }
}

std::vector<double> Svd::fold_in(std::span<const std::int32_t> items, std::span<const float> values) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<const float*> rows;
  std::vector<double> targets;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (!knows_item(items[e])) continue;  // untrained factors carry no information
    rows.push_back(qi_.row(items[e]));
    targets.push_back(biased_ ? values[e] - global_mean_ - bi_[static_cast<std::size_t>(items[e])]
                              : values[e]);
  }
  const std::vector<double> x =
      ridge_fold_in(rows, targets, factors_, biased_, rate(params_, "reg_bu", "reg_all"),
                    rate(params_, "reg_pu", "reg_all"));
  if (biased_) return x;
  // b_u = 0 ahead (built whole: GCC 12 misreads insert at the front as a null dereference)
  std::vector<double> with_bias(x.size() + 1, 0.0);
  std::copy(x.begin(), x.end(), with_bias.begin() + 1);
  return with_bias;
}

void Svd::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                        std::span<float> out) const {
  const std::vector<double> x = fold_in(items, values);
  bool known = false;
  for (const std::int32_t i : items) known = known || knows_item(i);
  std::vector<float, sgd::CacheAligned<float>> p(static_cast<std::size_t>(qi_.stride), 0.0f);
  for (int f = 0; f < factors_; ++f)
    p[static_cast<std::size_t>(f)] = static_cast<float>(x[static_cast<std::size_t>(f) + 1]);
  sgd::score_all(qi_, p.data(), qi_.stride, -1, out);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    const bool ki = knows_item(i);
    double est;
    if (biased_) {
      est = global_mean_ + (known ? x[0] : 0.0) + (ki ? bi_[s] : 0.0) + (known && ki ? out[s] : 0.0);
    } else {
      est = known && ki ? out[s] : default_prediction();
    }
    out[s] = clip(est, rating_min_, rating_max_);
  }
}

std::vector<ScoredItem> Svd::similar_items(std::int32_t item, int k) const {
  return factor_cosine(qi_, factors_, item, k, item_count_, name());
}

void Svd::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  pu_.save(dir / "user_factors.npy");
  qi_.save(dir / "item_factors.npy");
  save_bias(dir / "user_bias.npy", bu_);
  save_bias(dir / "item_bias.npy", bi_);
}

void Svd::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  load_factors(pu_, dir / "user_factors.npy", n_users_, factors_);
  load_factors(qi_, dir / "item_factors.npy", n_items_, factors_);
  bu_ = load_bias(dir / "user_bias.npy", n_users_);
  bi_ = load_bias(dir / "item_bias.npy", n_items_);
}

void Svd::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save(dir);
  std::filesystem::remove(dir / "rating_model.json");
  write_export_meta(
      dir,
      {{"user_factors", "user_factors.npy"},
       {"item_factors", "item_factors.npy"},
       {"user_bias", "user_bias.npy"},
       {"item_bias", "item_bias.npy"},
       {"biased", biased_},
       {"formula",
        biased_ ? "clip(global_mean + user_bias[u] + item_bias[i] + user_factors[u] @ item_factors[i], "
                  "rating_min, rating_max)"
                : "clip(user_factors[u] @ item_factors[i], rating_min, rating_max); global_mean when "
                  "u or i is unknown"}},
      ids);
}

// -------------------------------------------------------------------------------------------- svdpp

SvdPp::SvdPp(Params params)
    : RatingModel(std::move(params)), factors_(static_cast<int>(params_.get_int("n_factors"))) {}

void SvdPp::fit(const CsrMatrix& ratings, const FitContext& context) {
  begin_fit(ratings);
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  const double init_mean = params_.get_float("init_mean");
  const double init_std = params_.get_float("init_std_dev");
  const int threads = rating_threads(context.threads);
  init_normal(pu_, n_users_, factors_, seed, 1, init_mean, init_std, threads);
  init_normal(qi_, n_items_, factors_, seed, 2, init_mean, init_std, threads);
  init_normal(yj_, n_items_, factors_, seed, 3, init_mean, init_std, threads);
  bu_.assign(static_cast<std::size_t>(n_users_), 0.0f);
  bi_.assign(static_cast<std::size_t>(n_items_), 0.0f);
  const Ordered o = ordered_ratings(ratings, seed);
  svdpp_epochs(o, ratings, static_cast<int>(params_.get_int("n_epochs")), pu_, qi_, yj_, bu_.data(),
               bi_.data(), static_cast<float>(global_mean_), rates_of(params_, true));
  sgd::check_finite(pu_, "svdpp user factors (lower the learning rates)");
  sgd::check_finite(qi_, "svdpp item factors (lower the learning rates)");
  sgd::check_finite(yj_, "svdpp implicit factors (lower the learning rates)");
  implicit_.reset(n_users_, factors_);
  for (std::int32_t u = 0; u < n_users_; ++u) {
    const auto items = ratings.row_indices(u);
    if (items.empty()) continue;
    std::vector<double> sum(static_cast<std::size_t>(factors_), 0.0);
    for (const std::int32_t j : items) {
      for (int f = 0; f < factors_; ++f) sum[static_cast<std::size_t>(f)] += yj_.row(j)[f];
    }
    const double inv = 1.0 / std::sqrt(static_cast<double>(items.size()));
    for (int f = 0; f < factors_; ++f)
      implicit_.row(u)[f] = static_cast<float>(sum[static_cast<std::size_t>(f)] * inv);
  }
}

Estimate SvdPp::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  double est = global_mean_;
  if (ku) est += bu_[static_cast<std::size_t>(user)];
  if (ki) est += bi_[static_cast<std::size_t>(item)];
  if (ku && ki) {
    const float* q = qi_.row(item);
    const float* p = pu_.row(user);
    const float* y = implicit_.row(user);
    double dot = 0;
    for (int f = 0; f < factors_; ++f) dot += static_cast<double>(q[f]) * (p[f] + y[f]);
    est += dot;
  }
  return {est, {}, -1};
}

void SvdPp::score(std::int32_t user, std::span<float> out) const {
  check_user(user);
  if (!knows_user(user)) {
    RatingModel::score(user, out);
    return;
  }
  std::vector<float, sgd::CacheAligned<float>> v(static_cast<std::size_t>(qi_.stride), 0.0f);
  for (int f = 0; f < factors_; ++f)
    v[static_cast<std::size_t>(f)] = pu_.row(user)[f] + implicit_.row(user)[f];
  sgd::score_all(qi_, v.data(), qi_.stride, -1, out);
  const double base = global_mean_ + bu_[static_cast<std::size_t>(user)];
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    out[s] = clip(knows_item(i) ? base + bi_[s] + out[s] : base, rating_min_, rating_max_);
  }
}

void SvdPp::fold_in(std::span<const std::int32_t> items, std::span<const float> values,
                    std::vector<float>& user, double& bias) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<std::int32_t> known;
  std::vector<float> known_values;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (knows_item(items[e])) {
      known.push_back(items[e]);
      known_values.push_back(values[e]);
    }
  }
  user.assign(static_cast<std::size_t>(factors_), 0.0f);
  bias = 0;
  if (known.empty()) return;
  std::vector<double> imp(static_cast<std::size_t>(factors_), 0.0);
  for (const std::int32_t j : known) {
    for (int f = 0; f < factors_; ++f) imp[static_cast<std::size_t>(f)] += yj_.row(j)[f];
  }
  const double inv = 1.0 / std::sqrt(static_cast<double>(known.size()));
  for (double& v : imp) v *= inv;
  std::vector<const float*> rows;
  std::vector<double> targets;
  for (std::size_t e = 0; e < known.size(); ++e) {
    const float* q = qi_.row(known[e]);
    double qy = 0;
    for (int f = 0; f < factors_; ++f) qy += q[f] * imp[static_cast<std::size_t>(f)];
    rows.push_back(q);
    targets.push_back(known_values[e] - global_mean_ - bi_[static_cast<std::size_t>(known[e])] - qy);
  }
  const std::vector<double> x = ridge_fold_in(
      rows, targets, factors_, true, rate(params_, "reg_bu", "reg_all"), rate(params_, "reg_pu", "reg_all"));
  bias = x[0];
  for (int f = 0; f < factors_; ++f)
    user[static_cast<std::size_t>(f)] =
        static_cast<float>(x[static_cast<std::size_t>(f) + 1] + imp[static_cast<std::size_t>(f)]);
}

void SvdPp::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                          std::span<float> out) const {
  std::vector<float> user;
  double bias = 0;
  fold_in(items, values, user, bias);
  std::vector<float, sgd::CacheAligned<float>> v(static_cast<std::size_t>(qi_.stride), 0.0f);
  std::copy(user.begin(), user.end(), v.begin());
  bool known = false;
  for (const std::int32_t i : items) known = known || knows_item(i);
  sgd::score_all(qi_, v.data(), qi_.stride, -1, out);
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const auto s = static_cast<std::size_t>(i);
    const bool ki = knows_item(i);
    const double est = global_mean_ + bias + (ki ? bi_[s] : 0.0) + (known && ki ? out[s] : 0.0);
    out[s] = clip(est, rating_min_, rating_max_);
  }
}

std::vector<ScoredItem> SvdPp::similar_items(std::int32_t item, int k) const {
  return factor_cosine(qi_, factors_, item, k, item_count_, name());
}

void SvdPp::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  pu_.save(dir / "user_factors.npy");
  qi_.save(dir / "item_factors.npy");
  yj_.save(dir / "implicit_factors.npy");
  implicit_.save(dir / "user_implicit.npy");
  save_bias(dir / "user_bias.npy", bu_);
  save_bias(dir / "item_bias.npy", bi_);
}

void SvdPp::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  load_factors(pu_, dir / "user_factors.npy", n_users_, factors_);
  load_factors(qi_, dir / "item_factors.npy", n_items_, factors_);
  load_factors(yj_, dir / "implicit_factors.npy", n_items_, factors_);
  load_factors(implicit_, dir / "user_implicit.npy", n_users_, factors_);
  bu_ = load_bias(dir / "user_bias.npy", n_users_);
  bi_ = load_bias(dir / "item_bias.npy", n_items_);
}

void SvdPp::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save(dir);
  std::filesystem::remove(dir / "rating_model.json");
  write_export_meta(
      dir,
      {{"user_factors", "user_factors.npy"},
       {"item_factors", "item_factors.npy"},
       {"implicit_factors", "implicit_factors.npy"},
       {"user_implicit", "user_implicit.npy"},
       {"user_bias", "user_bias.npy"},
       {"item_bias", "item_bias.npy"},
       {"formula",
        "clip(global_mean + user_bias[u] + item_bias[i] + item_factors[i] @ (user_factors[u] + "
        "user_implicit[u]), rating_min, rating_max); user_implicit[u] = sum of implicit_factors[j] "
        "over u's rated items j / sqrt(their count)"}},
      ids);
}

// ---------------------------------------------------------------------------------------------- nmf

Nmf::Nmf(Params params)
    : RatingModel(std::move(params)),
      factors_(static_cast<int>(params_.get_int("n_factors"))),
      biased_(params_.get_bool("biased")) {
  if (params_.get_float("init_low") > params_.get_float("init_high"))
    throw Error(ErrorKind::kInvalidInput, "nmf: init_low must not exceed init_high");
}

double Nmf::dot(const double* a, std::int32_t item) const {
  const double* q = qi_.data() + static_cast<std::size_t>(item) * static_cast<std::size_t>(factors_);
  double s = 0;
  for (int f = 0; f < factors_; ++f) s += a[f] * q[f];
  return s;
}

void Nmf::fit(const CsrMatrix& ratings, const FitContext&) {
  begin_fit(ratings);
  const auto seed = static_cast<std::uint64_t>(params_.get_int("seed"));
  xp::NormalRng rng(seed);
  const double lo = params_.get_float("init_low");
  const double hi = params_.get_float("init_high");
  const auto nf = static_cast<std::size_t>(factors_);
  pu_.resize(static_cast<std::size_t>(n_users_) * nf);
  qi_.resize(static_cast<std::size_t>(n_items_) * nf);
  for (double& v : pu_) v = lo + (hi - lo) * rng.uniform();
  for (double& v : qi_) v = lo + (hi - lo) * rng.uniform();
  bu_.assign(static_cast<std::size_t>(n_users_), 0.0);
  bi_.assign(static_cast<std::size_t>(n_items_), 0.0);
  const double reg_pu = params_.get_float("reg_pu");
  const double reg_qi = params_.get_float("reg_qi");
  const double reg_bu = params_.get_float("reg_bu");
  const double reg_bi = params_.get_float("reg_bi");
  const double lr_bu = params_.get_float("lr_bu");
  const double lr_bi = params_.get_float("lr_bi");
  const double mu = biased_ ? global_mean_ : 0.0;
  const Ordered o = ordered_ratings(ratings, seed);
  std::vector<double> user_num(pu_.size()), user_denom(pu_.size()), item_num(qi_.size()),
      item_denom(qi_.size());
  const auto epochs = params_.get_int("n_epochs");
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    std::fill(user_num.begin(), user_num.end(), 0.0);
    std::fill(user_denom.begin(), user_denom.end(), 0.0);
    std::fill(item_num.begin(), item_num.end(), 0.0);
    std::fill(item_denom.begin(), item_denom.end(), 0.0);
    for (std::size_t t = 0; t < o.user.size(); ++t) {
      const auto u = static_cast<std::size_t>(o.user[t]);
      const auto i = static_cast<std::size_t>(o.item[t]);
      const double r = o.rating[t];
      const double* p = pu_.data() + u * nf;
      const double* q = qi_.data() + i * nf;
      const double est = mu + bu_[u] + bi_[i] + dot(p, o.item[t]);
      const double err = r - est;
      if (biased_) {
        bu_[u] += lr_bu * (err - reg_bu * bu_[u]);
        bi_[i] += lr_bi * (err - reg_bi * bi_[i]);
      }
      for (std::size_t f = 0; f < nf; ++f) {
        user_num[u * nf + f] += q[f] * r;
        user_denom[u * nf + f] += q[f] * est;
        item_num[i * nf + f] += p[f] * r;
        item_denom[i * nf + f] += p[f] * est;
      }
    }
    for (std::int32_t u = 0; u < n_users_; ++u) {
      const double n = user_count_[static_cast<std::size_t>(u)];
      if (n == 0) continue;  // not in Surprise's trainset
      for (std::size_t f = 0; f < nf; ++f) {
        const std::size_t at = static_cast<std::size_t>(u) * nf + f;
        if (pu_[at] == 0) continue;
        const double denom = user_denom[at] + n * reg_pu * pu_[at];
        if (denom != 0) pu_[at] *= user_num[at] / denom;
      }
    }
    for (std::int32_t i = 0; i < n_items_; ++i) {
      const double n = item_count_[static_cast<std::size_t>(i)];
      if (n == 0) continue;
      for (std::size_t f = 0; f < nf; ++f) {
        const std::size_t at = static_cast<std::size_t>(i) * nf + f;
        if (qi_[at] == 0) continue;
        const double denom = item_denom[at] + n * reg_qi * qi_[at];
        if (denom != 0) qi_[at] *= item_num[at] / denom;
      }
    }
  }
  for (const double v : pu_) {
    if (!std::isfinite(v)) throw Error(ErrorKind::kInvalidInput, "nmf: non-finite user factors");
  }
  for (const double v : qi_) {
    if (!std::isfinite(v)) throw Error(ErrorKind::kInvalidInput, "nmf: non-finite item factors");
  }
}

Estimate Nmf::estimate(std::int32_t user, std::int32_t item) const {
  const bool ku = knows_user(user);
  const bool ki = knows_item(item);
  const double* p =
      ku ? pu_.data() + static_cast<std::size_t>(user) * static_cast<std::size_t>(factors_) : nullptr;
  if (!biased_) {
    if (!(ku && ki)) return {0, kUnknownReason, -1};
    return {dot(p, item), {}, -1};
  }
  double est = global_mean_;
  if (ku) est += bu_[static_cast<std::size_t>(user)];
  if (ki) est += bi_[static_cast<std::size_t>(item)];
  if (ku && ki) est += dot(p, item);
  return {est, {}, -1};
}

void Nmf::score_history(std::span<const std::int32_t> items, std::span<const float> values,
                        std::span<float> out) const {
  xp::check_history(name(), items, values, n_items_);
  std::vector<std::int32_t> known;
  std::vector<double> r;
  for (std::size_t e = 0; e < items.size(); ++e) {
    if (knows_item(items[e])) {
      known.push_back(items[e]);
      r.push_back(values[e]);
    }
  }
  const auto nf = static_cast<std::size_t>(factors_);
  // Multiplicative user updates against the fixed items from a constant positive start: the user
  // subproblem is convex, so they reach the same point a trained user sits at.
  std::vector<double> p(
      nf, std::max(0.5 * (params_.get_float("init_low") + params_.get_float("init_high")), 1e-3));
  double bu = 0;
  const double mu = biased_ ? global_mean_ : 0.0;
  const double reg_pu = params_.get_float("reg_pu");
  const double reg_bu = params_.get_float("reg_bu");
  const auto n = static_cast<double>(known.size());
  std::vector<double> num(nf), denom(nf);
  const std::int64_t iterations = std::max<std::int64_t>(200, params_.get_int("n_epochs"));
  for (std::int64_t it = 0; it < iterations && !known.empty(); ++it) {
    std::fill(num.begin(), num.end(), 0.0);
    std::fill(denom.begin(), denom.end(), 0.0);
    double err_sum = 0;
    for (std::size_t e = 0; e < known.size(); ++e) {
      const double* q = qi_.data() + static_cast<std::size_t>(known[e]) * nf;
      const double est = mu + bu + bi_[static_cast<std::size_t>(known[e])] + dot(p.data(), known[e]);
      err_sum += r[e] - est + bu;
      for (std::size_t f = 0; f < nf; ++f) {
        num[f] += q[f] * r[e];
        denom[f] += q[f] * est;
      }
    }
    for (std::size_t f = 0; f < nf; ++f) {
      const double d = denom[f] + n * reg_pu * p[f];
      if (p[f] != 0 && d != 0) p[f] *= num[f] / d;
    }
    if (biased_) bu = err_sum / (n * (1.0 + reg_bu));  // stationary point of the b_u SGD steps
  }
  for (std::int32_t i = 0; i < n_items_; ++i) {
    const bool ki = knows_item(i);
    double est;
    if (biased_) {
      est = global_mean_ + bu + (ki ? bi_[static_cast<std::size_t>(i)] : 0.0) +
            (ki && !known.empty() ? dot(p.data(), i) : 0.0);
    } else {
      est = ki && !known.empty() ? dot(p.data(), i) : default_prediction();
    }
    out[static_cast<std::size_t>(i)] = clip(est, rating_min_, rating_max_);
  }
}

std::vector<ScoredItem> Nmf::similar_items(std::int32_t item, int k) const {
  if (item < 0 || item >= n_items_) {
    throw Error(ErrorKind::kInvalidInput,
                "nmf: item " + std::to_string(item) + " is not in the fitted matrix");
  }
  const auto nf = static_cast<std::size_t>(factors_);
  const double* a = qi_.data() + static_cast<std::size_t>(item) * nf;
  const double na = std::sqrt(dot(a, item));
  std::vector<float> s(static_cast<std::size_t>(n_items_), -std::numeric_limits<float>::infinity());
  for (std::int32_t j = 0; j < n_items_; ++j) {
    if (j == item || !knows_item(j)) continue;
    const double* b = qi_.data() + static_cast<std::size_t>(j) * nf;
    const double nb = std::sqrt(dot(b, j));
    s[static_cast<std::size_t>(j)] = na > 0 && nb > 0 ? static_cast<float>(dot(a, j) / (na * nb)) : 0.0f;
  }
  return top_k(s, k);
}

void Nmf::save(const std::filesystem::path& dir) const {
  save_rating_state(dir);
  const auto nf = static_cast<std::size_t>(factors_);
  save_npy(dir / "user_factors.npy", pu_, {static_cast<std::size_t>(n_users_), nf});
  save_npy(dir / "item_factors.npy", qi_, {static_cast<std::size_t>(n_items_), nf});
  save_npy(dir / "user_bias.npy", bu_, {bu_.size()});
  save_npy(dir / "item_bias.npy", bi_, {bi_.size()});
}

void Nmf::load(const std::filesystem::path& dir) {
  load_rating_state(dir);
  const auto nf = static_cast<std::size_t>(factors_);
  const auto get = [&](const char* file, std::size_t expected) {
    std::vector<double> v = load_npy(dir / file).as<double>();
    if (v.size() != expected) {
      throw Error(ErrorKind::kInvalidInput,
                  (dir / file).string() + ": expected " + std::to_string(expected) + " values");
    }
    return v;
  };
  pu_ = get("user_factors.npy", static_cast<std::size_t>(n_users_) * nf);
  qi_ = get("item_factors.npy", static_cast<std::size_t>(n_items_) * nf);
  bu_ = get("user_bias.npy", static_cast<std::size_t>(n_users_));
  bi_ = get("item_bias.npy", static_cast<std::size_t>(n_items_));
}

void Nmf::export_factors(const std::filesystem::path& dir, const ExportIds* ids) const {
  std::filesystem::create_directories(dir);
  save(dir);
  std::filesystem::remove(dir / "rating_model.json");
  write_export_meta(
      dir,
      {{"user_factors", "user_factors.npy"},
       {"item_factors", "item_factors.npy"},
       {"user_bias", "user_bias.npy"},
       {"item_bias", "item_bias.npy"},
       {"biased", biased_},
       {"formula",
        biased_ ? "clip(global_mean + user_bias[u] + item_bias[i] + user_factors[u] @ item_factors[i], "
                  "rating_min, rating_max)"
                : "clip(user_factors[u] @ item_factors[i], rating_min, rating_max); global_mean when "
                  "u or i is unknown"}},
      ids);
}

}  // namespace mn
