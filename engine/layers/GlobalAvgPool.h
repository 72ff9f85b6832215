// GlobalAvgPool: each map to its mean, (N, C, H, W) to (N, C, 1, 1) — the classifier head of
// GoogLeNet, ResNet, DenseNet and MobileNet in place of large fully connected layers. The
// backends compute it as average pooling with the map as the window.
#pragma once

#include "engine/core/Geometry.h"
#include "engine/layers/Layer.h"

namespace convscope {

class GlobalAvgPool final : public Layer {
public:
  explicit GlobalAvgPool(std::string name) : Layer(std::move(name)) {}

  std::string kind() const override { return "GlobalAvgPool"; }
  SpatialWindow spatialWindow(const Shape&) const override { // every output reads the whole map
    SpatialWindow w;
    w.whole = true;
    return w;
  }
  LayerFamily family() const override { return LayerFamily::Pooling; }
  std::string words() const override { return "global average pool"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  std::string layerListLine() const override { return "globalavgpool"; }
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

private:
  static Pool2DGeometry windowOf(const Shape& src); // average over the whole map
};

// The model file's "GlobalAvgPool" and the layer list's "globalavgpool" (or "gap").
LayerKind globalAvgPoolKind();

} // namespace convscope
