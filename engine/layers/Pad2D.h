// Pad2D: cells added around each map — zeros or another constant (nn.ZeroPad2d,
// nn.ConstantPad2d), the map's mirror image (nn.ReflectionPad2d, as style-transfer and
// image-to-image networks pad so borders stay natural) or its edge repeated
// (nn.ReplicationPad2d). A zero padding right before a convolution is the convolution's own
// padding; this layer is for every other place.
#pragma once

#include "engine/backend/Backend.h"
#include "engine/layers/Layer.h"

#include <array>

namespace convscope {

class Pad2D final : public Layer {
public:
  // pads: top, bottom, left, right (0 to 4096 each); value: the constant mode's fill.
  Pad2D(std::string name, std::array<int64_t, 4> pads, Backend::PadMode mode, float value = 0.0f);

  std::string kind() const override { return "Pad2D"; }
  SpatialWindow spatialWindow(const Shape&) const override { // output cell o is input cell o − pad
    SpatialWindow w;
    w.offset[0] = -double(pads_[0]), w.offset[1] = -double(pads_[2]);
    return w;
  }
  std::string words() const override;
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

  const std::array<int64_t, 4>& pads() const { return pads_; }
  Backend::PadMode mode() const { return mode_; }

private:
  std::array<int64_t, 4> pads_;
  Backend::PadMode mode_;
  float value_;
};

// "zeros" (or "constant" with a value other than 0), "reflect", "edge"; and back.
std::string toString(Backend::PadMode mode, float value);
Backend::PadMode padModeFromString(const std::string& text); // "constant"/"zeros", "reflect", "edge"

// The model file's "Pad2D" and the layer list's "pad P [reflect|edge|value V]" (P: 1, or 1x2 for
// height × width).
LayerKind pad2dKind();

} // namespace convscope
