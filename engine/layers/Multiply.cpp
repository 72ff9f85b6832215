// Multiply: the larger input is the maps, the other the same shape or one factor per
// channel; the product and its gradients are the backend's (Backend::multiplyForward).
#include "engine/layers/Multiply.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <stdexcept>

namespace convscope {

namespace {
// Which input is the maps (the other: the factors): the second, when the first is per channel.
size_t mapsIndex(const std::vector<Shape>& srcs) {
  return srcs[0].rank() == 4 && srcs[1].rank() == 4 && srcs[0][2] * srcs[0][3] < srcs[1][2] * srcs[1][3] ? 1 : 0;
}
} // namespace

std::string Multiply::title() const { return name() + ": multiply (a gate, or one factor per channel)"; }

std::string Multiply::layerListLine() const { return "multiply"; }

Shape Multiply::nodeOutputShape(const std::vector<Shape>& srcs) const {
  if (srcs.size() != 2)
    throw std::invalid_argument("Multiply '" + name() + "' needs two inputs, got " + std::to_string(srcs.size()));
  const size_t m = mapsIndex(srcs);
  try {
    checkMultiplyArguments(srcs[m], srcs[1 - m], srcs[m]);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("Multiply '" + name() + "': " + e.what());
  }
  return srcs[m];
}

void Multiply::forwardInto(Backend&, const Tensor&, Tensor&) {
  throw std::logic_error("Multiply '" + name() + "' has two inputs: it runs in a graph network");
}

void Multiply::backward(Backend&, const Tensor&, const Tensor&, const Tensor&, Tensor*) {
  throw std::logic_error("Multiply '" + name() + "' has two inputs: it runs in a graph network");
}

void Multiply::nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) {
  const size_t m = mapsIndex({srcs[0]->shape(), srcs[1]->shape()});
  backend.multiplyForward(*srcs[m], *srcs[1 - m], dst);
}

void Multiply::nodeBackward(Backend& backend, const std::vector<const Tensor*>& srcs, const Tensor&,
                            const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) {
  const size_t m = mapsIndex({srcs[0]->shape(), srcs[1]->shape()});
  backend.multiplyBackward(*srcs[m], *srcs[1 - m], diffDst, diffSrcs[m], diffSrcs[1 - m]);
}

LayerKind multiplyKind() {
  LayerKind k;
  k.type = "Multiply";
  k.keywords = {"multiply"};
  k.joins = true;
  k.syntax = "multiply NAME: the line before times the named layer's output (a gate; one factor per channel "
             "scales a whole map, as in squeeze-and-excitation)";
  k.load = [](const LayerFields&, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<Multiply>(name));
  };
  k.plan = [](const LayerListLine& line) { return planJoin<Multiply>(line, "multiply"); };
  return k;
}

void Multiply::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                         const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.node("Mul", name(), inputs, output); // ONNX's Mul broadcasts (N, C, 1, 1) as numpy does
}

} // namespace convscope
