// Flatten: a reshape; NCHW is already in flatten order.
#include "engine/layers/Flatten.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

Shape Flatten::outputShape(const Shape& src) const {
  if (src.rank() < 2)
    throw std::invalid_argument("Flatten '" + name() + "': expects a batch axis first, got shape " + src.toString());
  return Shape{src[0], src.elementCount() / std::max<int64_t>(src[0], 1)};
}

// Features in (C, H, W) order whatever the source's memory layout, so a Dense layer's
// weights mean the same on every backend.
void Flatten::forwardInto(Backend&, const Tensor& src, Tensor& dst) {
  if (src.shape().rank() != 4 || src.layout() == Layout::NCHW) {
    std::copy(src.values().begin(), src.values().end(), dst.values().begin());
    return;
  }
  const Tensor nchw = src.inLayout(Layout::NCHW);
  std::copy(nchw.values().begin(), nchw.values().end(), dst.values().begin());
}

void Flatten::backward(Backend&, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (!diffSrc) return;
  if (diffSrc->shape().rank() != 4 || diffSrc->layout() == Layout::NCHW) {
    std::copy(diffDst.values().begin(), diffDst.values().end(), diffSrc->values().begin());
    return;
  }
  *diffSrc = Tensor(diffSrc->shape(), diffDst.values()).inLayout(diffSrc->layout());
}

std::string Flatten::title() const { return name() + ": flatten"; }
void Flatten::saveFields(nlohmann::ordered_json&) const {}
std::string Flatten::layerListLine() const { return "flatten"; }

LayerKind flattenKind() {
  LayerKind k;
  k.type = "Flatten";
  k.keywords = {"flatten"};
  k.syntax = "flatten";
  k.load = [](const LayerFields&, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<Flatten>(name));
  };
  k.plan = [](const LayerListLine& line) {
    line.options(1, {});
    return planWeightless<Flatten>(line.in, line.names.next("flatten", false));
  };
  return k;
}

void Flatten::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                        const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.node("Flatten", name(), inputs, output, {{"axis", int64_t(1)}});
}

} // namespace convscope
