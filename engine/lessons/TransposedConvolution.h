// The transposed convolution taught two ways, on the student's own numbers (segmentation's and
// generators' upsampling; conv_arithmetic draws it, ConvScope computes it):
// - scattering: each input cell x(i, h, w) adds x·W(i, o, kh, kw) to output cell
//   (h·s − p_top + kh·d, w·s − p_left + kw·d) — an output cell is the sum of the products that
//   landed on it, and how many landed (the overlap) varies from cell to cell when the kernel is
//   not a multiple of the stride: the checkerboard of Distill's "Deconvolution and
//   Checkerboard Artifacts";
// - a direct convolution (stride 1) over the zero-inserted input: s − 1 zeros between the input
//   cells, d·(k − 1) zeros around them (less the padding, more the output padding at the bottom
//   and right), with the kernel turned 180° and its channels swapped.
// Both give ConvTranspose2D's output exactly. Not for: computing layers (the backends do).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"
#include "engine/backend/reference/ExplainBackward.h"
#include "engine/lessons/Filtering.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

// A transposed convolution on one input (1, C_in, H, W): its geometry (stride, padding,
// dilation, groups), output padding, weights (C_in, C_out/groups, KH, KW) as PyTorch's and
// ConvTranspose2D's, and bias (C_out).
struct TransposedConvolution {
  Conv2DGeometry geometry;
  int64_t outputPaddingH = 0, outputPaddingW = 0;
  Tensor weights;
  Tensor bias;
  Shape outputShape(const Shape& input) const; // (1, C_out, H', W'), or std::invalid_argument naming the numbers
};

// The transposed convolution a bank of kernels makes on `input`: each kernel one output channel
// with one block per input channel (as conv's), or — one-block kernels with perChannel — each
// input channel on its own (groups = C). options: stride, dilation, padding (numbers only: same
// and valid are a convolution's), bias. Throws std::invalid_argument naming the kernel, or the
// output's size when a map would hold more than 16,777,216 cells.
TransposedConvolution transposedConvolution(const std::vector<NamedKernel>& kernels, const Shape& input,
                                            const FilterOptions& options, int64_t outputPaddingH = 0,
                                            int64_t outputPaddingW = 0);
class Backend;
// Its output, (1, C_out, H', W') in NCHW: the convolution's backward-data pass on `backend`
// (null: the reference loops), plus the bias.
Tensor transposedForward(const TransposedConvolution& t, const Tensor& input, Backend* backend = nullptr);

// How many products land on each output cell (per input channel): (H', W') counts, row by row.
std::vector<std::vector<int>> transposedOverlap(const TransposedConvolution& t, const Shape& input);

// One product landing on an output cell: input(inChannel, row, col) · W(inChannel, ·, kernelRow, kernelCol).
struct TransposedTerm {
  int64_t inChannel = 0, row = 0, col = 0, kernelRow = 0, kernelCol = 0;
  float input = 0.0f, weight = 0.0f;
};
struct TransposedExplanation {
  int64_t outChannel = 0, row = 0, col = 0;
  std::vector<TransposedTerm> terms; // by input channel, then input row, then input column
  float bias = 0.0f;
  float value = 0.0f; // Σ terms (in double) + bias, as the output holds it
};
// Throws std::invalid_argument naming the cell and the output's size when it is outside.
TransposedExplanation explainTransposed(const TransposedConvolution& t, const Tensor& input, int64_t outChannel,
                                        int64_t row, int64_t col);
// "y(2, 3) = x(1, 1)·w(0, 2) + x(1, 2)·w(0, 0) = 2·1 + 3·(−1) = −1", channels counted from 1
// when there are several ("x2(1, 1)"), "+ bias 0.5" when there is one; "nothing lands here: 0"
// for a cell no product reaches. digits as explanationText's.
std::string transposedExplanationText(const TransposedExplanation& e, int inChannels, int digits = 0);

// The same output as a direct convolution: the zero-inserted, padded input (1, C_in, H_z, W_z),
// the kernel turned 180° with its channels swapped (C_out, C_in/groups, KH, KW), stride 1, the
// dilation and groups kept, no padding (a negative padding crops the zero-inserted input).
struct ZeroInsertedView {
  Tensor input;
  Tensor weights;
  Conv2DGeometry geometry;
  int64_t topLeftZerosH = 0, topLeftZerosW = 0; // zeros before the first input cell (negative: cropped)
};
ZeroInsertedView zeroInsertedView(const TransposedConvolution& t, const Tensor& input);

// Its backward pass with the lecture's error E = ½ Σ (target − output)² (target: one value for
// every output, or the output's shape), by the reference loops: δ = output − target, and
//   ∂E/∂w(i, o, kh, kw) = Σ_h Σ_w x(i, h, w) · δ(o, h·s − p + kh·d, w·s − p + kw·d)
//     (each input cell times the error of the cell its product landed on),
//   ∂E/∂b(o) = Σ δ(o, ·, ·),
//   ∂E/∂x(i, h, w) = Σ_o Σ_kh Σ_kw w(i, o, kh, kw) · δ(o, h·s − p + kh·d, w·s − p + kw·d)
//     (the errors of every cell the input cell's products landed on: a convolution of δ).
// weightsGradient has the weights' shape (C_in, C_out/groups, KH, KW).
ConvGradients transposedGradients(const TransposedConvolution& t, const Tensor& input, const Tensor& target);
// One weight's gradient written out (outLocal: the output channel within the input's group),
// the terms "x(0,1,2)·δ(1,3,5)" (channel, row, column); one input value's. Throw std::invalid_argument
// for an index outside, naming it.
GradientExplanation explainTransposedWeightGradient(const TransposedConvolution& t, const Tensor& input,
                                                    const Tensor& outputGradient, int64_t inChannel,
                                                    int64_t outLocal, int64_t kernelRow, int64_t kernelCol);
GradientExplanation explainTransposedInputGradient(const TransposedConvolution& t, const Tensor& outputGradient,
                                                   const Shape& inputShape, int64_t inChannel, int64_t row,
                                                   int64_t col);

} // namespace convscope
