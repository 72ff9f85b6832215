// The generative models' pieces against PyTorch (tests/data/golden.json, 1e-4): reshape and the
// reparameterization layer forward and backward, the Bernoulli reconstruction loss and the
// Gaussian KL with their gradients; the layers in layer lists and model files; the sampling
// layer's draws seeded and resumable.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/generative/GenerativeLosses.h"
#include "engine/generative/Vae.h"
#include "engine/io/ModelFile.h"
#include "engine/layers/Reshape.h"
#include "engine/layers/Sample.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"
#include "engine/training/Trainer.h"

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

// A VAE decoder's first layer, dense 16 → 3136: oneDNN 2.6's own backward-data kernel crashed on
// it (OnednnBackend::denseBackwardData works it out itself below 64 inputs); both backends agree.
TEST(Generative, AFewInputsToManyOutputsGoBackOnBothBackends) {
  for (const auto& [in, out] : {std::pair<int64_t, int64_t>{16, 3136}, {32, 2048}, {63, 100}, {64, 4096}}) {
    SCOPED_TRACE(std::to_string(in) + " -> " + std::to_string(out));
    Tensor weights(Shape{out, in}), diffDst(Shape{8, out});
    for (int64_t i = 0; i < weights.size(); ++i) weights.data()[i] = float((i * 37) % 23) / 23.0f - 0.5f;
    for (int64_t i = 0; i < diffDst.size(); ++i) diffDst.data()[i] = float((i * 11) % 17) / 17.0f - 0.5f;
    ReferenceBackend reference;
    OnednnBackend onednn;
    Tensor expected(Shape{8, in}), actual(Shape{8, in});
    reference.denseBackwardData(weights, diffDst, expected);
    onednn.denseBackwardData(weights, diffDst, actual);
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-4f, 1e-4f));
  }
}

// mini-vae through the trainer on a few hundred digits: the negative ELBO falls, each epoch
// reports its two parts, evaluateVae's loss is their sum, and the KL's gradient reaches the
// encoder (its weights change although only the decoder's output is compared with the input).
TEST(Generative, MiniVaeTrainsOnTheNegativeElbo) {
  const DatasetSplit digits = loadDataset("digits", 1, 28, 28);
  DatasetSplit data;
  data.train = digits.train, data.test = digits.test;
  Network net = makePreset("mini-vae");
  ASSERT_TRUE(isVae(net));
  EXPECT_EQ(net.outputShape(1), (Shape{1, 1, 28, 28}));
  initialize(net, InitScheme::Auto, 1);
  TrainConfig config = presetTrainConfig("mini-vae");
  ASSERT_TRUE(config.vae);
  config.epochs = 2;
  config.maxTrainImages = 512;
  config.maxTestImages = 256;
  Preprocess pre = preprocessFor(net.inputShape(), data.train);
  pre.mean = {0.0f}, pre.stddev = {1.0f}; // a VAE reconstructs its input on the [0, 1] scale
  OnednnBackend backend;
  const std::vector<Tensor> before = net.copyState();
  Trainer trainer(net, data, pre, config, backend);
  const TrainResult result = trainer.run();
  ASSERT_EQ(result.status, TrainResult::Status::Finished) << result.message;
  ASSERT_EQ(result.epochs.size(), 2u);
  EXPECT_LT(result.epochs[1].trainLoss, result.epochs[0].trainLoss);
  for (const EpochReport& e : result.epochs) {
    EXPECT_TRUE(e.vae);
    EXPECT_GT(e.testReconstruction, 50.0); // nats per image: far from perfect after 1,024 images
    EXPECT_LT(e.testReconstruction, 544.0); // 784 · ln 2: a coin per pixel
    EXPECT_GE(e.testKl, 0.0);
    EXPECT_NEAR(e.testLoss, e.testReconstruction + e.testKl, 1e-9);
  }
  const std::vector<Tensor> after = net.copyState();
  EXPECT_NE(before[0].values(), after[0].values()); // conv1's weights learned
  // A normalized input is refused by name: the targets are the input.
  EXPECT_THROW(evaluateVae(net, backend, data.test, preprocessFor(net.inputShape(), data.train), 64, 64),
               std::invalid_argument);
  // A network without a sampling layer is no VAE.
  EXPECT_FALSE(isVae(makePreset("lenet5")));
}

// The decoder on its own is the VAE's second half: decoding an image's mean code gives what the
// whole VAE gives in evaluation (its logits through a sigmoid); prior codes are seeded; a walk
// runs from one code to the other.
TEST(Generative, TheDecoderAloneIsTheVaesSecondHalf) {
  Network vae = makePreset("mini-vae");
  initialize(vae, InitScheme::Auto, 3);
  EXPECT_EQ(vaeCodeSize(vae), 16);
  Network decoder = vaeDecoder(vae);
  EXPECT_EQ(decoder.inputShape(), (Shape{16}));
  Tensor images(Shape{3, 1, 28, 28});
  for (int64_t i = 0; i < images.size(); ++i) images.data()[i] = float((i * 7) % 13) / 13.0f;
  OnednnBackend backend;
  const Tensor codes = encodeMeans(vae, backend, images);
  ASSERT_EQ(codes.shape(), (Shape{3, 16}));
  vae.setTraining(false);
  Tensor whole = vae.forward(backend, images).inLayout(Layout::NCHW);
  for (float& v : whole.values()) v = float(1.0 / (1.0 + std::exp(-double(v))));
  const Tensor decoded = decodeCodes(decoder, backend, codes);
  EXPECT_TRUE(tensorsClose(decoded, whole, 1e-5f, 1e-4f));
  EXPECT_EQ(priorCodes(4, 16, 9).values(), priorCodes(4, 16, 9).values());
  EXPECT_NE(priorCodes(4, 16, 9).values(), priorCodes(4, 16, 10).values());
  const Tensor walk = codeWalk(codes.data(), codes.data() + 16, 16, 5);
  ASSERT_EQ(walk.shape(), (Shape{5, 16}));
  for (int64_t j = 0; j < 16; ++j) {
    EXPECT_EQ(walk.data()[j], codes.data()[j]);
    EXPECT_FLOAT_EQ(walk.data()[4 * 16 + j], codes.data()[16 + j]);
    EXPECT_FLOAT_EQ(walk.data()[2 * 16 + j], 0.5f * (codes.data()[j] + codes.data()[16 + j]));
  }
  EXPECT_THROW(vaeDecoder(makePreset("lenet5")), std::invalid_argument);
}
