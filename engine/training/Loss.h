// Classification losses on the scores (logits) that feed a network's final softmax, with
// their gradient with respect to those scores:
//   cross-entropy     L = mean_n ( log Σ_k e^{z_nk} − z_n,y )         ∂L/∂z = (p − onehot)/N
//   half squared error (the lecture's "total error")
//                     L = mean_n ½ Σ_k (t_nk − p_nk)²                 ∂L/∂z = p ⊙ (g − Σ g⊙p)/N, g = p − t
// Working from the logits keeps cross-entropy finite where a probability underflows.
// Not for: regression losses; the engine trains classifiers.
#pragma once

#include "engine/core/Tensor.h"

#include <string>
#include <vector>

namespace convscope {

enum class LossKind { CrossEntropy, HalfSquaredError };
std::string toString(LossKind kind);                  // "ce", "mse"
LossKind lossKindFromString(const std::string& text); // "ce" | "cross-entropy" | "mse"

struct LossResult {
  double loss = 0.0;   // mean over the batch
  int64_t correct = 0; // samples (pixels, for segmentation) whose highest score is their label
  int64_t counted = 0; // what `correct` is out of: the samples (the labelled pixels)
};

// logits (N, K), labels N values in [0, K). diffLogits (N, K) receives ∂L/∂logits when not null.
// Throws std::invalid_argument for a label outside [0, K).
LossResult classificationLoss(LossKind kind, const Tensor& logits, const std::vector<int>& labels, Tensor* diffLogits);

// The lecture's total error for one sample's probabilities (1, K) and one-hot target:
// E = Σ ½ (target − output)², and ∂E/∂p = p − t into diffProbabilities (1, K) when not null.
// (The worked example: [0.2, 0.4, 0.1, 0.3] against class 2 → 0.55.) The half squared error
// above is this, averaged over the batch and carried back through the softmax.
double halfSquaredError(const Tensor& probabilities, int target, Tensor* diffProbabilities);

} // namespace convscope
