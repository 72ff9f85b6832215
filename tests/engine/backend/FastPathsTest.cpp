// The live view's fast paths give what the stage-by-stage paths give: ReLU, max pooling and
// ranges in one pass (FusedStages), a small bank's convolution in that pass too (fusedBank,
// against PyTorch's golden cases and the reference loops), the convolution and ReLU images in
// one pass (renderMapsAndRelu), and image filters through OpenCV's filter2D (PlaneFilter)
// against the reference backend's loops.
#include "TestUtils.h"
#include "GoldenCases.h"

#include "engine/lessons/FusedStages.h"
#include "engine/lessons/MapRendering.h"
#include "engine/lessons/Pipeline.h"
#include "engine/network/Presets.h"
#include "engine/backend/onednn/PlaneFilter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <cstdlib>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensorsClose;

namespace {
// A bank of 8 random full-depth 3x3 RGB kernels (the live benchmark's shape).
std::vector<NamedKernel> randomBank(unsigned seed) {
  std::vector<NamedKernel> bank;
  for (int k = 0; k < 8; ++k) bank.push_back({"k" + std::to_string(k), randomTensor({3, 3, 3}, seed + unsigned(k))});
  return bank;
}

Pool2DGeometry maxPool(int64_t k) {
  Pool2DGeometry g;
  g.kernelH = g.kernelW = g.strideH = g.strideW = k;
  return g;
}
// The same stages from a fast path and the reference backend's stage-by-stage one: titles, words,
// names, shapes, values to float rounding, pictures of the same size and scale whose pixels are
// at most one grey level apart (where the two sums round either side of a level).
void expectTheSameStages(const PipelineResult& fast, const PipelineResult& slow) {
  ASSERT_EQ(fast.stages.size(), slow.stages.size());
  for (size_t i = 0; i < fast.stages.size(); ++i) {
    SCOPED_TRACE(fast.stages[i].title);
    EXPECT_EQ(fast.stages[i].title, slow.stages[i].title);
    EXPECT_EQ(fast.stages[i].detail, slow.stages[i].detail);
    EXPECT_EQ(fast.stages[i].mapNames, slow.stages[i].mapNames);
    EXPECT_EQ(fast.stages[i].shape(), slow.stages[i].shape());
    EXPECT_TRUE(tensorsClose(fast.values(i).inLayout(Layout::NCHW), slow.values(i).inLayout(Layout::NCHW), 1e-3f, 1e-4f));
    ASSERT_EQ(fast.stages[i].images.size(), slow.stages[i].images.size());
    for (size_t m = 0; m < fast.stages[i].images.size(); ++m) {
      const MapImage &a = fast.stages[i].images[m], &b = slow.stages[i].images[m];
      EXPECT_EQ(a.step, b.step);
      EXPECT_EQ(a.width, b.width);
      EXPECT_EQ(a.height, b.height);
      EXPECT_EQ(a.palette, b.palette);
      // (to float rounding, as the values: a logit summed over 240,000 features in
      // another order differs in its sixth digit)
      EXPECT_NEAR(a.minimum, b.minimum, 1e-3 + 1e-4 * std::abs(b.minimum));
      EXPECT_NEAR(a.maximum, b.maximum, 1e-3 + 1e-4 * std::abs(b.maximum));
      int far = 0;
      for (size_t p = 0; p < a.pixels.size(); ++p) far += std::abs(int(a.pixels[p]) - int(b.pixels[p])) > 1;
      EXPECT_EQ(far, 0);
    }
  }
}
} // namespace

