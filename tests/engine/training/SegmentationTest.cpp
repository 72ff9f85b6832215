// Per-pixel losses against PyTorch (F.cross_entropy with ignore_index, Dice by autograd:
// tests/data/golden.json), in either layout of the scores; Dice's gradient against finite
// differences; the metrics on a confusion matrix worked by hand.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/network/LayerList.h"
#include "engine/training/Scenes.h"
#include "engine/training/Segmentation.h"
#include "engine/training/Trainer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;
using convscope::test::tensorFromJson;
using convscope::test::tensorsClose;

TEST(Segmentation, PixelLossesMatchPyTorchInEitherLayout) {
  int cases = 0;
  for (const auto& c : convscope::test::goldenCases()) {
    if (c["op"] != "pixel_loss") continue;
    ++cases;
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<int> labels = c["classes"].get<std::vector<int>>();
    const std::vector<uint8_t> classes(labels.begin(), labels.end());
    for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
      const Tensor logits = tensorFromJson(c["logits"]).inLayout(layout);
      Tensor diff(logits.shape(), 0.0f, layout);
      const LossResult r = pixelLoss(pixelLossKindFromString(c["loss"]), logits, classes, &diff, c["ignore"]);
      EXPECT_NEAR(r.loss, c["value"].get<double>(), 1e-5);
      EXPECT_EQ(r.counted, 2 * 5 * 6 - 4);
      EXPECT_TRUE(tensorsClose(diff.inLayout(Layout::NCHW), tensorFromJson(c["diff_logits"]), 1e-6f, 1e-4f));
      EXPECT_EQ(diff.at(0, 2, 1, 3), 0.0f); // an ignored pixel gets no gradient
    }
  }
  EXPECT_EQ(cases, 3);
}

TEST(Segmentation, DiceGradientEqualsFiniteDifferences) {
  Tensor logits = convscope::test::randomTensor({2, 3, 4, 3}, 5);
  const std::vector<uint8_t> classes = {0, 1, 2, 2, 1, 0, 0, 0, 1, 2, 2, 2, 1, 1, 1, 0, 0, 2, 2, 2, 0, 1, 1, 1};
  for (PixelLossKind kind : {PixelLossKind::Dice, PixelLossKind::CrossEntropyDice}) {
    Tensor diff(logits.shape());
    pixelLoss(kind, logits, classes, &diff, 1); // class 1 ignored
    for (int64_t i = 0; i < logits.size(); i += 3) {
      const float keep = logits.data()[i];
      const double e = 1e-3;
      logits.data()[i] = float(keep + e);
      const double up = pixelLoss(kind, logits, classes, nullptr, 1).loss;
      logits.data()[i] = float(keep - e);
      const double down = pixelLoss(kind, logits, classes, nullptr, 1).loss;
      logits.data()[i] = keep;
      EXPECT_NEAR(diff.data()[i], (up - down) / (2 * e), 2e-4) << toString(kind) << " value " << i;
    }
  }
}

TEST(Segmentation, MetricsFromTheConfusionMatrix) {
  // Targets 0 0 0 0 1 1 2 2 (and one ignored), predictions 0 0 1 0 1 2 2 2:
  // class 0: TP 3, FN 1 → IoU 3/4; class 1: TP 1, FP 1, FN 1 → 1/3; class 2: TP 2, FP 1 → 2/3.
  SegmentationMetrics m(4);
  m.add({0, 0, 1, 0, 1, 2, 2, 2, 3}, {0, 0, 0, 0, 1, 1, 2, 2, 9}, 9);
  EXPECT_EQ(m.pixels(), 8);
  EXPECT_DOUBLE_EQ(m.pixelAccuracy(), 6.0 / 8.0);
  EXPECT_DOUBLE_EQ(m.iou(0), 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.iou(1), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.iou(2), 2.0 / 3.0);
  EXPECT_TRUE(std::isnan(m.iou(3))); // never a target nor a prediction
  EXPECT_FALSE(m.present(3));
  EXPECT_DOUBLE_EQ(m.meanIou(), (3.0 / 4.0 + 1.0 / 3.0 + 2.0 / 3.0) / 3.0);
  // Each pixel's class is its highest score.
  Tensor scores(Shape{1, 3, 1, 2});
  scores.at(0, 2, 0, 0) = 1.0f, scores.at(0, 1, 0, 1) = 0.5f;
  EXPECT_EQ(pixelClasses(scores), (std::vector<uint8_t>{2, 1}));
  EXPECT_THROW(m.add({5}, {0}), std::invalid_argument);
}

