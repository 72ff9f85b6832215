// The live pipeline: filter bank, activation, pooling, and 8-bit renderings of every map.
#include "Pipeline.h"

#include "OutputSize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

void demonstrationWeights(int64_t features, int64_t classes, Tensor& weights, Tensor& bias, uint64_t seed) {
  weights = Tensor(Shape{classes, features});
  bias = Tensor(Shape{classes});
  uint64_t state = seed; // a small linear congruential generator: portable and repeatable
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return float((state >> 40) & 0xFFFF) / 65535.0f - 0.5f;
  };
  const float scale = 2.0f / std::sqrt(float(features));
  for (float& w : weights.values()) w = std::round(next() * scale * 100) / 100;
  for (float& b : bias.values()) b = std::round(next() * 10) / 10;
}

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

namespace {
std::string sizeText(const Tensor& t) {
  const Shape& s = t.shape();
  // "3 maps of 508×508, depth 3": the lecture calls the number of maps the result's depth.
  return std::to_string(s[1]) + (s[1] == 1 ? " map of " : " maps of ") + std::to_string(s[2]) + "×" +
         std::to_string(s[3]) + (s[1] > 1 ? ", depth " + std::to_string(s[1]) : "");
}

PipelineStage stage(std::string title, Tensor maps, int maxSide, bool colour = false,
                    const std::vector<float>* lo = nullptr, const std::vector<float>* hi = nullptr) {
  PipelineStage st;
  st.title = std::move(title);
  st.detail = sizeText(maps);
  if (colour) {
    st.images.push_back(renderColour(maps, 255.0f, maxSide));
    if (st.images[0].maximum <= 1.0f) st.images[0] = renderColour(maps, 1.0f, maxSide); // a normalized [0, 1] image
  } else {
    st.images = renderMaps(maps, maxSide, lo, hi);
  }
  st.maps = std::move(maps);
  return st;
}

std::string poolTitle(const Pool2DGeometry& g) {
  const std::string mode = g.mode == PoolMode::Max ? "max" : g.mode == PoolMode::Average ? "average" : "sum";
  return mode + " pooling " + std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW) + "/" +
         std::to_string(g.strideH);
}
} // namespace

namespace {
// A (1, F) stage: a strip of values (at most kStripValues rendered), or class probabilities.
constexpr int64_t kStripValues = 4096;
PipelineStage vectorStage(std::string title, const Tensor& values, bool probabilities,
                          const std::string& noun = "features") {
  PipelineStage st;
  st.title = std::move(title);
  st.kind = probabilities ? PipelineStage::Kind::Probabilities : PipelineStage::Kind::Vector;
  const int64_t count = values.shape()[1];
  st.detail = std::to_string(count) + (probabilities ? " class probabilities" : " " + noun);
  st.maps = values;
  // The strip shows the first values; its range (and colour scale) comes from all of them.
  const int64_t shown = std::min(count, kStripValues);
  const auto [lo, hi] = std::minmax_element(values.values().begin(), values.values().end());
  const std::vector<float> low{*lo}, high{*hi};
  Tensor strip(Shape{1, 1, 1, shown}, std::vector<float>(values.values().begin(), values.values().begin() + shown));
  st.images = renderMaps(strip, 1 << 20, &low, &high);
  return st;
}

// A model layer's stage title in words, as the layer gives it: "conv1: 6 filters 5×5,
// stride 1", "act1: tanh", "pool1: average pooling 2×2, stride 2", "fc1: fully connected 120 → 84".
std::string layerTitle(const Layer& layer) { return layer.title(); }

PipelineResult runNetwork(Backend& backend, const Tensor& image, const PipelineSpec& spec) {
  PipelineResult result;
  result.classNames = spec.classNames;
  Network& net = *spec.network;
  Tensor input;
  try {
    input = preprocessImage(image.inLayout(Layout::NCHW), spec.preprocess);
  } catch (const std::invalid_argument& e) {
    result.error = e.what();
    return result;
  }
  result.stages.push_back(stage("input, prepared as in training", input, spec.displaySide));
  net.forward(backend, input);
  for (size_t i = 0; i < net.size(); ++i)
    result.stages.push_back(layerStage(net.layer(i), net.output(i), spec.displaySide));
  return result;
}
} // namespace

PipelineStage layerStage(const Layer& layer, const Tensor& output, int maxSide) {
  if (output.shape().rank() == 4) return stage(layerTitle(layer), output.inLayout(Layout::NCHW), maxSide);
  // (1, F): a strip of values.
  PipelineStage st;
  st.title = layerTitle(layer);
  st.kind = layer.producesProbabilities() ? PipelineStage::Kind::Probabilities : PipelineStage::Kind::Vector;
  st.detail = std::to_string(output.shape()[1]) +
              (st.kind == PipelineStage::Kind::Probabilities ? " class probabilities" : " features");
  st.maps = output;
  st.images = renderMaps(output.reshaped(Shape{1, 1, 1, output.shape()[1]}), 1 << 20, nullptr, nullptr);
  return st;
}

