// The live pipeline: filter bank, activation, pooling and the demonstration classifier,
// each stage rendered by MapRendering.
#include "engine/lessons/Pipeline.h"

#include "engine/lessons/FusedStages.h"
#include "engine/core/OutputSize.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <omp.h>
#include <opencv2/core.hpp>

namespace convscope {

namespace {
// The demonstration weights as whole numbers of 1/divisor (|q| ≤ 100: one byte each), in the
// order demonstrationWeights gives them: hundredths, or for a layer so wide that hundredths
// would all be 0 (scale < 0.01, more than 40,000 features), one decade below its scale.
struct DemonstrationQuanta {
  std::vector<int8_t> quanta; // (K, F)
  float divisor = 100;
  Tensor bias;
};
DemonstrationQuanta demonstrationQuanta(int64_t features, int64_t classes, uint64_t seed) {
  DemonstrationQuanta d;
  d.quanta.resize(size_t(classes * features));
  d.bias = Tensor(Shape{classes});
  uint64_t state = seed; // a small linear congruential generator: portable and repeatable
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return float((state >> 40) & 0xFFFF) / 65535.0f - 0.5f;
  };
  const float scale = 2.0f / std::sqrt(float(features));
  if (scale < 0.01f) d.divisor = std::pow(10.0f, 1.0f - std::floor(std::log10(scale)));
  for (int8_t& q : d.quanta) q = int8_t(std::round(next() * scale * d.divisor));
  for (float& b : d.bias.values()) b = std::round(next() * 10) / 10;
  return d;
}
} // namespace

void demonstrationWeights(int64_t features, int64_t classes, Tensor& weights, Tensor& bias, uint64_t seed) {
  DemonstrationQuanta d = demonstrationQuanta(features, classes, seed);
  weights = Tensor(Shape{classes, features});
  std::transform(d.quanta.begin(), d.quanta.end(), weights.data(), [&](int8_t q) { return float(q) / d.divisor; });
  bias = std::move(d.bias);
}

