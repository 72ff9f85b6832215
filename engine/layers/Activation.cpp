// Activation: forwards to the backend's element-wise primitive.
#include "Activation.h"

namespace convscope {

Activation::Activation(std::string name, ActivationKind kind, float alpha)
    : Layer(std::move(name)), activation_(kind), alpha_(alpha) {}

Tensor Activation::forward(Backend& backend, const Tensor& src) {
  Tensor dst(src.shape());
  backend.activationForward(activation_, alpha_, src, dst);
  return dst;
}

} // namespace convscope
