// Graph networks: a residual block with a strided 1x1 projection, an inception module and a
// dense block with its transition, typed as layer lists (add, concat, "from", "as"), against
// PyTorch (tests/data/golden.json, cases "graph") on both backends, and against central
// finite differences of their own forward pass; and the wiring's checks.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/network/LayerList.h"
#include "engine/layers/LayerKind.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Optimizer.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/Add.h"
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Conv2D.h"

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>

using namespace convscope;
using convscope::test::goldenCases;
using convscope::test::tensorFromJson;
using convscope::test::tensorsClose;
using Json = nlohmann::json;

namespace {

std::vector<const Json*> graphCases() {
  std::vector<const Json*> cases;
  for (const Json& c : goldenCases())
    if (c["op"] == "graph") cases.push_back(&c);
  return cases;
}

// The case's network; smooth: with tanh for ReLU and average for max pooling, so that no
// difference quotient straddles a kink (the wiring, not the non-linearity, is under test).
Network graphFromCase(const Json& c, bool smooth = false) {
  std::string text = c["layers"].get<std::string>();
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"relu6", "tanh"}, {"relu", "tanh"}, {"maxpool", "avgpool"}})
    for (size_t at = 0; smooth && (at = text.find(from, at)) != std::string::npos;) {
      if (from == "maxpool" && text.find(" ceil") != std::string::npos) break; // ceil mode is max pooling's alone
      if (at > 0 && std::isalpha(static_cast<unsigned char>(text[at - 1]))) { // a word's end ("prelu"): not it
        at += from.size();
        continue;
      }
      text.replace(at, from.size(), to);
    }
  Network net = buildLayerList(text);
  std::vector<Tensor> params;
  for (const Json& p : c["params"]) params.push_back(tensorFromJson(p));
  net.setParameters(params);
  // Batch normalization: its running statistics before the pass, and the mode.
  size_t k = 0;
  for (size_t i = 0; i < net.size() && c.contains("running_in"); ++i)
    if (auto* bn = layerAs<BatchNorm>(net.layer(i))) {
      bn->runningMean() = tensorFromJson(c["running_in"][k][0]);
      bn->runningVariance() = tensorFromJson(c["running_in"][k][1]);
      ++k;
    }
  net.setTraining(c.value("training", false));
  return net;
}

// L = Σ forward(src) ⊙ r in double.
double weightedSum(Network& net, Backend& backend, const Tensor& src, const Tensor& r) {
  const Tensor out = net.forward(backend, src).inLayout(Layout::NCHW);
  double sum = 0;
  for (int64_t i = 0; i < out.size(); ++i) sum += double(out.data()[i]) * r.data()[i];
  return sum;
}

// Backpropagates r through net and checks the input's every `inputStride`-th gradient and each
// parameter's every `parameterStride`-th one against central finite differences of L = Σ y ⊙ r;
// returns how many were checked and the parameters' gradients.
int checkAgainstFiniteDifferences(Network& net, Backend& backend, Tensor& src, const Tensor& r, int64_t inputStride,
                                  int64_t parameterStride, std::vector<Tensor>* gradients = nullptr) {
  net.forward(backend, src);
  net.backward(backend, r, net.size(), true);
  const Tensor diffSrc = net.inputGradient(0);
  std::vector<Tensor> diffParams;
  for (Tensor* g : net.gradients()) diffParams.push_back(*g);
  const float h = 1e-2f;
  const auto numeric = [&](float& x) {
    const float saved = x;
    x = saved + h;
    const double plus = weightedSum(net, backend, src, r);
    x = saved - h;
    const double minus = weightedSum(net, backend, src, r);
    x = saved;
    return (plus - minus) / (2.0 * h);
  };
  int checked = 0;
  for (int64_t i = 0; i < src.size(); i += inputStride, ++checked) {
    const double n = numeric(src.data()[i]);
    EXPECT_NEAR(diffSrc.data()[i], n, 1e-2 * (1 + std::abs(n))) << "input " << i;
  }
  const std::vector<Tensor*> params = net.parameters();
  for (size_t k = 0; k < params.size(); ++k)
    for (int64_t i = 0; i < params[k]->size(); i += parameterStride, ++checked) {
      const double n = numeric(params[k]->data()[i]);
      EXPECT_NEAR(diffParams[k].data()[i], n, 1e-2 * (1 + std::abs(n))) << "parameter " << k << ", value " << i;
    }
  if (gradients) *gradients = std::move(diffParams);
  return checked;
}

} // namespace

