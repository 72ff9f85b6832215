// The backward lesson on the lecture's 6×6 image and filter 1: its gradients against central
// finite differences of its own error, its written-out cells against the gradient tensors,
// the update against w − η·g, and the error falling as the loop repeats.
#include "TestUtils.h"

#include "engine/lessons/BackwardLesson.h"
#include "engine/backend/reference/ExplainBackward.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;
using Stage = BackwardLesson::Stage;

namespace {

LessonSetup lectureSetup(LessonLoss loss = LessonLoss::SquaredError) {
  LessonSetup s;
  s.image = test::lectureExample("six.txt");
  s.kernel = test::lectureExample("filter1.txt");
  s.loss = loss;
  return s;
}

// ∂E/∂(kernel weight i) by central differences of the lesson's own error, in double.
double numericKernelGradient(LessonSetup s, int64_t i, bool bias) {
  const float h = 1e-2f;
  float& v = bias ? s.bias : s.kernel.data()[i];
  const float saved = v;
  v = saved + h;
  const double plus = BackwardLesson(s).error();
  v = saved - h;
  const double minus = BackwardLesson(s).error();
  return (plus - minus) / (2.0 * h);
}

// The last number of a written-out sum ("… = 0.1234"), with "−" for minus.
double lastNumber(const std::string& text) {
  std::string t = text.substr(text.rfind("= ") + 2);
  const std::string minus = "−";
  if (t.rfind(minus, 0) == 0) t = "-" + t.substr(minus.size());
  return std::stod(t);
}

// The written-out numbers carry a slide's three significant digits (kSlideDigits): half a
// unit in the third digit.
double slideTolerance(double value) { return std::max(1e-6, 5e-3 * std::fabs(value)); }

} // namespace

