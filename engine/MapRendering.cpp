// Maps as 8-bit images: each channel's exact range in one sweep (interleaved NHWC maps of
// the channel counts a lecture uses without a transpose), palette indices for the view.
#include "MapRendering.h"

#include <algorithm>
#include <cmath>

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

template <int C>
void interleavedIndices(const float* v, const Sampling& g, const float* zero, const float* k, uint8_t* const* out) {
  float z[C], s[C];
  for (int c = 0; c < C; ++c) z[c] = zero[c], s[c] = k[c];
    // Row by row, map by map: the sampled input row stays in cache while each map's output
    // row is written contiguously.
#pragma omp parallel for schedule(static)
  for (int64_t y = 0; y < g.outHeight; ++y) {
    const float* row = v + (y * g.step) * g.width * C;
    for (int c = 0; c < C; ++c) {
      uint8_t* o = out[c] + y * g.outWidth;
      const float zc = z[c], sc = s[c];
      const int64_t stride = g.step * C;
      for (int64_t x = 0; x < g.outWidth; ++x) o[x] = static_cast<uint8_t>(zc + row[x * stride + c] * sc);
    }
  }
}

template <int C>
bool renderInterleaved(const float* v, int64_t channels, const Sampling& g, float* lo, float* hi, const float* zero,
                       const float* k, uint8_t* const* out, bool rangePass) {
  if (channels != C) return false;
  if (rangePass)
    interleavedRange<C>(v, g.height * g.width, lo, hi);
  else
    interleavedIndices<C>(v, g, zero, k, out);
  return true;
}

// The channel counts with an interleaved kernel: the dispatch below, one case each.
bool hasInterleavedKernel(int64_t c) {
  return c == 1 || c == 2 || c == 3 || c == 4 || c == 6 || c == 8 || c == 12 || c == 16;
}

// Dispatch to the fixed channel counts a lecture uses (banks of 1 to 16 filters).
bool interleaved(const float* v, int64_t channels, const Sampling& g, float* lo, float* hi, const float* zero,
                 const float* k, uint8_t* const* out, bool rangePass) {
  return renderInterleaved<1>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<2>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<3>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<4>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<6>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<8>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<12>(v, channels, g, lo, hi, zero, k, out, rangePass) ||
         renderInterleaved<16>(v, channels, g, lo, hi, zero, k, out, rangePass);
}
} // namespace

std::vector<MapImage> renderMaps(const Tensor& maps, int maxSide, const std::vector<float>* knownLo,
                                 const std::vector<float>* knownHi) {
  const Shape& s = maps.shape();
  const int64_t channels = s[1], area = s[2] * s[3];
  const int64_t step = std::max<int64_t>(1, (std::max(s[2], s[3]) + maxSide - 1) / std::max(maxSide, 1));
  const Sampling g{s[2], s[3], step, (s[2] + step - 1) / step, (s[3] + step - 1) / step};
  const float* v = maps.data();
  bool nhwc = maps.layout() == Layout::NHWC && channels > 1;
  std::vector<float> lo(static_cast<size_t>(channels)), hi(static_cast<size_t>(channels));
  std::vector<float> zero(static_cast<size_t>(channels)), k(static_cast<size_t>(channels));
  std::vector<uint8_t*> out(static_cast<size_t>(channels));
  Tensor contiguous;
  const bool known = knownLo && knownHi && knownLo->size() == size_t(channels) && knownHi->size() == size_t(channels);
  if (known) lo = *knownLo, hi = *knownHi;
  // The interleaved kernels exist for the channel counts a lecture uses; any other count
  // (a bank of 5 or 7 filters) is transposed once. (With known ranges this check once
  // came too late: a bank of five rendered its ReLU maps black.)
  if (nhwc && !hasInterleavedKernel(channels)) {
    contiguous = maps.inLayout(Layout::NCHW);
    v = contiguous.data();
    nhwc = false;
  }
  if (nhwc && !known) interleaved(v, channels, g, lo.data(), hi.data(), nullptr, nullptr, nullptr, true);
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
  std::vector<MapImage> images(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    MapImage& image = images[static_cast<size_t>(c)];
    image.height = static_cast<int>(g.outHeight);
    image.width = static_cast<int>(g.outWidth);
    image.step = static_cast<int>(step);
    image.minimum = lo[c];
    image.maximum = hi[c];
    const bool diverging = lo[c] < 0;
    image.palette = diverging ? Palette::Diverging : Palette::Gray;
    image.scale = diverging ? std::max(-lo[c], hi[c]) : hi[c];
    k[c] = image.scale > 0 ? (diverging ? 127.0f : 255.0f) / image.scale : 0.0f;
    zero[c] = diverging ? 128.5f : 0.5f;
    image.pixels.resize(static_cast<size_t>(g.outHeight * g.outWidth));
    out[c] = image.pixels.data();
  }
  if (nhwc) {
    interleaved(v, channels, g, nullptr, nullptr, zero.data(), k.data(), out.data(), false);
  } else {
    for (int64_t c = 0; c < channels; ++c) {
      const float* map = v + c * area;
      uint8_t* o = out[c];
      const float kc = k[c], zc = zero[c];
#pragma omp parallel for schedule(static)
      for (int64_t y = 0; y < g.outHeight; ++y)
        for (int64_t x = 0; x < g.outWidth; ++x)
          o[y * g.outWidth + x] = static_cast<uint8_t>(zc + map[(y * step) * g.width + x * step] * kc);
    }
  }
  return images;
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
  const float *r = rgb.data(), *g = r + area, *b = g + area;
  uint8_t* out = image.pixels.data();
  const int64_t w = image.width;
  // One pass over the displayed pixels; their range tells a 0–255 image from a [0, 1] one.
  float lo = r[0], hi = r[0];
#pragma omp parallel for reduction(min : lo) reduction(max : hi) schedule(static)
  for (int64_t y = 0; y < image.height; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t i = y * step * s[3] + x * step;
      lo = std::min({lo, r[i], g[i], b[i]});
      hi = std::max({hi, r[i], g[i], b[i]});
      uint8_t* o = out + (y * w + x) * 3;
      o[0] = static_cast<uint8_t>(std::clamp(r[i] * k + 0.5f, 0.0f, 255.0f));
      o[1] = static_cast<uint8_t>(std::clamp(g[i] * k + 0.5f, 0.0f, 255.0f));
      o[2] = static_cast<uint8_t>(std::clamp(b[i] * k + 0.5f, 0.0f, 255.0f));
    }
  image.minimum = lo;
  image.maximum = hi;
  image.scale = maxValue;
  return image;
}

} // namespace convscope
