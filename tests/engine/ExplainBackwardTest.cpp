// The backward pass written out (ExplainBackward.h): the lecture's error E = ½Σ(target −
// output)² for one convolution against PyTorch's autograd (tests/data/golden.json, cases
// "conv_gradient"), and every explained gradient equal to the backend's, its terms adding
// up to it.
#include "TestUtils.h"

#include "engine/backend/reference/ExplainBackward.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace convscope;
using convscope::test::tensor;
using convscope::test::tensorsClose;
using Json = nlohmann::json;

namespace {
Tensor fromJson(const Json& j) {
  return Tensor(Shape(j["shape"].get<std::vector<int64_t>>()), j["data"].get<std::vector<float>>());
}

Conv2DGeometry geometryOf(const Json& gj) {
  Conv2DGeometry g;
  g.kernelH = gj["kernel"][0], g.kernelW = gj["kernel"][1];
  g.strideH = gj["stride"][0], g.strideW = gj["stride"][1];
  g.padTop = gj["padding"][0], g.padBottom = gj["padding"][1];
  g.padLeft = gj["padding"][2], g.padRight = gj["padding"][3];
  g.dilationH = gj["dilation"][0], g.dilationW = gj["dilation"][1];
  g.groups = gj["groups"];
  return g;
}

double termSum(const GradientExplanation& e) {
  double sum = 0;
  for (const GradientTerm& t : e.terms) sum += double(t.a) * t.b;
  return sum;
}
} // namespace

TEST(ExplainBackward, ConvolutionGradientsMatchPyTorchAutograd) {
  std::ifstream file(std::string(CONVSCOPE_TEST_DATA) + "/golden.json");
  ASSERT_TRUE(file);
  const Json golden = Json::parse(file); // kept: a range-for over a temporary's member would dangle
  int checked = 0;
  for (const Json& c : golden["cases"]) {
    if (c["op"] != "conv_gradient") continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const Conv2DGeometry g = geometryOf(c["geometry"]);
    const Tensor src = fromJson(c["src"]), weights = fromJson(c["weights"]), bias = fromJson(c["bias"]);
    const ConvGradients r = convolutionGradients(g, src, weights, bias, fromJson(c["target"]));
    EXPECT_TRUE(tensorsClose(r.output, fromJson(c["output"]), 1e-4f, 1e-4f));
    EXPECT_NEAR(r.loss, c["loss"].get<double>(), 1e-4 * (1 + std::abs(c["loss"].get<double>())));
    EXPECT_TRUE(tensorsClose(r.weightsGradient, fromJson(c["diff_weights"]), 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(r.biasGradient, fromJson(c["diff_bias"]), 1e-4f, 1e-4f));
    EXPECT_TRUE(tensorsClose(r.inputGradient, fromJson(c["diff_src"]), 1e-4f, 1e-4f));
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
  EXPECT_EQ(r.biasGradient.data()[0], -14.0f);     // the sum of the 16 outputs
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
