// The transposed-convolution lesson against PyTorch's conv_transpose2d (tests/data/golden.json,
// "deconv" cases: several channels, stride 2 and 3, padding, output padding, dilation, groups):
// the reference loops and oneDNN, the convolution over the zero-inserted input, and every output
// cell written out as the products that landed on it, as many as the overlap counts.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/lessons/TransposedConvolution.h"

#include <gtest/gtest.h>

using namespace convscope;
using convscope::test::tensorFromJson;
using convscope::test::tensorsClose;

namespace {
TransposedConvolution fromCase(const nlohmann::json& c) {
  TransposedConvolution t;
  Conv2DGeometry& g = t.geometry;
  t.weights = tensorFromJson(c["weights"]);
  g.kernelH = t.weights.shape()[2], g.kernelW = t.weights.shape()[3];
  g.strideH = g.strideW = c["stride"];
  g.padTop = g.padBottom = g.padLeft = g.padRight = c["padding"];
  g.dilationH = g.dilationW = c["dilation"];
  g.groups = c["groups"];
  t.outputPaddingH = t.outputPaddingW = c["output_padding"];
  t.bias = Tensor(Shape{t.weights.shape()[1] * g.groups}, c["bias"].get<float>());
  return t;
}
} // namespace

TEST(TransposedConvolution, ScatterAndZeroInsertedViewsEqualPyTorch) {
  int cases = 0;
  OnednnBackend onednn;
  ReferenceBackend reference;
  for (const auto& c : convscope::test::goldenCases()) {
    if (c["op"] != "deconv") continue;
    ++cases;
    SCOPED_TRACE(c["name"].get<std::string>());
    const TransposedConvolution t = fromCase(c);
    const Tensor x = tensorFromJson(c["src"]), expected = tensorFromJson(c["dst"]);
    EXPECT_TRUE(tensorsClose(transposedForward(t, x), expected, 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(transposedForward(t, x, &onednn), expected, 1e-4f, 1e-4f));
    // A stride-1 convolution over the zero-inserted input with the kernel turned gives it too.
    const ZeroInsertedView view = zeroInsertedView(t, x);
    Tensor direct(expected.shape());
    reference.conv2dForward(view.geometry, view.input, view.weights, &t.bias, direct);
    EXPECT_TRUE(tensorsClose(direct, expected, 1e-4f, 1e-4f));
    // Every cell: the products that landed on it, as many as the overlap says, sum to it.
    const auto overlap = transposedOverlap(t, x.shape());
    const int64_t perGroupIn = x.shape()[1] / t.geometry.groups;
    for (int64_t o = 0; o < expected.shape()[1]; ++o)
      for (int64_t y = 0; y < expected.shape()[2]; ++y)
        for (int64_t xx = 0; xx < expected.shape()[3]; ++xx) {
          const TransposedExplanation e = explainTransposed(t, x, o, y, xx);
          ASSERT_EQ(int64_t(e.terms.size()), overlap[size_t(y)][size_t(xx)] * perGroupIn) << y << "," << xx;
          EXPECT_NEAR(e.value, expected.at(0, o, y, xx), 1e-4f * (1 + std::abs(expected.at(0, o, y, xx))));
        }
  }
  EXPECT_EQ(cases, 5);
}

// --per-channel: one-block kernels on each input channel on its own (groups = channels): each
// output channel is the single-channel transposed convolution of its input channel.
TEST(TransposedConvolution, PerChannelKernelsActOnEachChannelAlone) {
  const Tensor x = convscope::test::randomTensor({1, 3, 3, 4}, 41);
  const std::vector<NamedKernel> kernels{{"a", convscope::test::randomTensor({1, 3, 3}, 42)},
                                         {"b", convscope::test::randomTensor({1, 3, 3}, 43)}};
  FilterOptions o;
  o.strideH = o.strideW = 2;
  o.perChannel = true;
  const TransposedConvolution grouped = transposedConvolution(kernels, x.shape(), o, 1, 1);
  EXPECT_EQ(grouped.geometry.groups, 3);
  const Tensor y = transposedForward(grouped, x);
  ASSERT_EQ(y.shape(), (Shape{1, 6, 8, 10}));
  for (int64_t c = 0; c < 3; ++c) {
    Tensor one(Shape{1, 1, 3, 4});
    for (int64_t h = 0; h < 3; ++h)
      for (int64_t w = 0; w < 4; ++w) one.at(0, 0, h, w) = x.at(0, c, h, w);
    const Tensor alone = transposedForward(transposedConvolution(kernels, one.shape(), o, 1, 1), one);
    for (int64_t k = 0; k < 2; ++k) // input channel c's outputs: c·2 + k
      for (int64_t h = 0; h < 8; ++h)
        for (int64_t w = 0; w < 10; ++w) EXPECT_FLOAT_EQ(y.at(0, c * 2 + k, h, w), alone.at(0, k, h, w));
  }
  // A stride that would make a map of more than 16 Mi cells is refused, naming the size.
  o.strideH = o.strideW = 2048;
  try {
    transposedConvolution(kernels, x.shape(), o);
    FAIL() << "a 4099x6147 map";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("is more than ConvScope shows"), std::string::npos) << e.what();
  }
}

