// ChannelShuffle: ShuffleNet's channel shuffle. The C channels are G groups of C/G; the
// output takes the first channel of every group, then the second of every group, and so on,
// so that the next grouped convolution (or the next split) mixes what each group computed.
// In PyTorch: x.view(N, G, C/G, H, W).transpose(1, 2).reshape(N, C, H, W).
#pragma once

#include "engine/layers/Layer.h"

namespace convscope {

class ChannelShuffle final : public Layer {
public:
  ChannelShuffle(std::string name, int64_t groups);

  std::string kind() const override { return "ChannelShuffle"; }
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

  int64_t groups() const { return groups_; }
  // Output channel k reads input channel order[k], for `channels` channels.
  std::vector<int64_t> order(int64_t channels) const;

private:
  int64_t groups_;
};

// The model file's "ChannelShuffle" {"groups": G} and the layer list's "shuffle G".
LayerKind channelShuffleKind();

} // namespace convscope
