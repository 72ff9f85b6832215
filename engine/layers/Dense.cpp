// Dense: shape and count arithmetic; the computation is the backend's.
#include "Dense.h"

#include <stdexcept>

namespace convscope {

Dense::Dense(std::string name, int64_t inFeatures, int64_t outFeatures, bool hasBias)
    : Layer(std::move(name)), inFeatures_(inFeatures), outFeatures_(outFeatures), hasBias_(hasBias) {
  if (inFeatures < 1 || outFeatures < 1)
    throw std::invalid_argument("Dense '" + this->name() + "': features " + std::to_string(inFeatures) + " -> " +
                                std::to_string(outFeatures) + " must both be at least 1");
  weights_ = Tensor(Shape{outFeatures, inFeatures});
  diffWeights_ = Tensor(weights_.shape());
  if (hasBias) bias_ = Tensor(Shape{outFeatures}), diffBias_ = Tensor(Shape{outFeatures});
}

std::string Dense::describe() const {
  return Layer::describe() + " " + std::to_string(inFeatures_) + "->" + std::to_string(outFeatures_);
}

Shape Dense::outputShape(const Shape& src) const {
  if (src.rank() != 2 || src[1] != inFeatures_)
    throw std::invalid_argument("Dense '" + name() + "': expects (N, " + std::to_string(inFeatures_) + ") input, got " +
                                src.toString() + (src.rank() == 4 ? " (add a Flatten first)" : ""));
  return Shape{src[0], outFeatures_};
}

void Dense::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.denseForward(src, weights_, hasBias_ ? &bias_ : nullptr, dst);
}

void Dense::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  backend.denseBackwardWeights(src, diffDst, diffWeights_, hasBias_ ? &diffBias_ : nullptr);
  if (diffSrc) backend.denseBackwardData(weights_, diffDst, *diffSrc);
}

std::vector<Tensor*> Dense::parameters() {
  if (hasBias_) return {&weights_, &bias_};
  return {&weights_};
}

std::vector<Tensor*> Dense::gradients() {
  if (hasBias_) return {&diffWeights_, &diffBias_};
  return {&diffWeights_};
}

} // namespace convscope
