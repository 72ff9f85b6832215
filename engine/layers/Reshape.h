// Reshape: one sample's values read in order (C, H, W — or F for a flat input) into another
// shape of the same count: (N, 784) → (N, 16, 7, 7) as a decoder's first step from a dense
// layer, or back to flat. Flatten is the special case of a flat target; this one also makes
// images. Element order is NCHW's (ONNX's and PyTorch's view), whatever the source's layout.
// Needs no backend: it moves no value.
#pragma once

#include "engine/layers/Layer.h"

#include <vector>

namespace convscope {

class Reshape final : public Layer {
public:
  // target: one sample's shape, (C, H, W) or (F), every size at least 1.
  Reshape(std::string name, std::vector<int64_t> target);

  std::string kind() const override { return "Reshape"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  std::string describe() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

  const std::vector<int64_t>& target() const { return target_; }

private:
  std::vector<int64_t> target_;
};

// The model file's "Reshape" ("shape": [C, H, W] or [F]) and the layer list's "reshape CxHxW" or
// "reshape F".
LayerKind reshapeKind();

} // namespace convscope
