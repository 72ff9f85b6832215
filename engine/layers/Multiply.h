// Multiply: the element-wise product of two inputs — a gate, or squeeze-and-excitation's
// channel scaling, where the second input holds one factor per channel (N, C, 1, 1) that
// scales the first input's whole map. Either input may be the per-channel one.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Multiply final : public Layer {
public:
  explicit Multiply(std::string name) : Layer(std::move(name)) {}

  std::string kind() const override { return "Multiply"; }
  LayerFamily family() const override { return LayerFamily::Join; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  std::string layerListLine() const override;
  int inputCount() const override { return 2; }
  Shape outputShape(const Shape& src) const override { return src; }
  Shape nodeOutputShape(const std::vector<Shape>& srcs) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) override;
  void nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor& dst, const Tensor& diffDst,
                    const std::vector<Tensor*>& diffSrcs) override;
};

// The model file's "Multiply" and the layer list's "multiply NAME" (the line before times the
// named layer's output: a sigmoid gate of one value per channel scales the maps).
LayerKind multiplyKind();

} // namespace convscope
