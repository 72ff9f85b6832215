// Add: the element-wise sum of two or more inputs of one shape — a residual connection's
// "x + F(x)". Its gradient reaches every input unchanged.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Add final : public Layer {
public:
  explicit Add(std::string name) : Layer(std::move(name)) {}

  std::string kind() const override { return "Add"; }
  LayerFamily family() const override { return LayerFamily::Join; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  std::string layerListLine() const override;
  int inputCount() const override { return 0; }
  Shape outputShape(const Shape& src) const override { return src; }
  Shape nodeOutputShape(const std::vector<Shape>& srcs) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) override;
  void nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor& dst, const Tensor& diffDst,
                    const std::vector<Tensor*>& diffSrcs) override;
};

// The model file's "Add" and the layer list's "add NAME [NAME …]" (the line before, plus the named nodes).
LayerKind addKind();

} // namespace convscope
