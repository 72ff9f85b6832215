// The generative models' pieces against PyTorch (tests/data/golden.json, 1e-4): reshape and the
// reparameterization layer forward and backward, the Bernoulli reconstruction loss and the
// Gaussian KL with their gradients; the layers in layer lists and model files; the sampling
// layer's draws seeded and resumable.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/generative/GenerativeLosses.h"
#include "engine/io/ModelFile.h"
#include "engine/layers/Reshape.h"
#include "engine/layers/Sample.h"
#include "engine/network/LayerList.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;
using convscope::test::tensorFromJson;
using convscope::test::tensorsClose;

TEST(Generative, ReshapeMatchesPyTorchForwardAndBackwardOnBothBackends) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] != "reshape") continue;
    ++cases;
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor src = tensorFromJson(c["src"]);
    Reshape layer("reshape", c["target"].get<std::vector<int64_t>>());
    ReferenceBackend reference;
    OnednnBackend onednn;
    for (Backend* backend : std::initializer_list<Backend*>{&reference, &onednn})
      for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
        const Tensor in = src.inLayout(layout);
        Tensor dst(layer.outputShape(src.shape()), 0.0f, layout);
        layer.forwardInto(*backend, in, dst);
        EXPECT_TRUE(tensorsClose(dst.inLayout(Layout::NCHW), tensorFromJson(c["dst"]), 1e-6f, 1e-6f));
        const Tensor r = tensorFromJson(c["r"]);
        Tensor diffSrc(src.shape(), 0.0f, layout);
        layer.backward(*backend, in, dst, r.inLayout(dst.layout()), &diffSrc);
        EXPECT_TRUE(tensorsClose(diffSrc.inLayout(Layout::NCHW), tensorFromJson(c["diff_src"]), 1e-6f, 1e-6f));
      }
  }
  EXPECT_EQ(cases, 3);
  EXPECT_THROW(Reshape("r", {5, 5}), std::invalid_argument); // two sizes: neither C×H×W nor a length
  Reshape r("r", {3, 3, 3});
  EXPECT_THROW(r.outputShape(Shape{2, 28}), std::invalid_argument); // 28 values are not 27
}

TEST(Generative, TheReparameterizationMatchesPyTorch) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] != "sample") continue;
    ++cases;
    const Tensor src = tensorFromJson(c["src"]);
    Sample layer("sample");
    layer.setTraining(true);
    layer.setNoise(tensorFromJson(c["noise"]));
    ReferenceBackend backend;
    Tensor dst(layer.outputShape(src.shape()));
    layer.forwardInto(backend, src, dst);
    EXPECT_TRUE(tensorsClose(dst, tensorFromJson(c["dst"]), 1e-5f, 1e-4f));
    Tensor diffSrc(src.shape());
    layer.backward(backend, src, dst, tensorFromJson(c["r"]), &diffSrc);
    EXPECT_TRUE(tensorsClose(diffSrc, tensorFromJson(c["diff_src"]), 1e-5f, 1e-4f));
    // In evaluation: the mean, and no gradient to the log-variance.
    layer.setTraining(false);
    layer.forwardInto(backend, src, dst);
    for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(dst.data()[4 + j], src.data()[8 + j]);
  }
  EXPECT_EQ(cases, 1);
}

TEST(Generative, DrawsAreSeededAndResumeExactly) {
  Sample a("sample"), b("sample");
  a.setTraining(true), b.setTraining(true);
  ReferenceBackend backend;
  Tensor src(Shape{4, 6}, 0.0f), first(Shape{4, 3}), second(Shape{4, 3});
  a.forwardInto(backend, src, first);
  const std::string state = a.randomState();
  a.forwardInto(backend, src, second);
  EXPECT_NE(first.values(), second.values()); // a new draw each batch
  b.setRandomState(state);
  Tensor again(Shape{4, 3});
  b.forwardInto(backend, src, again);
  EXPECT_EQ(again.values(), second.values());
  // ε ~ N(0, 1): over many draws, mean near 0 and variance near 1.
  std::mt19937_64 random(7);
  double sum = 0, squares = 0;
  for (int i = 0; i < 100000; ++i) {
    const double e = standardNormal(random);
    sum += e, squares += e * e;
  }
  EXPECT_NEAR(sum / 100000, 0.0, 0.02);
  EXPECT_NEAR(squares / 100000, 1.0, 0.02);
}

TEST(Generative, BernoulliLossAndKlMatchPyTorch) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] == "bernoulli_loss") {
      ++cases;
      for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
        Tensor diff;
        const double loss = bernoulliLoss(tensorFromJson(c["logits"]).inLayout(layout),
                                          tensorFromJson(c["targets"]).inLayout(layout), &diff);
        EXPECT_NEAR(loss, c["value"].get<double>(), 1e-4);
        EXPECT_TRUE(tensorsClose(diff, tensorFromJson(c["diff_logits"]), 1e-6f, 1e-4f));
      }
    } else if (c["op"] == "gaussian_kl") {
      ++cases;
      const Tensor src = tensorFromJson(c["src"]);
      Tensor diff(src.shape(), 0.0f);
      EXPECT_NEAR(gaussianKl(src, &diff), c["value"].get<double>(), 1e-4);
      EXPECT_TRUE(tensorsClose(diff, tensorFromJson(c["diff_src"]), 1e-6f, 1e-4f));
      // β scales both; the gradient adds to what is there.
      Tensor twice(src.shape(), 1.0f);
      EXPECT_NEAR(gaussianKl(src, &twice, 2.0), 2 * c["value"].get<double>(), 2e-4);
      EXPECT_NEAR(twice.data()[0], 1.0f + 2 * diff.data()[0], 1e-5);
    }
  }
  EXPECT_EQ(cases, 2);
  EXPECT_THROW(bernoulliLoss(Tensor(Shape{1, 4}), Tensor(Shape{1, 4}, 1.5f), nullptr), std::invalid_argument);
  EXPECT_THROW(gaussianKl(Tensor(Shape{2, 3}), nullptr), std::invalid_argument);
  // N(0, 1) itself: no divergence.
  EXPECT_EQ(gaussianKl(Tensor(Shape{2, 6}, 0.0f), nullptr), 0.0);
}

TEST(Generative, TheLayersReadFromLayerListsAndModelFiles) {
  Network net = buildLayerList("input 1x28x28\nflatten\ndense 8\nsample\ndense 784\nreshape 1x28x28\n");
  EXPECT_EQ(net.outputShape(1), (Shape{1, 1, 28, 28}));
  EXPECT_EQ(net.shapes(1)[2], (Shape{1, 4})); // 8 values: a mean and a log-variance of 4
  const Model back = parseModel(serializeModel(net, {}), "vae.json");
  EXPECT_EQ(back.network.outputShape(1), (Shape{1, 1, 28, 28}));
  EXPECT_EQ(layerListText(back.network).find("reshape 1x28x28") != std::string::npos, true);
  EXPECT_THROW(buildLayerList("input 1x28x28\nflatten\ndense 7\nsample\n"), std::invalid_argument); // odd
  EXPECT_THROW(buildLayerList("input 1x28x28\nflatten\nreshape 2x20x20\n"), std::invalid_argument);
}
