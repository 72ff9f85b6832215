// One pass for ReLU, max pooling and ranges over a convolution's maps (channels-last or
// planes), a band of rows (one pooling window high) at a time; and for a small bank, the
// convolution itself a band at a time: 2x2 pooling (or none) from the sums in registers (the
// pair loop), other windows by the same pass over each band while it is in cache.
#include "engine/lessons/FusedStages.h"

#include "engine/core/Vec4.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <limits>
#include <stdexcept>
#include <vector>

namespace convscope {

namespace {
// The channel counts with a compiled channels-last pass: one list, for the check and the
// dispatch. dispatch(c, f) calls f(std::integral_constant<int, c>) when c is one of them.
template <int... Counts> struct ChannelCounts {
  static bool has(int64_t c) { return ((c == Counts) || ...); }
  template <typename F> static bool dispatch(int64_t c, F&& f) {
    return ((c == Counts && (f(std::integral_constant<int, Counts>{}), true)) || ...);
  }
};
using FusedChannels = ChannelCounts<1, 2, 3, 4, 6, 8, 12, 16>; // FusedStages.h names them too
} // namespace

bool canFusePool(const Shape& maps, const Pool2DGeometry* pool) {
  if (maps.rank() != 4 || maps[0] != 1) return false;
  if (!pool) return true;
  // Windows inside the map: no ceil mode (its last, partial window would read beyond the map)
  // and the geometry the pooling stage itself accepts.
  return pool->mode == PoolMode::Max && !pool->ceilMode && pool->countPadding && pool->kernelH == pool->strideH &&
         pool->kernelW == pool->strideW && pool->padTop == 0 && pool->padBottom == 0 && pool->padLeft == 0 &&
         pool->padRight == 0 && pool->kernelH >= 1 && pool->kernelW >= 1 && pool->kernelH <= maps[2] &&
         pool->kernelW <= maps[3];
}

bool canFuseReluPool(const Tensor& maps, const Pool2DGeometry* pool) {
  if (maps.shape().rank() != 4) return false;
  // NCHW: plane by plane; NHWC: the counts with a pass
  if (maps.layout() == Layout::NHWC && !FusedChannels::has(maps.shape()[1])) return false;
  return canFusePool(maps.shape(), pool);
}

namespace {
struct Band {
  int64_t height, width, rows;       // the map's size; rows per band (the pooling window's height)
  int64_t pooledHeight, pooledWidth; // 0 without pooling
  int64_t windowWidth;
};

using namespace vec4;

// C channels interleaved: a row repeats its channel pattern every P = lcm(C, 4) floats, so
// V = P/4 vectors of minima and maxima collect each channel in fixed lanes (lane j of
// vector k holds channel (4k + j) mod C).
template <int C> struct Lanes {
  static constexpr int P = C % 4 == 0 ? C : C == 1 || C == 2 ? 4 : 4 * C; // C = 3, 6: 12, 24
  static constexpr int V = P / 4;
  V4 lo[V], hi[V];
  float tailLo[C], tailHi[C];
  Lanes() {
    constexpr float inf = std::numeric_limits<float>::infinity();
    for (int k = 0; k < V; ++k) lo[k] = splat(inf), hi[k] = splat(-inf);
    for (int c = 0; c < C; ++c) tailLo[c] = inf, tailHi[c] = -inf;
  }
  // relu = max(0, row) over n floats (relu null: none), collecting the row's range.
  void row(const float* in, float* relu, int64_t n) {
    const V4 zero = splat(0.0f);
    int64_t i = 0;
    for (; i + P <= n; i += P)
      for (int k = 0; k < V; ++k) {
        const V4 v = load(in + i + 4 * k);
        lo[k] = min(lo[k], v), hi[k] = max(hi[k], v);
        if (relu) stream(relu + i + 4 * k, max(v, zero)); // nothing reads the ReLU maps soon
      }
    for (; i < n; ++i) { // n is a multiple of C and i of P, so i mod C is the channel
      const int c = int(i % C);
      tailLo[c] = std::min(tailLo[c], in[i]), tailHi[c] = std::max(tailHi[c], in[i]);
      if (relu) relu[i] = std::max(0.0f, in[i]);
    }
  }
  void foldInto(float* l, float* h) const {
    for (int c = 0; c < C; ++c) l[c] = std::min(l[c], tailLo[c]), h[c] = std::max(h[c], tailHi[c]);
    for (int k = 0; k < V; ++k)
      for (int j = 0; j < 4; ++j) {
        const int c = (4 * k + j) % C;
        l[c] = std::min(l[c], lo[k][j]), h[c] = std::max(h[c], hi[k][j]);
      }
  }
};

// One pooled row: each window's maximum of the band's rows (ReLU after the maximum:
// max(0, max v) = max over max(0, v)), whole vectors when C is a multiple of 4.
template <int C>
void poolRow(const float* band, int64_t width, int64_t rows, int64_t windowWidth, int64_t pooledWidth, float* out,
             float* pl, float* ph) {
  for (int64_t px = 0; px < pooledWidth; ++px) {
    float* o = out + px * C;
    if constexpr (C == 1) { // planes: four 2-wide windows from two vectors of each row
      if (windowWidth == 2 && px + 4 <= pooledWidth) {
        V4 m = splat(0.0f);
        for (int64_t y = 0; y < rows; ++y) {
          const V4 a = load(band + y * width + 2 * px), b = load(band + y * width + 2 * px + 4);
          m = max(m, max(shuffle<0, 2, 4, 6>(a, b), shuffle<1, 3, 5, 7>(a, b)));
        }
        store(o, m);
        px += 3;
        continue;
      }
    }
    if constexpr (C % 4 == 0) {
      for (int k = 0; k < C / 4; ++k) {
        V4 m = splat(0.0f);
        for (int64_t y = 0; y < rows; ++y)
          for (int64_t dx = 0; dx < windowWidth; ++dx)
            m = max(m, load(band + (y * width + px * windowWidth + dx) * C + 4 * k));
        store(o + 4 * k, m);
      }
    } else {
      for (int c = 0; c < C; ++c) o[c] = 0.0f;
      for (int64_t y = 0; y < rows; ++y)
        for (int64_t dx = 0; dx < windowWidth; ++dx)
          for (int c = 0; c < C; ++c) o[c] = std::max(o[c], band[(y * width + px * windowWidth + dx) * C + c]);
    }
  }
  Lanes<C> range; // the pooled row's range: a short pass over what was just written
  range.row(out, nullptr, pooledWidth * C);
  range.foldInto(pl, ph);
}

// NCHW planes: one pass per plane, all planes' bands shared among the threads in one region.
void fusePlanes(const float* src, int64_t planes, float* relu, float* pooled, const Band& b, float* lo, float* hi,
                float* plo, float* phi) {
  const int64_t bands = (b.height + b.rows - 1) / b.rows, area = b.height * b.width,
                pooledArea = b.pooledHeight * b.pooledWidth;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int64_t c = 0; c < planes; ++c) lo[c] = plo[c] = kInf, hi[c] = phi[c] = -kInf;
#pragma omp parallel
  {
    std::vector<float> l(size_t(planes), kInf), h(size_t(planes), -kInf), pl(l), ph(h);
#pragma omp for schedule(static)
    for (int64_t job = 0; job < planes * bands; ++job) {
      const int64_t c = job / bands, band = job % bands;
      const int64_t y0 = band * b.rows, y1 = std::min(b.height, y0 + b.rows);
      const float* plane = src + c * area;
      Lanes<1> lanes; // (a local: its minima and maxima stay in registers)
      lanes.row(plane + y0 * b.width, relu ? relu + c * area + y0 * b.width : nullptr, (y1 - y0) * b.width);
      lanes.foldInto(&l[size_t(c)], &h[size_t(c)]);
      if (pooled && band < b.pooledHeight)
        poolRow<1>(plane + y0 * b.width, b.width, b.rows, b.windowWidth, b.pooledWidth,
                   pooled + c * pooledArea + band * b.pooledWidth, &pl[size_t(c)], &ph[size_t(c)]);
    }
    streamFence();
#pragma omp critical
    for (int64_t c = 0; c < planes; ++c) {
      lo[c] = std::min(lo[c], l[size_t(c)]), hi[c] = std::max(hi[c], h[size_t(c)]);
      plo[c] = std::min(plo[c], pl[size_t(c)]), phi[c] = std::max(phi[c], ph[size_t(c)]);
    }
  }
}

template <int C>
void fuse(const float* src, float* relu, float* pooled, const Band& b, float* lo, float* hi, float* plo, float* phi) {
  const int64_t bands = (b.height + b.rows - 1) / b.rows;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int c = 0; c < C; ++c) lo[c] = plo[c] = kInf, hi[c] = phi[c] = -kInf;
#pragma omp parallel
  {
    Lanes<C> lanes;
    float pl[C], ph[C];
    for (int c = 0; c < C; ++c) pl[c] = kInf, ph[c] = -kInf;
#pragma omp for schedule(static)
    for (int64_t band = 0; band < bands; ++band) {
      const int64_t y0 = band * b.rows, y1 = std::min(b.height, y0 + b.rows);
      lanes.row(src + y0 * b.width * C, relu ? relu + y0 * b.width * C : nullptr, (y1 - y0) * b.width * C);
      if (pooled && band < b.pooledHeight)
        poolRow<C>(src + y0 * b.width * C, b.width, b.rows, b.windowWidth, b.pooledWidth,
                   pooled + band * b.pooledWidth * C, pl, ph);
    }
    streamFence();
    float l[C], h[C];
    for (int c = 0; c < C; ++c) l[c] = kInf, h[c] = -kInf;
    lanes.foldInto(l, h);
#pragma omp critical
    for (int c = 0; c < C; ++c) {
      lo[c] = std::min(lo[c], l[c]), hi[c] = std::max(hi[c], h[c]);
      plo[c] = std::min(plo[c], pl[c]), phi[c] = std::max(phi[c], ph[c]);
    }
  }
}
} // namespace

