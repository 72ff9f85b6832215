// The layer-list grammar: presets round-trip, shapes per line, and worded problems.
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"

#include <gtest/gtest.h>

using namespace convscope;

TEST(LayerList, LeNet5RoundTripsThroughText) {
  const Network lenet = makePreset("lenet5");
  const std::string text = layerListText(lenet);
  EXPECT_EQ(text, "input 1x32x32\nconv 6 5x5\ntanh\navgpool 2x2\nconv 16 5x5\ntanh\navgpool 2x2\nconv 120 5x5\ntanh\n"
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
  ASSERT_TRUE(c.fits());
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
  EXPECT_EQ(c.weightBytes, c.parameters * 4);
  EXPECT_EQ(c.rows[6].weightBytes, 370 * 4);
}

// The check works shapes and parameters out by formula; the network it would build agrees
// row by row, so the two descriptions of a layer cannot drift apart.
TEST(LayerList, TheCheckAgreesWithTheNetworkItBuilds) {
  const std::string text = "input 3x32x32\nconv 8 5x5 stride 2 pad 1 dilation 2\nleaky-relu 0.1\navgpool 3 stride 2\n"
                           "conv 4 1x3\nsigmoid\nmaxpool 2x1\nflatten\ndense 12\ntanh\nfc 3\nsoftmax\n";
  const LayerListCheck c = checkLayerList(text);
  ASSERT_TRUE(c.fits()) << c.error;
  const Network network = buildLayerList(text);
  ASSERT_EQ(c.rows.size(), network.size() + 1);
  const std::vector<Shape> shapes = network.shapes(1);
  for (size_t i = 0; i < network.size(); ++i) {
    const LayerListRow& row = c.rows[i + 1];
    EXPECT_EQ(row.layer, network.layer(i).describe());
    EXPECT_EQ(row.name, network.layer(i).name());
    EXPECT_EQ(row.parameters, network.layer(i).parameterCount()) << row.layer;
    std::vector<int64_t> sample(shapes[i].dims().begin() + 1, shapes[i].dims().end());
    EXPECT_EQ(row.output, Shape(sample)) << row.layer;
  }
  EXPECT_EQ(c.parameters, network.parameterCount());
  EXPECT_EQ(c.rows[1].layer, "Conv2D 'conv1' 8@5x5 s2,2 p1,1,1,1 d2,2 g1");
  EXPECT_EQ(c.rows[7].output, (Shape{48})); // 4 × 3 × 4 after conv2 (4×6×4) and maxpool 2x1
  EXPECT_EQ(c.rows[8].layer, "Dense 'fc1' 48->12");
}

// The lecture's first example: a 500×500 colour image straight into 1000 neurons. Checking
// it must not allocate its 3 GB of weights (the editor checks on every keystroke).
TEST(LayerList, TheLecturesFullyConnectedImageChecksWithoutItsWeights) {
  const LayerListCheck c = checkLayerList("input 3x500x500\nflatten\ndense 1000\n");
  ASSERT_TRUE(c.fits()) << c.error;
  EXPECT_EQ(c.rows[1].output, (Shape{750000}));
  EXPECT_EQ(c.rows[2].output, (Shape{1000}));
  EXPECT_EQ(c.rows[2].layer, "Dense 'fc1' 750000->1000");
  EXPECT_EQ(c.rows[2].parameters, 750001000);
  EXPECT_EQ(c.rows[2].weightBytes, 3000004000);
  EXPECT_EQ(c.parameters, 750001000);
  EXPECT_EQ(byteSizeText(c.weightBytes), "3.0 GB");
}

// Weights no computer could hold still check, with their count: had the check allocated
// them it would have failed (std::bad_alloc, or a sanitizer's report).
TEST(LayerList, WeightsTooLargeToAllocateStillCheck) {
  const LayerListCheck c = checkLayerList("input 3x5000x5000\nflatten\ndense 100000\n");
  ASSERT_TRUE(c.fits()) << c.error;
  EXPECT_EQ(c.rows[2].parameters, 7500000100000); // 75,000,000 × 100,000 + 100,000
  EXPECT_EQ(c.parameters, 7500000100000);
  EXPECT_EQ(byteSizeText(c.weightBytes), "30 TB");
  const LayerListCheck deep = checkLayerList("input 100000x100000x100000\nconv 100000 100000\n");
  EXPECT_EQ(deep.error, "line 2: Conv2D 'conv1': 100000×100000×100000×100000 weights are more than any computer can "
                        "hold");
}

TEST(LayerList, ByteSizesReadAsPeopleSayThem) {
  EXPECT_EQ(byteSizeText(1), "1 byte");
  EXPECT_EQ(byteSizeText(240), "240 bytes");
  EXPECT_EQ(byteSizeText(246824), "247 kB"); // LeNet-5's 61,706 parameters
  EXPECT_EQ(byteSizeText(999999), "1.0 MB");
  EXPECT_EQ(byteSizeText(9960000), "10 MB");
  EXPECT_EQ(byteSizeText(3000004000), "3.0 GB");
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
            "line 2: 'strid' is not an option of conv (options: stride, pad, dilation, groups)");
  EXPECT_EQ(error("input 1x8x8\nconv 2 3 stride\n"), "line 2: stride needs a value, e.g. 'stride 1'");
  EXPECT_EQ(error("input 1x8x8\nconv two 3\n"), "line 2: the number of filters 'two' is not a whole number");
  EXPECT_EQ(error(""), "no layers: start with 'input 1x32x32'");
  EXPECT_EQ(error("input 1x8x8\n"), "only an input: add layers below it");
  EXPECT_EQ(error("input 784\ndense 1000000\n"), "line 2: the number of outputs 1000000 is too large (at most 100000)");
  // After a problem, the later lines are marked, not checked against a wrong shape.
  const LayerListCheck c = checkLayerList("input 1x8x8\nconv 2 9\nrelu\n");
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_FALSE(c.rows[1].error.empty());
  EXPECT_EQ(c.rows[2].error, "not checked: a line above does not fit");
  EXPECT_FALSE(c.fits());
  EXPECT_THROW(buildLayerList("input 1x8x8\nconv 2 9\n"), std::invalid_argument);
}
