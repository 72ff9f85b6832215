// Maps as 8-bit images: each channel's exact range in one sweep (interleaved NHWC maps of
// the channel counts a lecture uses without a transpose), palette indices for the view.
#include "engine/lessons/MapRendering.h"

#include "engine/core/Vec4.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace convscope {

void paletteColour(Palette palette, int index, uint8_t rgb[3]) {
  index = std::clamp(index, 0, 255);
  if (palette != Palette::Diverging) {
    rgb[0] = rgb[1] = rgb[2] = static_cast<uint8_t>(index);
    return;
  }
  // Blue (negative) through white (0) to red (positive): 0 → (33,102,172), 128 → white,
  // 255 → (178,24,43), the ends of ColorBrewer's RdBu, readable with red-green colour blindness.
  const float t = (index - 128) / 127.0f;
  const float end[3] = {t < 0 ? 33.f : 178.f, t < 0 ? 102.f : 24.f, t < 0 ? 172.f : 43.f};
  const float a = std::min(1.0f, std::fabs(t));
  for (int k = 0; k < 3; ++k) rgb[k] = static_cast<uint8_t>(std::lround(255.0f + (end[k] - 255.0f) * a));
}

namespace {
// The range of each of C interleaved maps (NHWC), one sweep; C fixed at compile time so
// the per-channel accumulators live in registers and the loop vectorizes over channels.
template <int C> void interleavedRange(const float* v, int64_t area, float* lo, float* hi) {
  float l[C], h[C];
  for (int c = 0; c < C; ++c) l[c] = h[c] = v[c];
#pragma omp parallel
  {
    float ml[C], mh[C];
    for (int c = 0; c < C; ++c) ml[c] = l[c], mh[c] = h[c];
#pragma omp for schedule(static) nowait
    for (int64_t i = 0; i < area; ++i)
      for (int c = 0; c < C; ++c) {
        ml[c] = std::min(ml[c], v[i * C + c]);
        mh[c] = std::max(mh[c], v[i * C + c]);
      }
#pragma omp critical
    for (int c = 0; c < C; ++c) l[c] = std::min(l[c], ml[c]), h[c] = std::max(h[c], mh[c]);
  }
  for (int c = 0; c < C; ++c) lo[c] = l[c], hi[c] = h[c];
}

// The maps' range is exact (every value); the images sample every step-th row and column.
struct Sampling {
  int64_t height, width, step, outHeight, outWidth;
};

// Indices of the sampled pixels, row by row and map by map: the sampled input row stays
// in cache while each map's output row is written contiguously. With `relu`, the same pass
// also renders max(0, maps) into the second set of images (the ReLU stage of the live view
// read from the maps it follows). Four channels at a time when C allows it.
struct Targets {
  const float *zero, *k;
  uint8_t* const* out;
};
// Four pixels' indices (a0..a3, one lane per map) to four maps' rows: a 4x4 transpose,
// then each map's four bytes in one store.
inline void storeTransposed(uint8_t* const* out, int64_t at, vec4::I4 a0, vec4::I4 a1, vec4::I4 a2, vec4::I4 a3) {
  using vec4::I4;
  typedef uint8_t U4 __attribute__((vector_size(4)));
  const I4 t0 = vec4::shuffle<0, 4, 1, 5>(a0, a1), t1 = vec4::shuffle<0, 4, 1, 5>(a2, a3);
  const I4 t2 = vec4::shuffle<2, 6, 3, 7>(a0, a1), t3 = vec4::shuffle<2, 6, 3, 7>(a2, a3);
  const I4 maps[4] = {vec4::shuffle<0, 1, 4, 5>(t0, t1), vec4::shuffle<2, 3, 6, 7>(t0, t1),
                      vec4::shuffle<0, 1, 4, 5>(t2, t3), vec4::shuffle<2, 3, 6, 7>(t2, t3)};
  for (int j = 0; j < 4; ++j) {
    const U4 bytes = __builtin_convertvector(maps[j], U4);
    std::memcpy(out[j] + at, &bytes, 4);
  }
}

template <int C> void interleavedIndices(const float* v, const Sampling& g, const Targets& t, const Targets* relu) {
  const int64_t stride = g.step * C;
#pragma omp parallel for schedule(static)
  for (int64_t y = 0; y < g.outHeight; ++y) {
    const float* row = v + (y * g.step) * g.width * C;
    const int64_t o = y * g.outWidth;
    if constexpr (C % 4 == 0) {
      using namespace vec4;
      constexpr int Q = C / 4; // channel quads
      V4 z[Q], k[Q], rz[Q], rk[Q];
      for (int q = 0; q < Q; ++q) {
        z[q] = load(t.zero + 4 * q), k[q] = load(t.k + 4 * q);
        rz[q] = relu ? load(relu->zero + 4 * q) : z[q], rk[q] = relu ? load(relu->k + 4 * q) : k[q];
      }
      const V4 zero = splat(0.0f);
      int64_t x = 0;
      // Four pixels at a time, all their channels while their cache lines are fresh: four
      // channels' indices a vector, transposed so that each map's four bytes go out in one store.
      for (; x + 4 <= g.outWidth; x += 4) {
        const float* p = row + x * stride;
        for (int q = 0; q < Q; ++q) {
          const V4 v0 = load(p + 4 * q), v1 = load(p + stride + 4 * q), v2 = load(p + 2 * stride + 4 * q),
                   v3 = load(p + 3 * stride + 4 * q);
          storeTransposed(t.out + 4 * q, o + x, truncate(z[q] + v0 * k[q]), truncate(z[q] + v1 * k[q]),
                          truncate(z[q] + v2 * k[q]), truncate(z[q] + v3 * k[q]));
          if (relu)
            storeTransposed(relu->out + 4 * q, o + x, truncate(rz[q] + max(v0, zero) * rk[q]),
                            truncate(rz[q] + max(v1, zero) * rk[q]), truncate(rz[q] + max(v2, zero) * rk[q]),
                            truncate(rz[q] + max(v3, zero) * rk[q]));
        }
      }
      for (; x < g.outWidth; ++x)
        for (int q = 0; q < Q; ++q) {
          const V4 value = load(row + x * stride + 4 * q);
          const I4 index = truncate(z[q] + value * k[q]);
          for (int j = 0; j < 4; ++j) t.out[4 * q + j][o + x] = static_cast<uint8_t>(index[j]);
          if (relu) {
            const I4 r = truncate(rz[q] + max(value, zero) * rk[q]);
            for (int j = 0; j < 4; ++j) relu->out[4 * q + j][o + x] = static_cast<uint8_t>(r[j]);
          }
        }
    } else {
      for (int c = 0; c < C; ++c) {
        const float zc = t.zero[c], kc = t.k[c];
        for (int64_t x = 0; x < g.outWidth; ++x) t.out[c][o + x] = static_cast<uint8_t>(zc + row[x * stride + c] * kc);
        if (!relu) continue;
        const float rz = relu->zero[c], rk = relu->k[c];
        for (int64_t x = 0; x < g.outWidth; ++x)
          relu->out[c][o + x] = static_cast<uint8_t>(rz + std::max(0.0f, row[x * stride + c]) * rk);
      }
    }
  }
}

// Calls f(std::integral_constant<int, C>) for the channel counts with an interleaved pass
// (banks of 1 to 16 filters); false for any other count.
template <class F> bool withChannels(int64_t channels, F&& f) {
  switch (channels) {
  case 1: return f(std::integral_constant<int, 1>{}), true;
  case 2: return f(std::integral_constant<int, 2>{}), true;
  case 3: return f(std::integral_constant<int, 3>{}), true;
  case 4: return f(std::integral_constant<int, 4>{}), true;
  case 6: return f(std::integral_constant<int, 6>{}), true;
  case 8: return f(std::integral_constant<int, 8>{}), true;
  case 12: return f(std::integral_constant<int, 12>{}), true;
  case 16: return f(std::integral_constant<int, 16>{}), true;
  default: return false;
  }
}

// Each map's image (size, range, palette) and its index mapping: index = zero + value·k.
struct Prepared {
  std::vector<float> zero, k;
  std::vector<uint8_t*> out;
  Targets targets() const { return {zero.data(), k.data(), out.data()}; }
};
Prepared prepare(std::vector<MapImage>& images, const Sampling& g, const std::vector<float>& lo,
                 const std::vector<float>& hi) {
  const size_t channels = lo.size();
  Prepared p{std::vector<float>(channels), std::vector<float>(channels), std::vector<uint8_t*>(channels)};
  images.assign(channels, MapImage{});
  for (size_t c = 0; c < channels; ++c) {
    MapImage& image = images[c];
    image.height = static_cast<int>(g.outHeight);
    image.width = static_cast<int>(g.outWidth);
    image.step = static_cast<int>(g.step);
    image.minimum = lo[c];
    image.maximum = hi[c];
    const bool diverging = lo[c] < 0;
    image.palette = diverging ? Palette::Diverging : Palette::Gray;
    image.scale = diverging ? std::max(-lo[c], hi[c]) : hi[c];
    p.k[c] = image.scale > 0 ? (diverging ? 127.0f : 255.0f) / image.scale : 0.0f;
    p.zero[c] = diverging ? 128.5f : 0.5f;
    image.pixels.resize(static_cast<size_t>(g.outHeight * g.outWidth));
    p.out[c] = image.pixels.data();
  }
  return p;
}

// The maps (and, with reluImages, max(0, maps)) rendered; ranges from every value unless
// known (ReLU's always follow from the maps').
void render(const Tensor& maps, int maxSide, const std::vector<float>* knownLo, const std::vector<float>* knownHi,
            std::vector<MapImage>& images, std::vector<MapImage>* reluImages) {
  const Shape& s = maps.shape();
  const int64_t channels = s[1], area = s[2] * s[3];
  const int64_t step = std::max<int64_t>(1, (std::max(s[2], s[3]) + maxSide - 1) / std::max(maxSide, 1));
  const Sampling g{s[2], s[3], step, (s[2] + step - 1) / step, (s[3] + step - 1) / step};
  const float* v = maps.data();
  bool nhwc = maps.layout() == Layout::NHWC && channels > 1;
  std::vector<float> lo(static_cast<size_t>(channels)), hi(static_cast<size_t>(channels));
  Tensor contiguous;
  const bool known = knownLo && knownHi && knownLo->size() == size_t(channels) && knownHi->size() == size_t(channels);
  if (known) lo = *knownLo, hi = *knownHi;
  // The interleaved passes exist for the channel counts a lecture uses; any other count
  // (a bank of 5 or 7 filters) is transposed once. (With known ranges this check once
  // came too late: a bank of five rendered its ReLU maps black.)
  if (nhwc && !withChannels(channels, [](auto) {})) {
    contiguous = maps.inLayout(Layout::NCHW);
    v = contiguous.data();
    nhwc = false;
  }
  if (nhwc && !known)
    withChannels(channels, [&](auto n) { interleavedRange<decltype(n)::value>(v, area, lo.data(), hi.data()); });
  if (!nhwc && !known)
    for (int64_t c = 0; c < channels; ++c) {
      const float* map = v + c * area;
      float l = map[0], h = map[0];
#pragma omp parallel for simd reduction(min : l) reduction(max : h) schedule(static)
      for (int64_t i = 0; i < area; ++i) {
        l = std::min(l, map[i]);
        h = std::max(h, map[i]);
      }
      lo[c] = l, hi[c] = h;
    }
  const Prepared p = prepare(images, g, lo, hi);
  Prepared r;
  if (reluImages) {
    std::vector<float> reluLo = lo, reluHi = hi;
    for (float& x : reluLo) x = std::max(0.0f, x);
    for (float& x : reluHi) x = std::max(0.0f, x);
    r = prepare(*reluImages, g, reluLo, reluHi);
  }
  const Targets t = p.targets(), rt = r.targets();
  if (nhwc) {
    withChannels(channels,
                 [&](auto n) { interleavedIndices<decltype(n)::value>(v, g, t, reluImages ? &rt : nullptr); });
    return;
  }
  // Planes: every plane's sampled rows shared among the threads in one region.
#pragma omp parallel for schedule(static)
  for (int64_t job = 0; job < channels * g.outHeight; ++job) {
    const int64_t c = job / g.outHeight, y = job % g.outHeight;
    const float* row = v + c * area + (y * step) * g.width;
    const float kc = t.k[c], zc = t.zero[c];
    uint8_t* out = t.out[c] + y * g.outWidth;
    uint8_t* reluOut = reluImages ? rt.out[c] + y * g.outWidth : nullptr;
    const float rk = reluImages ? rt.k[c] : 0.0f, rz = reluImages ? rt.zero[c] : 0.0f;
    int64_t x = 0;
    if (step == 1) { // every value (a fused pass's samples): four at a time
      using namespace vec4;
      typedef uint8_t U4 __attribute__((vector_size(4)));
      const V4 z = splat(zc), k = splat(kc), reluZ = splat(rz), reluK = splat(rk), zero = splat(0.0f);
      for (; x + 4 <= g.outWidth; x += 4) {
        const V4 value = load(row + x);
        const U4 bytes = __builtin_convertvector(truncate(z + value * k), U4);
        std::memcpy(out + x, &bytes, 4);
        if (!reluOut) continue;
        const U4 relu = __builtin_convertvector(truncate(reluZ + max(value, zero) * reluK), U4);
        std::memcpy(reluOut + x, &relu, 4);
      }
    }
    for (; x < g.outWidth; ++x) {
      out[x] = static_cast<uint8_t>(zc + row[x * step] * kc);
      if (reluOut) reluOut[x] = static_cast<uint8_t>(rz + std::max(0.0f, row[x * step]) * rk);
    }
  }
}
} // namespace

