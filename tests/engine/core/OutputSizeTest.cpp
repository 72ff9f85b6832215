// The output-size formula, its error messages, "same" padding, and every shape the
// lecture states (LeNet-5, AlexNet, VGG-16, the character-recognition CNN, the conv stack).
#include "engine/core/OutputSize.h"
#include "engine/core/Geometry.h"

#include <gtest/gtest.h>

using namespace convscope;

TEST(OutputSize, LectureFormula) {
  // o = ⌊(6 − 3 + 2·0)/2⌋ + 1 = 2
  EXPECT_EQ(outputSize({6, 3, 2, 0, 0, 1}), 2);
  EXPECT_EQ(outputSizeFormula({6, 3, 2, 0, 0, 1}), "o = ⌊(6 − 3 + 2·0) / 2⌋ + 1 = ⌊3 / 2⌋ + 1 = 2");
  EXPECT_EQ(outputSize({6, 3, 1, 0, 0, 1}), 4); // the 6x6 image and a 3x3 filter
  EXPECT_EQ(outputSize({5, 3, 1, 1, 1, 1}), 5); // padding 1 keeps 5x5
  EXPECT_EQ(outputSize({5, 3, 2, 1, 1, 1}), 3); // the stride example
}

TEST(OutputSize, DilationAndAsymmetricPadding) {
  EXPECT_EQ(outputSize({7, 3, 1, 0, 0, 2}), 3);  // dilated span 5
  EXPECT_EQ(outputSize({10, 3, 3, 1, 2, 2}), 3); // ⌊(10+3−4−1)/3⌋+1
  EXPECT_EQ(outputSizeFormula({10, 3, 3, 1, 2, 2}), "o = ⌊(10 + 1 + 2 − 2·(3 − 1) − 1) / 3⌋ + 1 = ⌊8 / 3⌋ + 1 = 3");
}

TEST(OutputSize, InvalidWindowsSayWhy) {
  EXPECT_EQ(windowProblem({6, 3, 0, 0, 0, 1}, "conv"), "conv: stride 0 must be at least 1");
  EXPECT_EQ(windowProblem({6, 3, 1, -1, 0, 1}, "conv"), "conv: padding -1,0 must not be negative");
  EXPECT_EQ(windowProblem({6, 7, 1, 0, 0, 2}, "conv"),
            "conv: kernel 7 (dilated 13) is larger than the padded input 6 (input 6 + padding 0 + 0)");
  EXPECT_THROW(outputSize({6, 3, 0, 0, 0, 1}), std::invalid_argument);
  EXPECT_NE(outputSizeFormula({4, 5, 1, 0, 0, 1}).find("invalid"), std::string::npos);
}

TEST(OutputSize, ConvShapeErrorsNameTheLayer) {
  Conv2DGeometry g;
  g.kernelH = g.kernelW = 7;
  g.dilationH = g.dilationW = 2;
  try {
    conv2dOutputShape(Shape{1, 1, 6, 6}, 4, g, "Conv2D 'conv1'");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Conv2D 'conv1': kernel 7x7 (dilated 13x13) is larger than the padded input 6x6");
  }
  g = {};
  g.groups = 2;
  EXPECT_THROW(conv2dOutputShape(Shape{1, 3, 8, 8}, 4, g), std::invalid_argument); // 3 % 2
}

TEST(OutputSize, SamePadding) {
  EXPECT_EQ(samePadding(6, 3, 1, 1).begin, 1);
  EXPECT_EQ(samePadding(6, 3, 1, 1).end, 1);
  const AxisPadding p = samePadding(7, 4, 2, 1); // out 4, total (3·2 + 4 − 7) = 3
  EXPECT_EQ(p.begin, 1);
  EXPECT_EQ(p.end, 2);
  EXPECT_EQ(outputSize({7, 4, 2, p.begin, p.end, 1}), 4);
}

namespace {
int64_t conv(int64_t i, int64_t k, int64_t s = 1, int64_t p = 0) { return outputSize({i, k, s, p, p, 1}); }
} // namespace

TEST(OutputSize, LectureLeNet5Table) {
  int64_t x = 32;
  x = conv(x, 5); // conv1 6@5x5
  EXPECT_EQ(x, 28);
  x = conv(x, 2, 2); // avg pool 2x2/2
  EXPECT_EQ(x, 14);
  x = conv(x, 5); // conv2 16@5x5
  EXPECT_EQ(x, 10);
  x = conv(x, 2, 2);
  EXPECT_EQ(x, 5);
  EXPECT_EQ(conv(x, 5), 1); // conv3 120@5x5 → 120 features
}

