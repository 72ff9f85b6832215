// The transposed convolution's two teaching views, beside the reference loops that compute it.
#include "engine/lessons/TransposedConvolution.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/core/NumberText.h"
#include "engine/layers/ConvTranspose2D.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

Shape TransposedConvolution::outputShape(const Shape& input) const {
  const Shape& w = weights.shape();
  return ConvTranspose2D::outputShapeFor(input, w[0], w[1] * geometry.groups, geometry, outputPaddingH, outputPaddingW,
                                         "transposed convolution");
}

TransposedConvolution transposedConvolution(const std::vector<NamedKernel>& kernels, const Shape& input,
                                            const FilterOptions& options, int64_t outputPaddingH,
                                            int64_t outputPaddingW) {
  if (kernels.empty()) throw std::invalid_argument("transposed convolution: needs at least one kernel");
  if (input.rank() != 4 || input[0] != 1)
    throw std::invalid_argument("transposed convolution: expects one (1, C, H, W) input, got " + input.toString());
  if (options.padding.mode != PaddingSpec::Mode::Explicit)
    throw std::invalid_argument("transposed convolution: padding takes numbers (cells cut from the output's "
                                "borders), not same or valid");
  const int64_t channels = input[1];
  const Shape& k0 = kernels[0].weights.shape();
  for (const NamedKernel& k : kernels) {
    const Shape& s = k.weights.shape();
    if (s.rank() != 3 || s[1] != k0[1] || s[2] != k0[2] || s[0] != k0[0])
      throw std::invalid_argument("kernel '" + k.name + "' is " + s.toString() + ", the first kernel " +
                                  k0.toString() + ": the kernels of one transposed convolution share a size");
    if (s[0] != 1 && s[0] != channels)
      throw std::invalid_argument("kernel '" + k.name + "' has " + std::to_string(s[0]) + " channel blocks but the "
                                  "input has " + std::to_string(channels) + " channels (use 1 block or " +
                                  std::to_string(channels) + ", one for each)");
  }
  TransposedConvolution t;
  Conv2DGeometry& g = t.geometry;
  g.kernelH = k0[1], g.kernelW = k0[2];
  g.strideH = options.strideH, g.strideW = options.strideW;
  g.dilationH = options.dilationH, g.dilationW = options.dilationW;
  g.padTop = options.padding.top, g.padBottom = options.padding.bottom;
  g.padLeft = options.padding.left, g.padRight = options.padding.right;
  t.outputPaddingH = outputPaddingH, t.outputPaddingW = outputPaddingW;
  const int64_t count = int64_t(kernels.size()), area = k0[1] * k0[2];
  const bool perChannel = k0[0] == 1 && channels > 1 && options.perChannel;
  g.groups = perChannel ? channels : 1;
  // W(i, o): input channel i's block of the kernel that makes output o (within i's group).
  t.weights = Tensor(Shape{channels, count, k0[1], k0[2]});
  for (int64_t i = 0; i < channels; ++i)
    for (int64_t o = 0; o < count; ++o) {
      const Tensor& kernel = kernels[size_t(o)].weights;
      const float* block = kernel.data() + (kernel.shape()[0] == 1 ? 0 : i) * area;
      std::copy(block, block + area, t.weights.data() + (i * count + o) * area);
    }
  t.bias = Tensor(Shape{count * g.groups}, options.bias);
  const Shape out = t.outputShape(input); // the sizes checked, naming the numbers
  constexpr int64_t kMaxCells = int64_t(1) << 24; // 16 Mi values: a 4096×4096 map, 64 MB
  if (out[2] * out[3] > kMaxCells || out[1] * out[2] * out[3] > 4 * kMaxCells)
    throw std::invalid_argument("transposed convolution: an output of " + std::to_string(out[1]) + "x" +
                                std::to_string(out[2]) + "x" + std::to_string(out[3]) +
                                " is more than ConvScope shows (at most 16,777,216 cells a map): a smaller stride, "
                                "dilation or input");
  return t;
}

