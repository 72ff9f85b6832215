// Reshape: a copy in NCHW order.
#include "engine/layers/Reshape.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace convscope {

namespace {
std::string targetText(const std::vector<int64_t>& t) {
  std::string s;
  for (int64_t d : t) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}
} // namespace

Reshape::Reshape(std::string name, std::vector<int64_t> target) : Layer(std::move(name)), target_(std::move(target)) {
  if (target_.size() != 1 && target_.size() != 3)
    throw std::invalid_argument("Reshape '" + this->name() + "': the shape must be C×H×W or a length, got " +
                                std::to_string(target_.size()) + " sizes");
  for (int64_t d : target_)
    if (d < 1 || d > 1'000'000)
      throw std::invalid_argument("Reshape '" + this->name() + "': size " + std::to_string(d) + " must be 1 to 1000000");
}

Shape Reshape::outputShape(const Shape& src) const {
  if (src.rank() < 2)
    throw std::invalid_argument("Reshape '" + name() + "': expects a batch axis first, got shape " + src.toString());
  const int64_t per = src.elementCount() / std::max<int64_t>(src[0], 1);
  const int64_t want = std::accumulate(target_.begin(), target_.end(), int64_t(1), std::multiplies<int64_t>());
  if (per != want)
    throw std::invalid_argument("Reshape '" + name() + "': " + shapeText(oneSample(src)) + " holds " +
                                std::to_string(per) + " values a sample, " + targetText(target_) + " needs " +
                                std::to_string(want));
  std::vector<int64_t> dims{src[0]};
  dims.insert(dims.end(), target_.begin(), target_.end());
  return Shape(dims);
}

void Reshape::forwardInto(Backend&, const Tensor& src, Tensor& dst) {
  Tensor converted;
  const Tensor& in = src.inLayout(Layout::NCHW, converted);
  if (dst.shape().rank() != 4 || dst.layout() == Layout::NCHW) {
    std::copy(in.values().begin(), in.values().end(), dst.values().begin());
    return;
  }
  // Into dst's own storage: the network's buffers stay where its cached primitives point.
  const Tensor laidOut = Tensor(dst.shape(), in.values()).inLayout(dst.layout());
  std::copy(laidOut.values().begin(), laidOut.values().end(), dst.values().begin());
}

void Reshape::backward(Backend&, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (!diffSrc) return;
  Tensor converted;
  const Tensor& in = diffDst.inLayout(Layout::NCHW, converted);
  if (diffSrc->shape().rank() != 4 || diffSrc->layout() == Layout::NCHW) {
    std::copy(in.values().begin(), in.values().end(), diffSrc->values().begin());
    return;
  }
  const Tensor laidOut = Tensor(diffSrc->shape(), in.values()).inLayout(diffSrc->layout());
  std::copy(laidOut.values().begin(), laidOut.values().end(), diffSrc->values().begin());
}

std::string Reshape::describe() const { return Layer::describe() + " to " + targetText(target_); }
std::string Reshape::title() const { return name() + ": reshape to " + targetText(target_); }
void Reshape::saveFields(nlohmann::ordered_json& j) const { j["shape"] = target_; }
std::string Reshape::layerListLine() const { return "reshape " + targetText(target_); }

LayerKind reshapeKind() {
  LayerKind k;
  k.type = "Reshape";
  k.keywords = {"reshape"};
  k.syntax = "reshape CxHxW (or reshape F): one sample's values, in order, into that shape";
  k.load = [](const LayerFields& f, const std::string& name) {
    const nlohmann::ordered_json& shape = f.at("shape");
    if (!shape.is_array() || (shape.size() != 1 && shape.size() != 3))
      throw std::invalid_argument(f.where + ": \"shape\" must be [C, H, W] or [F]");
    const std::vector<int64_t> dims = f.integers("shape", shape.size());
    LayerFields::checkRange(dims, 1, 1'000'000, f.where + ": shape");
    return std::unique_ptr<Layer>(std::make_unique<Reshape>(name, dims));
  };
  k.plan = [](const LayerListLine& line) {
    if (line.tokens.size() < 2) throw std::invalid_argument("reshape needs a shape: 'reshape 16x7x7' or 'reshape 784'");
    std::string spec = line.tokens[1];
    for (const std::string times : {"×", "X"})
      for (size_t at; (at = spec.find(times)) != std::string::npos;) spec.replace(at, times.size(), "x");
    std::vector<int64_t> dims;
    size_t from = 0;
    while (true) {
      const size_t at = spec.find('x', from);
      dims.push_back(positiveToken(spec.substr(from, at == std::string::npos ? std::string::npos : at - from),
                                   "a reshape size"));
      if (at == std::string::npos) break;
      from = at + 1;
    }
    if (dims.size() != 1 && dims.size() != 3)
      throw std::invalid_argument("reshape '" + line.tokens[1] + "': give C×H×W (e.g. 16x7x7) or a length (e.g. 784)");
    line.options(2, {});
    return planWeightless<Reshape>(line.in, line.names.next("reshape"), dims);
  };
  return k;
}

void Reshape::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                        const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  std::vector<int64_t> shape{-1};
  shape.insert(shape.end(), target_.begin(), target_.end());
  onnx.integers(name() + ".shape", shape);
  onnx.node("Reshape", name(), {inputs[0], name() + ".shape"}, output);
}

} // namespace convscope
