// Gradients: every layer's backward against central finite differences of its own forward
// (flashlight's jacobianTestImpl idea: L = Σ dst ⊙ R for a random R, so ∂L/∂dst = R), and the
// oneDNN backward against the reference backward on sweeps of configurations.
#include "TestUtils.h"

#include "engine/network/Network.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/Activation.h"
#include "engine/layers/ChannelShuffle.h"
#include "engine/layers/ChannelSlice.h"
#include "engine/layers/ChannelScale.h"
#include "engine/layers/ChannelShift.h"
#include "engine/layers/LayerNorm.h"
#include "engine/layers/PReLU.h"
#include "engine/layers/Clamp.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Dropout.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/GlobalAvgPool.h"
#include "engine/layers/LocalResponseNorm.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensorsClose;

namespace {

// L(x) = Σ layer(x) ⊙ R, in double.
double weightedSum(Layer& layer, Backend& backend, const Tensor& src, const Tensor& r) {
  const Tensor dst = layer.forward(backend, src);
  double sum = 0;
  for (int64_t i = 0; i < dst.size(); ++i) sum += double(dst.data()[i]) * r.data()[i];
  return sum;
}

// Checks diff_src and every parameter gradient of `layer` at `src` against central
// differences with step h, on the reference backend.
void checkGradients(Layer& layer, Tensor src, float h = 1e-2f, float tolerance = 2e-2f) {
  ReferenceBackend backend;
  const Tensor dst = layer.forward(backend, src);
  const Tensor r = randomTensor(dst.shape(), 77, -1, 1);
  Tensor diffSrc(src.shape());
  layer.backward(backend, src, dst, r, &diffSrc);
  std::vector<Tensor> analytic;
  for (Tensor* g : layer.gradients()) analytic.push_back(*g);

  auto numeric = [&](Tensor& x) {
    Tensor result(x.shape());
    for (int64_t i = 0; i < x.size(); ++i) {
      const float saved = x.data()[i];
      x.data()[i] = saved + h;
      const double plus = weightedSum(layer, backend, src, r);
      x.data()[i] = saved - h;
      const double minus = weightedSum(layer, backend, src, r);
      x.data()[i] = saved;
      result.data()[i] = static_cast<float>((plus - minus) / (2.0 * h));
    }
    return result;
  };
  EXPECT_TRUE(tensorsClose(diffSrc, numeric(src), tolerance, tolerance)) << layer.describe() << " diff_src";
  const std::vector<Tensor*> params = layer.parameters();
  ASSERT_EQ(params.size(), analytic.size());
  for (size_t k = 0; k < params.size(); ++k)
    EXPECT_TRUE(tensorsClose(analytic[k], numeric(*params[k]), tolerance, tolerance))
        << layer.describe() << " parameter " << k;
}

// Values at least `gap` apart in random order: max pooling and ReLU have kinks, and a
// finite difference across one measures nothing useful.
Tensor spreadValues(Shape shape, unsigned seed, float gap, float offset) {
  Tensor t(std::move(shape));
  std::vector<float> values(static_cast<size_t>(t.size()));
  for (size_t i = 0; i < values.size(); ++i) values[i] = offset + gap * float(i);
  std::shuffle(values.begin(), values.end(), std::mt19937(seed));
  t.values() = values;
  return t;
}

Conv2DGeometry geometry(int64_t k, int64_t s, int64_t pad, int64_t d, int64_t groups) {
  Conv2DGeometry g;
  g.kernelH = k, g.kernelW = std::max<int64_t>(1, k - 1);
  g.strideH = s, g.strideW = 1 + (s % 2);
  g.padTop = pad, g.padBottom = (pad + 1) % 3, g.padLeft = pad % 2, g.padRight = pad;
  g.dilationH = d, g.dilationW = 1;
  g.groups = groups;
  return g;
}

} // namespace

