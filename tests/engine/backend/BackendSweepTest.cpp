// The oneDNN backend against the reference on sweeps of kernel 1–7 × stride 1–3 ×
// dilation 1–3 × groups {1, C}, with padding 0–3 (symmetric and asymmetric), batch 1–4 and
// odd sizes cycled through the sweep so every value of every axis meets the others.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <gtest/gtest.h>

#include <cmath>

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
  // Average twice: padding counted (PyTorch's default) and left out (count_include_pad=False).
  for (int variant = 0; variant < 4; ++variant)
    for (int64_t kernel = 1; kernel <= 4; ++kernel)
      for (int64_t stride = 1; stride <= 3; ++stride)
        for (int64_t pad = 0; pad < kernel && pad <= 3; ++pad, ++index) {
          Pool2DGeometry g;
          g.mode = variant == 0 ? PoolMode::Max : variant == 3 ? PoolMode::Sum : PoolMode::Average;
          g.countPadding = variant != 2;
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
                              ActivationKind::Tanh, ActivationKind::Sigmoid, ActivationKind::ELU,
                              ActivationKind::HardSigmoid, ActivationKind::HardSwish, ActivationKind::SiLU,
                              ActivationKind::SELU, ActivationKind::GELU, ActivationKind::GELUTanh}) {
    Tensor expected(src.shape()), actual(src.shape());
    reference.activationForward(kind, 0.1f, src, expected);
    onednn.activationForward(kind, 0.1f, src, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-5f, 1e-5f)) << toString(kind);
  }
  { // ReLU6 over values on both sides of 0 and of 6
    const Tensor wide = randomTensor({3, 2, 5, 7}, 11, -9, 9);
    Tensor expected(wide.shape()), actual(wide.shape());
    reference.activationForward(ActivationKind::ReLU6, 0.0f, wide, expected);
    onednn.activationForward(ActivationKind::ReLU6, 0.0f, wide, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-6f, 1e-6f));
    EXPECT_EQ(*std::max_element(expected.values().begin(), expected.values().end()), 6.0f);
    EXPECT_EQ(*std::min_element(expected.values().begin(), expected.values().end()), 0.0f);
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

