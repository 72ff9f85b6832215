// Layers: output shapes, parameter and multiply-accumulate counts (the lecture's LeNet-5
// has 61,706 parameters), forward through a backend, and errors that name the layer.
#include "TestUtils.h"

#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <gtest/gtest.h>

#include <memory>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensor;
using convscope::test::tensorsClose;

namespace {
Conv2DGeometry kernel(int64_t k) {
  Conv2DGeometry g;
  g.kernelH = g.kernelW = k;
  return g;
}
Pool2DGeometry avg2() {
  Pool2DGeometry g;
  g.mode = PoolMode::Average;
  return g;
}
} // namespace

TEST(Layers, LeNet5TableShapesAndParameters) {
  std::vector<std::unique_ptr<Layer>> net;
  net.push_back(std::make_unique<Conv2D>("conv1", 1, 6, kernel(5)));
  net.push_back(std::make_unique<Activation>("tanh1", ActivationKind::Tanh));
  net.push_back(std::make_unique<Pool2D>("pool1", avg2()));
  net.push_back(std::make_unique<Conv2D>("conv2", 6, 16, kernel(5)));
  net.push_back(std::make_unique<Activation>("tanh2", ActivationKind::Tanh));
  net.push_back(std::make_unique<Pool2D>("pool2", avg2()));
  net.push_back(std::make_unique<Conv2D>("conv3", 16, 120, kernel(5)));
  net.push_back(std::make_unique<Activation>("tanh3", ActivationKind::Tanh));
  net.push_back(std::make_unique<Flatten>("flatten"));
  net.push_back(std::make_unique<Dense>("fc1", 120, 84));
  net.push_back(std::make_unique<Activation>("tanh4", ActivationKind::Tanh));
  net.push_back(std::make_unique<Dense>("fc2", 84, 10));
  net.push_back(std::make_unique<Softmax>("softmax"));

  const std::vector<Shape> expected{{1, 6, 28, 28}, {1, 6, 28, 28}, {1, 6, 14, 14}, {1, 16, 10, 10}, {1, 16, 10, 10},
                                    {1, 16, 5, 5},  {1, 120, 1, 1}, {1, 120, 1, 1}, {1, 120},        {1, 84},
                                    {1, 84},        {1, 10},        {1, 10}};
  Shape shape{1, 1, 32, 32};
  int64_t parameters = 0, macs = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    macs += net[i]->macCount(shape);
    shape = net[i]->outputShape(shape);
    EXPECT_EQ(shape, expected[i]) << net[i]->describe();
    parameters += net[i]->parameterCount();
  }
  EXPECT_EQ(parameters, 61'706);
  // 28·28·6·25 + 10·10·16·150 + 120·400 + 120·84 + 84·10
  EXPECT_EQ(macs, 117'600 + 240'000 + 48'000 + 10'080 + 840);

  // And it runs: a forward pass gives 10 probabilities summing to one on both backends.
  for (BackendKind kind : {BackendKind::Reference, BackendKind::Onednn}) {
    auto backend = makeBackend(kind);
    unsigned seed = 1;
    for (auto& layer : net)
      for (Tensor* p : layer->parameters()) *p = randomTensor(p->shape(), seed++, -0.2f, 0.2f);
    Tensor x = randomTensor({2, 1, 32, 32}, 99, 0, 1);
    for (auto& layer : net) x = layer->forward(*backend, x);
    ASSERT_EQ(x.shape(), (Shape{2, 10}));
    for (int n = 0; n < 2; ++n) {
      float total = 0;
      for (int k = 0; k < 10; ++k) total += x.data()[n * 10 + k];
      EXPECT_NEAR(total, 1.0f, 1e-5f);
    }
  }
}

TEST(Layers, DepthwiseAndPointwiseCounts) {
  // MobileNet's separable convolution: depthwise 3x3 on 32 channels, then pointwise 1x1 to 64.
  Conv2DGeometry dw = kernel(3);
  dw.groups = 32;
  dw.padTop = dw.padBottom = dw.padLeft = dw.padRight = 1;
  Conv2D depthwise("dw", 32, 32, dw, false);
  Conv2D pointwise("pw", 32, 64, kernel(1), false);
  Conv2D standard(
      "std", 32, 64,
      [] {
        Conv2DGeometry g;
        g.padTop = g.padBottom = g.padLeft = g.padRight = 1;
        return g;
      }(),
      false);
  const Shape src{1, 32, 56, 56};
  EXPECT_EQ(depthwise.parameterCount(), 32 * 9);
  EXPECT_EQ(pointwise.parameterCount(), 32 * 64);
  EXPECT_EQ(standard.parameterCount(), 32 * 64 * 9);
  EXPECT_EQ(depthwise.macCount(src) + pointwise.macCount(depthwise.outputShape(src)), 56 * 56 * (32 * 9 + 32 * 64));
  EXPECT_EQ(standard.macCount(src), 56 * 56 * 64 * 32 * 9);
}

TEST(Layers, ErrorsNameTheLayerAndNumbers) {
  Conv2D conv("conv1", 3, 8, kernel(7));
  try {
    conv.outputShape(Shape{1, 1, 32, 32});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Conv2D 'conv1': expects 3 input channel(s), got 1 (input 1x1x32x32)");
  }
  try {
    conv.outputShape(Shape{1, 3, 5, 5});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Conv2D 'conv1': kernel 7x7 is larger than the padded input 5x5");
  }
  Dense fc("fc1", 120, 84);
  try {
    fc.outputShape(Shape{1, 16, 5, 5});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Dense 'fc1': expects (N, 120) input, got 1x16x5x5 (add a Flatten first)");
  }
  Conv2DGeometry g = kernel(3);
  g.groups = 2;
  EXPECT_THROW(Conv2D("bad", 3, 4, g), std::invalid_argument);
}

TEST(Layers, FlattenKeepsChannelRowColumnOrder) {
  auto backend = makeBackend(BackendKind::Reference);
  Flatten flatten("flatten");
  const Tensor x = tensor({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor y = flatten.forward(*backend, x);
  EXPECT_TRUE(tensorsClose(y, tensor({1, 8}, {1, 2, 3, 4, 5, 6, 7, 8})));
}

TEST(Layers, DenseComputesWeightRowTimesInputPlusBias) {
  auto backend = makeBackend(BackendKind::Onednn);
  Dense fc("fc", 3, 2);
  fc.weights() = tensor({2, 3}, {1, 2, 3, -1, 0, 1});
  fc.bias() = tensor({2}, {0.5f, -2});
  const Tensor y = fc.forward(*backend, tensor({1, 3}, {1, 1, 2}));
  EXPECT_TRUE(tensorsClose(y, tensor({1, 2}, {1 + 2 + 6 + 0.5f, -1 + 0 + 2 - 2})));
}
