// Activation maximization: on the bundled LeNet-5 every convolution's and fully connected layer's
// unit 0 ends far above where it started, the result read back (after the 8-bit rounding an image
// file imposes) gives about the activation reported, each regularizer changes the result, and
// what is out of range is named.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/inspection/FeatureVisualization.h"
#include "engine/io/ModelFile.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;

TEST(FeatureVisualization, EveryWeightLayerOfLeNetRisesAndTheImageSaysSo) {
  Model lenet = loadModel(resourcesDirectory() + "/models/lenet5-digits.json");
  const Preprocess& pre = *lenet.info.preprocess;
  OnednnBackend backend;
  for (const char* layer : {"conv1", "conv2", "conv3", "fc1", "fc2"}) {
    SCOPED_TRACE(layer);
    VisualizeOptions o;
    o.node = size_t(lenet.network.nodeIndex(layer));
    const VisualizeResult r = visualizeUnit(lenet.network, backend, pre, o);
    ASSERT_EQ(int(r.activations.size()), o.steps);
    EXPECT_GT(r.activationEnd, r.activationStart + 1.0); // pre-activations: far above the start
    Tensor written = r.image;                            // as a PNG holds it
    for (float& v : written.values()) v = std::round(v * 255.0f) / 255.0f;
    EXPECT_NEAR(unitActivation(lenet.network, backend, pre, written, o), r.activationEnd,
                0.05 * std::abs(r.activationEnd) + 0.05);
    for (float v : r.image.values()) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
  }
  VisualizeOptions plain, regular;
  plain.node = regular.node = size_t(lenet.network.nodeIndex("conv2"));
  regular.l2 = regular.blur = regular.jitter = true;
  const VisualizeResult a = visualizeUnit(lenet.network, backend, pre, plain);
  const VisualizeResult b = visualizeUnit(lenet.network, backend, pre, regular);
  EXPECT_NE(a.image.values(), b.image.values());
  EXPECT_EQ(visualizeUnit(lenet.network, backend, pre, plain).image.values(), a.image.values()); // seeded
  VisualizeOptions bad;
  bad.node = size_t(lenet.network.nodeIndex("conv1"));
  bad.channel = 6;
  EXPECT_NE(bad.problem(lenet.network).find("unit 6 is out of range: conv1 has 6"), std::string::npos)
      << bad.problem(lenet.network);
  EXPECT_THROW(visualizeUnit(lenet.network, backend, pre, bad), std::invalid_argument);
}