Tensor transposedForward(const TransposedConvolution& t, const Tensor& input, Backend* backend) {
  Tensor out(t.outputShape(input.shape()));
  ReferenceBackend reference;
  (backend ? *backend : reference).conv2dBackwardData(t.geometry, t.weights, input.inLayout(Layout::NCHW), out);
  out = out.inLayout(Layout::NCHW);
  for (int64_t o = 0; o < out.shape()[1]; ++o)
    for (int64_t y = 0; y < out.shape()[2]; ++y)
      for (int64_t x = 0; x < out.shape()[3]; ++x) out.at(0, o, y, x) += t.bias.data()[o];
  return out;
}

namespace {
// The (input index, kernel index) pairs of one axis landing on output position `out`.
std::vector<std::pair<int64_t, int64_t>> landing(int64_t out, int64_t inSize, int64_t kernel, int64_t stride,
                                                 int64_t padBegin, int64_t dilation) {
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t at = out + padBegin - k * dilation; // = in·stride
    if (at < 0 || at % stride != 0 || at / stride >= inSize) continue;
    pairs.emplace_back(at / stride, k);
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}
} // namespace

std::vector<std::vector<int>> transposedOverlap(const TransposedConvolution& t, const Shape& input) {
  const Shape out = t.outputShape(input);
  const Conv2DGeometry& g = t.geometry;
  std::vector<std::vector<int>> counts(size_t(out[2]), std::vector<int>(size_t(out[3]), 0));
  for (int64_t y = 0; y < out[2]; ++y) {
    const size_t rows = landing(y, input[2], g.kernelH, g.strideH, g.padTop, g.dilationH).size();
    for (int64_t x = 0; x < out[3]; ++x)
      counts[size_t(y)][size_t(x)] = int(rows * landing(x, input[3], g.kernelW, g.strideW, g.padLeft, g.dilationW).size());
  }
  return counts;
}

TransposedExplanation explainTransposed(const TransposedConvolution& t, const Tensor& input, int64_t outChannel,
                                        int64_t row, int64_t col) {
  const Shape out = t.outputShape(input.shape());
  if (outChannel < 0 || outChannel >= out[1] || row < 0 || row >= out[2] || col < 0 || col >= out[3])
    throw std::invalid_argument("transposed convolution: cell (" + std::to_string(row) + ", " + std::to_string(col) +
                                ") of channel " + std::to_string(outChannel) + " is outside the output " +
                                std::to_string(out[1]) + "x" + std::to_string(out[2]) + "x" + std::to_string(out[3]));
  const Conv2DGeometry& g = t.geometry;
  const int64_t perGroupOut = t.weights.shape()[1], perGroupIn = input.shape()[1] / g.groups;
  const int64_t group = outChannel / perGroupOut, local = outChannel % perGroupOut;
  TransposedExplanation e;
  e.outChannel = outChannel, e.row = row, e.col = col;
  const auto rows = landing(row, input.shape()[2], g.kernelH, g.strideH, g.padTop, g.dilationH);
  const auto cols = landing(col, input.shape()[3], g.kernelW, g.strideW, g.padLeft, g.dilationW);
  double sum = 0.0;
  for (int64_t i = group * perGroupIn; i < (group + 1) * perGroupIn; ++i)
    for (const auto& [h, kh] : rows)
      for (const auto& [w, kw] : cols) {
        TransposedTerm term{i, h, w, kh, kw, input.at(0, i, h, w), t.weights.at(i, local, kh, kw)};
        sum += double(term.input) * term.weight;
        e.terms.push_back(term);
      }
  e.bias = t.bias.data()[outChannel];
  e.value = float(sum + e.bias);
  return e;
}

