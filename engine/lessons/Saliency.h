// Saliency: which input pixels a trained model's class score depends on ("why did it say
// 7?") for one image, three ways: the input gradient, Grad-CAM and occlusion; and the map
// carried back onto the original image and drawn over it. Shared by the command line and
// the window. Not for: training, or batches of images (one image at a time).
//
// Maps are (H, W) at the model's input size (rows, columns). The class score is the logit
// (the input of a final Softmax layer), else the network's output.
#pragma once

#include "engine/network/Network.h"
#include "engine/training/Preprocess.h"
#include "engine/core/Tensor.h"
#include "engine/backend/Backend.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace convscope {

enum class SaliencyMethod {
  Gradient,  // ∂score/∂input: one channel signed; several, the largest |∂score/∂x| over the channels
  GradCam,   // Selvaraju et al. 2017: ReLU(Σ_k α_k A_k), α_k = mean of ∂score/∂A_k, upsampled bilinearly
  Occlusion, // Zeiler & Fergus 2014: the mean drop of the score when a grey square covers the pixel
};

struct SaliencyOptions {
  SaliencyMethod method = SaliencyMethod::Gradient;
  int64_t classIndex = -1; // -1: the predicted class
  // Grad-CAM: the layer whose output A (1, K, h, w) is weighted. Any layer with feature maps;
  // empty = the last Conv2D layer whose maps are larger than 1x1 (a 1x1 map cannot say where),
  // else the last Conv2D layer, else the last layer with feature maps.
  std::string layer;
  int64_t patch = 0;  // occlusion: the square's side; 0 = a quarter of the input's smaller side (at least 3)
  int64_t stride = 0; // occlusion: 0 = 1 for inputs up to 32x32, else patch/4 (at least 1)
  // Occlusion: the square's value in the model's input units; NaN = the mean of the input (grey).
  float fill = std::numeric_limits<float>::quiet_NaN();
};

struct SaliencyMap {
  int64_t classIndex = 0;
  float score = 0;                                             // the class score (logit, or the output)
  float probability = std::numeric_limits<float>::quiet_NaN(); // when the network ends in Softmax
  std::string layer;                                           // Grad-CAM's layer, else empty
  Tensor map;                                                  // (H, W), the model's input size
};

// input: (1, C, H, W), already preprocessed as the model expects. Runs forward and backward
// passes on `network` (its kept outputs and its gradients are overwritten). Throws
// std::invalid_argument naming the problem: "class 12 is out of range: the model has 10
// classes", an unknown or map-less Grad-CAM layer (naming the Conv2D layers), an input of
// the wrong shape, an occlusion patch larger than the input.
SaliencyMap computeSaliency(Network& network, Backend& backend, const Tensor& input, const SaliencyOptions& options);

// The layers Grad-CAM can weigh, in order: the network's convolutions.
std::vector<std::string> gradCamLayers(const Network& network);

std::string saliencyMethodName(SaliencyMethod method); // "gradient", "gradcam", "occlusion"
// Throws std::invalid_argument naming the choices.
SaliencyMethod parseSaliencyMethod(const std::string& text);

// The map (H_model, W_model) carried back onto the original image (height x width) that
// preprocessImage prepared with `p`: the centred zero padding is cut off (or the fitting
// resize undone), then the resize to the training images' size undone, bilinearly.
Tensor saliencyForImage(const Tensor& map, const Preprocess& p, int64_t height, int64_t width);

// A picture of `map` (H, W) over `image` (1, C, H, W) with values 0–255, as (1, 3, H', W')
// RGB 0–255 for saveFeatureMapImage(…, MapImageStyle::Colour): the image in dimmed grey,
// enlarged by a whole factor (nearest neighbour) to at least minWidth pixels wide (and the
// picture at least 96 tall, for the labels), the map coloured over it, and a colour bar on
// the right labelled with the values of its ends. A map with negative values is drawn
// diverging (blue negative, clear at 0, red positive, symmetric about 0); a non-negative one
// with inferno from its min to its max, more opaque where higher.
Tensor saliencyOverlay(const Tensor& image, const Tensor& map, int minWidth = 280);
// The width of the colour bar and its labels that saliencyOverlay adds on the right.
constexpr int kSaliencyLegendWidth = 96;

} // namespace convscope
