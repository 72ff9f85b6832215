// What a unit wants to see (activation maximization; Erhan et al. 2009, Olah et al. 2017): gradient
// ascent on the input image for one unit of a layer — a channel's mean over its map, or the
// channel at one position — from a seeded neutral start (each channel at the training set's mean,
// where the model's normalization puts zero; grey for a model that states no normalization) with a
// little noise, each step a move along the gradient normalized by its mean magnitude (the step's
// size falling linearly from the rate to a tenth of it, so that the ascent settles), clamped to
// the [0, 1] pixel scale. A unit whose gradient is zero at the start (a ReLU that is off for the
// whole neutral image) is restarted from ever noisier images until it answers. The regularizers
// are switches: L2 decay towards the start's centre, a Gaussian blur every few steps, random
// jitter (the image shifted by a few pixels before each step, so that the result does not hang on
// one exact alignment), random scaling and rotation (`transform`: with jitter, Olah et al.'s
// transformation robustness; the step's gradient goes back through the warp's exact adjoint), and
// the decorrelated parameterization of Olah et al. (`fourier`): the
// image's parameters are its Fourier coefficients scaled by 1/frequency (and, for RGB, its colours
// in a decorrelated basis), which for gradient ascent is the same as filtering each step's
// gradient by 1/frequency² in the Fourier domain (and by the colour covariance) — the step is
// taken that way, in pixels, so that the clamp and the other switches act as before.
// Dataset examples: the images of a dataset that excite the same unit most, each with the patch of
// the input its strongest position sees (its theoretical receptive field, clipped to the image).
// The model's normalization is applied inside, as for the attacks.
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"
#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace convscope {

struct VisualizeOptions {
  size_t node = 0;      // the layer
  int64_t channel = 0;  // its channel (a feature map, or a fully connected unit)
  int64_t y = -1, x = -1; // one position; −1: the channel's mean over its map
  int steps = 128;
  double rate = 0.05;   // the first step's size on the [0, 1] scale (per unit of mean gradient magnitude)
  uint64_t seed = 1;
  bool l2 = false;      // decay towards the start's centre m: x −= rate·l2Weight·(x − m)
  double l2Weight = 0.05;
  bool blur = false;    // a Gaussian blur (σ blurSigma) every blurEvery steps
  int blurEvery = 4;
  double blurSigma = 0.5;
  bool jitter = false;  // a random shift of up to jitterPixels before each step
  int jitterPixels = 2;
  bool transform = false; // random scale (1 ± scaleRange) and rotation (± rotateDegrees) before each step
  double scaleRange = 0.1, rotateDegrees = 10.0;
  bool fourier = false; // the decorrelated (Fourier, colour) parameterization
  // Called after each step with its number (from 1), the image and the activation; returning
  // false ends the ascent there (a window's newer request). Empty: none.
  std::function<bool(int step, const Tensor& image, double activation)> progress;
  // The reason these cannot work on `network`, in words with the numbers, or "".
  std::string problem(const Network& network) const;
};

struct VisualizeResult {
  Tensor image; // (1, C, H, W) on the [0, 1] scale
  double activationStart = 0.0, activationEnd = 0.0;
  std::vector<double> activations; // after each step
  int restarts = 0;                 // noisier starts taken because the unit was off for the whole start
};

// The ascent a step at a time, so that a caller can borrow the network for each step alone (the
// window's Probe lets the live maps run between its steps). The first step() measures the start;
// each one after takes a step (or a restart) and returns the activation after it.
class UnitAscent {
public:
  // Throws std::invalid_argument naming the problem (VisualizeOptions::problem); the options'
  // progress callback is not called (the caller steps).
  UnitAscent(const Network& network, const Preprocess& preprocess, VisualizeOptions options);
  double step(Network& network, Backend& backend);
  bool done() const { return started_ && taken_ >= o_.steps; }
  int stepsTaken() const { return taken_; }
  const Tensor& image() const { return x_; }
  VisualizeResult result() const; // so far

private:
  VisualizeOptions o_;
  Preprocess preprocess_;
  std::mt19937_64 random_;
  std::vector<float> centre_;
  Tensor x_;
  VisualizeResult result_;
  int taken_ = 0;
  bool started_ = false, answered_ = false;
};

// The unit's activation (as VisualizeOptions names it) for an image (1, C, H, W) on the [0, 1] scale.
double unitActivation(Network& network, Backend& backend, const Preprocess& preprocess, const Tensor& image,
                      const VisualizeOptions& unit);
// Throws std::invalid_argument naming the problem (VisualizeOptions::problem).
VisualizeResult visualizeUnit(Network& network, Backend& backend, const Preprocess& preprocess,
                              const VisualizeOptions& options);

// The transformation robustness's warp: an image (1, C, H, W) scaled by `scale` and turned by
// `degrees` about its centre, sampled bilinearly (outside the image: `pad`, one value a channel),
// and the adjoint of the same warp for a gradient — exactly the way back (⟨warp(x), g⟩ =
// ⟨x, warpGradient(g)⟩ with the padding 0). Exposed for their test.
Tensor warpImage(const Tensor& image, double scale, double degrees, const std::vector<float>& pad);
Tensor warpGradient(const Tensor& gradient, double scale, double degrees);

// The decorrelated parameterization's step, in pixels, for a gradient (1, C, H, W) in place: each
// channel filtered by 1/max(f, 1/max(H, W))² in the Fourier domain, then (RGB) mixed by the colour
// covariance. What `fourier` does to each step; exposed for its test.
void decorrelateGradient(Tensor& gradient);

// One of a unit's dataset examples: the image, its activation, and the patch (in the model's input
// cells, clipped to the image) that the unit's strongest position sees.
struct DatasetExample {
  size_t index = 0; // in the dataset
  int label = 0;
  double activation = 0.0;
  int64_t y = 0, x = 0;          // the strongest position in the unit's map (0, 0 for a whole-image unit)
  int64_t top = 0, left = 0, height = 0, width = 0; // the patch
  Tensor image;                  // (1, C, H, W) of the model's input size, on the [0, 1] scale
};
// The k images of the first maxImages (0: all) of `data` with the highest activation of the unit
// (VisualizeOptions' node, channel, y, x), highest first. Throws std::invalid_argument naming the
// problem (a unit out of range, k not from 1 to 1000, images the model cannot read).
std::vector<DatasetExample> topDatasetExamples(Network& network, Backend& backend, const Preprocess& preprocess,
                                               const Dataset& data, const VisualizeOptions& unit, int k,
                                               size_t maxImages = 0);
// The same for several channels of the unit's layer at once (one pass over the images): one list
// per channel, in the order given.
std::vector<std::vector<DatasetExample>> topDatasetExamples(Network& network, Backend& backend,
                                                            const Preprocess& preprocess, const Dataset& data,
                                                            const VisualizeOptions& unit,
                                                            const std::vector<int64_t>& channels, int k,
                                                            size_t maxImages = 0);

} // namespace convscope
