// Receptive fields: the recurrence worked by hand on a small network (dilation, padding, a
// branch, flatten, upsampling, a transposed convolution), and the effective field of two 3×3
// convolutions of ones — the gradient is the kernel convolved with itself, [1 2 3 2 1] ⊗ [1 2 3 2 1],
// nonzero exactly over the theoretical 5×5. The published values and torchvision's own networks
// are tests/receptive_field_oracle.py's.
#include "TestUtils.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/inspection/ReceptiveField.h"
#include "engine/network/LayerList.h"

#include <gtest/gtest.h>

using namespace convscope;

TEST(ReceptiveField, TheRecurrenceByHand) {
  const Network net = buildLayerList("input 1x32x32\n"
                                     "conv 4 3x3 as a\n"                     // 3, jump 1, start 1
                                     "maxpool 2x2 as b\n"                    // 4, jump 2, start 1.5
                                     "conv 4 3x3 pad 2 dilation 2 as c\n"    // 4 + 4·2 = 12, start 1.5
                                     "conv 4 1x1 from b as d\n"              // a branch beside c: 4
                                     "concat c as e\n"                       // the larger: 12
                                     "upsample 2 as f\n"                     // 12, jump 1, start 1.5 − 0.5
                                     "flatten as g\n"                        // 12 + 29·1 = 41: all of it
                                     "dense 10 as h\n");
  const std::vector<ReceptiveField> f = receptiveFields(net);
  ASSERT_EQ(f.size(), 8u);
  const auto expect = [&](size_t i, const char* name, double size, double jump, double start) {
    SCOPED_TRACE(name);
    EXPECT_EQ(f[i].layer, name);
    EXPECT_DOUBLE_EQ(f[i].size[0], size);
    EXPECT_DOUBLE_EQ(f[i].size[1], size);
    EXPECT_DOUBLE_EQ(f[i].jump[0], jump);
    EXPECT_DOUBLE_EQ(f[i].start[0], start);
  };
  expect(0, "a", 3, 1, 1);
  expect(1, "b", 4, 2, 1.5);
  expect(2, "c", 12, 2, 1.5);
  expect(3, "d", 4, 2, 1.5);
  expect(4, "e", 12, 2, 1.5);
  expect(5, "f", 12, 1, 1.0); // nearest ×2: output cell 0 lies at input position −¼ of a cell of jump 2
  EXPECT_FALSE(f[5].whole);
  // f's map is 30×30 (32 − 2, halved, kept, doubled): flatten reads all 30 units of jump 1.
  expect(6, "g", 12 + 29, 0, 1.0 + 14.5);
  EXPECT_TRUE(f[6].whole);
  expect(7, "h", 41, 0, 15.5);
  EXPECT_TRUE(f[7].whole);

  // A transposed convolution (4×4, stride 2, pad 1): output cell o gathers input cells
  // (o − 2)/2 … (o + 1)/2, a span of 3/2 cells at half the jump.
  const std::vector<ReceptiveField> up = receptiveFields(buildLayerList("input 1x8x8\ndeconv 1 4x4 stride 2 pad 1\n"));
  EXPECT_DOUBLE_EQ(up[0].size[0], 2.5);
  EXPECT_DOUBLE_EQ(up[0].jump[0], 0.5);
  EXPECT_DOUBLE_EQ(up[0].start[0], -0.25); // (1 − 3)/2 + 1.5/2: between input cells −1 and 0.5
  // Rectangular kernels keep their axes apart.
  const std::vector<ReceptiveField> wide = receptiveFields(buildLayerList("input 1x8x8\nconv 1 1x5\n"));
  EXPECT_DOUBLE_EQ(wide[0].size[0], 1);
  EXPECT_DOUBLE_EQ(wide[0].size[1], 5);
  EXPECT_THROW(receptiveFields(buildLayerList("input 16\ndense 4\n")), std::invalid_argument); // no image
}

TEST(ReceptiveField, TheEffectiveFieldOfTwoConvolutionsOfOnes) {
  Network net = buildLayerList("input 1x15x15\nconv 1 3x3\nconv 1 3x3\n");
  for (Tensor* p : net.parameters())
    for (float& v : p->values()) v = p->shape().rank() == 4 ? 1.0f : 0.0f; // kernels of ones, no bias
  ReferenceBackend backend;
  Tensor image(Shape{1, 1, 15, 15}, 0.5f);
  const Tensor map = effectiveReceptiveField(net, backend, image, 1, 0, 5, 5); // the 11×11 output's centre
  ASSERT_EQ(map.shape(), (Shape{15, 15}));
  const float line[5] = {1, 2, 3, 2, 1};
  const ReceptiveField field = receptiveFields(net)[1];
  EXPECT_EQ(field.size[0], 5);
  for (int64_t y = 0; y < 15; ++y)
    for (int64_t x = 0; x < 15; ++x) {
      // Unit (5, 5) of the second convolution sees input rows and columns 5 … 9 (start 2 + 5·1 = 7 ± 2).
      const bool inside = y >= 5 && y <= 9 && x >= 5 && x <= 9;
      const float want = inside ? line[y - 5] * line[x - 5] : 0.0f;
      ASSERT_FLOAT_EQ(map.values()[size_t(y * 15 + x)], want) << y << ", " << x;
    }
  EXPECT_THROW(effectiveReceptiveField(net, backend, image, 1, 0, 11, 0), std::invalid_argument); // outside 11×11
  EXPECT_THROW(effectiveReceptiveField(net, backend, image, 2, 0, 0, 0), std::invalid_argument);  // no node 2
}