TEST(FusedStages, ReluPoolingAndRangesEqualTheBackendsStages) {
  auto onednn = makeBackend(BackendKind::Onednn);
  auto reference = makeBackend(BackendKind::Reference);
  // Channel counts with and without whole vectors; sizes with rows and columns left over
  // beyond the last window and rows shorter than a vector.
  for (int64_t channels : {1, 2, 3, 6, 8, 16})
    for (auto [h, w] : {std::pair<int64_t, int64_t>{7, 9}, {16, 16}, {33, 5}, {2, 3}})
      for (int64_t k : {0, 2, 3}) {
        if (k > h || k > w) continue;
        SCOPED_TRACE("channels " + std::to_string(channels) + ", " + std::to_string(h) + "x" + std::to_string(w) +
                     ", pool " + std::to_string(k));
        for (Layout layout : {Layout::NHWC, Layout::NCHW}) {
          const Tensor maps = randomTensor({1, channels, h, w}, unsigned(channels * 100 + h * 10 + k)).inLayout(layout);
          const Pool2DGeometry g = maxPool(k);
          const Pool2DGeometry* pool = k ? &g : nullptr;
          ASSERT_TRUE(canFuseReluPool(maps, pool));
          Tensor relu, pooled;
          StageRanges ranges, pooledRanges;
          reluMaxPool(maps, &relu, pool, &pooled, ranges, &pooledRanges);
          Tensor expectedRelu(maps.shape(), 0.0f, layout);
          reference->activationForward(ActivationKind::ReLU, 0, maps, expectedRelu);
          EXPECT_TRUE(tensorsClose(relu, expectedRelu, 0, 0)); // exact
          for (int64_t c = 0; c < channels; ++c) {
            float lo = maps.at(0, c, 0, 0), hi = lo;
            for (int64_t y = 0; y < h; ++y)
              for (int64_t x = 0; x < w; ++x)
                lo = std::min(lo, maps.at(0, c, y, x)), hi = std::max(hi, maps.at(0, c, y, x));
            EXPECT_EQ(ranges.lo[size_t(c)], lo);
            EXPECT_EQ(ranges.hi[size_t(c)], hi);
          }
          if (!pool) continue;
          Tensor expectedPool(pool2dOutputShape(maps.shape(), g), 0.0f, layout);
          onednn->pool2dForward(g, expectedRelu, expectedPool);
          EXPECT_TRUE(tensorsClose(pooled, expectedPool, 0, 0));
          for (int64_t c = 0; c < channels; ++c) {
            const Tensor one = expectedPool.inLayout(Layout::NCHW);
            const auto first = one.values().begin() + c * one.shape()[2] * one.shape()[3];
            const auto [lo, hi] = std::minmax_element(first, first + one.shape()[2] * one.shape()[3]);
            EXPECT_EQ(pooledRanges.lo[size_t(c)], *lo);
            EXPECT_EQ(pooledRanges.hi[size_t(c)], *hi);
          }
        }
      }
}

TEST(FusedStages, TakesOnlyWhatItComputes) {
  const Tensor eight = randomTensor({1, 8, 6, 6}, 1).inLayout(Layout::NHWC);
  const Pool2DGeometry two = maxPool(2);
  EXPECT_TRUE(canFuseReluPool(eight, &two));
  EXPECT_TRUE(canFuseReluPool(randomTensor({1, 5, 6, 6}, 1), &two));                         // NCHW planes, one by one
  EXPECT_FALSE(canFuseReluPool(randomTensor({1, 5, 6, 6}, 1).inLayout(Layout::NHWC), &two)); // no pass for 5
  Pool2DGeometry average = two, overlapping = two, padded = two, ceil = two, uncounted = two;
  average.mode = PoolMode::Average;
  overlapping.kernelH = overlapping.kernelW = 3;
  padded.padTop = 1;
  ceil.ceilMode = true;           // its last, partial window would read beyond the map
  uncounted.countPadding = false; // a geometry the pooling stage refuses for max pooling
  for (const Pool2DGeometry& g : {average, overlapping, padded, ceil, uncounted})
    EXPECT_FALSE(canFuseReluPool(eight, &g));
  Tensor relu, pooled;
  StageRanges a, b;
  EXPECT_THROW(reluMaxPool(eight, &relu, &average, &pooled, a, &b), std::invalid_argument);
}

TEST(MapRendering, MapsAndReluInOnePassEqualTwoRenderings) {
  for (int64_t channels : {1, 3, 5, 8, 12})
    for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
      SCOPED_TRACE(std::to_string(channels) + " channels");
      const Tensor maps = randomTensor({1, channels, 41, 23}, unsigned(channels)).inLayout(layout);
      std::vector<float> lo, hi, reluLo, reluHi;
      for (const MapImage& m : renderMaps(maps, 1 << 20)) {
        lo.push_back(m.minimum), hi.push_back(m.maximum);
        reluLo.push_back(std::max(0.0f, m.minimum)), reluHi.push_back(std::max(0.0f, m.maximum));
      }
      Tensor relu = maps;
      for (float& v : relu.values()) v = std::max(0.0f, v);
      for (int side : {1 << 20, 12}) { // every pixel; sampled every 4th
        std::vector<MapImage> images, reluImages;
        renderMapsAndRelu(maps, side, lo, hi, images, reluImages);
        const std::vector<MapImage> expected = renderMaps(maps, side, &lo, &hi);
        const std::vector<MapImage> expectedRelu = renderMaps(relu, side, &reluLo, &reluHi);
        ASSERT_EQ(images.size(), size_t(channels));
        for (size_t c = 0; c < images.size(); ++c) {
          EXPECT_EQ(images[c].pixels, expected[c].pixels) << "map " << c;
          EXPECT_EQ(reluImages[c].pixels, expectedRelu[c].pixels) << "ReLU map " << c;
          EXPECT_EQ(reluImages[c].palette, Palette::Gray);
          EXPECT_EQ(reluImages[c].maximum, reluHi[c]);
        }
      }
    }
}

