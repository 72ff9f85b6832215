// One pass for ReLU, max pooling and ranges over channels-last maps, a band of rows (one
// pooling window high) at a time.
#include "engine/lessons/FusedStages.h"

#include "engine/core/Vec4.h"

#include <algorithm>
#include <type_traits>
#include <limits>
#include <stdexcept>

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

bool canFuseReluPool(const Tensor& maps, const Pool2DGeometry* pool) {
  if (maps.shape().rank() != 4 || maps.shape()[0] != 1) return false;
  const int64_t c = maps.shape()[1]; // NCHW: plane by plane; NHWC: the counts with a pass
  if (maps.layout() == Layout::NHWC && !FusedChannels::has(c)) return false;
  if (!pool) return true;
  // Windows inside the map: no ceil mode (its last, partial window would read beyond the map)
  // and the geometry the pooling stage itself accepts.
  return pool->mode == PoolMode::Max && !pool->ceilMode && pool->countPadding && pool->kernelH == pool->strideH &&
         pool->kernelW == pool->strideW && pool->padTop == 0 && pool->padBottom == 0 && pool->padLeft == 0 &&
         pool->padRight == 0 && pool->kernelH <= maps.shape()[2] && pool->kernelW <= maps.shape()[3];
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
  if (maps.layout() == Layout::NCHW && C > 1) { // planes: each one a one-channel image
    const int64_t area = s[2] * s[3], pooledArea = b.pooledHeight * b.pooledWidth;
    for (int64_t c = 0; c < C; ++c)
      fuse<1>(maps.data() + c * area, r ? r + c * area : nullptr, p ? p + c * pooledArea : nullptr, b, lo + c, hi + c,
              plo + c, phi + c);
    return;
  }
  FusedChannels::dispatch(C, [&](auto channels) {
    fuse<decltype(channels)::value>(maps.data(), r, p, b, lo, hi, plo, phi);
  });
}

} // namespace convscope
