// Pool2D: max, average or sum over a window sliding over each channel separately.
#pragma once

#include "engine/core/Geometry.h"
#include "engine/layers/Layer.h"

namespace convscope {

class Pool2D final : public Layer {
public:
  Pool2D(std::string name, Pool2DGeometry geometry);

  std::string kind() const override { return "Pool2D"; }
  LayerFamily family() const override { return LayerFamily::Pooling; }
  std::string words() const override { return "pool " + window(); }
  std::string window() const override;
  SpatialWindow spatialWindow(const Shape& src) const override;
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  std::string describe() const override { return Layer::describe() + " " + geometry_.toString(); }
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

  const Pool2DGeometry& geometry() const { return geometry_; }

private:
  Pool2DGeometry geometry_;
};

// The model file's "Pool2D" and the layer list's "maxpool KxK [stride S] [pad P]" / "avgpool …".
LayerKind pool2dKind();

} // namespace convscope