namespace {
std::string sizeText(const Shape& s) {
  // "3 maps of 508×508, depth 3": the lecture calls the number of maps the result's depth.
  return std::to_string(s[1]) + (s[1] == 1 ? " map of " : " maps of ") + std::to_string(s[2]) + "×" +
         std::to_string(s[3]) + (s[1] > 1 ? ", depth " + std::to_string(s[1]) : "");
}

PipelineStage stage(std::string title, Tensor maps, int maxSide, bool colour = false,
                    const std::vector<float>* lo = nullptr, const std::vector<float>* hi = nullptr) {
  PipelineStage st;
  st.title = std::move(title);
  st.detail = sizeText(maps.shape());
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
// `range`, when known (a flatten's is its maps'), saves a pass over the values.
PipelineStage vectorStage(std::string title, Tensor values, bool probabilities, const std::string& noun = "features",
                          std::optional<std::pair<float, float>> range = std::nullopt) {
  PipelineStage st;
  st.title = std::move(title);
  st.kind = probabilities ? PipelineStage::Kind::Probabilities : PipelineStage::Kind::Vector;
  const int64_t count = values.shape()[1];
  st.detail = std::to_string(count) + (probabilities ? " class probabilities" : " " + noun);
  // The strip shows the first values; its range (and colour scale) comes from all of them.
  const int64_t shown = std::min(count, kStripValues);
  if (!range) {
    const auto [lo, hi] = std::minmax_element(values.values().begin(), values.values().end());
    range = {*lo, *hi};
  }
  const std::vector<float> low{range->first}, high{range->second};
  Tensor strip(Shape{1, 1, 1, shown}, std::vector<float>(values.values().begin(), values.values().begin() + shown));
  st.images = renderMaps(strip, 1 << 20, &low, &high);
  st.maps = std::move(values);
  return st;
}

// A model layer's stage title in words, as the layer gives it: "conv1: 6 filters 5×5,
// stride 1", "act1: tanh", "pool1: average pooling 2×2, stride 2", "fc1: fully connected 120 → 84".
std::string layerTitle(const Layer& layer) { return layer.title(); }

PipelineResult runNetwork(Backend& backend, const Tensor& image, const PipelineSpec& spec) {
  PipelineResult result;
  const SharedModel& model = *spec.model;
  result.classNames = model.classNames();
  result.model = spec.model;
  Tensor input;
  try {
    input = prepareInput(image.inLayout(Layout::NCHW), spec.preprocess ? *spec.preprocess : model.preprocess(),
                         spec.matrixInput);
  } catch (const std::invalid_argument& e) {
    result.error = e.what();
    return result;
  }
  result.stages.push_back(stage(spec.matrixInput ? "input, the matrix as written" : "input, prepared as in training",
                                input, spec.displaySide));
  model.use([&](Network& net) {
    net.forward(backend, input);
    for (size_t i = 0; i < net.size(); ++i) {
      result.stages.push_back(layerStage(net.layer(i), net.output(i), spec.displaySide));
      result.stages.back().node = int64_t(i);
    }
    if (net.inputShape().rank() == 3) result.fields = receptiveFields(net);
    // A classifier that ends in logits (a torchvision export) with its class names: their
    // softmax, so the window reads the most probable classes by name.
    const Tensor& last = net.output(net.size() - 1);
    if (!net.endsInSoftmax() && last.shape().rank() == 2 && last.shape()[1] > 1 &&
        size_t(last.shape()[1]) == result.classNames.size()) {
      Tensor probabilities(last.shape());
      backend.softmaxForward(last, probabilities);
      result.stages.push_back(vectorStage("softmax of the logits", probabilities, true));
    }
  });
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
// image (1, C, H, W) into `to` in `layout`, on every core (two copy about a tenth faster than
// one here: 27.8 against 24.6 GB/s in convscope_bench's limits/), reusing to's buffer.
void copyInput(const Tensor& image, Tensor& to, Layout layout) {
  const Shape& s = image.shape();
  if (s.rank() != 4 || s[0] != 1) {
    to = image;
    return;
  }
  to.reuseAs(s, layout);
  const float* from = image.data();
  float* out = to.data();
  const int64_t channels = s[1], area = s[2] * s[3], width = s[3];
  if (image.layout() == layout || channels == 1) {
    const int64_t n = image.size();
#pragma omp parallel
    {
      const int64_t parts = omp_get_num_threads(), part = omp_get_thread_num();
      std::copy(from + n * part / parts, from + n * (part + 1) / parts, out + n * part / parts);
    }
    return;
  }
  // Interleaving or splitting the channels: OpenCV's merge and split (vectorized), in bands.
  const int rows = int(s[2]), cols = int(width), type = CV_32FC(int(channels));
  const bool toInterleaved = layout == Layout::NHWC;
#pragma omp parallel
  {
    const int parts = omp_get_num_threads(), part = omp_get_thread_num();
    const int y0 = int(int64_t(rows) * part / parts), y1 = int(int64_t(rows) * (part + 1) / parts);
    if (y0 < y1) {
      std::vector<cv::Mat> planes;
      for (int64_t c = 0; c < channels; ++c)
        planes.emplace_back(y1 - y0, cols, CV_32F,
                            (toInterleaved ? const_cast<float*>(from) : out) + c * area + y0 * width);
      cv::Mat pixels(y1 - y0, cols, type, (toInterleaved ? out : const_cast<float*>(from)) + y0 * width * channels);
      if (toInterleaved)
        cv::merge(planes, pixels);
      else
        cv::split(pixels, planes);
    }
  }
}
} // namespace

namespace {
// The demonstration classifier for the last maps it saw, kept between updates: its weights
// as one byte each (hundredths or a smaller unit: DemonstrationQuanta), in the maps' own
// memory order, so the logits come from the maps where they lie — no flatten copy (8 MB for
// a photo's half-million pooled features), and a quarter of the 32 MB float weights to read.
struct DemonstrationLayer {
  Shape shape; // the maps' (1, C, H, W)
  Layout layout = Layout::NCHW;
  int64_t classes = -1;
  DemonstrationQuanta weights; // quanta (K, F), F in the maps' memory order
};
std::shared_ptr<const DemonstrationLayer> demonstrationLayer(const Tensor& maps, int64_t classes) {
  static std::mutex mutex;
  static std::shared_ptr<const DemonstrationLayer> last;
  const std::lock_guard lock(mutex);
  if (!last || last->shape != maps.shape() || last->layout != maps.layout() || last->classes != classes) {
    auto made = std::make_shared<DemonstrationLayer>();
    made->shape = maps.shape(), made->layout = maps.layout(), made->classes = classes;
    made->weights = demonstrationQuanta(maps.size(), classes, 504);
    const Shape& s = maps.shape();
    if (maps.layout() == Layout::NHWC && s[1] > 1) { // feature (c, y, x) of the flatten lies at (y, x, c)
      const int64_t C = s[1], area = s[2] * s[3], F = maps.size();
      std::vector<int8_t> ordered(made->weights.quanta.size());
      for (int64_t k = 0; k < classes; ++k)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t p = 0; p < area; ++p) ordered[size_t(k * F + p * C + c)] = made->weights.quanta[size_t(k * F + c * area + p)];
      made->weights.quanta = std::move(ordered);
    }
    last = std::move(made);
  }
  return last;
}

// The demonstration weights in the order the fused pass reads them (FusedStages.h: PooledDense),
// made once for a layer.
struct BandedWeights {
  std::shared_ptr<const DemonstrationLayer> layer;
  int64_t rows = 0;
  std::vector<int8_t> quanta;
};
std::shared_ptr<const BandedWeights> bandedWeights(std::shared_ptr<const DemonstrationLayer> layer, int64_t rows) {
  static std::mutex mutex;
  static std::shared_ptr<const BandedWeights> last;
  const std::lock_guard lock(mutex);
  if (last && last->layer == layer && last->rows == rows) return last;
  auto made = std::make_shared<BandedWeights>();
  made->layer = layer, made->rows = rows;
  const Shape& s = layer->shape; // NCHW: feature (m, y, x) at (m·H + y)·W + x
  const int64_t K = layer->classes, maps = s[1], height = s[2], width = s[3], F = maps * height * width;
  made->quanta.reserve(size_t(K * F));
  for (int64_t y0 = 0; y0 < height; y0 += rows)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t m = 0; m < maps; ++m)
        for (int64_t y = y0; y < std::min(height, y0 + rows); ++y) {
          const auto row = layer->weights.quanta.begin() + k * F + (m * height + y) * width;
          made->quanta.insert(made->quanta.end(), row, row + width);
        }
  last = std::move(made);
  return last;
}

// logits = W · flatten(maps) + b, with W the demonstration weights, read from the maps as
// they lie. Blocks of a fixed size summed in a fixed order: the same logits on every run.
void demonstrationLogits(const DemonstrationLayer& layer, const Tensor& maps, Tensor& logits) {
  constexpr int64_t kBlock = 1 << 16;
  const int64_t F = maps.size(), K = layer.classes, blocks = (F + kBlock - 1) / kBlock;
  std::vector<float> partial(size_t(blocks * K));
  const float* x = maps.data();
  const int8_t* q = layer.weights.quanta.data();
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kBlock, end = std::min(F, begin + kBlock);
    for (int64_t k = 0; k < K; ++k) {
      const int8_t* w = q + k * F;
      float sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = begin; i < end; ++i) sum += x[i] * float(w[i]);
      partial[size_t(b * K + k)] = sum;
    }
  }
  for (int64_t k = 0; k < K; ++k) {
    double sum = 0;
    for (int64_t b = 0; b < blocks; ++b) sum += partial[size_t(b * K + k)];
    logits.data()[k] = float(sum / layer.weights.divisor) + layer.weights.bias.data()[k];
  }
}

