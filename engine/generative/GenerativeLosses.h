// The losses of the generative models, on a batch, each with its gradient:
//   Bernoulli reconstruction (binary cross-entropy on the logits of sigmoid outputs, the targets
//   pixel values in [0, 1]), in nats per image — summed over an image's pixels, averaged over the
//   batch (pytorch/examples' VAE):
//     L = (1/N) Σ_n Σ_i [max(z, 0) − z·t + log(1 + e^{−|z|})]      ∂L/∂z = (sigmoid(z) − t) / N
//   KL divergence of a diagonal Gaussian N(μ, σ²) to N(0, I), the input of a Sample layer
//   [μ | log σ²] (N, 2L), nats per image:
//     KL = (1/N) Σ_n −½ Σ_j (1 + log σ² − μ² − σ²)      ∂KL/∂μ = μ / N    ∂KL/∂log σ² = ½(σ² − 1) / N
// Working from the logits keeps the cross-entropy finite where a sigmoid saturates.
// Not for: classification (Loss.h), segmentation (Segmentation.h), detection (DetectionLoss.h).
#pragma once

#include "engine/core/Tensor.h"

namespace convscope {

// logits and targets of the same shape (N, …), NCHW; diffLogits (the logits' shape) receives
// ∂L/∂logits when not null. Throws std::invalid_argument when the shapes differ or a target is
// outside [0, 1].
double bernoulliLoss(const Tensor& logits, const Tensor& targets, Tensor* diffLogits);

// meanLogVariance (N, 2L); diff (its shape) receives ∂KL/∂meanLogVariance added to what it
// holds (the gradient already there from the decoder) when not null; `scale` multiplies the
// term and its gradient (β of a β-VAE). Throws std::invalid_argument for another shape.
double gaussianKl(const Tensor& meanLogVariance, Tensor* diff, double scale = 1.0);

} // namespace convscope
