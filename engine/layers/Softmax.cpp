// Softmax: shape check; the computation is the backend's.
#include "Softmax.h"

#include <stdexcept>

namespace convscope {

Shape Softmax::outputShape(const Shape& src) const {
  if (src.rank() != 2)
    throw std::invalid_argument("Softmax '" + name() + "': expects (N, F) scores, got " + src.toString());
  return src;
}

Tensor Softmax::forward(Backend& backend, const Tensor& src) {
  Tensor dst(outputShape(src.shape()));
  backend.softmaxForward(src, dst);
  return dst;
}

} // namespace convscope