TEST(Graph, ResidualInceptionAndDenseBlocksMatchPyTorchOnBothBackends) {
  const auto cases = graphCases();
  // And a global-average-pooling head with dropout (evaluation), max pooling in ceil mode,
  // a ResNet basic block with batch normalization in training and in evaluation mode, and local
  // response normalization (AlexNet's and a strong one), ReLU6 and average pooling that leaves
  // padding out of its count (also in ceil mode); transposed convolutions (stride 2 and 3,
  // output padding, dilation, groups), a ConvNeXt block (layer normalization over channels, GELU,
  // layer scale), a ShuffleNet unit (channel slices, concatenation, channel shuffle) and
  // upsampling (nearest and bilinear, by factors and to a size), PReLU (per channel, shared,
  // per feature), clamping (both bounds, one) and padding (reflect, edge, a constant); element-
  // wise arithmetic of two network values with broadcasting (+ − × ÷; a spatial attention, row
  // and column means, a per-channel divisor, the broadcast input first).
  ASSERT_EQ(cases.size(), 17u);
  ReferenceBackend reference;
  OnednnBackend onednn;
  for (const Json* c : cases) {
    for (Backend* backend : {static_cast<Backend*>(&reference), static_cast<Backend*>(&onednn)}) {
      SCOPED_TRACE((*c)["name"].get<std::string>() + " on " + backend->name());
      Network net = graphFromCase(*c);
      const Tensor src = tensorFromJson((*c)["src"]);
      const Tensor dst = net.forward(*backend, src).inLayout(Layout::NCHW);
      EXPECT_TRUE(tensorsClose(dst, tensorFromJson((*c)["dst"]), 1e-4f, 1e-4f));
      size_t k = 0; // the running statistics after the pass (training moves them, evaluation does not)
      for (size_t i = 0; i < net.size() && c->contains("running_out"); ++i)
        if (auto* bn = layerAs<BatchNorm>(net.layer(i))) {
          EXPECT_TRUE(tensorsClose(bn->runningMean(), tensorFromJson((*c)["running_out"][k][0]), 1e-5f, 1e-4f));
          EXPECT_TRUE(tensorsClose(bn->runningVariance(), tensorFromJson((*c)["running_out"][k][1]), 1e-5f, 1e-4f));
          ++k;
        }
      const Tensor r = tensorFromJson((*c)["r"]).inLayout(net.output(net.size() - 1).layout());
      net.backward(*backend, r, net.size(), true);
      EXPECT_TRUE(
          tensorsClose(net.inputGradient(0).inLayout(Layout::NCHW), tensorFromJson((*c)["diff_src"]), 1e-4f, 1e-4f));
      const std::vector<Tensor*> grads = net.gradients();
      ASSERT_EQ(grads.size(), (*c)["diff_params"].size());
      for (size_t g = 0; g < grads.size(); ++g)
        EXPECT_TRUE(tensorsClose(*grads[g], tensorFromJson((*c)["diff_params"][g]), 1e-4f, 1e-4f)) << "parameter " << g;
    }
  }
}

TEST(Graph, GradientsEqualFiniteDifferencesThroughBranchesAndJoins) {
  ReferenceBackend backend;
  for (const Json* c : graphCases()) {
    SCOPED_TRACE((*c)["name"].get<std::string>());
    // PReLU and Clamp have no smooth stand-ins; their finite differences are taken on values
    // away from their kinks (GradientTest.cpp), their graph cases against PyTorch's autograd.
    if ((*c)["name"] == "prelu" || (*c)["name"] == "clamp") continue;
    Network net = graphFromCase(*c, true);
    Tensor src = tensorFromJson((*c)["src"]);
    const Tensor r = tensorFromJson((*c)["r"]);
    // Every 7th input value and every 5th weight: the branch points sum their readers' shares.
    const int checked = checkAgainstFiniteDifferences(net, backend, src, r, 7, 5);
    EXPECT_GT(checked, 50);
  }
}