TEST(Pipeline, TheFusedStagesGiveTheStageByStageResult) {
  // The oneDNN backend's channels-last maps take the fused path; the reference backend's
  // NCHW maps the stage-by-stage one. Same stages, same names, values to float rounding,
  // ReLU and pooling exact against the backend's own convolution.
  auto onednn = makeBackend(BackendKind::Onednn);
  auto reference = makeBackend(BackendKind::Reference);
  const Tensor image = randomTensor({1, 3, 37, 41}, 5, 0, 255);
  PipelineSpec spec;
  spec.kernels = randomBank(10);
  spec.convolution.padding = PaddingSpec::parse("1");
  const PipelineResult fast = runPipeline(*onednn, image, spec), slow = runPipeline(*reference, image, spec);
  ASSERT_TRUE(fast.error.empty()) << fast.error;
  expectTheSameStages(fast, slow);
  Tensor relu = fast.stages[1].maps;
  for (float& v : relu.values()) v = std::max(0.0f, v);
  // The fused path's ReLU and flatten are derived: made when read, exact.
  EXPECT_EQ(fast.stages[2].derived, PipelineStage::Derived::Relu);
  EXPECT_EQ(fast.stages[4].derived, PipelineStage::Derived::Flatten);
  EXPECT_TRUE(tensorsClose(fast.values(2), relu, 0, 0));
  EXPECT_EQ(&fast.values(2), &fast.values(2)); // made once
  EXPECT_EQ(fast.values(4).values(), fast.values(3).inLayout(Layout::NCHW).values());
  EXPECT_EQ(fast.stages[2].images[0].minimum, std::max(0.0f, fast.stages[1].images[0].minimum));
  EXPECT_EQ(fast.stages[3].maps.shape(), (Shape{1, 8, 18, 20}));
}

namespace {
bool bankLoopAvailable() { // the direct loop needs AVX-512
  Conv2DGeometry g;
  g.padTop = g.padBottom = g.padLeft = g.padRight = 1;
  return canFuseBank(g, Shape{1, 3, 512, 512}, Shape{8, 3, 3, 3});
}
} // namespace

