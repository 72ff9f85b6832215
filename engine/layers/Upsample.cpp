// Upsample: the output size; the resizing is the backend's (Backend::resizeForward).
#include "engine/layers/Upsample.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace convscope {

namespace {
std::string pairText(int64_t a, int64_t b, const char* by) {
  return a == b ? std::to_string(a) : std::to_string(a) + by + std::to_string(b);
}
} // namespace

Upsample::Upsample(std::string name, bool bilinear, int64_t factorH, int64_t factorW, int64_t sizeH, int64_t sizeW)
    : Layer(std::move(name)), bilinear_(bilinear), factorH_(factorH), factorW_(factorW), sizeH_(sizeH),
      sizeW_(sizeW) {
  const std::string who = "Upsample '" + this->name() + "'";
  if ((sizeH > 0) != (sizeW > 0) || sizeH < 0 || sizeW < 0 || sizeH > 100000 || sizeW > 100000)
    throw std::invalid_argument(who + ": a size needs a height and a width, 1 to 100000 each");
  if (sizeH == 0 && (factorH < 1 || factorW < 1 || factorH > 64 || factorW > 64))
    throw std::invalid_argument(who + ": the factors must be whole numbers 1 to 64, got " +
                                pairText(factorH, factorW, "x"));
}

std::string Upsample::describe() const {
  return Layer::describe() + (bySize() ? " to " + pairText(sizeH_, sizeW_, "x") : " x" + pairText(factorH_, factorW_, ",")) +
         (bilinear_ ? " bilinear" : " nearest");
}

std::string Upsample::words() const {
  return std::string(bilinear_ ? "bilinear" : "nearest") + " upsample " +
         (bySize() ? "to " + pairText(sizeH_, sizeW_, "×") : "×" + pairText(factorH_, factorW_, ","));
}

std::string Upsample::title() const { return name() + ": " + words(); }

void Upsample::saveFields(nlohmann::ordered_json& j) const {
  j["mode"] = bilinear_ ? "bilinear" : "nearest";
  if (bySize())
    j["size"] = {sizeH_, sizeW_};
  else
    j["factor"] = {factorH_, factorW_};
}

std::string Upsample::layerListLine() const {
  return "upsample " + (bySize() ? "to " + pairText(sizeH_, sizeW_, "x") : pairText(factorH_, factorW_, "x")) +
         (bilinear_ ? " bilinear" : "");
}

Shape Upsample::outputShape(const Shape& src) const {
  if (src.rank() != 4)
    throw std::invalid_argument("Upsample '" + name() + "': resizes maps (N, C, H, W), got " + src.toString());
  const int64_t h = bySize() ? sizeH_ : src[2] * factorH_, w = bySize() ? sizeW_ : src[3] * factorW_;
  // A few bytes of a file must not ask for terabytes: 2²⁸ values (1 GiB) a sample at most.
  if (h > 100000 || w > 100000 || double(src[1]) * double(h) * double(w) > double(int64_t(1) << 28))
    throw std::invalid_argument("Upsample '" + name() + "': an output of " + std::to_string(src[1]) + "x" +
                                std::to_string(h) + "x" + std::to_string(w) +
                                " is larger than ConvScope computes (100000 per side, 2^28 values a sample)");
  return Shape{src[0], src[1], h, w};
}

void Upsample::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  backend.resizeForward(bilinear_, src, dst);
}

void Upsample::backward(Backend& backend, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (diffSrc) backend.resizeBackward(bilinear_, diffDst, *diffSrc);
}

