// Pool2D: shape arithmetic; the computation is the backend's.
#include "Pool2D.h"

namespace convscope {

Pool2D::Pool2D(std::string name, Pool2DGeometry geometry) : Layer(std::move(name)), geometry_(geometry) {}

Shape Pool2D::outputShape(const Shape& src) const {
  return pool2dOutputShape(src, geometry_, "Pool2D '" + name() + "'");
}

Tensor Pool2D::forward(Backend& backend, const Tensor& src) {
  Tensor dst(outputShape(src.shape()));
  backend.pool2dForward(geometry_, src, dst);
  return dst;
}

} // namespace convscope