std::vector<MapImage> renderMaps(const Tensor& maps, int maxSide, const std::vector<float>* knownLo,
                                 const std::vector<float>* knownHi) {
  std::vector<MapImage> images;
  render(maps, maxSide, knownLo, knownHi, images, nullptr);
  return images;
}

void renderMapsAndRelu(const Tensor& maps, int maxSide, const std::vector<float>& lo, const std::vector<float>& hi,
                       std::vector<MapImage>& images, std::vector<MapImage>& reluImages) {
  render(maps, maxSide, &lo, &hi, images, &reluImages);
}

MapImage renderMap(const Tensor& maps, int64_t channel) {
  const Shape& s = maps.shape();
  Tensor one(Shape{1, 1, s[2], s[3]});
  for (int64_t h = 0; h < s[2]; ++h)
    for (int64_t w = 0; w < s[3]; ++w) one.at(0, 0, h, w) = maps.at(0, channel, h, w);
  return renderMaps(one, 1 << 30, nullptr, nullptr)[0];
}

MapImage renderColour(const Tensor& rgb, float maxValue, int maxSide) {
  const Shape& s = rgb.shape();
  const int64_t area = s[2] * s[3];
  const int64_t step = std::max<int64_t>(1, (std::max(s[2], s[3]) + maxSide - 1) / std::max(maxSide, 1));
  MapImage image;
  image.palette = Palette::Rgb;
  image.step = static_cast<int>(step);
  image.height = static_cast<int>((s[2] + step - 1) / step);
  image.width = static_cast<int>((s[3] + step - 1) / step);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  const float k = 255.0f / maxValue;
  // Planes (NCHW) or interleaved pixels (NHWC): where each colour starts and a pixel's stride.
  const bool planes = rgb.layout() == Layout::NCHW;
  const int64_t stride = planes ? 1 : 3;
  const float *r = rgb.data(), *g = r + (planes ? area : 1), *b = g + (planes ? area : 1);
  uint8_t* out = image.pixels.data();
  const int64_t w = image.width;
  // One pass over the displayed pixels; their range tells a 0–255 image from a [0, 1] one.
  // A pixel's three colours in one vector (the fourth lane repeats red).
  using namespace vec4;
  const int64_t last = rgb.size() - 4; // an interleaved pixel up to here loads as one vector
  const V4 scale = splat(k), half = splat(0.5f), zero = splat(0.0f), top = splat(255.0f);
  float lo = r[0], hi = r[0];
#pragma omp parallel
  {
    V4 low = splat(lo), high = low;
#pragma omp for schedule(static)
    for (int64_t y = 0; y < image.height; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t i = (y * step * s[3] + x * step) * stride;
        const V4 v = !planes && i <= last ? shuffle<0, 1, 2, 0>(load(r + i), load(r + i)) : V4{r[i], g[i], b[i], r[i]};
        low = min(low, v), high = max(high, v);
        const I4 bytes = truncate(min(max(v * scale + half, zero), top));
        uint8_t* o = out + (y * w + x) * 3;
        o[0] = static_cast<uint8_t>(bytes[0]), o[1] = static_cast<uint8_t>(bytes[1]),
        o[2] = static_cast<uint8_t>(bytes[2]);
      }
#pragma omp critical
    for (int j = 0; j < 3; ++j) lo = std::min(lo, low[j]), hi = std::max(hi, high[j]);
  }
  image.minimum = lo;
  image.maximum = hi;
  image.scale = maxValue;
  return image;
}

} // namespace convscope
