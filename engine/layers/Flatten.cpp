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

Tensor Flatten::forward(Backend&, const Tensor& src) { return src.reshaped(outputShape(src.shape())); }

} // namespace convscope
