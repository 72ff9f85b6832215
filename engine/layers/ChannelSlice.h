// ChannelSlice: channels FROM to TO − 1 of its input, the rest dropped: one part of a split
// along the channels (ShuffleNet v2 sends half its channels through a branch and passes the
// other half by; PyTorch's x.chunk(2, dim=1) or x[:, a:b]). Its gradient reaches only the
// channels it kept.
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class ChannelSlice final : public Layer {
public:
  // Channels [from, to): 0 ≤ from < to.
  ChannelSlice(std::string name, int64_t from, int64_t to);

  std::string kind() const override { return "ChannelSlice"; }
  std::string describe() const override;
  std::string title() const override;
  void saveFields(nlohmann::ordered_json& fields) const override;
  std::string layerListLine() const override;
  void writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                 const ChannelAffine* after = nullptr) const override;
  Shape outputShape(const Shape& src) const override;
  void forwardInto(Backend& backend, const Tensor& src, Tensor& dst) override;
  void backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                Tensor* diffSrc) override;

  int64_t from() const { return from_; }
  int64_t to() const { return to_; }

private:
  std::vector<int64_t> kept() const;
  int64_t from_, to_;
};

// The model file's "ChannelSlice" {"from": A, "to": B} and the layer list's "slice A B".
LayerKind channelSliceKind();

} // namespace convscope
