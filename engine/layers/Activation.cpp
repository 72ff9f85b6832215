// Activation: forwards to the backend's element-wise primitive.
#include "engine/layers/Activation.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <sstream>

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

std::string Activation::title() const { return name() + ": " + activationTitle(activation_); }

void Activation::saveFields(nlohmann::ordered_json& j) const {
  j["activation"] = toString(activation_);
  if (activation_ == ActivationKind::LeakyReLU) j["alpha"] = alpha_;
}

std::string Activation::layerListLine() const {
  if (activation_ == ActivationKind::None) return {};
  if (activation_ != ActivationKind::LeakyReLU) return toString(activation_);
  std::ostringstream line;
  line << toString(activation_) << " " << alpha_;
  return line.str();
}

bool Activation::wantsHeInitialization() const {
  return activation_ == ActivationKind::ReLU || activation_ == ActivationKind::LeakyReLU ||
         activation_ == ActivationKind::ReLU6;
}

LayerKind activationKind() {
  LayerKind k;
  k.type = "Activation";
  k.keywords = {"relu", "tanh", "sigmoid", "leaky-relu", "relu6"};
  k.syntax = "relu, tanh, sigmoid, relu6 or leaky-relu [slope]";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(
        std::make_unique<Activation>(name, activationFromString(f.text("activation")), f.number("alpha", 0.01f)));
  };
  k.plan = [](const LayerListLine& line) {
    const std::string& kind = line.keyword;
    float alpha = 0.01f;
    if (kind == "leaky-relu" && line.tokens.size() == 2)
      alpha = numberToken(line.tokens[1], "the slope");
    else
      line.options(1, {});
    const ActivationKind a = kind == "relu"      ? ActivationKind::ReLU
                             : kind == "tanh"    ? ActivationKind::Tanh
                             : kind == "sigmoid" ? ActivationKind::Sigmoid
                             : kind == "relu6"   ? ActivationKind::ReLU6
                                                 : ActivationKind::LeakyReLU;
    return planWeightless<Activation>(line.in, line.names.next("act"), a, alpha);
  };
  return k;
}

} // namespace convscope
