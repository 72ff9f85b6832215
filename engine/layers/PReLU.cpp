// PReLU: the slopes; the function and its gradients are the backend's (Backend::preluForward).
#include "engine/layers/PReLU.h"

#include "engine/core/NumberText.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

namespace convscope {

PReLU::PReLU(std::string name, int64_t slopes, float init) : Layer(std::move(name)), init_(init) {
  if (slopes < 1 || slopes > 65536)
    throw std::invalid_argument("PReLU '" + this->name() + "': " + std::to_string(slopes) + " slopes (1 to 65536)");
  if (!std::isfinite(init)) throw std::invalid_argument("PReLU '" + this->name() + "': the start is not a number");
  slopes_ = Tensor(Shape{slopes}, init);
  diffSlopes_ = Tensor(Shape{slopes});
}

std::string PReLU::describe() const { return Layer::describe() + " slopes=" + std::to_string(slopes_.size()); }

std::string PReLU::title() const {
  return name() + ": PReLU, " + (slopes_.size() == 1 ? std::string("one learned slope") : "a learned slope per channel");
}

void PReLU::saveFields(nlohmann::ordered_json& j) const {
  j["slopes"] = slopes_.size();
  j["init"] = init_;
}

std::string PReLU::layerListLine() const {
  std::string line = slopes_.size() == 1 ? "prelu" : "prelu channels";
  if (init_ != 0.25f) line += " init " + formatNumber(init_);
  return line;
}

Shape PReLU::outputShape(const Shape& src) const {
  if ((src.rank() != 4 && src.rank() != 2) || (slopes_.size() != 1 && src[1] != slopes_.size()))
    throw std::invalid_argument("PReLU '" + name() + "': " + std::to_string(slopes_.size()) +
                                " slopes do not fit " + src.toString() + " (one, or one per channel)");
  return src;
}

void PReLU::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) { backend.preluForward(src, slopes_, dst); }

void PReLU::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  backend.preluBackward(src, slopes_, diffDst, diffSrc, diffSlopes_);
}

void PReLU::initialize(InitScheme, WeightRandom&) {
  for (float& a : slopes_.values()) a = init_;
}

LayerKind preluKind() {
  LayerKind k;
  k.type = "PReLU";
  k.keywords = {"prelu"};
  k.syntax = "prelu [channels] [init A]: a leaky ReLU whose slope is learned (one, or one per channel; from A, 0.25)";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<PReLU>(name, f.integer("slopes"), f.number("init", 0.25f)));
  };
  k.plan = [](const LayerListLine& line) {
    std::vector<std::string> tokens = line.tokens;
    bool perChannel = false;
    if (tokens.size() > 1 && tokens[1] == "channels") perChannel = true, tokens.erase(tokens.begin() + 1);
    const auto o = LayerListLine{tokens, line.keyword, line.in, line.names}.options(1, {"init"});
    const float init = o.count("init") ? numberToken(o.at("init"), "the slopes' start") : 0.25f;
    const int64_t slopes = perChannel ? (line.in.rank() > 0 ? line.in[0] : 0) : 1;
    return planWeightless<PReLU>(line.in, line.names.next("prelu"), slopes, init);
  };
  return k;
}

void PReLU::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                      const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const bool maps = onnx.shapeOf(inputs[0]).size() == 4;
  const int64_t n = slopes_.size();
  onnx.initializer(name() + ".weight", maps ? std::vector<int64_t>{n, 1, 1} : std::vector<int64_t>{n}, slopes_.values());
  onnx.node("PRelu", name(), {inputs[0], name() + ".weight"}, output);
}

} // namespace convscope
