// How one output of a pooling, fully-connected or softmax layer was computed, term by term,
// and the arithmetic as a teacher writes it (the convolution's is explainConv2d, beside the
// loops it mirrors in ReferenceBackend.h). Not for: computing whole layers (backends do).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/NumberText.h"
#include "engine/core/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

// One cell of a pooling window: input(row, col), or padding when row or col is outside the input.
struct PoolCell {
  int64_t row = 0, col = 0; // input coordinates
  float value = 0.0f;       // 0 for padding
  bool padding = false;
};

// How dst(batch, channel, row, col) of a pooling layer was computed.
struct PoolExplanation {
  int64_t batch = 0, channel = 0, row = 0, col = 0;
  PoolMode mode = PoolMode::Max;
  std::vector<PoolCell> cells; // the window, row by row
  // Average: kernelH·kernelW, padding cells included (they count as zeros, as
  // ReferenceBackend::pool2dForward and PyTorch's count_include_pad do). 1 for max and sum.
  int64_t divisor = 1;
  int64_t maxCell = -1; // max: index in cells of the first largest input cell (padding is ignored); -1 otherwise
  float value = 0.0f;
};

// Throws std::invalid_argument naming the position and the output size when it is outside.
PoolExplanation explainPool2d(const Pool2DGeometry& g, const Tensor& src, int64_t batch, int64_t channel, int64_t row,
                              int64_t col);

// "max(29, 15, 0, 100) = 100" (padding left out), "(31 + 15 + 0 + 100) / 4 = 36.5",
// "6 + 6 + 5 + 5 = 22" (padding written as 0 in both).
std::string poolExplanationText(const PoolExplanation& e, int digits = 0); // digits > 0: formatSlide

// One product of a fully-connected output: weight · input.
struct DenseTerm {
  float input = 0.0f;  // x_i
  float weight = 0.0f; // w_i = weights(output, i)
};

// How dst(batch, output) = Σ_i w_i·x_i + bias of a fully-connected layer was computed.
struct DenseExplanation {
  int64_t batch = 0, output = 0;
  std::vector<DenseTerm> terms; // one per input feature, in order
  double sum = 0.0;             // Σ w_i·x_i, accumulated in double (without the bias)
  bool hasBias = false;
  float bias = 0.0f;
  float value = 0.0f; // as ReferenceBackend::denseForward computes it
};

// src (N, F), weights (K, F), bias (K) or null. Throws std::invalid_argument for shapes that
// do not fit or a batch or output outside them, naming the numbers.
DenseExplanation explainDense(const Tensor& src, const Tensor& weights, const Tensor* bias, int64_t batch,
                              int64_t output);

// "z1 = 0.12·3 + (−0.4)·(−1) + … (400 products in all)\n   = 5.25 + bias (−0.1) = 5.15":
// the first maxTerms products (weight·input), then the sum, the bias and the value.
// digits = 0 writes every number exactly (formatNumber); digits > 0 rounds them to that many
// significant digits and says so ("(400 products in all; numbers to 4 digits)").
std::string denseExplanationText(const DenseExplanation& e, const std::string& outputName, int maxTerms = 8,
                                 int digits = 0);

// logits (1, K) and probabilities (1, K) (the softmax of the logits, as the network computed
// it); outputNames names the K outputs ("p1", "p(cat)"; empty: "p1" … "pK"). Writes
//   softmax: p_k = e^z_k / Σ_j e^z_j
//   Σ_j e^z_j = e^2.1 + e^0.5 + … = 10.18
//   p1 = e^2.1 / 10.18 = 0.802
// Logits too large to exponentiate in float are shifted by their maximum m, as the
// backends compute it: e^(z_k − m) / Σ_j e^(z_j − m). Throws std::invalid_argument for
// shapes or names that do not fit.
std::string softmaxExplanationText(const Tensor& logits, const Tensor& probabilities,
                                   const std::vector<std::string>& outputNames, int digits = 0);

// One cell of an activation: its formula, the input put in, and the value y as the backend
// computed it (passed in: the text never recomputes), numbers to `digits` significant digits:
//   "ReLU(x) = max(0, x) = max(0, −3) = 0"
//   "tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ) = tanh(0.5) = 0.462"
//   "σ(x) = 1 / (1 + e⁻ˣ) = 1 / (1 + e^(−0.5)) = 0.378"
// (leaky ReLU with its slope alpha; none: "no activation: y = x = …").
std::string activationExplanationText(ActivationKind kind, float alpha, float x, float y, int digits = 3);
// The formula alone, as the plot's legend and the stepper's heading write it: "max(0, x)".
std::string activationFormula(ActivationKind kind, float alpha);


} // namespace convscope
