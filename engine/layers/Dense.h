// Dense (fully connected): (N, F_in) to (N, F_out), dst = src · weightsᵀ + bias.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class Dense final : public Layer {
public:
  // Weights start at zero; set them with weights() or an initializer.
  Dense(std::string name, int64_t inFeatures, int64_t outFeatures, bool hasBias = true);
  // The weights' dimensions (F_out, F_in): the one formula the layer, its layer-list plan and
  // a model file's size check all count with.
  static std::vector<int64_t> weightDims(int64_t inFeatures, int64_t outFeatures) { return {outFeatures, inFeatures}; }

  std::string kind() const override { return "Dense"; }
  SpatialWindow spatialWindow(const Shape&) const override { // every output reads the whole map
    SpatialWindow w;
    w.whole = true;
    return w;
  }
  LayerFamily family() const override { return LayerFamily::FullyConnected; }
  bool isWeightLayer() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  void initialize(InitScheme scheme, WeightRandom& random) override;
  std::string describe() const override;
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override;
  int64_t macCount(const Shape& src) const override { return src[0] * inFeatures_ * outFeatures_; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  std::vector<Tensor*> parameters() override;
  std::vector<Tensor*> gradients() override;

  int64_t inFeatures() const { return inFeatures_; }
  int64_t outFeatures() const { return outFeatures_; }
  bool hasBias() const { return hasBias_; }
  Tensor& weights() { return weights_; } // (F_out, F_in)
  const Tensor& weights() const { return weights_; }
  Tensor& bias() { return bias_; } // (F_out); empty without bias
  const Tensor& bias() const { return bias_; }

private:
  void makeGradients(); // on first use
  int64_t inFeatures_, outFeatures_;
  bool hasBias_;
  Tensor weights_;
  Tensor bias_;
  Tensor diffWeights_;
  Tensor diffBias_;
};

// The model file's "Dense" and the layer list's "dense N" (or "fc N").
LayerKind denseKind();

} // namespace convscope