void reluMaxPool(const Tensor& maps, Tensor* relu, const Pool2DGeometry* pool, Tensor* pooled, StageRanges& mapRanges,
                 StageRanges* pooledRanges) {
  if (!canFuseReluPool(maps, pool))
    throw std::invalid_argument("reluMaxPool: needs one channels-last map tensor and tiling max pooling, got " +
                                maps.shape().toString() + (pool ? " and " + pool->toString() : ""));
  const Shape& s = maps.shape();
  const int64_t C = s[1];
  if (relu) relu->reuseAs(s, maps.layout());
  float* r = relu ? relu->data() : nullptr;
  Band b{s[2], s[3], pool ? pool->kernelH : 1, 0, 0, pool ? pool->kernelW : 1};
  float *plo = nullptr, *phi = nullptr;
  if (pool) {
    if (!pooled || !pooledRanges) throw std::invalid_argument("reluMaxPool: pooling needs an output and its ranges");
    const Shape out = pool2dOutputShape(s, *pool, "pooling");
    pooled->reuseAs(out, maps.layout());
    b.pooledHeight = out[2], b.pooledWidth = out[3];
    pooledRanges->lo.assign(size_t(C), 0), pooledRanges->hi.assign(size_t(C), 0);
    plo = pooledRanges->lo.data(), phi = pooledRanges->hi.data();
  }
  mapRanges.lo.assign(size_t(C), 0), mapRanges.hi.assign(size_t(C), 0);
  float *lo = mapRanges.lo.data(), *hi = mapRanges.hi.data();
  float* p = pool ? pooled->data() : nullptr;
  std::vector<float> unused(pool ? 0 : size_t(2 * C));
  if (!pool) plo = unused.data(), phi = unused.data() + C;
  if (maps.layout() == Layout::NCHW && C > 1) return fusePlanes(maps.data(), C, r, p, b, lo, hi, plo, phi);
  FusedChannels::dispatch(C, [&](auto channels) {
    fuse<decltype(channels)::value>(maps.data(), r, p, b, lo, hi, plo, phi);
  });
}


