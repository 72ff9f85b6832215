// Conv2D: shape and count arithmetic; the computation is the backend's.
#include "engine/layers/Conv2D.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/training/Optimizer.h"
#include "engine/layers/LayerKind.h"

#include <algorithm>

#include <stdexcept>

namespace convscope {

Conv2D::Conv2D(std::string name, int64_t inChannels, int64_t outChannels, Conv2DGeometry geometry, bool hasBias)
    : Layer(std::move(name)), inChannels_(inChannels), outChannels_(outChannels), geometry_(geometry),
      hasBias_(hasBias) {
  // Validate the channel arithmetic now with a nominal spatial size; the spatial checks
  // happen when the input size is known.
  if (inChannels < 1 || geometry.groups < 1 || inChannels % geometry.groups != 0 ||
      outChannels % geometry.groups != 0 || outChannels < 1)
    conv2dOutputShape(Shape{1, inChannels, 1 << 20, 1 << 20}, outChannels, geometry, "Conv2D '" + this->name() + "'");
  if (StructureOnly::active()) return; // a skeleton: counts by formula, no weights
  weights_ = Tensor(Shape(weightDims(inChannels, outChannels, geometry)));
  if (hasBias) bias_ = Tensor(Shape{outChannels});
  // The gradients are made by the first backward pass (or gradients()): inference never
  // needs them (VGG-16's would be another 528 MB).
}

void Conv2D::makeGradients() {
  if (!diffWeights_.empty()) return;
  diffWeights_ = Tensor(weights_.shape());
  if (hasBias_) diffBias_ = Tensor(bias_.shape());
}

std::string Conv2D::describe() const {
  return Layer::describe() + " " + std::to_string(outChannels_) + "@" + geometry_.toString();
}

Shape Conv2D::outputShape(const Shape& src) const {
  const std::string who = "Conv2D '" + name() + "'";
  if (src.rank() == 4 && src[1] != inChannels_)
    throw std::invalid_argument(who + ": expects " + std::to_string(inChannels_) + " input channel(s), got " +
                                std::to_string(src[1]) + " (input " + src.toString() + ")");
  return conv2dOutputShape(src, outChannels_, geometry_, who);
}

std::vector<int64_t> Conv2D::weightDims(int64_t inChannels, int64_t outChannels, const Conv2DGeometry& geometry) {
  return {outChannels, inChannels / geometry.groups, geometry.kernelH, geometry.kernelW};
}

int64_t Conv2D::parameterCount() const {
  return Shape(weightDims(inChannels_, outChannels_, geometry_)).elementCount() + (hasBias_ ? outChannels_ : 0);
}

int64_t Conv2D::macCount(const Shape& src) const { // each output: one filter's weights
  return outputShape(src).elementCount() * (Shape(weightDims(inChannels_, outChannels_, geometry_)).elementCount() /
                                            outChannels_);
}

void Conv2D::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.conv2dForward(geometry_, src, weights_, hasBias_ ? &bias_ : nullptr, dst);
}

void Conv2D::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  makeGradients();
  backend.conv2dBackwardWeights(geometry_, src, diffDst, diffWeights_, hasBias_ ? &diffBias_ : nullptr);
  if (diffSrc) backend.conv2dBackwardData(geometry_, weights_, diffDst, *diffSrc);
}

std::vector<Tensor*> Conv2D::parameters() {
  if (hasBias_) return {&weights_, &bias_};
  return {&weights_};
}

std::vector<Tensor*> Conv2D::gradients() {
  makeGradients();
  if (hasBias_) return {&diffWeights_, &diffBias_};
  return {&diffWeights_};
}

namespace {
std::string pairText(int64_t a, int64_t b) { return std::to_string(a) + "×" + std::to_string(b); }
std::string listPair(int64_t a, int64_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
}
} // namespace

std::string Conv2D::title() const {
  const Conv2DGeometry& g = geometry_;
  std::string t = name() + ": " + std::to_string(outChannels_) + " filters " + pairText(g.kernelH, g.kernelW) +
                  ", stride " + (g.strideH == g.strideW ? std::to_string(g.strideH) : pairText(g.strideH, g.strideW));
  if (g.padTop || g.padBottom || g.padLeft || g.padRight)
    t += ", padding " + std::to_string(g.padTop) + "," + std::to_string(g.padBottom) + "," + std::to_string(g.padLeft) +
         "," + std::to_string(g.padRight);
  if (g.dilationH != 1 || g.dilationW != 1) t += ", dilation " + pairText(g.dilationH, g.dilationW);
  if (g.groups != 1) t += ", " + std::to_string(g.groups) + " groups";
  return t;
}

void Conv2D::saveFields(nlohmann::ordered_json& j) const {
  const Conv2DGeometry& g = geometry_;
  j["in_channels"] = inChannels_;
  j["out_channels"] = outChannels_;
  j["kernel"] = {g.kernelH, g.kernelW};
  j["stride"] = {g.strideH, g.strideW};
  j["padding"] = {g.padTop, g.padBottom, g.padLeft, g.padRight};
  j["dilation"] = {g.dilationH, g.dilationW};
  j["groups"] = g.groups;
  j["bias"] = hasBias_;
}

