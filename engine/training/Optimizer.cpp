// SGD, Adam and weight initialization.
#include "engine/training/Optimizer.h"

#include "engine/network/Network.h"

#include <cmath>
#include <random>
#include <stdexcept>

namespace convscope {

std::string toString(OptimizerKind kind) { return kind == OptimizerKind::Sgd ? "sgd" : "adam"; }

OptimizerKind optimizerKindFromString(const std::string& text) {
  if (text == "sgd") return OptimizerKind::Sgd;
  if (text == "adam") return OptimizerKind::Adam;
  throw std::invalid_argument("unknown optimizer '" + text + "' (expected sgd or adam)");
}

std::string OptimizerConfig::problem() const {
  auto number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return std::string(text);
  };
  if (!(learningRate > 0) || !std::isfinite(learningRate))
    return "learning rate " + number(learningRate) + " must be a positive number";
  if (!(momentum >= 0 && momentum < 1)) return "momentum " + number(momentum) + " must be in [0, 1)";
  if (!(weightDecay >= 0) || !std::isfinite(weightDecay))
    return "weight decay " + number(weightDecay) + " must not be negative";
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) return "Adam's betas must be in [0, 1)";
  if (stepEvery < 0) return "the schedule's step " + std::to_string(stepEvery) + " must not be negative";
  if (!(stepGamma > 0 && stepGamma <= 1)) return "the schedule's gamma " + number(stepGamma) + " must be in (0, 1]";
  return {};
}

double OptimizerConfig::rateAtEpoch(int epoch) const {
  return stepEvery > 0 ? learningRate * std::pow(stepGamma, epoch / stepEvery) : learningRate;
}

Optimizer::Optimizer(OptimizerConfig config, std::vector<Tensor*> parameters)
    : config_(config), parameters_(std::move(parameters)) {
  if (std::string p = config_.problem(); !p.empty()) throw std::invalid_argument("optimizer: " + p);
  for (Tensor* p : parameters_) {
    first_.emplace_back(p->shape());
    if (config_.kind == OptimizerKind::Adam) second_.emplace_back(p->shape());
  }
}

void Optimizer::setState(const OptimizerState& state) {
  if (state.first.size() != first_.size() || state.second.size() != second_.size())
    throw std::invalid_argument("optimizer state: " + std::to_string(state.first.size()) + " and " +
                                std::to_string(state.second.size()) + " tensors for an optimizer with " +
                                std::to_string(first_.size()) + " and " + std::to_string(second_.size()));
  for (size_t i = 0; i < first_.size(); ++i)
    if (state.first[i].shape() != first_[i].shape() ||
        (i < second_.size() && state.second[i].shape() != second_[i].shape()))
      throw std::invalid_argument("optimizer state: tensor " + std::to_string(i + 1) + " is " +
                                  state.first[i].shape().toString() + ", the parameter " +
                                  first_[i].shape().toString());
  if (state.steps < 0) throw std::invalid_argument("optimizer state: a negative step count");
  steps_ = state.steps;
  first_ = state.first;
  second_ = state.second;
}

void Optimizer::step(const std::vector<Tensor*>& gradients, int epoch) {
  if (gradients.size() != parameters_.size())
    throw std::invalid_argument("optimizer: " + std::to_string(gradients.size()) + " gradients for " +
                                std::to_string(parameters_.size()) + " parameters");
  ++steps_;
  const float rate = static_cast<float>(config_.rateAtEpoch(epoch));
  const float decay = static_cast<float>(config_.weightDecay);
  for (size_t t = 0; t < parameters_.size(); ++t) {
    float* w = parameters_[t]->data();
    const float* g = gradients[t]->data();
    float* m = first_[t].data();
    const int64_t n = parameters_[t]->size();
    if (config_.kind == OptimizerKind::Sgd) {
      // PyTorch: v = μ·v + (g + λ·w); w −= η·v
      const float mu = static_cast<float>(config_.momentum);
      for (int64_t i = 0; i < n; ++i) {
        m[i] = mu * m[i] + g[i] + decay * w[i];
        w[i] -= rate * m[i];
      }
    } else {
      // PyTorch's Adam: moments of (g + λ·w), bias-corrected.
      const float b1 = static_cast<float>(config_.beta1), b2 = static_cast<float>(config_.beta2);
      const float c1 = static_cast<float>(1 - std::pow(config_.beta1, double(steps_)));
      const float c2 = static_cast<float>(1 - std::pow(config_.beta2, double(steps_)));
      const float eps = static_cast<float>(config_.epsilon);
      float* v = second_[t].data();
      for (int64_t i = 0; i < n; ++i) {
        const float grad = g[i] + decay * w[i];
        m[i] = b1 * m[i] + (1 - b1) * grad;
        v[i] = b2 * v[i] + (1 - b2) * grad * grad;
        w[i] -= rate * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
      }
    }
  }
}

std::string toString(InitScheme scheme) {
  switch (scheme) {
  case InitScheme::Auto: return "auto";
  case InitScheme::He: return "he";
  case InitScheme::Glorot: return "glorot";
  case InitScheme::LeCun: return "lecun";
  }
  return "?";
}

InitScheme initSchemeFromString(const std::string& text) {
  if (text == "auto") return InitScheme::Auto;
  if (text == "he") return InitScheme::He;
  if (text == "glorot" || text == "xavier") return InitScheme::Glorot;
  if (text == "lecun") return InitScheme::LeCun;
  throw std::invalid_argument("unknown initialization '" + text + "' (expected auto, he, glorot or lecun)");
}

// Portable draws: std::*_distribution differ between standard libraries, so build
// uniform and normal values from the raw 64-bit engine ourselves.
double WeightRandom::normal() {
  const double u1 = 1.0 - uniform(), u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

void fillWeights(Tensor& weights, InitScheme scheme, double fanIn, double fanOut, WeightRandom& random) {
  if (scheme == InitScheme::Glorot) {
    const double limit = std::sqrt(6.0 / (fanIn + fanOut));
    for (float& w : weights.values()) w = static_cast<float>((2 * random.uniform() - 1) * limit);
    return;
  }
  const double stddev = std::sqrt((scheme == InitScheme::He ? 2.0 : 1.0) / fanIn);
  for (float& w : weights.values()) w = static_cast<float>(random.normal() * stddev);
}

void initialize(Network& network, InitScheme scheme, uint64_t seed) {
  if (scheme == InitScheme::Auto) {
    scheme = InitScheme::LeCun; // as LeCun initialized his tanh LeNets
    for (size_t i = 0; i < network.size(); ++i)
      if (network.layer(i).wantsHeInitialization()) scheme = InitScheme::He;
  }
  WeightRandom random{std::mt19937_64(seed)};
  for (size_t i = 0; i < network.size(); ++i) network.layer(i).initialize(scheme, random);
}

} // namespace convscope
