// ChannelScale: γ as one factor per channel (1, C, 1, 1); the products and their gradients are
// the backend's arithmetic, broadcasting γ over the batch and the maps.
#include "engine/layers/ChannelScale.h"

#include "engine/core/NumberText.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

namespace convscope {

ChannelScale::ChannelScale(std::string name, int64_t channels, float init)
    : Layer(std::move(name)), channels_(channels), init_(init) {
  if (channels < 1 || channels > 65536)
    throw std::invalid_argument("ChannelScale '" + this->name() + "': " + std::to_string(channels) +
                                " channels (1 to 65536)");
  if (!std::isfinite(init)) throw std::invalid_argument("ChannelScale '" + this->name() + "': the start is not a number");
  gamma_ = Tensor(Shape{channels}, init);
  diffGamma_ = Tensor(Shape{channels});
}

std::string ChannelScale::describe() const { return Layer::describe() + " " + std::to_string(channels_); }

std::string ChannelScale::title() const {
  return name() + ": " + std::to_string(channels_) + " channels, each times its own factor";
}

void ChannelScale::saveFields(nlohmann::ordered_json& j) const {
  j["channels"] = channels_;
  j["init"] = init_;
}

std::string ChannelScale::layerListLine() const { return init_ == 1.0f ? "scale" : "scale " + formatNumber(init_); }

Shape ChannelScale::outputShape(const Shape& src) const {
  if ((src.rank() != 4 && src.rank() != 2) || src[1] != channels_)
    throw std::invalid_argument("ChannelScale '" + name() + "': expects maps or vectors with " +
                                std::to_string(channels_) + " channels, got " + src.toString());
  return src;
}

Tensor ChannelScale::factorsFor(const Shape& src) const {
  return gamma_.reshaped(src.rank() == 4 ? Shape{1, channels_, 1, 1} : Shape{1, channels_});
}

void ChannelScale::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  outputShape(src.shape());
  backend.arithmeticForward(ArithmeticOp::Multiply, src, factorsFor(src.shape()), dst);
}

void ChannelScale::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst,
                            Tensor* diffSrc) {
  const Tensor factors = factorsFor(src.shape());
  Tensor diffFactors(factors.shape());
  backend.arithmeticBackward(ArithmeticOp::Multiply, src, factors, diffDst, diffSrc, &diffFactors);
  diffGamma_.values() = diffFactors.values();
}

void ChannelScale::initialize(InitScheme, WeightRandom&) {
  for (float& g : gamma_.values()) g = init_;
}

LayerKind channelScaleKind() {
  LayerKind k;
  k.type = "ChannelScale";
  k.keywords = {"scale"};
  k.syntax = "scale [INIT]: each channel times its own learned factor, starting at INIT (1; ConvNeXt's layer scale: "
             "0.000001)";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<ChannelScale>(name, f.integer("channels"), f.number("init", 1.0f)));
  };
  k.plan = [](const LayerListLine& line) {
    float init = 1.0f;
    if (line.tokens.size() >= 2) init = numberToken(line.tokens[1], "the scale's start");
    line.options(2, {});
    const int64_t channels = line.in.rank() > 0 ? line.in[0] : 0;
    return planWeightless<ChannelScale>(line.in, line.names.next("scale"), channels, init);
  };
  return k;
}

void ChannelScale::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                             const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const bool maps = onnx.shapeOf(inputs[0]).size() == 4;
  onnx.initializer(name() + ".weight", maps ? std::vector<int64_t>{channels_, 1, 1} : std::vector<int64_t>{channels_},
                   gamma_.values());
  onnx.node("Mul", name(), {inputs[0], name() + ".weight"}, output);
}

} // namespace convscope