TEST(SmallBank, TheDirectLoopEqualsPyTorchAndTheReferenceLoops) {
  if (!bankLoopAvailable()) GTEST_SKIP() << "no AVX-512 here: small banks stay with oneDNN";
  // PyTorch's own (tests/data/golden.json, scripts/make_golden.py): the lecture's bank of two on
  // the 6x6 image, 8 filters 3x3 on an odd width, 5 filters 5x7 with asymmetric padding.
  int checked = 0;
  for (const nlohmann::json& c : test::goldenCases()) {
    if (c["op"] != "conv2d") continue;
    const Conv2DGeometry g = test::convGeometryFromJson(c["geometry"]);
    const Tensor src = test::tensorFromJson(c["src"]), weights = test::tensorFromJson(c["weights"]);
    if (src.shape()[0] != 1 || g.strideH != 1 || g.strideW != 1 || g.dilationH != 1 || g.dilationW != 1 ||
        g.groups != 1 || src.shape()[1] > 4 || weights.shape()[0] > 8)
      continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor bias = c.contains("bias") ? test::tensorFromJson(c["bias"]) : Tensor(Shape{weights.shape()[0]}, 0.0f);
    Tensor out;
    bankConvolution(g, src, weights, bias, out);
    const Tensor expected = test::tensorFromJson(c["dst"]);
    EXPECT_TRUE(tensorsClose(out, expected, 1e-4f, 1e-4f));
    ++checked;
  }
  EXPECT_EQ(checked, 3); // lecture-six-bank, small-bank-rgb-8, small-bank-4-5x7
  // Against the reference loops on large images: every kernel width the loop has, 1 to 4 input
  // channels, 1 to 8 filters, padding up to the kernel less one on each side (asymmetric), widths
  // that leave blocks of 16 and single columns over, and narrow ones (one block of 32 columns;
  // none that reads only inside the image).
  auto reference = makeBackend(BackendKind::Reference);
  struct Case {
    int64_t channels, filters, kh, kw, top, bottom, left, right, h, w;
  };
  for (const Case& k : {Case{3, 8, 3, 3, 1, 1, 1, 1, 260, 300}, Case{1, 1, 5, 5, 2, 2, 2, 2, 257, 301},
                       Case{4, 5, 7, 3, 0, 6, 1, 2, 270, 251}, Case{2, 8, 1, 1, 0, 0, 0, 0, 256, 272},
                       Case{3, 3, 2, 4, 1, 0, 3, 0, 260, 270}, Case{3, 7, 6, 6, 5, 0, 0, 5, 259, 263},
                       Case{1, 2, 3, 7, 2, 2, 6, 6, 256, 257}, Case{3, 8, 3, 3, 1, 1, 1, 1, 2200, 31},
                       Case{2, 6, 5, 5, 2, 2, 2, 2, 1100, 60}}) {
    Conv2DGeometry g;
    g.kernelH = k.kh, g.kernelW = k.kw, g.padTop = k.top, g.padBottom = k.bottom, g.padLeft = k.left, g.padRight = k.right;
    const Tensor image = randomTensor({1, k.channels, k.h, k.w}, unsigned(k.kh * 10 + k.kw), 0, 255);
    const Tensor weights = randomTensor({k.filters, k.channels, k.kh, k.kw}, unsigned(k.filters));
    const Tensor bias = randomTensor({k.filters}, 3);
    SCOPED_TRACE(g.toString() + " on " + image.shape().toString() + ", " + std::to_string(k.filters) + " filters");
    ASSERT_TRUE(canFuseBank(g, image.shape(), weights.shape()));
    Tensor out;
    bankConvolution(g, image, weights, bias, out);
    Tensor expected(conv2dOutputShape(image.shape(), k.filters, g), 0.0f);
    reference->conv2dForward(g, image, weights, &bias, expected);
    ASSERT_EQ(out.shape(), expected.shape());
    EXPECT_TRUE(tensorsClose(out, expected, 1e-5f * 255 * float(k.channels * k.kh * k.kw), 1e-5f));
    // The fused pass computes the same values, bit for bit: its pooled maps are the pooling of
    // max(0, out), its ranges out's, its samples out's values at every step-th row and column.
    for (int64_t window : {0, 2, 3}) {
      const Pool2DGeometry p = maxPool(window);
      const Pool2DGeometry* pool = window ? &p : nullptr;
      Tensor pooled, samples;
      StageRanges ranges, pooledRanges;
      const int64_t step = window == 0 ? 1 : window == 2 ? 2 : 7; // every value, every second (sixteen at a time), any
      fusedBank(g, image, weights, bias, pool, &pooled, ranges, &pooledRanges, step, samples);
      for (int64_t f = 0; f < k.filters; ++f) {
        const auto first = out.values().begin() + f * out.shape()[2] * out.shape()[3];
        const auto [lo, hi] = std::minmax_element(first, first + out.shape()[2] * out.shape()[3]);
        ASSERT_EQ(ranges.lo[size_t(f)], *lo);
        ASSERT_EQ(ranges.hi[size_t(f)], *hi);
      }
      ASSERT_EQ(samples.shape(),
                (Shape{1, k.filters, (out.shape()[2] + step - 1) / step, (out.shape()[3] + step - 1) / step}));
      bool same = true;
      for (int64_t f = 0; f < k.filters; ++f)
        for (int64_t y = 0; y < samples.shape()[2]; ++y)
          for (int64_t x = 0; x < samples.shape()[3]; ++x)
            same = same && samples.at(0, f, y, x) == out.at(0, f, step * y, step * x);
      EXPECT_TRUE(same) << "samples every " << step;
      if (!pool) continue;
      Tensor relu = out;
      for (float& v : relu.values()) v = std::max(0.0f, v);
      Tensor expectedPool(pool2dOutputShape(out.shape(), p), 0.0f);
      reference->pool2dForward(p, relu, expectedPool);
      EXPECT_TRUE(tensorsClose(pooled, expectedPool, 0, 0)) << "pool " << window;
      for (int64_t f = 0; f < k.filters; ++f) {
        const auto first = expectedPool.values().begin() + f * expectedPool.shape()[2] * expectedPool.shape()[3];
        const auto [lo, hi] = std::minmax_element(first, first + expectedPool.shape()[2] * expectedPool.shape()[3]);
        EXPECT_EQ(pooledRanges.lo[size_t(f)], *lo);
        EXPECT_EQ(pooledRanges.hi[size_t(f)], *hi);
      }
      // A dense layer of 3 classes on the pooled maps, its byte weights read band by band:
      // the same sums as the pooled maps times the weights, summed here in doubles.
      const int64_t classes = 3, maps = pooled.shape()[1], ph = pooled.shape()[2], pw = pooled.shape()[3];
      std::vector<int8_t> bytes(size_t(classes * pooled.size()));
      std::mt19937 random{unsigned(window)};
      for (int8_t& b : bytes) b = int8_t(int(random() % 201) - 100);
      std::vector<double> expectedSums(size_t(classes), 0.0);
      size_t at = 0;
      const int64_t rows = denseBandRows(p);
      for (int64_t y0 = 0; y0 < ph; y0 += rows)
        for (int64_t c = 0; c < classes; ++c)
          for (int64_t m = 0; m < maps; ++m)
            for (int64_t y = y0; y < std::min(ph, y0 + rows); ++y)
              for (int64_t x = 0; x < pw; ++x) expectedSums[size_t(c)] += double(bytes[at++]) * expectedPool.at(0, m, y, x);
      PooledDense dense;
      dense.weights = bytes.data(), dense.classes = classes;
      Tensor pooledAgain;
      // With 2x2 windows, the pooled maps' own samples too (for their pictures): their values at
      // every step-th row and column.
      PooledSamples pooledSamples;
      pooledSamples.step = 3;
      fusedBank(g, image, weights, bias, pool, &pooledAgain, ranges, &pooledRanges, step, samples, &dense,
                window == 2 ? &pooledSamples : nullptr);
      EXPECT_TRUE(tensorsClose(pooledAgain, pooled, 0, 0));
      if (window == 2) {
        const Tensor& v = pooledSamples.values;
        ASSERT_EQ(v.shape(), (Shape{1, maps, (ph + 2) / 3, (pw + 2) / 3}));
        bool sameSamples = true;
        for (int64_t m = 0; m < maps; ++m)
          for (int64_t y = 0; y < v.shape()[2]; ++y)
            for (int64_t x = 0; x < v.shape()[3]; ++x) sameSamples = sameSamples && v.at(0, m, y, x) == pooled.at(0, m, 3 * y, 3 * x);
        EXPECT_TRUE(sameSamples) << "the pooled maps' samples";
      } else {
        EXPECT_THROW(fusedBank(g, image, weights, bias, pool, &pooledAgain, ranges, &pooledRanges, step, samples,
                               nullptr, &pooledSamples),
                     std::invalid_argument); // 2x2 windows only
      }
      ASSERT_EQ(dense.sums.size(), size_t(classes));
      for (int64_t c = 0; c < classes; ++c)
        EXPECT_NEAR(dense.sums[size_t(c)], expectedSums[size_t(c)], 1e-5 * std::abs(expectedSums[size_t(c)]) + 1e-3)
            << "class " << c << ", window " << window;
    }
  }
}

