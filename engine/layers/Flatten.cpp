// Flatten: a reshape; NCHW is already in flatten order.
#include "Flatten.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

Shape Flatten::outputShape(const Shape& src) const {
  if (src.rank() < 2)
    throw std::invalid_argument("Flatten '" + name() + "': expects a batch axis first, got shape " + src.toString());
  return Shape{src[0], src.elementCount() / std::max<int64_t>(src[0], 1)};
}

void Flatten::forwardInto(Backend&, const Tensor& src, Tensor& dst) {
  std::copy(src.values().begin(), src.values().end(), dst.values().begin());
}

void Flatten::backward(Backend&, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) std::copy(diffDst.values().begin(), diffDst.values().end(), diffSrc->values().begin());
}

} // namespace convscope
