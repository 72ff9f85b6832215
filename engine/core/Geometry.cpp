// Shape checks for convolution and pooling; all sizes go through outputSize().
#include "engine/core/Geometry.h"

#include <algorithm>

#include "engine/core/OutputSize.h"

#include <stdexcept>

namespace convscope {

namespace {
std::string pair(int64_t a, int64_t b) { return std::to_string(a) + "," + std::to_string(b); }

void requireRank4(const Shape& src, const std::string& layerName) {
  if (src.rank() != 4)
    throw std::invalid_argument(layerName + ": expects an (N, C, H, W) input, got shape " + src.toString());
}
} // namespace

std::string Conv2DGeometry::toString() const {
  return std::to_string(kernelH) + "x" + std::to_string(kernelW) + " s" + pair(strideH, strideW) + " p" +
         pair(padTop, padBottom) + "," + pair(padLeft, padRight) + " d" + pair(dilationH, dilationW) + " g" +
         std::to_string(groups);
}

Shape conv2dOutputShape(const Shape& src, int64_t outChannels, const Conv2DGeometry& g, const std::string& layerName) {
  requireRank4(src, layerName);
  const int64_t inChannels = src[1];
  if (g.groups < 1)
    throw std::invalid_argument(layerName + ": groups " + std::to_string(g.groups) + " must be at least 1");
  if (outChannels < 1)
    throw std::invalid_argument(layerName + ": output channels " + std::to_string(outChannels) + " must be at least 1");
  if (inChannels % g.groups != 0)
    throw std::invalid_argument(layerName + ": input channels " + std::to_string(inChannels) +
                                " are not divisible by groups " + std::to_string(g.groups));
  if (outChannels % g.groups != 0)
    throw std::invalid_argument(layerName + ": output channels " + std::to_string(outChannels) +
                                " are not divisible by groups " + std::to_string(g.groups));
  // Report a kernel too large for both axes as "7x7 (dilated 13x13) ... 6x6" like the lecture writes sizes.
  const AxisWindow rows{src[2], g.kernelH, g.strideH, g.padTop, g.padBottom, g.dilationH};
  const AxisWindow cols{src[3], g.kernelW, g.strideW, g.padLeft, g.padRight, g.dilationW};
  const std::string rowProblem = windowProblem(rows, layerName + " (height)");
  const std::string colProblem = windowProblem(cols, layerName + " (width)");
  if (!rowProblem.empty() || !colProblem.empty()) {
    const int64_t spanH = g.dilationH * (g.kernelH - 1) + 1, spanW = g.dilationW * (g.kernelW - 1) + 1;
    const int64_t paddedH = src[2] + g.padTop + g.padBottom, paddedW = src[3] + g.padLeft + g.padRight;
    const bool tooLarge = g.kernelH >= 1 && g.kernelW >= 1 && g.strideH >= 1 && g.strideW >= 1 && g.dilationH >= 1 &&
                          g.dilationW >= 1 && g.padTop >= 0 && g.padBottom >= 0 && g.padLeft >= 0 && g.padRight >= 0 &&
                          src[2] >= 1 && src[3] >= 1;
    if (tooLarge) {
      std::string kernel = std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW);
      if (g.dilationH > 1 || g.dilationW > 1)
        kernel += " (dilated " + std::to_string(spanH) + "x" + std::to_string(spanW) + ")";
      throw std::invalid_argument(layerName + ": kernel " + kernel + " is larger than the padded input " +
                                  std::to_string(paddedH) + "x" + std::to_string(paddedW));
    }
    throw std::invalid_argument(!rowProblem.empty() ? rowProblem : colProblem);
  }
  return Shape{src[0], outChannels, outputSize(rows), outputSize(cols)};
}

std::string toString(PoolMode mode) {
  switch (mode) {
  case PoolMode::Max: return "max";
  case PoolMode::Average: return "avg";
  case PoolMode::Sum: return "sum";
  }
  return "?";
}

PoolMode poolModeFromString(const std::string& text) {
  if (text == "max") return PoolMode::Max;
  if (text == "avg" || text == "average") return PoolMode::Average;
  if (text == "sum") return PoolMode::Sum;
  throw std::invalid_argument("unknown pooling mode '" + text + "' (expected max, avg or sum)");
}

std::string Pool2DGeometry::toString() const {
  return convscope::toString(mode) + " " + std::to_string(kernelH) + "x" + std::to_string(kernelW) + " s" +
         pair(strideH, strideW) + " p" + pair(padTop, padBottom) + "," + pair(padLeft, padRight) +
         (ceilMode ? " ceil" : "") + (mode == PoolMode::Average && !countPadding ? " exclude-pad" : "");
}

Pool2DGeometry flooredGeometry(const Pool2DGeometry& g, const Shape& src) {
  if (!g.ceilMode || src.rank() != 4) return g;
  Pool2DGeometry f = g;
  f.ceilMode = false;
  const int64_t oh = outputSize({src[2], g.kernelH, g.strideH, g.padTop, g.padBottom, 1, true});
  const int64_t ow = outputSize({src[3], g.kernelW, g.strideW, g.padLeft, g.padRight, 1, true});
  f.padBottom += std::max<int64_t>(0, (oh - 1) * g.strideH + g.kernelH - (src[2] + g.padTop + g.padBottom));
  f.padRight += std::max<int64_t>(0, (ow - 1) * g.strideW + g.kernelW - (src[3] + g.padLeft + g.padRight));
  return f;
}