// A small bank of filters: the convolution a band of output rows at a time, each row in blocks
// of 16 columns (one AVX-512 register), the 8 filters' sums in 8 registers (16 for a block of
// 32 columns), every tap one load of 16 neighbouring input pixels and one multiply-add per filter.
namespace {
constexpr int kBankFilters = 8;  // registers of sums: a smaller bank is padded with zero filters
constexpr int kBankChannels = 4; // input channels
constexpr int kBankKernel = 7;   // a kernel's side
constexpr int64_t kBankPixels = 1 << 16;
constexpr int64_t kBankRows = 8; // output rows a thread computes from one padded copy of their input

typedef float V16 __attribute__((vector_size(64)));

// What the rows loop reads and writes: a band's input with its zero border (channels planes of
// rows + KH − 1 rows of W_out + KW − 1 columns), the weights as [channel][ky][kx][filter] with 8
// filters (zeros beyond the bank), and the band's output (filters planes of rows × W_out).
struct BankRows {
  const float* input;
  int64_t width, plane;
  int channels, kernelH;
  const float* weights;
  const float* bias; // 8
  int filters;
  int64_t outWidth, rows;
  float* out;
  int64_t outPlane;
  float* lo = nullptr; // when given: [filter][16 lanes], running minima and maxima of the sums
  float* hi = nullptr;
};

__attribute__((target("avx512f"))) inline V16 load16(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((target("avx512f"))) inline void store16(float* p, V16 v) { std::memcpy(p, &v, sizeof v); }
__attribute__((target("avx512f"))) inline V16 min16(V16 a, V16 b) { return b < a ? b : a; }
__attribute__((target("avx512f"))) inline V16 max16(V16 a, V16 b) { return b > a ? b : a; }

// Columns [x, x + 16·B) of output row r: B blocks of 16.
template <int KW, int B> __attribute__((target("avx512f"))) inline void bankBlock(const BankRows& b, int64_t r, int64_t x) {
  V16 sum[B][kBankFilters];
  for (int o = 0; o < kBankFilters; ++o)
    for (int k = 0; k < B; ++k) sum[k][o] = V16{} + b.bias[o];
  for (int c = 0; c < b.channels; ++c)
    for (int ky = 0; ky < b.kernelH; ++ky) {
      const float* row = b.input + c * b.plane + (r + ky) * b.width + x;
      const float* w = b.weights + (c * b.kernelH + ky) * KW * kBankFilters;
      for (int kx = 0; kx < KW; ++kx) {
        V16 v[B];
        for (int k = 0; k < B; ++k) v[k] = load16(row + kx + 16 * k);
        for (int o = 0; o < kBankFilters; ++o)
          for (int k = 0; k < B; ++k) sum[k][o] += v[k] * w[kx * kBankFilters + o];
      }
    }
  for (int o = 0; o < b.filters; ++o)
    for (int k = 0; k < B; ++k) store16(b.out + o * b.outPlane + r * b.outWidth + x + 16 * k, sum[k][o]);
  if (!b.lo) return;
  for (int o = 0; o < b.filters; ++o) { // the ranges while the sums are in registers
    V16 lo = load16(b.lo + 16 * o), hi = load16(b.hi + 16 * o);
    for (int k = 0; k < B; ++k) lo = min16(lo, sum[k][o]), hi = max16(hi, sum[k][o]);
    store16(b.lo + 16 * o, lo), store16(b.hi + 16 * o, hi);
  }
}

// to[x] = row[x · step] for x < count: every value, every second (pictures half the maps' size:
// sixteen from two registers), or one at a time.
__attribute__((target("avx512f"))) void sampleRow(const float* row, int64_t step, int64_t count, float* to) {
  int64_t x = 0;
  if (step == 1) {
    std::memcpy(to, row, size_t(count) * sizeof(float));
    return;
  }
  if (step == 2)
    for (; x + 16 <= count && 2 * x + 32 <= 2 * count - 1; x += 16) {
      const V16 a = load16(row + 2 * x), b = load16(row + 2 * x + 16);
#if defined(__clang__)
      store16(to + x, __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30));
#else
      typedef int32_t I16 __attribute__((vector_size(64)));
      store16(to + x, __builtin_shuffle(a, b, I16{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}));
#endif
    }
  for (; x < count; ++x) to[x] = row[x * step];
}

template <int KW> __attribute__((target("avx512f"))) void bankRows(const BankRows& b) {
  for (int64_t r = 0; r < b.rows; ++r) {
    int64_t x = 0;
    for (; x + 32 <= b.outWidth; x += 32) bankBlock<KW, 2>(b, r, x);
    for (; x + 16 <= b.outWidth; x += 16) bankBlock<KW, 1>(b, r, x);
    for (; x < b.outWidth; ++x) // the last few columns one at a time, summed in the blocks' order
      for (int o = 0; o < b.filters; ++o) {
        float s = b.bias[o];
        for (int c = 0; c < b.channels; ++c)
          for (int ky = 0; ky < b.kernelH; ++ky)
            for (int kx = 0; kx < KW; ++kx)
              s = __builtin_fmaf(b.input[c * b.plane + (r + ky) * b.width + x + kx],
                                 b.weights[((c * b.kernelH + ky) * KW + kx) * kBankFilters + o], s);
        b.out[o * b.outPlane + r * b.outWidth + x] = s;
        if (b.lo) b.lo[16 * o] = std::min(b.lo[16 * o], s), b.hi[16 * o] = std::max(b.hi[16 * o], s);
      }
  }
}

// The fused pass's loop when it pools 2x2 windows (or not at all): two output rows at a time,
// 32 columns (two registers) and four filters — sixteen sums in registers, each weight broadcast
// once for four multiply-adds — and from the sums, before anything is stored: the
// convolution's ranges, the 2x2 maxima of their ReLU (sixteen windows a register) and the
// pictures' samples. The convolution itself is never stored, nor the input copied: the blocks
// inside the image read its rows where they lie. Every sum runs in bankBlock's order (the bias,
// then channel, kernel row, kernel column), so its values equal bankConvolution's bit for bit.
// Lanes beyond the map's width are computed from whatever follows in the input row (a copy with
// room to spare for the last blocks) and masked out of everything kept.
struct PairRows {
  // The band's input rows, three tables of [channel][row] (PairInput): where each row's column
  // (x − shift) of the zero-bordered input lies, for the first block, the ones inside the image
  // and the last ones.
  const float* const* first;
  const float* const* inner;
  const float* const* last;
  int64_t tableRows, innerShift, lastX; // rows a channel in the tables; the inner blocks' shift (the left padding); the first last block
  int channels, kernelH;
  const float* weights; // [channel][ky][kx][8 filters]
  const float* bias;    // 8
  int filters;
  int64_t outWidth, rows, y0; // the map's width, the band's rows from map row y0
  float* lo;                             // [filter][16 lanes] the convolution's running minima and maxima
  float* hi;
  float* pooled; // planes pooledH × pooledW a filter; nullptr: no pooling
  int64_t pooledH, pooledW;
  float* plo; // [filter][16 lanes] the pooled maps' running minima and maxima
  float* phi;
  float* samples; // planes sampledH × sampledW: the convolution at every step-th row and column
  int64_t step, sampledH, sampledW;
  float* pooledSamples = nullptr; // the same of the pooled maps (every pooledStep-th), when wanted
  int64_t pooledStep = 1, pooledSampledH = 0, pooledSampledW = 0;
};

__attribute__((target("avx512f"))) inline __mmask16 firstLanes(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// Which lanes of a register at columns [x0, x0 + 16) are samples (columns below `width` that
// are multiples of step), and where they go: side by side from sample column ⌈x0 / step⌉.
struct SampleLanes {
  __mmask16 lanes = 0, stored = 0; // the samples' lanes; the first `count` lanes, where they are stored
  int64_t to = 0;
  bool every = false; // step 1: each valid lane, in place
  SampleLanes() = default;
  __attribute__((target("avx512f"))) SampleLanes(int64_t x0, int64_t step, int64_t width) {
    const int64_t first = (step - x0 % step) % step, lanesLeft = std::min<int64_t>(16, width - x0);
    every = step == 1;
    unsigned mask = 0;
    int count = 0;
    for (int64_t j = first; j < lanesLeft; j += step) mask |= 1u << j, ++count;
    lanes = __mmask16(mask), stored = firstLanes(count), to = (x0 + first) / step;
  }
  // (Whole registers and halves by plain stores: a masked store costs many times more on AMD's Zen 4.)
  __attribute__((target("avx512f"))) void store(V16 v, float* row) const {
    const __mmask16 kept = every ? lanes : stored;
    if (!kept) return;
    const V16 values = every ? v : V16(_mm512_maskz_compress_ps(lanes, v));
    if (kept == 0xFFFF)
      store16(row + to, values);
    else if (kept == 0xFF)
      std::memcpy(row + to, &values, 8 * sizeof(float));
    else
      _mm512_mask_storeu_ps(row + to, kept, values);
  }
};

// Output rows r and r + 1 (r + 1 when the band has it), columns [x, x + 32), filters [f0, f0 + 4),
// reading the input rows from `table` (PairRows: first, inner or last) at column x − shift.
// sampled[i]: whether row r + i is one of the pictures' rows; sampled[2]: whether the pooled row
// of rows r and r + 1 is one of the pooled pictures' rows.
template <int KW>
__attribute__((target("avx512f"))) inline void pairBlock(const PairRows& p, const float* const* table, int64_t shift,
                                                        int64_t r, int64_t x, int f0, const bool sampled[3]) {
  constexpr int F = 4;
  V16 sum[2][2][F]; // [row][register][filter]
  for (int o = 0; o < F; ++o)
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 2; ++k) sum[i][k][o] = V16{} + p.bias[f0 + o];
  for (int c = 0; c < p.channels; ++c)
    for (int ky = 0; ky < p.kernelH; ++ky) {
      const float* const* at = table + c * p.tableRows + r + ky;
      const float* row[2] = {at[0] + (x - shift), at[1] + (x - shift)};
      const float* w = p.weights + (c * p.kernelH + ky) * KW * kBankFilters + f0;
      for (int kx = 0; kx < KW; ++kx) {
        V16 v[2][2];
        for (int i = 0; i < 2; ++i)
          for (int k = 0; k < 2; ++k) v[i][k] = load16(row[i] + kx + 16 * k);
        for (int o = 0; o < F; ++o)
          for (int i = 0; i < 2; ++i)
            for (int k = 0; k < 2; ++k) sum[i][k][o] += v[i][k] * w[kx * kBankFilters + o];
      }
    }
  const int64_t y = p.y0 + r;
  const int rows = r + 1 < p.rows ? 2 : 1;
  const __mmask16 valid[2] = {firstLanes(p.outWidth - x), firstLanes(p.outWidth - x - 16)};
  const bool whole = rows == 2 && valid[1] == 0xFFFF, pools = p.pooled && rows == 2;
  const int64_t px = x / 2; // the pooled columns [px, px + 16)
  const __mmask16 pooledValid = firstLanes(p.pooledW - px);
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const bool samples = sampled[0] || (rows == 2 && sampled[1]);
  SampleLanes sampleLanes[2], pooledLanes;
  if (samples)
    for (int k = 0; k < 2; ++k) sampleLanes[k] = SampleLanes(x + 16 * k, p.step, p.outWidth);
  const bool pooledSamples = pools && sampled[2];
  if (pooledSamples) pooledLanes = SampleLanes(px, p.pooledStep, p.pooledW);
  for (int o = 0; o < F && f0 + o < p.filters; ++o) {
    const int f = f0 + o;
    V16 lo = load16(p.lo + 16 * f), hi = load16(p.hi + 16 * f);
    for (int i = 0; i < rows; ++i)
      for (int k = 0; k < 2; ++k)
        if (whole)
          lo = min16(lo, sum[i][k][o]), hi = max16(hi, sum[i][k][o]);
        else
          lo = min16(lo, _mm512_mask_blend_ps(valid[k], lo, sum[i][k][o])),
          hi = max16(hi, _mm512_mask_blend_ps(valid[k], hi, sum[i][k][o]));
    store16(p.lo + 16 * f, lo), store16(p.hi + 16 * f, hi);
    if (pools && pooledValid) { // max(0, the window's maximum), sixteen windows from two registers
      const V16 m0 = max16(sum[0][0][o], sum[1][0][o]), m1 = max16(sum[0][1][o], sum[1][1][o]);
      const V16 m = max16(max16(_mm512_permutex2var_ps(m0, even, m1), _mm512_permutex2var_ps(m0, odd, m1)), V16{});
      float* to = p.pooled + (f * p.pooledH + y / 2) * p.pooledW + px;
      V16 l = load16(p.plo + 16 * f), h = load16(p.phi + 16 * f);
      if (pooledValid == 0xFFFF) { // (a masked store costs many times a plain one on AMD's Zen 4)
        store16(to, m);
        l = min16(l, m), h = max16(h, m);
      } else {
        _mm512_mask_storeu_ps(to, pooledValid, m);
        l = min16(l, _mm512_mask_blend_ps(pooledValid, l, m)), h = max16(h, _mm512_mask_blend_ps(pooledValid, h, m));
      }
      store16(p.plo + 16 * f, l), store16(p.phi + 16 * f, h);
      if (pooledSamples)
        pooledLanes.store(m, p.pooledSamples + (f * p.pooledSampledH + y / 2 / p.pooledStep) * p.pooledSampledW);
    }
    if (samples)
      for (int i = 0; i < rows; ++i)
        if (sampled[i])
          for (int k = 0; k < 2; ++k)
            sampleLanes[k].store(sum[i][k][o], p.samples + (f * p.sampledH + (y + i) / p.step) * p.sampledW);
  }
}

template <int KW> __attribute__((target("avx512f"))) void pairRows(const PairRows& p) {
  for (int64_t r = 0; r < p.rows; r += 2) {
    const bool sampled[3] = {(p.y0 + r) % p.step == 0, (p.y0 + r + 1) % p.step == 0,
                             p.pooledSamples && (p.y0 + r) / 2 % p.pooledStep == 0};
    for (int64_t x = 0; x < p.outWidth; x += 32) {
      const float* const* table = x == 0 ? p.first : x < p.lastX ? p.inner : p.last;
      const int64_t shift = x == 0 ? 0 : x < p.lastX ? p.innerShift : p.lastX;
      for (int f0 = 0; f0 < p.filters; f0 += 4) pairBlock<KW>(p, table, shift, r, x, f0, sampled);
    }
  }
}

template <int... Widths> void pairRowsOfWidth(int kernelW, const PairRows& p) {
  const bool done = ((kernelW == Widths && (pairRows<Widths>(p), true)) || ...);
  if (!done) throw std::logic_error("bank: no loop for a kernel " + std::to_string(kernelW) + " wide");
}

template <int... Widths> void bankRowsOfWidth(int kernelW, const BankRows& b) {
  const bool done = ((kernelW == Widths && (bankRows<Widths>(b), true)) || ...);
  if (!done) throw std::logic_error("bank: no loop for a kernel " + std::to_string(kernelW) + " wide");
}

// Whether the rows loop computes this convolution, at any size (canFuseBank adds when it pays).
bool bankLoopFits(const Conv2DGeometry& g, const Shape& image, const Shape& weights);

// A bank ready for the rows loop: its weights as [channel][ky][kx][filter] (8 filters, zeros
// beyond the bank), its biases, the sizes.
struct BankSetup {
  const Conv2DGeometry& g;
  const float* pixels;
  int channels, filters;
  int64_t kh, kw, height, width, outH, outW, paddedW;
  std::vector<float> weights;
  float bias[kBankFilters] = {};

