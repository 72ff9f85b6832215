// Golden tensors from PyTorch (scripts/make_golden.py → tests/data/golden.json), checked
// on both backends: random convolutions with dilation, stride, asymmetric padding and
// groups, pooling, activations, dense, softmax, and the lecture's examples.
#include "TestUtils.h"

#include "engine/backend/Backend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace convscope;
using convscope::test::tensorsClose;
using Json = nlohmann::json;

namespace {
const Json& golden() {
  static const Json cases = [] {
    std::ifstream file(std::string(CONVSCOPE_TEST_DATA) + "/golden.json");
    if (!file) throw std::runtime_error("tests/data/golden.json is missing");
    return Json::parse(file)["cases"];
  }();
  return cases;
}

Tensor fromJson(const Json& j) {
  return Tensor(Shape(j["shape"].get<std::vector<int64_t>>()), j["data"].get<std::vector<float>>());
}
} // namespace

class Golden : public ::testing::TestWithParam<BackendKind> {};

TEST_P(Golden, EveryCaseMatchesPyTorch) {
  auto backend = makeBackend(GetParam());
  int counts[5] = {};
  ASSERT_GE(golden().size(), 30u);
  for (const Json& c : golden()) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor src = fromJson(c["src"]);
    const Tensor expected = fromJson(c["dst"]);
    Tensor actual(expected.shape());
    const std::string op = c["op"];
    if (op == "conv2d") {
      const Json& gj = c["geometry"];
      Conv2DGeometry g;
      g.kernelH = gj["kernel"][0], g.kernelW = gj["kernel"][1];
      g.strideH = gj["stride"][0], g.strideW = gj["stride"][1];
      g.padTop = gj["padding"][0], g.padBottom = gj["padding"][1];
      g.padLeft = gj["padding"][2], g.padRight = gj["padding"][3];
      g.dilationH = gj["dilation"][0], g.dilationW = gj["dilation"][1];
      g.groups = gj["groups"];
      const Tensor weights = fromJson(c["weights"]);
      const Tensor bias = c.contains("bias") ? fromJson(c["bias"]) : Tensor();
      backend->conv2dForward(g, src, weights, c.contains("bias") ? &bias : nullptr, actual);
      ++counts[0];
    } else if (op == "pool2d") {
      const Json& gj = c["geometry"];
      Pool2DGeometry g;
      g.mode = poolModeFromString(gj["mode"]);
      g.kernelH = gj["kernel"][0], g.kernelW = gj["kernel"][1];
      g.strideH = gj["stride"][0], g.strideW = gj["stride"][1];
      g.padTop = gj["padding"][0], g.padBottom = gj["padding"][1];
      g.padLeft = gj["padding"][2], g.padRight = gj["padding"][3];
      backend->pool2dForward(g, src, actual);
      ++counts[1];
    } else if (op == "activation") {
      backend->activationForward(activationFromString(c["activation"]), c["alpha"], src, actual);
      ++counts[2];
    } else if (op == "dense") {
      const Tensor weights = fromJson(c["weights"]), bias = fromJson(c["bias"]);
      backend->denseForward(src, weights, &bias, actual);
      ++counts[3];
    } else if (op == "softmax") {
      backend->softmaxForward(src, actual);
      ++counts[4];
    } else {
      FAIL() << "unknown op " << op;
    }
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-4f, 1e-4f));
  }
  EXPECT_EQ(counts[0], 19); // 16 random + 3 lecture convolutions
  EXPECT_EQ(counts[1], 8);
  EXPECT_EQ(counts[2], 4);
  EXPECT_EQ(counts[3], 1);
  EXPECT_EQ(counts[4], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Golden, ::testing::Values(BackendKind::Reference, BackendKind::Onednn),
                         [](const auto& param) {
                           return param.param == BackendKind::Reference ? "reference" : "onednn";
                         });
