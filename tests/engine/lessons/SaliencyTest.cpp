// Saliency: the gradient map against central finite differences of the class score,
// Grad-CAM and occlusion against hand computations on linear nets, the oneDNN backend against
// the reference, LeNet-5 on real digits (occlusion finds the strokes), the map carried back
// to the image and its picture, and errors that name the problem.
#include "TestUtils.h"

#include "engine/training/Dataset.h"
#include "engine/layers/LayerKind.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Preprocess.h"
#include "engine/lessons/Saliency.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <memory>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensorsClose;

namespace {

Conv2DGeometry conv3x3(int64_t pad) {
  Conv2DGeometry g;
  g.kernelH = g.kernelW = 3;
  g.padTop = g.padBottom = g.padLeft = g.padRight = pad;
  return g;
}

void randomize(Network& net, unsigned seed) {
  for (Tensor* p : net.parameters()) *p = randomTensor(p->shape(), seed++, -0.5f, 0.5f);
}

// Input (2, 8, 8): conv, tanh, average pooling, conv, sigmoid, dense to 3 scores; no softmax,
// so the score is the output itself and the gradient map is the larger |∂score/∂x| of the two channels.
Network smallNet(unsigned seed) {
  Network net(Shape{2, 8, 8});
  net.add(std::make_unique<Conv2D>("conv1", 2, 4, conv3x3(1)));
  net.add(std::make_unique<Activation>("act1", ActivationKind::Tanh));
  Pool2DGeometry pool;
  pool.mode = PoolMode::Average;
  net.add(std::make_unique<Pool2D>("pool1", pool));
  net.add(std::make_unique<Conv2D>("conv2", 4, 5, conv3x3(1)));
  net.add(std::make_unique<Activation>("act2", ActivationKind::Sigmoid));
  net.add(std::make_unique<Flatten>("flatten"));
  net.add(std::make_unique<Dense>("fc", 5 * 4 * 4, 3));
  randomize(net, seed);
  return net;
}

Model lenet() { return loadModel(resourcesDirectory() + "/models/lenet5-digits.json"); }

const Dataset& digits() {
  static const Dataset test = loadDataset("digits").test;
  return test;
}

// Test digit i as LeNet's input (1, 1, 32, 32).
Tensor digitInput(const Model& model, size_t i) {
  Tensor batch;
  std::vector<int> labels;
  makeBatch(digits(), &i, 1, *model.info.preprocess, batch, labels);
  return batch;
}

// The class score of x: the output of node `scoreNode` (the logits), in double.
double classScore(Network& net, Backend& backend, const Tensor& x, size_t scoreNode, int64_t k) {
  net.forward(backend, x);
  return net.output(scoreNode).data()[k];
}

// Central differences of the class score at pixel (y, x) for every channel.
std::vector<double> finiteDifferences(Network& net, const Tensor& input, size_t scoreNode, int64_t k, int64_t y,
                                      int64_t x, float h) {
  ReferenceBackend backend;
  std::vector<double> result;
  for (int64_t c = 0; c < input.shape()[1]; ++c) {
    Tensor probe = input;
    probe.at(0, c, y, x) = input.at(0, c, y, x) + h;
    const double plus = classScore(net, backend, probe, scoreNode, k);
    probe.at(0, c, y, x) = input.at(0, c, y, x) - h;
    const double minus = classScore(net, backend, probe, scoreNode, k);
    result.push_back((plus - minus) / (2.0 * h));
  }
  return result;
}

float maxAbs(const Tensor& t) {
  float m = 0;
  for (float v : t.values()) m = std::max(m, std::abs(v));
  return m;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

} // namespace

TEST(Saliency, GradientOfASmallNetMatchesFiniteDifferences) {
  Network net = smallNet(3);
  const Tensor input = randomTensor({1, 2, 8, 8}, 9);
  ReferenceBackend backend;
  SaliencyOptions options;
  options.classIndex = 1;
  const SaliencyMap s = computeSaliency(net, backend, input, options);
  EXPECT_EQ(s.classIndex, 1);
  EXPECT_TRUE(std::isnan(s.probability)); // no softmax
  EXPECT_FLOAT_EQ(s.score, float(classScore(net, backend, input, net.size() - 1, 1)));
  ASSERT_EQ(s.map.shape(), (Shape{8, 8}));
  EXPECT_GT(maxAbs(s.map), 1e-3f);
  int checked = 0;
  for (int64_t i = 0; i < 64; i += 5, ++checked) { // 13 pixels spread over the image
    const int64_t y = i / 8, x = i % 8;
    const std::vector<double> d = finiteDifferences(net, input, net.size() - 1, 1, y, x, 1e-2f);
    const double expected = std::max(std::abs(d[0]), std::abs(d[1]));
    EXPECT_NEAR(s.map.data()[i], expected, 1e-3 + 1e-2 * expected) << "pixel " << y << "," << x;
  }
  EXPECT_GE(checked, 10);
}

TEST(Saliency, GradientOfLeNetOnADigitMatchesFiniteDifferences) {
  Model model = lenet();
  const Tensor input = digitInput(model, 0);
  ReferenceBackend backend;
  const SaliencyMap s = computeSaliency(model.network, backend, input, {});
  // The predicted class, its logit (the softmax's input) and its probability.
  const Tensor& probabilities = model.network.forward(backend, input);
  const auto& p = probabilities.values();
  EXPECT_EQ(s.classIndex, std::max_element(p.begin(), p.end()) - p.begin());
  EXPECT_EQ(s.classIndex, digits().labels[0]);
  EXPECT_FLOAT_EQ(s.probability, p[size_t(s.classIndex)]);
  const size_t logits = model.network.size() - 2;
  EXPECT_FLOAT_EQ(s.score, model.network.output(logits).data()[s.classIndex]);
  ASSERT_EQ(s.map.shape(), (Shape{32, 32}));

  // One channel: the map is the signed gradient. The 6 largest pixels and 6 spread ones.
  std::vector<int64_t> pixels(32 * 32);
  for (int64_t i = 0; i < 32 * 32; ++i) pixels[size_t(i)] = i;
  std::partial_sort(pixels.begin(), pixels.begin() + 6, pixels.end(),
                    [&](int64_t a, int64_t b) { return std::abs(s.map.data()[a]) > std::abs(s.map.data()[b]); });
  pixels.resize(6);
  for (int64_t i = 101; i < 32 * 32; i += 170) pixels.push_back(i);
  ASSERT_GE(pixels.size(), 10u);
  bool negative = false, positive = false;
  for (int64_t i : pixels) {
    const double d = finiteDifferences(model.network, input, logits, s.classIndex, i / 32, i % 32, 1e-2f)[0];
    EXPECT_NEAR(s.map.data()[i], d, 1e-3 + 2e-2 * std::abs(d)) << "pixel " << i / 32 << "," << i % 32;
    negative |= d<-1e-3, positive |= d> 1e-3;
  }
  EXPECT_TRUE(negative && positive); // signed, as promised for one channel
}

TEST(Saliency, GradCamMatchesAHandComputation) {
  // conv (same size) → flatten → dense: ∂score/∂A is the dense layer's row for the class.
  Network net(Shape{2, 5, 6});
  net.add(std::make_unique<Conv2D>("conv", 2, 3, conv3x3(1)));
  net.add(std::make_unique<Flatten>("flatten"));
  net.add(std::make_unique<Dense>("fc", 3 * 5 * 6, 4));
  net.add(std::make_unique<Softmax>("softmax"));
  randomize(net, 21);
  const Tensor input = randomTensor({1, 2, 5, 6}, 22);
  ReferenceBackend backend;
  SaliencyOptions options;
  options.method = SaliencyMethod::GradCam;
  options.classIndex = 2;
  const SaliencyMap s = computeSaliency(net, backend, input, options);
  EXPECT_EQ(s.layer, "conv");

  const Tensor a = net.layer(0).forward(backend, input); // (1, 3, 5, 6)
  const Tensor& w = layerAs<Dense>(net.layer(2))->weights();
  Tensor expected(Shape{5, 6});
  for (int64_t k = 0; k < 3; ++k) {
    double alpha = 0;
    for (int64_t i = 0; i < 30; ++i) alpha += w.data()[2 * 90 + k * 30 + i];
    alpha /= 30;
    for (int64_t i = 0; i < 30; ++i) expected.data()[i] += float(alpha * a.data()[k * 30 + i]);
  }
  for (float& v : expected.values()) v = std::max(v, 0.0f);
  EXPECT_GT(maxAbs(expected), 0.0f);
  EXPECT_LT(*std::min_element(expected.values().begin(), expected.values().end()), 1e-9f); // ReLU cut something
  EXPECT_TRUE(tensorsClose(s.map, expected, 1e-5f, 1e-4f));
}

TEST(Saliency, OcclusionMatchesAHandComputation) {
  // A linear model, score = Σ w·x + b: a square's drop is Σ over it of w·(x − fill).
  Network net(Shape{2, 6, 5});
  net.add(std::make_unique<Flatten>("flatten"));
  net.add(std::make_unique<Dense>("fc", 60, 3));
  randomize(net, 31);
  const Tensor input = randomTensor({1, 2, 6, 5}, 32);
  ReferenceBackend backend;
  SaliencyOptions options;
  options.method = SaliencyMethod::Occlusion;
  options.classIndex = 0;
  options.patch = 3;
  options.stride = 2;
  options.fill = 0.25f;
  const SaliencyMap s = computeSaliency(net, backend, input, options);
  const Tensor& w = layerAs<Dense>(net.layer(1))->weights();
  // Rows start at 0, 2 and 3 (the last flush with the end), columns at 0 and 2.
  Tensor sum(Shape{6, 5}), count(Shape{6, 5});
  for (int64_t top : {0, 2, 3})
    for (int64_t left : {0, 2}) {
      double drop = 0;
      for (int64_t c = 0; c < 2; ++c)
        for (int64_t y = top; y < top + 3; ++y)
          for (int64_t x = left; x < left + 3; ++x)
            drop += double(w.data()[c * 30 + y * 5 + x]) * (input.at(0, c, y, x) - 0.25);
      for (int64_t y = top; y < top + 3; ++y)
        for (int64_t x = left; x < left + 3; ++x) {
          sum.data()[y * 5 + x] += float(drop);
          count.data()[y * 5 + x] += 1;
        }
    }
  Tensor expected(Shape{6, 5});
  for (int64_t i = 0; i < 30; ++i) {
    ASSERT_GT(count.data()[i], 0) << "pixel " << i << " never covered";
    expected.data()[i] = sum.data()[i] / count.data()[i];
  }
  EXPECT_TRUE(tensorsClose(s.map, expected, 1e-4f, 1e-4f));
}

TEST(Saliency, OnednnMatchesReferenceForEveryMethod) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  Model model = lenet();
  const Tensor digit = digitInput(model, 1);
  Network small = smallNet(5);
  const Tensor random = randomTensor({1, 2, 8, 8}, 6);
  for (SaliencyMethod method : {SaliencyMethod::Gradient, SaliencyMethod::GradCam, SaliencyMethod::Occlusion})
    for (int net = 0; net < 2; ++net) {
      Network& network = net == 0 ? model.network : small;
      const Tensor& input = net == 0 ? digit : random;
      SaliencyOptions options;
      options.method = method;
      const SaliencyMap expected = computeSaliency(network, reference, input, options);
      const SaliencyMap actual = computeSaliency(network, onednn, input, options);
      SCOPED_TRACE(saliencyMethodName(method) + (net == 0 ? " on LeNet-5" : " on the small net"));
      EXPECT_EQ(actual.classIndex, expected.classIndex);
      EXPECT_NEAR(actual.score, expected.score, 1e-4 * std::abs(expected.score));
      EXPECT_EQ(std::isnan(actual.probability), std::isnan(expected.probability));
      if (!std::isnan(expected.probability)) {
        EXPECT_NEAR(actual.probability, expected.probability, 1e-5);
      }
      EXPECT_EQ(actual.layer, expected.layer);
      EXPECT_GT(maxAbs(expected.map), 0.0f);
      EXPECT_TRUE(tensorsClose(actual.map, expected.map, 1e-4f * maxAbs(expected.map), 1e-4f));
    }
}