namespace {
// flatten → fully connected (demonstration weights) → softmax, after the last map stage.
void classify(Backend& backend, const PipelineSpec& spec, PipelineResult& result) {
  const Tensor& last = result.stages.back().maps;
  const Tensor flat = last.inLayout(Layout::NCHW).reshaped(Shape{1, last.size()}); // C, H, W order
  Tensor weights, bias;
  demonstrationWeights(flat.shape()[1], spec.classes, weights, bias);
  Tensor logits(Shape{1, spec.classes}), probabilities(Shape{1, spec.classes});
  backend.denseForward(flat, weights, &bias, logits);
  backend.softmaxForward(logits, probabilities);
  result.stages.push_back(vectorStage("flatten", flat, false));
  result.stages.push_back(vectorStage("fully connected (demonstration weights)", logits, false, "logits"));
  result.stages.push_back(vectorStage("softmax", probabilities, true));
  for (int k = 0; k < spec.classes; ++k) result.classNames.push_back("class " + std::to_string(k + 1));
}
} // namespace

PipelineResult runPipeline(Backend& backend, const Tensor& image, const PipelineSpec& spec, PipelineResult* recycle) {
  if (spec.network) return runNetwork(backend, image, spec);
  // Buffers of an earlier result, stage by stage (convolution, activation, pooling).
  auto spare = [recycle](size_t stage) -> Tensor* {
    return recycle && recycle->stages.size() > stage && recycle->stages[stage].kind == PipelineStage::Kind::Maps
               ? &recycle->stages[stage].maps
               : nullptr;
  };
  PipelineResult result;
  const int side = spec.displaySide;
  result.stages.reserve(7); // input … pooling, flatten, fully connected, softmax: references stay valid
  Tensor input;
  if (Tensor* buffer = spare(0); buffer && image.layout() == Layout::NCHW) { // copy into an old buffer
    input = std::move(*buffer);
    input.reuseAs(image.shape(), Layout::NCHW);
    std::copy(image.values().begin(), image.values().end(), input.values().begin());
  } else {
    input = image.inLayout(Layout::NCHW);
  }
  result.stages.push_back(stage("input", std::move(input), side, image.shape()[1] == 3));
  const Tensor& source = result.stages.back().maps; // one copy of the input, kept by its stage
  if (spec.kernels.empty()) return result;
  // Feature maps stay in the backend's preferred layout (oneDNN pools NHWC maps many
  // times faster than NCHW ones); renderMap reads either.
  const Layout layout = backend.preferredLayout();
  try {
    FilterOptions options = spec.convolution;
    options.activation = ActivationKind::None;
    result.stages.push_back(
        stage("convolution", applyFilterBank(backend, source, spec.kernels, options, layout, spare(1)), side));
    result.stages.back().mapNames = filterBankMapNames(spec.kernels, source.shape()[1]);
  } catch (const std::invalid_argument& e) {
    result.error = e.what();
    return result;
  }
  if (spec.activation != ActivationKind::None) {
    const Tensor& convolved = result.stages.back().maps;
    Tensor activated;
    if (Tensor* buffer = spare(2)) activated = std::move(*buffer);
    activated.reuseAs(convolved.shape(), convolved.layout());
    backend.activationForward(spec.activation, 0.01f, convolved, activated);
    const std::string name = activationTitle(spec.activation);
    // ReLU's range follows from the convolution's (max(0, min), max(0, max)): no pass over it.
    std::vector<float> lo, hi;
    if (spec.activation == ActivationKind::ReLU)
      for (const MapImage& m : result.stages.back().images)
        lo.push_back(std::max(0.0f, m.minimum)), hi.push_back(std::max(0.0f, m.maximum));
    const bool known = !lo.empty();
    result.stages.push_back(
        stage(name, std::move(activated), side, false, known ? &lo : nullptr, known ? &hi : nullptr));
    result.stages.back().mapNames = result.stages[result.stages.size() - 2].mapNames;
  }
  if (spec.pooling) {
    const Tensor& last = result.stages.back().maps;
    try {
      Tensor pooled;
      if (Tensor* buffer = spare(3)) pooled = std::move(*buffer);
      pooled.reuseAs(pool2dOutputShape(last.shape(), spec.pool, "pooling"), last.layout());
      backend.pool2dForward(spec.pool, last, pooled);
      result.stages.push_back(stage(poolTitle(spec.pool), std::move(pooled), side));
      result.stages.back().mapNames = result.stages[result.stages.size() - 2].mapNames;
    } catch (const std::invalid_argument& e) {
      result.error = e.what();
      return result;
    }
  }
  if (spec.classify && spec.classes > 0) classify(backend, spec, result);
  return result;
}

} // namespace convscope
