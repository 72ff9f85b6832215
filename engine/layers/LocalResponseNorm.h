// LocalResponseNorm: AlexNet's local response normalization across channels. Each value is
// divided by (k + α/size · Σ x²)^β, the sum over the `size` neighbouring channels at the
// same place (PyTorch's nn.LocalResponseNorm; the paper used size 5, α 1e-4, β 0.75, k 2).
// Values that stand out among their neighbours keep more of themselves ("lateral
// inhibition"). No weights; the arithmetic is the backend's.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class LocalResponseNorm final : public Layer {
public:
  // Throws std::invalid_argument naming the layer for an even size or a k that is not positive.
  LocalResponseNorm(std::string name, LrnParams params);

  std::string kind() const override { return "LocalResponseNorm"; }
  LayerFamily family() const override { return LayerFamily::Normalization; }
  std::string words() const override { return "local response norm"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

  const LrnParams& params() const { return params_; }

private:
  LrnParams params_;
};

// The model file's "LocalResponseNorm" and the layer list's "lrn [SIZE] [alpha A] [beta B] [k K]".
LayerKind localResponseNormKind();

} // namespace convscope
