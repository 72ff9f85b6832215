// The live pipeline: stages, their shapes, exact ranges and palette images in either layout.
#include "TestUtils.h"

#include "engine/lessons/Kernels.h"
#include "engine/lessons/Pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensor;

TEST(Pipeline, MapsAreNamedByKernelAndChannel) {
  auto backend = makeBackend(BackendKind::Onednn);
  const Tensor rgb = randomTensor({1, 3, 8, 8}, 7);
  PipelineSpec spec;
  spec.kernels = {{"sobel-x", tensor({1, 3, 3}, {-1, 0, 1, -2, 0, 2, -1, 0, 1})}, {"rgb", randomTensor({3, 3, 3}, 8)}};
  // Every kernel spans the channels: one map each, depth = number of kernels.
  PipelineResult r = runPipeline(*backend, rgb, spec);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stages[1].maps.shape()[1], 2);
  EXPECT_EQ(r.stages[1].mapNames, (std::vector<std::string>{"sobel-x", "rgb"}));
  // Per channel (depthwise) asked for: a one-block kernel filters each channel on its own.
  spec.convolution.perChannel = true;
  r = runPipeline(*backend, rgb, spec);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const std::vector<std::string> names{"sobel-x · R", "sobel-x · G", "sobel-x · B", "rgb"};
  EXPECT_EQ(r.stages[1].maps.shape()[1], 4);
  EXPECT_EQ(r.stages[1].mapNames, names);
  EXPECT_EQ(r.stages[2].mapNames, names);
  EXPECT_EQ(filterBankMapNames(spec.kernels, 5, true)[4], "sobel-x · ch 5");
  EXPECT_EQ(filterBankMapNames(spec.kernels, 5, false)[0], "sobel-x");
}

TEST(Pipeline, StagesOfTheLectureSixBySixExample) {
  auto backend = makeBackend(BackendKind::Onednn);
  const Tensor six = tensor({1, 1, 6, 6}, {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0,
                                           1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0});
  PipelineSpec spec;
  spec.kernels = {{"filter1", tensor({1, 3, 3}, {1, -1, -1, -1, 1, -1, -1, -1, 1})}};
  const PipelineResult r = runPipeline(*backend, six, spec);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.stages.size(), 7u); // input, convolution, ReLU, max pooling, flatten, fully connected, softmax
  EXPECT_EQ(r.stages[1].detail, "1 map of 4×4");
  spec.kernels.push_back({"filter2", tensor({1, 3, 3}, {1, -1, 1, -1, 1, -1, 1, -1, 1})});
  EXPECT_EQ(runPipeline(*backend, six, spec).stages[1].detail, "2 maps of 4×4, depth 2"); // the slide's word
  spec.kernels.pop_back();
  EXPECT_EQ(r.stages[1].mapNames, std::vector<std::string>{"filter1"});
  EXPECT_EQ(r.stages[3].mapNames, std::vector<std::string>{"filter1"}); // pooling keeps the names
  EXPECT_EQ(r.stages[1].maps.at(0, 0, 0, 0), 3.0f);
  EXPECT_EQ(r.stages[1].images[0].minimum, -3.0f);
  EXPECT_EQ(r.stages[1].images[0].palette, Palette::Diverging);
  EXPECT_EQ(r.stages[1].images[0].pixels[0], 128 + 127); // 3 is the top of the ±3 scale
  EXPECT_EQ(r.stages[2].title, "ReLU");
  EXPECT_EQ(r.stages[2].images[0].palette, Palette::Gray);
  EXPECT_EQ(r.stages[3].title, "max pooling 2x2/2");
  // max pooling of ReLU([[3,-1,-3,-1],[-3,1,0,-3],[-3,-3,0,1],[3,-2,-2,-1]]) = [[3,0],[3,1]]
  EXPECT_EQ(r.stages[3].maps.inLayout(Layout::NCHW).values(), (std::vector<float>{3, 0, 3, 1}));
  EXPECT_EQ(r.values(4).values(), (std::vector<float>{3, 0, 3, 1})); // flattened in C, H, W order
  EXPECT_EQ(r.stages[5].maps.shape(), (Shape{1, 4}));
  // The logits are W·x + b with the demonstration weights, and softmax sums to one.
  Tensor w, b;
  demonstrationWeights(4, 4, w, b);
  for (int k = 0; k < 4; ++k) {
    const float z = w.data()[k * 4] * 3 + w.data()[k * 4 + 2] * 3 + w.data()[k * 4 + 3] * 1 + b.data()[k];
    EXPECT_NEAR(r.stages[5].maps.data()[k], z, 1e-5f);
  }
  EXPECT_EQ(r.stages[6].kind, PipelineStage::Kind::Probabilities);
  float total = 0;
  for (float p : r.stages[6].maps.values()) total += p;
  EXPECT_NEAR(total, 1.0f, 1e-6f);
  EXPECT_EQ(r.classNames.size(), 4u);
}

