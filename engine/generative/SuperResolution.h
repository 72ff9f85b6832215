// Super-resolution, the GAN application on the digits: a generator that reads an image shrunk f
// times (a 28×28 digit averaged over 2×2 blocks to 14×14) and makes the whole one again. Trained
// two ways (GanStep with a generator that reads images): with the plain reconstruction loss alone
// (the pixels' mean squared error to the real image — adversarial weight 0: the discriminator
// trains beside it but the generator does not listen) and with the discriminator's loss added,
// SRGAN's idea. The plain one's best guess at an uncertain stroke is the average of the strokes
// that could be there — grey; the adversarial one is pushed towards strokes a discriminator
// cannot tell from real ones. Here: the shrinking, the non-learned baseline (bicubic), PSNR and
// the figures that set the two side by side.
// Not for: the step that trains them (Gan.h), the images' preparation (Preprocess.h).
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"
#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"

#include <cstdint>
#include <vector>

namespace convscope {

// Does the generator read images (C, h, w), a super-resolution generator, rather than noise (L)?
bool readsImages(const Network& generator);

// images (N, C, H, W) shrunk to (N, C, height, width) by averaging over (H/height)×(W/width) blocks
// (OpenCV's area interpolation); H and W must be whole multiples. NCHW out.
Tensor shrinkImages(const Tensor& images, int64_t height, int64_t width);
// images (N, C, h, w) enlarged to (N, C, height, width) by bicubic interpolation (OpenCV's),
// clamped to [0, 1]: the baseline that learns nothing. NCHW out.
Tensor bicubicImages(const Tensor& images, int64_t height, int64_t width);

// The mean of (made − real)² over `count` values.
double meanSquaredError(const float* made, const float* real, int64_t count);
// images (N, C, h, w) shown at (N, C, height, width), each pixel a block (nearest neighbour): what an
// upscaler was given, at the size of what it makes. NCHW out.
Tensor blockImages(const Tensor& images, int64_t height, int64_t width);

// Peak signal-to-noise ratio of `made` against `real` on the [0, 1] scale, in dB:
// 10·log₁₀(1 / MSE); 99 when they are equal, NaN when a value is not finite.
double psnr(const float* made, const float* real, int64_t count);
// Each image's PSNR: made and real (N, …) of one shape, NCHW.
std::vector<double> psnrPerImage(const Tensor& made, const Tensor& real);
// The share of pixels strictly between 0.25 and 0.75: neither ink nor paper, what blur makes.
double midtoneShare(const float* pixels, int64_t count);

// The generator's images (N, C, H, W) from images (N, C, h, w) of its input size, in evaluation,
// clamped to [0, 1].
Tensor upscaleImages(Network& generator, Backend& backend, const Tensor& small);

// One upscaler judged on (the first maxImages of) held-out digits: each real digit shrunk to the
// generator's input, made whole again, and compared with the real one (and the bicubic
// baseline's).
struct UpscalingEvaluation {
  int64_t count = 0;
  double psnr = 0.0, bicubicPsnr = 0.0;                             // mean over the images, dB
  double midtones = 0.0, bicubicMidtones = 0.0, realMidtones = 0.0; // midtoneShare over all their pixels
  // The discriminator's mean probability of "real" on the made images (a discriminator given).
  bool judged = false;
  double realScore = 0.0;
  // The classifier's accuracy on the made images, the bicubic ones and the real ones against the
  // digits' labels (a classifier given).
  bool read = false;
  double accuracy = 0.0, bicubicAccuracy = 0.0, realAccuracy = 0.0;
};
// data's images prepared by `preprocess` (the discriminator's, on the [0, 1] scale); the
// classifier (optional) reads them through its own preprocessing. Throws std::invalid_argument
// when the generator reads no images or the sizes do not fit.
UpscalingEvaluation evaluateUpscaling(Network& generator, Network* discriminator, Backend& backend, const Dataset& data,
                                      const Preprocess& preprocess, Network* classifier = nullptr,
                                      const Preprocess* classifierPreprocess = nullptr, size_t maxImages = 0);

} // namespace convscope
