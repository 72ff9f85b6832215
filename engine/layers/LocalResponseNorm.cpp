// LocalResponseNorm: parameters, layouts and the layer-list line; the arithmetic is the backend's.
#include "engine/layers/LocalResponseNorm.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/LayerKind.h"

#include <sstream>
#include <stdexcept>

namespace convscope {

LocalResponseNorm::LocalResponseNorm(std::string name, LrnParams params) : Layer(std::move(name)), params_(params) {
  try {
    checkLrnArguments(params_, Tensor(Shape{1, 1, 1, 1}), Tensor(Shape{1, 1, 1, 1}), "dst");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("LocalResponseNorm '" + this->name() + "': " + e.what());
  }
}

std::string LocalResponseNorm::describe() const { return Layer::describe() + " " + params_.toString(); }

std::string LocalResponseNorm::title() const {
  return name() + ": local response normalization over " + std::to_string(params_.size) + " channels";
}

void LocalResponseNorm::saveFields(nlohmann::ordered_json& j) const {
  j["size"] = params_.size;
  j["alpha"] = params_.alpha;
  j["beta"] = params_.beta;
  j["k"] = params_.k;
}

std::string LocalResponseNorm::layerListLine() const {
  std::ostringstream line;
  line << "lrn " << params_.size << " alpha " << params_.alpha << " beta " << params_.beta << " k " << params_.k;
  return line.str();
}

Shape LocalResponseNorm::outputShape(const Shape& src) const {
  if (src.rank() != 4)
    throw std::invalid_argument("LocalResponseNorm '" + name() + "': expects maps (N, C, H, W), got " + src.toString());
  return src;
}

void LocalResponseNorm::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  Tensor converted; // a network's input may be NCHW while its activations are NHWC
  backend.lrnForward(params_, src.inLayout(dst.layout(), converted), dst);
}

void LocalResponseNorm::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst,
                                 Tensor* diffSrc) {
  if (!diffSrc) return;
  Tensor convertedSrc, convertedDiff;
  const Tensor& x = src.inLayout(diffDst.layout(), convertedSrc);
  if (diffSrc->layout() == diffDst.layout()) return backend.lrnBackward(params_, x, diffDst, *diffSrc);
  Tensor out(diffDst.shape(), 0.0f, diffDst.layout());
  backend.lrnBackward(params_, x, diffDst, out);
  *diffSrc = out.inLayout(diffSrc->layout());
}

LayerKind localResponseNormKind() {
  LayerKind k;
  k.type = "LocalResponseNorm";
  k.keywords = {"lrn"};
  k.syntax = "lrn [SIZE] [alpha A] [beta B] [k K]: local response normalization across SIZE channels (odd; "
             "default 5, alpha 0.0001, beta 0.75, k 1; AlexNet used k 2)";
  k.load = [](const LayerFields& f, const std::string& name) {
    LrnParams p;
    p.size = f.integer("size");
    p.alpha = f.number("alpha", p.alpha);
    p.beta = f.number("beta", p.beta);
    p.k = f.number("k", p.k);
    return std::unique_ptr<Layer>(std::make_unique<LocalResponseNorm>(name, p));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    LrnParams p;
    size_t from = 1;
    if (line.tokens.size() >= 2 && line.tokens.size() % 2 == 0) // "lrn 5 …": the size first
      p.size = positiveToken(line.tokens[1], "the normalization's size"), from = 2;
    for (const auto& [key, value] : line.options(from, {"alpha", "beta", "k"})) {
      const float v = numberToken(value, key);
      (key == "alpha" ? p.alpha : key == "beta" ? p.beta : p.k) = v;
    }
    try {
      return planWeightless<LocalResponseNorm>(line.in, line.names.next("lrn"), p);
    } catch (const std::invalid_argument& e) { // the numbers' complaint without the layer's name
      const std::string text = e.what();
      const size_t at = text.find("local response normalization: ");
      throw std::invalid_argument(at == std::string::npos ? text : text.substr(at + 30));
    }
  };
  return k;
}

void LocalResponseNorm::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs,
                                  const std::string& output, const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.node("LRN", name(), inputs, output,
            {{"size", params_.size}, {"alpha", params_.alpha}, {"beta", params_.beta}, {"bias", params_.k}});
}

} // namespace convscope