// flatten → fully connected (demonstration weights) → softmax, after the last map stage.
// The flatten is a derived stage: its strip shows the first features, gathered from the maps;
// its copy of them all is made only when read.
// With `sums`: the layer's sums already made (by the fused pass, in the weights' units).
void classify(Backend& backend, const PipelineSpec& spec, PipelineResult& result,
              const std::vector<double>* sums = nullptr) {
  const size_t mapsStage = result.stages.size() - 1;
  const Tensor& last = result.values(mapsStage); // (a ReLU stage is made here when nothing pools it)
  const Shape& s = last.shape();
  const std::shared_ptr<const DemonstrationLayer> layer = demonstrationLayer(last, spec.classes);
  Tensor logits(Shape{1, spec.classes}), probabilities(Shape{1, spec.classes});
  if (sums && sums->size() == size_t(spec.classes))
    for (int64_t k = 0; k < spec.classes; ++k)
      logits.data()[k] = float((*sums)[size_t(k)] / layer->weights.divisor) + layer->weights.bias.data()[k];
  else
    demonstrationLogits(*layer, last, logits);
  backend.softmaxForward(logits, probabilities);
  // The flattened values are the maps' values: their range is the maps' (no pass over them).
  std::pair<float, float> range{0.0f, 0.0f};
  const std::vector<MapImage>& maps = result.stages[mapsStage].images;
  for (size_t m = 0; m < maps.size(); ++m)
    range = m == 0 ? std::pair{maps[m].minimum, maps[m].maximum}
                   : std::pair{std::min(range.first, maps[m].minimum), std::max(range.second, maps[m].maximum)};
  if (maps.empty()) {
    const auto [lo, hi] = std::minmax_element(last.values().begin(), last.values().end());
    range = {*lo, *hi};
  }
  const int64_t shown = std::min(last.size(), kStripValues), area = s[2] * s[3];
  Tensor first(Shape{1, shown}); // the first features in channel, row, column order
  for (int64_t f = 0; f < shown; ++f) first.data()[f] = last.at(0, f / area, f % area / s[3], f % s[3]);
  PipelineStage flatten = vectorStage("flatten", std::move(first), false, "features", range);
  flatten.detail = std::to_string(last.size()) + " features";
  flatten.maps = Tensor();
  flatten.derived = PipelineStage::Derived::Flatten;
  flatten.derivedShape = Shape{1, last.size()};
  flatten.made = std::make_shared<DerivedValues>();
  result.stages.push_back(std::move(flatten));
  result.stages.push_back(vectorStage("fully connected (demonstration weights)", std::move(logits), false, "logits"));
  result.stages.push_back(vectorStage("softmax", std::move(probabilities), true));
  for (int k = 0; k < spec.classes; ++k) result.classNames.push_back("class " + std::to_string(k + 1));
}
} // namespace