TEST(SmallBank, TheLiveViewFusesALargePhotosBankAndItsStagesAreTheStageByStageOnes) {
  if (!bankLoopAvailable()) GTEST_SKIP() << "no AVX-512 here: small banks stay with oneDNN";
  // 8 filters on a 400x300 RGB photo (past the 65,536-pixel floor): the oneDNN backend takes the
  // fused pass — convolution and ReLU derived, made when read — and every stage agrees with the
  // reference backend's stage-by-stage pipeline; the pictures sample the same values.
  auto onednn = makeBackend(BackendKind::Onednn);
  auto reference = makeBackend(BackendKind::Reference);
  const Tensor image = randomTensor({1, 3, 300, 400}, 7, 0, 255);
  PipelineSpec spec;
  spec.kernels = randomBank(20);
  spec.convolution.padding = PaddingSpec::parse("1");
  spec.convolution.bias = 0.25f;
  spec.displaySide = 150;
  const PipelineResult fast = runPipeline(*onednn, image, spec), slow = runPipeline(*reference, image, spec);
  ASSERT_TRUE(fast.error.empty()) << fast.error;
  EXPECT_EQ(fast.stages[0].maps.layout(), Layout::NCHW); // the input in planes, as the loop reads it
  EXPECT_EQ(fast.stages[1].derived, PipelineStage::Derived::Convolution);
  EXPECT_TRUE(fast.stages[1].maps.empty()); // no 3.8 MB written on every update
  EXPECT_EQ(slow.stages[1].derived, PipelineStage::Derived::No);
  expectTheSameStages(fast, slow);
  // One value read alone (a hover: its row computed, not the 32 MB), at the corners too, then
  // the whole convolution made once, by the loop the pass ran: the same values, and the pooled
  // maps are its ReLU pooled, exactly.
  const float corners[4] = {fast.valueAt(1, 0, 0, 0, 0), fast.valueAt(1, 0, 7, 0, 399), fast.valueAt(1, 0, 3, 299, 0),
                            fast.valueAt(2, 0, 7, 299, 399)};
  const Tensor& conv = fast.values(1);
  EXPECT_EQ(corners[0], conv.at(0, 0, 0, 0));
  EXPECT_EQ(corners[1], conv.at(0, 7, 0, 399));
  EXPECT_EQ(corners[2], conv.at(0, 3, 299, 0));
  EXPECT_EQ(corners[3], std::max(0.0f, conv.at(0, 7, 299, 399)));
  EXPECT_EQ(&fast.values(1), &conv);
  EXPECT_EQ(fast.valueAt(1, 0, 5, 123, 77), conv.at(0, 5, 123, 77));
  EXPECT_EQ(fast.valueAt(2, 0, 5, 123, 77), std::max(0.0f, conv.at(0, 5, 123, 77)));
  Tensor relu = conv;
  for (float& v : relu.values()) v = std::max(0.0f, v);
  Tensor pooled(pool2dOutputShape(conv.shape(), spec.pool), 0.0f);
  reference->pool2dForward(spec.pool, relu, pooled);
  EXPECT_TRUE(tensorsClose(fast.values(3), pooled, 0, 0));
  // Recycled: the pooled buffer serves the next update, the same result again.
  PipelineResult previous = runPipeline(*onednn, image, spec);
  const float* buffer = previous.stages[3].maps.data();
  const PipelineResult again = runPipeline(*onednn, image, spec, &previous);
  EXPECT_EQ(again.stages[3].maps.data(), buffer);
  EXPECT_TRUE(tensorsClose(again.values(3), fast.values(3), 0, 0));
  // A bank of nine, or a tanh, takes the stage-by-stage path.
  PipelineSpec nine = spec;
  nine.kernels.push_back({"k9", randomTensor({3, 3, 3}, 99)});
  EXPECT_EQ(runPipeline(*onednn, image, nine).stages[1].derived, PipelineStage::Derived::No);
  PipelineSpec tanh = spec;
  tanh.activation = ActivationKind::Tanh;
  EXPECT_EQ(runPipeline(*onednn, image, tanh).stages[1].derived, PipelineStage::Derived::No);
}

