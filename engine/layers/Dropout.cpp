// Dropout: the mask drawn in forward, applied again in backward.
#include "engine/layers/Dropout.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/LayerKind.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace convscope {

Dropout::Dropout(std::string name, float rate, uint64_t seed) : Layer(std::move(name)), rate_(rate), random_(seed) {
  if (!(rate >= 0.0f && rate < 1.0f))
    throw std::invalid_argument("Dropout '" + this->name() + "': the rate must be from 0 to below 1, got " +
                                formatNumber(rate));
}

std::string Dropout::describe() const { return Layer::describe() + " p=" + formatNumber(rate_); }

std::string Dropout::title() const {
  return name() + ": dropout, " + formatNumber(100.0f * rate_) + " % of the values while training";
}

void Dropout::saveFields(nlohmann::ordered_json& j) const { j["rate"] = rate_; }

std::string Dropout::layerListLine() const {
  std::ostringstream line;
  line << "dropout " << rate_;
  return line.str();
}

std::string Dropout::randomState() const {
  std::ostringstream text;
  text << random_;
  return text.str();
}

void Dropout::setRandomState(const std::string& state) {
  std::istringstream text(state);
  std::mt19937_64 restored;
  if (!(text >> restored)) throw std::invalid_argument("Dropout '" + name() + "': not a random stream's state");
  random_ = restored;
}

void Dropout::forwardInto(Backend&, const Tensor& src, Tensor& dst) {
  Tensor converted;
  const Tensor& in = src.inLayout(dst.layout(), converted);
  if (!training_ || rate_ == 0.0f) {
    std::copy(in.values().begin(), in.values().end(), dst.values().begin());
    return;
  }
  if (mask_.shape() != dst.shape() || mask_.layout() != dst.layout()) mask_ = Tensor(dst.shape(), 0.0f, dst.layout());
  const float keep = 1.0f / (1.0f - rate_);
  const double p = rate_;
  for (float& m : mask_.values()) m = double(random_() >> 11) * 0x1.0p-53 < p ? 0.0f : keep;
  for (int64_t i = 0; i < dst.size(); ++i) dst.data()[i] = in.data()[i] * mask_.data()[i];
}

void Dropout::backward(Backend&, const Tensor&, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (!diffSrc) return;
  const bool masked = training_ && rate_ > 0.0f && mask_.shape() == diffDst.shape();
  Tensor out(diffDst.shape(), 0.0f, diffDst.layout());
  for (int64_t i = 0; i < out.size(); ++i)
    out.data()[i] = masked ? diffDst.data()[i] * mask_.data()[i] : diffDst.data()[i];
  Tensor converted;
  const Tensor& result = out.inLayout(diffSrc->layout(), converted);
  std::copy(result.values().begin(), result.values().end(), diffSrc->values().begin());
}

LayerKind dropoutKind() {
  LayerKind k;
  k.type = "Dropout";
  k.keywords = {"dropout"};
  k.syntax = "dropout P: while training, drop each value with probability P (0 to below 1)";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<Dropout>(name, f.number("rate", 0.5f)));
  };
  k.plan = [](const LayerListLine& line) {
    float rate = 0.5f;
    if (line.tokens.size() >= 2) rate = numberToken(line.tokens[1], "the dropout rate");
    line.options(2, {});
    if (!(rate >= 0.0f && rate < 1.0f))
      throw std::invalid_argument("the dropout rate must be from 0 to below 1, not " + line.tokens[1]);
    return planWeightless<Dropout>(line.in, line.names.next("drop"), rate, uint64_t(0x5eed));
  };
  return k;
}

void Dropout::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                        const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.initializer(name() + ".ratio", {}, {rate_});
  onnx.node("Dropout", name(), {inputs[0], name() + ".ratio"}, output);
}

} // namespace convscope