LayerKind upsampleKind() {
  LayerKind k;
  k.type = "Upsample";
  k.keywords = {"upsample"};
  k.syntax = "upsample F [nearest|bilinear] (or FHxFW, or to HxW): the maps F times as large, each cell copied "
             "(nearest) or blended from its neighbours (bilinear)";
  k.load = [](const LayerFields& f, const std::string& name) {
    const std::string mode = f.text("mode");
    if (mode != "nearest" && mode != "bilinear")
      throw std::invalid_argument(f.where + ": \"mode\" must be \"nearest\" or \"bilinear\", not \"" + mode + "\"");
    if (f.j.contains("size")) {
      const auto size = f.integers("size", 2);
      return std::unique_ptr<Layer>(std::make_unique<Upsample>(name, mode == "bilinear", 1, 1, size[0], size[1]));
    }
    const auto factor = f.integers("factor", 2);
    return std::unique_ptr<Layer>(std::make_unique<Upsample>(name, mode == "bilinear", factor[0], factor[1]));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    const auto& t = line.tokens;
    if (t.size() < 2) throw std::invalid_argument("upsample needs a factor or a size: 'upsample 2' or 'upsample to 28x28'");
    size_t next = 1;
    bool bySize = false;
    if (t[1] == "to") bySize = true, ++next;
    if (next >= t.size()) throw std::invalid_argument("upsample to needs a size: 'upsample to 28x28'");
    const auto [a, b] = pairToken(t[next], bySize ? "the size" : "the factor");
    ++next;
    bool bilinear = false;
    if (next < t.size()) {
      if (t[next] != "nearest" && t[next] != "bilinear")
        throw std::invalid_argument("'" + t[next] + "' is not a mode of upsample (nearest or bilinear)");
      bilinear = t[next] == "bilinear";
      ++next;
    }
    if (next < t.size()) throw std::invalid_argument("'" + t[next] + "' is not an option of upsample");
    return bySize ? planWeightless<Upsample>(line.in, line.names.next("up"), bilinear, int64_t(1), int64_t(1), a, b)
                  : planWeightless<Upsample>(line.in, line.names.next("up"), bilinear, a, b, int64_t(0), int64_t(0));
  };
  return k;
}

// As PyTorch 1.13 writes nn.Upsample at opset 13: Resize with its scales (or sizes), nearest
// with "asymmetric" coordinates and "floor", bilinear ("linear") with "pytorch_half_pixel".
void Upsample::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                         const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.initializer(name() + ".roi", {0}, {});
  std::vector<std::string> in{inputs[0], name() + ".roi"};
  if (bySize()) {
    onnx.initializer(name() + ".scales", {0}, {});
    // (N, C) from the input's own shape, so that the batch stays free; then the size.
    onnx.node("Shape", name() + ".shape", {inputs[0]}, name() + ".input_shape");
    onnx.integers(name() + ".zero", {0});
    onnx.integers(name() + ".two", {2});
    onnx.node("Slice", name() + ".batch_channels", {name() + ".input_shape", name() + ".zero", name() + ".two"},
              name() + ".nc");
    onnx.integers(name() + ".hw", {sizeH_, sizeW_});
    onnx.node("Concat", name() + ".size", {name() + ".nc", name() + ".hw"}, name() + ".sizes", {{"axis", int64_t(0)}});
    in.insert(in.end(), {name() + ".scales", name() + ".sizes"});
  } else {
    onnx.initializer(name() + ".scales", {4}, {1.0f, 1.0f, float(factorH_), float(factorW_)});
    in.push_back(name() + ".scales");
  }
  std::vector<OnnxWriter::Attribute> attributes;
  attributes.push_back({"mode", std::string(bilinear_ ? "linear" : "nearest")});
  attributes.push_back({"coordinate_transformation_mode", std::string(bilinear_ ? "pytorch_half_pixel" : "asymmetric")});
  if (!bilinear_) attributes.push_back({"nearest_mode", std::string("floor")});
  onnx.node("Resize", name(), in, output, attributes);
}

SpatialWindow Upsample::spatialWindow(const Shape& src) const {
  // Output cell o lies at input position (o + ½)/f − ½ (the half-pixel rule of both modes):
  // nearest reads the cell there, bilinear the two around it.
  SpatialWindow w;
  const Shape out = outputShape(src);
  for (int axis = 0; axis < 2; ++axis) {
    const double f = double(out[2 + axis]) / double(src[2 + axis]);
    w.stride[axis] = 1.0 / f;
    w.offset[axis] = 0.5 / f - 0.5 - (bilinear_ ? 0.5 : 0.0);
    w.extent[axis] = bilinear_ ? 2.0 : 1.0;
  }
  return w;
}

} // namespace convscope
