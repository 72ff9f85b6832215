// Flatten: (N, C, H, W) to (N, C·H·W), in C, H, W order (each channel's rows in turn).
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Flatten final : public Layer {
public:
  explicit Flatten(std::string name) : Layer(std::move(name)) {}

  std::string kind() const override { return "Flatten"; }
  SpatialWindow spatialWindow(const Shape&) const override { // every output reads the whole map
    SpatialWindow w;
    w.whole = true;
    return w;
  }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
};

// The model file's "Flatten" and the layer list's "flatten".
LayerKind flattenKind();

} // namespace convscope
