// ConvTranspose2D: shape and count arithmetic, and the transposed convolution as the backend's
// convolution run backward (see the header); the bias is added here.
#include "engine/layers/ConvTranspose2D.h"

#include "engine/layers/Conv2D.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"
#include "engine/training/Optimizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace convscope {

namespace {
std::string pairText(int64_t a, int64_t b) { return std::to_string(a) + "×" + std::to_string(b); }
std::string listPair(int64_t a, int64_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
}

// Per output channel: dst += bias (forward), or diffBias = Σ diffDst over samples and
// positions (backward), in either layout.
void addBias(const Tensor& bias, Tensor& dst) {
  const Shape& s = dst.shape();
  const int64_t plane = s[2] * s[3], channels = s[1];
  float* y = dst.data();
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const float b = bias.data()[c];
      for (int64_t p = 0; p < plane; ++p)
        y[dst.layout() == Layout::NHWC ? (n * plane + p) * channels + c : (n * channels + c) * plane + p] += b;
    }
}
void sumPerChannel(const Tensor& diffDst, Tensor& diffBias) {
  const Shape& s = diffDst.shape();
  const int64_t plane = s[2] * s[3], channels = s[1];
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t p = 0; p < plane; ++p)
        sum += diffDst.data()[diffDst.layout() == Layout::NHWC ? (n * plane + p) * channels + c
                                                               : (n * channels + c) * plane + p];
    diffBias.data()[c] = float(sum);
  }
}
} // namespace

ConvTranspose2D::ConvTranspose2D(std::string name, int64_t inChannels, int64_t outChannels, Conv2DGeometry geometry,
                                 int64_t outputPaddingH, int64_t outputPaddingW, bool hasBias)
    : Layer(std::move(name)), inChannels_(inChannels), outChannels_(outChannels), geometry_(geometry),
      outputPaddingH_(outputPaddingH), outputPaddingW_(outputPaddingW), hasBias_(hasBias) {
  // The channel and window arithmetic now, on a nominal input; the sizes when an input comes.
  outputShapeFor(Shape{1, inChannels, 64, 64}, inChannels, outChannels, geometry, outputPaddingH, outputPaddingW,
                 "ConvTranspose2D '" + this->name() + "'");
  if (StructureOnly::active()) return;
  weights_ = Tensor(Shape(weightDims(inChannels, outChannels, geometry)));
  if (hasBias) bias_ = Tensor(Shape{outChannels});
}

std::vector<int64_t> ConvTranspose2D::weightDims(int64_t inChannels, int64_t outChannels, const Conv2DGeometry& g) {
  return {inChannels, outChannels / std::max<int64_t>(g.groups, 1), g.kernelH, g.kernelW};
}