TEST(Pipeline, BadGeometryEndsWithAReasonAndKeepsEarlierStages) {
  auto backend = makeBackend(BackendKind::Onednn);
  PipelineSpec spec;
  spec.kernels = {{"big", Tensor(Shape{1, 7, 7})}};
  const PipelineResult r = runPipeline(*backend, randomTensor({1, 1, 5, 5}, 1), spec);
  EXPECT_EQ(r.stages.size(), 1u);
  EXPECT_NE(r.error.find("kernel 7x7 is larger than the padded input 5x5"), std::string::npos) << r.error;
}

TEST(Pipeline, RenderingIsTheSameInBothLayoutsAndSamplesLargeMaps) {
  const Tensor maps = randomTensor({1, 8, 40, 30}, 3, -2, 5);
  const std::vector<MapImage> a = renderMaps(maps, 512), b = renderMaps(maps.inLayout(Layout::NHWC), 512);
  for (int c = 0; c < 8; ++c) {
    EXPECT_EQ(a[c].pixels, b[c].pixels);
    EXPECT_EQ(a[c].minimum, b[c].minimum);
  }
  // Every channel count, with and without known ranges (a bank of 5 once rendered black
  // ReLU maps in the NHWC layout: its count had no interleaved kernel).
  for (int64_t channels : {5, 7, 8, 9}) {
    const Tensor m = randomTensor({1, channels, 12, 10}, 4, 0, 3);
    std::vector<float> lo(size_t(channels), 0.0f), hi(size_t(channels), 3.0f);
    const std::vector<MapImage> nchw = renderMaps(m, 512, &lo, &hi);
    const std::vector<MapImage> nhwc = renderMaps(m.inLayout(Layout::NHWC), 512, &lo, &hi);
    const std::vector<MapImage> measured = renderMaps(m.inLayout(Layout::NHWC), 512);
    for (int64_t c = 0; c < channels; ++c) {
      EXPECT_EQ(nchw[size_t(c)].pixels, nhwc[size_t(c)].pixels) << channels << " channels, map " << c;
      const uint8_t brightest = *std::max_element(nhwc[size_t(c)].pixels.begin(), nhwc[size_t(c)].pixels.end());
      EXPECT_GT(brightest, 200) << channels << " channels, map " << c; // values up to 3 of 3: not black
      EXPECT_EQ(measured[size_t(c)].pixels.size(), nchw[size_t(c)].pixels.size());
    }
  }
  const std::vector<MapImage> small = renderMaps(maps, 16); // 40x30 sampled every 3rd pixel
  EXPECT_EQ(small[0].step, 3);
  EXPECT_EQ(small[0].width, 10);
  EXPECT_EQ(small[0].height, 14);
  EXPECT_EQ(small[0].minimum, a[0].minimum); // ranges come from every value
  uint8_t rgb[3];
  paletteColour(Palette::Diverging, 128, rgb);
  EXPECT_EQ(rgb[0], 255); // white at zero
  paletteColour(Palette::Diverging, 0, rgb);
  EXPECT_EQ(rgb[2], 172); // blue end
}

#include "engine/training/Optimizer.h"
#include "engine/network/Presets.h"

TEST(Pipeline, ATrainedNetworkShowsEveryLayer) {
  auto backend = makeBackend(BackendKind::Onednn);
  PipelineSpec spec;
  Model model{makePreset("lenet5"), {}, true};
  initialize(model.network, InitScheme::Auto, 1);
  model.info.preprocess = Preprocess{};
  model.info.preprocess->mean = {0.13f};
  model.info.preprocess->stddev = {0.31f};
  spec.model = std::make_shared<const SharedModel>(std::move(model), "lenet5.json", 1);
  const PipelineResult r = runPipeline(*backend, randomTensor({1, 1, 28, 28}, 1, 0, 255), spec);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.stages.size(), 14u);
  EXPECT_EQ(r.stages[0].maps.shape(), (Shape{1, 1, 32, 32}));
  EXPECT_EQ(r.stages[1].maps.shape(), (Shape{1, 6, 28, 28}));
  EXPECT_EQ(r.stages.back().kind, PipelineStage::Kind::Probabilities);
  EXPECT_EQ(r.stages[9].kind, PipelineStage::Kind::Vector); // flatten: 120 features
}

