// Softmax: shape check; the computation is the backend's.
#include "Softmax.h"

#include <stdexcept>

namespace convscope {

Shape Softmax::outputShape(const Shape& src) const {
  if (src.rank() != 2)
    throw std::invalid_argument("Softmax '" + name() + "': expects (N, F) scores, got " + src.toString());
  return src;
}

void Softmax::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) { backend.softmaxForward(src, dst); }

void Softmax::backward(Backend& backend, const Tensor&, const Tensor& dst, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.softmaxBackward(dst, diffDst, *diffSrc);
}

} // namespace convscope
