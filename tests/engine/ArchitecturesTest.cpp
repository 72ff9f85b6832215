// The lecture's architectures at full size: parameter counts equal to the published ones
// (torchvision's convention: batch-norm scale and shift counted, running statistics not),
// MobileNet's multiply-adds, the shapes their papers give, and the dotted block names.
#include "engine/Architectures.h"
#include "engine/Presets.h"

#include <gtest/gtest.h>

using namespace convscope;

TEST(Architectures, ParameterCountsAreThePublishedOnes) {
  const std::vector<std::pair<std::string, int64_t>> published{{"alexnet", 62378344},    {"vgg16", 138357544},
                                                               {"resnet18", 11689512},   {"resnet50", 25557032},
                                                               {"densenet121", 7978856}, {"mobilenet", 4231976}};
  ASSERT_EQ(architectureNames().size(), published.size());
  for (const auto& [name, count] : published) {
    const Network net = makeArchitecture(name);
    EXPECT_EQ(net.parameterCount(), count) << name;
    EXPECT_EQ(net.outputShape(1), (Shape{1, 1000})) << name;
    EXPECT_TRUE(isPreset(name)) << name;
  }
}

TEST(Architectures, MobileNetTakesAbout569MillionMultiplyAdds) {
  const Network net = makeArchitecture("mobilenet");
  EXPECT_NEAR(double(net.macCount()) / 1e6, 569.0, 1.0); // the paper's Table 1: 569 million
  // ResNet-50: 4.1 billion (torchvision's figure, 4.09 GFLOPs as multiply-adds).
  EXPECT_NEAR(double(makeArchitecture("resnet50").macCount()) / 1e9, 4.09, 0.02);
}

TEST(Architectures, ShapesAndBlockNamesFollowThePapers) {
  const Network alex = makeArchitecture("alexnet");
  const std::vector<Shape> shapes = alex.shapes(1);
  EXPECT_EQ(shapes[0], (Shape{1, 96, 55, 55})); // the lecture's 227 → 55
  EXPECT_EQ(alex.shapes(1)[alex.nodeIndex("features.pool5")], (Shape{1, 256, 6, 6}));
  const Network res = makeArchitecture("resnet50");
  EXPECT_EQ(res.shapes(1)[res.nodeIndex("layer1.0.add")], (Shape{1, 256, 56, 56}));
  EXPECT_EQ(res.shapes(1)[res.nodeIndex("layer4.2.relu")], (Shape{1, 2048, 7, 7}));
  EXPECT_EQ(res.nodes()[res.nodeIndex("layer2.0.add")].inputs.size(), 2u); // main path and projection
  const Network dense = makeArchitecture("densenet121");
  EXPECT_EQ(dense.shapes(1)[dense.nodeIndex("features.denseblock4.denselayer16.concat")], (Shape{1, 1024, 7, 7}));
  const Network mobile = makeArchitecture("mobilenet");
  EXPECT_EQ(mobile.shapes(1)[mobile.nodeIndex("block13.pointwise")], (Shape{1, 1024, 7, 7}));
  EXPECT_THROW(makeArchitecture("inception-v9"), std::invalid_argument);
}