Shape ConvTranspose2D::outputShapeFor(const Shape& src, int64_t inChannels, int64_t outChannels,
                                      const Conv2DGeometry& g, int64_t outputPaddingH, int64_t outputPaddingW,
                                      const std::string& who) {
  if (src.rank() != 4) throw std::invalid_argument(who + ": expects maps (N, C, H, W), got " + src.toString());
  if (src[1] != inChannels)
    throw std::invalid_argument(who + ": expects " + std::to_string(inChannels) + " input channel(s), got " +
                                std::to_string(src[1]) + " (input " + src.toString() + ")");
  if (inChannels < 1 || outChannels < 1 || inChannels > 65536 || outChannels > 65536)
    throw std::invalid_argument(who + ": " + std::to_string(inChannels) + " input and " + std::to_string(outChannels) +
                                " output channels (1 to 65536 each)");
  if (g.groups < 1 || inChannels % g.groups != 0 || outChannels % g.groups != 0)
    throw std::invalid_argument(who + ": " + std::to_string(g.groups) + " groups must divide the " +
                                std::to_string(inChannels) + " input channels and the " + std::to_string(outChannels) +
                                " output channels");
  for (int64_t v : {g.kernelH, g.kernelW, g.strideH, g.strideW, g.dilationH, g.dilationW})
    if (v < 1 || v > 4096) throw std::invalid_argument(who + ": kernel, stride and dilation must be 1 to 4096");
  // Below the stride: the extra cells are among the sizes a strided convolution maps to the
  // same input size (PyTorch also allows them below a larger dilation; ConvScope does not).
  if (outputPaddingH < 0 || outputPaddingW < 0 || outputPaddingH >= g.strideH || outputPaddingW >= g.strideW)
    throw std::invalid_argument(who + ": output padding " + listPair(outputPaddingH, outputPaddingW) +
                                " must be smaller than the stride " + listPair(g.strideH, g.strideW));
  const auto size = [&](int64_t i, int64_t s, int64_t padding, int64_t d, int64_t k, int64_t extra) {
    return (i - 1) * s - padding + d * (k - 1) + extra + 1;
  };
  const int64_t h = size(src[2], g.strideH, g.padTop + g.padBottom, g.dilationH, g.kernelH, outputPaddingH);
  const int64_t w = size(src[3], g.strideW, g.padLeft + g.padRight, g.dilationW, g.kernelW, outputPaddingW);
  if (h < 1 || w < 1)
    throw std::invalid_argument(who + ": padding " + std::to_string(g.padTop) + "," + std::to_string(g.padBottom) +
                                "," + std::to_string(g.padLeft) + "," + std::to_string(g.padRight) +
                                " cuts away the whole output of a " + std::to_string(src[2]) + "x" +
                                std::to_string(src[3]) + " input");
  // A few bytes of a file must not ask for terabytes: 2²⁸ values (1 GiB) a sample at most.
  if (h > 100000 || w > 100000 || double(outChannels) * double(h) * double(w) > double(int64_t(1) << 28))
    throw std::invalid_argument(who + ": an output of " + std::to_string(outChannels) + "x" + std::to_string(h) + "x" +
                                std::to_string(w) + " is larger than ConvScope computes (100000 per side, 2^28 values a "
                                "sample)");
  return Shape{src[0], outChannels, h, w};
}

Shape ConvTranspose2D::outputShape(const Shape& src) const {
  return outputShapeFor(src, inChannels_, outChannels_, geometry_, outputPaddingH_, outputPaddingW_,
                        "ConvTranspose2D '" + name() + "'");
}

int64_t ConvTranspose2D::parameterCount() const {
  return Shape(weightDims(inChannels_, outChannels_, geometry_)).elementCount() + (hasBias_ ? outChannels_ : 0);
}

int64_t ConvTranspose2D::macCount(const Shape& src) const { // each input cell times its group's kernels
  return src.elementCount() * (outChannels_ / geometry_.groups) * geometry_.kernelH * geometry_.kernelW;
}

void ConvTranspose2D::makeGradients() {
  if (!diffWeights_.empty()) return;
  diffWeights_ = Tensor(weights_.shape());
  if (hasBias_) diffBias_ = Tensor(bias_.shape());
}

// The convolution with this geometry maps dst's size to src's: its backward data pass from
// src is this layer's forward pass (weights (C_in, C_out/groups, …) are its (filters, channels)).
void ConvTranspose2D::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.conv2dBackwardData(geometry_, weights_, src, dst);
  if (hasBias_) addBias(bias_, dst);
}

void ConvTranspose2D::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst,
                               Tensor* diffSrc) {
  makeGradients();
  // ∂L/∂W[i][o][kh][kw] = Σ diff_dst at the cell the product landed on × src: the convolution's
  // weight gradient with the roles swapped.
  backend.conv2dBackwardWeights(geometry_, diffDst, src, diffWeights_, nullptr);
  if (hasBias_) sumPerChannel(diffDst, diffBias_);
  if (diffSrc) backend.conv2dForward(geometry_, diffDst, weights_, nullptr, *diffSrc);
}

std::vector<Tensor*> ConvTranspose2D::parameters() {
  if (hasBias_) return {&weights_, &bias_};
  return {&weights_};
}

std::vector<Tensor*> ConvTranspose2D::gradients() {
  makeGradients();
  if (hasBias_) return {&diffWeights_, &diffBias_};
  return {&diffWeights_};
}

std::string ConvTranspose2D::describe() const {
  std::string d = Layer::describe() + " " + std::to_string(outChannels_) + "@" + geometry_.toString();
  if (outputPaddingH_ || outputPaddingW_) d += " op" + std::to_string(outputPaddingH_) + "," + std::to_string(outputPaddingW_);
  return d;
}

