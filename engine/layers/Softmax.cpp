// Softmax: shape check; the computation is the backend's.
#include "engine/layers/Softmax.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <stdexcept>

namespace convscope {

Shape Softmax::outputShape(const Shape& src) const {
  if (src.rank() != 2)
    throw std::invalid_argument("Softmax '" + name() + "': expects (N, F) scores, got " + src.toString());
  return src;
}

void Softmax::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) { backend.softmaxForward(src, dst); }

void Softmax::backward(Backend& backend, const Tensor&, const Tensor& dst, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.softmaxBackward(dst, diffDst, *diffSrc);
}

std::string Softmax::title() const { return name() + ": softmax"; }
void Softmax::saveFields(nlohmann::ordered_json&) const {}
std::string Softmax::layerListLine() const { return "softmax"; }

LayerKind softmaxKind() {
  LayerKind k;
  k.type = "Softmax";
  k.keywords = {"softmax"};
  k.syntax = "softmax";
  k.load = [](const LayerFields&, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<Softmax>(name));
  };
  k.plan = [](const LayerListLine& line) {
    line.options(1, {});
    return planWeightless<Softmax>(line.in, line.names.next("softmax", false));
  };
  return k;
}

void Softmax::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                        const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.node("Softmax", name(), inputs, output, {{"axis", int64_t(1)}});
}

} // namespace convscope