  BankSetup(const Conv2DGeometry& geometry, const Tensor& image, const Tensor& w, const Tensor& b) : g(geometry) {
    const Shape& s = image.shape();
    if (image.layout() != Layout::NCHW || !bankLoopFits(g, s, w.shape()) || b.size() != w.shape()[0])
      throw std::logic_error("bank: not a small bank in planes: " + g.toString() + " on " + s.toString());
    pixels = image.data();
    channels = int(s[1]), filters = int(w.shape()[0]);
    kh = g.kernelH, kw = g.kernelW, height = s[2], width = s[3];
    outH = height + g.padTop + g.padBottom - kh + 1, outW = width + g.padLeft + g.padRight - kw + 1;
    paddedW = outW + kw - 1;
    weights.assign(size_t(channels * kh * kw * kBankFilters), 0.0f);
    for (int o = 0; o < filters; ++o)
      for (int c = 0; c < channels; ++c)
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx)
            weights[size_t(((c * kh + ky) * kw + kx) * kBankFilters + o)] = w.data()[((o * channels + c) * kh + ky) * kw + kx];
    for (int o = 0; o < filters; ++o) bias[o] = b.data()[o];
  }
  int64_t paddedPlane(int64_t bandRows) const { return (bandRows + kh - 1) * paddedW; }

