// BatchNorm: the statistics' bookkeeping; the normalization is the backend's.
#include "engine/layers/BatchNorm.h"

#include "engine/layers/OnnxWriter.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/layers/LayerKind.h"

#include <cmath>
#include <stdexcept>

namespace convscope {

BatchNorm::BatchNorm(std::string name, int64_t channels, float epsilon, float momentum)
    : Layer(std::move(name)), channels_(channels), epsilon_(epsilon), momentum_(momentum) {
  if (channels < 1 || channels > 65536)
    throw std::invalid_argument("BatchNorm '" + this->name() + "': " + std::to_string(channels) +
                                " channels (1 to 65536)");
  if (!(epsilon > 0.0f) || !(momentum >= 0.0f && momentum <= 1.0f))
    throw std::invalid_argument("BatchNorm '" + this->name() + "': epsilon must be positive and momentum 0 to 1");
  gamma_ = Tensor(Shape{channels}, 1.0f);
  beta_ = Tensor(Shape{channels});
  diffGamma_ = Tensor(Shape{channels});
  diffBeta_ = Tensor(Shape{channels});
  runningMean_ = Tensor(Shape{channels});
  runningVariance_ = Tensor(Shape{channels}, 1.0f);
  batchMean_ = Tensor(Shape{channels});
  batchVariance_ = Tensor(Shape{channels}, 1.0f);
}

std::string BatchNorm::describe() const { return Layer::describe() + " " + std::to_string(channels_); }

std::string BatchNorm::title() const {
  return name() + ": batch normalization of " + std::to_string(channels_) + " channels";
}

void BatchNorm::saveFields(nlohmann::ordered_json& j) const {
  j["channels"] = channels_;
  j["epsilon"] = epsilon_;
  j["momentum"] = momentum_;
}

Shape BatchNorm::outputShape(const Shape& src) const {
  if (src.rank() != 4 || src[1] != channels_)
    throw std::invalid_argument("BatchNorm '" + name() + "': expects maps with " + std::to_string(channels_) +
                                " channels, got " + src.toString());
  return src;
}

void BatchNorm::forwardInto(Backend& backend, const Tensor& src, Tensor& dst) {
  if (!training_) {
    backend.batchNormForward(src, gamma_, beta_, runningMean_, runningVariance_, false, epsilon_, dst);
    return;
  }
  backend.batchNormForward(src, gamma_, beta_, batchMean_, batchVariance_, true, epsilon_, dst);
  const double count = double(src.shape()[0] * src.shape()[2] * src.shape()[3]);
  const double unbiased = count > 1 ? count / (count - 1) : 1.0;
  for (int64_t c = 0; c < channels_; ++c) {
    runningMean_.data()[c] = (1 - momentum_) * runningMean_.data()[c] + momentum_ * batchMean_.data()[c];
    runningVariance_.data()[c] =
        float((1 - momentum_) * runningVariance_.data()[c] + momentum_ * batchVariance_.data()[c] * unbiased);
  }
}

void BatchNorm::backward(Backend& backend, const Tensor& src, const Tensor&, const Tensor& diffDst, Tensor* diffSrc) {
  backend.batchNormBackward(src, gamma_, training_ ? batchMean_ : runningMean_,
                            training_ ? batchVariance_ : runningVariance_, diffDst, training_, epsilon_, diffSrc,
                            diffGamma_, diffBeta_);
}

void BatchNorm::initialize(InitScheme, WeightRandom&) {
  for (float& g : gamma_.values()) g = 1.0f;
  for (float& b : beta_.values()) b = 0.0f;
}

std::vector<std::pair<std::string, Tensor*>> BatchNorm::stateTensors() {
  return {{"weights", &gamma_}, {"bias", &beta_}, {"running_mean", &runningMean_}, {"running_var", &runningVariance_}};
}

LayerKind batchNormKind() {
  LayerKind k;
  k.type = "BatchNorm";
  k.keywords = {"batchnorm", "bn"};
  k.syntax = "batchnorm (or bn): normalize each channel over the batch";
  k.load = [](const LayerFields& f, const std::string& name) {
    return std::unique_ptr<Layer>(std::make_unique<BatchNorm>(name, f.integer("channels"), f.number("epsilon", 1e-5f),
                                                              f.number("momentum", 0.1f)));
  };
  k.plan = [](const LayerListLine& line) {
    line.needImage();
    line.options(1, {});
    PlannedLayer p;
    p.name = line.names.next("bn");
    p.description = "BatchNorm '" + p.name + "' " + std::to_string(line.in[0]);
    p.output = line.in;
    p.parameters = 2 * line.in[0];
    p.make = [name = p.name, channels = line.in[0]] {
      return std::unique_ptr<Layer>(std::make_unique<BatchNorm>(name, channels));
    };
    return p;
  };
  return k;
}

void BatchNorm::writeOnnx(OnnxWriter& onnx, const std::vector<std::string>& inputs, const std::string& output,
                          const ChannelAffine* after) const {
  if (after) Layer::writeOnnx(onnx, inputs, output, after);
  onnx.initializer(name() + ".weight", {channels_}, gamma_.values());
  onnx.initializer(name() + ".bias", {channels_}, beta_.values());
  onnx.initializer(name() + ".running_mean", {channels_}, runningMean_.values());
  onnx.initializer(name() + ".running_var", {channels_}, runningVariance_.values());
  onnx.node("BatchNormalization", name(),
            {inputs[0], name() + ".weight", name() + ".bias", name() + ".running_mean", name() + ".running_var"},
            output, {{"epsilon", epsilon_}, {"momentum", 1.0f - momentum_}});
}

bool BatchNorm::foldedAffine(ChannelAffine& affine) const { // y = γ(x − μ)/√(σ² + ε) + β
  affine.scale.resize(size_t(channels_));
  affine.shift.resize(size_t(channels_));
  for (int64_t c = 0; c < channels_; ++c) {
    const double scale = double(gamma_.values()[size_t(c)]) /
                         std::sqrt(double(runningVariance_.values()[size_t(c)]) + double(epsilon_));
    affine.scale[size_t(c)] = scale;
    affine.shift[size_t(c)] = double(beta_.values()[size_t(c)]) - double(runningMean_.values()[size_t(c)]) * scale;
  }
  return true;
}

} // namespace convscope
