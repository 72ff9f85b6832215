// Convolution as a sparse, weight-shared fully connected layer, and pooling's tolerance of a
// one-pixel shift (engine/lessons/ConvolutionLessons.h), on the lecture's numbers.
#include "TestUtils.h"
#include "common/TestPaths.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/ConvolutionLessons.h"
#include "engine/lessons/Filtering.h"

#include <gtest/gtest.h>

#include <set>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensor;
using convscope::test::tensorsClose;

namespace {
Conv2DGeometry geometry(int64_t k, int64_t stride = 1, int64_t pad = 0) {
  Conv2DGeometry g;
  g.kernelH = g.kernelW = k;
  g.strideH = g.strideW = stride;
  g.padTop = g.padBottom = g.padLeft = g.padRight = pad;
  return g;
}
} // namespace

TEST(ConvolutionAsMatrix, isTheSixBySixConvolutionWithNineSharedWeightsARow) {
  const Tensor six = test::lectureExample("six.txt");
  const Tensor filter = loadMatrixFile(test::examplePath("filter1.txt")); // (1, 3, 3)
  const Tensor w = filter.reshaped(Shape{1, 1, 3, 3});
  ReferenceBackend reference;
  const ConvolutionMatrix m = convolutionMatrix(geometry(3), six.shape(), w, 0);
  EXPECT_EQ(m.rows, 16);
  EXPECT_EQ(m.columns, 36);
  EXPECT_EQ(m.weightsPerRow, 9);
  EXPECT_EQ(m.nonZero, 16 * 9); // no padding: every row holds all nine
  // Weight sharing: each row holds the same nine weights, in the kernel's order.
  for (int64_t r = 0; r < m.rows; ++r) {
    std::vector<float> row;
    std::vector<int> taps;
    for (int64_t c = 0; c < m.columns; ++c)
      if (m.tap[size_t(r * m.columns + c)] >= 0)
        row.push_back(m.matrix.data()[r * m.columns + c]), taps.push_back(m.tap[size_t(r * m.columns + c)]);
    ASSERT_EQ(row.size(), 9u) << r;
    for (int t = 0; t < 9; ++t) {
      EXPECT_EQ(taps[size_t(t)], t);
      EXPECT_EQ(row[size_t(t)], w.data()[t]);
    }
  }
  // Output (1, 1) reads input rows 1–3, columns 1–3: columns 7, 8, 9, 13, … of row 5.
  EXPECT_EQ(m.tap[size_t(5 * 36 + 7)], 0);
  EXPECT_EQ(m.tap[size_t(5 * 36 + 21)], 8);
  EXPECT_EQ(m.tap[size_t(5 * 36 + 6)], -1);
  // y = M·x + b is the convolution, to the bit on integers.
  Tensor conv(Shape{1, 1, 4, 4});
  const Tensor bias(Shape{1}, -1.0f);
  reference.conv2dForward(geometry(3), six, w, &bias, conv);
  const Tensor y = convolveAsMatrix(reference, m, six, -1.0f, 4, 4);
  EXPECT_TRUE(tensorsClose(y, conv, 0.0f));
}

TEST(ConvolutionAsMatrix, matchesBothBackendsWithPaddingStrideAndChannels) {
  const Tensor input = randomTensor(Shape{1, 3, 7, 6}, 26);
  const Tensor weights = randomTensor(Shape{2, 3, 3, 3}, 27);
  const Conv2DGeometry g = geometry(3, 2, 1);
  ReferenceBackend reference;
  OnednnBackend onednn;
  const ConvolutionMatrix m = convolutionMatrix(g, input.shape(), weights, 1);
  EXPECT_EQ(m.rows, 4 * 3);
  EXPECT_EQ(m.columns, 3 * 7 * 6);
  EXPECT_LT(m.nonZero, m.rows * 27); // padding taps hold no column
  const Tensor bias = tensor(Shape{2}, {0.25f, -0.5f});
  Tensor conv(Shape{1, 2, 4, 3});
  reference.conv2dForward(g, input, weights, &bias, conv);
  Tensor channel(Shape{1, 1, 4, 3});
  for (int64_t i = 0; i < 12; ++i) channel.data()[i] = conv.data()[12 + i];
  EXPECT_TRUE(tensorsClose(convolveAsMatrix(reference, m, input, -0.5f, 4, 3), channel, 1e-5f));
  EXPECT_TRUE(tensorsClose(convolveAsMatrix(onednn, m, input, -0.5f, 4, 3), channel, 1e-5f));
}

TEST(ConvolutionAsMatrix, refusesWhatItCannotDrawNamingTheSizes) {
  const Tensor w(Shape{1, 1, 3, 3}, 1.0f);
  try {
    (void)convolutionMatrix(geometry(3), Shape{1, 1, 512, 512}, w, 0);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("260100 output cells × 262144 input cells"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)convolutionMatrix(geometry(3), Shape{1, 2, 6, 6}, w, 0), std::invalid_argument); // channels
  EXPECT_THROW((void)convolutionMatrix(geometry(3), Shape{1, 1, 6, 6}, w, 1), std::invalid_argument); // channel
  EXPECT_THROW((void)convolutionMatrix(geometry(7), Shape{1, 1, 6, 6}, w, 0), std::invalid_argument);  // too big a kernel
}

TEST(PoolingShift, aShiftWithinAWindowLeavesMaxPoolingAsItWas) {
  ReferenceBackend backend;
  Pool2DGeometry pool; // max 2×2, stride 2
  // One bright pixel at (0, 0): shifted one to the right it stays in the first window.
  Tensor map(Shape{1, 1, 4, 4}, 0.0f);
  map.at(0, 0, 0, 0) = 9;
  ShiftComparison r = compareShifted(backend, map, pool, 0, 1);
  EXPECT_EQ(r.shifted.at(0, 0, 0, 1), 9);
  EXPECT_EQ(r.changedInput, 2);
  EXPECT_EQ(r.same, 4);
  EXPECT_EQ(r.pooled.at(0, 0, 0, 0), 9);
  // At (0, 1) the same shift crosses into the next window: two pooled cells change.
  map.at(0, 0, 0, 0) = 0;
  map.at(0, 0, 0, 1) = 9;
  r = compareShifted(backend, map, pool, 0, 1);
  EXPECT_EQ(r.same, 2);
  EXPECT_FALSE(r.unchanged[0]);
  EXPECT_FALSE(r.unchanged[1]);
  EXPECT_EQ(r.shiftedPooled.at(0, 0, 0, 1), 9);
  EXPECT_THROW((void)compareShifted(backend, map, pool, 3, 0), std::invalid_argument);
}