float PipelineResult::valueAt(size_t index, int64_t n, int64_t c, int64_t h, int64_t w) const {
  const PipelineStage& stage = stages.at(index);
  if (stage.derived == PipelineStage::Derived::Relu && index > 0)
    return std::max(0.0f, valueAt(index - 1, n, c, h, w));
  if (stage.derived == PipelineStage::Derived::Convolution && index > 0 && n == 0 && stage.made->value)
    return stage.made->value(values(index - 1), c, h, w); // one row of it, not 32 MB
  return values(index).at(n, c, h, w);
}

const Tensor& PipelineResult::values(size_t index) const {
  const PipelineStage& stage = stages.at(index);
  if (stage.derived == PipelineStage::Derived::No) return stage.maps;
  if (index == 0 || !stage.made) throw std::logic_error("PipelineResult::values: derived stage " + stage.title + " has nothing to derive from");
  std::call_once(stage.made->once, [&] {
    const Tensor& from = values(index - 1);
    Tensor& out = stage.made->values;
    if (stage.derived == PipelineStage::Derived::Convolution) {
      stage.made->make(from, out);
    } else if (stage.derived == PipelineStage::Derived::Relu) {
      out.reuseAs(from.shape(), from.layout());
      const float* in = from.data();
      float* o = out.data();
      const int64_t n = from.size();
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < n; ++i) o[i] = in[i] > 0.0f ? in[i] : 0.0f;
    } else { // the maps' values in channel, row, column order, as one row
      copyInput(from, out, Layout::NCHW);
      out.reuseAs(Shape{1, from.size()}, Layout::NCHW);
    }
  });
  return stage.made->values;
}

