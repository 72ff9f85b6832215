// BatchNorm: per channel, (x − μ)/√(σ² + ε)·γ + β (Ioffe & Szegedy 2015), as PyTorch's
// BatchNorm2d: while training μ and σ² are the batch's (σ² biased) and the running
// statistics follow them (running = (1 − m)·running + m·batch, the variance unbiased);
// in evaluation the running statistics are used. γ and β are learned; the running mean and
// variance are saved with the model but are not parameters (torchvision's count).
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class BatchNorm final : public Layer {
public:
  BatchNorm(std::string name, int64_t channels, float epsilon = 1e-5f, float momentum = 0.1f);

  std::string kind() const override { return "BatchNorm"; }
  LayerFamily family() const override { return LayerFamily::Normalization; }
  std::string words() const override { return "batch norm"; }
  bool isElementwise() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  bool foldedAffine(ChannelAffine& affine) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override { return "batchnorm"; }
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override { return 2 * channels_; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void setTraining(bool on) override { training_ = on; }
  void initialize(InitScheme scheme, WeightRandom& random) override; // γ = 1, β = 0, as PyTorch
  std::vector<Tensor*> parameters() override { return {&gamma_, &beta_}; }
  std::vector<Tensor*> gradients() override { return {&diffGamma_, &diffBeta_}; }
  std::vector<std::pair<std::string, Tensor*>> stateTensors() override;

  int64_t channels() const { return channels_; }
  float epsilon() const { return epsilon_; }
  float momentum() const { return momentum_; }
  Tensor& gamma() { return gamma_; }
  Tensor& beta() { return beta_; }
  Tensor& runningMean() { return runningMean_; }
  Tensor& runningVariance() { return runningVariance_; }
  const Tensor& gamma() const { return gamma_; }
  const Tensor& beta() const { return beta_; }
  const Tensor& runningMean() const { return runningMean_; }
  const Tensor& runningVariance() const { return runningVariance_; }

private:
  int64_t channels_;
  float epsilon_, momentum_;
  bool training_ = false;
  Tensor gamma_, beta_, diffGamma_, diffBeta_;
  Tensor runningMean_, runningVariance_;
  Tensor batchMean_, batchVariance_; // the last training forward's, for its backward
};

// The model file's "BatchNorm" and the layer list's "batchnorm" (or "bn").
LayerKind batchNormKind();

} // namespace convscope