TEST(Graph, WiringThatDoesNotFitIsRefusedNamingTheLayers) {
  Network net(Shape{3, 8, 8});
  Conv2DGeometry g;
  g.kernelH = g.kernelW = 3;
  net.add(std::make_unique<Conv2D>("conv1", 3, 4, g));
  try {
    net.add(std::make_unique<Add>("add1"), {"conv1", "input"});
    FAIL() << "a 4x6x6 map added to a 3x8x8 input";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Add 'add1': inputs 1x4x6x6 and 1x3x8x8 differ"), std::string::npos)
        << e.what();
  }
  try {
    net.add(std::make_unique<Add>("add2"), {"conv1", "conv7"});
    FAIL() << "an unknown input";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("there is no layer 'conv7' before this one (there are: input, conv1)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(net.add(std::make_unique<Conv2D>("conv2", 4, 4, g), {"conv1", "input"}), std::invalid_argument);
  EXPECT_EQ(net.size(), 1u); // nothing half-added
}

// The Architectures tab's progress: forward calls afterNode once per node, in order, and the
// result is the same as without it.
TEST(Graph, ForwardReportsEachNodeInOrder) {
  Network net = buildLayerList("input 3x8x8\nconv 4 3x3 pad 1 as a\nrelu\nconv 4 3x3 pad 1\nadd a\nflatten\n"
                               "dense 5\n");
  initialize(net, InitScheme::He, 3);
  ReferenceBackend backend;
  Tensor x(Shape{1, 3, 8, 8});
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 7) - 3;
  const Tensor plain = net.forward(backend, x);
  std::vector<size_t> seen;
  const Tensor reported = net.forward(backend, x, [&](size_t node) { seen.push_back(node); });
  ASSERT_EQ(seen.size(), net.size());
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(tensorsClose(plain, reported, 0.0f));
}

// Squeeze-and-excitation: the maps times one factor per channel (a sigmoid gate of their
// averages). Gradients through both of Multiply's inputs equal finite differences; oneDNN's
// forward equals the reference loops, in either layout of the maps; the layer list, the
// model file and ONNX carry it.
TEST(Graph, SqueezeAndExcitationMultipliesEachChannelByItsGate) {
  const std::string list = "input 4x6x5\nconv 4 3x3 pad 1 as maps\ngap\nconv 4 1x1\nsigmoid\nmultiply maps\n"
                           "flatten\ndense 3\n";
  Network net = buildLayerList(list);
  initialize(net, InitScheme::He, 5);
  ReferenceBackend reference;
  OnednnBackend onednn;
  Tensor src = convscope::test::randomTensor({2, 4, 6, 5}, 6);
  const Tensor r = convscope::test::randomTensor({2, 3}, 7);
  const Tensor expected = net.forward(reference, src);
  std::vector<Tensor> diffParams;
  EXPECT_GT(checkAgainstFiniteDifferences(net, reference, src, r, 3, 2, &diffParams), 100);
  // The squeeze-and-excitation's second convolution (its gate) learns: its gradient is not zero.
  EXPECT_GT(std::abs(diffParams[2].data()[0]) + std::abs(diffParams[2].data()[1]), 0.0f);
  net.forward(onednn, src);
  EXPECT_TRUE(tensorsClose(net.output(net.size() - 1), expected, 1e-4f, 1e-4f));
  // The multiplication alone, maps in both layouts, one factor per channel or one per value.
  const Tensor maps = convscope::test::randomTensor({2, 3, 4, 5}, 8), perChannel = convscope::test::randomTensor({2, 3, 1, 1}, 9);
  const Tensor same = convscope::test::randomTensor({2, 3, 4, 5}, 10);
  for (const Tensor* b : {&perChannel, &same})
    for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
      const Tensor a = maps.inLayout(layout);
      Tensor y0(a.shape(), 0.0f, layout), y1(a.shape(), 0.0f, layout);
      reference.arithmeticForward(ArithmeticOp::Multiply, a, *b, y0);
      onednn.arithmeticForward(ArithmeticOp::Multiply, a, *b, y1);
      EXPECT_TRUE(tensorsClose(y1, y0, 1e-6f, 1e-6f));
      EXPECT_FLOAT_EQ(y0.at(1, 2, 3, 4), a.at(1, 2, 3, 4) * (b == &perChannel ? b->at(1, 2, 0, 0) : b->at(1, 2, 3, 4)));
    }
  Tensor unused(maps.shape());
  EXPECT_THROW(reference.arithmeticForward(ArithmeticOp::Multiply, maps, convscope::test::randomTensor({2, 3, 2, 1}, 11), unused),
               std::invalid_argument);
  // The layer list writes it back.
  EXPECT_NE(layerListText(net).find("multiply maps"), std::string::npos) << layerListText(net);
}

