// Pad2D: the output size and the mode's name; the copying is the backend's (Backend::padForward).
#include "engine/layers/Pad2D.h"

#include "engine/core/NumberText.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

namespace convscope {

std::string toString(Backend::PadMode mode, float value) {
  switch (mode) {
  case Backend::PadMode::Reflect: return "reflect";
  case Backend::PadMode::Edge: return "edge";
  case Backend::PadMode::Constant: break;
  }
  return value == 0.0f ? "zeros" : "constant";
}

Backend::PadMode padModeFromString(const std::string& text) {
  if (text == "zeros" || text == "constant") return Backend::PadMode::Constant;
  if (text == "reflect") return Backend::PadMode::Reflect;
  if (text == "edge") return Backend::PadMode::Edge;
  throw std::invalid_argument("unknown padding mode '" + text + "' (zeros, constant, reflect or edge)");
}

namespace {
std::string padsText(const std::array<int64_t, 4>& p) {
  return std::to_string(p[0]) + "," + std::to_string(p[1]) + "," + std::to_string(p[2]) + "," + std::to_string(p[3]);
}
} // namespace

Pad2D::Pad2D(std::string name, std::array<int64_t, 4> pads, Backend::PadMode mode, float value)
    : Layer(std::move(name)), pads_(pads), mode_(mode), value_(value) {
  for (int64_t p : pads)
    if (p < 0 || p > 4096)
      throw std::invalid_argument("Pad2D '" + this->name() + "': padding " + padsText(pads) + " must be 0 to 4096 each");
  if (!std::isfinite(value)) throw std::invalid_argument("Pad2D '" + this->name() + "': the fill is not a number");
}

std::string Pad2D::describe() const {
  return Layer::describe() + " " + padsText(pads_) + " " + toString(mode_, value_) +
         (mode_ == Backend::PadMode::Constant && value_ != 0.0f ? " " + formatNumber(value_) : std::string());
}

std::string Pad2D::words() const {
  const std::string fill = mode_ == Backend::PadMode::Constant
                               ? (value_ == 0.0f ? "zeros" : formatNumber(value_) + "s")
                               : (mode_ == Backend::PadMode::Reflect ? "the mirror image" : "the edge");
  const bool even = pads_[0] == pads_[1] && pads_[1] == pads_[2] && pads_[2] == pads_[3];
  return "pad " + (even ? std::to_string(pads_[0]) : padsText(pads_)) + " with " + fill;
}

std::string Pad2D::title() const { return name() + ": " + words(); }

void Pad2D::saveFields(nlohmann::ordered_json& j) const {
  j["padding"] = {pads_[0], pads_[1], pads_[2], pads_[3]};
  j["mode"] = mode_ == Backend::PadMode::Constant ? "constant" : toString(mode_, value_);
  if (mode_ == Backend::PadMode::Constant) j["value"] = value_;
}

std::string Pad2D::layerListLine() const {
  if (pads_[0] != pads_[1] || pads_[2] != pads_[3])
    throw std::invalid_argument("layer '" + name() + "' (uneven padding) has no layer-list form");
  std::string line = "pad " + (pads_[0] == pads_[2] ? std::to_string(pads_[0])
                                                     : std::to_string(pads_[0]) + "x" + std::to_string(pads_[2]));
  if (mode_ != Backend::PadMode::Constant) line += " " + toString(mode_, value_);
  if (mode_ == Backend::PadMode::Constant && value_ != 0.0f) line += " value " + formatNumber(value_);
  return line;
}

Shape Pad2D::outputShape(const Shape& src) const {
  if (src.rank() != 4) throw std::invalid_argument("Pad2D '" + name() + "': pads maps (N, C, H, W), got " + src.toString());
  if (mode_ == Backend::PadMode::Reflect &&
      (pads_[0] >= src[2] || pads_[1] >= src[2] || pads_[2] >= src[3] || pads_[3] >= src[3]))
    throw std::invalid_argument("Pad2D '" + name() + "': reflecting " + std::to_string(src[2]) + "x" +
                                std::to_string(src[3]) + " maps needs each pad below the side's length, got " +
                                padsText(pads_));
  return Shape{src[0], src[1], src[2] + pads_[0] + pads_[1], src[3] + pads_[2] + pads_[3]};
}

void Pad2D::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.padForward(mode_, value_, pads_, src, dst);
}

void Pad2D::backward(Backend& backend, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.padBackward(mode_, pads_, diffDst, *diffSrc);
}

LayerKind pad2dKind() {
  LayerKind k;
  k.type = "Pad2D";
  k.keywords = {"pad"};
  k.syntax = "pad P [reflect|edge|value V] (P: 1, or 1x2 for height × width): cells added around each map, zeros "
             "unless reflected, the edge repeated, or V";
  k.load = [](const LayerFields& f, const std::string& name) {
    const auto p = f.integers("padding", 4);
    LayerFields::checkRange(p, 0, 4096, "padding");
    const Backend::PadMode mode = padModeFromString(f.text("mode"));
    return std::unique_ptr<Layer>(
        std::make_unique<Pad2D>(name, std::array<int64_t, 4>{p[0], p[1], p[2], p[3]}, mode, f.number("value", 0.0f)));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    const auto& t = line.tokens;
    if (t.size() < 2) throw std::invalid_argument("pad needs the padding: 'pad 1' or 'pad 2 reflect'");
    const auto [ph, pw] = pairToken(t[1], "the padding", true);
    Backend::PadMode mode = Backend::PadMode::Constant;
    float value = 0.0f;
    size_t next = 2;
    if (next < t.size() && (t[next] == "reflect" || t[next] == "edge" || t[next] == "zeros"))
      mode = padModeFromString(t[next++]);
    if (next < t.size() && t[next] == "value") {
      if (next + 1 >= t.size()) throw std::invalid_argument("value needs a number: 'pad 1 value 0.5'");
      if (mode != Backend::PadMode::Constant) throw std::invalid_argument("a fill value goes with constant padding only");
      value = numberToken(t[next + 1], "the fill value");
      next += 2;
    }
    if (next < t.size()) throw std::invalid_argument("'" + t[next] + "' is not an option of pad (reflect, edge, value V)");
    return planWeightless<Pad2D>(line.in, line.names.next("pad"), std::array<int64_t, 4>{ph, ph, pw, pw}, mode, value);
  };
  return k;
}

void Pad2D::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                      const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.integers(name() + ".pads", {0, 0, pads_[0], pads_[2], 0, 0, pads_[1], pads_[3]});
  std::vector<std::string> in{inputs[0], name() + ".pads"};
  if (mode_ == Backend::PadMode::Constant && value_ != 0.0f) {
    onnx.initializer(name() + ".value", {}, {value_});
    in.push_back(name() + ".value");
  }
  onnx.node("Pad", name(), in, output,
            {{"mode", std::string(mode_ == Backend::PadMode::Constant ? "constant" : toString(mode_, value_))}});
}

} // namespace convscope
