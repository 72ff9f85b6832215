// Activation maximization: on every layer of the bundled LeNet-5 and mini-vgg the made image
// excites its unit more than any test image does, and read back (after the 8-bit rounding an image
// file imposes) gives the activation reported; a unit off for the whole start is restarted; the
// Fourier step is the gradient over frequency squared; each regularizer changes the result; the
// dataset examples are the top images with the patch their unit sees; what is out of range is named.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/inspection/FeatureVisualization.h"
#include "engine/io/ModelFile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <utility>

using namespace convscope;

TEST(FeatureVisualization, RegularizersChangeTheResultTheSeedRepeatsItAndBadUnitsAreNamed) {
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  const Preprocess& pre = *lenet.info.preprocess;
  OnednnBackend backend;
  VisualizeOptions plain, regular;
  plain.node = regular.node = size_t(lenet.network.nodeIndex("conv2"));
  regular.l2 = regular.blur = regular.jitter = true;
  const VisualizeResult a = visualizeUnit(lenet.network, backend, pre, plain);
  const VisualizeResult b = visualizeUnit(lenet.network, backend, pre, regular);
  EXPECT_NE(a.image.values(), b.image.values());
  EXPECT_EQ(visualizeUnit(lenet.network, backend, pre, plain).image.values(), a.image.values()); // seeded
  VisualizeOptions bad;
  bad.node = size_t(lenet.network.nodeIndex("conv1"));
  bad.channel = 6;
  EXPECT_NE(bad.problem(lenet.network).find("unit 6 is out of range: conv1 has 6"), std::string::npos)
      << bad.problem(lenet.network);
  EXPECT_THROW(visualizeUnit(lenet.network, backend, pre, bad), std::invalid_argument);
}

namespace {
// Whether a layer's value is bounded by a saturating function (tanh, sigmoid, softmax), directly or
// through layers that only average or rearrange it: there the ascent ends at the bound, as the
// best test image nearly does.
bool saturates(const Network& net, size_t node) {
  for (int64_t i = int64_t(node); i >= 0; --i) {
    const Layer& l = net.layer(size_t(i));
    if (l.kind() == "Softmax") return true;
    if (l.kind() == "Activation") {
      const std::string f = l.describe();
      return f.find("tanh") != std::string::npos || f.find("sigmoid") != std::string::npos;
    }
    if (l.kind() != "Pool2D" && l.kind() != "Flatten") return false;
  }
  return false;
}

// Every layer of a trained model, units 0–2: the made image beats the best of `data`'s first 500
// test images (strictly, on layers no saturating function bounds), and the image read back after
// 8-bit rounding gives the activation reported. The test images are ranked in one pass per layer
// for the three units. Under a sanitizer (CONVSCOPE_SANITIZED) the first 50 test images and unit 0
// only: the same code, a tenth of the arithmetic (the plain run checks the whole).
void everyLayerBeatsTheTestImages(const std::string& file, const Dataset& data) {
  Model model = loadModel(resourcesDirectory() + "/models/" + file);
  const Preprocess& pre = *model.info.preprocess;
  OnednnBackend backend;
  const bool sanitized = std::getenv("CONVSCOPE_SANITIZED") != nullptr;
  const std::vector<int64_t> units = sanitized ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 1, 2};
  for (size_t node = 0; node < model.network.size(); ++node) {
    VisualizeOptions layer;
    layer.node = node;
    const std::vector<std::vector<DatasetExample>> best =
        topDatasetExamples(model.network, backend, pre, data, layer, units, 1, sanitized ? 50 : 500);
    ASSERT_EQ(best.size(), units.size());
    for (size_t u = 0; u < units.size(); ++u) {
      SCOPED_TRACE(model.network.layer(node).name() + " unit " + std::to_string(units[u]));
      VisualizeOptions o = layer;
      o.channel = units[u];
      const VisualizeResult r = visualizeUnit(model.network, backend, pre, o);
      ASSERT_EQ(best[u].size(), 1u);
      EXPECT_GE(r.activationEnd, best[u][0].activation - 1e-5);
      if (!saturates(model.network, node)) {
        EXPECT_GT(r.activationEnd, best[u][0].activation);
      }
      Tensor written = r.image;
      for (float& v : written.values()) v = std::round(v * 255.0f) / 255.0f;
      EXPECT_NEAR(unitActivation(model.network, backend, pre, written, o), r.activationEnd,
                  0.05 * std::abs(r.activationEnd) + 0.02);
    }
  }
}
} // namespace

TEST(FeatureVisualization, EveryLayerOfLeNetMakesAnImageBeyondEveryTestDigit) {
  everyLayerBeatsTheTestImages("lenet5-digits.json", loadDataset("digits").test);
}