TEST(Segmentation, TargetsThatDoNotFitAreRefusedByName) {
  const Tensor logits(Shape{1, 3, 2, 2});
  try {
    pixelLoss(PixelLossKind::CrossEntropy, logits, {0, 1, 7, 2}, nullptr, 255);
    FAIL() << "class 7 of 3";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "per-pixel loss: pixel 2 has class 7, outside 0..2 (and not the ignored 255)");
  }
  EXPECT_THROW(pixelLoss(PixelLossKind::Dice, logits, {0, 1}, nullptr), std::invalid_argument);
  EXPECT_THROW(pixelLoss(PixelLossKind::Dice, Tensor(Shape{2, 3}), {0, 1}, nullptr), std::invalid_argument);
  EXPECT_THROW(pixelLossKindFromString("focal"), std::invalid_argument);
  // All ignored: nothing to learn, no division by zero.
  Tensor diff(logits.shape(), 1.0f);
  const LossResult none = pixelLoss(PixelLossKind::CrossEntropyDice, logits, {9, 9, 9, 9}, &diff, 9);
  EXPECT_EQ(none.loss, 0.0);
  EXPECT_EQ(none.counted, 0);
  EXPECT_EQ(diff.at(0, 1, 1, 1), 0.0f);
}

// The trainer on segmentation data (the scenes): the loss falls, each epoch reports the pixel
// accuracy and the IoUs, and evaluate()'s mean IoU is the metrics' own on the network's
// per-pixel classes.
TEST(Segmentation, TheTrainerLearnsAClassPerPixelAndReportsTheIous) {
  const DatasetSplit data = loadScenes(96, 32, 5);
  Network net = buildLayerList("input 1x64x64\nconv 8 3x3 pad 1\nrelu\nconv 8 3x3 pad 1\nrelu\nconv 11 1x1\n");
  initialize(net, InitScheme::He, 3);
  TrainConfig config;
  config.epochs = 3;
  config.batchSize = 16;
  config.optimizer.kind = OptimizerKind::Adam;
  config.optimizer.learningRate = 0.01;
  config.optimizer.momentum = 0.0;
  config.pixelLoss = PixelLossKind::CrossEntropyDice;
  OnednnBackend backend;
  const Preprocess pre = preprocessFor(net.inputShape(), data.train);
  Trainer trainer(net, data, pre, config, backend);
  const TrainResult result = trainer.run();
  ASSERT_EQ(result.epochs.size(), 3u);
  EXPECT_LT(result.epochs[2].trainLoss, result.epochs[0].trainLoss);
  // (What the scenes' quality comes to is bench/segmentation.py's: mini-unet's test mean IoU
  // 0.911 in 8 epochs; this small network in a second learns little beyond the background.)
  for (const EpochReport& e : result.epochs) {
    EXPECT_TRUE(e.segmentation);
    EXPECT_EQ(e.testClassIou.size(), size_t(kSceneClasses));
    EXPECT_GT(e.testAccuracy, 0.5); // of pixels: the background alone is most of them
    EXPECT_GE(e.testMeanIou, 0.0);
    EXPECT_LE(e.testMeanIou, 1.0);
  }
  // The trainer evaluates in batches of 64: the 32 test scenes as one batch, here too.
  const Evaluation ev = evaluate(net, backend, data.test, pre, LossKind::CrossEntropy, 64, 0,
                                 PixelLossKind::CrossEntropyDice);
  EXPECT_DOUBLE_EQ(ev.meanIou, result.epochs[2].testMeanIou);
  SegmentationMetrics direct(kSceneClasses);
  net.setTraining(false);
  std::vector<size_t> all(data.test.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Tensor images;
  std::vector<int> labels;
  std::vector<uint8_t> pixels;
  makeBatch(data.test, all.data(), all.size(), pre, images, labels, &pixels);
  direct.add(pixelClasses(net.forward(backend, images)), pixels);
  EXPECT_NEAR(ev.meanIou, direct.meanIou(), 1e-12);
  EXPECT_NEAR(ev.accuracy, direct.pixelAccuracy(), 1e-12);
  // A classifier's loss on segmentation data, and a per-pixel loss on images, are refused by name.
  config.loss = LossKind::HalfSquaredError;
  EXPECT_THROW(Trainer(net, data, pre, config, backend), std::invalid_argument);
}
