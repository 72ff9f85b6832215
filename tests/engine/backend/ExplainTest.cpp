// Pooling, fully-connected and softmax explanations: the lecture's numbers and texts, padding,
// and on random inputs every explained value equal to the reference backend's, bit for bit.
#include "TestUtils.h"

#include "engine/io/MatrixText.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <gtest/gtest.h>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensor;

namespace {
Pool2DGeometry pool(PoolMode mode, int64_t kernel = 2, int64_t stride = 2, int64_t pad = 0) {
  Pool2DGeometry g;
  g.mode = mode;
  g.kernelH = g.kernelW = kernel;
  g.strideH = g.strideW = stride;
  g.padTop = g.padBottom = g.padLeft = g.padRight = pad;
  return g;
}
} // namespace

TEST(ExplainPool, LectureAveragePooling) {
  const Tensor src = test::lectureExample("pool-avg.txt");
  const PoolExplanation e = explainPool2d(pool(PoolMode::Average), src, 0, 0, 0, 0);
  ASSERT_EQ(e.cells.size(), 4u);
  EXPECT_EQ(e.divisor, 4);
  EXPECT_EQ(e.value, 36.5f); // the slide prints 36
  EXPECT_EQ(e.cells[2].row, 1);
  EXPECT_EQ(e.cells[2].col, 0);
  EXPECT_EQ(e.cells[2].value, 0.0f);
  EXPECT_FALSE(e.cells[2].padding);
  EXPECT_EQ(poolExplanationText(e), "(31 + 15 + 0 + 100) / 4 = 36.5");
  EXPECT_EQ(poolExplanationText(explainPool2d(pool(PoolMode::Average), src, 0, 0, 0, 1)),
            "(28 + 184 + 70 + 38) / 4 = 80");
  EXPECT_EQ(explainPool2d(pool(PoolMode::Average), src, 0, 0, 1, 0).value, 12.0f);
  EXPECT_EQ(explainPool2d(pool(PoolMode::Average), src, 0, 0, 1, 1).value, 15.0f);
}

TEST(ExplainPool, LectureMaxPooling) {
  const Tensor src = test::lectureExample("pool-max.txt");
  const PoolExplanation e = explainPool2d(pool(PoolMode::Max), src, 0, 0, 0, 0);
  EXPECT_EQ(e.value, 100.0f);
  EXPECT_EQ(e.maxCell, 3); // (1, 1)
  EXPECT_EQ(e.cells[3].row, 1);
  EXPECT_EQ(e.cells[3].col, 1);
  EXPECT_EQ(e.divisor, 1);
  EXPECT_EQ(poolExplanationText(e), "max(29, 15, 0, 100) = 100");
  const PoolExplanation topRight = explainPool2d(pool(PoolMode::Max), src, 0, 0, 0, 1);
  EXPECT_EQ(topRight.value, 184.0f);
  EXPECT_EQ(topRight.maxCell, 1);
  EXPECT_EQ(poolExplanationText(topRight), "max(28, 184, 70, 38) = 184");
  // Ties: the first largest cell, as max pooling's backward pass routes the gradient.
  const PoolExplanation bottomLeft = explainPool2d(pool(PoolMode::Max), src, 0, 0, 1, 0);
  EXPECT_EQ(bottomLeft.value, 12.0f);
  EXPECT_EQ(bottomLeft.maxCell, 0);
  EXPECT_EQ(explainPool2d(pool(PoolMode::Max), src, 0, 0, 1, 1).value, 45.0f);
}

TEST(ExplainPool, LectureFeatureMapSumAverageAndMax) {
  const Tensor src = test::lectureExample("feature-map.txt");
  EXPECT_EQ(poolExplanationText(explainPool2d(pool(PoolMode::Sum), src, 0, 0, 0, 0)), "6 + 6 + 4 + 5 = 21");
  EXPECT_EQ(poolExplanationText(explainPool2d(pool(PoolMode::Sum), src, 0, 0, 1, 1)), "4 + 2 + 4 + 2 = 12");
  EXPECT_EQ(poolExplanationText(explainPool2d(pool(PoolMode::Average), src, 0, 0, 0, 1)), "(6 + 6 + 5 + 4) / 4 = 5.25");
  EXPECT_EQ(poolExplanationText(explainPool2d(pool(PoolMode::Max), src, 0, 0, 1, 0)), "max(2, 4, 2, 4) = 4");
}