namespace {
struct PlaneCase {
  int64_t channels, kh, kw, top, bottom, left, right;
  Layout in, out;
  bool bias, sameKernels;
};
} // namespace

TEST(PlaneFilter, ImageFiltersThroughFilter2DEqualTheReferenceLoops) {
  auto onednn = makeBackend(BackendKind::Onednn);
  auto reference = makeBackend(BackendKind::Reference);
  const Layout C = Layout::NCHW, L = Layout::NHWC;
  const std::vector<PlaneCase> cases{
      {1, 3, 3, 1, 1, 1, 1, C, C, false, true}, {1, 3, 3, 0, 0, 0, 0, C, L, true, true},   // same; valid
      {1, 5, 5, 2, 2, 2, 2, L, L, true, true},  {1, 3, 5, 0, 2, 1, 3, C, C, false, true},  // 5x5; 3x5 lopsided
      {1, 1, 1, 0, 0, 0, 0, C, C, true, true},  {1, 7, 7, 3, 3, 3, 3, C, C, false, true},  // 1x1; 7x7
      {3, 3, 3, 1, 1, 1, 1, C, L, false, true}, {3, 3, 3, 1, 1, 1, 1, C, C, true, false},  // the window's RGB case
      {3, 3, 3, 1, 1, 1, 1, L, L, true, true},  {3, 5, 5, 1, 2, 0, 1, L, C, false, false}, //
      {4, 3, 3, 0, 1, 1, 0, C, L, true, false}, {3, 3, 3, 0, 0, 0, 0, L, L, false, false},
  };
  for (const PlaneCase& t : cases)
    for (int64_t batch : {1, 2}) {
      SCOPED_TRACE(std::to_string(t.channels) + " channels, " + std::to_string(t.kh) + "x" + std::to_string(t.kw) +
                   " pad " + std::to_string(t.top) + std::to_string(t.bottom) + std::to_string(t.left) +
                   std::to_string(t.right) + ", batch " + std::to_string(batch) + ", layouts " +
                   std::to_string(int(t.in)) + std::to_string(int(t.out)));
      Conv2DGeometry g;
      g.kernelH = t.kh, g.kernelW = t.kw;
      g.padTop = t.top, g.padBottom = t.bottom, g.padLeft = t.left, g.padRight = t.right;
      g.groups = t.channels;
      const Tensor src = randomTensor({batch, t.channels, 29, 35}, 3, 0, 255).inLayout(t.in);
      Tensor weights = randomTensor({t.channels, 1, t.kh, t.kw}, 4);
      if (t.sameKernels)
        for (int64_t c = 1; c < t.channels; ++c)
          std::copy(weights.values().begin(), weights.values().begin() + t.kh * t.kw,
                    weights.values().begin() + c * t.kh * t.kw);
      const Tensor bias = randomTensor({t.channels}, 6);
      const Shape out{batch, t.channels, 29 + t.top + t.bottom - t.kh + 1, 35 + t.left + t.right - t.kw + 1};
      Tensor fast(out, 0.0f, t.out), slow(out);
      ASSERT_TRUE(onednn::isPlaneFilter(g, src, weights.shape(), fast));
      onednn->conv2dForward(g, src, weights, t.bias ? &bias : nullptr, fast);
      reference->conv2dForward(g, src.inLayout(Layout::NCHW), weights, t.bias ? &bias : nullptr, slow);
      EXPECT_TRUE(tensorsClose(fast.inLayout(Layout::NCHW), slow, 2e-3f, 1e-5f)); // values up to ~2,000
    }
}

