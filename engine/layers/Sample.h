// Sample: a variational autoencoder's reparameterization trick. The input holds, per sample,
// a Gaussian's mean μ and log-variance log σ² side by side, (N, 2L) = [μ | log σ²]; while
// training the output is a draw z = μ + σ·ε with σ = exp(½·log σ²) and ε ~ N(0, 1) from the
// layer's own seeded stream (a new draw every batch), so the draw is a differentiable function
// of μ and log σ²:
//   ∂z/∂μ = 1      ∂z/∂log σ² = ½·σ·ε
// In evaluation the output is the mean, z = μ (decoding a test image's most likely code), unless
// sampling is on (Network::setSampling: a test image's ELBO draws as training does).
// Needs no backend: element-wise.
// Not for: the KL divergence of the code to N(0, I) (GenerativeLosses.h: gaussianKl adds its gradient
// to this layer's input gradient).
#pragma once

#include "engine/layers/Layer.h"

#include <random>

namespace convscope {

class Sample final : public Layer {
public:
  explicit Sample(std::string name, uint64_t seed = 0x5a3b1e);

  std::string kind() const override { return "Sample"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void setTraining(bool on) override { training_ = on; }
  void setSampling(bool on) override { sampling_ = on; }
  bool drawsLatentCode() const override { return true; }
  std::string randomState() const override;
  void setRandomState(const std::string& state) override;

  // The ε of the next training forward instead of a draw (N, L): a test's or a lecture's own
  // numbers; used once.
  void setNoise(Tensor noise) { givenNoise_ = std::move(noise); }
  const Tensor& noise() const { return noise_; } // the last training forward's ε, (N, L)

private:
  bool training_ = false, sampling_ = false; // draws while either is on
  std::mt19937_64 random_;
  Tensor noise_, givenNoise_;
};

// A standard normal draw from a 64-bit stream (Box–Muller on two 53-bit uniforms): the same
// numbers on every platform, unlike std::normal_distribution.
double standardNormal(std::mt19937_64& random);

// The model file's "Sample" and the layer list's "sample".
LayerKind sampleKind();

} // namespace convscope
