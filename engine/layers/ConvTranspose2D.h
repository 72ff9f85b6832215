// ConvTranspose2D: the transposed convolution ("deconvolution") of segmentation decoders and
// generators. Each input cell scatters its value times the whole kernel into the output,
// `stride` cells apart; overlapping products add up. It is exactly the backward pass of a
// convolution with the same geometry: the convolution from the output's size down to the
// input's, run from its diff_dst to its diff_src — which is how both backends compute it
// (oneDNN's deconvolution primitive is that same backward pass). Output size per axis:
// (i − 1)·s − p_begin − p_end + d·(k − 1) + output_padding + 1. Weights as PyTorch's
// ConvTranspose2d: (C_in, C_out/groups, KH, KW).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/layers/Layer.h"

namespace convscope {

class ConvTranspose2D final : public Layer {
public:
  // geometry: kernel, stride, padding (cells cut from the full output's borders), dilation,
  // groups; outputPadding: cells added at the bottom and right (each below the stride), which
  // picks among the output sizes a strided convolution maps to the same input size.
  ConvTranspose2D(std::string name, int64_t inChannels, int64_t outChannels, Conv2DGeometry geometry,
                  int64_t outputPaddingH = 0, int64_t outputPaddingW = 0, bool hasBias = true);
  static std::vector<int64_t> weightDims(int64_t inChannels, int64_t outChannels, const Conv2DGeometry& geometry);
  // (N, C_out, H', W') for src, or std::invalid_argument naming `who` and the numbers.
  static Shape outputShapeFor(const Shape& src, int64_t inChannels, int64_t outChannels, const Conv2DGeometry& g,
                              int64_t outputPaddingH, int64_t outputPaddingW, const std::string& who);

  std::string kind() const override { return "ConvTranspose2D"; }
  LayerFamily family() const override { return LayerFamily::Convolution; }
  std::string words() const override;
  std::string window() const override;
  SpatialWindow spatialWindow(const Shape& src) const override;
  bool isWeightLayer() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  std::string describe() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  void initialize(InitScheme scheme, WeightRandom& random) override;
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override;
  int64_t macCount(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  std::vector<Tensor*> parameters() override;
  std::vector<Tensor*> gradients() override;

  const Conv2DGeometry& geometry() const { return geometry_; }
  int64_t outputPaddingH() const { return outputPaddingH_; }
  int64_t outputPaddingW() const { return outputPaddingW_; }
  int64_t inChannels() const { return inChannels_; }
  int64_t outChannels() const { return outChannels_; }
  bool hasBias() const { return hasBias_; }
  Tensor& weights() { return weights_; } // (C_in, C_out/groups, KH, KW)
  const Tensor& weights() const { return weights_; }
  Tensor& bias() { return bias_; } // (C_out); empty without bias
  const Tensor& bias() const { return bias_; }

private:
  void makeGradients();
  int64_t inChannels_, outChannels_;
  Conv2DGeometry geometry_;
  int64_t outputPaddingH_, outputPaddingW_;
  bool hasBias_;
  Tensor weights_, bias_, diffWeights_, diffBias_;
};

// The model file's "ConvTranspose2D" and the layer list's
// "deconv FILTERS KxK [stride S] [pad P] [outpad O] [dilation D] [groups G] [nobias]".
LayerKind convTranspose2dKind();

} // namespace convscope