  // Output rows [y0, y0 + rows) into out (filters planes of rows × W_out), through `padded`
  // (paddedPlane(rows) floats a channel): the band's input rows with their zero border.
  void band(int64_t y0, int64_t rows, float* padded, float* out, float* lo, float* hi) const {
    const int64_t plane = paddedPlane(rows);
    fill(y0, rows, plane, padded);
    BankRows b{padded, paddedW, plane, channels, int(kh), weights.data(), bias, filters, outW, rows, out, rows * outW};
    b.lo = lo, b.hi = hi;
    bankRowsOfWidth<1, 2, 3, 4, 5, 6, 7>(int(kw), b);
  }
  // The input rows of output rows [y0, y0 + rows) with their zero border, planes `plane` apart.
  void fill(int64_t y0, int64_t rows, int64_t plane, float* padded) const {
    for (int c = 0; c < channels; ++c)
      for (int64_t r = 0; r < rows + kh - 1; ++r) { // input row y0 + r − padTop, columns from −padLeft
        float* to = padded + c * plane + r * paddedW;
        const int64_t y = y0 + r - g.padTop;
        std::fill(to, to + g.padLeft, 0.0f);
        const int64_t copied = y >= 0 && y < height ? std::min(width, paddedW - g.padLeft) : 0;
        if (copied > 0) std::memcpy(to + g.padLeft, pixels + (c * height + y) * width, size_t(copied) * sizeof(float));
        std::fill(to + g.padLeft + copied, to + paddedW, 0.0f);
      }
  }
};

