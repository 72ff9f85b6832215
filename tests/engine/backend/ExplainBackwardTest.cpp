// The backward pass written out (ExplainBackward.h): the lecture's error E = ½Σ(target −
// output)² for one convolution against PyTorch's autograd (tests/data/golden.json, cases
// "conv_gradient"), and every explained gradient equal to the backend's, its terms adding
// up to it.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/backend/reference/ExplainBackward.h"
#include "engine/core/NumberText.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace convscope;
using convscope::test::convGeometryFromJson;
using convscope::test::goldenCases;
using convscope::test::tensor;
using convscope::test::tensorFromJson;
using convscope::test::tensorsClose;
using Json = nlohmann::json;

namespace {
double termSum(const GradientExplanation& e) {
  double sum = 0;
  for (const GradientTerm& t : e.terms) sum += double(t.a) * t.b;
  return sum;
}
} // namespace

TEST(ExplainBackward, ConvolutionGradientsMatchPyTorchAutograd) {
  int checked = 0;
  for (const Json& c : goldenCases()) {
    if (c["op"] != "conv_gradient") continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const Conv2DGeometry g = convGeometryFromJson(c["geometry"]);
    const Tensor src = tensorFromJson(c["src"]), weights = tensorFromJson(c["weights"]),
                 bias = tensorFromJson(c["bias"]);
    const ConvGradients r = convolutionGradients(g, src, weights, bias, tensorFromJson(c["target"]));
    EXPECT_TRUE(tensorsClose(r.output, tensorFromJson(c["output"]), 1e-4f, 1e-4f));
    EXPECT_NEAR(r.loss, c["loss"].get<double>(), 1e-4 * (1 + std::abs(c["loss"].get<double>())));
    EXPECT_TRUE(tensorsClose(r.weightsGradient, tensorFromJson(c["diff_weights"]), 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(r.biasGradient, tensorFromJson(c["diff_bias"]), 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(r.inputGradient, tensorFromJson(c["diff_src"]), 1e-4f, 1e-4f));
    // Every weight's, bias's and input's explanation is the backend's value, and its terms add up to it.
    const Shape& w = weights.shape();
    for (int64_t oc = 0; oc < w[0]; ++oc) {
      for (int64_t ic = 0; ic < w[1]; ++ic)
        for (int64_t kh = 0; kh < w[2]; ++kh)
          for (int64_t kw = 0; kw < w[3]; ++kw) {
            const GradientExplanation e = explainConv2dWeightGradient(g, src, r.outputGradient, oc, ic, kh, kw);
            EXPECT_EQ(e.value, r.weightsGradient.at(oc, ic, kh, kw));
            EXPECT_NEAR(termSum(e), e.value, 1e-4 * (1 + std::abs(e.value)));
          }
      EXPECT_EQ(explainConv2dBiasGradient(r.outputGradient, oc).value, r.biasGradient.data()[oc]);
    }
    const Shape& s = src.shape();
    for (int64_t ch = 0; ch < s[1]; ++ch)
      for (int64_t y = 0; y < s[2]; ++y)
        for (int64_t x = 0; x < s[3]; ++x) {
          const GradientExplanation e = explainConv2dInputGradient(g, weights, r.outputGradient, s, 0, ch, y, x);
          EXPECT_EQ(e.value, r.inputGradient.at(0, ch, y, x));
          EXPECT_NEAR(termSum(e), e.value, 1e-4 * (1 + std::abs(e.value)));
        }
    ++checked;
  }
  EXPECT_EQ(checked, 4); // regenerate with /usr/bin/python3 scripts/make_golden.py
}

// The lecture's 6×6 image and filter 1 with target 0: E = ½ Σ output² = ½·76 = 38, and
// each gradient written out as its sum.
TEST(ExplainBackward, TheLectureSixBySixExampleWrittenOut) {
  const Tensor six = tensor({1, 1, 6, 6}, {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0,
                                           1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0});
  const Tensor filter1 = tensor({1, 1, 3, 3}, {1, -1, -1, -1, 1, -1, -1, -1, 1});
  Conv2DGeometry g;
  g.kernelH = g.kernelW = 3;
  const ConvGradients r = convolutionGradients(g, six, filter1, tensor({1}, {0}), tensor({1}, {0}));
  EXPECT_EQ(r.loss, 38.0);
  EXPECT_EQ(r.outputGradient.at(0, 0, 0, 0), 3.0f); // δ = output − target
  EXPECT_EQ(r.biasGradient.data()[0], -14.0f);      // the sum of the 16 outputs
  const GradientExplanation bias = explainConv2dBiasGradient(r.outputGradient, 0);
  EXPECT_EQ(gradientExplanationText(bias).rfind("∂E/∂b[0] = 3 + (−1) + (−3) + (−1) + (−3) + 1 + 0", 0), 0u);
  EXPECT_NE(gradientExplanationText(bias).find(" = −14"), std::string::npos);
  const GradientExplanation w00 = explainConv2dWeightGradient(g, six, r.outputGradient, 0, 0, 0, 0);
  EXPECT_EQ(w00.terms.size(), 16u); // every output read input (oh, ow) through w[0][0]
  EXPECT_EQ(w00.value, r.weightsGradient.at(0, 0, 0, 0));
  EXPECT_EQ(gradientExplanationText(w00).rfind("∂E/∂w[0][0][0][0] = 1·3 + 0·(−1) + ", 0), 0u);
  // The corner input fed only output (0,0), through w[0][0][0][0] = 1: ∂E/∂x = 1·3 = 3.
  const GradientExplanation corner = explainConv2dInputGradient(g, filter1, r.outputGradient, six.shape(), 0, 0, 0, 0);
  EXPECT_EQ(gradientExplanationText(corner), "∂E/∂x[0][0][0] = 1·3 = 3");
  EXPECT_THROW(explainConv2dWeightGradient(g, six, r.outputGradient, 0, 0, 3, 0), std::invalid_argument);
  EXPECT_THROW(explainConv2dInputGradient(g, filter1, r.outputGradient, six.shape(), 0, 0, 6, 0),
               std::invalid_argument);
  EXPECT_THROW(convolutionGradients(g, six, filter1, tensor({1}, {0}), tensor({1, 1, 3, 3}, std::vector<float>(9))),
               std::invalid_argument);
}

#include "engine/training/Optimizer.h"
#include "engine/backend/reference/Explain.h"

// Pooling: every input's explained gradient is the reference backend's, for all three
// modes with padding; the lecture's max pooling routes δ to the window's maximum.
TEST(ExplainBackward, PoolingRoutesEachGradientAsTheBackendDoes) {
  ReferenceBackend backend;
  const Tensor src = test::randomTensor({2, 2, 7, 6}, 11, -3, 3);
  for (PoolMode mode : {PoolMode::Max, PoolMode::Average, PoolMode::Sum}) {
    Pool2DGeometry g;
    g.mode = mode, g.kernelH = 3, g.kernelW = 2, g.strideH = 2, g.strideW = 1, g.padTop = 1, g.padRight = 1;
    const Tensor diffDst = test::randomTensor(pool2dOutputShape(src.shape(), g, "pool"), 12, -2, 2);
    Tensor diffSrc(src.shape());
    backend.pool2dBackward(g, src, diffDst, diffSrc);
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t c = 0; c < 2; ++c)
        for (int64_t y = 0; y < 7; ++y)
          for (int64_t x = 0; x < 6; ++x)
            ASSERT_EQ(explainPool2dGradient(g, src, diffDst, n, c, y, x).value, diffSrc.at(n, c, y, x))
                << toString(mode) << " at " << n << "," << c << "," << y << "," << x;
  }
  // The max pooling slide: 100 is (0,0)'s maximum, so δ(0,0) = 5 goes to it alone.
  const Tensor slide = tensor({1, 1, 4, 4}, {29, 15, 28, 184, 0, 100, 70, 38, 12, 12, 7, 2, 12, 12, 45, 6});
  Pool2DGeometry max;
  max.kernelH = max.kernelW = max.strideH = max.strideW = 2;
  const Tensor delta = tensor({1, 1, 2, 2}, {5, -1, 2, 3});
  EXPECT_EQ(gradientExplanationText(explainPool2dGradient(max, slide, delta, 0, 0, 1, 1)), "∂E/∂x[0][1][1] = 1·5 = 5");
  EXPECT_EQ(explainPool2dGradient(max, slide, delta, 0, 0, 0, 0).terms.size(), 0u); // 29 was not the maximum
  EXPECT_EQ(explainPool2dGradient(max, slide, delta, 0, 0, 0, 0).value, 0.0f);
}

TEST(ExplainBackward, ActivationSoftmaxDenseAndSgdWrittenOut) {
  EXPECT_EQ(activationGradientText(ActivationKind::ReLU, 0, 2, 2, 0.5f), "∂E/∂x = δ·[x > 0] = 0.5·1 = 0.5");
  EXPECT_EQ(activationGradientText(ActivationKind::ReLU, 0, -2, 0, 0.5f),
            "∂E/∂x = δ·[x > 0] = 0.5·0 = 0  (x = −2 was set to zero: no gradient flows back)");
  EXPECT_EQ(activationGradientText(ActivationKind::Tanh, 0, 1, 0.5f, 2), "∂E/∂x = δ·(1 − y²) = 2·(1 − 0.5²) = 1.5");
  // The activations after 2015: each slope as the text writes it is the reference backend's.
  ReferenceBackend reference;
  for (ActivationKind kind :
       {ActivationKind::ELU, ActivationKind::HardSigmoid, ActivationKind::HardSwish, ActivationKind::SiLU,
        ActivationKind::SELU, ActivationKind::GELU, ActivationKind::GELUTanh})
    for (float x : {-4.0f, -1.5f, 0.5f, 2.0f, 5.0f}) {
      const float alpha = defaultActivationAlpha(kind);
      Tensor in(Shape{1}, std::vector<float>{x}), out(Shape{1}), diff(Shape{1}, std::vector<float>{2.0f}), grad(Shape{1});
      reference.activationForward(kind, alpha, in, out);
      reference.activationBackward(kind, alpha, in, out, diff, grad);
      const std::string text = activationGradientText(kind, alpha, x, out.data()[0], 2.0f);
      EXPECT_NE(text.rfind(" = " + formatNumber(grad.data()[0])), std::string::npos) << toString(kind) << " at " << x << ": "
                                                                               << text;
    }
  EXPECT_EQ(activationGradientText(ActivationKind::HardSwish, 0, -4, 0, 2),
            "∂E/∂x = δ·(x < −3 ? 0 : x ≤ 3 ? x/3 + ½ : 1) = 2·0 = 0");
  EXPECT_EQ(activationExplanationText(ActivationKind::HardSwish, 0, -7, 0, 3),
            "hard swish(x) = x·min(max(0, x + 3), 6) / 6 = (−7)·min(max(0, −7 + 3), 6) / 6 = 0");
  EXPECT_EQ(activationExplanationText(ActivationKind::ELU, 1, -1, -0.632f, 3),
            "ELU(x) = x if x > 0, else 1·(eˣ − 1) = 1·(e^(−1) − 1) = −0.632");
  // Dense: the outer product and the weighted column sum equal the reference backend's.
  ReferenceBackend backend;
  const Tensor src = test::randomTensor({3, 5}, 21, -1, 1), weights = test::randomTensor({4, 5}, 22, -1, 1);
  const Tensor diffDst = test::randomTensor({3, 4}, 23, -1, 1);
  Tensor diffWeights(weights.shape()), diffSrc(src.shape()), diffBias(Shape{4});
  backend.denseBackwardWeights(src, diffDst, diffWeights, &diffBias);
  backend.denseBackwardData(weights, diffDst, diffSrc);
  for (int64_t o = 0; o < 4; ++o)
    for (int64_t i = 0; i < 5; ++i)
      EXPECT_EQ(explainDenseWeightGradient(src, diffDst, o, i).value, diffWeights.data()[o * 5 + i]);
  for (int64_t n = 0; n < 3; ++n)
    for (int64_t i = 0; i < 5; ++i)
      EXPECT_EQ(explainDenseInputGradient(weights, diffDst, n, i).value, diffSrc.data()[n * 5 + i]);
  // SGD: two steps with momentum, as the trainer's optimizer takes them.
  EXPECT_EQ(explainSgdStep(0.5f, 0.25f, 0.1f).text, "w − η·g = 0.5 − 0.1·0.25 = 0.475");
  Tensor w(Shape{1}, std::vector<float>{0.5f}), g1(Shape{1}, std::vector<float>{0.25f}),
      g2(Shape{1}, std::vector<float>{-0.5f});
  OptimizerConfig config;
  config.learningRate = 0.1, config.momentum = 0.9;
  Optimizer optimizer(config, {&w});
  const SgdStep first = explainSgdStep(0.5f, 0.25f, 0.1f, 0.9f, 0.0f);
  optimizer.step({&g1}, 0);
  EXPECT_EQ(first.weight, w.data()[0]);
  const SgdStep second = explainSgdStep(first.weight, -0.5f, 0.1f, 0.9f, first.velocity);
  optimizer.step({&g2}, 0);
  EXPECT_EQ(second.weight, w.data()[0]);
  EXPECT_EQ(second.text.rfind("v = μ·v + g = 0.9·0.25 + (−0.5) = −0.275, then w − η·v = ", 0), 0u) << second.text;
}
