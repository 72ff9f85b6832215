// ChannelSlice: a run of channels, moved by the backend's channel select.
#include "engine/layers/ChannelSlice.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <numeric>
#include <stdexcept>

namespace convscope {

ChannelSlice::ChannelSlice(std::string name, int64_t from, int64_t to)
    : Layer(std::move(name)), from_(from), to_(to) {
  if (from < 0 || to <= from || to > 100000)
    throw std::invalid_argument("ChannelSlice '" + this->name() + "': channels " + std::to_string(from) + " to " +
                                std::to_string(to) + " (before) are not a run of channels: 0 ≤ from < to ≤ 100000");
}

std::string ChannelSlice::describe() const {
  return Layer::describe() + " channels " + std::to_string(from_) + ":" + std::to_string(to_);
}

std::string ChannelSlice::title() const {
  return name() + ": channels " + std::to_string(from_) + " to " + std::to_string(to_ - 1);
}

void ChannelSlice::saveFields(nlohmann::ordered_json& j) const {
  j["from"] = from_;
  j["to"] = to_;
}

std::string ChannelSlice::layerListLine() const {
  return "slice " + std::to_string(from_) + " " + std::to_string(to_);
}

Shape ChannelSlice::outputShape(const Shape& src) const {
  if (src.rank() != 4 && src.rank() != 2)
    throw std::invalid_argument("ChannelSlice '" + name() + "': slices the channels of maps (N, C, H, W) or the " +
                                "features of vectors (N, F), got " + src.toString());
  if (to_ > src[1])
    throw std::invalid_argument("ChannelSlice '" + name() + "': channels " + std::to_string(from_) + " to " +
                                std::to_string(to_ - 1) + " of an input with " + std::to_string(src[1]));
  std::vector<int64_t> dims = src.dims();
  dims[1] = to_ - from_;
  return Shape(dims);
}

std::vector<int64_t> ChannelSlice::kept() const {
  std::vector<int64_t> channels(size_t(to_ - from_));
  std::iota(channels.begin(), channels.end(), from_);
  return channels;
}

void ChannelSlice::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.channelSelectForward(kept(), src, dst);
}

void ChannelSlice::backward(Backend& backend, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.channelSelectBackward(kept(), diffDst, *diffSrc);
}

LayerKind channelSliceKind() {
  LayerKind k;
  k.type = "ChannelSlice";
  k.keywords = {"slice"};
  k.syntax = "slice FROM TO: channels FROM to TO−1 of the line before, as x[:, FROM:TO] (a split's part)";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<ChannelSlice>(name, f.integer("from"), f.integer("to")));
  };
  k.plan = [](const LayerListLine& line) {
    if (line.tokens.size() < 3) throw std::invalid_argument("slice needs the first channel and the end: slice 0 16");
    const std::string from = line.tokens[1];
    const int64_t a = from == "0" ? 0 : positiveToken(from, "the first channel");
    const int64_t b = positiveToken(line.tokens[2], "the end channel");
    line.options(3, {});
    if (b <= a)
      throw std::invalid_argument("slice " + from + " " + line.tokens[2] + ": the end must come after the first channel");
    const int64_t channels = line.in.rank() > 0 ? line.in[0] : 0;
    if (b > channels)
      throw std::invalid_argument("slice " + from + " " + line.tokens[2] + ": the input " + shapeText(line.in) +
                                  " has " + std::to_string(channels) + " channels");
    return planWeightless<ChannelSlice>(line.in, line.names.next("slice"), a, b);
  };
  return k;
}

void ChannelSlice::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                             const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.integers(name() + ".starts", {from_});
  onnx.integers(name() + ".ends", {to_});
  onnx.integers(name() + ".axes", {1});
  onnx.node("Slice", name(), {inputs[0], name() + ".starts", name() + ".ends", name() + ".axes"}, output);
}

} // namespace convscope
