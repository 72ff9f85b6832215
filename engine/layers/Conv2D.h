// Conv2D: a bank of C_out filters sliding over (N, C_in, H, W) with stride, per-side
// padding, dilation and groups (groups = C_in = C_out is depthwise); optional bias.
#pragma once

#include "engine/core/Geometry.h"
#include "engine/layers/Layer.h"

#include <map>
#include <string>
#include <vector>

namespace convscope {

class Conv2D final : public Layer {
public:
  // Weights start at zero; set them with weights() or an initializer.
  Conv2D(std::string name, int64_t inChannels, int64_t outChannels, Conv2DGeometry geometry, bool hasBias = true);
  // The weights' dimensions (C_out, C_in/groups, KH, KW): the one formula the layer, its
  // layer-list plan and a model file's size check all count with.
  static std::vector<int64_t> weightDims(int64_t inChannels, int64_t outChannels, const Conv2DGeometry& geometry);

  std::string kind() const override { return "Conv2D"; }
  LayerFamily family() const override { return LayerFamily::Convolution; }
  std::string words() const override;
  std::string window() const override;
  SpatialWindow spatialWindow(const Shape& src) const override;
  bool isWeightLayer() const override { return true; }
  bool isDepthwise() const; // one filter per input channel (groups = input channels > 1)
  bool isPointwise() const; // 1×1 over all channels (groups 1)
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  bool canFoldAffine() const override { return true; }
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  void initialize(InitScheme scheme, WeightRandom& random) override;
  std::string describe() const override;
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override;
  int64_t macCount(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  std::vector<Tensor*> parameters() override;
  std::vector<Tensor*> gradients() override;

  const Conv2DGeometry& geometry() const { return geometry_; }
  int64_t inChannels() const { return inChannels_; }
  int64_t outChannels() const { return outChannels_; }
  bool hasBias() const { return hasBias_; }
  Tensor& weights() { return weights_; } // (C_out, C_in/groups, KH, KW)
  const Tensor& weights() const { return weights_; }
  Tensor& bias() { return bias_; } // (C_out); empty without bias
  const Tensor& bias() const { return bias_; }

private:
  void makeGradients(); // on first use
  int64_t inChannels_, outChannels_;
  Conv2DGeometry geometry_;
  bool hasBias_;
  Tensor weights_;
  Tensor bias_;
  Tensor diffWeights_;
  Tensor diffBias_;
};

// The model file's "Conv2D" and the layer list's "conv FILTERS KxK [stride S] [pad P] [dilation D]".
LayerKind conv2dKind();

// The readers a convolution's kind shares with the transposed convolution's (ConvTranspose2D.cpp).
struct LayerFields;
struct LayerListLine;
// kernel, stride, padding (top, bottom, left, right), dilation and groups from model-file
// fields, each in its range (std::invalid_argument naming the field otherwise).
Conv2DGeometry convGeometryFromFields(const LayerFields& f);
// "KEYWORD FILTERS KxK [stride S] [pad P] [dilation D] [groups G] [nobias] …": the filters, the
// geometry and the bias; `extra` names further "key value" options allowed, whose values come
// back in `options` (with "padding" among them, it means pad). `example` shows a whole line in the
// error for a short one.
struct ConvLine {
  int64_t filters = 0;
  Conv2DGeometry geometry;
  bool bias = true;
  std::map<std::string, std::string> options;
};
ConvLine readConvLine(const LayerListLine& line, const std::string& example, const std::vector<std::string>& extra = {});

} // namespace convscope
