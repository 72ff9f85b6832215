// The lecture's architectures in small form: each builds for the 28×28 digits with ten
// outputs, keeps its family's idea in its wiring, and trains at its own learning rate
// (their accuracy after 3 epochs is in BENCHMARKS.md, measured by bench/minis.sh).
#include "engine/network/LayerList.h"
#include "engine/layers/LayerKind.h"
#include "engine/network/Presets.h"
#include "engine/layers/Add.h"
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Concat.h"
#include "engine/layers/Conv2D.h"

#include <gtest/gtest.h>

using namespace convscope;

namespace {
template <typename L> int count(const Network& net) {
  int n = 0;
  for (size_t i = 0; i < net.size(); ++i) n += layerAs<L>(net.layer(i)) != nullptr;
  return n;
}
int depthwise(const Network& net) {
  int n = 0;
  for (size_t i = 0; i < net.size(); ++i)
    if (const auto* c = layerAs<Conv2D>(net.layer(i)))
      n += c->geometry().groups > 1 && c->geometry().groups == c->inChannels();
  return n;
}
} // namespace

TEST(MiniPresets, EachKeepsItsFamilysIdea) {
  for (const std::string name : {"mini-vgg", "mini-resnet", "mini-inception", "mini-densenet", "mini-mobilenet"}) {
    const Network net = makePreset(name);
    EXPECT_EQ(net.inputShape(), (Shape{1, 28, 28})) << name;
    EXPECT_EQ(net.outputShape(1), (Shape{1, 10})) << name;
    EXPECT_DOUBLE_EQ(presetLearningRate(name), 0.01) << name;
    EXPECT_LT(net.parameterCount(), 150000) << name;
    // The editor shows them as text, and the text builds the same network.
    EXPECT_EQ(buildLayerList(layerListText(net)).parameterCount(), net.parameterCount()) << name;
  }
  EXPECT_EQ(count<Add>(makePreset("mini-resnet")), 2);
  EXPECT_EQ(count<BatchNorm>(makePreset("mini-resnet")), 6);
  EXPECT_EQ(count<Concat>(makePreset("mini-inception")), 1);
  EXPECT_EQ(count<Concat>(makePreset("mini-densenet")), 3);
  EXPECT_EQ(depthwise(makePreset("mini-mobilenet")), 3);
  EXPECT_EQ(count<Add>(makePreset("mini-vgg")) + count<Concat>(makePreset("mini-vgg")), 0);
  EXPECT_DOUBLE_EQ(presetLearningRate("lenet5"), 0.05);
}
