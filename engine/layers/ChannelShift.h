// ChannelShift: each channel plus its own number, y_c = x_c + b_c — a per-channel bias on its
// own, as PyTorch models write a baked-in input normalization ((x − mean)/std: a shift and a
// ChannelScale) or an added constant. Maps (N, C, H, W) or vectors (N, F); the numbers are
// learned when the network trains further.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class ChannelShift final : public Layer {
public:
  ChannelShift(std::string name, int64_t channels);

  std::string kind() const override { return "ChannelShift"; }
  std::string words() const override { return "shift per channel"; }
  bool isElementwise() const override { return true; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override { return "shift"; }
  Shape outputShape(const Shape& src) const override;
  int64_t parameterCount() const override { return channels_; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void initialize(InitScheme scheme, WeightRandom& random) override; // zeros
  std::vector<Tensor*> parameters() override { return {&shift_}; }
  std::vector<Tensor*> gradients() override { return {&diffShift_}; }

  Tensor& shift() { return shift_; }
  const Tensor& shift() const { return shift_; }

private:
  Tensor shiftsFor(const Shape& src) const; // the shifts as (1, C, 1, 1) for maps, (1, C) for vectors
  int64_t channels_;
  Tensor shift_, diffShift_;
};

// The model file's "ChannelShift" and the layer list's "shift" (starting at zeros).
LayerKind channelShiftKind();

} // namespace convscope