std::string transposedExplanationText(const TransposedExplanation& e, int inChannels, int digits) {
  const auto value = [digits](double v) { return formatValue(v, digits); };
  const auto bracket = [&](double v) { return v < 0 ? "(" + value(v) + ")" : value(v); };
  const auto cell = [](int64_t r, int64_t c) { return "(" + std::to_string(r) + ", " + std::to_string(c) + ")"; };
  const std::string x = "x";
  std::string names, products;
  for (size_t k = 0; k < e.terms.size(); ++k) {
    const TransposedTerm& t = e.terms[k];
    const std::string ch = inChannels > 1 ? std::to_string(t.inChannel + 1) : "";
    names += (k ? " + " : "") + x + ch + cell(t.row, t.col) + "·w" + ch + cell(t.kernelRow, t.kernelCol);
    products += (k ? " + " : "") + bracket(t.input) + "·" + bracket(t.weight);
  }
  std::string text = "y" + cell(e.row, e.col) + " = ";
  if (e.terms.empty()) {
    text += "nothing lands here";
    products = "0";
  } else {
    text += names + "\n   = " + products;
  }
  if (e.bias != 0.0f) text += " + bias " + bracket(e.bias);
  return text + " = " + value(e.value);
}

ZeroInsertedView zeroInsertedView(const TransposedConvolution& t, const Tensor& input) {
  const Shape out = t.outputShape(input.shape());
  const Conv2DGeometry& g = t.geometry;
  const Shape& in = input.shape();
  const int64_t reachH = g.dilationH * (g.kernelH - 1), reachW = g.dilationW * (g.kernelW - 1);
  ZeroInsertedView v;
  v.topLeftZerosH = reachH - g.padTop, v.topLeftZerosW = reachW - g.padLeft;
  // The zero-inserted input in its full frame (reach zeros on every side, the output padding
  // below and right), cropped by the padding: then a stride-1 convolution gives `out`.
  const int64_t zh = out[2] + reachH, zw = out[3] + reachW;
  v.input = Tensor(Shape{1, in[1], zh, zw});
  for (int64_t c = 0; c < in[1]; ++c)
    for (int64_t h = 0; h < in[2]; ++h)
      for (int64_t w = 0; w < in[3]; ++w) {
        const int64_t y = h * g.strideH + v.topLeftZerosH, x = w * g.strideW + v.topLeftZerosW;
        if (y >= 0 && y < zh && x >= 0 && x < zw) v.input.at(0, c, y, x) = input.at(0, c, h, w);
      }
  // The kernel turned 180°, input and output channels swapped (within each group).
  const int64_t perGroupOut = t.weights.shape()[1], perGroupIn = in[1] / g.groups;
  v.weights = Tensor(Shape{out[1], perGroupIn, g.kernelH, g.kernelW});
  for (int64_t o = 0; o < out[1]; ++o)
    for (int64_t i = 0; i < perGroupIn; ++i)
      for (int64_t kh = 0; kh < g.kernelH; ++kh)
        for (int64_t kw = 0; kw < g.kernelW; ++kw)
          v.weights.at(o, i, kh, kw) = t.weights.at((o / perGroupOut) * perGroupIn + i, o % perGroupOut,
                                                    g.kernelH - 1 - kh, g.kernelW - 1 - kw);
  v.geometry = g;
  v.geometry.strideH = v.geometry.strideW = 1;
  v.geometry.padTop = v.geometry.padBottom = v.geometry.padLeft = v.geometry.padRight = 0;
  return v;
}

ConvGradients transposedGradients(const TransposedConvolution& t, const Tensor& input, const Tensor& target) {
  ReferenceBackend backend;
  const Tensor x = input.inLayout(Layout::NCHW);
  ConvGradients r;
  r.output = transposedForward(t, x);
  r.loss = lectureError(r.output, target, r.outputGradient);
  // The convolution's passes with the roles of input and output swapped (as ConvTranspose2D's backward).
  r.weightsGradient = Tensor(t.weights.shape());
  backend.conv2dBackwardWeights(t.geometry, r.outputGradient, x, r.weightsGradient, nullptr);
  r.biasGradient = Tensor(t.bias.shape());
  for (int64_t o = 0; o < r.output.shape()[1]; ++o) {
    double sum = 0.0;
    for (int64_t y = 0; y < r.output.shape()[2]; ++y)
      for (int64_t xx = 0; xx < r.output.shape()[3]; ++xx) sum += r.outputGradient.at(0, o, y, xx);
    r.biasGradient.data()[o] = float(sum);
  }
  r.inputGradient = Tensor(x.shape());
  backend.conv2dForward(t.geometry, r.outputGradient, t.weights, nullptr, r.inputGradient);
  return r;
}

