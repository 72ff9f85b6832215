// The lecture's worked examples, on both backends (the numbers are the lecture's, or the
// arithmetic's where the slide was mis-transcribed; scripts/make_golden.py checks them
// against PyTorch too).
#include "TestUtils.h"
#include "common/TestPaths.h"

#include "engine/lessons/Filtering.h"
#include "engine/lessons/Kernels.h"
#include "engine/io/MatrixText.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/Dense.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;
using convscope::test::tensor;
using convscope::test::tensorsClose;

namespace {
NamedKernel kernelFile(const std::string& file) {
  return {file, loadMatrixFile(convscope::test::examplePath(file))};
}
} // namespace

class Lecture : public ::testing::TestWithParam<BackendKind> {
protected:
  std::unique_ptr<Backend> backend_ = makeBackend(GetParam());
};

TEST_P(Lecture, SixBySixImageWithFilter1) {
  const Tensor out = applyFilterBank(*backend_, test::lectureExample("six.txt"), {kernelFile("filter1.txt")}, {});
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 4, 4}, {3, -1, -3, -1, -3, 1, 0, -3, -3, -3, 0, 1, 3, -2, -2, -1})));
}

TEST_P(Lecture, SixBySixImageWithBothFiltersMakesA2x4x4Output) {
  const Tensor out =
      applyFilterBank(*backend_, test::lectureExample("six.txt"), {kernelFile("filter1.txt"), kernelFile("filter2.txt")}, {});
  EXPECT_TRUE(tensorsClose(out, tensor({1, 2, 4, 4}, {3,  -1, -3, -1, -3, 1,  0,  -3, -3, -3, 0,  1, 3,  -2, -2, -1,
                                                      -1, -1, -1, -1, -1, -1, -2, 1,  -1, -1, -2, 1, -1, 0,  -4, 3})));
}

TEST_P(Lecture, SixBySixImageWithStride2) {
  FilterOptions o;
  o.strideH = o.strideW = 2;
  const Tensor out = applyFilterBank(*backend_, test::lectureExample("six.txt"), {kernelFile("filter1.txt")}, o);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 2}, {3, -3, -3, 0})));
}

TEST_P(Lecture, RgbExampleWithPaddingAndBias) {
  FilterOptions o;
  o.padding = PaddingSpec::parse("1");
  o.bias = 1;
  const Tensor out = applyFilterBank(*backend_, test::lectureExample("rgb5.txt"), {kernelFile("rgb-kernel.txt")}, o);
  ASSERT_EQ(out.shape(), (Shape{1, 1, 5, 5}));
  EXPECT_EQ(out.at(0, 0, 0, 0), -25.0f);
}

TEST(LectureExplain, RgbExampleChannelSums) {
  FilterOptions o;
  o.padding = PaddingSpec::parse("1");
  o.bias = 1;
  const Tensor src = test::lectureExample("rgb5.txt");
  const KernelConvolution conv = kernelConvolution(kernelFile("rgb-kernel.txt"), src.shape(), o);
  const ConvExplanation e = explainConv2d(conv.geometry, src, conv.weights, &conv.bias, 0, 0, 0, 0);
  ASSERT_EQ(e.channels.size(), 3u);
  EXPECT_EQ(e.channels[0].sum, 308.0f);
  EXPECT_EQ(e.channels[1].sum, -498.0f);
  EXPECT_EQ(e.channels[2].sum, 164.0f);
  EXPECT_EQ(e.bias, 1.0f);
  EXPECT_EQ(e.value, -25.0f);
  EXPECT_EQ(e.channels[0].terms.size(), 9u);
  EXPECT_TRUE(e.channels[0].terms[0].padding); // (−1, −1) is padding
  EXPECT_EQ(e.channels[0].terms[4].input, 156.0f);
  EXPECT_EQ(e.channels[0].terms[4].row, 0);
  const std::string text = explanationText(e);
  EXPECT_NE(text.find("308 + (−498) + 164 + 1 = −25"), std::string::npos) << text;
  EXPECT_NE(text.find("channel 1: 0·(−1) + 0·(−1) + 0·1 + 0·0 + 156·1 + 155·(−1)"), std::string::npos) << text;
}

