// The oneDNN backend against the reference on sweeps of kernel 1–7 × stride 1–3 ×
// dilation 1–3 × groups {1, C}, with padding 0–3 (symmetric and asymmetric), batch 1–4 and
// odd sizes cycled through the sweep so every value of every axis meets the others.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <gtest/gtest.h>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensorsClose;

namespace {
// Paddings as (top, bottom, left, right): symmetric 0–3 and asymmetric mixes.
const int64_t kPaddings[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3},
                                {0, 1, 2, 3}, {3, 0, 1, 2}, {1, 2, 0, 0}, {2, 3, 3, 1}};
} // namespace

TEST(BackendSweep, Conv2DOnednnMatchesReference) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  int checked = 0, index = 0;
  for (int64_t kernel = 1; kernel <= 7; ++kernel)
    for (int64_t stride = 1; stride <= 3; ++stride)
      for (int64_t dilation = 1; dilation <= 3; ++dilation)
        for (bool depthwise : {false, true})
          for (int variant = 0; variant < 2; ++variant, ++index) {
            const auto& pad = kPaddings[index % 8];
            const int64_t batch = 1 + index % 4;
            const int64_t channels = depthwise ? 3 + index % 3 : 1 + index % 4;
            const int64_t outChannels = depthwise ? channels : 1 + (index * 7) % 5;
            Conv2DGeometry g;
            g.kernelH = kernel;
            g.kernelW = variant ? std::max<int64_t>(1, kernel - 2) : kernel; // non-square too
            g.strideH = stride;
            g.strideW = variant ? 1 + (stride % 3) : stride;
            g.dilationH = dilation;
            g.dilationW = variant ? 1 + (dilation % 3) : dilation;
            g.padTop = pad[0], g.padBottom = pad[1], g.padLeft = pad[2], g.padRight = pad[3];
            g.groups = depthwise ? channels : 1;
            // Odd sizes just large enough for the dilated kernel, plus a little.
            const int64_t h = g.dilationH * (g.kernelH - 1) + 1 + (index % 5) * 2 + 1;
            const int64_t w = g.dilationW * (g.kernelW - 1) + 1 + (index % 3) * 2 + 2;
            const Tensor src = randomTensor({batch, channels, h, w}, 100 + index);
            const Tensor weights = randomTensor({outChannels, channels / g.groups, g.kernelH, g.kernelW}, 200 + index);
            const Tensor bias = randomTensor({outChannels}, 300 + index);
            const Shape dstShape = conv2dOutputShape(src.shape(), outChannels, g);
            Tensor expected(dstShape), actual(dstShape);
            const Tensor* b = index % 3 ? &bias : nullptr;
            reference.conv2dForward(g, src, weights, b, expected);
            onednn.conv2dForward(g, src, weights, b, actual);
            ASSERT_TRUE(tensorsClose(actual, expected, 1e-4f, 1e-4f))
                << "geometry " << g.toString() << ", src " << src.shape().toString();
            ++checked;
          }
  EXPECT_EQ(checked, 7 * 3 * 3 * 2 * 2);
}

TEST(BackendSweep, Pool2DOnednnMatchesReference) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  int index = 0;
  for (PoolMode mode : {PoolMode::Max, PoolMode::Average, PoolMode::Sum})
    for (int64_t kernel = 1; kernel <= 4; ++kernel)
      for (int64_t stride = 1; stride <= 3; ++stride)
        for (int64_t pad = 0; pad < kernel && pad <= 3; ++pad, ++index) {
          Pool2DGeometry g;
          g.mode = mode;
          g.kernelH = g.kernelW = kernel;
          g.strideH = stride;
          g.strideW = 1 + index % 3;
          g.padTop = pad, g.padBottom = (pad + index) % kernel, g.padLeft = pad, g.padRight = 0;
          const Tensor src = randomTensor(
              {1 + index % 4, 1 + index % 3, kernel + 3 + index % 4, kernel + 2 + index % 5}, 400 + index, -5, 5);
          const Shape dstShape = pool2dOutputShape(src.shape(), g);
          Tensor expected(dstShape), actual(dstShape);
          reference.pool2dForward(g, src, expected);
          onednn.pool2dForward(g, src, actual);
          ASSERT_TRUE(tensorsClose(actual, expected, 1e-4f, 1e-5f)) << g.toString() << " on " << src.shape().toString();
        }
}

TEST(BackendSweep, ActivationsDenseSoftmax) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  const Tensor src = randomTensor({3, 2, 5, 7}, 7, -4, 4);
  for (ActivationKind kind : {ActivationKind::None, ActivationKind::ReLU, ActivationKind::LeakyReLU,
                              ActivationKind::Tanh, ActivationKind::Sigmoid}) {
    Tensor expected(src.shape()), actual(src.shape());
    reference.activationForward(kind, 0.1f, src, expected);
    onednn.activationForward(kind, 0.1f, src, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-5f, 1e-5f)) << toString(kind);
  }
  for (int64_t batch : {1, 4}) {
    const Tensor x = randomTensor({batch, 120}, 8), w = randomTensor({84, 120}, 9), b = randomTensor({84}, 10);
    Tensor expected({batch, 84}), actual({batch, 84});
    reference.denseForward(x, w, &b, expected);
    onednn.denseForward(x, w, &b, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-4f, 1e-4f));
    reference.softmaxForward(expected, expected);
    onednn.softmaxForward(actual, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-6f, 1e-4f));
  }
}

TEST(OnednnBackend, CachesPrimitivesPerConfiguration) {
  OnednnBackend onednn;
  Conv2DGeometry g;
  const Tensor src = randomTensor({1, 2, 9, 9}, 1), weights = randomTensor({4, 2, 3, 3}, 2);
  Tensor dst(conv2dOutputShape(src.shape(), 4, g));
  onednn.conv2dForward(g, src, weights, nullptr, dst);
  onednn.conv2dForward(g, src, weights, nullptr, dst);
  EXPECT_EQ(onednn.cachedPrimitiveCount(), 1u);
  g.strideH = 2;
  Tensor dst2(conv2dOutputShape(src.shape(), 4, g));
  onednn.conv2dForward(g, src, weights, nullptr, dst2);
  EXPECT_EQ(onednn.cachedPrimitiveCount(), 2u);
}

TEST(Backends, RefuseMismatchedArgumentsWithNumbers) {
  for (BackendKind kind : {BackendKind::Reference, BackendKind::Onednn}) {
    auto backend = makeBackend(kind);
    Conv2DGeometry g;
    const Tensor src = randomTensor({1, 3, 8, 8}, 1), weights = randomTensor({2, 2, 3, 3}, 2);
    Tensor dst({1, 2, 6, 6});
    try {
      backend->conv2dForward(g, src, weights, nullptr, dst);
      FAIL() << backend->name() << " accepted weights for 2 input channels on a 3-channel input";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "conv2d: weights 2x2x3x3 expect 2 input channels, the input has 3");
    }
  }
}