// A band's input rows as the pair loop reads them (PairRows), without copying the image: for
// each channel and input row, the image row itself for the blocks inside the image; short
// copies with the zero border for the first block (columns [0, KW + 31)) and the last ones
// (from lastX to the last block's end); a row of zeros above and below the image.
struct PairInput {
  const BankSetup& bank;
  int64_t tableRows, firstW, lastX, lastW;
  std::vector<const float*> first, inner, last; // [channel][row]
  std::vector<float> zeros, firstCopies, lastCopies;

  PairInput(const BankSetup& b, int64_t bandRows) : bank(b) {
    tableRows = bandRows + b.kh; // one row more than a band needs: an odd last row's partner reads it
    firstW = b.kw + 31;
    // The blocks (32 columns from x) whose reads stay inside the image rows: x ≥ 32 and
    // x + KW + 30 − padLeft < width.
    const int64_t lastBlock = (b.outW - 1) / 32 * 32;
    lastX = std::max<int64_t>(32, (b.width - b.kw - 31 + b.g.padLeft) / 32 * 32 + 32);
    lastW = std::max<int64_t>(0, lastBlock + b.kw + 31 - lastX);
    const size_t rows = size_t(b.channels * tableRows);
    first.resize(rows), inner.resize(rows), last.resize(rows);
    zeros.assign(size_t(b.paddedW + 32), 0.0f);
    firstCopies.resize(rows * size_t(firstW)), lastCopies.resize(rows * size_t(lastW));
  }
  // Padded columns [j0, j0 + n) of input row y of channel c (zeros outside the image).
  void copy(int c, int64_t y, int64_t j0, int64_t n, float* to) const {
    const float* row = bank.pixels + (c * bank.height + y) * bank.width;
    const int64_t from = j0 - bank.g.padLeft; // the image column of to[0]
    const int64_t a = std::clamp<int64_t>(-from, 0, n), b = std::clamp<int64_t>(bank.width - from, a, n);
    std::fill(to, to + a, 0.0f);
    if (b > a) std::memcpy(to + a, row + from + a, size_t(b - a) * sizeof(float));
    std::fill(to + b, to + n, 0.0f);
  }
  void band(int64_t y0) {
    // The rows' ends first, all at once (each a miss to memory; one after another they waited
    // on each other).
    for (int c = 0; c < bank.channels; ++c)
      for (int64_t r = 0; r < tableRows; ++r)
        if (const int64_t y = y0 + r - bank.g.padTop; y >= 0 && y < bank.height) {
          const float* row = bank.pixels + (c * bank.height + y) * bank.width;
          __builtin_prefetch(row), __builtin_prefetch(row + bank.width - 1);
        }
    for (int c = 0; c < bank.channels; ++c)
      for (int64_t r = 0; r < tableRows; ++r) {
        const size_t at = size_t(c * tableRows + r);
        const int64_t y = y0 + r - bank.g.padTop;
        if (y < 0 || y >= bank.height) {
          first[at] = inner[at] = last[at] = zeros.data();
          continue;
        }
        inner[at] = bank.pixels + (c * bank.height + y) * bank.width; // read from column padLeft on
        float* f = firstCopies.data() + at * size_t(firstW);
        copy(c, y, 0, firstW, f);
        first[at] = f;
        float* l = lastCopies.data() + at * size_t(lastW);
        copy(c, y, lastX, lastW, l);
        last[at] = l;
      }
  }
};

// Calls visit(thread, band, y0, rows) for every band of `bandRows` output rows (the last may be
// shorter), on every thread; band holds the K planes of rows × W_out values of the convolution.
// With `ranges`, each thread's running minima and maxima of the sums go to ranges + thread ·
// kRangeFloats: [filter][16 lanes] minima, then maxima (the caller fills them with ±∞ first).
constexpr int64_t kRangeFloats = 2 * kBankFilters * 16;
template <class Visit>
void forEachBand(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias,
                 int64_t bandRows, float* ranges, Visit&& visit) {
  const BankSetup bank(g, image, weights, bias);
  const int64_t bands = (bank.outH + bandRows - 1) / bandRows;
#pragma omp parallel
  {
    const int thread = omp_get_thread_num();
    std::vector<float> padded(size_t(bank.channels * bank.paddedPlane(bandRows))),
        out(size_t(bank.filters * bandRows * bank.outW));
    float* lo = ranges ? ranges + thread * kRangeFloats : nullptr;
#pragma omp for schedule(static)
    for (int64_t band = 0; band < bands; ++band) {
      const int64_t y0 = band * bandRows, rows = std::min(bandRows, bank.outH - y0);
      bank.band(y0, rows, padded.data(), out.data(), lo, lo ? lo + kRangeFloats / 2 : nullptr);
      visit(thread, static_cast<const float*>(out.data()), y0, rows);
    }
  }
}

Shape bankOutputShape(const Conv2DGeometry& g, const Shape& image, const Shape& weights) {
  return Shape{1, weights[0], image[2] + g.padTop + g.padBottom - g.kernelH + 1,
               image[3] + g.padLeft + g.padRight - g.kernelW + 1};
}
} // namespace

bool canFuseBank(const Conv2DGeometry& g, const Shape& image, const Shape& weights) {
  if (!bankLoopFits(g, image, weights)) return false;
  const Shape out = bankOutputShape(g, image, weights);
  return out[2] * out[3] >= kBankPixels;
}