namespace {
std::string at3(int64_t a, int64_t b, int64_t c) {
  return "(" + std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + ")";
}
void checkInside(const std::string& what, int64_t v, int64_t size) {
  if (v < 0 || v >= size)
    throw std::invalid_argument(what + " " + std::to_string(v) + " is outside 0.." + std::to_string(size - 1));
}
} // namespace

GradientExplanation explainTransposedWeightGradient(const TransposedConvolution& t, const Tensor& input,
                                                    const Tensor& outputGradient, int64_t inChannel,
                                                    int64_t outLocal, int64_t kernelRow, int64_t kernelCol) {
  const Conv2DGeometry& g = t.geometry;
  const Shape& w = t.weights.shape();
  checkInside("input channel", inChannel, w[0]);
  checkInside("output channel", outLocal, w[1]);
  checkInside("kernel row", kernelRow, g.kernelH);
  checkInside("kernel column", kernelCol, g.kernelW);
  const int64_t o = (inChannel / (w[0] / g.groups)) * w[1] + outLocal; // the output channel in the whole output
  const Shape& d = outputGradient.shape();
  GradientExplanation e;
  e.quantity = "∂E/∂w[" + std::to_string(inChannel) + "][" + std::to_string(outLocal) + "][" +
               std::to_string(kernelRow) + "][" + std::to_string(kernelCol) + "]";
  double sum = 0.0;
  for (int64_t h = 0; h < input.shape()[2]; ++h) {
    const int64_t y = h * g.strideH - g.padTop + kernelRow * g.dilationH;
    if (y < 0 || y >= d[2]) continue; // this product fell in the cut border
    for (int64_t c = 0; c < input.shape()[3]; ++c) {
      const int64_t x = c * g.strideW - g.padLeft + kernelCol * g.dilationW;
      if (x < 0 || x >= d[3]) continue;
      const float value = input.at(0, inChannel, h, c), delta = outputGradient.at(0, o, y, x);
      sum += double(value) * delta;
      e.terms.push_back({value, delta, "x" + at3(inChannel, h, c) + "·δ" + at3(o, y, x)});
    }
  }
  e.value = float(sum);
  return e;
}

GradientExplanation explainTransposedInputGradient(const TransposedConvolution& t, const Tensor& outputGradient,
                                                   const Shape& inputShape, int64_t inChannel, int64_t row,
                                                   int64_t col) {
  const Conv2DGeometry& g = t.geometry;
  const Shape& w = t.weights.shape();
  checkInside("input channel", inChannel, inputShape[1]);
  checkInside("row", row, inputShape[2]);
  checkInside("column", col, inputShape[3]);
  const Shape& d = outputGradient.shape();
  const int64_t firstOut = (inChannel / (inputShape[1] / g.groups)) * w[1];
  GradientExplanation e;
  e.quantity = "∂E/∂x[" + std::to_string(inChannel) + "][" + std::to_string(row) + "][" + std::to_string(col) + "]";
  double sum = 0.0;
  for (int64_t local = 0; local < w[1]; ++local)
    for (int64_t kh = 0; kh < g.kernelH; ++kh) {
      const int64_t y = row * g.strideH - g.padTop + kh * g.dilationH;
      if (y < 0 || y >= d[2]) continue;
      for (int64_t kw = 0; kw < g.kernelW; ++kw) {
        const int64_t x = col * g.strideW - g.padLeft + kw * g.dilationW;
        if (x < 0 || x >= d[3]) continue;
        const float weight = t.weights.at(inChannel, local, kh, kw), delta = outputGradient.at(0, firstOut + local, y, x);
        sum += double(weight) * delta;
        e.terms.push_back({weight, delta, "w" + at3(inChannel, local, kh).substr(0, at3(inChannel, local, kh).size() - 1) +
                                              "," + std::to_string(kw) + ")·δ" + at3(firstOut + local, y, x)});
      }
    }
  e.value = float(sum);
  return e;
}

} // namespace convscope