TEST(TransposedConvolution, OverlapMakesTheCheckerboardAndTheTextWritesTheSum) {
  // conv_arithmetic's cases: kernel 3 stride 2 overlaps unevenly (1, 2, 4), kernel 2 stride 2
  // and kernel 4 stride 2 padding 1 evenly.
  const Tensor x(Shape{1, 1, 4, 4}, 1.0f);
  const auto overlapOf = [&](int64_t k, int64_t s, int64_t p) {
    FilterOptions o;
    o.strideH = o.strideW = s;
    o.padding.top = o.padding.bottom = o.padding.left = o.padding.right = p;
    return transposedOverlap(transposedConvolution({{"k", Tensor(Shape{1, k, k}, 1.0f)}}, x.shape(), o), x.shape());
  };
  EXPECT_EQ(overlapOf(3, 2, 0)[2], (std::vector<int>{2, 2, 4, 2, 4, 2, 4, 2, 2}));
  EXPECT_EQ(overlapOf(3, 2, 0)[1], (std::vector<int>{1, 1, 2, 1, 2, 1, 2, 1, 1}));
  for (const auto& row : overlapOf(2, 2, 0))
    for (int v : row) EXPECT_EQ(v, 1);
  const auto even = overlapOf(4, 2, 1); // 4 everywhere but the border rows and columns (2)
  EXPECT_EQ(even[3], (std::vector<int>{2, 4, 4, 4, 4, 4, 4, 2}));

  FilterOptions o;
  o.strideH = o.strideW = 2;
  o.bias = 0.5f;
  const Tensor small(Shape{1, 1, 2, 2}, std::vector<float>{1, 2, 3, -4});
  const TransposedConvolution t = transposedConvolution({{"ones", Tensor(Shape{1, 3, 3}, 1.0f)}}, small.shape(), o);
  EXPECT_EQ(transposedExplanationText(explainTransposed(t, small, 0, 2, 2), 1),
            "y(2, 2) = x(0, 0)·w(2, 2) + x(0, 1)·w(2, 0) + x(1, 0)·w(0, 2) + x(1, 1)·w(0, 0)\n"
            "   = 1·1 + 2·1 + 3·1 + (−4)·1 + bias 0.5 = 2.5");
  EXPECT_EQ(transposedExplanationText(explainTransposed(t, small, 0, 0, 1), 1),
            "y(0, 1) = x(0, 0)·w(0, 1)\n   = 1·1 + bias 0.5 = 1.5");
  EXPECT_THROW(explainTransposed(t, small, 0, 5, 0), std::invalid_argument); // the output is 5×5: rows 0 to 4
  o.padding.mode = PaddingSpec::Mode::Same;
  EXPECT_THROW(transposedConvolution({{"ones", Tensor(Shape{1, 3, 3}, 1.0f)}}, small.shape(), o), std::invalid_argument);
}