namespace {
bool bankLoopFits(const Conv2DGeometry& g, const Shape& image, const Shape& weights) {
  if (image.rank() != 4 || weights.rank() != 4 || image[0] != 1 || g.groups != 1 || weights[1] != image[1]) return false;
  if (image[1] > kBankChannels || weights[0] > kBankFilters || weights[0] < 1 || g.kernelH > kBankKernel ||
      g.kernelW > kBankKernel || weights[2] != g.kernelH || weights[3] != g.kernelW)
    return false;
  if (g.strideH != 1 || g.strideW != 1 || g.dilationH != 1 || g.dilationW != 1) return false;
  if (g.padTop < 0 || g.padBottom < 0 || g.padLeft < 0 || g.padRight < 0 || g.padTop >= g.kernelH ||
      g.padBottom >= g.kernelH || g.padLeft >= g.kernelW || g.padRight >= g.kernelW)
    return false;
  const Shape out = bankOutputShape(g, image, weights);
  if (out[2] < 1 || out[3] < 1) return false;
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512;
}
} // namespace

void bankConvolution(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias,
                     Tensor& out) {
  const Shape shape = bankOutputShape(g, image.shape(), weights.shape());
  out.reuseAs(shape, Layout::NCHW);
  const int64_t plane = shape[2] * shape[3], width = shape[3];
  float* to = out.data();
  forEachBand(g, image, weights, bias, kBankRows, nullptr, [&](int, const float* band, int64_t y0, int64_t rows) {
    for (int64_t k = 0; k < shape[1]; ++k)
      std::memcpy(to + k * plane + y0 * width, band + k * rows * width, size_t(rows * width) * sizeof(float));
  });
}

float bankValue(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias, int64_t filter,
                int64_t y, int64_t x) {
  const BankSetup bank(g, image, weights, bias);
  if (filter < 0 || filter >= bank.filters || y < 0 || y >= bank.outH || x < 0 || x >= bank.outW)
    throw std::out_of_range("bankValue: (" + std::to_string(filter) + ", " + std::to_string(y) + ", " +
                            std::to_string(x) + ") is outside the bank's maps");
  std::vector<float> padded(size_t(bank.channels * bank.paddedPlane(1))), row(size_t(bank.filters * bank.outW));
  bank.band(y, 1, padded.data(), row.data(), nullptr, nullptr); // one row, by the loop every row takes
  return row[size_t(filter * bank.outW + x)];
}

namespace {
// Σ x[i] · w[i] over n values, the weights one byte each: sixteen lanes, then the lanes in order.
__attribute__((target("avx512f"))) double byteDot(const float* x, const int8_t* w, int64_t n) {
  V16 sum = V16{};
  int64_t i = 0;
  constexpr __mmask16 all = 0xFFFF; // (the masked forms: GCC 12 warns about the plain ones' undefined register)
  for (; i + 16 <= n; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i));
    sum += load16(x + i) * V16(_mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepi8_epi32(all, bytes)));
  }
  double total = 0;
  for (int j = 0; j < 16; ++j) total += sum[j];
  for (; i < n; ++i) total += double(x[i]) * w[i];
  return total;
}

// A band's share of the dense layer: its pooled rows [py0, py1) of every map, for every class,
// reading the band's weights from where the bands before it end.
void denseRows(const PooledDense& dense, const Tensor& pooled, int64_t py0, int64_t py1, double* sums) {
  const Shape& s = pooled.shape();
  const int64_t maps = s[1], height = s[2], width = s[3];
  const int8_t* w = dense.weights + dense.classes * maps * py0 * width;
  for (int64_t k = 0; k < dense.classes; ++k) {
    double sum = 0;
    for (int64_t m = 0; m < maps; ++m)
      for (int64_t py = py0; py < py1; ++py, w += width)
        sum += byteDot(pooled.data() + (m * height + py) * width, w, width);
    sums[k] = sum;
  }
}
} // namespace

int64_t denseBandRows(const Pool2DGeometry& pool) { return std::max<int64_t>(1, kBankRows / pool.kernelH); }

