// ChannelShuffle: the permutation of the channels, moved by the backend's channel select.
#include "engine/layers/ChannelShuffle.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace convscope {

ChannelShuffle::ChannelShuffle(std::string name, int64_t groups) : Layer(std::move(name)), groups_(groups) {
  if (groups < 1 || groups > 100000)
    throw std::invalid_argument("ChannelShuffle '" + this->name() + "': groups must be 1 to 100000, got " +
                                std::to_string(groups));
}

std::string ChannelShuffle::describe() const { return Layer::describe() + " groups=" + std::to_string(groups_); }

std::string ChannelShuffle::title() const {
  return name() + ": shuffle channels across " + std::to_string(groups_) + " groups";
}

void ChannelShuffle::saveFields(nlohmann::ordered_json& j) const { j["groups"] = groups_; }

std::string ChannelShuffle::layerListLine() const { return "shuffle " + std::to_string(groups_); }

Shape ChannelShuffle::outputShape(const Shape& src) const {
  if (src.rank() != 4)
    throw std::invalid_argument("ChannelShuffle '" + name() + "': shuffles the channels of maps (N, C, H, W), got " +
                                src.toString());
  if (src[1] % groups_ != 0)
    throw std::invalid_argument("ChannelShuffle '" + name() + "': " + std::to_string(src[1]) +
                                " channels do not split into " + std::to_string(groups_) + " equal groups");
  return src;
}

std::vector<int64_t> ChannelShuffle::order(int64_t channels) const {
  const int64_t perGroup = channels / groups_;
  std::vector<int64_t> from;
  from.reserve(size_t(channels));
  for (int64_t j = 0; j < perGroup; ++j)
    for (int64_t g = 0; g < groups_; ++g) from.push_back(g * perGroup + j);
  return from;
}

void ChannelShuffle::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  outputShape(src.shape());
  backend.channelSelectForward(order(src.shape()[1]), src, dst);
}

void ChannelShuffle::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst,
                              Tensor* diffSrc) {
  if (diffSrc) backend.channelSelectBackward(order(src.shape()[1]), diffDst, *diffSrc);
}

LayerKind channelShuffleKind() {
  LayerKind k;
  k.type = "ChannelShuffle";
  k.keywords = {"shuffle"};
  k.syntax = "shuffle G: the channels as G groups, interleaved (ShuffleNet's channel shuffle)";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<ChannelShuffle>(name, f.integer("groups")));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    if (line.tokens.size() < 2) throw std::invalid_argument("shuffle needs the number of groups: shuffle 2");
    const int64_t groups = positiveToken(line.tokens[1], "the number of groups");
    line.options(2, {});
    return planWeightless<ChannelShuffle>(line.in, line.names.next("shuffle"), groups);
  };
  return k;
}

// As PyTorch writes it: a reshape to (N, G, C/G, H, W), the two group axes swapped, and back.
void ChannelShuffle::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                               const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const std::vector<int64_t> s = onnx.shapeOf(inputs[0]); // (1, C, H, W)
  onnx.integers(name() + ".grouped", {-1, groups_, s[1] / groups_, s[2], s[3]});
  onnx.node("Reshape", name() + ".group", {inputs[0], name() + ".grouped"}, name() + ".groups");
  onnx.node("Transpose", name() + ".swap", {name() + ".groups"}, name() + ".swapped",
            {{"perm", std::vector<int64_t>{0, 2, 1, 3, 4}}});
  onnx.integers(name() + ".shape", {-1, s[1], s[2], s[3]});
  onnx.node("Reshape", name(), {name() + ".swapped", name() + ".shape"}, output);
}

} // namespace convscope