// + − × ÷ of two values with numpy's broadcasting: oneDNN's binary primitive (which broadcasts
// its second source only; a broadcast first source of + and × swaps, of − and ÷ runs the
// loops) equals the reference loops for every pairing of shapes, either layout of each input;
// values against the formula; gradients summed over a broadcast axis; shapes that do not
// broadcast refused naming the axis.
TEST(Graph, ArithmeticBroadcastsAsNumpyOnBothBackends) {
  ReferenceBackend reference;
  OnednnBackend onednn;
  const std::vector<std::pair<Shape, Shape>> pairs = {
      {{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {2, 3, 1, 1}}, {{2, 3, 4, 5}, {2, 1, 4, 5}},
      {{2, 3, 1, 1}, {2, 3, 4, 5}}, {{2, 3, 4, 1}, {2, 3, 1, 5}}, {{2, 3, 4, 5}, {1, 3, 1, 1}},
      {{2, 1, 4, 5}, {2, 3, 4, 5}}, {{2, 6}, {2, 1}},             {{1, 6}, {2, 6}}};
  int seed = 20;
  for (const auto& [sa, sb] : pairs)
    for (ArithmeticOp op : {ArithmeticOp::Add, ArithmeticOp::Subtract, ArithmeticOp::Multiply, ArithmeticOp::Divide})
      for (Layout la : {Layout::NCHW, Layout::NHWC})
        for (Layout lb : {Layout::NCHW, Layout::NHWC}) {
          SCOPED_TRACE(toString(op) + " " + sa.toString() + " " + sb.toString());
          const Tensor a = convscope::test::randomTensor(sa, ++seed).inLayout(sa.rank() == 4 ? la : Layout::NCHW);
          Tensor b = convscope::test::randomTensor(sb, ++seed);
          for (float& v : b.values()) v = v >= 0 ? v + 0.5f : v - 0.5f; // divisors away from 0
          b = b.inLayout(sb.rank() == 4 ? lb : Layout::NCHW);
          const Shape s = arithmeticShape(op, sa, sb);
          Tensor y0(s, 0.0f, a.layout()), y1(s, 0.0f, a.layout());
          reference.arithmeticForward(op, a, b, y0);
          onednn.arithmeticForward(op, a, b, y1);
          EXPECT_TRUE(tensorsClose(y1, y0, 1e-6f, 1e-6f));
          if (s.rank() != 4) continue;
          const float av = a.at(sa[0] == 1 ? 0 : 1, sa[1] == 1 ? 0 : 2, sa[2] == 1 ? 0 : 3, sa[3] == 1 ? 0 : 4);
          const float bv = b.at(sb[0] == 1 ? 0 : 1, sb[1] == 1 ? 0 : 2, sb[2] == 1 ? 0 : 3, sb[3] == 1 ? 0 : 4);
          const float expected = op == ArithmeticOp::Add        ? av + bv
                                 : op == ArithmeticOp::Subtract ? av - bv
                                 : op == ArithmeticOp::Multiply ? av * bv
                                                                : av / bv;
          EXPECT_FLOAT_EQ(y0.at(1, 2, 3, 4), expected);
          // Backward: a broadcast input gathers every position that read it.
          const Tensor dy = convscope::test::randomTensor(s, ++seed);
          Tensor da(sa, 0.0f, a.layout()), db(sb, 0.0f, b.layout());
          reference.arithmeticBackward(op, a, b, dy, &da, &db);
          // Brute force: every dst position adds its share to the values of a and b it read.
          Tensor ea(sa), eb(sb);
          for (int64_t n = 0; n < s[0]; ++n)
            for (int64_t c = 0; c < s[1]; ++c)
              for (int64_t h = 0; h < s[2]; ++h)
                for (int64_t w = 0; w < s[3]; ++w) {
                  const int64_t an = sa[0] == 1 ? 0 : n, ac = sa[1] == 1 ? 0 : c, ah = sa[2] == 1 ? 0 : h,
                                aw = sa[3] == 1 ? 0 : w, bn = sb[0] == 1 ? 0 : n, bc = sb[1] == 1 ? 0 : c,
                                bh = sb[2] == 1 ? 0 : h, bw = sb[3] == 1 ? 0 : w;
                  const double g = dy.at(n, c, h, w), x = a.at(an, ac, ah, aw), z = b.at(bn, bc, bh, bw);
                  ea.at(an, ac, ah, aw) += float(op == ArithmeticOp::Multiply ? g * z : op == ArithmeticOp::Divide ? g / z : g);
                  eb.at(bn, bc, bh, bw) += float(op == ArithmeticOp::Multiply   ? g * x
                                                 : op == ArithmeticOp::Divide   ? -g * x / (z * z)
                                                 : op == ArithmeticOp::Subtract ? -g
                                                                                : g);
                }
          EXPECT_TRUE(tensorsClose(da.inLayout(Layout::NCHW), ea, 1e-4f, 1e-4f));
          EXPECT_TRUE(tensorsClose(db.inLayout(Layout::NCHW), eb, 1e-4f, 1e-4f));
        }
  try {
    arithmeticShape(ArithmeticOp::Subtract, Shape{2, 3, 4, 5}, Shape{2, 3, 2, 1});
    FAIL() << "4 and 2 do not broadcast";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "subtract: 2x3x4x5 and 2x3x2x1 do not broadcast: axis 2 has 4 and 2 (each axis "
                           "needs equal sizes, or 1 in one of them)");
  }
  EXPECT_THROW(arithmeticShape(ArithmeticOp::Add, Shape{2, 3, 4, 5}, Shape{2, 3}), std::invalid_argument);
  // A layer list says where a shape does not fit, and "add" of another shape broadcasts.
  try {
    buildLayerList("input 3x8x8\nconv 4 3x3 as a\nconv 4 3x3\ndivide a\n");
    FAIL() << "6×6 by 4×4";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("axis 2 has 4 and 6"), std::string::npos) << e.what();
  }
  const Network net = buildLayerList("input 3x8x8\nconv 4 3x3 pad 1 as maps\nglobalavgpool\nadd maps\n");
  EXPECT_EQ(net.layer(2).describe(), "Arithmetic 'add1' add");
  EXPECT_EQ(net.shapes(1)[2], (Shape{1, 4, 8, 8}));
  // A model file from before Arithmetic ("Multiply", no "op") still opens, as a product.
  nlohmann::ordered_json file = nlohmann::ordered_json::parse(
      serializeModel(buildLayerList("input 4x6x5\nconv 4 3x3 pad 1 as maps\ngap\nmultiply maps\n"), ModelInfo{}));
  nlohmann::ordered_json& product = file["layers"][2];
  ASSERT_EQ(product["type"], "Arithmetic");
  product["type"] = "Multiply";
  product.erase("op");
  const Model old = parseModel(file.dump(), "old file");
  EXPECT_EQ(old.network.layer(2).describe(), "Arithmetic 'multiply1' multiply");
}