TEST(Saliency, GradCamOfLeNetOnADigit) {
  Model model = lenet();
  OnednnBackend backend;
  SaliencyOptions options;
  options.method = SaliencyMethod::GradCam;
  for (size_t i = 0; i < 5; ++i) {
    const SaliencyMap s = computeSaliency(model.network, backend, digitInput(model, i), options);
    SCOPED_TRACE("digit " + std::to_string(i));
    EXPECT_EQ(s.layer, "conv2"); // conv3's maps are 1x1: they cannot say where
    ASSERT_EQ(s.map.shape(), (Shape{32, 32}));
    EXPECT_GE(*std::min_element(s.map.values().begin(), s.map.values().end()), 0.0f);
    EXPECT_GT(*std::max_element(s.map.values().begin(), s.map.values().end()), 0.0f);
  }
  // Another layer by name; conv3's 1x1 map upsamples to one value everywhere.
  options.layer = "conv1";
  EXPECT_EQ(computeSaliency(model.network, backend, digitInput(model, 0), options).layer, "conv1");
  options.layer = "conv3";
  const Tensor flat = computeSaliency(model.network, backend, digitInput(model, 0), options).map;
  EXPECT_EQ(*std::min_element(flat.values().begin(), flat.values().end()),
            *std::max_element(flat.values().begin(), flat.values().end()));
}

