// Sample: z = μ + exp(½·log σ²)·ε, and its gradient.
#include "engine/layers/Sample.h"

#include "engine/layers/LayerKind.h"
#include "engine/layers/OnnxWriter.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace convscope {

double standardNormal(std::mt19937_64& random) {
  const double u1 = (double(random() >> 11) + 1.0) * 0x1.0p-53; // (0, 1]: the logarithm stays finite
  const double u2 = double(random() >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

Sample::Sample(std::string name, uint64_t seed) : Layer(std::move(name)), random_(seed) {}

Shape Sample::outputShape(const Shape& src) const {
  if (src.rank() != 2 || src[1] % 2 != 0 || src[1] < 2)
    throw std::invalid_argument("Sample '" + name() + "': needs a flat input of a mean and a log-variance side by side "
                                "(an even count, 2L), got " + shapeText(oneSample(src)));
  return Shape{src[0], src[1] / 2};
}

void Sample::forwardInto(Backend&, const Tensor& src, Tensor& dst) {
  const int64_t n = src.shape()[0], L = src.shape()[1] / 2;
  if (!training_ && !sampling_) { // the mean
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < L; ++j) dst.data()[i * L + j] = src.data()[i * 2 * L + j];
    return;
  }
  if (givenNoise_.shape() == dst.shape()) {
    noise_ = std::move(givenNoise_);
    givenNoise_ = Tensor();
  } else {
    if (noise_.shape() != dst.shape()) noise_ = Tensor(dst.shape());
    for (float& e : noise_.values()) e = float(standardNormal(random_));
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < L; ++j) {
      const float mean = src.data()[i * 2 * L + j], logVariance = src.data()[i * 2 * L + L + j];
      dst.data()[i * L + j] = mean + std::exp(0.5f * logVariance) * noise_.data()[i * L + j];
    }
}

void Sample::backward(Backend&, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  if (!diffSrc) return;
  const int64_t n = src.shape()[0], L = src.shape()[1] / 2;
  const bool sampled = (training_ || sampling_) && noise_.shape() == diffDst.shape();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < L; ++j) {
      const float dz = diffDst.data()[i * L + j];
      diffSrc->data()[i * 2 * L + j] = dz; // ∂z/∂μ = 1
      diffSrc->data()[i * 2 * L + L + j] =
          sampled ? dz * 0.5f * std::exp(0.5f * src.data()[i * 2 * L + L + j]) * noise_.data()[i * L + j] : 0.0f;
    }
}

std::string Sample::title() const { return name() + ": z = μ + σ·ε (the reparameterization trick)"; }
void Sample::saveFields(nlohmann::ordered_json&) const {}
std::string Sample::layerListLine() const { return "sample"; }

std::string Sample::randomState() const {
  std::ostringstream text;
  text << random_;
  return text.str();
}

void Sample::setRandomState(const std::string& state) {
  std::istringstream text(state);
  std::mt19937_64 restored;
  if (!(text >> restored)) throw std::invalid_argument("Sample '" + name() + "': not a random stream's state");
  random_ = restored;
}

LayerKind sampleKind() {
  LayerKind k;
  k.type = "Sample";
  k.keywords = {"sample"};
  k.syntax = "sample: a flat [mean | log-variance] of 2L values to a draw of L, z = μ + σ·ε (the mean in evaluation)";
  k.load = [](const LayerFields&, const std::string& name) { return std::unique_ptr<Layer>(std::make_unique<Sample>(name)); };
  k.plan = [](const LayerListLine& line) {
    line.options(1, {});
    return planWeightless<Sample>(line.in, line.names.next("sample"), uint64_t(0x5a3b1e));
  };
  return k;
}

// Exported for inference: the mean, the input's first L values.
void Sample::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                       const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  const int64_t L = onnx.shapeOf(inputs[0])[1] / 2;
  onnx.integers(name() + ".starts", {0});
  onnx.integers(name() + ".ends", {L});
  onnx.integers(name() + ".axes", {1});
  onnx.node("Slice", name(), {inputs[0], name() + ".starts", name() + ".ends", name() + ".axes"}, output);
}

} // namespace convscope
