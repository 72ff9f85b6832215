// Dropout: while training, each value is kept with probability 1 − p and scaled by
// 1 / (1 − p), or set to zero (a new draw every batch, seeded); in evaluation it passes
// everything through unchanged (PyTorch's "inverted" dropout). AlexNet and VGG put it
// before their large fully connected layers. Element-wise, so it needs no backend.
#pragma once

#include "engine/layers/Layer.h"

#include <random>

namespace convscope {

class Dropout final : public Layer {
public:
  // rate: p, the probability of dropping a value, from 0 to below 1.
  Dropout(std::string name, float rate, uint64_t seed = 0x5eed);

  std::string kind() const override { return "Dropout"; }
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  Shape outputShape(const Shape& src) const override { return src; }
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;
  void setTraining(bool on) override { training_ = on; }
  std::string randomState() const override;
  void setRandomState(const std::string& state) override;

  float rate() const { return rate_; }
  const Tensor& mask() const { return mask_; } // the last training forward's: 0 or 1/(1 − p), in dst's layout

private:
  float rate_;
  bool training_ = false;
  std::mt19937_64 random_;
  Tensor mask_;
};

// The model file's "Dropout" and the layer list's "dropout P".
LayerKind dropoutKind();

} // namespace convscope
