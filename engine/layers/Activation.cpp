// Activation: forwards to the backend's element-wise primitive.
#include "engine/layers/Activation.h"

#include "engine/layers/OnnxWriter.h"

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

void Activation::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                           const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  switch (activation_) {
  case ActivationKind::ReLU: onnx.node("Relu", name(), inputs, output); break;
  case ActivationKind::LeakyReLU: onnx.node("LeakyRelu", name(), inputs, output, {{"alpha", alpha_}}); break;
  case ActivationKind::Tanh: onnx.node("Tanh", name(), inputs, output); break;
  case ActivationKind::Sigmoid: onnx.node("Sigmoid", name(), inputs, output); break;
  case ActivationKind::None: onnx.node("Identity", name(), inputs, output); break;
  case ActivationKind::ReLU6:
    onnx.initializer(name() + ".min", {}, {0.0f});
    onnx.initializer(name() + ".max", {}, {6.0f});
    onnx.node("Clip", name(), {inputs[0], name() + ".min", name() + ".max"}, output);
    break;
  }
}

} // namespace convscope