TEST(ExplainPool, PaddingCountsAsZeroForSumsAndIsIgnoredByMax) {
  // 3x3 input, 2x2 window, stride 2, padding 1: the first window is three padded cells and (0, 0).
  const Tensor src = tensor({1, 1, 3, 3}, {-2, 1, 2, 3, 4, 5, 6, 7, 8});
  const PoolExplanation avg = explainPool2d(pool(PoolMode::Average, 2, 2, 1), src, 0, 0, 0, 0);
  ASSERT_EQ(avg.cells.size(), 4u);
  EXPECT_TRUE(avg.cells[0].padding);
  EXPECT_EQ(avg.cells[0].row, -1);
  EXPECT_EQ(avg.cells[0].col, -1);
  EXPECT_FALSE(avg.cells[3].padding);
  EXPECT_EQ(avg.divisor, 4); // padding is in the divisor
  EXPECT_EQ(avg.value, -0.5f);
  EXPECT_EQ(poolExplanationText(avg), "(0 + 0 + 0 + (−2)) / 4 = −0.5");
  const PoolExplanation sum = explainPool2d(pool(PoolMode::Sum, 2, 2, 1), src, 0, 0, 0, 1);
  EXPECT_EQ(poolExplanationText(sum), "0 + 0 + 1 + 2 = 3");
  const PoolExplanation max = explainPool2d(pool(PoolMode::Max, 2, 2, 1), src, 0, 0, 0, 0);
  EXPECT_EQ(max.value, -2.0f); // not the padding's 0
  EXPECT_EQ(max.maxCell, 3);
  EXPECT_EQ(poolExplanationText(max), "max(−2) = −2");
  EXPECT_EQ(poolExplanationText(explainPool2d(pool(PoolMode::Max, 2, 2, 1), src, 0, 0, 1, 1)), "max(4, 5, 7, 8) = 8");
}

TEST(ExplainPool, PositionOutsideTheOutputIsNamed) {
  const Tensor src = test::lectureExample("pool-max.txt");
  try {
    explainPool2d(pool(PoolMode::Max), src, 0, 0, 2, 0);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "explain: position (2,0) of channel 0 in image 0 is outside the pooled output 2x2 with 1 channel(s) "
                 "and 1 image(s)");
  }
  EXPECT_THROW(explainPool2d(pool(PoolMode::Max), src, 0, 1, 0, 0), std::invalid_argument);
  EXPECT_THROW(explainPool2d(pool(PoolMode::Max), src, 0, 0, 0, -1), std::invalid_argument);
}

TEST(ExplainPool, EveryCellEqualsTheReferenceBackend) {
  ReferenceBackend reference;
  const Tensor src = randomTensor({2, 3, 7, 6}, 11, -5.0f, 5.0f);
  int checked = 0;
  for (PoolMode mode : {PoolMode::Max, PoolMode::Average, PoolMode::Sum})
    for (int64_t kernel : {2, 3})
      for (int64_t stride : {1, 2, 3})
        for (int64_t pad = 0; pad < kernel; ++pad) {
          const Pool2DGeometry g = pool(mode, kernel, stride, pad);
          Tensor dst(pool2dOutputShape(src.shape(), g));
          reference.pool2dForward(g, src, dst);
          const Shape& d = dst.shape();
          for (int64_t n = 0; n < d[0]; ++n)
            for (int64_t c = 0; c < d[1]; ++c)
              for (int64_t r = 0; r < d[2]; ++r)
                for (int64_t col = 0; col < d[3]; ++col) {
                  const PoolExplanation e = explainPool2d(g, src, n, c, r, col);
                  ASSERT_EQ(e.value, dst.at(n, c, r, col))
                      << g.toString() << " at " << n << "," << c << "," << r << "," << col;
                  ASSERT_EQ(e.cells.size(), size_t(kernel * kernel));
                  if (mode == PoolMode::Max) {
                    ASSERT_EQ(e.cells[size_t(e.maxCell)].value, e.value);
                  }
                  ++checked;
                }
        }
  EXPECT_GT(checked, 1000);
}