std::string ConvTranspose2D::window() const {
  const Conv2DGeometry& g = geometry_;
  std::string t = pairText(g.kernelH, g.kernelW);
  if (g.strideH != 1 || g.strideW != 1) t += ", stride " + listPair(g.strideH, g.strideW);
  if (g.padTop || g.padBottom || g.padLeft || g.padRight)
    t += ", pad " + (g.padTop == g.padBottom && g.padLeft == g.padRight
                         ? listPair(g.padTop, g.padLeft)
                         : std::to_string(g.padTop) + "," + std::to_string(g.padBottom) + "," +
                               std::to_string(g.padLeft) + "," + std::to_string(g.padRight));
  if (outputPaddingH_ || outputPaddingW_) t += ", output padding " + listPair(outputPaddingH_, outputPaddingW_);
  if (g.dilationH != 1 || g.dilationW != 1) t += ", dilation " + listPair(g.dilationH, g.dilationW);
  if (g.groups != 1) t += ", " + std::to_string(g.groups) + " groups";
  return t;
}

std::string ConvTranspose2D::words() const { return "transposed conv " + window(); }

std::string ConvTranspose2D::title() const {
  return name() + ": " + std::to_string(outChannels_) + " transposed filters " + window();
}

void ConvTranspose2D::saveFields(nlohmann::ordered_json& j) const {
  const Conv2DGeometry& g = geometry_;
  j["in_channels"] = inChannels_;
  j["out_channels"] = outChannels_;
  j["kernel"] = {g.kernelH, g.kernelW};
  j["stride"] = {g.strideH, g.strideW};
  j["padding"] = {g.padTop, g.padBottom, g.padLeft, g.padRight};
  j["output_padding"] = {outputPaddingH_, outputPaddingW_};
  j["dilation"] = {g.dilationH, g.dilationW};
  j["groups"] = g.groups;
  j["bias"] = hasBias_;
}

std::string ConvTranspose2D::layerListLine() const {
  const Conv2DGeometry& g = geometry_;
  if (g.padTop != g.padBottom || g.padLeft != g.padRight)
    throw std::invalid_argument("layer '" + name() + "' (uneven padding) has no layer-list form");
  std::string line = "deconv " + std::to_string(outChannels_) + " " + std::to_string(g.kernelH) + "x" +
                     std::to_string(g.kernelW);
  if (g.strideH != 1 || g.strideW != 1) line += " stride " + listPair(g.strideH, g.strideW);
  if (g.padTop || g.padLeft) line += " pad " + listPair(g.padTop, g.padLeft);
  if (outputPaddingH_ || outputPaddingW_) line += " outpad " + listPair(outputPaddingH_, outputPaddingW_);
  if (g.dilationH != 1 || g.dilationW != 1) line += " dilation " + listPair(g.dilationH, g.dilationW);
  if (g.groups != 1) line += " groups " + std::to_string(g.groups);
  if (!hasBias_) line += " nobias";
  return line;
}

// PyTorch's fans for ConvTranspose2d's weights (C_in, C_out/groups, KH, KW): fan-in is
// C_out/groups·KH·KW (its dimension 1), fan-out C_in/groups·KH·KW.
void ConvTranspose2D::initialize(InitScheme scheme, WeightRandom& random) {
  const Shape& w = weights_.shape();
  const double area = double(w[2] * w[3]);
  fillWeights(weights_, scheme, double(w[1]) * area, double(w[0] / geometry_.groups) * area, random);
  for (float& b : bias_.values()) b = 0.0f;
}

