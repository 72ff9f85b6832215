// The backward pass of a convolution written out as the sums that make it, in the style of
// the forward explanation (explainConv2d: "308 + (−498) + 164 + 1 = −25"), and the lecture's
// error E = ½Σ(target − output)² for one convolution with all its gradients. Every value
// repeats the reference backend's backward loops in their order.
// Not for: computing whole gradients for training (Backend::conv2dBackward*).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

// One product of a gradient sum: a · b, with where the two factors came from.
struct GradientTerm {
  float a = 0.0f, b = 0.0f;
  std::string where; // "x(0,1,2)·δ(0,0,1)": the factors' positions, counted from 0
};

struct GradientExplanation {
  std::string quantity;            // "∂E/∂w[0][1][0][2]", "∂E/∂b[0]", "∂E/∂x[1][3][4]"
  std::vector<GradientTerm> terms; // for a bias: b = 1 in every term (the sum of δ)
  float value = 0.0f;
};

// ∂E/∂w(oc, c, kh, kw) = Σ_n Σ_oh Σ_ow x(n, group's c, oh·s − pad + kh·d, …) · δ(n, oc, oh, ow):
// the correlation of the input window with the output gradient δ = ∂E/∂output. Positions
// in the padding contribute nothing and are left out. Throws for an index outside.
GradientExplanation explainConv2dWeightGradient(const Conv2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                                int64_t outChannel, int64_t channel, int64_t kernelRow,
                                                int64_t kernelCol);
// ∂E/∂b(oc) = Σ_n Σ_oh Σ_ow δ(n, oc, oh, ow).
GradientExplanation explainConv2dBiasGradient(const Tensor& diffDst, int64_t outChannel);
// ∂E/∂x(n, c, y, x) = Σ over the outputs this input fed: w(oc, c, kh, kw) · δ(n, oc, oh, ow),
// the kernel seen flipped from the input's side. Throws for an index outside.
GradientExplanation explainConv2dInputGradient(const Conv2DGeometry& g, const Tensor& weights, const Tensor& diffDst,
                                               const Shape& srcShape, int64_t batch, int64_t channel, int64_t row,
                                               int64_t col);

// "∂E/∂w[0][0][1][1] = 1·(−0.5) + 0·2 + … = −0.5"; a bias: "∂E/∂b[0] = 1 + (−2) + … = −1";
// an empty sum: "… = 0 (this weight touched only padding)".
// digits > 0 rounds every number to that many significant digits (formatRounded).
std::string gradientExplanationText(const GradientExplanation& e, int digits = 0);

// Pooling routes each output's gradient back: max to the input that was the window's
// maximum (the first, as the backends pick it), average a 1/(KH·KW) share to every cell of
// the window, sum all of it. ∂E/∂x(n, c, y, x) as the sum of what reached it: terms a·δ
// with a = 1 or the share. Throws for an index outside.
GradientExplanation explainPool2dGradient(const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                          int64_t batch, int64_t channel, int64_t row, int64_t col);

// An activation's gradient at one value x (y its output, δ the gradient reaching y):
// ReLU's mask "δ·[x > 0] = 0.5·1 = 0.5", leaky ReLU's slope, tanh's 1 − y², sigmoid's y(1 − y).
std::string activationGradientText(ActivationKind kind, float alpha, float x, float y, float delta, int digits = 0);

// A fully connected layer dst = W·x + b: ∂E/∂W(o, i) = Σ_n δ(n, o)·x(n, i), one term an
// image (the outer product of δ and x); ∂E/∂x(n, i) = Σ_o W(o, i)·δ(n, o), the weight
// column's sum weighted by δ. Throws for an index outside.
GradientExplanation explainDenseWeightGradient(const Tensor& src, const Tensor& diffDst, int64_t output, int64_t input);
GradientExplanation explainDenseInputGradient(const Tensor& weights, const Tensor& diffDst, int64_t batch,
                                              int64_t input);

// One step of SGD on one weight, as the trainer takes it (PyTorch's form):
// without momentum "w − η·g = 0.5 − 0.1·0.2 = 0.48"; with it "v = μ·v + g = 0.9·0.1 + 0.2 =
// 0.29, then w − η·v = 0.5 − 0.1·0.29 = 0.471". The new weight and velocity are returned too.
struct SgdStep {
  float weight = 0.0f, velocity = 0.0f;
  std::string text;
};
SgdStep explainSgdStep(float weight, float gradient, float rate, float momentum = 0.0f, float velocity = 0.0f,
                       int digits = 0);

// One convolution and the lecture's error E = ½ Σ (target − output)² over every output:
// output (1, K, Ho, Wo), δ = ∂E/∂output = output − target, and the three gradients, each
// computed by the reference backend's backward loops.
struct ConvGradients {
  Tensor output, outputGradient; // (1, K, Ho, Wo)
  Tensor weightsGradient;        // (K, C/groups, KH, KW)
  Tensor biasGradient;           // (K)
  Tensor inputGradient;          // (1, C, H, W)
  double loss = 0.0;
};
// The lecture's error E = ½ Σ (target − output)² and δ = ∂E/∂output = output − target into
// outputGradient (resized to the output's shape); target: the output's shape, or one value for
// every output. Throws std::invalid_argument naming the shapes when they do not fit.
double lectureError(const Tensor& output, const Tensor& target, Tensor& outputGradient);
// target: (1, K, Ho, Wo), or one value for every output. Throws std::invalid_argument
// naming the shapes when they do not fit.
ConvGradients convolutionGradients(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights,
                                   const Tensor& bias, const Tensor& target);

} // namespace convscope
