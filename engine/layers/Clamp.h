// Clamp: every value limited to [lo, hi] — ONNX's Clip and PyTorch's torch.clamp / nn.Hardtanh
// beyond ReLU6 (which is Activation relu6): a bound may be absent (−∞ or +∞).
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Clamp final : public Layer {
public:
  Clamp(std::string name, float lo, float hi);

  std::string kind() const override { return "Clamp"; }
  LayerFamily family() const override { return LayerFamily::Activation; }
  bool isElementwise() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override { return src; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

  float lo() const { return lo_; }
  float hi() const { return hi_; }

private:
  float lo_, hi_;
};

// The model file's "Clamp" {"min": LO or null, "max": HI or null} and the layer list's
// "clamp LO HI" (either may be "none").
LayerKind clampKind();

} // namespace convscope
