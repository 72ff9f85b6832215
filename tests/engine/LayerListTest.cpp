// The layer-list grammar: presets round-trip, shapes per line, and worded problems.
#include "engine/LayerList.h"
#include "engine/Presets.h"

#include <gtest/gtest.h>

using namespace convscope;

TEST(LayerList, LeNet5RoundTripsThroughText) {
  const Network lenet = makePreset("lenet5");
  const std::string text = layerListText(lenet);
  EXPECT_EQ(text,
            "input 1x32x32\nconv 6 5x5\ntanh\navgpool 2x2\nconv 16 5x5\ntanh\navgpool 2x2\nconv 120 5x5\ntanh\n"
            "flatten\ndense 84\ntanh\ndense 10\nsoftmax\n");
  const Network rebuilt = buildLayerList(text);
  EXPECT_EQ(rebuilt.parameterCount(), 61706); // the lecture's table
  EXPECT_EQ(rebuilt.summary(), lenet.summary());
  EXPECT_EQ(layerListText(makePreset("lenet5-relu")),
            "input 1x32x32\nconv 6 5x5\nrelu\nmaxpool 2x2\nconv 16 5x5\nrelu\nmaxpool 2x2\nconv 120 5x5\nrelu\n"
            "flatten\ndense 84\nrelu\ndense 10\nsoftmax\n");
}

TEST(LayerList, EveryLineShowsItsOutputShapeAndParameters) {
  const LayerListCheck c = checkLayerList(
      "# a small CNN\ninput 1x28x28\n\nconv 8 3x3 stride 2 pad 1  # 8 filters\nrelu\nmaxpool 2\nconv 4 3 dilation 2\n"
      "flatten\nfc 10\nsoftmax\n");
  ASSERT_TRUE(c.error.empty()) << c.error;
  ASSERT_TRUE(c.network.has_value());
  ASSERT_EQ(c.rows.size(), 8u);
  EXPECT_EQ(c.rows[0].line, 2);
  EXPECT_EQ(c.rows[0].output, (Shape{1, 28, 28}));
  EXPECT_EQ(c.rows[1].line, 4);
  EXPECT_EQ(c.rows[1].output, (Shape{8, 14, 14})); // ⌊(28 − 3 + 2)/2⌋ + 1
  EXPECT_EQ(c.rows[1].parameters, 8 * 9 + 8);
  EXPECT_EQ(c.rows[3].output, (Shape{8, 7, 7}));
  EXPECT_EQ(c.rows[4].output, (Shape{4, 3, 3})); // dilated 5x5 on 7x7
  EXPECT_EQ(c.rows[5].output, (Shape{36}));
  EXPECT_EQ(c.rows[6].output, (Shape{10}));
  EXPECT_EQ(c.rows[6].parameters, 36 * 10 + 10);
  EXPECT_EQ(c.parameters, 80 + 8 * 9 * 4 + 4 + 370);
  EXPECT_EQ(c.network->parameterCount(), c.parameters);
}

TEST(LayerList, ProblemsNameTheLineAndTheNumbers) {
  const auto error = [](const std::string& text) { return checkLayerList(text).error; };
  EXPECT_EQ(error("input 6x5x5\nconv 16 7x7\n"),
            "line 2: Conv2D 'conv1': kernel 7x7 is larger than the padded input 5x5");
  EXPECT_EQ(error("input 1x8x8\nconv 2 3\ndense 10\n"),
            "line 3: dense needs a flat input, but its input is 2×6×6: put 'flatten' before it");
  EXPECT_EQ(error("input 1x8x8\nflatten\nconv 2 3\n"),
            "line 3: conv needs an image (channels × height × width), but its input is 64 values: image layers "
            "come before 'flatten'");
  EXPECT_EQ(error("conv 6 5x5\n"), "line 1: the first line must give the input, e.g. 'input 1x32x32' (channels × "
                                   "height × width) or 'input 784'");
  EXPECT_EQ(error("input 1x8x8\npool 2\n").substr(0, 28), "line 2: unknown layer 'pool'");
  EXPECT_EQ(error("input 1x8x8\nconv 0 3\n"), "line 2: the number of filters must be at least 1, not 0");
  EXPECT_EQ(error("input 1x8x8\nconv 2 3 strid 2\n"),
            "line 2: 'strid' is not an option of conv (options: stride, pad, dilation)");
  EXPECT_EQ(error("input 1x8x8\nconv 2 3 stride\n"), "line 2: stride needs a value, e.g. 'stride 1'");
  EXPECT_EQ(error("input 1x8x8\nconv two 3\n"), "line 2: the number of filters 'two' is not a whole number");
  EXPECT_EQ(error(""), "no layers: start with 'input 1x32x32'");
  EXPECT_EQ(error("input 1x8x8\n"), "only an input: add layers below it");
  // After a problem, the later lines are marked, not checked against a wrong shape.
  const LayerListCheck c = checkLayerList("input 1x8x8\nconv 2 9\nrelu\n");
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_FALSE(c.rows[1].error.empty());
  EXPECT_EQ(c.rows[2].error, "not checked: a line above does not fit");
  EXPECT_FALSE(c.network.has_value());
  EXPECT_THROW(buildLayerList("input 1x8x8\nconv 2 9\n"), std::invalid_argument);
}
