// A trained VAE's two halves used on their own: the encoder's mean code of an image, and the
// decoder from any code to an image (a sample from the prior N(0, I), a point of the latent plane,
// a step of a walk between two codes). Images come out on the [0, 1] scale (the decoder's logits
// through a sigmoid).
// Not for: training (Trainer.h, TrainConfig::vae), the losses (GenerativeLosses.h).
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"

#include <cstdint>

namespace convscope {

// The layers after the sampling layer, as a network of their own reading a code (L), with copies
// of their weights. Throws std::invalid_argument for a network that is no VAE or not a chain
// after its sampling layer.
Network vaeDecoder(const Network& vae);
int vaeCodeSize(const Network& vae); // L

// codes (N, L) → images (N, C, H, W) in [0, 1], NCHW.
Tensor decodeCodes(Network& decoder, Backend& backend, const Tensor& codes);
// prepared images (N, C, H, W) → their mean codes μ (N, L) (the network in evaluation).
Tensor encodeMeans(Network& vae, Backend& backend, const Tensor& images);
// N codes from N(0, I), the same for the same seed (Sample.h's standardNormal).
Tensor priorCodes(int64_t count, int64_t size, uint64_t seed);
// steps codes from a to b, evenly (a and b included; steps ≥ 2): (steps, L).
Tensor codeWalk(const float* a, const float* b, int64_t size, int64_t steps);

// The plane of codes a window draws: for a code of 2 numbers the code's own axes through 0; for a
// longer one the plane through the codes' mean along the two directions they vary most in (their
// first two principal components, OpenCV's PCA), which holds `explained` of their variance.
struct LatentPlane {
  std::vector<float> origin;  // L
  std::vector<float> axes[2]; // L each, unit length
  bool principal = false;     // the principal components' plane (L > 2)
  double explained = 1.0;     // the fraction of the codes' variance in the plane
  int64_t size() const { return int64_t(origin.size()); }
  std::vector<float> code(double x, double y) const;        // the plane's point (x, y) as a code
  std::pair<double, double> point(const float* code) const; // a code projected onto the plane
};
// codes (N, L), N ≥ 3 when L > 2. Throws std::invalid_argument otherwise.
LatentPlane latentPlane(const Tensor& codes);

} // namespace convscope