namespace {
// How an occlusion map of a test digit, carried back onto the 28x28 digit, splits between
// the stroke pixels (raw intensity above 0.5) and the background.
struct StrokeShare {
  double strokeMean = 0, backgroundMean = 0; // the mean drop over each
  double strokePositive = 0, positive = 0;   // the positive mass on the strokes, and in all
  double strokePixels = 0;                   // the strokes' share of the pixels
};
StrokeShare occlusionStrokeShare(Model& model, Backend& backend, size_t digit, const SaliencyOptions& options) {
  const SaliencyMap s = computeSaliency(model.network, backend, digitInput(model, digit), options);
  const Tensor map = saliencyForImage(s.map, *model.info.preprocess, 28, 28);
  const uint8_t* raw = digits().image(digit);
  StrokeShare share;
  int strokes = 0;
  for (int64_t k = 0; k < 28 * 28; ++k) {
    const float v = map.data()[k];
    const bool stroke = raw[k] > 127;
    (stroke ? share.strokeMean : share.backgroundMean) += v;
    strokes += stroke;
    share.positive += std::max(v, 0.0f);
    if (stroke) share.strokePositive += std::max(v, 0.0f);
  }
  share.strokeMean /= strokes;
  share.backgroundMean /= 28 * 28 - strokes;
  share.strokePixels = strokes / (28.0 * 28.0);
  return share;
}
} // namespace