std::string Conv2D::layerListLine() const {
  const Conv2DGeometry& g = geometry_;
  if (g.padTop != g.padBottom || g.padLeft != g.padRight)
    throw std::invalid_argument("layer '" + name() + "' (uneven padding) has no layer-list form");
  std::string line =
      "conv " + std::to_string(outChannels_) + " " + std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW);
  if (g.strideH != 1 || g.strideW != 1) line += " stride " + listPair(g.strideH, g.strideW);
  if (g.padTop || g.padLeft) line += " pad " + listPair(g.padTop, g.padLeft);
  if (g.dilationH != 1 || g.dilationW != 1) line += " dilation " + listPair(g.dilationH, g.dilationW);
  if (g.groups != 1) line += " groups " + std::to_string(g.groups);
  if (!hasBias_) line += " nobias";
  return line;
}

void Conv2D::initialize(InitScheme scheme, WeightRandom& random) {
  const Shape& w = weights_.shape(); // (C_out, C_in/groups, KH, KW)
  const double area = double(w[2] * w[3]);
  fillWeights(weights_, scheme, double(w[1]) * area, double(w[0] / geometry_.groups) * area, random);
  for (float& b : bias_.values()) b = 0.0f;
}

Conv2DGeometry convGeometryFromFields(const LayerFields& f) {
  Conv2DGeometry g;
  const auto kernel = f.integers("kernel", 2), s = f.integers("stride", 2), p = f.integers("padding", 4),
             d = f.integers("dilation", 2);
  g.kernelH = kernel[0], g.kernelW = kernel[1], g.strideH = s[0], g.strideW = s[1];
  g.padTop = p[0], g.padBottom = p[1], g.padLeft = p[2], g.padRight = p[3];
  g.dilationH = d[0], g.dilationW = d[1];
  g.groups = f.integer("groups");
  LayerFields::checkRange({g.kernelH, g.kernelW, g.strideH, g.strideW, g.dilationH, g.dilationW}, 1, 4096,
                          "kernel, stride and dilation");
  LayerFields::checkRange(p, 0, 4096, "padding");
  return g;
}

ConvLine readConvLine(const LayerListLine& line, const std::string& example, const std::vector<std::string>& extra) {
  line.needImage();
  const auto& t = line.tokens;
  if (t.size() < 3)
    throw std::invalid_argument(line.keyword + " needs the number of filters and a kernel size, e.g. '" + example + "'");
  ConvLine c;
  c.filters = positiveToken(t[1], "the number of filters");
  Conv2DGeometry& g = c.geometry;
  std::tie(g.kernelH, g.kernelW) = pairToken(t[2], "the kernel size");
  // "nobias" is a word alone; the other options come in pairs.
  std::vector<std::string> rest(t.begin() + 3, t.end());
  const auto nobias = std::find(rest.begin(), rest.end(), "nobias");
  c.bias = nobias == rest.end();
  if (!c.bias) rest.erase(nobias);
  std::vector<std::string> tokens{t[0], t[1], t[2]};
  tokens.insert(tokens.end(), rest.begin(), rest.end());
  std::vector<std::string> allowed{"stride", "pad", "dilation", "groups"};
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  c.options = LayerListLine{tokens, line.keyword, line.in, line.names}.options(3, allowed);
  const auto& o = c.options;
  if (o.count("groups")) g.groups = positiveToken(o.at("groups"), "the groups");
  if (o.count("stride")) std::tie(g.strideH, g.strideW) = pairToken(o.at("stride"), "the stride");
  if (o.count("dilation")) std::tie(g.dilationH, g.dilationW) = pairToken(o.at("dilation"), "the dilation");
  for (const char* key : {"pad", "padding"})
    if (o.count(key)) {
      const auto [ph, pw] = pairToken(o.at(key), "the padding", true);
      g.padTop = g.padBottom = ph;
      g.padLeft = g.padRight = pw;
    }
  return c;
}