void fusedBank(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias,
               const Pool2DGeometry* pool, Tensor* pooled, StageRanges& mapRanges, StageRanges* pooledRanges,
               int64_t step, Tensor& samples, PooledDense* dense, PooledSamples* pooledSamples) {
  if (image.layout() != Layout::NCHW || !bankLoopFits(g, image.shape(), weights.shape()))
    throw std::invalid_argument("fusedBank: not a small bank in planes: " + g.toString() + " on " +
                                image.shape().toString() + " with " + weights.shape().toString() + " weights");
  const Shape shape = bankOutputShape(g, image.shape(), weights.shape());
  if (!canFusePool(shape, pool) || step < 1 || (pool && (!pooled || !pooledRanges)))
    throw std::invalid_argument("fusedBank: needs tiling max pooling with an output and its ranges, got " +
                                (pool ? pool->toString() : std::string("none")) + " on " + shape.toString());
  const int64_t K = shape[1], height = shape[2], width = shape[3];
  // Bands of whole pooling windows (about 8 rows: the band's maps stay in the processor's cache).
  const int64_t windowH = pool ? pool->kernelH : 1, windowW = pool ? pool->kernelW : 1;
  const int64_t bandRows = pool ? windowH * denseBandRows(*pool) : kBankRows;
  int64_t pooledH = 0, pooledW = 0;
  if (pool) {
    const Shape p = pool2dOutputShape(shape, *pool, "pooling");
    pooled->reuseAs(p, Layout::NCHW);
    pooledH = p[2], pooledW = p[3];
  }
  const int64_t sampledH = (height + step - 1) / step, sampledW = (width + step - 1) / step;
  samples.reuseAs(Shape{1, K, sampledH, sampledW}, Layout::NCHW);
  const bool pairs = pool && windowH == 2 && windowW == 2;
  if (pooledSamples && (!pairs || pooledSamples->step < 1))
    throw std::invalid_argument("fusedBank: the pooled maps' samples are taken with 2x2 pooling only, every step ≥ 1");
  const int64_t pooledStep = pooledSamples ? pooledSamples->step : 1;
  if (pooledSamples)
    pooledSamples->values.reuseAs(
        Shape{1, K, (pooledH + pooledStep - 1) / pooledStep, (pooledW + pooledStep - 1) / pooledStep}, Layout::NCHW);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const int threads = std::max(1, omp_get_max_threads());
  // Each thread's ranges, folded after the pass: the convolution's from the rows loop, the
  // pooled maps' (2x2 windows) in the same lanes, or (other windows) poolRow's one value a filter.
  std::vector<float> ranges(size_t(threads * kRangeFloats)), pooledLanes(ranges.size());
  for (std::vector<float>* r : {&ranges, &pooledLanes})
    for (size_t i = 0; i < r->size(); ++i) (*r)[i] = i % kRangeFloats < size_t(kRangeFloats / 2) ? kInf : -kInf;
  std::vector<float> plo(size_t(threads * K), kInf), phi(plo.size(), -kInf);
  float* out = pool ? pooled->data() : nullptr;
  float* sampled = samples.data();
  if (dense && (!pool || !dense->weights || dense->classes < 1))
    throw std::invalid_argument("fusedBank: a dense layer needs pooled maps and its weights");
  const int64_t bands = (height + bandRows - 1) / bandRows;
  std::vector<double> bandSums(dense ? size_t(bands * dense->classes) : 0);
  const auto denseBand = [&](int64_t y0, int64_t rows) { // after the band's pooled rows are made
    if (dense)
      denseRows(*dense, *pooled, y0 / windowH, std::min(pooledH, (y0 + rows) / windowH),
                bandSums.data() + (y0 / bandRows) * dense->classes);
  };
  if (!pool || pairs) { // the pair loop: the convolution kept in registers only
    const BankSetup bank(g, image, weights, bias);
#pragma omp parallel
    {
      const int thread = omp_get_thread_num();
      PairInput input(bank, bandRows);
      float* lanes = ranges.data() + thread * kRangeFloats;
      float* pooledRange = pooledLanes.data() + thread * kRangeFloats;
      // Bands handed out a few at a time: a thread the system has to wake first (the live view
      // asks after an idle moment) starts late, and the others take its share meanwhile. Every
      // band's results go to their own places, so the results are the same in any order.
#pragma omp for schedule(dynamic, 4)
      for (int64_t band = 0; band < bands; ++band) {
        const int64_t y0 = band * bandRows, rows = std::min(bandRows, height - y0);
        input.band(y0);
        const PairRows rowsLoop{input.first.data(), input.inner.data(), input.last.data(), input.tableRows,
                                g.padLeft, input.lastX, bank.channels, int(bank.kh),
                                bank.weights.data(), bank.bias, bank.filters, width, rows, y0,
                                lanes, lanes + kRangeFloats / 2, out, pooledH, pooledW,
                                pooledRange, pooledRange + kRangeFloats / 2, sampled, step, sampledH, sampledW,
                                pooledSamples ? pooledSamples->values.data() : nullptr, pooledStep,
                                pooledSamples ? pooledSamples->values.shape()[2] : 0,
                                pooledSamples ? pooledSamples->values.shape()[3] : 0};
        pairRowsOfWidth<1, 2, 3, 4, 5, 6, 7>(int(bank.kw), rowsLoop);
        denseBand(y0, rows);
      }
    }
  } else
  forEachBand(g, image, weights, bias, bandRows, ranges.data(), [&](int thread, const float* band, int64_t y0, int64_t rows) {
    for (int64_t k = 0; k < K; ++k) {
      const float* maps = band + k * rows * width;
      for (int64_t py = y0 / windowH; pool && py < pooledH && (py + 1) * windowH <= y0 + rows; ++py) {
        const float* first = maps + (py * windowH - y0) * width;
        poolRow<1>(first, width, windowH, windowW, pooledW, out + (k * pooledH + py) * pooledW,
                   &plo[size_t(thread * K + k)], &phi[size_t(thread * K + k)]);
      }
      for (int64_t y = (y0 + step - 1) / step * step; y < y0 + rows; y += step)
        sampleRow(maps + (y - y0) * width, step, sampledW, sampled + (k * sampledH + y / step) * sampledW);
    }
    denseBand(y0, rows);
  });
  if (dense) { // the bands' sums in order
    dense->sums.assign(size_t(dense->classes), 0.0);
    for (int64_t b = 0; b < bands; ++b)
      for (int64_t k = 0; k < dense->classes; ++k) dense->sums[size_t(k)] += bandSums[size_t(b * dense->classes + k)];
  }
  mapRanges.lo.assign(size_t(K), kInf), mapRanges.hi.assign(size_t(K), -kInf);
  if (pool) pooledRanges->lo.assign(size_t(K), kInf), pooledRanges->hi.assign(size_t(K), -kInf);
  for (int t = 0; t < threads; ++t)
    for (int64_t k = 0; k < K; ++k) {
      const float* lanes = ranges.data() + t * kRangeFloats + 16 * k;
      const float* pooledRange = pooledLanes.data() + t * kRangeFloats + 16 * k;
      float& lo = mapRanges.lo[size_t(k)];
      float& hi = mapRanges.hi[size_t(k)];
      for (int j = 0; j < 16; ++j) lo = std::min(lo, lanes[j]), hi = std::max(hi, lanes[kRangeFloats / 2 + j]);
      if (!pool) continue;
      float& plow = pooledRanges->lo[size_t(k)];
      float& phigh = pooledRanges->hi[size_t(k)];
      plow = std::min(plow, plo[size_t(t * K + k)]), phigh = std::max(phigh, phi[size_t(t * K + k)]);
      for (int j = 0; j < 16; ++j)
        plow = std::min(plow, pooledRange[j]), phigh = std::max(phigh, pooledRange[kRangeFloats / 2 + j]);
    }
}

} // namespace convscope