TEST(OutputSize, LectureAlexNetTable) {
  int64_t x = conv(227, 11, 4);
  EXPECT_EQ(x, 55);
  x = conv(x, 3, 2);
  EXPECT_EQ(x, 27);
  x = conv(x, 5, 1, 2);
  EXPECT_EQ(x, 27);
  x = conv(x, 3, 2);
  EXPECT_EQ(x, 13);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(conv(x, 3, 1, 1), 13); // conv3..conv5
}

TEST(OutputSize, LectureVgg16TableWithRealPooling) {
  // The slide says 3x3 pooling; VGG-16 pools 2x2/2, which gives the sizes the table lists.
  int64_t x = 224;
  for (int64_t expected : {112, 56, 28, 14, 7}) {
    EXPECT_EQ(conv(x, 3, 1, 1), x); // the block's 3x3 convolutions keep the size
    x = conv(x, 2, 2);
    EXPECT_EQ(x, expected);
  }
  EXPECT_EQ(x * x * 512, 25088); // the first FC's input
}

TEST(OutputSize, LectureCharacterRecognitionCnn) {
  // 28x28 → 4@24x24 (5x5) → 12x12 → 12@8x8 (5x5) → 4x4 → 26 neurons with 4x4 fields.
  EXPECT_EQ(conv(28, 5), 24);
  EXPECT_EQ(conv(24, 2, 2), 12);
  EXPECT_EQ(conv(12, 5), 8);
  EXPECT_EQ(conv(8, 2, 2), 4);
  EXPECT_EQ(conv(4, 4), 1);
}

TEST(OutputSize, LectureConvolutionStack) {
  // Convolution 2: 13x13x16 with 2@3x3 → 6x6x2 (stride 2); convolution 3: 6x6x2 with 3@3x3 → 4x4x3.
  EXPECT_EQ(conv(13, 3, 2), 6);
  EXPECT_EQ(conv(6, 3, 1), 4);
  // Convolution 1's 28x28 → 13x13 with 5x5 kernels adds up with stride 2 and padding 1.
  EXPECT_EQ(conv(28, 5, 2, 1), 13);
}

TEST(OutputSize, LectureGoogLeNetStem) {
  EXPECT_EQ(outputSize({224, 7, 2, 3, 3, 1}), 112); // 7x7/2
  EXPECT_EQ(outputSize({112, 3, 2, 0, 1, 1}), 56);  // max pool 3x3/2 (ceil mode ≈ one cell of end padding)
  EXPECT_EQ(outputSize({7, 7, 1, 0, 0, 1}), 1);     // avg pool 7x7/1
}

TEST(OutputSize, CeilModeCountsALastPartialWindow) {
  // GoogLeNet's max pooling 3×3/2 on 112: ceil((112 − 3)/2) + 1 = 56, where the floor gives 55.
  EXPECT_EQ(outputSize({112, 3, 2, 0, 0, 1, false}), 55);
  EXPECT_EQ(outputSize({112, 3, 2, 0, 0, 1, true}), 56);
  EXPECT_EQ(outputSize({8, 3, 2, 0, 0, 1, true}), 4);
  // Never a window that starts in the end padding (PyTorch's rule): 5 with 2x2/2, pad 1.
  EXPECT_EQ(outputSize({5, 2, 2, 1, 1, 1, true}), 3);
  EXPECT_EQ(outputSize({6, 2, 2, 0, 0, 1, true}), 3); // exact fit: ceil changes nothing
  // The backends compute it as max pooling with the end padding grown to hold that window.
  Pool2DGeometry g;
  g.kernelH = g.kernelW = 3;
  g.ceilMode = true;
  const Pool2DGeometry f = flooredGeometry(g, Shape{1, 1, 112, 112});
  EXPECT_FALSE(f.ceilMode);
  EXPECT_EQ(f.padBottom, 1);
  EXPECT_EQ(pool2dOutputShape(Shape{1, 1, 112, 112}, f), (Shape{1, 1, 56, 56}));
  g.mode = PoolMode::Average;
  EXPECT_THROW(pool2dOutputShape(Shape{1, 1, 112, 112}, g), std::invalid_argument);
}