namespace {
// The stages of a small bank on a large photo (FusedStages.h: fusedBank): the convolution and
// ReLU as derived stages (their pictures and ranges from the one pass; the convolution made
// from the input by the same loop when something reads it), then the pooled maps.
void fusedBankStages(const KernelConvolution& bank, const Tensor& source, const PipelineSpec& spec,
                     const std::vector<std::string>& names, Tensor* spare, PipelineResult& result,
                     PooledDense* dense) {
  const Pool2DGeometry* pool = spec.pooling ? &spec.pool : nullptr;
  const Shape shape = conv2dOutputShape(source.shape(), bank.weights.shape()[0], bank.geometry);
  const int side = std::max(spec.displaySide, 1);
  const int64_t step = std::max<int64_t>(1, (std::max(shape[2], shape[3]) + side - 1) / side); // as renderMaps samples
  Tensor pooled;
  if (spare && pool) pooled = std::move(*spare);
  // The sampled values live only until they are pictures: one buffer per thread, kept (a fresh
  // 8 MB one costs page faults on every update).
  thread_local Tensor samples;
  StageRanges ranges, pooledRanges;
  // The classifier's layer read in the pass (its weights follow from the pooled maps' shape).
  std::shared_ptr<const BandedWeights> weights;
  if (dense) {
    pooled.reuseAs(pool2dOutputShape(shape, spec.pool, "pooling"), Layout::NCHW);
    weights = bandedWeights(demonstrationLayer(pooled, spec.classes), denseBandRows(spec.pool));
    dense->weights = weights->quanta.data(), dense->classes = spec.classes;
  }
  // The pooled maps' pictures from their samples, taken in the pass too (2x2 windows), as
  // renderMaps would sample them for pictures of `side` pixels (when that is every value, from
  // the pooled maps themselves).
  thread_local PooledSamples pooledSamples;
  bool pooledPictures = false;
  if (pool && spec.pool.kernelH == 2 && spec.pool.kernelW == 2) {
    const Shape p = pool2dOutputShape(shape, spec.pool, "pooling");
    pooledSamples.step = std::max<int64_t>(1, (std::max(p[2], p[3]) + side - 1) / side);
    pooledPictures = pooledSamples.step > 1;
  }
  fusedBank(bank.geometry, source, bank.weights, bank.bias, pool, pool ? &pooled : nullptr, ranges, &pooledRanges,
            step, samples, dense, pooledPictures ? &pooledSamples : nullptr);
  PipelineStage convolved, rectified;
  convolved.title = "convolution", rectified.title = activationTitle(spec.activation);
  convolved.detail = rectified.detail = sizeText(shape);
  renderMapsAndRelu(samples, 1 << 30, ranges.lo, ranges.hi, convolved.images, rectified.images);
  for (std::vector<MapImage>* images : {&convolved.images, &rectified.images})
    for (MapImage& m : *images) m.step = int(step);
  convolved.derived = PipelineStage::Derived::Convolution;
  rectified.derived = PipelineStage::Derived::Relu;
  convolved.derivedShape = rectified.derivedShape = shape;
  convolved.made = std::make_shared<DerivedValues>();
  auto kept = std::make_shared<const KernelConvolution>(bank);
  convolved.made->make = [kept](const Tensor& input, Tensor& out) {
    bankConvolution(kept->geometry, input, kept->weights, kept->bias, out);
  };
  convolved.made->value = [kept](const Tensor& input, int64_t c, int64_t h, int64_t w) {
    return bankValue(kept->geometry, input, kept->weights, kept->bias, c, h, w);
  };
  rectified.made = std::make_shared<DerivedValues>();
  convolved.mapNames = rectified.mapNames = names;
  result.stages.push_back(std::move(convolved));
  result.stages.push_back(std::move(rectified));
  if (pooledPictures) {
    PipelineStage pooledStage;
    pooledStage.title = poolTitle(spec.pool), pooledStage.detail = sizeText(pooled.shape());
    pooledStage.images = renderMaps(pooledSamples.values, 1 << 30, &pooledRanges.lo, &pooledRanges.hi);
    for (MapImage& m : pooledStage.images) m.step = int(pooledSamples.step);
    pooledStage.maps = std::move(pooled);
    result.stages.push_back(std::move(pooledStage));
    result.stages.back().mapNames = names;
  } else if (pool) {
    result.stages.push_back(stage(poolTitle(spec.pool), std::move(pooled), side, false, &pooledRanges.lo, &pooledRanges.hi));
    result.stages.back().mapNames = names;
  }
}
} // namespace