TEST(ExplainDense, TermsSumBiasAndText) {
  const Tensor src = tensor({1, 3}, {3, -1, 2});
  const Tensor weights = tensor({2, 3}, {0.5f, -0.25f, 2, 1, 1, 1});
  const Tensor bias = tensor({2}, {-0.5f, 1});
  const DenseExplanation e = explainDense(src, weights, &bias, 0, 0);
  ASSERT_EQ(e.terms.size(), 3u);
  EXPECT_EQ(e.terms[1].input, -1.0f);
  EXPECT_EQ(e.terms[1].weight, -0.25f);
  EXPECT_EQ(e.sum, 5.75);
  EXPECT_EQ(e.bias, -0.5f);
  EXPECT_EQ(e.value, 5.25f);
  {
    // Two-decimal weights: the float noise of the sum (−0.53000003) is not shown.
    const Tensor x = tensor({1, 3}, {3, 0, 1});
    const Tensor w = tensor({1, 3}, {-0.18f, -0.25f, 0.01f});
    const Tensor b = tensor({1}, {0.2f});
    EXPECT_EQ(denseExplanationText(explainDense(x, w, &b, 0, 0), "z4"),
              "z4 = (−0.18)·3 + (−0.25)·0 + 0.01·1\n   = −0.53 + bias 0.2 = −0.33");
  }
  EXPECT_EQ(denseExplanationText(e, "z1"), "z1 = 0.5·3 + (−0.25)·(−1) + 2·2\n   = 5.75 + bias (−0.5) = 5.25");
  EXPECT_EQ(denseExplanationText(e, "z1", 2),
            "z1 = 0.5·3 + (−0.25)·(−1) + … (3 products in all)\n   = 5.75 + bias (−0.5) = 5.25");
  const DenseExplanation noBias = explainDense(src, weights, nullptr, 0, 1);
  EXPECT_EQ(noBias.value, 4.0f);
  EXPECT_EQ(denseExplanationText(noBias, "z(7)"), "z(7) = 1·3 + 1·(−1) + 1·2\n     = 4");
}

TEST(ExplainDense, LearnedWeightsToFourDigits) {
  const Tensor src = tensor({1, 3}, {1.0f / 3.0f, -2.5f, 0.0f});
  const Tensor weights = tensor({1, 3}, {0.123456789f, 0.0001234567f, -7.654321f});
  const Tensor bias = tensor({1}, {-0.0123456f});
  const DenseExplanation e = explainDense(src, weights, &bias, 0, 0);
  // 0.0411523 − 0.000308642 = 0.0408436; − 0.0123456 = 0.028498
  EXPECT_EQ(denseExplanationText(e, "z1", 2, 4),
            "z1 = 0.1235·0.3333 + 0.0001235·(−2.5) + … (3 products in all; numbers to 4 digits)\n"
            "   = 0.04084 + bias (−0.01235) = 0.0285");
  EXPECT_EQ(denseExplanationText(e, "z1", 8, 4),
            "z1 = 0.1235·0.3333 + 0.0001235·(−2.5) + (−7.654)·0 (numbers to 4 digits)\n"
            "   = 0.04084 + bias (−0.01235) = 0.0285");
}

TEST(ExplainDense, RoundedNumbers) {
  EXPECT_EQ(formatRounded(0.123456789, 4), "0.1235");
  EXPECT_EQ(formatRounded(-1234.5678, 4), "−1235");
  EXPECT_EQ(formatRounded(9.99996, 4), "10");
  EXPECT_EQ(formatRounded(2.5, 4), "2.5");
  EXPECT_EQ(formatRounded(5.15e-7, 3), "5.15e−7");
  EXPECT_EQ(formatRounded(7.5e13, 2), "7.5e13");
  EXPECT_EQ(formatRounded(0.1f, 0), "0.1"); // digits 0: formatNumber, shortest exact float
  EXPECT_EQ(formatRounded(0.0, 4), "0");
}

