// Conv2D: shape and count arithmetic; the computation is the backend's.
#include "Conv2D.h"

#include <stdexcept>

namespace convscope {

Conv2D::Conv2D(std::string name, int64_t inChannels, int64_t outChannels, Conv2DGeometry geometry, bool hasBias)
    : Layer(std::move(name)), inChannels_(inChannels), outChannels_(outChannels), geometry_(geometry),
      hasBias_(hasBias) {
  // Validate the channel arithmetic now with a nominal spatial size; the spatial checks
  // happen when the input size is known.
  if (inChannels < 1 || geometry.groups < 1 || inChannels % geometry.groups != 0 ||
      outChannels % geometry.groups != 0 || outChannels < 1)
    conv2dOutputShape(Shape{1, inChannels, 1 << 20, 1 << 20}, outChannels, geometry, "Conv2D '" + this->name() + "'");
  weights_ = Tensor(Shape{outChannels, inChannels / geometry.groups, geometry.kernelH, geometry.kernelW});
  diffWeights_ = Tensor(weights_.shape());
  if (hasBias) bias_ = Tensor(Shape{outChannels}), diffBias_ = Tensor(Shape{outChannels});
}

std::string Conv2D::describe() const {
  return Layer::describe() + " " + std::to_string(outChannels_) + "@" + geometry_.toString();
}

Shape Conv2D::outputShape(const Shape& src) const {
  const std::string who = "Conv2D '" + name() + "'";
  if (src.rank() == 4 && src[1] != inChannels_)
    throw std::invalid_argument(who + ": expects " + std::to_string(inChannels_) + " input channel(s), got " +
                                std::to_string(src[1]) + " (input " + src.toString() + ")");
  return conv2dOutputShape(src, outChannels_, geometry_, who);
}

int64_t Conv2D::parameterCount() const { return weights_.size() + bias_.size(); }

int64_t Conv2D::macCount(const Shape& src) const {
  return outputShape(src).elementCount() * (inChannels_ / geometry_.groups) * geometry_.kernelH * geometry_.kernelW;
}

void Conv2D::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.conv2dForward(geometry_, src, weights_, hasBias_ ? &bias_ : nullptr, dst);
}

void Conv2D::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  backend.conv2dBackwardWeights(geometry_, src, diffDst, diffWeights_, hasBias_ ? &diffBias_ : nullptr);
  if (diffSrc) backend.conv2dBackwardData(geometry_, weights_, diffDst, *diffSrc);
}

std::vector<Tensor*> Conv2D::parameters() {
  if (hasBias_) return {&weights_, &bias_};
  return {&weights_};
}

std::vector<Tensor*> Conv2D::gradients() {
  if (hasBias_) return {&diffWeights_, &diffBias_};
  return {&diffWeights_};
}

} // namespace convscope
