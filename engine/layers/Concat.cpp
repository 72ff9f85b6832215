// Concat: shapes must agree but for the channels; the copies are the backend's.
#include "engine/layers/Concat.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/layers/LayerKind.h"

#include <stdexcept>

namespace convscope {

std::string Concat::title() const { return name() + ": concatenate channels"; }

std::string Concat::layerListLine() const { return "concat"; }

Shape Concat::nodeOutputShape(const std::vector<Shape>& srcs) const {
  if (srcs.size() < 2)
    throw std::invalid_argument("Concat '" + name() + "' needs two or more inputs, got " + std::to_string(srcs.size()));
  std::vector<int64_t> dims = srcs[0].dims();
  if (dims.size() != 4 && dims.size() != 2)
    throw std::invalid_argument("Concat '" + name() + "': joins maps (N, C, H, W) or vectors (N, F), got " +
                                srcs[0].toString());
  dims[1] = 0;
  for (const Shape& s : srcs) {
    bool fits = s.rank() == srcs[0].rank();
    for (int d = 0; fits && d < s.rank(); ++d) fits = d == 1 || s[d] == srcs[0][d];
    if (!fits)
      throw std::invalid_argument("Concat '" + name() + "': inputs " + srcs[0].toString() + " and " + s.toString() +
                                  " differ in more than their channels (their maps must be one size)");
    dims[1] += s[1];
  }
  return Shape(dims);
}

void Concat::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) { backend.concatForward({&src}, dst); }

void Concat::backward(Backend& backend, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.concatBackward(diffDst, {diffSrc});
}

void Concat::nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) {
  backend.concatForward(srcs, dst);
}

void Concat::nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor&,
                          const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) {
  // Inputs whose gradient nobody needs get a scratch buffer: the slicing needs every one.
  std::vector<Tensor> scratch;
  scratch.reserve(srcs.size());
  std::vector<Tensor*> targets;
  for (size_t k = 0; k < srcs.size(); ++k) {
    if (k < diffSrcs.size() && diffSrcs[k]) {
      targets.push_back(diffSrcs[k]);
    } else {
      scratch.emplace_back(srcs[k]->shape(), 0.0f, srcs[k]->layout());
      targets.push_back(&scratch.back());
    }
  }
  backend.concatBackward(diffDst, targets);
}

LayerKind concatKind() {
  LayerKind k;
  k.type = "Concat";
  k.keywords = {"concat"};
  k.joins = true;
  k.syntax = "concat NAME [NAME …]: the line before and the named layers' outputs, side by side along the channels";
  k.load = [](const LayerFields&, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<Concat>(name));
  };
  k.plan = [](const LayerListLine& line) { return planJoin<Concat>(line, "concat"); };
  return k;
}

void Concat::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                       const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.node("Concat", name(), inputs, output, {{"axis", int64_t(1)}});
}

} // namespace convscope
