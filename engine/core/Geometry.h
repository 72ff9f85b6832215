// The static configuration of the compute primitives (convolution, pooling, activation)
// shared by the layers and the backends, and the shape checks that go with them.
// Not for: holding weights (layers do) or computing anything (backends do).
#pragma once

#include <cmath>

#include "engine/core/Tensor.h"

#include <cstdint>
#include <string>

namespace convscope {

// Convolution geometry. Weights are (C_out, C_in/groups, KH, KW); groups = C_in = C_out
// is a depthwise convolution.
struct Conv2DGeometry {
  int64_t kernelH = 3, kernelW = 3;
  int64_t strideH = 1, strideW = 1;
  int64_t padTop = 0, padBottom = 0, padLeft = 0, padRight = 0;
  int64_t dilationH = 1, dilationW = 1; // 1 = dense kernel
  int64_t groups = 1;

  // "3x3 s1,1 p0,0,0,0 d1,1 g1": a compact key, also used by the oneDNN primitive cache.
  std::string toString() const;
};

// dst shape (N, C_out, H_out, W_out) for src (N, C_in, H, W); throws std::invalid_argument
// naming `layerName` and the numbers when the configuration cannot work.
Shape conv2dOutputShape(const Shape& src, int64_t outChannels, const Conv2DGeometry& g,
                        const std::string& layerName = "Conv2D");

enum class PoolMode { Max, Average, Sum };
std::string toString(PoolMode mode);                  // "max", "avg", "sum"
PoolMode poolModeFromString(const std::string& text); // throws on an unknown name

// Pooling geometry. Average and sum count padded cells as zeros (PyTorch's default
// count_include_pad=True) unless countPadding is false, when an average is the mean of the
// cells inside the image only (count_include_pad=False); max ignores padding.
struct Pool2DGeometry {
  PoolMode mode = PoolMode::Max;
  int64_t kernelH = 2, kernelW = 2;
  int64_t strideH = 2, strideW = 2;
  int64_t padTop = 0, padBottom = 0, padLeft = 0, padRight = 0;
  bool ceilMode = false;    // a last, partial window counts (max, or an average without countPadding)
  bool countPadding = true; // average: padded cells count in the divisor

  std::string toString() const;
};

// Ceil mode as the backends compute it: the same windows with the bottom and right padding
// grown to cover the last, partial one (max pooling ignores padding, so the values are the
// same). Without ceil mode, g itself.
Pool2DGeometry flooredGeometry(const Pool2DGeometry& g, const Shape& src);

// What one input cell inside output (oh, ow)'s window receives of its gradient: 1 for sum
// (and max's winner), 1/(window cells) for an average, 1/(cells inside the image) for an
// average that leaves padding out. src is (N, C, H, W).
float poolShare(const Pool2DGeometry& g, const Shape& src, int64_t oh, int64_t ow);

Shape pool2dOutputShape(const Shape& src, const Pool2DGeometry& g, const std::string& layerName = "Pool2D");

// ReLU6 is min(max(x, 0), 6): MobileNet v2's, and what ONNX files write as Clip(0, 6).
// ELU, SELU, hard sigmoid, hard swish and SiLU are the activations of the networks after 2015
// (ELU; SELU's self-normalizing networks; MobileNet v3's hard ones; EfficientNet's SiLU, also
// called swish), as PyTorch defines them; GELU, x·Φ(x) with Φ the normal distribution's
// cumulative function (its exact, erf form: x/2·(1 + erf(x/√2)), PyTorch's nn.GELU()), that of
// ConvNeXt and the vision transformers.
// GELUTanh: GELU's tanh approximation, x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's
// nn.GELU(approximate="tanh").
enum class ActivationKind { None, ReLU, LeakyReLU, Tanh, Sigmoid, ReLU6, ELU, HardSigmoid, HardSwish, SiLU, SELU, GELU,
                            GELUTanh };
// "none", "relu", "leaky-relu", "tanh", "sigmoid", "relu6", "elu", "hard-sigmoid", "hard-swish", "silu", "selu",
// "gelu", "gelu-tanh"
std::string toString(ActivationKind kind);
// The kinds with a parameter and its default: leaky ReLU's negative slope (0.01), ELU's α (1),
// hard sigmoid's slope (1/6, PyTorch's: min(max(0, x/6 + 1/2), 1)); 0 for the others.
float defaultActivationAlpha(ActivationKind kind);
// SELU's fixed constants (PyTorch's, and ONNX's defaults): γ·(x if x > 0, else α·(eˣ − 1)).
constexpr double kSeluAlpha = 1.6732632423543772, kSeluScale = 1.0507009873554805;
// GELU's tanh form: √(2/π) and the cubic term's 0.044715; its derivative, for the backward
// passes and their explanation: ½(1 + t) + ½x(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), t = tanh(…).
constexpr double kGeluTanhScale = 0.7978845608028654, kGeluTanhCubic = 0.044715;
inline double geluTanhSlope(double x) {
  const double t = std::tanh(kGeluTanhScale * (x + kGeluTanhCubic * x * x * x));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kGeluTanhScale * (1.0 + 3.0 * kGeluTanhCubic * x * x);
}
bool activationHasAlpha(ActivationKind kind);
std::string activationTitle(ActivationKind kind); // as a slide writes it: "ReLU", "leaky ReLU", "tanh"
ActivationKind activationFromString(const std::string& text); // throws on an unknown name

// Element-wise arithmetic of two values the network computes (a gate, a difference, a ratio),
// with numpy's broadcasting: the Arithmetic layer and Backend::arithmeticForward.
enum class ArithmeticOp { Add, Subtract, Multiply, Divide };
std::string toString(ArithmeticOp op);                 // "add", "subtract", "multiply", "divide"
std::string arithmeticSymbol(ArithmeticOp op);         // "+", "−", "×", "÷"
ArithmeticOp arithmeticFromString(const std::string& text); // throws on an unknown name

} // namespace convscope