PipelineResult runPipeline(Backend& backend, const Tensor& image, const PipelineSpec& spec, PipelineResult* recycle) {
  if (spec.model) return runNetwork(backend, image, spec);
  // Buffers of an earlier result, stage by stage (convolution, activation, pooling).
  auto spare = [recycle](size_t stage) -> Tensor* {
    return recycle && recycle->stages.size() > stage && recycle->stages[stage].kind == PipelineStage::Kind::Maps
               ? &recycle->stages[stage].maps
               : nullptr;
  };
  PipelineResult result;
  const int side = spec.displaySide;
  result.stages.reserve(7); // input … pooling, flatten, fully connected, softmax: references stay valid
  // The convolution's layout, and the input copied in it: the copy the result keeps
  // interleaves the channels on the way when the convolution wants them so (oneDNN's
  // reorder of the input then has nothing to do).
  const Pool2DGeometry* pool = spec.pooling ? &spec.pool : nullptr;
  // A small bank on a large photo, followed by ReLU (the live view's commonest case): the
  // convolution, ReLU and pooling in one pass (fusedBank), on the input in planes. (Without
  // pooling a classifier would read the whole ReLU stage: the stage-by-stage path keeps it.)
  std::optional<KernelConvolution> bank;
  if (backend.fusesLiveBanks() && spec.activation == ActivationKind::ReLU && (spec.pooling || !spec.classify) &&
      (bank = wholeBank(spec.kernels, image.shape(), spec.convolution)) &&
      !(canFuseBank(bank->geometry, image.shape(), bank->weights.shape()) &&
        canFusePool(conv2dOutputShape(image.shape(), bank->weights.shape()[0], bank->geometry), pool)))
    bank.reset();
  const Layout layout = spec.kernels.empty() || bank
                            ? Layout::NCHW
                            : filterBankLayout(backend, spec.kernels, image.shape()[1], spec.convolution.perChannel);
  result.inputVersion = spec.inputVersion, result.inputSide = side;
  const bool sameInput = recycle && spec.inputVersion != 0 && recycle->inputVersion == spec.inputVersion &&
                         recycle->inputSide == side && spare(0) && spare(0)->shape() == image.shape() &&
                         spare(0)->layout() == layout;
  if (sameInput) { // the same pixels in the same layout: the earlier copy and picture serve
    result.stages.push_back(std::move(recycle->stages[0]));
  } else {
    Tensor input;
    if (Tensor* buffer = spare(0)) input = std::move(*buffer);
    copyInput(image, input, layout);
    result.stages.push_back(stage("input", std::move(input), side, image.shape()[1] == 3));
  }
  const Tensor& source = result.stages.back().maps; // one copy of the input, kept by its stage
  if (spec.kernels.empty()) return result;
  const std::vector<std::string> names = filterBankMapNames(spec.kernels, source.shape()[1], spec.convolution.perChannel);
  if (bank) {
    const bool classifies = spec.classify && spec.classes > 0;
    PooledDense dense; // the classifier's sums, made in the pass when it pools
    fusedBankStages(*bank, source, spec, names, spare(3), result, classifies && pool ? &dense : nullptr);
    if (classifies) classify(backend, spec, result, pool ? &dense.sums : nullptr);
    return result;
  }
  // Feature maps stay in the backend's preferred layout (oneDNN pools NHWC maps many
  // times faster than NCHW ones), or in planes for image filters; renderMap reads either.
  Tensor convolution;
  try {
    FilterOptions options = spec.convolution;
    options.activation = ActivationKind::None;
    convolution = applyFilterBank(backend, source, spec.kernels, options, layout, spare(1));
  } catch (const std::invalid_argument& e) {
    result.error = e.what();
    return result;
  }
  // ReLU and max pooling (with every map's range) in one pass over the convolution's maps
  // when they allow it (1024x1024, 8 filters: ReLU 1.4 ms, pooling 1.7-2.0 ms and a range pass
  // become one pass of 1.7-2.9 ms).
  if (spec.activation == ActivationKind::ReLU && canFuseReluPool(convolution, pool)) {
    Tensor pooled;
    if (Tensor* buffer = spare(3); buffer && pool) pooled = std::move(*buffer);
    StageRanges ranges, pooledRanges;
    try {
      reluMaxPool(convolution, nullptr, pool, pool ? &pooled : nullptr, ranges, &pooledRanges);
    } catch (const std::invalid_argument& e) { // a pooling geometry that does not fit the maps
      result.stages.push_back(stage("convolution", std::move(convolution), side));
      result.stages.back().mapNames = names;
      result.error = e.what();
      return result;
    }
    // Both stages' images from one sampled pass over the convolution's maps.
    PipelineStage convolved, rectified;
    convolved.title = "convolution", rectified.title = activationTitle(spec.activation);
    convolved.detail = rectified.detail = sizeText(convolution.shape());
    renderMapsAndRelu(convolution, side, ranges.lo, ranges.hi, convolved.images, rectified.images);
    rectified.derived = PipelineStage::Derived::Relu; // its values made when read
    rectified.derivedShape = convolution.shape();
    rectified.made = std::make_shared<DerivedValues>();
    convolved.maps = std::move(convolution);
    convolved.mapNames = rectified.mapNames = names;
    result.stages.push_back(std::move(convolved));
    result.stages.push_back(std::move(rectified));
    if (pool) {
      result.stages.push_back(
          stage(poolTitle(spec.pool), std::move(pooled), side, false, &pooledRanges.lo, &pooledRanges.hi));
      result.stages.back().mapNames = names;
    }
    if (spec.classify && spec.classes > 0) classify(backend, spec, result);
    return result;
  }
  result.stages.push_back(stage("convolution", std::move(convolution), side));
  result.stages.back().mapNames = names;
  if (spec.activation != ActivationKind::None) {
    const Tensor& convolved = result.stages.back().maps;
    Tensor activated;
    if (Tensor* buffer = spare(2)) activated = std::move(*buffer);
    activated.reuseAs(convolved.shape(), convolved.layout());
    backend.activationForward(spec.activation, defaultActivationAlpha(spec.activation), convolved, activated);
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
      backend.pool2dForward(flooredGeometry(spec.pool, last.shape()), last, pooled); // ceil mode as Pool2D runs it
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