TEST(FeatureVisualization, EveryLayerOfMiniVggMakesAnImageBeyondEveryTestGarment) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (scripts/test.sh installs it)";
  everyLayerBeatsTheTestImages("mini-vgg-fashion.json", loadDataset("fashion-mnist").test);
}

TEST(FeatureVisualization, AUnitOffForTheWholeStartIsRestartedUntilItAnswers) {
  // mini-vgg's flatten unit 0 (pool2's first map at its corner) is 0 for the neutral image: a
  // ReLU with no gradient. The ascent restarts from noisier images and then climbs.
  Model vgg = loadModel(resourcesDirectory() + "/models/mini-vgg-fashion.json");
  OnednnBackend backend;
  VisualizeOptions o;
  o.node = size_t(vgg.network.nodeIndex("flatten"));
  const VisualizeResult r = visualizeUnit(vgg.network, backend, *vgg.info.preprocess, o);
  EXPECT_EQ(r.activationStart, 0.0);
  EXPECT_GE(r.restarts, 1);
  EXPECT_GT(r.activationEnd, 5.0);
}

TEST(FeatureVisualization, TheFourierStepIsTheGradientOverFrequencySquared) {
  // A cosine of frequency (fy, fx) = (2/16, 3/16) cycles per pixel comes back the same cosine
  // divided by f² = (4 + 9)/256; a constant (f = 0) is scaled by max(H, W)² = 256.
  Tensor g(Shape{1, 1, 16, 16});
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) g.at(0, 0, y, x) = float(std::cos(2 * M_PI * (2.0 * y + 3.0 * x) / 16.0) + 0.5);
  Tensor f = g;
  decorrelateGradient(f);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x)
      ASSERT_NEAR(f.at(0, 0, y, x), std::cos(2 * M_PI * (2.0 * y + 3.0 * x) / 16.0) * 256.0 / 13.0 + 0.5 * 256.0, 1e-2)
          << y << "," << x;
  // RGB: a pixel's colours mixed by C·Cᵀ (C: Lucid's colour-correlation square root); a constant
  // red gradient becomes 256 × (C·Cᵀ)'s first column.
  Tensor red(Shape{1, 3, 4, 4}, 0.0f);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) red.at(0, 0, y, x) = 1.0f;
  decorrelateGradient(red);
  EXPECT_NEAR(red.at(0, 0, 1, 2), 16.0 * (0.26 * 0.26 + 0.09 * 0.09 + 0.02 * 0.02), 1e-4);
  EXPECT_NEAR(red.at(0, 1, 1, 2), 16.0 * (0.27 * 0.26 + 0.0 * 0.09 + -0.05 * 0.02), 1e-4);
  EXPECT_NEAR(red.at(0, 2, 3, 0), 16.0 * (0.27 * 0.26 + -0.09 * 0.09 + 0.03 * 0.02), 1e-4);
  // On LeNet's conv3 the decorrelated ascent still rises, to a smoother image than the plain one.
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  OnednnBackend backend;
  VisualizeOptions plain, fourier;
  plain.node = fourier.node = size_t(lenet.network.nodeIndex("conv3"));
  plain.channel = fourier.channel = 5;
  fourier.fourier = true;
  const VisualizeResult a = visualizeUnit(lenet.network, backend, *lenet.info.preprocess, plain);
  const VisualizeResult b = visualizeUnit(lenet.network, backend, *lenet.info.preprocess, fourier);
  EXPECT_GT(b.activationEnd, 5.0 * b.activationStart);
  const auto roughness = [](const Tensor& t) { // mean |difference| of horizontal neighbours
    double sum = 0.0;
    for (int64_t y = 0; y < t.shape()[2]; ++y)
      for (int64_t x = 1; x < t.shape()[3]; ++x) sum += std::abs(t.at(0, 0, y, x) - t.at(0, 0, y, x - 1));
    return sum / double(t.shape()[2] * (t.shape()[3] - 1));
  };
  EXPECT_LT(roughness(b.image), 0.5 * roughness(a.image));
}