TEST(BackwardLesson, TheLectureNetworkHasTheLectureShapes) {
  const BackwardLesson lesson(lectureSetup());
  EXPECT_EQ(lesson.convOutput().shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(lesson.pooled().shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(lesson.features().shape(), (Shape{1, 4}));
  EXPECT_EQ(lesson.probabilities().shape(), (Shape{1, 4}));
  // The lecture's feature map for filter 1 on the 6×6 image starts 3, −1, −3, −1.
  EXPECT_FLOAT_EQ(lesson.convOutput().at(0, 0, 0, 0), 3.0f);
  EXPECT_FLOAT_EQ(lesson.convOutput().at(0, 0, 0, 1), -1.0f);
  EXPECT_EQ(lesson.cellCount(Stage::KernelGradient), 10); // 9 weights and the bias
  EXPECT_EQ(lesson.cellCount(Stage::DenseGradient), 16);
  double e = 0;
  for (int j = 0; j < 4; ++j) {
    const double d = (j == 2 ? 1.0 : 0.0) - lesson.probabilities().data()[j];
    e += 0.5 * d * d;
  }
  EXPECT_NEAR(lesson.error(), e, 1e-7);
}

TEST(BackwardLesson, KernelGradientsEqualFiniteDifferencesOfTheError) {
  for (const LessonLoss loss : {LessonLoss::SquaredError, LessonLoss::CrossEntropy}) {
    // The lecture's integers put outputs on ReLU's kink and ties in the pooling windows,
    // where a difference quotient straddles two slopes: the image is nudged off them.
    LessonSetup s = lectureSetup(loss);
    const Tensor noise = test::randomTensor(s.image.shape(), 11, -0.2f, 0.2f);
    for (int64_t i = 0; i < s.image.size(); ++i) s.image.data()[i] += noise.data()[i];
    const BackwardLesson lesson(s);
    for (int64_t i = 0; i < 9; ++i)
      EXPECT_NEAR(lesson.kernelGradient().data()[i], numericKernelGradient(s, i, false), 2e-4)
          << "weight " << i << (loss == LessonLoss::SquaredError ? " (squared error)" : " (cross-entropy)");
    EXPECT_NEAR(lesson.biasGradient(), numericKernelGradient(s, 0, true), 2e-4);
  }
}

TEST(BackwardLesson, EveryWrittenOutCellEndsWithItsGradient) {
  const BackwardLesson lesson(lectureSetup());
  for (int c = 0; c < 9; ++c)
    EXPECT_NEAR(lastNumber(lesson.explain(Stage::KernelGradient, c)), lesson.kernelGradient().data()[c],
                slideTolerance(lesson.kernelGradient().data()[c]));
  EXPECT_NEAR(lastNumber(lesson.explain(Stage::KernelGradient, 9)), lesson.biasGradient(),
              slideTolerance(lesson.biasGradient()));
  for (int c = 0; c < 16; ++c) {
    const float relu = lesson.convOutputGradient().data()[c];
    const std::string text = lesson.explain(Stage::ReLUGradient, c);
    if (lesson.convOutput().data()[c] <= 0) {
      EXPECT_EQ(relu, 0.0f);
      EXPECT_NE(text.find("no gradient flows back"), std::string::npos) << text;
    }
  }
  for (int c = 0; c < 4; ++c) {
    const std::string text = lesson.explain(Stage::ErrorGradient, c);
    EXPECT_NEAR(lastNumber(text), lesson.logitGradient().data()[c], slideTolerance(lesson.logitGradient().data()[c]))
        << text;
  }
  // The convolution's weight gradient is the correlation of the input with δ, as `gradient` computes it.
  Conv2DGeometry g;
  g.kernelH = g.kernelW = 3;
  for (int c = 0; c < 9; ++c)
    EXPECT_FLOAT_EQ(
        explainConv2dWeightGradient(g, lesson.setup().image, lesson.convOutputGradient(), 0, 0, c / 3, c % 3).value,
        lesson.kernelGradient().data()[c]);
  EXPECT_THROW(lesson.explain(Stage::Pooling, 4), std::invalid_argument);
}

TEST(BackwardLesson, TheUpdateIsGradientDescentAndTheErrorFalls) {
  BackwardLesson lesson(lectureSetup());
  const Tensor before = lesson.kernel(), gradient = lesson.kernelGradient(), expected = lesson.updatedKernel();
  const double errorBefore = lesson.error();
  lesson.update();
  for (int64_t i = 0; i < 9; ++i) {
    EXPECT_FLOAT_EQ(lesson.kernel().data()[i], before.data()[i] - 0.5f * gradient.data()[i]);
    EXPECT_FLOAT_EQ(lesson.kernel().data()[i], expected.data()[i]);
  }
  EXPECT_LT(lesson.error(), errorBefore);
  EXPECT_EQ(lesson.iteration(), 1);
  for (int i = 0; i < 30; ++i) lesson.update();
  EXPECT_LT(lesson.errors().back(), lesson.errors().front() / 2);
  EXPECT_EQ(lesson.predicted(), 2); // the target class, as the lecture's step 4 promises
}

TEST(BackwardLesson, MomentumIsWrittenOutAsTheOptimizerTakesIt) {
  LessonSetup s = lectureSetup(LessonLoss::CrossEntropy);
  s.momentum = 0.9f;
  BackwardLesson lesson(s);
  lesson.update();
  const Tensor expected = lesson.updatedKernel();
  EXPECT_NE(lesson.explain(Stage::Update, 0).find("v = μ·v + g"), std::string::npos);
  lesson.update();
  for (int64_t i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(lesson.kernel().data()[i], expected.data()[i]);
}

TEST(BackwardLesson, ASetupThatDoesNotFitIsNamed) {
  LessonSetup s = lectureSetup();
  s.target = 7;
  try {
    BackwardLesson lesson(s);
    FAIL() << "a target outside the classes was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("target class 8"), std::string::npos) << e.what();
  }
  s = lectureSetup();
  s.rate = -1;
  EXPECT_THROW(BackwardLesson{s}, std::invalid_argument);
  s = lectureSetup();
  s.kernel = test::lectureExample("rgb-kernel.txt");
  EXPECT_THROW(BackwardLesson{s}, std::invalid_argument);
}

// README's and the teaching guide's numbers: on the 6×6 example with filter 1 and η = 0.5,
// the error is 0.632 before the first update, 0.253 after it and 0.002 after the second,
// when the target class 3 reads 94 %.
TEST(BackwardLesson, TheErrorFallsAsTheReadmeSays) {
  BackwardLesson lesson(lectureSetup());
  ASSERT_EQ(lesson.setup().rate, 0.5f);
  ASSERT_EQ(lesson.setup().target, 2);
  lesson.update();
  lesson.update();
  ASSERT_EQ(lesson.errors().size(), 3u);
  EXPECT_NEAR(lesson.errors()[0], 0.632, 5e-4);
  EXPECT_NEAR(lesson.errors()[1], 0.253, 5e-4);
  EXPECT_NEAR(lesson.errors()[2], 0.002, 5e-4);
  EXPECT_NEAR(lesson.probabilities().data()[2], 0.94, 5e-3);
}