TEST(Layouts, EveryOperationGivesTheSameValuesInNhwc) {
  // The same logical tensors stored channels-last must give the same logical results, on
  // both backends, forward and backward.
  ReferenceBackend reference;
  OnednnBackend onednn;
  Conv2DGeometry g;
  g.kernelH = 3, g.kernelW = 2, g.strideH = 2, g.padTop = 1, g.padRight = 2, g.dilationW = 2;
  const Tensor src = randomTensor({2, 3, 9, 8}, 1), weights = randomTensor({5, 3, 3, 2}, 2),
               bias = randomTensor({5}, 3);
  const Shape dstShape = conv2dOutputShape(src.shape(), 5, g);
  Tensor expected(dstShape);
  reference.conv2dForward(g, src, weights, &bias, expected);
  const Tensor diffDst = randomTensor(dstShape, 4);
  Tensor expectedDiffSrc(src.shape()), expectedDiffW(weights.shape()), expectedDiffB({5});
  reference.conv2dBackwardData(g, weights, diffDst, expectedDiffSrc);
  reference.conv2dBackwardWeights(g, src, diffDst, expectedDiffW, &expectedDiffB);
  Pool2DGeometry pg;
  pg.mode = PoolMode::Max;
  pg.kernelH = pg.kernelW = 3, pg.padTop = 1;
  const Shape poolShape = pool2dOutputShape(src.shape(), pg);
  Tensor expectedPool(poolShape), expectedPoolDiff(src.shape());
  const Tensor poolDiff = randomTensor(poolShape, 5);
  reference.pool2dForward(pg, src, expectedPool);
  reference.pool2dBackward(pg, src, poolDiff, expectedPoolDiff);

  for (Backend* backend : {static_cast<Backend*>(&reference), static_cast<Backend*>(&onednn)}) {
    SCOPED_TRACE(backend->name());
    const Tensor srcNhwc = src.inLayout(Layout::NHWC);
    const Tensor diffNhwc = diffDst.inLayout(Layout::NHWC);
    Tensor dst(dstShape, 0.0f, Layout::NHWC), diffSrc(src.shape(), 0.0f, Layout::NHWC), diffW(weights.shape()),
        diffB({5});
    backend->conv2dForward(g, srcNhwc, weights, &bias, dst);
    backend->conv2dBackwardData(g, weights, diffNhwc, diffSrc);
    backend->conv2dBackwardWeights(g, srcNhwc, diffNhwc, diffW, &diffB);
    EXPECT_TRUE(tensorsClose(dst.inLayout(Layout::NCHW), expected, 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(diffSrc.inLayout(Layout::NCHW), expectedDiffSrc, 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(diffW, expectedDiffW, 1e-3f, 1e-4f));
    EXPECT_TRUE(tensorsClose(diffB, expectedDiffB, 1e-4f, 1e-4f));
    Tensor pooled(poolShape, 0.0f, Layout::NHWC), pooledDiff(src.shape(), 0.0f, Layout::NHWC);
    backend->pool2dForward(pg, srcNhwc, pooled);
    backend->pool2dBackward(pg, srcNhwc, poolDiff.inLayout(Layout::NHWC), pooledDiff);
    EXPECT_TRUE(tensorsClose(pooled.inLayout(Layout::NCHW), expectedPool, 1e-6f, 1e-6f));
    EXPECT_TRUE(tensorsClose(pooledDiff.inLayout(Layout::NCHW), expectedPoolDiff, 1e-6f, 1e-6f));
    // A mixed call: NCHW src into an NHWC dst.
    Tensor mixed(dstShape, 0.0f, Layout::NHWC);
    backend->conv2dForward(g, src, weights, &bias, mixed);
    EXPECT_TRUE(tensorsClose(mixed.inLayout(Layout::NCHW), expected, 1e-4f, 1e-4f));
  }
  EXPECT_EQ(src.inLayout(Layout::NHWC).at(1, 2, 3, 4), src.at(1, 2, 3, 4));
  EXPECT_NE(src.inLayout(Layout::NHWC).values(), src.values());
}

TEST(BackendSweep, BatchNormSumAndConcatOnednnMatchReference) {
  // oneDNN's batch normalization, sum and concat primitives against the reference loops,
  // in both layouts and with inputs of mixed layouts, forward and backward.
  ReferenceBackend reference;
  OnednnBackend onednn;
  const Shape shape{3, 5, 6, 7};
  const Tensor src = randomTensor(shape, 1, -2.0f, 3.0f), gamma = randomTensor({5}, 2, 0.5f, 1.5f),
               beta = randomTensor({5}, 3), diffDst = randomTensor(shape, 4);
  const Tensor runningMean = randomTensor({5}, 5), runningVariance = randomTensor({5}, 6, 0.5f, 2.0f);
  for (Layout layout : {Layout::NCHW, Layout::NHWC})
    for (bool training : {true, false}) {
      SCOPED_TRACE(std::string(layout == Layout::NHWC ? "nhwc" : "nchw") + (training ? " training" : " inference"));
      const Tensor x = src.inLayout(layout), dy = diffDst.inLayout(layout);
      Tensor mean[2] = {runningMean, runningMean}, variance[2] = {runningVariance, runningVariance};
      Tensor y[2] = {Tensor(shape, 0.0f, layout), Tensor(shape, 0.0f, layout)};
      Tensor dx[2] = {Tensor(shape, 0.0f, layout), Tensor(shape, 0.0f, layout)};
      Tensor dGamma[2] = {Tensor({5}), Tensor({5})}, dBeta[2] = {Tensor({5}), Tensor({5})};
      Backend* backends[2] = {&reference, &onednn};
      for (int b = 0; b < 2; ++b) {
        backends[b]->batchNormForward(x, gamma, beta, mean[b], variance[b], training, 1e-5f, y[b]);
        backends[b]->batchNormBackward(x, gamma, mean[b], variance[b], dy, training, 1e-5f, &dx[b], dGamma[b],
                                       dBeta[b]);
      }
      EXPECT_TRUE(tensorsClose(mean[1], mean[0], 1e-5f, 1e-5f));
      EXPECT_TRUE(tensorsClose(variance[1], variance[0], 1e-5f, 1e-4f));
      EXPECT_TRUE(tensorsClose(y[1].inLayout(Layout::NCHW), y[0].inLayout(Layout::NCHW), 1e-4f, 1e-4f));
      EXPECT_TRUE(tensorsClose(dx[1].inLayout(Layout::NCHW), dx[0].inLayout(Layout::NCHW), 1e-4f, 1e-4f));
      EXPECT_TRUE(tensorsClose(dGamma[1], dGamma[0], 1e-4f, 1e-4f));
      EXPECT_TRUE(tensorsClose(dBeta[1], dBeta[0], 1e-4f, 1e-4f));
      Tensor dGammaOnly({5}), dBetaOnly({5}); // the first layer's: no diff_src wanted
      onednn.batchNormBackward(x, gamma, mean[1], variance[1], dy, training, 1e-5f, nullptr, dGammaOnly, dBetaOnly);
      EXPECT_TRUE(tensorsClose(dGammaOnly, dGamma[0], 1e-4f, 1e-4f));
    }
  if (!::testing::Test::HasFailure()) { // the statistics really are the batch's: mean of channel 0
    Tensor mean({5}), variance({5}), y(shape);
    onednn.batchNormForward(src, gamma, beta, mean, variance, true, 1e-5f, y);
    double sum = 0.0;
    for (int64_t n = 0; n < 3; ++n)
      for (int64_t h = 0; h < 6; ++h)
        for (int64_t w = 0; w < 7; ++w) sum += src.at(n, 0, h, w);
    EXPECT_NEAR(mean.values()[0], sum / 126.0, 1e-5);
  }

  const Tensor a = randomTensor(shape, 7), b = randomTensor(shape, 8), c = randomTensor({3, 2, 6, 7}, 9);
  for (Layout out : {Layout::NCHW, Layout::NHWC}) {
    SCOPED_TRACE(out == Layout::NHWC ? "into nhwc" : "into nchw");
    const Tensor bOther = b.inLayout(out == Layout::NHWC ? Layout::NCHW : Layout::NHWC); // mixed layouts
    Tensor sum0(shape, 0.0f, out), sum1(shape, 0.0f, out);
    reference.sumForward({&a, &bOther, &a}, sum0);
    onednn.sumForward({&a, &bOther, &a}, sum1);
    EXPECT_TRUE(tensorsClose(sum1.inLayout(Layout::NCHW), sum0.inLayout(Layout::NCHW), 1e-6f, 1e-6f));
    EXPECT_FLOAT_EQ(sum1.inLayout(Layout::NCHW).at(2, 4, 5, 6), 2 * a.at(2, 4, 5, 6) + b.at(2, 4, 5, 6));

    const Shape joined{3, 7, 6, 7};
    Tensor cat0(joined, 0.0f, out), cat1(joined, 0.0f, out);
    reference.concatForward({&bOther, &c}, cat0);
    onednn.concatForward({&bOther, &c}, cat1);
    EXPECT_TRUE(tensorsClose(cat1.inLayout(Layout::NCHW), cat0.inLayout(Layout::NCHW), 0.0f, 0.0f));
    EXPECT_EQ(cat1.inLayout(Layout::NCHW).at(1, 6, 2, 3), c.at(1, 1, 2, 3));
    const Tensor diff = randomTensor(joined, 10).inLayout(out);
    Tensor d0[2] = {Tensor(shape, 0.0f, Layout::NHWC), Tensor({3, 2, 6, 7})};
    Tensor d1[2] = {Tensor(shape, 0.0f, Layout::NHWC), Tensor({3, 2, 6, 7})};
    reference.concatBackward(diff, {&d0[0], &d0[1]});
    onednn.concatBackward(diff, {&d1[0], &d1[1]});
    for (int i = 0; i < 2; ++i)
      EXPECT_TRUE(tensorsClose(d1[i].inLayout(Layout::NCHW), d0[i].inLayout(Layout::NCHW), 0.0f, 0.0f));
    EXPECT_EQ(d1[1].at(2, 0, 1, 1), diff.inLayout(Layout::NCHW).at(2, 5, 1, 1));
  }
  // Features (N, F) join too.
  const Tensor f1 = randomTensor({2, 3}, 11), f2 = randomTensor({2, 4}, 12);
  Tensor features0({2, 7}), features1({2, 7});
  reference.concatForward({&f1, &f2}, features0);
  onednn.concatForward({&f1, &f2}, features1);
  EXPECT_TRUE(tensorsClose(features1, features0, 0.0f, 0.0f));
}

TEST(BackendSweep, LocalResponseNormOnednnMatchesReference) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  const Shape shape{2, 9, 5, 4};
  const Tensor src = randomTensor(shape, 1, -3.0f, 3.0f), diffDst = randomTensor(shape, 2);
  int checked = 0;
  for (int64_t size : {1, 3, 5, 7, 11}) // 11: wider than the 9 channels
    for (float alpha : {1e-4f, 0.5f})
      for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
        LrnParams p;
        p.size = size, p.alpha = alpha, p.beta = 0.75f, p.k = size == 5 ? 2.0f : 1.0f;
        SCOPED_TRACE(p.toString() + (layout == Layout::NHWC ? " nhwc" : " nchw"));
        const Tensor x = src.inLayout(layout), dy = diffDst.inLayout(layout);
        Tensor y0(shape, 0.0f, layout), y1(shape, 0.0f, layout), dx0(shape, 0.0f, layout), dx1(shape, 0.0f, layout);
        reference.lrnForward(p, x, y0);
        onednn.lrnForward(p, x, y1);
        reference.lrnBackward(p, x, dy, dx0);
        onednn.lrnBackward(p, x, dy, dx1);
        EXPECT_TRUE(tensorsClose(y1, y0, 1e-5f, 1e-4f));
        EXPECT_TRUE(tensorsClose(dx1, dx0, 1e-5f, 1e-4f));
        ++checked;
      }
  EXPECT_EQ(checked, 20);
}

