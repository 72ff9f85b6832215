#include "TestUtils.h"
#include "common/TestPaths.h"

#include "engine/io/MatrixText.h"

#include <cmath>
#include <random>
#include <sstream>

namespace convscope::test {

Tensor tensor(Shape shape, std::vector<float> values) { return Tensor(std::move(shape), std::move(values)); }

Tensor lectureExample(const std::string& file) {
  const Tensor chw = loadMatrixFile(convscope::test::examplePath(file));
  return chw.reshaped(Shape{1, chw.shape()[0], chw.shape()[1], chw.shape()[2]});
}

Tensor randomTensor(Shape shape, unsigned seed, float lo, float hi) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

::testing::AssertionResult tensorsClose(const Tensor& actualAnyLayout, const Tensor& expected, float atol, float rtol) {
  const Tensor actual = actualAnyLayout.inLayout(expected.layout()); // compare values, not memory orders
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << actual.shape().toString() << " != expected "
                                         << expected.shape().toString();
  double worst = -1;
  int64_t worstIndex = -1, bad = 0;
  for (int64_t i = 0; i < actual.size(); ++i) {
    const double a = actual.data()[i], e = expected.data()[i];
    const double diff = std::fabs(a - e);
    if (!(diff <= atol + rtol * std::fabs(e))) ++bad; // NaN counts as bad
    if (diff > worst || std::isnan(diff)) worst = diff, worstIndex = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << actual.size() << " values differ; largest difference "
                                       << worst << " at index " << worstIndex << " (got " << actual.data()[worstIndex]
                                       << ", expected " << expected.data()[worstIndex] << ")";
}

} // namespace convscope::test
