// Activation: an element-wise non-linearity (ReLU, leaky ReLU, tanh, sigmoid, ReLU6, ELU, hard
// sigmoid, hard swish, SiLU, or none).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/layers/Layer.h"

namespace convscope {

class Activation final : public Layer {
public:
  // alpha: leaky ReLU's negative slope, ELU's α, hard sigmoid's slope (ignored by the others).
  Activation(std::string name, ActivationKind kind, float alpha = 0.01f);

  std::string kind() const override { return "Activation"; }
  LayerFamily family() const override { return LayerFamily::Activation; }
  bool isElementwise() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  bool wantsHeInitialization() const override;
  std::string describe() const override { return Layer::describe() + " " + toString(activation_); }
  Shape outputShape(const Shape& src) const override { return src; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

  ActivationKind activation() const { return activation_; }
  float alpha() const { return alpha_; }
  // The ONNX import folds x·σ(x) into SiLU and x·hardσ(x) into hard swish: the gate becomes them.
  void setActivation(ActivationKind kind, float alpha) { activation_ = kind, alpha_ = alpha; }

private:
  ActivationKind activation_;
  float alpha_;
};

// The model file's "Activation" and the layer list's "relu", "tanh", "sigmoid", "relu6", "hard-swish",
// "silu", "elu [α]", "hard-sigmoid [slope]", "leaky-relu [slope]".
LayerKind activationKind();

} // namespace convscope