float poolShare(const Pool2DGeometry& g, const Shape& src, int64_t oh, int64_t ow) {
  if (g.mode != PoolMode::Average) return 1.0f;
  if (g.countPadding) return 1.0f / float(g.kernelH * g.kernelW);
  const auto inside = [](int64_t start, int64_t kernel, int64_t size) {
    return std::max<int64_t>(0, std::min(start + kernel, size) - std::max<int64_t>(start, 0));
  };
  const int64_t cells =
      inside(oh * g.strideH - g.padTop, g.kernelH, src[2]) * inside(ow * g.strideW - g.padLeft, g.kernelW, src[3]);
  return cells > 0 ? 1.0f / float(cells) : 0.0f;
}

Shape pool2dOutputShape(const Shape& src, const Pool2DGeometry& g, const std::string& layerName) {
  requireRank4(src, layerName);
  if (g.ceilMode && g.mode != PoolMode::Max && (g.mode == PoolMode::Sum || g.countPadding))
    throw std::invalid_argument(layerName + ": ceil mode is for max pooling, or an average that leaves padding out "
                                            "of its divisor (a last, partial window would be divided differently)");
  if (!g.countPadding && g.mode != PoolMode::Average)
    throw std::invalid_argument(layerName + ": leaving padding out of the count is for average pooling");
  const AxisWindow rows{src[2], g.kernelH, g.strideH, g.padTop, g.padBottom, 1, g.ceilMode};
  const AxisWindow cols{src[3], g.kernelW, g.strideW, g.padLeft, g.padRight, 1, g.ceilMode};
  // A padding at least as large as the window would give windows made only of padding.
  if (g.padTop >= g.kernelH || g.padBottom >= g.kernelH || g.padLeft >= g.kernelW || g.padRight >= g.kernelW)
    if (g.kernelH >= 1 && g.kernelW >= 1)
      throw std::invalid_argument(layerName + ": padding " + pair(g.padTop, g.padBottom) + "," +
                                  pair(g.padLeft, g.padRight) + " must be smaller than the window " +
                                  std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW));
  return Shape{src[0], src[1], outputSize(rows, layerName + " (height)"), outputSize(cols, layerName + " (width)")};
}

std::string toString(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::None: return "none";
  case ActivationKind::ReLU: return "relu";
  case ActivationKind::LeakyReLU: return "leaky-relu";
  case ActivationKind::Tanh: return "tanh";
  case ActivationKind::Sigmoid: return "sigmoid";
  case ActivationKind::ReLU6: return "relu6";
  case ActivationKind::ELU: return "elu";
  case ActivationKind::HardSigmoid: return "hard-sigmoid";
  case ActivationKind::HardSwish: return "hard-swish";
  case ActivationKind::SiLU: return "silu";
  case ActivationKind::SELU: return "selu";
  case ActivationKind::GELU: return "gelu";
  case ActivationKind::GELUTanh: return "gelu-tanh";
  }
  return "?";
}

float defaultActivationAlpha(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::LeakyReLU: return 0.01f;
  case ActivationKind::ELU: return 1.0f;
  case ActivationKind::HardSigmoid: return 1.0f / 6.0f;
  default: return 0.0f;
  }
}

bool activationHasAlpha(ActivationKind kind) {
  return kind == ActivationKind::LeakyReLU || kind == ActivationKind::ELU || kind == ActivationKind::HardSigmoid;
}

std::string activationTitle(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::ReLU: return "ReLU";
  case ActivationKind::LeakyReLU: return "leaky ReLU";
  case ActivationKind::ReLU6: return "ReLU6";
  case ActivationKind::ELU: return "ELU";
  case ActivationKind::HardSigmoid: return "hard sigmoid";
  case ActivationKind::HardSwish: return "hard swish";
  case ActivationKind::SiLU: return "SiLU";
  case ActivationKind::SELU: return "SELU";
  case ActivationKind::GELU: return "GELU";
  case ActivationKind::GELUTanh: return "GELU (tanh form)";
  default: return toString(kind);
  }
}

ActivationKind activationFromString(const std::string& text) {
  for (ActivationKind k : {ActivationKind::None, ActivationKind::ReLU, ActivationKind::LeakyReLU, ActivationKind::Tanh,
                           ActivationKind::Sigmoid, ActivationKind::ReLU6, ActivationKind::ELU,
                           ActivationKind::HardSigmoid, ActivationKind::HardSwish, ActivationKind::SiLU,
                           ActivationKind::SELU, ActivationKind::GELU, ActivationKind::GELUTanh})
    if (toString(k) == text) return k;
  throw std::invalid_argument("unknown activation '" + text +
                              "' (expected none, relu, leaky-relu, tanh, sigmoid, relu6, elu, hard-sigmoid, "
                              "hard-swish, silu, selu, gelu or gelu-tanh)");
}

std::string toString(ArithmeticOp op) {
  switch (op) {
  case ArithmeticOp::Add: return "add";
  case ArithmeticOp::Subtract: return "subtract";
  case ArithmeticOp::Multiply: return "multiply";
  case ArithmeticOp::Divide: return "divide";
  }
  return "?";
}

std::string arithmeticSymbol(ArithmeticOp op) {
  switch (op) {
  case ArithmeticOp::Add: return "+";
  case ArithmeticOp::Subtract: return "−";
  case ArithmeticOp::Multiply: return "×";
  case ArithmeticOp::Divide: return "÷";
  }
  return "?";
}

ArithmeticOp arithmeticFromString(const std::string& text) {
  for (ArithmeticOp op : {ArithmeticOp::Add, ArithmeticOp::Subtract, ArithmeticOp::Multiply, ArithmeticOp::Divide})
    if (toString(op) == text) return op;
  throw std::invalid_argument("unknown arithmetic '" + text + "' (expected add, subtract, multiply or divide)");
}

} // namespace convscope
