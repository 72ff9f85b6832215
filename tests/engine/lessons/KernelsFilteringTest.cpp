// The classic kernel library and the filtering rules (full-depth kernels sum over channels,
// one-block kernels keep them, banks stack, "same" padding keeps the size).
#include "TestUtils.h"

#include "engine/lessons/Filtering.h"
#include "engine/lessons/Kernels.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace convscope;
using convscope::test::randomTensor;
using convscope::test::tensor;
using convscope::test::tensorsClose;

TEST(Kernels, LibraryHasTheLectureKernelsWithTheirValues) {
  EXPECT_EQ(classicKernelNames(),
            "identity, edge-cross, laplacian-4, laplacian-8, sharpen, box-blur, gaussian-blur, sobel-x, sobel-y, "
            "prewitt-x, prewitt-y, emboss, gaussian-blur-5");
  EXPECT_TRUE(tensorsClose(findClassicKernel("edge-cross")->weights, tensor({1, 3, 3}, {1, 0, -1, 0, 0, 0, -1, 0, 1})));
  EXPECT_TRUE(
      tensorsClose(findClassicKernel("laplacian-8")->weights, tensor({1, 3, 3}, {-1, -1, -1, -1, 8, -1, -1, -1, -1})));
  EXPECT_TRUE(tensorsClose(findClassicKernel("sharpen")->weights, tensor({1, 3, 3}, {0, -1, 0, -1, 5, -1, 0, -1, 0})));
  const Tensor g5 = findClassicKernel("gaussian-blur-5")->weights;
  EXPECT_EQ(g5.shape(), (Shape{1, 5, 5}));
  EXPECT_FLOAT_EQ(g5.data()[12], 36.0f / 256);
  for (const char* blur : {"box-blur", "gaussian-blur", "gaussian-blur-5"}) {
    const auto& v = findClassicKernel(blur)->weights.values();
    EXPECT_NEAR(std::accumulate(v.begin(), v.end(), 0.0), 1.0, 1e-6) << blur;
  }
  EXPECT_EQ(findClassicKernel("no-such-kernel"), nullptr);
}

TEST(Filtering, SobelXRespondsToARisingEdge) {
  auto backend = makeBackend(BackendKind::Onednn);
  Tensor image(Shape{1, 1, 3, 4}, std::vector<float>{0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10});
  const Tensor out = applyFilterBank(*backend, image, {{"sobel-x", findClassicKernel("sobel-x")->weights}}, {});
  EXPECT_TRUE(tensorsClose(out, tensor({1, 1, 1, 2}, {40, 40})));
}

TEST(Filtering, OneBlockKernelSpansTheChannelsUnlessPerChannel) {
  auto backend = makeBackend(BackendKind::Onednn);
  const Tensor rgb = randomTensor({1, 3, 6, 5}, 3, 0, 255);
  FilterOptions o;
  o.padding = PaddingSpec::parse("same");
  // By default the block is used on every channel and the maps summed: one map, R + G + B.
  const Tensor sum = applyFilterBank(*backend, rgb, {{"identity", findClassicKernel("identity")->weights}}, o);
  Tensor expected(Shape{1, 1, 6, 5});
  for (int64_t i = 0; i < 30; ++i) expected.data()[i] = rgb.data()[i] + rgb.data()[30 + i] + rgb.data()[60 + i];
  EXPECT_TRUE(tensorsClose(sum, expected, 1e-3f));
  // Per channel (depthwise): the channels kept, identity gives the image back.
  o.perChannel = true;
  const Tensor out = applyFilterBank(*backend, rgb, {{"identity", findClassicKernel("identity")->weights}}, o);
  EXPECT_TRUE(tensorsClose(out, rgb));
}

TEST(Filtering, BankStacksOutputsAndReluApplies) {
  auto backend = makeBackend(BackendKind::Reference);
  const Tensor gray = randomTensor({1, 1, 7, 7}, 4, -1, 1);
  FilterOptions o;
  o.activation = ActivationKind::ReLU;
  o.bias = -0.5f;
  const Tensor out = applyFilterBank(
      *backend, gray, {{"a", findClassicKernel("sobel-x")->weights}, {"b", findClassicKernel("emboss")->weights}}, o);
  ASSERT_EQ(out.shape(), (Shape{1, 2, 5, 5}));
  for (float v : out.values()) EXPECT_GE(v, 0.0f);
}

TEST(Filtering, KernelBlocksMustMatchTheChannels) {
  auto backend = makeBackend(BackendKind::Reference);
  const Tensor rgb = randomTensor({1, 3, 6, 6}, 5);
  try {
    applyFilterBank(*backend, rgb, {{"two.txt", Tensor(Shape{2, 3, 3})}}, {});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "kernel 'two.txt' has 2 channel blocks but the input has 3 channels (use 1 block, "
                           "used on every channel, or 3 blocks, one for each; the maps are summed over the channels)");
  }
  try {
    applyFilterBank(*backend, rgb, {{"k3", Tensor(Shape{1, 3, 3})}, {"k5", Tensor(Shape{1, 5, 5})}}, {});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("a bank needs one output size"), std::string::npos) << e.what();
  }
}

TEST(Filtering, PaddingSpecParsing) {
  const PaddingSpec p = PaddingSpec::parse("1,2,3,4");
  EXPECT_EQ(p.top, 1);
  EXPECT_EQ(p.right, 4);
  EXPECT_EQ(PaddingSpec::parse("2,1").left, 1);
  EXPECT_EQ(PaddingSpec::parse("same").mode, PaddingSpec::Mode::Same);
  EXPECT_THROW(PaddingSpec::parse("-1"), std::invalid_argument);
  EXPECT_THROW(PaddingSpec::parse("1,2,3"), std::invalid_argument);
  EXPECT_THROW(PaddingSpec::parse("lots"), std::invalid_argument);
}
