// ChannelScale: each channel times its own learned factor, y_c = γ_c·x_c — ConvNeXt's layer
// scale (γ starts at 10⁻⁶ there, so that each residual block starts close to the identity).
// Maps (N, C, H, W) or vectors (N, F). Its product and gradients are the backend's arithmetic
// with one factor per channel (squeeze-and-excitation's channel scaling, with learned factors).
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class ChannelScale final : public Layer {
public:
  // init: every factor's starting value (1: the identity), also what initialize() restores.
  ChannelScale(std::string name, int64_t channels, float init = 1.0f);

  std::string kind() const override { return "ChannelScale"; }
  std::string words() const override { return "scale per channel"; }
  bool isElementwise() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override { return channels_; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void initialize(InitScheme scheme, WeightRandom& random) override;
  std::vector<Tensor*> parameters() override { return {&gamma_}; }
  std::vector<Tensor*> gradients() override { return {&diffGamma_}; }

  int64_t channels() const { return channels_; }
  Tensor& gamma() { return gamma_; }
  const Tensor& gamma() const { return gamma_; }

private:
  // γ as (1, C, 1, 1) for maps, (1, C) for vectors: the backend broadcasts it.
  Tensor factorsFor(const Shape& src) const;
  int64_t channels_;
  float init_;
  Tensor gamma_, diffGamma_;
};

// The model file's "ChannelScale" and the layer list's "scale [INIT]".
LayerKind channelScaleKind();

} // namespace convscope
