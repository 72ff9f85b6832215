// LayerNorm: γ and β; the normalization is the backend's (Backend::layerNormForward).
#include "engine/layers/LayerNorm.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include "engine/core/NumberText.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace convscope {

LayerNorm::LayerNorm(std::string name, int64_t channels, float epsilon)
    : Layer(std::move(name)), channels_(channels), epsilon_(epsilon) {
  if (channels < 1 || channels > 65536)
    throw std::invalid_argument("LayerNorm '" + this->name() + "': " + std::to_string(channels) +
                                " channels (1 to 65536)");
  if (!(epsilon > 0.0f) || !(epsilon < 1.0f))
    throw std::invalid_argument("LayerNorm '" + this->name() + "': epsilon must be above 0 and below 1, got " +
                                formatNumber(epsilon));
  gamma_ = Tensor(Shape{channels}, 1.0f);
  beta_ = Tensor(Shape{channels});
  diffGamma_ = Tensor(Shape{channels});
  diffBeta_ = Tensor(Shape{channels});
}

std::string LayerNorm::describe() const {
  return Layer::describe() + " " + std::to_string(channels_) + " eps=" + formatNumber(epsilon_);
}

std::string LayerNorm::title() const {
  return name() + ": layer normalization over " + std::to_string(channels_) + " channels";
}

void LayerNorm::saveFields(nlohmann::ordered_json& j) const {
  j["channels"] = channels_;
  j["epsilon"] = epsilon_;
}

std::string LayerNorm::layerListLine() const {
  return epsilon_ == 1e-5f ? "layernorm" : "layernorm eps " + formatNumber(epsilon_);
}

Shape LayerNorm::outputShape(const Shape& src) const {
  if ((src.rank() != 4 && src.rank() != 2) || src[1] != channels_)
    throw std::invalid_argument("LayerNorm '" + name() + "': expects maps or vectors with " +
                                std::to_string(channels_) + " channels, got " + src.toString());
  return src;
}

void LayerNorm::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.layerNormForward(src, gamma_, beta_, epsilon_, dst);
}

void LayerNorm::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  backend.layerNormBackward(src, gamma_, diffDst, epsilon_, diffSrc, diffGamma_, diffBeta_);
}

void LayerNorm::initialize(InitScheme, WeightRandom&) {
  for (float& g : gamma_.values()) g = 1.0f;
  for (float& b : beta_.values()) b = 0.0f;
}

LayerKind layerNormKind() {
  LayerKind k;
  k.type = "LayerNorm";
  k.keywords = {"layernorm", "ln"};
  k.syntax = "layernorm [eps E] (or ln): normalize each position's channels (each vector's features), as ConvNeXt";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<LayerNorm>(name, f.integer("channels"), f.number("epsilon", 1e-5f)));
  };
  k.plan = [](const LayerListLine& line) {
    const auto options = line.options(1, {"eps"});
    float epsilon = 1e-5f;
    if (options.count("eps")) epsilon = numberToken(options.at("eps"), "eps");
    if (!(epsilon > 0.0f) || !(epsilon < 1.0f))
      throw std::invalid_argument("eps must be above 0 and below 1, not " + options.at("eps"));
    const int64_t channels = line.in.rank() > 0 ? line.in[0] : 0;
    return planWeightless<LayerNorm>(line.in, line.names.next("ln"), channels, epsilon);
  };
  return k;
}

// Opset 13 has no LayerNormalization (it came at 17): written as PyTorch writes F.layer_norm
// there, on channels-last values: Transpose, ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div,
// Mul, Add, Transpose back (ConvScope reads this form back as one LayerNorm).
void LayerNorm::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                          const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const bool maps = onnx.shapeOf(inputs[0]).size() == 4;
  const std::string n = name();
  std::string x = inputs[0];
  if (maps) {
    onnx.node("Transpose", n + ".to_channels_last", {x}, n + ".channels_last", {{"perm", std::vector<int64_t>{0, 2, 3, 1}}});
    x = n + ".channels_last";
  }
  const std::vector<int64_t> last{-1};
  onnx.node("ReduceMean", n + ".mean", {x}, n + ".mu", {{"axes", last}});
  onnx.node("Sub", n + ".sub", {x, n + ".mu"}, n + ".centred");
  onnx.initializer(n + ".two", {}, {2.0f});
  onnx.node("Pow", n + ".pow", {n + ".centred", n + ".two"}, n + ".squares");
  onnx.node("ReduceMean", n + ".variance", {n + ".squares"}, n + ".var", {{"axes", last}});
  onnx.initializer(n + ".epsilon", {}, {epsilon_});
  onnx.node("Add", n + ".add_epsilon", {n + ".var", n + ".epsilon"}, n + ".var_eps");
  onnx.node("Sqrt", n + ".sqrt", {n + ".var_eps"}, n + ".sigma");
  onnx.node("Div", n + ".div", {n + ".centred", n + ".sigma"}, n + ".normalized");
  onnx.initializer(n + ".weight", {channels_}, gamma_.values());
  onnx.node("Mul", n + ".scale", {n + ".normalized", n + ".weight"}, n + ".scaled");
  onnx.initializer(n + ".bias", {channels_}, beta_.values());
  if (!maps) {
    onnx.node("Add", n, {n + ".scaled", n + ".bias"}, output);
    return;
  }
  onnx.node("Add", n + ".shift", {n + ".scaled", n + ".bias"}, n + ".shifted");
  onnx.node("Transpose", n, {n + ".shifted"}, output, {{"perm", std::vector<int64_t>{0, 3, 1, 2}}});
}

} // namespace convscope
