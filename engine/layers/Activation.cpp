// Activation: forwards to the backend's element-wise primitive.
#include "Activation.h"

namespace convscope {

Activation::Activation(std::string name, ActivationKind kind, float alpha)
    : Layer(std::move(name)), activation_(kind), alpha_(alpha) {}

void Activation::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.activationForward(activation_, alpha_, src, dst);
}

void Activation::backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                          Tensor* diffSrc) {
  if (diffSrc) backend.activationBackward(activation_, alpha_, src, dst, diffDst, *diffSrc);
}

} // namespace convscope
