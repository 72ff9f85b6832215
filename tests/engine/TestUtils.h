// Helpers shared by the engine tests: tensors from literals, seeded random tensors, and a
// comparison that reports the largest difference and where it is (like llm.c's check_tensor).
#pragma once

#include "engine/core/Tensor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace convscope::test {

Tensor tensor(Shape shape, std::vector<float> values);
Tensor randomTensor(Shape shape, unsigned seed, float lo = -1.0f, float hi = 1.0f);
// A lecture example from resources/examples (a matrix file) as a (1, C, H, W) tensor.
Tensor lectureExample(const std::string& file);

// Passes when every |a - b| <= atol + rtol·|b|; otherwise says how many differ, the largest
// difference and its index.
::testing::AssertionResult tensorsClose(const Tensor& actual, const Tensor& expected, float atol = 1e-5f,
                                        float rtol = 1e-5f);

} // namespace convscope::test