TEST(Gradients, Conv2DFiniteDifferences) {
  int index = 0;
  for (int64_t k : {1, 2, 3})
    for (int64_t s : {1, 2})
      for (int64_t d : {1, 2})
        for (int64_t groups : {1, 2}) {
          const int64_t in = 2, out = groups == 1 ? 3 : 4;
          Conv2D conv("conv", in, out, geometry(k, s, index % 3, d, groups), index % 2 == 0);
          unsigned seed = static_cast<unsigned>(index);
          for (Tensor* p : conv.parameters()) *p = randomTensor(p->shape(), seed += 11);
          SCOPED_TRACE(conv.describe());
          checkGradients(conv, randomTensor({2, in, 6, 5}, 1000 + index));
          ++index;
        }
  EXPECT_EQ(index, 24);
}

TEST(Gradients, PoolingFiniteDifferences) {
  for (int variant = 0; variant < 4; ++variant) // max, average, average leaving padding out, sum
    for (int64_t k : {2, 3})
      for (int64_t pad : {0, 1}) {
        Pool2DGeometry g;
        g.mode = variant == 0 ? PoolMode::Max : variant == 3 ? PoolMode::Sum : PoolMode::Average;
        g.countPadding = variant != 2;
        g.kernelH = g.kernelW = k;
        g.strideH = 2, g.strideW = 1;
        g.padTop = g.padLeft = pad;
        Pool2D pool("pool", g);
        SCOPED_TRACE(pool.describe());
        checkGradients(pool, spreadValues({2, 2, 6, 5}, 5, 0.05f, -3.0f));
      }
}

TEST(Gradients, ActivationsDenseSoftmaxFlatten) {
  for (ActivationKind kind :
       {ActivationKind::ReLU, ActivationKind::LeakyReLU, ActivationKind::Tanh, ActivationKind::Sigmoid}) {
    Activation a("act", kind, 0.1f);
    SCOPED_TRACE(toString(kind));
    checkGradients(a, spreadValues({2, 3, 4, 2}, 3, 0.05f, -1.225f)); // none within h of the kink at 0
  }
  { // ReLU6: values from −2 to 12, none within h of the kinks at 0 and 6
    Activation relu6("act", ActivationKind::ReLU6);
    checkGradients(relu6, spreadValues({2, 3, 4, 2}, 3, 0.3f, -2.05f));
  }
  // ELU, hard sigmoid, hard swish, SiLU with their default parameters: values from −6.1 to
  // 8.0, none within h of the hard ones' bends at −3 and 3.
  for (ActivationKind kind : {ActivationKind::ELU, ActivationKind::HardSigmoid, ActivationKind::HardSwish,
                              ActivationKind::SiLU, ActivationKind::SELU,
                              ActivationKind::GELU, ActivationKind::GELUTanh}) {
    Activation a("act", kind, defaultActivationAlpha(kind));
    SCOPED_TRACE(toString(kind));
    checkGradients(a, spreadValues({2, 3, 4, 2}, 3, 0.3f, -6.05f));
  }
  Dense fc("fc", 7, 4);
  fc.weights() = randomTensor(fc.weights().shape(), 1);
  fc.bias() = randomTensor(fc.bias().shape(), 2);
  checkGradients(fc, randomTensor({3, 7}, 3));
  Softmax softmax("softmax");
  checkGradients(softmax, randomTensor({3, 5}, 4, -2, 2), 1e-2f, 1e-2f);
  Flatten flatten("flatten");
  checkGradients(flatten, randomTensor({2, 3, 2, 2}, 5));
}

TEST(Gradients, GlobalAveragePoolingAndDropout) {
  GlobalAvgPool gap("gap");
  checkGradients(gap, randomTensor({2, 3, 5, 4}, 6));
  // Dropout in evaluation is the identity, forward and backward.
  Dropout drop("drop", 0.4f);
  checkGradients(drop, randomTensor({2, 3, 4, 4}, 7));
  // Training: about p of the values dropped, the rest scaled by 1/(1 − p); the gradient
  // goes back through the same mask.
  ReferenceBackend backend;
  drop.setTraining(true);
  const Tensor src = randomTensor({4, 8, 16, 16}, 8, 0.5f, 1.5f);
  const Tensor dst = drop.forward(backend, src);
  int64_t dropped = 0;
  for (int64_t i = 0; i < dst.size(); ++i) {
    if (dst.data()[i] == 0.0f)
      ++dropped;
    else
      ASSERT_FLOAT_EQ(dst.data()[i], src.data()[i] / 0.6f);
  }
  EXPECT_NEAR(double(dropped) / double(dst.size()), 0.4, 0.02);
  const Tensor diffDst = randomTensor(dst.shape(), 9);
  Tensor diffSrc(src.shape());
  drop.backward(backend, src, dst, diffDst, &diffSrc);
  for (int64_t i = 0; i < dst.size(); ++i)
    ASSERT_FLOAT_EQ(diffSrc.data()[i], dst.data()[i] == 0.0f ? 0.0f : diffDst.data()[i] / 0.6f);
  const Tensor again = drop.forward(backend, src); // a new draw every batch
  EXPECT_NE(again.values(), dst.values());
  EXPECT_THROW(Dropout("bad", 1.0f), std::invalid_argument);
}