TEST(Pipeline, ReusingAnEarlierResultsBuffersGivesTheSameResult) {
  auto backend = makeBackend(BackendKind::Onednn);
  PipelineSpec spec;
  for (unsigned k = 0; k < 4; ++k) spec.kernels.push_back({"k", randomTensor({3, 3, 3}, 10 + k)});
  spec.convolution.padding = PaddingSpec::parse("1");
  const Tensor a = randomTensor({1, 3, 40, 30}, 1, 0, 255), b = randomTensor({1, 3, 40, 30}, 2, 0, 255);
  PipelineResult previous = runPipeline(*backend, a, spec);
  const PipelineResult fresh = runPipeline(*backend, b, spec);
  // The buffers that are reused: the convolution's and the pooling's (a fresh large buffer
  // costs its page faults on every update). The ReLU maps and the flatten are derived: not
  // made at all until something reads them.
  std::vector<const float*> buffers;
  for (size_t s : {1, 3}) buffers.push_back(previous.stages[s].maps.data());
  ASSERT_EQ(previous.stages[4].kind, PipelineStage::Kind::Vector);
  const PipelineResult reused = runPipeline(*backend, b, spec, &previous);
  ASSERT_EQ(reused.stages.size(), fresh.stages.size());
  for (size_t s : {2, 4}) {
    EXPECT_NE(reused.stages[s].derived, PipelineStage::Derived::No) << "stage " << s;
    EXPECT_TRUE(reused.stages[s].maps.empty()) << "stage " << s;
  }
  for (size_t s = 0; s < fresh.stages.size(); ++s) {
    EXPECT_EQ(reused.values(s).values(), fresh.values(s).values()) << "stage " << s;
    EXPECT_EQ(reused.stages[s].images[0].pixels, fresh.stages[s].images[0].pixels) << "stage " << s;
  }
  EXPECT_EQ(reused.stages[1].maps.data(), buffers[0]);
  EXPECT_EQ(reused.stages[3].maps.data(), buffers[1]);
  // The flatten is the pooled maps in channel, row, column order, whatever their layout.
  const Tensor pooled = reused.stages[3].maps.inLayout(Layout::NCHW);
  EXPECT_EQ(reused.values(4).values(), pooled.values());
  EXPECT_EQ(reused.values(4).shape(), (Shape{1, pooled.size()}));
  EXPECT_EQ(reused.stages[4].shape(), (Shape{1, pooled.size()}));
}

TEST(Pipeline, TheDemonstrationClassifierIsTheDenseLayerOfItsWeightsOnTheFlatten) {
  // The live view computes the logits from the pooled maps where they lie (channels-last for
  // oneDNN, planes for the reference), with the weights kept one byte each: the same as the
  // reference backend's dense layer on the flatten with demonstrationWeights.
  auto reference = makeBackend(BackendKind::Reference);
  PipelineSpec spec;
  for (unsigned k = 0; k < 8; ++k) spec.kernels.push_back({"k", randomTensor({3, 3, 3}, 30 + k)});
  spec.convolution.padding = PaddingSpec::parse("1");
  const Tensor image = randomTensor({1, 3, 160, 160}, 3, 0, 255); // 8 × 80 × 80 = 51,200 features
  for (BackendKind kind : {BackendKind::Onednn, BackendKind::Reference}) {
    auto backend = makeBackend(kind);
    const PipelineResult r = runPipeline(*backend, image, spec);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.stages[4].title, "flatten");
    const Tensor& flat = r.values(4);
    ASSERT_EQ(flat.shape(), (Shape{1, 51200}));
    Tensor w, b;
    demonstrationWeights(51200, 4, w, b);
    // A layer this wide has weights below a hundredth: they are kept to a smaller unit, not all 0.
    const int64_t nonZero = std::count_if(w.values().begin(), w.values().end(), [](float v) { return v != 0; });
    EXPECT_GT(nonZero, 51200 * 4 / 2);
    EXPECT_LT(*std::max_element(w.values().begin(), w.values().end()), 0.01f);
    Tensor expected(Shape{1, 4});
    reference->denseForward(flat, w, &b, expected);
    const Tensor& logits = r.stages[5].maps;
    float largest = 0;
    for (float v : expected.values()) largest = std::max(largest, std::abs(v));
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(logits.data()[k], expected.data()[k], 1e-5f * largest) << "logit " << k;
    // The strip shows the flatten's first values, in channel, row, column order.
    const MapImage& strip = r.stages[4].images[0];
    EXPECT_EQ(strip.width, 4096);
    EXPECT_EQ(r.stages[4].detail, "51200 features");
  }
}
