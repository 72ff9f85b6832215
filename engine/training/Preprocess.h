// Turning 8-bit dataset images into a model's float input, the same way in training,
// evaluation and prediction: convert channels (gray ↔ RGB), fit the size (zero-pad
// centred when smaller, as LeCun padded 28x28 digits to 32x32; resize when larger), then
// normalize each channel with the training set's mean and standard deviation.
// Not for: augmentation.
#pragma once

#include "engine/training/Dataset.h"
#include "engine/core/Tensor.h"

#include <random>
#include <string>
#include <vector>

namespace convscope {

struct Preprocess {
  int channels = 1, height = 32, width = 32;   // the model's input
  int sourceHeight = 28, sourceWidth = 28;     // the training images' size (predict resizes to it first)
  std::vector<float> mean{0.0f}, stddev{1.0f}; // per channel, on the [0, 1] scale
  // A single image (preprocessImage) first has its shorter side resized to this many pixels,
  // the aspect kept, then its centre cropped to the source size: torchvision's Resize(N) and
  // CenterCrop (its ImageNet classifiers: 256, then 224×224). 0: the whole image resized.
  int resize = 0;
};

// The preprocessing for a model input (C, H, W) trained on `train`: statistics from its pixels.
Preprocess preprocessFor(const Shape& modelInput, const Dataset& train);

// For a model that does not say how its images were prepared (an imported ONNX file, an
// untrained network): resize to the input (C, H, W) and scale to [0, 1].
Preprocess plainPreprocess(const Shape& modelInput);

// Fills batch (count, C, H, W) and labels from the images at indices[0..count), and `pixels`
// (count·H·W classes, row by row) from their masks when given: segmentation data, whose images
// must be the model's size (a mask is not padded or resized; std::invalid_argument otherwise).
void makeBatch(const Dataset& data, const size_t* indices, size_t count, const Preprocess& p, Tensor& batch,
               std::vector<int>& labels, std::vector<uint8_t>* pixels = nullptr);

// One image (1, C, H, W) with values 0–255, in any size: resized to the training images'
// size, then fitted and normalized like a batch. Returns (1, C_model, H_model, W_model).
Tensor preprocessImage(const Tensor& image, const Preprocess& p);

// A typed matrix (1, C, H, W) for a model: its values as written — no rounding to 8 bits, no
// division by 255, no normalization (a matrix is the network's input) — with its channels
// converted (gray repeated, RGB averaged) and its size resized to the model's input when they
// differ. An image goes through preprocessImage instead.
Tensor prepareMatrix(const Tensor& matrix, const Preprocess& p);
// preprocessImage for an image, prepareMatrix for a matrix.
Tensor prepareInput(const Tensor& input, const Preprocess& p, bool matrix);

// torchvision's ImageNet normalization: its transforms' mean and standard deviation per RGB
// channel, on the [0, 1] scale (what every pretrained torchvision classifier was trained with).
const std::vector<float>& imageNetMean();
const std::vector<float>& imageNetStd();
// torchvision's ImageNet resize for a model's input: its shorter side to 256 for 224×224, in
// proportion for other sizes (342 for Inception v3's 299×299, as torchvision has it).
int imageNetResize(const Preprocess& p);

// "0.485,0.456,0.406" as one value a channel of a model of `channels` input channels (one value
// serves every channel), checked: a number each, finite, from −10 to 10, and above 0 when
// `positive` (a standard deviation). `what` names them in errors ("--std: 3 values for a model
// of 1 input channel"). Throws std::invalid_argument.
std::vector<float> channelValues(const std::string& text, int channels, bool positive, const std::string& what);
// The preprocessing with another normalization (checked as channelValues checks).
Preprocess withNormalization(Preprocess p, std::vector<float> mean, std::vector<float> stddev);
// Where a single image of height × width lands with p.resize: scaled to scaledH × scaledW (the
// shorter side to p.resize, the longer truncated as torchvision's Resize), then the source-size
// centre taken from (top, left) as torchvision's CenterCrop. std::invalid_argument when that
// centre does not fit. Meaningless when p.resize is 0.
struct ResizeCrop {
  int scaledH = 0, scaledW = 0, top = 0, left = 0;
};
ResizeCrop resizeCrop(const Preprocess& p, int64_t height, int64_t width);
// The preprocessing with a resize before the centre crop (Preprocess::resize): 0, or at least the
// source size on both axes and at most 16384 ("--resize 200 is smaller than the model's 224×224
// input: its centre would not fit"). `what` names it in errors. Throws std::invalid_argument.
Preprocess withResize(Preprocess p, int64_t resize, const std::string& what = "resize");
// "mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225", or "none ([0, 1])"; with a resize,
// "; shorter side to 256, centre 224×224".
std::string normalizationText(const Preprocess& p);

// Images (N, C, H, W) on the [0, 1] scale at the model's size → the model's input: each channel's
// (x − mean) / deviation, NCHW. And a gradient with respect to that input carried back to the
// [0, 1] images (÷ deviation), in place. For the methods that change pixels (attacks, feature
// visualization).
Tensor normalizeImages(const Tensor& images, const Preprocess& p);
void gradientToImages(Tensor& gradient, const Preprocess& p);
// The same preparation without the normalization (mean 0, deviation 1): images on the [0, 1] scale
// at the model's size, for the methods above to normalize themselves.
Preprocess withoutNormalization(const Preprocess& p);

// A shuffled order of 0..n−1 for each epoch, deterministic for the seed.
std::vector<size_t> shuffledOrder(size_t n, std::mt19937_64& random);

} // namespace convscope
