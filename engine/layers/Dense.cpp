// Dense: shape and count arithmetic; the computation is the backend's.
#include "engine/layers/Dense.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <stdexcept>

namespace convscope {

Dense::Dense(std::string name, int64_t inFeatures, int64_t outFeatures, bool hasBias)
    : Layer(std::move(name)), inFeatures_(inFeatures), outFeatures_(outFeatures), hasBias_(hasBias) {
  if (inFeatures < 1 || outFeatures < 1)
    throw std::invalid_argument("Dense '" + this->name() + "': features " + std::to_string(inFeatures) + " -> " +
                                std::to_string(outFeatures) + " must both be at least 1");
  if (StructureOnly::active()) return; // a skeleton: counts by formula, no weights
  weights_ = Tensor(Shape(weightDims(inFeatures, outFeatures)));
  if (hasBias) bias_ = Tensor(Shape{outFeatures});
  // The gradients are made by the first backward pass (or gradients()): inference never
  // needs them (VGG-16's would be another 528 MB).
}

void Dense::makeGradients() {
  if (!diffWeights_.empty()) return;
  diffWeights_ = Tensor(weights_.shape());
  if (hasBias_) diffBias_ = Tensor(bias_.shape());
}

int64_t Dense::parameterCount() const {
  return Shape(weightDims(inFeatures_, outFeatures_)).elementCount() + (hasBias_ ? outFeatures_ : 0);
}

std::string Dense::describe() const {
  return Layer::describe() + " " + std::to_string(inFeatures_) + "->" + std::to_string(outFeatures_);
}

Shape Dense::outputShape(const Shape& src) const {
  if (src.rank() != 2 || src[1] != inFeatures_)
    throw std::invalid_argument("Dense '" + name() + "': expects (N, " + std::to_string(inFeatures_) + ") input, got " +
                                src.toString() + (src.rank() == 4 ? " (add a Flatten first)" : ""));
  return Shape{src[0], outFeatures_};
}

void Dense::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.denseForward(src, weights_, hasBias_ ? &bias_ : nullptr, dst);
}

void Dense::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  makeGradients();
  backend.denseBackwardWeights(src, diffDst, diffWeights_, hasBias_ ? &diffBias_ : nullptr);
  if (diffSrc) backend.denseBackwardData(weights_, diffDst, *diffSrc);
}

std::vector<Tensor*> Dense::parameters() {
  if (hasBias_) return {&weights_, &bias_};
  return {&weights_};
}

std::vector<Tensor*> Dense::gradients() {
  makeGradients();
  if (hasBias_) return {&diffWeights_, &diffBias_};
  return {&diffWeights_};
}

std::string Dense::title() const {
  return name() + ": fully connected " + std::to_string(inFeatures_) + " → " + std::to_string(outFeatures_);
}

void Dense::saveFields(nlohmann::ordered_json& j) const {
  j["in_features"] = inFeatures_;
  j["out_features"] = outFeatures_;
  j["bias"] = hasBias_;
}

std::string Dense::layerListLine() const { return "dense " + std::to_string(outFeatures_); }

void Dense::initialize(InitScheme scheme, WeightRandom& random) {
  fillWeights(weights_, scheme, double(inFeatures_), double(outFeatures_), random);
  for (float& b : bias_.values()) b = 0.0f;
}

LayerKind denseKind() {
  LayerKind k;
  k.type = "Dense";
  k.keywords = {"dense", "fc"};
  k.syntax = "dense OUTPUTS (or fc OUTPUTS)";
  k.load = [](const LayerFields& f, const std::string& name) {
    const int64_t in = f.integer("in_features"), out = f.integer("out_features");
    LayerFields::checkRange({in, out}, 1, int64_t(1) << 24, "the features");
    return std::unique_ptr<Layer>(std::make_unique<Dense>(name, in, out, f.flag("bias", true)));
  };
  k.declaredWeights = [](const LayerFields& f) {
    return Dense::weightDims(f.integer("in_features"), f.integer("out_features"));
  };
  k.plan = [](const LayerListLine& line) {
    const auto& t = line.tokens;
    if (t.size() < 2)
      throw std::invalid_argument(line.keyword + " needs the number of outputs, e.g. '" + line.keyword + " 84'");
    line.needFlat();
    line.options(2, {});
    const int64_t outputs = positiveToken(t[1], "the number of outputs");
    // As Dense describes itself and counts its weights (F_out, F_in) and bias (F_out).
    PlannedLayer p;
    p.name = line.names.next("fc");
    p.description = "Dense '" + p.name + "' " + std::to_string(line.in[0]) + "->" + std::to_string(outputs);
    p.output = Shape{outputs};
    p.parameters = plannedParameters(Dense::weightDims(line.in[0], outputs), outputs, "Dense '" + p.name + "'");
    p.make = [name = p.name, inputs = line.in[0], outputs] {
      return std::unique_ptr<Layer>(std::make_unique<Dense>(name, inputs, outputs));
    };
    return p;
  };
  return k;
}

void Dense::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                      const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  std::vector<std::string> in{inputs[0], name() + ".weight"};
  onnx.initializer(name() + ".weight", weights_.shape().dims(), weights_.values());
  if (hasBias_) {
    in.push_back(name() + ".bias");
    onnx.initializer(name() + ".bias", {outFeatures_}, bias_.values());
  }
  onnx.node("Gemm", name(), in, output, {{"transB", int64_t(1)}});
}

} // namespace convscope