TEST(PlaneFilter, OtherConvolutionsStayWithOneDnn) {
  Conv2DGeometry g;
  g.padTop = g.padBottom = g.padLeft = g.padRight = 1;
  const Tensor gray = randomTensor({1, 1, 16, 16}, 1), dst(Shape{1, 1, 16, 16});
  EXPECT_TRUE(onednn::isPlaneFilter(g, gray, Shape{1, 1, 3, 3}, dst));
  Conv2DGeometry strided = g, dilated = g, padded = g, big = g;
  strided.strideH = 2, dilated.dilationW = 2, padded.padTop = 2;
  big.kernelH = big.kernelW = 7;
  const Tensor half(Shape{1, 1, 8, 8}), grown(Shape{1, 1, 17, 16}), shrunk(Shape{1, 1, 12, 12});
  EXPECT_FALSE(onednn::isPlaneFilter(strided, gray, Shape{1, 1, 3, 3}, half));
  EXPECT_FALSE(onednn::isPlaneFilter(dilated, gray, Shape{1, 1, 3, 3}, shrunk));
  EXPECT_FALSE(onednn::isPlaneFilter(padded, gray, Shape{1, 1, 3, 3}, grown)); // larger than the input
  EXPECT_TRUE(onednn::isPlaneFilter(big, gray, Shape{1, 1, 7, 7}, shrunk));    // 49 taps
  Conv2DGeometry huge = g;
  huge.kernelH = huge.kernelW = 9;
  huge.padTop = huge.padBottom = huge.padLeft = huge.padRight = 4;
  EXPECT_FALSE(onednn::isPlaneFilter(huge, gray, Shape{1, 1, 9, 9}, dst)); // 81 taps: filter2D's DFT
  const Tensor rgb = randomTensor({1, 3, 16, 16}, 1), full(Shape{1, 1, 16, 16});
  EXPECT_FALSE(onednn::isPlaneFilter(g, rgb, Shape{1, 3, 3, 3}, full)); // a sum over channels
  const Tensor wide = randomTensor({1, 8, 16, 16}, 1).inLayout(Layout::NHWC),
               wideOut(Shape{1, 8, 16, 16}, 0, Layout::NHWC);
  Conv2DGeometry depthwise = g;
  depthwise.groups = 8;
  EXPECT_FALSE(onednn::isPlaneFilter(depthwise, wide, Shape{8, 1, 3, 3}, wideOut)); // MobileNet's: oneDNN
}