TEST(Saliency, OcclusionOfDigitsFindsTheStrokes) {
  Model model = lenet();
  OnednnBackend backend;
  // The defaults: an 8x8 square of the input's mean (nearly black on a digit), stride 1.
  // Such a square covers stroke and background alike, so only the totals over 20 digits are
  // sure: the strokes (14% of the pixels) get about twice their share of the positive mass.
  SaliencyOptions options;
  options.method = SaliencyMethod::Occlusion;
  StrokeShare total;
  for (size_t i = 0; i < 20; ++i) {
    const StrokeShare d = occlusionStrokeShare(model, backend, i, options);
    total.strokeMean += d.strokeMean, total.backgroundMean += d.backgroundMean;
    total.strokePositive += d.strokePositive / d.positive, total.strokePixels += d.strokePixels;
  }
  EXPECT_GT(total.strokeMean, 1.5 * total.backgroundMean);
  EXPECT_GT(total.backgroundMean, 0.0);
  EXPECT_GT(total.strokePositive, 1.5 * total.strokePixels);

  // A 3x3 square of black (ink wiped out) is sharp enough for every digit: the mean drop over
  // the strokes is several times the background's, and the strokes hold far more than their
  // share of the positive mass (over all ten, more than half of it).
  options.patch = 3;
  options.fill = -model.info.preprocess->mean[0] / model.info.preprocess->stddev[0]; // a black pixel, normalized
  double strokePositive = 0, positive = 0;
  for (size_t i = 0; i < 10; ++i) {
    const StrokeShare d = occlusionStrokeShare(model, backend, i, options);
    SCOPED_TRACE("digit " + std::to_string(i) + " (a " + std::to_string(digits().labels[i]) + ")");
    EXPECT_GT(d.strokeMean, 4 * d.backgroundMean);
    EXPECT_GT(d.strokeMean, 0.0);
    EXPECT_GT(d.strokePositive / d.positive, 2.5 * d.strokePixels);
    strokePositive += d.strokePositive, positive += d.positive;
  }
  EXPECT_GT(strokePositive, 0.5 * positive);
}