TEST_P(Lecture, PaddingExampleSharpenGives114) {
  FilterOptions o;
  o.padding = PaddingSpec::parse("1");
  const Tensor out =
      applyFilterBank(*backend_, test::lectureExample("padding5.txt"), {{"sharpen", findClassicKernel("sharpen")->weights}}, o);
  ASSERT_EQ(out.shape(), (Shape{1, 1, 5, 5}));
  EXPECT_EQ(out.at(0, 0, 0, 0), 114.0f);
}

TEST_P(Lecture, StrideExample) {
  // The slide prints [[1,6,5],[7,10,9],[7,10,8]], but its numbers were mis-transcribed:
  // the arithmetic (and PyTorch) give this; (0,0) = 1, (1,0) = 7 and (2,1) = 10 agree.
  FilterOptions o;
  o.padding = PaddingSpec::parse("1");
  o.strideH = o.strideW = 2;
  const Tensor out = applyFilterBank(*backend_, test::lectureExample("stride5.txt"), {kernelFile("stride-kernel.txt")}, o);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 3, 3}, {1, 5, 6, 7, 8, 3, 3, 10, 4})));
}

TEST_P(Lecture, MaxPooling) {
  Pool2DGeometry g; // 2x2, stride 2, max
  Tensor out({1, 1, 2, 2});
  backend_->pool2dForward(g, test::lectureExample("pool-max.txt"), out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 2}, {100, 184, 12, 45})));
}

TEST_P(Lecture, AveragePooling) {
  // The slide prints 36 for the first window; (31 + 15 + 0 + 100) / 4 = 36.5.
  Pool2DGeometry g;
  g.mode = PoolMode::Average;
  Tensor out({1, 1, 2, 2});
  backend_->pool2dForward(g, test::lectureExample("pool-avg.txt"), out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 2}, {36.5f, 80, 12, 15})));
}

TEST_P(Lecture, MaxAverageSumPoolingOfTheFeatureMap) {
  const Tensor src = test::lectureExample("feature-map.txt");
  Pool2DGeometry g;
  Tensor out({1, 1, 2, 2});
  backend_->pool2dForward(g, src, out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 2}, {6, 6, 4, 4})));
  g.mode = PoolMode::Average;
  backend_->pool2dForward(g, src, out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 2}, {5.25f, 5.25f, 3, 3})));
  g.mode = PoolMode::Sum;
  backend_->pool2dForward(g, src, out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 2}, {21, 21, 12, 12})));
}

TEST_P(Lecture, ReluZeroesNegatives) {
  const Tensor src = tensor({1, 1, 2, 3}, {3, -1, 0, -3, 2, -0.5f});
  Tensor out(src.shape());
  backend_->activationForward(ActivationKind::ReLU, 0, src, out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 2, 3}, {3, 0, 0, 0, 2, 0})));
}

TEST_P(Lecture, SoftmaxProbabilitiesSumToOne) {
  // Scores for 4 classes; the softmax of log(p) gives p back (the lecture's [0.2, 0.4, 0.1, 0.3]).
  const Tensor src = tensor({1, 4}, {std::log(0.2f), std::log(0.4f), std::log(0.1f), std::log(0.3f)});
  Tensor out(src.shape());
  backend_->softmaxForward(src, out);
  EXPECT_TRUE(tensorsClose(out, tensor({1, 4}, {0.2f, 0.4f, 0.1f, 0.3f}), 1e-6f));
}

TEST(LectureCounts, FullyConnectedFirstLayerOf500x500x3Image) {
  // 500·500·3 = 750,000 inputs × 1000 neurons = 750 million weights (plus 1000 biases).
  // A Dense layer that size would allocate 3 GB, so count one a thousand times smaller.
  Dense small("fc", 750, 1000);
  EXPECT_EQ(small.parameterCount(), 750 * 1000 + 1000);
  EXPECT_EQ(small.macCount(Shape{1, 750}) * 1000, 750'000'000);
}

INSTANTIATE_TEST_SUITE_P(Backends, Lecture, ::testing::Values(BackendKind::Reference, BackendKind::Onednn),
                         [](const auto& param) {
                           return param.param == BackendKind::Reference ? "reference" : "onednn";
                         });
