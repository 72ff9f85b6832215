// Pool2D: shape arithmetic; the computation is the backend's.
#include "engine/layers/Pool2D.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <algorithm>

namespace convscope {

Pool2D::Pool2D(std::string name, Pool2DGeometry geometry) : Layer(std::move(name)), geometry_(geometry) {}

Shape Pool2D::outputShape(const Shape& src) const {
  return pool2dOutputShape(src, geometry_, "Pool2D '" + name() + "'");
}

void Pool2D::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.pool2dForward(flooredGeometry(geometry_, src.shape()), src, dst);
}

void Pool2D::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.pool2dBackward(flooredGeometry(geometry_, src.shape()), src, diffDst, *diffSrc);
}

std::string Pool2D::title() const {
  const Pool2DGeometry& g = geometry_;
  const std::string mode = g.mode == PoolMode::Max ? "max" : g.mode == PoolMode::Average ? "average" : "sum";
  return name() + ": " + mode + " pooling " + std::to_string(g.kernelH) + "×" + std::to_string(g.kernelW) +
         ", stride " + std::to_string(g.strideH) + (g.ceilMode ? ", ceil mode" : "") +
         (g.mode == PoolMode::Average && !g.countPadding ? ", padding not counted" : "");
}

void Pool2D::saveFields(nlohmann::ordered_json& j) const {
  const Pool2DGeometry& g = geometry_;
  j["mode"] = toString(g.mode);
  j["kernel"] = {g.kernelH, g.kernelW};
  j["stride"] = {g.strideH, g.strideW};
  j["padding"] = {g.padTop, g.padBottom, g.padLeft, g.padRight};
  if (g.ceilMode) j["ceil_mode"] = true;
  if (!g.countPadding) j["count_padding"] = false;
}

std::string Pool2D::layerListLine() const {
  const Pool2DGeometry& g = geometry_;
  if (g.mode == PoolMode::Sum || g.padTop != g.padBottom || g.padLeft != g.padRight)
    throw std::invalid_argument("layer '" + name() + "' has no layer-list form");
  const auto pair = [](int64_t a, int64_t b) {
    return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
  };
  std::string line = std::string(g.mode == PoolMode::Max ? "maxpool " : "avgpool ") + std::to_string(g.kernelH) + "x" +
                     std::to_string(g.kernelW);
  if (g.strideH != g.kernelH || g.strideW != g.kernelW) line += " stride " + pair(g.strideH, g.strideW);
  if (g.padTop || g.padLeft) line += " pad " + pair(g.padTop, g.padLeft);
  if (g.ceilMode) line += " ceil";
  if (!g.countPadding) line += " exclude-pad";
  return line;
}

LayerKind pool2dKind() {
  LayerKind k;
  k.type = "Pool2D";
  k.keywords = {"maxpool", "avgpool"};
  k.syntax = "maxpool KxK [stride S] [pad P] [ceil] (or avgpool … [exclude-pad]; the stride defaults to the window)";
  k.load = [](const LayerFields& f, const std::string& name) {
    Pool2DGeometry g;
    g.mode = poolModeFromString(f.text("mode"));
    const auto kernel = f.integers("kernel", 2), s = f.integers("stride", 2), p = f.integers("padding", 4);
    g.kernelH = kernel[0], g.kernelW = kernel[1], g.strideH = s[0], g.strideW = s[1];
    g.padTop = p[0], g.padBottom = p[1], g.padLeft = p[2], g.padRight = p[3];
    g.ceilMode = f.flag("ceil_mode", false);
    g.countPadding = f.flag("count_padding", true);
    return std::unique_ptr<Layer>(std::make_unique<Pool2D>(name, g));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    const std::string& kind = line.keyword;
    if (line.tokens.size() < 2) throw std::invalid_argument(kind + " needs a window size, e.g. '" + kind + " 2x2'");
    Pool2DGeometry g;
    g.mode = kind == "maxpool" ? PoolMode::Max : PoolMode::Average;
    std::tie(g.kernelH, g.kernelW) = pairToken(line.tokens[1], "the window size");
    g.strideH = g.kernelH, g.strideW = g.kernelW;
    // "ceil" (ceil mode) and "exclude-pad" (an average over the cells inside the image only)
    // are words alone; the other options come in pairs.
    std::vector<std::string> tokens(line.tokens.begin(), line.tokens.end());
    const auto ceil = std::find(tokens.begin() + 2, tokens.end(), "ceil");
    g.ceilMode = ceil != tokens.end();
    if (g.ceilMode) tokens.erase(ceil);
    const auto exclude = std::find(tokens.begin() + 2, tokens.end(), "exclude-pad");
    g.countPadding = exclude == tokens.end();
    if (!g.countPadding) tokens.erase(exclude);
    const auto o = LayerListLine{tokens, line.keyword, line.in, line.names}.options(2, {"stride", "pad"});
    if (o.count("stride")) std::tie(g.strideH, g.strideW) = pairToken(o.at("stride"), "the stride");
    if (o.count("pad")) {
      const auto [ph, pw] = pairToken(o.at("pad"), "the padding", true);
      g.padTop = g.padBottom = ph;
      g.padLeft = g.padRight = pw;
    }
    return planWeightless<Pool2D>(line.in, line.names.next("pool"), g);
  };
  return k;
}

void Pool2D::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                       const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const Pool2DGeometry& g = geometry_;
  const bool sum = g.mode == PoolMode::Sum;
  std::vector<OnnxWriter::Attribute> attributes{{"kernel_shape", std::vector<int64_t>{g.kernelH, g.kernelW}},
                                                {"strides", std::vector<int64_t>{g.strideH, g.strideW}},
                                                {"pads", std::vector<int64_t>{g.padTop, g.padLeft, g.padBottom, g.padRight}}};
  if (g.ceilMode) attributes.push_back({"ceil_mode", int64_t(1)});
  if (g.mode != PoolMode::Max) attributes.push_back({"count_include_pad", int64_t(sum || g.countPadding ? 1 : 0)});
  onnx.node(g.mode == PoolMode::Max ? "MaxPool" : "AveragePool", name(), inputs, sum ? name() + "/average" : output,
            attributes);
  if (sum) { // a sum is the average times the window's cells
    onnx.initializer(name() + ".cells", {}, {float(g.kernelH * g.kernelW)});
    onnx.node("Mul", name() + "/sum", {name() + "/average", name() + ".cells"}, output);
  }
}

std::string Pool2D::window() const {
  const Pool2DGeometry& g = geometry_;
  const auto pair = [](int64_t a, int64_t b) { return a == b ? std::to_string(a) : std::to_string(a) + "," + std::to_string(b); };
  std::string t = std::to_string(g.kernelH) + "×" + std::to_string(g.kernelW) + " " + toString(g.mode);
  if (g.strideH != 1 || g.strideW != 1) t += ", stride " + pair(g.strideH, g.strideW);
  if (g.padTop || g.padBottom || g.padLeft || g.padRight) t += ", pad " + pair(g.padTop, g.padLeft);
  if (g.ceilMode) t += ", ceil";
  return t;
}

SpatialWindow Pool2D::spatialWindow(const Shape&) const {
  SpatialWindow w;
  w.extent[0] = double(geometry_.kernelH), w.extent[1] = double(geometry_.kernelW);
  w.stride[0] = double(geometry_.strideH), w.stride[1] = double(geometry_.strideW);
  w.offset[0] = -double(geometry_.padTop), w.offset[1] = -double(geometry_.padLeft);
  return w;
}

} // namespace convscope