TEST(ExplainDense, EveryOutputEqualsTheReferenceBackend) {
  ReferenceBackend reference;
  const Tensor src = randomTensor({3, 400}, 5);
  const Tensor weights = randomTensor({7, 400}, 6, -0.1f, 0.1f);
  const Tensor bias = randomTensor({7}, 7);
  for (const Tensor* b : {&bias, static_cast<const Tensor*>(nullptr)}) {
    Tensor dst({3, 7});
    reference.denseForward(src, weights, b, dst);
    for (int64_t n = 0; n < 3; ++n)
      for (int64_t k = 0; k < 7; ++k) {
        const DenseExplanation e = explainDense(src, weights, b, n, k);
        ASSERT_EQ(e.value, dst.data()[n * 7 + k]) << "output " << k << " of image " << n;
        ASSERT_EQ(e.terms.size(), 400u);
        EXPECT_EQ(e.terms[17].input, src.data()[n * 400 + 17]);
        EXPECT_EQ(e.terms[17].weight, weights.data()[k * 400 + 17]);
      }
  }
  const std::string text = denseExplanationText(explainDense(src, weights, &bias, 0, 0), "z1", 8, 4);
  EXPECT_NE(text.find(" + … (400 products in all; numbers to 4 digits)\n   = "), std::string::npos) << text;
}

TEST(ExplainDense, OutputOutsideTheLayerIsNamed) {
  const Tensor src = tensor({1, 2}, {1, 2});
  const Tensor weights = tensor({3, 2}, {1, 2, 3, 4, 5, 6});
  try {
    explainDense(src, weights, nullptr, 0, 3);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "explain dense: output 3 is outside the layer's 3 outputs (0 to 2)");
  }
  EXPECT_THROW(explainDense(src, weights, nullptr, 1, 0), std::invalid_argument);
  EXPECT_THROW(explainDense(src, tensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), nullptr, 0, 0), std::invalid_argument);
}

TEST(ExplainSoftmax, SumOfExponentialsThenEachProbability) {
  ReferenceBackend reference;
  const Tensor logits = tensor({1, 3}, {2, 1, -1});
  Tensor probabilities({1, 3});
  reference.softmaxForward(logits, probabilities);
  EXPECT_EQ(softmaxExplanationText(logits, probabilities, {"p(cat)", "p(dog)", "p(fish)"}, 4),
            "softmax: p_k = e^z_k / Σ_j e^z_j\n"
            "Σ_j e^z_j = e^2 + e^1 + e^(−1) = 7.389 + 2.718 + 0.3679 = 10.48\n"
            "p(cat) = e^2 / 10.48 = 0.7054\n"
            "p(dog) = e^1 / 10.48 = 0.2595\n"
            "p(fish) = e^(−1) / 10.48 = 0.03512\n");
  const std::string exact = softmaxExplanationText(logits, probabilities, {}, 0);
  EXPECT_NE(exact.find("\np3 = e^(−1) / "), std::string::npos) << exact;
}

TEST(ExplainSoftmax, LargeLogitsAreShiftedByTheirMaximum) {
  ReferenceBackend reference;
  const Tensor logits = tensor({1, 2}, {100, 99});
  Tensor probabilities({1, 2});
  reference.softmaxForward(logits, probabilities);
  EXPECT_EQ(softmaxExplanationText(logits, probabilities, {}, 4),
            "softmax: p_k = e^(z_k − m) / Σ_j e^(z_j − m), m = max_j z_j = 100\n"
            "Σ_j e^(z_j − m) = e^(100 − 100) + e^(99 − 100) = 1 + 0.3679 = 1.368\n"
            "p1 = e^(100 − 100) / 1.368 = 0.7311\n"
            "p2 = e^(99 − 100) / 1.368 = 0.2689\n");
  EXPECT_THROW(softmaxExplanationText(logits, probabilities, {"only one"}, 4), std::invalid_argument);
  EXPECT_THROW(softmaxExplanationText(tensor({2, 1}, {1, 2}), tensor({2, 1}, {1, 1}), {}, 4), std::invalid_argument);
}
