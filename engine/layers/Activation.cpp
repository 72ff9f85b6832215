// Activation: forwards to the backend's element-wise primitive.
#include "engine/layers/Activation.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <sstream>

namespace convscope {

Activation::Activation(std::string name, ActivationKind kind, float alpha)
    : Layer(std::move(name)), activation_(kind), alpha_(alpha) {}

void Activation::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.activationForward(activation_, alpha_, src, dst);
}

void Activation::backward(Backend& backend, const Tensor& src, const Tensor& dst, const Tensor& diffDst,
                          Tensor* diffSrc) {
  if (diffSrc) backend.activationBackward(activation_, alpha_, src, dst, diffDst, *diffSrc);
}

std::string Activation::title() const { return name() + ": " + activationTitle(activation_); }

void Activation::saveFields(nlohmann::ordered_json& j) const {
  j["activation"] = toString(activation_);
  if (activationHasAlpha(activation_)) j["alpha"] = alpha_;
}

std::string Activation::layerListLine() const {
  if (activation_ == ActivationKind::None) return {};
  if (!activationHasAlpha(activation_) ||
      (activation_ != ActivationKind::LeakyReLU && alpha_ == defaultActivationAlpha(activation_)))
    return toString(activation_);
  std::ostringstream line;
  line << toString(activation_) << " " << alpha_;
  return line.str();
}

bool Activation::wantsHeInitialization() const {
  return activation_ == ActivationKind::ReLU || activation_ == ActivationKind::LeakyReLU ||
         activation_ == ActivationKind::ReLU6;
}

LayerKind activationKind() {
  LayerKind k;
  k.type = "Activation";
  k.keywords = {"relu",        "tanh",         "sigmoid", "leaky-relu", "relu6", "elu",
                "hard-sigmoid", "hard-swish", "silu",    "selu",       "gelu",  "gelu-tanh"};
  k.syntax = "relu, tanh, sigmoid, relu6, hard-swish, silu, selu, gelu, gelu-tanh, elu [alpha], hard-sigmoid [slope] "
             "or leaky-relu [slope]";
  k.load = [](const LayerFields& f, const std::string& name) {
    const ActivationKind kind = activationFromString(f.text("activation"));
    return std::unique_ptr<Layer>(std::make_unique<Activation>(
        name, kind, activationHasAlpha(kind) ? f.number("alpha", defaultActivationAlpha(kind)) : 0.01f));
  };
  k.plan = [](const LayerListLine& line) {
    const ActivationKind a = activationFromString(line.keyword);
    float alpha = activationHasAlpha(a) ? defaultActivationAlpha(a) : 0.01f;
    if (activationHasAlpha(a) && line.tokens.size() == 2)
      alpha = numberToken(line.tokens[1], a == ActivationKind::ELU ? "α" : "the slope");
    else
      line.options(1, {});
    return planWeightless<Activation>(line.in, line.names.next("act"), a, alpha);
  };
  return k;
}

void Activation::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                           const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  switch (activation_) {
  case ActivationKind::ReLU: onnx.node("Relu", name(), inputs, output); break;
  case ActivationKind::LeakyReLU: onnx.node("LeakyRelu", name(), inputs, output, {{"alpha", alpha_}}); break;
  case ActivationKind::Tanh: onnx.node("Tanh", name(), inputs, output); break;
  case ActivationKind::Sigmoid: onnx.node("Sigmoid", name(), inputs, output); break;
  case ActivationKind::None: onnx.node("Identity", name(), inputs, output); break;
  case ActivationKind::ReLU6:
    onnx.initializer(name() + ".min", {}, {0.0f});
    onnx.initializer(name() + ".max", {}, {6.0f});
    onnx.node("Clip", name(), {inputs[0], name() + ".min", name() + ".max"}, output);
    break;
  case ActivationKind::ELU: onnx.node("Elu", name(), inputs, output, {{"alpha", alpha_}}); break;
  case ActivationKind::HardSigmoid:
    onnx.node("HardSigmoid", name(), inputs, output, {{"alpha", alpha_}, {"beta", 0.5f}});
    break;
  // Opset 13 has no HardSwish and no SiLU: x times its gate, as PyTorch writes them at that
  // opset (the importer folds the pair back into one layer).
  case ActivationKind::HardSwish:
    onnx.node("HardSigmoid", name() + ".gate", inputs, name() + ".gate", {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
    onnx.node("Mul", name(), {inputs[0], name() + ".gate"}, output);
    break;
  case ActivationKind::SiLU:
    onnx.node("Sigmoid", name() + ".gate", inputs, name() + ".gate");
    onnx.node("Mul", name(), {inputs[0], name() + ".gate"}, output);
    break;
  case ActivationKind::SELU:
    onnx.node("Selu", name(), inputs, output, {{"alpha", float(kSeluAlpha)}, {"gamma", float(kSeluScale)}});
    break;
  // ONNX has no Gelu before opset 20: x·(1 + erf(x/√2))·½ as PyTorch writes it (Div, Erf, Add, Mul,
  // Mul; the importer folds the five back into one layer).
  case ActivationKind::GELU:
    onnx.initializer(name() + ".sqrt2", {}, {1.41421356f});
    onnx.initializer(name() + ".one", {}, {1.0f});
    onnx.initializer(name() + ".half", {}, {0.5f});
    onnx.node("Div", name() + ".div", {inputs[0], name() + ".sqrt2"}, name() + ".div");
    onnx.node("Erf", name() + ".erf", {name() + ".div"}, name() + ".erf");
    onnx.node("Add", name() + ".add", {name() + ".erf", name() + ".one"}, name() + ".add");
    onnx.node("Mul", name() + ".mul", {inputs[0], name() + ".add"}, name() + ".mul");
    onnx.node("Mul", name(), {name() + ".mul", name() + ".half"}, output);
    break;
  // Its tanh form as PyTorch writes nn.GELU(approximate="tanh"): x·x, ·x, ·0.044715, + x,
  // ·√(2/π), Tanh, + 1, ·x, ·0.5 (the importer folds the nine back into one layer).
  case ActivationKind::GELUTanh: {
    const std::string n = name();
    onnx.initializer(n + ".cubic", {}, {float(kGeluTanhCubic)});
    onnx.initializer(n + ".scale", {}, {float(kGeluTanhScale)});
    onnx.initializer(n + ".one", {}, {1.0f});
    onnx.initializer(n + ".half", {}, {0.5f});
    onnx.node("Mul", n + ".square", {inputs[0], inputs[0]}, n + ".x2");
    onnx.node("Mul", n + ".cube", {inputs[0], n + ".x2"}, n + ".x3");
    onnx.node("Mul", n + ".times_cubic", {n + ".cubic", n + ".x3"}, n + ".cx3");
    onnx.node("Add", n + ".inner", {inputs[0], n + ".cx3"}, n + ".u");
    onnx.node("Mul", n + ".times_scale", {n + ".scale", n + ".u"}, n + ".su");
    onnx.node("Tanh", n + ".tanh", {n + ".su"}, n + ".t");
    onnx.node("Add", n + ".add_one", {n + ".one", n + ".t"}, n + ".one_plus_t");
    onnx.node("Mul", n + ".times_x", {inputs[0], n + ".one_plus_t"}, n + ".x_one_plus_t");
    onnx.node("Mul", n, {n + ".half", n + ".x_one_plus_t"}, output);
    break;
  }
  }
}

} // namespace convscope
