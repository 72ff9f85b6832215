// Golden tensors from PyTorch (scripts/make_golden.py → tests/data/golden.json), checked
// on both backends: random convolutions with dilation, stride, asymmetric padding and
// groups, pooling, activations, dense, softmax, and the lecture's examples.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/training/Loss.h"
#include "engine/training/Optimizer.h"
#include "engine/backend/Backend.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace convscope;
using convscope::test::tensorsClose;
using Json = nlohmann::json;

namespace {
const Json& golden() { return test::goldenCases(); }
Tensor fromJson(const Json& j) { return test::tensorFromJson(j); }
Conv2DGeometry convGeometry(const Json& gj) { return test::convGeometryFromJson(gj); }
Pool2DGeometry poolGeometry(const Json& gj) { return test::poolGeometryFromJson(gj); }

size_t countOf(const std::string& op) {
  size_t n = 0;
  for (const Json& c : golden()) n += c["op"] == op;
  return n;
}
} // namespace

class Golden : public ::testing::TestWithParam<BackendKind> {};

TEST_P(Golden, EveryCaseMatchesPyTorch) {
  auto backend = makeBackend(GetParam());
  int counts[5] = {};
  ASSERT_GE(golden().size(), 30u);
  for (const Json& c : golden()) {
    SCOPED_TRACE(c["name"].get<std::string>());
    if (!c.contains("dst") || c["op"] == "activation_backward" || c["op"] == "softmax_backward" ||
        c["op"] == "graph" || c["op"] == "deconv" || c["op"] == "reshape" || c["op"] == "sample")
      // graphs: GraphTest.cpp; deconv: TransposedConvolutionTest.cpp; reshape, sample: GenerativeTest.cpp
      continue;
    const Tensor src = fromJson(c["src"]);
    const Tensor expected = fromJson(c["dst"]);
    Tensor actual(expected.shape());
    const std::string op = c["op"];
    if (op == "conv2d") {
      const Conv2DGeometry g = convGeometry(c["geometry"]);
      const Tensor weights = fromJson(c["weights"]);
      const Tensor bias = c.contains("bias") ? fromJson(c["bias"]) : Tensor();
      backend->conv2dForward(g, src, weights, c.contains("bias") ? &bias : nullptr, actual);
      ++counts[0];
    } else if (op == "pool2d") {
      const Pool2DGeometry g = poolGeometry(c["geometry"]);
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
  EXPECT_EQ(counts[0], 21); // 16 random + 3 lecture convolutions + 2 small banks
  EXPECT_EQ(counts[1], 8);
  EXPECT_EQ(counts[2], 11); // ReLU, leaky ReLU, tanh, sigmoid; ELU, hard sigmoid, hard swish, SiLU, SELU, GELU, its tanh form
  EXPECT_EQ(counts[3], 1);
  EXPECT_EQ(counts[4], 1);
}

TEST_P(Golden, BackwardPassesMatchPyTorchAutograd) {
  auto backend = makeBackend(GetParam());
  int checked = 0;
  for (const Json& c : golden()) {
    const std::string op = c["op"];
    SCOPED_TRACE(c["name"].get<std::string>());
    if (op == "conv2d_backward") {
      const Conv2DGeometry g = convGeometry(c["geometry"]);
      const Tensor src = fromJson(c["src"]), weights = fromJson(c["weights"]), diffDst = fromJson(c["diff_dst"]);
      Tensor diffSrc(src.shape()), diffWeights(weights.shape()), diffBias(Shape{weights.shape()[0]});
      backend->conv2dBackwardData(g, weights, diffDst, diffSrc);
      backend->conv2dBackwardWeights(g, src, diffDst, diffWeights, &diffBias);
      EXPECT_TRUE(tensorsClose(diffSrc, fromJson(c["diff_src"]), 1e-4f, 1e-4f));
      EXPECT_TRUE(tensorsClose(diffWeights, fromJson(c["diff_weights"]), 1e-3f, 1e-4f));
      EXPECT_TRUE(tensorsClose(diffBias, fromJson(c["diff_bias"]), 1e-4f, 1e-4f));
    } else if (op == "pool2d_backward") {
      const Tensor src = fromJson(c["src"]);
      Tensor diffSrc(src.shape());
      backend->pool2dBackward(poolGeometry(c["geometry"]), src, fromJson(c["diff_dst"]), diffSrc);
      EXPECT_TRUE(tensorsClose(diffSrc, fromJson(c["diff_src"]), 1e-5f, 1e-5f));
    } else if (op == "activation_backward") {
      const Tensor src = fromJson(c["src"]);
      Tensor diffSrc(src.shape());
      backend->activationBackward(activationFromString(c["activation"]), c["alpha"], src, fromJson(c["dst"]),
                                  fromJson(c["diff_dst"]), diffSrc);
      EXPECT_TRUE(tensorsClose(diffSrc, fromJson(c["diff_src"]), 1e-5f, 1e-5f));
    } else if (op == "dense_backward") {
      const Tensor src = fromJson(c["src"]), weights = fromJson(c["weights"]), diffDst = fromJson(c["diff_dst"]);
      Tensor diffSrc(src.shape()), diffWeights(weights.shape()), diffBias(Shape{weights.shape()[0]});
      backend->denseBackwardData(weights, diffDst, diffSrc);
      backend->denseBackwardWeights(src, diffDst, diffWeights, &diffBias);
      EXPECT_TRUE(tensorsClose(diffSrc, fromJson(c["diff_src"]), 1e-4f, 1e-4f));
      EXPECT_TRUE(tensorsClose(diffWeights, fromJson(c["diff_weights"]), 1e-4f, 1e-4f));
      EXPECT_TRUE(tensorsClose(diffBias, fromJson(c["diff_bias"]), 1e-4f, 1e-4f));
    } else if (op == "softmax_backward") {
      const Tensor dst = fromJson(c["dst"]);
      Tensor diffSrc(dst.shape());
      backend->softmaxBackward(dst, fromJson(c["diff_dst"]), diffSrc);
      EXPECT_TRUE(tensorsClose(diffSrc, fromJson(c["diff_src"]), 1e-5f, 1e-5f));
    } else {
      continue;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 6 + 4 + 11 + 1 + 1); // convolutions, pooling, activations (GELU the tenth, its tanh form the 11th), dense, softmax
}

TEST(GoldenLoss, CrossEntropyAndTotalErrorMatchPyTorch) {
  ASSERT_EQ(countOf("loss"), 2u);
  for (const Json& c : golden()) {
    if (c["op"] != "loss") continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const Tensor logits = fromJson(c["logits"]);
    Tensor diff(logits.shape());
    const LossResult r =
        classificationLoss(lossKindFromString(c["loss"]), logits, c["labels"].get<std::vector<int>>(), &diff);
    EXPECT_NEAR(r.loss, c["value"].get<double>(), 1e-5);
    EXPECT_TRUE(tensorsClose(diff, fromJson(c["diff_logits"]), 1e-6f, 1e-4f));
  }
}

TEST(GoldenOptimizer, SgdAndAdamStepsMatchPyTorch) {
  ASSERT_EQ(countOf("optimizer"), 2u);
  for (const Json& c : golden()) {
    if (c["op"] != "optimizer") continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    Tensor w = fromJson(c["start"]);
    OptimizerConfig config;
    config.kind = optimizerKindFromString(c["optimizer"]);
    config.learningRate = config.kind == OptimizerKind::Sgd ? 0.1 : 0.01;
    config.momentum = 0.9;
    config.weightDecay = 0.01;
    Optimizer optimizer(config, {&w});
    for (const Json& g : c["gradients"]) {
      Tensor grad = fromJson(g);
      optimizer.step({&grad}, 0);
    }
    EXPECT_TRUE(tensorsClose(w, fromJson(c["result"]), 1e-6f, 1e-5f));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Golden, ::testing::Values(BackendKind::Reference, BackendKind::Onednn),
                         [](const auto& param) {
                           return param.param == BackendKind::Reference ? "reference" : "onednn";
                         });