LayerKind convTranspose2dKind() {
  LayerKind k;
  k.type = "ConvTranspose2D";
  k.keywords = {"deconv"};
  k.syntax = "deconv FILTERS KxK [stride S] [pad P] [outpad O] [dilation D] [groups G] [nobias]: a transposed "
             "convolution (each input cell scatters the kernel; stride S enlarges the maps S times)";
  k.load = [](const LayerFields& f, const std::string& name) {
    const Conv2DGeometry g = convGeometryFromFields(f);
    const auto op = f.integers("output_padding", 2);
    LayerFields::checkRange(op, 0, 4095, "output padding");
    const int64_t in = f.integer("in_channels"), out = f.integer("out_channels");
    LayerFields::checkRange({in, out}, 1, 65536, "the channels");
    return std::unique_ptr<Layer>(
        std::make_unique<ConvTranspose2D>(name, in, out, g, op[0], op[1], f.flag("bias", true)));
  };
  k.declaredWeights = [](const LayerFields& f) {
    Conv2DGeometry g;
    const auto kernel = f.integers("kernel", 2);
    g.kernelH = kernel[0], g.kernelW = kernel[1], g.groups = std::max<int64_t>(f.integer("groups"), 1);
    return ConvTranspose2D::weightDims(f.integer("in_channels"), f.integer("out_channels"), g);
  };
  k.plan = [](const LayerListLine& line) {
    const ConvLine c = readConvLine(line, "deconv 8 2x2 stride 2", {"padding", "outpad"});
    const int64_t filters = c.filters;
    const Conv2DGeometry& g = c.geometry;
    const bool bias = c.bias;
    int64_t outH = 0, outW = 0;
    if (c.options.count("outpad")) std::tie(outH, outW) = pairToken(c.options.at("outpad"), "the output padding", true);
    PlannedLayer p;
    p.name = line.names.next("deconv");
    const std::string who = "ConvTranspose2D '" + p.name + "'";
    p.output = oneSample(
        ConvTranspose2D::outputShapeFor(batchOfOne(line.in), line.in[0], filters, g, outH, outW, who));
    p.parameters = plannedParameters(ConvTranspose2D::weightDims(line.in[0], filters, g), bias ? filters : 0, who);
    p.description = "ConvTranspose2D '" + p.name + "' " + std::to_string(filters) + "@" + g.toString() +
                    (outH || outW ? " op" + std::to_string(outH) + "," + std::to_string(outW) : std::string());
    p.make = [name = p.name, channels = line.in[0], filters, g, outH, outW, bias] {
      return std::unique_ptr<Layer>(std::make_unique<ConvTranspose2D>(name, channels, filters, g, outH, outW, bias));
    };
    return p;
  };
  return k;
}

void ConvTranspose2D::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                                const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const Conv2DGeometry& g = geometry_;
  std::vector<std::string> in{inputs[0], name() + ".weight"};
  onnx.initializer(name() + ".weight", weights_.shape().dims(), weights_.values());
  if (hasBias_) {
    in.push_back(name() + ".bias");
    onnx.initializer(name() + ".bias", {outChannels_}, bias_.values());
  }
  onnx.node("ConvTranspose", name(), in, output,
            {{"kernel_shape", std::vector<int64_t>{g.kernelH, g.kernelW}},
             {"strides", std::vector<int64_t>{g.strideH, g.strideW}},
             {"pads", std::vector<int64_t>{g.padTop, g.padLeft, g.padBottom, g.padRight}},
             {"output_padding", std::vector<int64_t>{outputPaddingH_, outputPaddingW_}},
             {"dilations", std::vector<int64_t>{g.dilationH, g.dilationW}},
             {"group", g.groups}});
}

SpatialWindow ConvTranspose2D::spatialWindow(const Shape&) const {
  // Output cell o gathers input cells i with o = i·s − p + t·d for the taps t: i from
  // (o + p − d·(k − 1))/s to (o + p)/s, a span of d·(k − 1)/s input cells (the zero-inserted view).
  const Conv2DGeometry& g = geometry_;
  SpatialWindow w;
  const double spanH = double(g.dilationH * (g.kernelH - 1)), spanW = double(g.dilationW * (g.kernelW - 1));
  w.extent[0] = spanH / double(g.strideH) + 1.0, w.extent[1] = spanW / double(g.strideW) + 1.0;
  w.stride[0] = 1.0 / double(g.strideH), w.stride[1] = 1.0 / double(g.strideW);
  w.offset[0] = (double(g.padTop) - spanH) / double(g.strideH), w.offset[1] = (double(g.padLeft) - spanW) / double(g.strideW);
  return w;
}

} // namespace convscope