TEST(OnednnBackend, ReordersLargeWeightsAgainWhenAnyValueChanges) {
  // Large weights keep their reordered copy between calls; a change of one value, even in
  // its last bit, must reach the next forward pass (convolution and fully connected).
  ReferenceBackend reference;
  OnednnBackend onednn;
  Conv2DGeometry g;
  g.padTop = g.padBottom = g.padLeft = g.padRight = 1;
  const Tensor src = randomTensor({1, 64, 6, 6}, 1).inLayout(Layout::NHWC);
  Tensor weights = randomTensor({64, 64, 3, 3}, 2); // 36,864 values: cached
  Tensor other = randomTensor({64, 64, 3, 3}, 3);   // a second layer of the same geometry
  const Shape out = conv2dOutputShape(src.shape(), 64, g);
  Tensor expected(out, 0.0f, Layout::NHWC), actual(out, 0.0f, Layout::NHWC), first(out, 0.0f, Layout::NHWC);
  onednn.conv2dForward(g, src, weights, nullptr, first);
  onednn.conv2dForward(g, src, other, nullptr, actual); // the same primitive, other weights
  reference.conv2dForward(g, src, other, nullptr, expected);
  EXPECT_TRUE(tensorsClose(actual, expected, 1e-4f, 1e-4f));
  for (int64_t index : {int64_t(0), int64_t(20000), weights.size() - 1}) {
    float& v = weights.values()[size_t(index)];
    v = std::nextafter(v, 2.0f) * 1e6f; // large enough to see in the output
    onednn.conv2dForward(g, src, weights, nullptr, actual);
    reference.conv2dForward(g, src, weights, nullptr, expected);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-1f, 1e-5f)) << "after changing weight " << index;
    EXPECT_FALSE(tensorsClose(actual, first, 1e-1f, 1e-5f)) << "the change at " << index << " did not arrive";
  }
  Tensor dense = randomTensor({10, 4000}, 4), x = randomTensor({2, 4000}, 5), y0({2, 10}), y1({2, 10});
  onednn.denseForward(x, dense, nullptr, y1);
  dense.values()[39999] += 5.0f;
  onednn.denseForward(x, dense, nullptr, y1);
  reference.denseForward(x, dense, nullptr, y0);
  EXPECT_TRUE(tensorsClose(y1, y0, 1e-3f, 1e-4f));
}

