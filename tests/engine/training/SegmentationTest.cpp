// Per-pixel losses against PyTorch (F.cross_entropy with ignore_index, Dice by autograd:
// tests/data/golden.json), in either layout of the scores; Dice's gradient against finite
// differences; the metrics on a confusion matrix worked by hand.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/training/Segmentation.h"

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
