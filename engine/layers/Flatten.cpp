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

// Features in (C, H, W) order whatever the source's memory layout, so a Dense layer's
// weights mean the same on every backend.
void Flatten::forwardInto(Backend&, const Tensor& src, Tensor& dst) {
  if (src.shape().rank() != 4 || src.layout() == Layout::NCHW) {
    std::copy(src.values().begin(), src.values().end(), dst.values().begin());
    return;
  }
  const Tensor nchw = src.inLayout(Layout::NCHW);
  std::copy(nchw.values().begin(), nchw.values().end(), dst.values().begin());
}

void Flatten::backward(Backend&, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (!diffSrc) return;
  if (diffSrc->shape().rank() != 4 || diffSrc->layout() == Layout::NCHW) {
    std::copy(diffDst.values().begin(), diffDst.values().end(), diffSrc->values().begin());
    return;
  }
  *diffSrc = Tensor(diffSrc->shape(), diffDst.values()).inLayout(diffSrc->layout());
}

} // namespace convscope
