// PReLU: a leaky ReLU whose slope for negative values is learned (He et al. 2015), one slope
// for the whole layer or one per channel, as PyTorch's nn.PReLU(num_parameters) (its slopes
// start at 0.25).
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class PReLU final : public Layer {
public:
  // slopes: 1 (shared) or the channel count; init: every slope's start.
  PReLU(std::string name, int64_t slopes, float init = 0.25f);

  std::string kind() const override { return "PReLU"; }
  LayerFamily family() const override { return LayerFamily::Activation; }
  std::string words() const override { return "PReLU"; }
  bool isElementwise() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override { return slopes_.size(); }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void initialize(InitScheme scheme, WeightRandom& random) override;
  std::vector<Tensor*> parameters() override { return {&slopes_}; }
  std::vector<Tensor*> gradients() override { return {&diffSlopes_}; }

  Tensor& slopes() { return slopes_; }
  const Tensor& slopes() const { return slopes_; }

private:
  float init_;
  Tensor slopes_, diffSlopes_;
};

// The model file's "PReLU" and the layer list's "prelu [channels] [init A]".
LayerKind preluKind();

} // namespace convscope
