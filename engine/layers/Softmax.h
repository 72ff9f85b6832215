// Softmax: (N, F) scores to probabilities that sum to one per row.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Softmax final : public Layer {
public:
  explicit Softmax(std::string name) : Layer(std::move(name)) {}

  std::string kind() const override { return "Softmax"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  bool producesProbabilities() const override { return true; }
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
};

// The model file's "Softmax" and the layer list's "softmax".
LayerKind softmaxKind();

} // namespace convscope
