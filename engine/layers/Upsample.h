// Upsample: each map resized to a larger (or any) size, as PyTorch's nn.Upsample and
// F.interpolate: by whole factors (2: twice the height and width) or to a fixed size; nearest
// (each cell copied into a block) or bilinear (align_corners false: each output point weighs
// the four input cells around it). No weights: segmentation decoders "resize, then convolve"
// with it, which avoids the transposed convolution's checkerboards.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Upsample final : public Layer {
public:
  // By factors (sizeH = sizeW = 0) or to sizeH × sizeW (factors ignored).
  Upsample(std::string name, bool bilinear, int64_t factorH, int64_t factorW, int64_t sizeH = 0, int64_t sizeW = 0);

  std::string kind() const override { return "Upsample"; }
  LayerFamily family() const override { return LayerFamily::Pooling; }
  std::string words() const override;
  SpatialWindow spatialWindow(const Shape& src) const override;
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

  bool bilinear() const { return bilinear_; }
  bool bySize() const { return sizeH_ > 0; }

private:
  bool bilinear_;
  int64_t factorH_, factorW_, sizeH_, sizeW_;
};

// The model file's "Upsample" and the layer list's "upsample F [nearest|bilinear]" or
// "upsample to HxW [nearest|bilinear]".
LayerKind upsampleKind();

} // namespace convscope