LayerKind conv2dKind() {
  LayerKind k;
  k.type = "Conv2D";
  k.keywords = {"conv"};
  k.syntax = "conv FILTERS KxK [stride S] [pad P] [dilation D] [groups G] [nobias] (groups = channels: depthwise)";
  k.load = [](const LayerFields& f, const std::string& name) {
    const Conv2DGeometry g = convGeometryFromFields(f);
    const int64_t in = f.integer("in_channels"), out = f.integer("out_channels");
    LayerFields::checkRange({in, out}, 1, 65536, "the channels");
    return std::unique_ptr<Layer>(std::make_unique<Conv2D>(name, in, out, g, f.flag("bias", true)));
  };
  k.declaredWeights = [](const LayerFields& f) {
    Conv2DGeometry g;
    const auto kernel = f.integers("kernel", 2);
    g.kernelH = kernel[0], g.kernelW = kernel[1], g.groups = std::max<int64_t>(f.integer("groups"), 1);
    return Conv2D::weightDims(f.integer("in_channels"), f.integer("out_channels"), g);
  };
  k.plan = [](const LayerListLine& line) {
    const ConvLine c = readConvLine(line, "conv 6 5x5");
    const int64_t filters = c.filters;
    const Conv2DGeometry& g = c.geometry;
    const bool bias = c.bias;
    // As Conv2D describes itself and counts its weights (C_out, C_in, KH, KW) and bias (C_out).
    PlannedLayer p;
    p.name = line.names.next("conv");
    p.description = "Conv2D '" + p.name + "' " + std::to_string(filters) + "@" + g.toString();
    const std::string who = "Conv2D '" + p.name + "'";
    p.output = oneSample(conv2dOutputShape(batchOfOne(line.in), filters, g, who));
    if (line.in[0] % g.groups != 0 || filters % g.groups != 0)
      throw std::invalid_argument(who + ": " + std::to_string(g.groups) + " groups must divide the " +
                                  std::to_string(line.in[0]) + " input channels and the " + std::to_string(filters) +
                                  " filters");
    p.parameters = plannedParameters(Conv2D::weightDims(line.in[0], filters, g), bias ? filters : 0, who);
    p.make = [name = p.name, channels = line.in[0], filters, g, bias] {
      return std::unique_ptr<Layer>(std::make_unique<Conv2D>(name, channels, filters, g, bias));
    };
    return p;
  };
  return k;
}

void Conv2D::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                       const ChannelAffine* after) const {
  const Conv2DGeometry& g = geometry_;
  std::vector<float> w = weights_.values();
  std::vector<float> b = hasBias_ ? bias_.values() : std::vector<float>();
  if (after) { // a batch normalization folded in: w·scale and b·scale + shift, channel by channel
    const int64_t perFilter = int64_t(w.size()) / outChannels_;
    b.resize(size_t(outChannels_), 0.0f);
    for (int64_t c = 0; c < outChannels_; ++c) {
      const double scale = after->scale[size_t(c)];
      for (int64_t k = 0; k < perFilter; ++k) w[size_t(c * perFilter + k)] = float(w[size_t(c * perFilter + k)] * scale);
      b[size_t(c)] = float(double(b[size_t(c)]) * scale + after->shift[size_t(c)]);
    }
  }
  std::vector<std::string> in{inputs[0], name() + ".weight"};
  onnx.initializer(name() + ".weight", weights_.shape().dims(), w);
  if (!b.empty()) {
    in.push_back(name() + ".bias");
    onnx.initializer(name() + ".bias", {outChannels_}, b);
  }
  onnx.node("Conv", name(), in, output,
            {{"kernel_shape", std::vector<int64_t>{g.kernelH, g.kernelW}},
             {"strides", std::vector<int64_t>{g.strideH, g.strideW}},
             {"pads", std::vector<int64_t>{g.padTop, g.padLeft, g.padBottom, g.padRight}},
             {"dilations", std::vector<int64_t>{g.dilationH, g.dilationW}},
             {"group", g.groups}});
}

bool Conv2D::isDepthwise() const { return geometry_.groups > 1 && geometry_.groups == inChannels_; }
bool Conv2D::isPointwise() const { return geometry_.kernelH == 1 && geometry_.kernelW == 1 && geometry_.groups == 1; }

std::string Conv2D::window() const {
  const Conv2DGeometry& g = geometry_;
  const auto pair = [](int64_t a, int64_t b) { return a == b ? std::to_string(a) : std::to_string(a) + "," + std::to_string(b); };
  std::string t = std::to_string(g.kernelH) + "×" + std::to_string(g.kernelW);
  if (g.strideH != 1 || g.strideW != 1) t += ", stride " + pair(g.strideH, g.strideW);
  if (g.padTop || g.padBottom || g.padLeft || g.padRight)
    t += g.padTop == g.padBottom && g.padLeft == g.padRight
             ? ", pad " + pair(g.padTop, g.padLeft)
             : ", pad " + std::to_string(g.padTop) + "," + std::to_string(g.padBottom) + "," + std::to_string(g.padLeft) +
                   "," + std::to_string(g.padRight);
  if (g.dilationH != 1 || g.dilationW != 1) t += ", dilation " + pair(g.dilationH, g.dilationW);
  if (isDepthwise())
    t += ", depthwise";
  else if (g.groups != 1)
    t += ", " + std::to_string(g.groups) + " groups";
  return t;
}

std::string Conv2D::words() const {
  std::string w = window();
  if (isDepthwise()) return "depthwise " + w.substr(0, w.find(", depthwise"));
  return (isPointwise() ? "pointwise " : "conv ") + w;
}

SpatialWindow Conv2D::spatialWindow(const Shape&) const {
  const Conv2DGeometry& g = geometry_;
  SpatialWindow w; // a dilated kernel spans dilation·(k − 1) + 1 cells
  w.extent[0] = double(g.dilationH * (g.kernelH - 1) + 1), w.extent[1] = double(g.dilationW * (g.kernelW - 1) + 1);
  w.stride[0] = double(g.strideH), w.stride[1] = double(g.strideW);
  w.offset[0] = -double(g.padTop), w.offset[1] = -double(g.padLeft);
  return w;
}

} // namespace convscope
