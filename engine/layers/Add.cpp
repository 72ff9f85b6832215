// Add: shapes must agree; the sum is the backend's; the gradient is copied to each input.
#include "engine/layers/Add.h"

#include "engine/backend/Backend.h"
#include "engine/layers/Arithmetic.h"
#include "engine/layers/OnnxWriter.h"

#include "engine/layers/LayerKind.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

std::string Add::title() const { return name() + ": add (residual connection)"; }

std::string Add::layerListLine() const { return "add"; }

Shape Add::nodeOutputShape(const std::vector<Shape>& srcs) const {
  if (srcs.size() < 2)
    throw std::invalid_argument("Add '" + name() + "' needs two or more inputs, got " + std::to_string(srcs.size()));
  for (const Shape& s : srcs)
    if (s != srcs[0])
      throw std::invalid_argument("Add '" + name() + "': inputs " + srcs[0].toString() + " and " + s.toString() +
                                  " differ (a residual connection adds maps of one shape: a strided or widening "
                                  "block needs a 1x1 projection on its shortcut)");
  return srcs[0];
}

void Add::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) { backend.sumForward({&src}, dst); }

void Add::backward(Backend&, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) *diffSrc = diffDst;
}

void Add::nodeForward(Backend& backend, const std::vector<const Tensor*>& srcs, Tensor& dst) {
  backend.sumForward(srcs, dst);
}

void Add::nodeBackward(Backend&, const std::vector<const Tensor*>&, const Tensor&, const Tensor& diffDst,
                       const std::vector<Tensor*>& diffSrcs) {
  for (Tensor* d : diffSrcs) // ∂(a + b)/∂a = 1: each input receives diff_dst as it is
    if (d) {
      if (d->shape() != diffDst.shape())
        throw std::invalid_argument("Add '" + name() + "': diff_src " + d->shape().toString() + " for diff_dst " +
                                    diffDst.shape().toString());
      if (d->layout() == diffDst.layout())
        std::copy(diffDst.values().begin(), diffDst.values().end(), d->values().begin());
      else
        *d = diffDst.inLayout(d->layout());
    }
}

LayerKind addKind() {
  LayerKind k;
  k.type = "Add";
  k.keywords = {"add"};
  k.joins = true;
  k.syntax = "add NAME [NAME …]: the line before plus the named layers' outputs (a residual connection; one "
             "named layer of another shape is repeated along its axes of size 1)";
  k.load = [](const LayerFields&, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<Add>(name));
  };
  k.plan = [](const LayerListLine& line) {
    // Two shapes that differ but broadcast: an Arithmetic add. Others that differ are refused
    // as a residual connection's mistake (Add's own message).
    if (line.more.size() == 1 && line.more[0] != line.in) try {
        arithmeticShape(ArithmeticOp::Add, batchOfOne(line.in), batchOfOne(line.more[0]));
        return planArithmetic(line, ArithmeticOp::Add);
      } catch (const std::invalid_argument&) {
      }
    return planJoin<Add>(line, "add");
  };
  return k;
}

void Add::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                    const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  // ONNX's Add takes two inputs: three or more become a chain.
  std::string sum = inputs[0];
  for (size_t k = 1; k < inputs.size(); ++k) {
    const bool last = k + 1 == inputs.size();
    const std::string next = last ? output : name() + "/" + std::to_string(k);
    onnx.node("Add", last ? name() : name() + "/" + std::to_string(k), {sum, inputs[k]}, next);
    sum = next;
  }
}

} // namespace convscope
