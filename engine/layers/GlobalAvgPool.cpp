// GlobalAvgPool: average pooling whose window is the whole map, on either backend.
#include "engine/layers/GlobalAvgPool.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/layers/LayerKind.h"

#include <stdexcept>

namespace convscope {

std::string GlobalAvgPool::title() const { return name() + ": global average pooling (each map to its mean)"; }

Shape GlobalAvgPool::outputShape(const Shape& src) const {
  if (src.rank() != 4)
    throw std::invalid_argument("GlobalAvgPool '" + name() + "': expects maps (N, C, H, W), got " + src.toString());
  return Shape{src[0], src[1], 1, 1};
}

Pool2DGeometry GlobalAvgPool::windowOf(const Shape& src) {
  Pool2DGeometry g;
  g.mode = PoolMode::Average;
  g.kernelH = g.strideH = src[2];
  g.kernelW = g.strideW = src[3];
  return g;
}

void GlobalAvgPool::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.pool2dForward(windowOf(src.shape()), src, dst);
}

void GlobalAvgPool::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst,
                             Tensor* diffSrc) {
  if (diffSrc) backend.pool2dBackward(windowOf(src.shape()), src, diffDst, *diffSrc);
}

LayerKind globalAvgPoolKind() {
  LayerKind k;
  k.type = "GlobalAvgPool";
  k.keywords = {"globalavgpool", "gap"};
  k.syntax = "globalavgpool (or gap): each map to its mean";
  k.load = [](const LayerFields&, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<GlobalAvgPool>(name));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    line.options(1, {});
    return planWeightless<GlobalAvgPool>(line.in, line.names.next("gap"));
  };
  return k;
}

void GlobalAvgPool::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                              const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.node("GlobalAveragePool", name(), inputs, output);
}

} // namespace convscope