TEST(Gradients, ChannelShuffleAndSliceMoveValuesAndTheirGradientsBack) {
  // ShuffleNet's shuffle of 6 channels in 2 groups (x.view(N, 2, 3, H, W).transpose(1, 2)):
  // output channels read inputs 0, 3, 1, 4, 2, 5; in 3 groups: 0, 2, 4, 1, 3, 5.
  EXPECT_EQ(ChannelShuffle("s", 2).order(6), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(ChannelShuffle("s", 3).order(6), (std::vector<int64_t>{0, 2, 4, 1, 3, 5}));
  ChannelShuffle shuffle("shuffle", 2);
  ChannelSlice slice("slice", 2, 5);
  checkGradients(shuffle, randomTensor({2, 6, 3, 4}, 11));
  checkGradients(slice, randomTensor({2, 6, 3, 4}, 12));
  checkGradients(slice, randomTensor({3, 7}, 13)); // a vector's features too
  // Exact values on both backends, in both layouts: a copy moves every value unchanged.
  const Tensor src = randomTensor({2, 6, 3, 4}, 14);
  ReferenceBackend reference;
  OnednnBackend onednn;
  const Tensor shuffled = shuffle.forward(reference, src), sliced = slice.forward(reference, src);
  ASSERT_EQ(sliced.shape(), (Shape{2, 3, 3, 4}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 6; ++c)
      for (int64_t h = 0; h < 3; ++h)
        for (int64_t w = 0; w < 4; ++w) {
          ASSERT_EQ(shuffled.at(n, c, h, w), src.at(n, shuffle.order(6)[size_t(c)], h, w));
          if (c < 3) {
            ASSERT_EQ(sliced.at(n, c, h, w), src.at(n, 2 + c, h, w));
          }
        }
  const Tensor nhwc = src.inLayout(Layout::NHWC);
  Tensor shuffledNhwc(src.shape(), 0.0f, Layout::NHWC), slicedNhwc(sliced.shape(), 0.0f, Layout::NHWC);
  shuffle.forwardInto(onednn, nhwc, shuffledNhwc);
  slice.forwardInto(onednn, nhwc, slicedNhwc);
  EXPECT_EQ(shuffledNhwc.inLayout(Layout::NCHW).values(), shuffled.values());
  EXPECT_EQ(slicedNhwc.inLayout(Layout::NCHW).values(), sliced.values());
  // Backward in NHWC equals backward in NCHW; a slice's left-out channels get zero.
  const Tensor diffDst = randomTensor(sliced.shape(), 15);
  Tensor diffSrc(src.shape()), diffSrcNhwc(src.shape(), 1.0f, Layout::NHWC);
  slice.backward(reference, src, sliced, diffDst, &diffSrc);
  slice.backward(onednn, nhwc, slicedNhwc, diffDst.inLayout(Layout::NHWC), &diffSrcNhwc);
  EXPECT_EQ(diffSrcNhwc.inLayout(Layout::NCHW).values(), diffSrc.values());
  EXPECT_EQ(diffSrc.at(1, 0, 2, 3), 0.0f);
  EXPECT_EQ(diffSrc.at(1, 5, 2, 3), 0.0f);
  EXPECT_EQ(diffSrc.at(1, 3, 2, 3), diffDst.at(1, 1, 2, 3));
  EXPECT_THROW(ChannelSlice("bad", 3, 3), std::invalid_argument);
  EXPECT_THROW(slice.outputShape({1, 4, 2, 2}), std::invalid_argument);
  EXPECT_THROW(ChannelShuffle("bad", 0), std::invalid_argument);
}

TEST(Gradients, LayerNormAndChannelScaleFiniteDifferences) {
  // γ and β away from 1 and 0 so that their gradients and their place in diff_src are tested;
  // maps (normalized over the channels at each position) and vectors (over the features).
  LayerNorm maps("ln", 5, 1e-3f), vectors("ln_flat", 7, 1e-5f);
  for (LayerNorm* ln : {&maps, &vectors}) {
    ln->gamma() = randomTensor(ln->gamma().shape(), 21, 0.5f, 1.5f);
    ln->beta() = randomTensor(ln->beta().shape(), 22, -0.5f, 0.5f);
  }
  checkGradients(maps, randomTensor({2, 5, 3, 4}, 23), 1e-2f, 2e-2f);
  checkGradients(vectors, randomTensor({3, 7}, 24), 1e-2f, 2e-2f);
  ChannelScale scale("scale", 5, 0.25f);
  scale.gamma() = randomTensor(scale.gamma().shape(), 25, -2.0f, 2.0f);
  checkGradients(scale, randomTensor({2, 5, 3, 4}, 26));
  ChannelShift shift("shift", 5);
  shift.shift() = randomTensor(shift.shift().shape(), 35, -2.0f, 2.0f);
  checkGradients(shift, randomTensor({2, 5, 3, 4}, 36));
  checkGradients(shift, randomTensor({3, 5}, 37));
  // Every position's channels have mean β and standard deviation |γ| (up to ε) after it.
  ReferenceBackend reference;
  OnednnBackend onednn;
  LayerNorm plain("plain", 6, 1e-6f);
  const Tensor src = randomTensor({2, 6, 4, 5}, 27, -3.0f, 5.0f);
  const Tensor dst = plain.forward(reference, src);
  for (int64_t h = 0; h < 4; ++h) {
    double mean = 0, square = 0;
    for (int64_t c = 0; c < 6; ++c) mean += dst.at(1, c, h, 2) / 6.0, square += dst.at(1, c, h, 2) * dst.at(1, c, h, 2) / 6.0;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(square, 1.0, 1e-4);
  }
  // NHWC (the oneDNN backend's maps) computes what NCHW computes, forward and backward.
  Tensor dstNhwc(Shape{2, 5, 3, 4}, 0.0f, Layout::NHWC);
  maps.forwardInto(onednn, randomTensor({2, 5, 3, 4}, 23).inLayout(Layout::NHWC), dstNhwc);
  EXPECT_TRUE(tensorsClose(dstNhwc.inLayout(Layout::NCHW), maps.forward(reference, randomTensor({2, 5, 3, 4}, 23)),
                           1e-6f, 1e-6f));
  const Tensor x = randomTensor({2, 5, 3, 4}, 28), dy = randomTensor({2, 5, 3, 4}, 29);
  Tensor dx(x.shape()), dxNhwc(x.shape(), 0.0f, Layout::NHWC);
  maps.backward(reference, x, maps.forward(reference, x), dy, &dx);
  const std::vector<Tensor> gradients{*maps.gradients()[0], *maps.gradients()[1]};
  maps.backward(onednn, x.inLayout(Layout::NHWC), dstNhwc, dy.inLayout(Layout::NHWC), &dxNhwc);
  EXPECT_TRUE(tensorsClose(dxNhwc.inLayout(Layout::NCHW), dx, 1e-6f, 1e-6f));
  EXPECT_TRUE(tensorsClose(*maps.gradients()[0], gradients[0], 1e-6f, 1e-6f));
  EXPECT_THROW(LayerNorm("bad", 4, 0.0f), std::invalid_argument);
  // PReLU, per channel and shared, on values at least 0.025 from its kink at 0.
  PReLU perChannel("prelu", 4, 0.3f), shared("prelu_shared", 1, -0.2f);
  perChannel.slopes() = randomTensor(perChannel.slopes().shape(), 30, -0.5f, 0.8f);
  checkGradients(perChannel, spreadValues({2, 4, 3, 3}, 31, 0.05f, -1.775f));
  checkGradients(shared, spreadValues({3, 8}, 32, 0.05f, -0.575f));
  EXPECT_THROW(perChannel.outputShape({1, 3, 2, 2}), std::invalid_argument);
  // Clamp, both bounds and one, on values at least 0.025 from its bounds.
  Clamp both("clamp", -0.5f, 0.5f), below("clamp_below", -0.5f, std::numeric_limits<float>::infinity());
  checkGradients(both, spreadValues({2, 3, 4, 4}, 33, 0.05f, -2.375f));
  checkGradients(below, spreadValues({2, 3, 4, 4}, 34, 0.05f, -2.375f));
  EXPECT_THROW(Clamp("bad", 1.0f, 0.5f), std::invalid_argument);
  EXPECT_THROW(maps.outputShape({1, 4, 2, 2}), std::invalid_argument);
}

TEST(Gradients, LocalResponseNormFiniteDifferences) {
  // A strong normalization (alpha 2: the neighbours matter) and AlexNet's (size 5, k 2), with
  // more channels than the window so windows are clipped at both ends and whole in the middle.
  LrnParams strong;
  strong.size = 3, strong.alpha = 2.0f, strong.beta = 0.75f, strong.k = 1.0f;
  LrnParams alexnet;
  alexnet.size = 5, alexnet.alpha = 1e-4f, alexnet.beta = 0.75f, alexnet.k = 2.0f;
  for (const LrnParams& p : {strong, alexnet}) {
    LocalResponseNorm lrn("lrn", p);
    SCOPED_TRACE(lrn.describe());
    checkGradients(lrn, randomTensor({2, 7, 3, 2}, 21, -2.0f, 2.0f), 1e-2f, 1e-2f);
  }
  // Against the formula at one value: channel 0 of 3, window {0, 1}.
  ReferenceBackend backend;
  LocalResponseNorm lrn("lrn", strong);
  const Tensor x(Shape{1, 3, 1, 1}, std::vector<float>{1.0f, 2.0f, 3.0f});
  const Tensor y = lrn.forward(backend, x);
  EXPECT_NEAR(y.values()[0], 1.0 / std::pow(1.0 + 2.0 / 3.0 * (1.0 + 4.0), 0.75), 1e-6);
  EXPECT_NEAR(y.values()[1], 2.0 / std::pow(1.0 + 2.0 / 3.0 * (1.0 + 4.0 + 9.0), 0.75), 1e-6);
}

TEST(Gradients, WholeNetworkBackwardMatchesFiniteDifferences) {
  // A small LeNet-like network: the chain of backward passes, not just each layer alone.
  Network net(Shape{1, 8, 8});
  Conv2DGeometry g;
  net.add(std::make_unique<Conv2D>("conv1", 1, 3, g));
  net.add(std::make_unique<Activation>("tanh", ActivationKind::Tanh));
  Pool2DGeometry pool;
  pool.mode = PoolMode::Average;
  net.add(std::make_unique<Pool2D>("pool", pool));
  net.add(std::make_unique<Flatten>("flatten"));
  net.add(std::make_unique<Dense>("fc", 27, 4));
  unsigned seed = 1;
  for (Tensor* p : net.parameters()) *p = randomTensor(p->shape(), seed++, -0.5f, 0.5f);
  ReferenceBackend backend;
  const Tensor x = randomTensor({2, 1, 8, 8}, 9);
  const Tensor r = randomTensor({2, 4}, 10);
  net.forward(backend, x);
  net.backward(backend, r, net.size());
  const float h = 1e-2f;
  std::vector<Tensor*> params = net.parameters(), grads = net.gradients();
  for (size_t k = 0; k < params.size(); ++k)
    for (int64_t i = 0; i < params[k]->size(); i += 3) {
      float& w = params[k]->data()[i];
      const float saved = w;
      auto loss = [&] {
        const Tensor& y = net.forward(backend, x);
        return std::inner_product(y.values().begin(), y.values().end(), r.values().begin(), 0.0);
      };
      w = saved + h;
      const double plus = loss();
      w = saved - h;
      const double minus = loss();
      w = saved;
      EXPECT_NEAR(grads[k]->data()[i], (plus - minus) / (2 * h), 2e-3) << "parameter " << k << " index " << i;
    }
}

TEST(Gradients, OnednnBackwardMatchesReferenceOnASweep) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  int index = 0;
  for (int64_t kernel = 1; kernel <= 7; kernel += 2)
    for (int64_t stride = 1; stride <= 3; ++stride)
      for (int64_t dilation = 1; dilation <= 3; ++dilation)
        for (bool depthwise : {false, true}) {
          ++index;
          const int64_t channels = depthwise ? 4 : 1 + index % 3;
          const int64_t outChannels = depthwise ? 4 : 1 + index % 5;
          Conv2DGeometry g;
          g.kernelH = kernel, g.kernelW = std::max<int64_t>(1, kernel - 1);
          g.strideH = stride, g.strideW = 1 + index % 3;
          g.dilationH = dilation, g.dilationW = 1 + (index + 1) % 3;
          g.padTop = index % 4, g.padBottom = (index + 1) % 4, g.padLeft = (index + 2) % 4, g.padRight = index % 3;
          g.groups = depthwise ? channels : 1;
          const int64_t h = g.dilationH * (g.kernelH - 1) + 1 + index % 5, w = g.dilationW * (g.kernelW - 1) + 2;
          const Tensor src = randomTensor({1 + index % 4, channels, h, w}, 10 + index);
          const Tensor weights = randomTensor({outChannels, channels / g.groups, g.kernelH, g.kernelW}, 20 + index);
          const Shape dstShape = conv2dOutputShape(src.shape(), outChannels, g);
          const Tensor diffDst = randomTensor(dstShape, 30 + index);
          Tensor refSrc(src.shape()), oneSrc(src.shape()), refW(weights.shape()), oneW(weights.shape()),
              refB({outChannels}), oneB({outChannels});
          reference.conv2dBackwardData(g, weights, diffDst, refSrc);
          onednn.conv2dBackwardData(g, weights, diffDst, oneSrc);
          reference.conv2dBackwardWeights(g, src, diffDst, refW, &refB);
          onednn.conv2dBackwardWeights(g, src, diffDst, oneW, &oneB);
          SCOPED_TRACE(g.toString() + " on " + src.shape().toString());
          ASSERT_TRUE(tensorsClose(oneSrc, refSrc, 1e-4f, 1e-4f));
          ASSERT_TRUE(tensorsClose(oneW, refW, 1e-3f, 1e-4f));
          ASSERT_TRUE(tensorsClose(oneB, refB, 1e-4f, 1e-4f));
        }
  EXPECT_EQ(index, 4 * 3 * 3 * 2);

  for (int variant = 0; variant < 4; ++variant) // max, average, average leaving padding out, sum
    for (int64_t k = 1; k <= 3; ++k)
      for (int64_t s = 1; s <= 3; ++s) {
        Pool2DGeometry g;
        g.mode = variant == 0 ? PoolMode::Max : variant == 3 ? PoolMode::Sum : PoolMode::Average;
        g.countPadding = variant != 2;
        g.kernelH = g.kernelW = k, g.strideH = s, g.strideW = 1 + s % 2;
        g.padTop = k - 1, g.padRight = k > 1 ? 1 : 0;
        const Tensor src = spreadValues({2, 3, 7, 6}, static_cast<unsigned>(k * 10 + s), 0.01f, -1.0f);
        const Tensor diffDst = randomTensor(pool2dOutputShape(src.shape(), g), static_cast<unsigned>(k + s));
        Tensor expected(src.shape()), actual(src.shape());
        reference.pool2dBackward(g, src, diffDst, expected);
        onednn.pool2dBackward(g, src, diffDst, actual);
        ASSERT_TRUE(tensorsClose(actual, expected, 1e-5f, 1e-5f)) << g.toString();
      }

  const Tensor x = spreadValues({3, 2, 5, 4}, 1, 0.03f, -1.7f);
  const Tensor gy = randomTensor(x.shape(), 2);
  for (ActivationKind kind : {ActivationKind::None, ActivationKind::ReLU, ActivationKind::LeakyReLU,
                              ActivationKind::Tanh, ActivationKind::Sigmoid, ActivationKind::ReLU6,
                              ActivationKind::ELU, ActivationKind::HardSigmoid, ActivationKind::HardSwish,
                              ActivationKind::SiLU, ActivationKind::SELU,
                              ActivationKind::GELU, ActivationKind::GELUTanh}) {
    Tensor y(x.shape()), expected(x.shape()), actual(x.shape());
    reference.activationForward(kind, 0.2f, x, y);
    reference.activationBackward(kind, 0.2f, x, y, gy, expected);
    onednn.activationBackward(kind, 0.2f, x, y, gy, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-5f, 1e-5f)) << toString(kind);
  }
  for (bool bias : {true, false}) {
    const Tensor src = randomTensor({5, 19}, 3), weights = randomTensor({6, 19}, 4), diff = randomTensor({5, 6}, 5);
    Tensor refSrc(src.shape()), oneSrc(src.shape()), refW(weights.shape()), oneW(weights.shape()), refB({6}), oneB({6});
    reference.denseBackwardData(weights, diff, refSrc);
    onednn.denseBackwardData(weights, diff, oneSrc);
    reference.denseBackwardWeights(src, diff, refW, bias ? &refB : nullptr);
    onednn.denseBackwardWeights(src, diff, oneW, bias ? &oneB : nullptr);
    EXPECT_TRUE(tensorsClose(oneSrc, refSrc, 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(oneW, refW, 1e-4f, 1e-4f));
    if (bias) {
      EXPECT_TRUE(tensorsClose(oneB, refB, 1e-4f, 1e-4f));
    }
  }
  Tensor logits = randomTensor({4, 9}, 6, -3, 3), probabilities({4, 9});
  reference.softmaxForward(logits, probabilities);
  const Tensor gp = randomTensor({4, 9}, 7);
  Tensor expected({4, 9}), actual({4, 9});
  reference.softmaxBackward(probabilities, gp, expected);
  onednn.softmaxBackward(probabilities, gp, actual);
  EXPECT_TRUE(tensorsClose(actual, expected, 1e-6f, 1e-5f));
}

TEST(Gradients, LeNetOnOnednnInNhwcMatchesReferenceInNchw) {
  // The whole network, forward and backward, on the two backends and their two layouts.
  auto build = [] {
    Network net(Shape{1, 12, 12});
    Conv2DGeometry g;
    net.add(std::make_unique<Conv2D>("conv1", 1, 4, g));
    net.add(std::make_unique<Activation>("relu", ActivationKind::ReLU));
    Pool2DGeometry pool; // max 2x2
    net.add(std::make_unique<Pool2D>("pool", pool));
    Conv2DGeometry g2;
    g2.kernelH = g2.kernelW = 2;
    net.add(std::make_unique<Conv2D>("conv2", 4, 6, g2));
    net.add(std::make_unique<Flatten>("flatten"));
    net.add(std::make_unique<Dense>("fc", 6 * 4 * 4, 3));
    unsigned seed = 5;
    for (Tensor* p : net.parameters()) *p = randomTensor(p->shape(), seed++, -0.5f, 0.5f);
    return net;
  };
  Network a = build(), b = build();
  ReferenceBackend reference;
  OnednnBackend onednn;
  const Tensor x = randomTensor({3, 1, 12, 12}, 1);
  const Tensor r = randomTensor({3, 3}, 2);
  EXPECT_TRUE(tensorsClose(b.forward(onednn, x), a.forward(reference, x), 1e-4f, 1e-4f));
  EXPECT_EQ(b.output(0).layout(), Layout::NHWC);
  EXPECT_EQ(a.output(0).layout(), Layout::NCHW);
  a.backward(reference, r, a.size());
  b.backward(onednn, r, b.size());
  const std::vector<Tensor*> ga = a.gradients(), gb = b.gradients();
  for (size_t k = 0; k < ga.size(); ++k) EXPECT_TRUE(tensorsClose(*gb[k], *ga[k], 1e-4f, 1e-4f)) << "gradient " << k;
}
