// Weight updates from gradients: SGD with momentum and weight decay, and Adam, both as
// PyTorch defines them, with a constant or step learning-rate schedule; and the weight
// initializations (He, Glorot, LeCun). Not for: computing gradients.
#pragma once

#include "engine/core/Tensor.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace convscope {

class Network;

enum class OptimizerKind { Sgd, Adam };
std::string toString(OptimizerKind kind); // "sgd", "adam"
OptimizerKind optimizerKindFromString(const std::string& text);

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  double learningRate = 0.05;
  double momentum = 0.9;                             // SGD
  double weightDecay = 0.0;                          // L2, added to the gradient
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8; // Adam
  int stepEvery = 0;                                 // step schedule: every this many epochs (0 = constant rate)...
  double stepGamma = 0.1;                            // ...multiply the rate by this

  // The reason the configuration cannot train, in words, or "".
  std::string problem() const;
  double rateAtEpoch(int epoch) const; // epoch from 0
};

// What an optimizer carries from step to step: SGD's velocities or Adam's two moments, and
// the step count (Adam's bias correction). A checkpoint saves it so training resumes exactly.
struct OptimizerState {
  int64_t steps = 0;
  std::vector<Tensor> first, second;
};

class Optimizer {
public:
  Optimizer(OptimizerConfig config, std::vector<Tensor*> parameters);
  // One update from the gradients (same order and shapes as the parameters).
  void step(const std::vector<Tensor*>& gradients, int epoch);
  const OptimizerConfig& config() const { return config_; }
  OptimizerState state() const { return {steps_, first_, second_}; }
  // SGD's velocities (Adam's first moments), one per parameter in order: what the next step
  // builds on (the backward lesson writes them out).
  const std::vector<Tensor>& velocities() const { return first_; }
  // Throws std::invalid_argument naming the tensor when the state is another optimizer's.
  void setState(const OptimizerState& state);

private:
  OptimizerConfig config_;
  std::vector<Tensor*> parameters_;
  std::vector<Tensor> first_, second_; // momentum / Adam moments
  int64_t steps_ = 0;
};

enum class InitScheme { Auto, He, Glorot, LeCun };
std::string toString(InitScheme scheme); // "auto", "he", "glorot", "lecun"
InitScheme initSchemeFromString(const std::string& text);

// Fills every Conv2D and Dense weight from the scheme (fan-in/fan-out as PyTorch counts
// them: channels per group × kernel area) and zeroes the biases. He and LeCun draw from a
// normal distribution, Glorot from a uniform one; Auto is He for a network with ReLU
// activations and LeCun otherwise (as LeCun initialized his tanh LeNets). Deterministic
// for a seed, on any platform.
void initialize(Network& network, InitScheme scheme, uint64_t seed);

// The random numbers initializations draw: the same on every platform for a seed.
struct WeightRandom {
  std::mt19937_64 engine;
  double uniform() { return double(engine() >> 11) * 0x1.0p-53; } // [0, 1)
  double normal();                                                // Box–Muller
};
// Fills weights by a scheme (not Auto) for a layer of this fan-in and fan-out: He and LeCun
// from a normal distribution, Glorot from a uniform one.
void fillWeights(Tensor& weights, InitScheme scheme, double fanIn, double fanOut, WeightRandom& random);

} // namespace convscope
