// ChannelShift: the shifts as (1, C, 1, 1); y = x + b and its gradients (diff_dst itself, and
// for b diff_dst summed over each channel) are the backend's arithmetic, broadcasting b.
#include "engine/layers/ChannelShift.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace convscope {

ChannelShift::ChannelShift(std::string name, int64_t channels) : Layer(std::move(name)), channels_(channels) {
  if (channels < 1 || channels > 65536)
    throw std::invalid_argument("ChannelShift '" + this->name() + "': " + std::to_string(channels) +
                                " channels (1 to 65536)");
  shift_ = Tensor(Shape{channels});
  diffShift_ = Tensor(Shape{channels});
}

std::string ChannelShift::describe() const { return Layer::describe() + " " + std::to_string(channels_); }

std::string ChannelShift::title() const {
  return name() + ": " + std::to_string(channels_) + " channels, each plus its own number";
}

void ChannelShift::saveFields(nlohmann::ordered_json& j) const { j["channels"] = channels_; }

Shape ChannelShift::outputShape(const Shape& src) const {
  if ((src.rank() != 4 && src.rank() != 2) || src[1] != channels_)
    throw std::invalid_argument("ChannelShift '" + name() + "': expects maps or vectors with " +
                                std::to_string(channels_) + " channels, got " + src.toString());
  return src;
}

void ChannelShift::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  outputShape(src.shape());
  backend.arithmeticForward(ArithmeticOp::Add, src, shiftsFor(src.shape()), dst);
}

void ChannelShift::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst,
                            Tensor* diffSrc) {
  const Tensor shifts = shiftsFor(src.shape());
  Tensor diffShifts(shifts.shape());
  backend.arithmeticBackward(ArithmeticOp::Add, src, shifts, diffDst, diffSrc, &diffShifts);
  diffShift_.values() = diffShifts.values();
}

Tensor ChannelShift::shiftsFor(const Shape& src) const {
  return shift_.reshaped(src.rank() == 4 ? Shape{1, channels_, 1, 1} : Shape{1, channels_});
}

void ChannelShift::initialize(InitScheme, WeightRandom&) {
  for (float& b : shift_.values()) b = 0.0f;
}

LayerKind channelShiftKind() {
  LayerKind k;
  k.type = "ChannelShift";
  k.keywords = {"shift"};
  k.syntax = "shift: each channel plus its own learned number (a bias on its own), starting at 0";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<ChannelShift>(name, f.integer("channels")));
  };
  k.plan = [](const LayerListLine& line) {
    line.options(1, {});
    const int64_t channels = line.in.rank() > 0 ? line.in[0] : 0;
    return planWeightless<ChannelShift>(line.in, line.names.next("shift"), channels);
  };
  return k;
}

void ChannelShift::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                             const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const bool maps = onnx.shapeOf(inputs[0]).size() == 4;
  onnx.initializer(name() + ".bias", maps ? std::vector<int64_t>{channels_, 1, 1} : std::vector<int64_t>{channels_},
                   shift_.values());
  onnx.node("Add", name(), {inputs[0], name() + ".bias"}, output);
}

} // namespace convscope
