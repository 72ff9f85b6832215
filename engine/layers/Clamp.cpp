// Clamp: the bounds; the clamping is the backend's (Backend::clampForward).
#include "engine/layers/Clamp.h"

#include "engine/core/NumberText.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace convscope {

namespace {
constexpr float kInf = std::numeric_limits<float>::infinity();
std::string boundText(float v, const char* none) { return std::isinf(v) ? none : formatNumber(v); }
} // namespace

Clamp::Clamp(std::string name, float lo, float hi) : Layer(std::move(name)), lo_(lo), hi_(hi) {
  if (std::isnan(lo) || std::isnan(hi) || !(lo <= hi) || lo == kInf || hi == -kInf)
    throw std::invalid_argument("Clamp '" + this->name() + "': the bounds " + boundText(lo, "none") + " and " +
                                boundText(hi, "none") + " must be numbers, the lower not above the upper");
}

std::string Clamp::describe() const {
  return Layer::describe() + " [" + boundText(lo_, "-inf") + ", " + boundText(hi_, "inf") + "]";
}

std::string Clamp::title() const {
  return name() + ": clamp to [" + boundText(lo_, "−∞") + ", " + boundText(hi_, "∞") + "]";
}

void Clamp::saveFields(nlohmann::ordered_json& j) const {
  j["min"] = std::isinf(lo_) ? nlohmann::ordered_json() : nlohmann::ordered_json(lo_);
  j["max"] = std::isinf(hi_) ? nlohmann::ordered_json() : nlohmann::ordered_json(hi_);
}

std::string Clamp::layerListLine() const { return "clamp " + boundText(lo_, "none") + " " + boundText(hi_, "none"); }

void Clamp::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) { backend.clampForward(lo_, hi_, src, dst); }

void Clamp::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.clampBackward(lo_, hi_, src, diffDst, *diffSrc);
}

LayerKind clampKind() {
  LayerKind k;
  k.type = "Clamp";
  k.keywords = {"clamp"};
  k.syntax = "clamp LO HI: every value limited to [LO, HI] (either may be 'none': no bound)";
  k.load = [](const LayerFields& f, const std::string& name) {
    const auto bound = [&](const char* key, float none) {
      if (!f.j.contains(key) || f.j.at(key).is_null()) return none;
      return f.number(key, none);
    };
    return std::unique_ptr<Layer>(std::make_unique<Clamp>(name, bound("min", -kInf), bound("max", kInf)));
  };
  k.plan = [](const LayerListLine& line) {
    if (line.tokens.size() != 3)
      throw std::invalid_argument("clamp needs a lower and an upper bound: 'clamp -1 1' (or 'none' for either)");
    const auto bound = [&](const std::string& token, float none, const char* what) {
      return token == "none" ? none : numberToken(token, what);
    };
    const float lo = bound(line.tokens[1], -kInf, "the lower bound"), hi = bound(line.tokens[2], kInf, "the upper bound");
    return planWeightless<Clamp>(line.in, line.names.next("clamp"), lo, hi);
  };
  return k;
}

void Clamp::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                      const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  std::vector<std::string> in{inputs[0]};
  in.push_back(std::isinf(lo_) ? std::string() : name() + ".min");
  if (!std::isinf(lo_)) onnx.initializer(name() + ".min", {}, {lo_});
  if (!std::isinf(hi_)) {
    in.push_back(name() + ".max");
    onnx.initializer(name() + ".max", {}, {hi_});
  }
  onnx.node("Clip", name(), in, output);
}

} // namespace convscope