TEST(Saliency, MapBackOntoTheImageAndItsPicture) {
  Preprocess pre; // 28x28 digits padded to 32x32: the map loses 2 pixels on each side
  Tensor model(Shape{32, 32});
  for (int64_t i = 0; i < 32 * 32; ++i) model.data()[i] = float(i);
  const Tensor image = saliencyForImage(model, pre, 28, 28);
  ASSERT_EQ(image.shape(), (Shape{28, 28}));
  EXPECT_EQ(image.data()[0], float(2 * 32 + 2));
  EXPECT_EQ(image.data()[27 * 28 + 27], float(29 * 32 + 29));
  EXPECT_EQ(saliencyForImage(model, pre, 56, 42).shape(), (Shape{56, 42}));

  // A black image; the map is +1 on the left half, −1 on the right, 0 in the last row.
  Tensor digit(Shape{1, 1, 28, 28}, 0.0f);
  Tensor map(Shape{28, 28});
  for (int64_t y = 0; y < 27; ++y)
    for (int64_t x = 0; x < 28; ++x) map.data()[y * 28 + x] = x < 14 ? 1.0f : -1.0f;
  const Tensor picture = saliencyOverlay(digit, map);
  ASSERT_EQ(picture.shape(), (Shape{1, 3, 280, 280 + kSaliencyLegendWidth})); // 10x, nearest neighbour
  const auto rgb = [&](int64_t y, int64_t x) {
    return std::array<float, 3>{picture.at(0, 0, y, x), picture.at(0, 1, y, x), picture.at(0, 2, y, x)};
  };
  EXPECT_GT(rgb(5, 5)[0], 2 * rgb(5, 5)[2]);        // positive: red
  EXPECT_GT(rgb(5, 275)[2], 2 * rgb(5, 275)[0]);    // negative: blue
  EXPECT_EQ(rgb(275, 5), (std::array<float, 3>{})); // 0: the black image shows through
}

TEST(Saliency, ErrorsNameTheProblem) {
  Model model = lenet();
  ReferenceBackend backend;
  const Tensor input = digitInput(model, 0);
  SaliencyOptions options;
  options.classIndex = 12;
  EXPECT_EQ(errorOf([&] { computeSaliency(model.network, backend, input, options); }),
            "class 12 is out of range: the model has 10 classes");
  options.classIndex = -2;
  EXPECT_EQ(errorOf([&] { computeSaliency(model.network, backend, input, options); }),
            "class -2 is out of range: the model has 10 classes");
  options = {};
  options.method = SaliencyMethod::GradCam;
  options.layer = "conv9";
  EXPECT_EQ(errorOf([&] { computeSaliency(model.network, backend, input, options); }),
            "Grad-CAM: the model has no layer 'conv9' before its scores; its Conv2D layers are conv1, conv2, conv3");
  options.layer = "fc1";
  EXPECT_EQ(errorOf([&] { computeSaliency(model.network, backend, input, options); }),
            "Grad-CAM: layer 'fc1' has no feature maps (its output is 1x84); choose a Conv2D layer: conv1, conv2, "
            "conv3");
  options = {};
  options.method = SaliencyMethod::Occlusion;
  options.patch = 33;
  EXPECT_EQ(errorOf([&] { computeSaliency(model.network, backend, input, options); }),
            "occlusion: patch 33 is larger than the input 32x32");
  EXPECT_EQ(errorOf([&] {
              computeSaliency(model.network, backend, Tensor(Shape{1, 1, 28, 28}), {});
            }),
            "saliency: expects one input 1x1x32x32 (the model's, preprocessed), got 1x1x28x28");
  EXPECT_EQ(errorOf([] { parseSaliencyMethod("lime"); }),
            "unknown saliency method 'lime' (expected gradient, gradcam or occlusion)");
  for (SaliencyMethod m : {SaliencyMethod::Gradient, SaliencyMethod::GradCam, SaliencyMethod::Occlusion})
    EXPECT_EQ(parseSaliencyMethod(saliencyMethodName(m)), m);
}