TEST(FeatureVisualization, TheTransformsGradientIsItsWarpsExactAdjoint) {
  // ⟨warp(x), g⟩ = ⟨x, warpGradient(g)⟩ for a random image and gradient (padding 0): the step goes
  // back through exactly the warp the network saw. Scale 1 and 0° is the identity.
  std::mt19937_64 random(7);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  Tensor x(Shape{1, 2, 11, 13}), g(Shape{1, 2, 11, 13});
  for (float& v : x.values()) v = value(random);
  for (float& v : g.values()) v = value(random);
  for (const auto& [scale, degrees] : std::vector<std::pair<double, double>>{{1.08, 7.0}, {0.9, -10.0}, {1.0, 33.0}}) {
    const Tensor wx = warpImage(x, scale, degrees, {0.0f});
    const Tensor wg = warpGradient(g, scale, degrees);
    double left = 0.0, right = 0.0;
    for (int64_t i = 0; i < x.size(); ++i) left += double(wx.data()[i]) * g.data()[i], right += double(x.data()[i]) * wg.data()[i];
    EXPECT_NEAR(left, right, 1e-4 * (1.0 + std::abs(left))) << scale << " " << degrees;
  }
  const Tensor same = warpImage(x, 1.0, 0.0, {0.5f});
  for (int64_t i = 0; i < x.size(); ++i) ASSERT_NEAR(same.data()[i], x.data()[i], 1e-6);
  // A 90° turn of a 3×3 image moves its corners (about the centre, counter-clockwise as drawn: the
  // top-right corner comes to the top-left), and the padding fills nothing when nothing is outside.
  Tensor corner(Shape{1, 1, 3, 3}, 0.0f);
  corner.at(0, 0, 0, 2) = 1.0f;
  const Tensor turned = warpImage(corner, 1.0, 90.0, {0.0f});
  float sum = 0.0f;
  for (float v : turned.values()) sum += v;
  EXPECT_NEAR(sum, 1.0f, 1e-5);
  EXPECT_NEAR(turned.at(0, 0, 0, 0), 1.0f, 1e-5);
  // With the transforms, LeNet's conv3 unit still climbs well above where it started.
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  OnednnBackend backend;
  VisualizeOptions o;
  o.node = size_t(lenet.network.nodeIndex("conv3"));
  o.channel = 5;
  o.transform = o.jitter = true;
  const VisualizeResult r = visualizeUnit(lenet.network, backend, *lenet.info.preprocess, o);
  EXPECT_GT(r.activationEnd, 5.0 * r.activationStart);
  o.rotateDegrees = 200;
  EXPECT_EQ(o.problem(lenet.network), "the rotation must be from 0 to 180 degrees");
}

TEST(FeatureVisualization, DatasetExamplesAreTheTopImagesAndThePatchTheirUnitSees) {
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  const Preprocess& pre = *lenet.info.preprocess;
  const Dataset test = loadDataset("digits").test;
  OnednnBackend backend;
  VisualizeOptions o;
  o.node = size_t(lenet.network.nodeIndex("conv2"));
  o.channel = 3;
  const std::vector<DatasetExample> top = topDatasetExamples(lenet.network, backend, pre, test, o, 5, 300);
  ASSERT_EQ(top.size(), 5u);
  // The same ranking by hand: every one of the 300 images' channel mean, one at a time.
  std::vector<std::pair<double, size_t>> all;
  for (size_t i = 0; i < 300; ++i) {
    Tensor image;
    std::vector<int> labels;
    Preprocess plain = pre;
    plain.mean = {0.0f}, plain.stddev = {1.0f};
    makeBatch(test, &i, 1, plain, image, labels);
    all.push_back({unitActivation(lenet.network, backend, pre, image, o), i});
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (size_t k = 0; k < 5; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(top[k].index, all[k].second);
    EXPECT_NEAR(top[k].activation, all[k].first, 1e-4);
    EXPECT_EQ(top[k].label, test.labels[top[k].index]);
    // conv2's units see 14×14 of the input (size 14, jump 2, start 6.5): the strongest
    // position (y, x) reads rows 2y to 2y + 13, clipped to the 32×32 image.
    EXPECT_EQ(top[k].top, 2 * top[k].y);
    EXPECT_EQ(top[k].left, 2 * top[k].x);
    EXPECT_EQ(top[k].height, 14);
    EXPECT_EQ(top[k].width, 14);
    // ... and is the largest of the channel's map in that image.
    lenet.network.forward(backend, normalizeImages(top[k].image, pre));
    const Tensor map = lenet.network.output(o.node).inLayout(Layout::NCHW);
    for (int64_t y = 0; y < 10; ++y)
      for (int64_t x = 0; x < 10; ++x) ASSERT_LE(map.at(0, 3, y, x), map.at(0, 3, top[k].y, top[k].x));
  }
  // A fully connected unit sees the whole image; k out of range is refused by name.
  o.node = size_t(lenet.network.nodeIndex("fc1"));
  const DatasetExample whole = topDatasetExamples(lenet.network, backend, pre, test, o, 1, 50)[0];
  EXPECT_EQ(whole.top, 0);
  EXPECT_EQ(whole.height, 32);
  EXPECT_EQ(whole.width, 32);
  try {
    topDatasetExamples(lenet.network, backend, pre, test, o, 0);
    ADD_FAILURE() << "k = 0 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "dataset examples: k 0 must be from 1 to 1000");
  }
}