TEST(Pipeline, TheSameImageKeepsItsInputStageAndANewOneIsCopied) {
  auto backend = makeBackend(BackendKind::Onednn);
  Tensor image = randomTensor({1, 3, 20, 24}, 9, 0, 255);
  PipelineSpec spec;
  spec.kernels = {{"k", randomTensor({3, 3, 3}, 2)}};
  spec.inputVersion = 7;
  PipelineResult first = runPipeline(*backend, image, spec);
  const float* kept = first.stages[0].maps.data();
  spec.kernels = {{"k", randomTensor({3, 3, 3}, 3)}}; // a slider moved: the image stays
  PipelineResult second = runPipeline(*backend, image, spec, &first);
  EXPECT_EQ(second.stages[0].maps.data(), kept); // reused, not copied
  EXPECT_EQ(second.stages[0].images[0].pixels.size(), size_t(20 * 24 * 3));
  EXPECT_EQ(second.inputVersion, 7u);
  // A new image under a new number is copied; under an old number it would not be (the
  // caller's numbers are the contract), so the window numbers every change of its input.
  image.values()[0] = 255 - image.values()[0];
  spec.inputVersion = 8;
  PipelineResult third = runPipeline(*backend, image, spec, &second);
  EXPECT_EQ(third.stages[0].maps.at(0, 0, 0, 0), image.values()[0]);
  const PipelineResult fresh = runPipeline(*backend, image, spec);
  EXPECT_TRUE(tensorsClose(third.stages[3].maps, fresh.stages[3].maps, 0, 0));
  spec.inputVersion = 0; // unknown: always copied
  PipelineResult fourth = runPipeline(*backend, image, spec, &third);
  EXPECT_NE(fourth.stages[0].maps.data(), nullptr);
  EXPECT_EQ(fourth.stages[0].maps.at(0, 0, 0, 0), image.values()[0]);
}

TEST(StructureOnly, ASkeletonCountsWithoutAllocatingWeights) {
  Network skeleton(Shape{1});
  {
    StructureOnly structure;
    skeleton = makePreset("vgg16");
  }
  EXPECT_FALSE(StructureOnly::active());           // only while the guard lives
  EXPECT_EQ(skeleton.parameterCount(), 138357544); // the published count, by formula
  int64_t allocated = 0;
  for (Tensor* p : skeleton.parameters()) allocated += p->size();
  EXPECT_LT(allocated, 100000); // batch norm's few, no convolution or dense weights
  const Network full = makePreset("mini-resnet");
  Network miniSkeleton(Shape{1});
  {
    StructureOnly structure;
    miniSkeleton = makePreset("mini-resnet");
  }
  EXPECT_EQ(miniSkeleton.parameterCount(), full.parameterCount());
  EXPECT_EQ(miniSkeleton.macCount(), full.macCount());
  // It cannot run: a clear error, not a crash.
  auto backend = makeBackend(BackendKind::Onednn);
  EXPECT_THROW(miniSkeleton.forward(*backend, randomTensor({1, 1, 28, 28}, 1)), std::invalid_argument);
}

TEST(Pipeline, CeilModePoolingOnAnOddMapTakesTheStageByStagePath) {
  // 5x5 maps, 2x2 windows in ceil mode: 3x3 pooled, the last windows partial (the fused
  // pass would read a row and a column beyond the map).
  auto onednn = makeBackend(BackendKind::Onednn);
  auto reference = makeBackend(BackendKind::Reference);
  const Tensor image = randomTensor({1, 3, 5, 5}, 4, 0, 255);
  PipelineSpec spec;
  spec.kernels = randomBank(20);
  spec.convolution.padding = PaddingSpec::parse("same");
  spec.pool.ceilMode = true;
  const PipelineResult fast = runPipeline(*onednn, image, spec), slow = runPipeline(*reference, image, spec);
  ASSERT_TRUE(fast.error.empty()) << fast.error;
  EXPECT_EQ(fast.stages[3].maps.shape(), (Shape{1, 8, 3, 3}));
  EXPECT_TRUE(tensorsClose(fast.stages[3].maps.inLayout(Layout::NCHW), slow.stages[3].maps, 1e-3f, 1e-4f));
}
