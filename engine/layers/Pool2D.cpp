// Pool2D: shape arithmetic; the computation is the backend's.
#include "Pool2D.h"

namespace convscope {

Pool2D::Pool2D(std::string name, Pool2DGeometry geometry) : Layer(std::move(name)), geometry_(geometry) {}

Shape Pool2D::outputShape(const Shape& src) const {
  return pool2dOutputShape(src, geometry_, "Pool2D '" + name() + "'");
}

void Pool2D::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.pool2dForward(geometry_, src, dst);
}

void Pool2D::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.pool2dBackward(geometry_, src, diffDst, *diffSrc);
}

} // namespace convscope