TEST(OnednnBackend, LargeFullyConnectedWeightsAtASmallBatchMatchTheReference) {
  // From 1 M weights at a batch of at most 16, the weights stay as they are (the live view's
  // demonstration classifier: 1 × 524,288 → 4); forward and both backward passes still agree.
  ReferenceBackend reference;
  OnednnBackend onednn;
  const Tensor w = randomTensor({4, 1 << 18}, 6), b = randomTensor({4}, 7);
  for (int64_t batch : {1, 16, 17}) {
    const Tensor x = randomTensor({batch, 1 << 18}, 8);
    Tensor y0({batch, 4}), y1({batch, 4});
    reference.denseForward(x, w, &b, y0);
    onednn.denseForward(x, w, &b, y1);
    EXPECT_TRUE(tensorsClose(y1, y0, 1e-3f, 1e-4f)) << "batch " << batch;
    const Tensor dy = randomTensor({batch, 4}, 9);
    Tensor dx0(x.shape()), dx1(x.shape()), dw0(w.shape()), dw1(w.shape()), db0(b.shape()), db1(b.shape());
    reference.denseBackwardData(w, dy, dx0);
    onednn.denseBackwardData(w, dy, dx1);
    reference.denseBackwardWeights(x, dy, dw0, &db0);
    onednn.denseBackwardWeights(x, dy, dw1, &db1);
    EXPECT_TRUE(tensorsClose(dx1, dx0, 1e-4f, 1e-4f)) << "batch " << batch;
    EXPECT_TRUE(tensorsClose(dw1, dw0, 1e-4f, 1e-4f)) << "batch " << batch;
    EXPECT_TRUE(tensorsClose(db1, db0, 1e-4f, 1e-4f)) << "batch " << batch;
  }
}
