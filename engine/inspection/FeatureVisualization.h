// What a unit wants to see (activation maximization; Erhan et al. 2009, Olah et al. 2017): gradient
// ascent on the input image for one unit of a layer — a channel's mean over its map, or the
// channel at one position — from a seeded grey start with a little noise, each step a move along
// the gradient normalized by its mean magnitude, clamped to the [0, 1] pixel scale. The
// regularizers are switches: L2 decay towards grey, a Gaussian blur every few steps, and random
// jitter (the image shifted by a few pixels before each step, so that the result does not hang on
// one exact alignment). The model's normalization is applied inside, as for the attacks.
// Not for: the Fourier (decorrelated) parameterization, not written yet; dataset examples.
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"
#include "engine/training/Preprocess.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

struct VisualizeOptions {
  size_t node = 0;      // the layer
  int64_t channel = 0;  // its channel (a feature map, or a fully connected unit)
  int64_t y = -1, x = -1; // one position; −1: the channel's mean over its map
  int steps = 128;
  double rate = 0.05;   // each step's size on the [0, 1] scale (per unit of mean gradient magnitude)
  uint64_t seed = 1;
  bool l2 = false;      // decay towards grey: x −= rate·l2Weight·(x − ½)
  double l2Weight = 0.05;
  bool blur = false;    // a Gaussian blur (σ blurSigma) every blurEvery steps
  int blurEvery = 4;
  double blurSigma = 0.5;
  bool jitter = false;  // a random shift of up to jitterPixels before each step
  int jitterPixels = 2;
  // The reason these cannot work on `network`, in words with the numbers, or "".
  std::string problem(const Network& network) const;
};

struct VisualizeResult {
  Tensor image; // (1, C, H, W) on the [0, 1] scale
  double activationStart = 0.0, activationEnd = 0.0;
  std::vector<double> activations; // after each step
};

// The unit's activation (as VisualizeOptions names it) for an image (1, C, H, W) on the [0, 1] scale.
double unitActivation(Network& network, Backend& backend, const Preprocess& preprocess, const Tensor& image,
                      const VisualizeOptions& unit);
// Throws std::invalid_argument naming the problem (VisualizeOptions::problem).
VisualizeResult visualizeUnit(Network& network, Backend& backend, const Preprocess& preprocess,
                              const VisualizeOptions& options);

} // namespace convscope
