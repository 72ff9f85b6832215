// LayerNorm: each sample normalized over its channels at every position, then scaled and
// shifted per channel: y = γ_c·(x − μ)/√(σ² + ε) + β_c, with μ and σ² (biased) the mean and
// variance of the C values at (n, h, w) — of the F features of a vector. ConvNeXt normalizes
// so (PyTorch's nn.LayerNorm over the last axis of channels-last values, and its LayerNorm2d);
// unlike batch normalization it needs no batch and keeps no running statistics.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class LayerNorm final : public Layer {
public:
  LayerNorm(std::string name, int64_t channels, float epsilon = 1e-5f);

  std::string kind() const override { return "LayerNorm"; }
  LayerFamily family() const override { return LayerFamily::Normalization; }
  std::string words() const override { return "layer norm"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override { return 2 * channels_; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void initialize(InitScheme scheme, WeightRandom& random) override; // γ = 1, β = 0, as PyTorch
  std::vector<Tensor*> parameters() override { return {&gamma_, &beta_}; }
  std::vector<Tensor*> gradients() override { return {&diffGamma_, &diffBeta_}; }

  int64_t channels() const { return channels_; }
  float epsilon() const { return epsilon_; }
  Tensor& gamma() { return gamma_; }
  Tensor& beta() { return beta_; }
  const Tensor& gamma() const { return gamma_; }
  const Tensor& beta() const { return beta_; }

private:
  int64_t channels_;
  float epsilon_;
  Tensor gamma_, beta_, diffGamma_, diffBeta_;
};

// The model file's "LayerNorm" and the layer list's "layernorm [eps E]" (or "ln").
LayerKind layerNormKind();

} // namespace convscope
