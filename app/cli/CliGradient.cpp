// `convscope gradient`: the backward pass of one convolution, every gradient, one written out.
#include "app/cli/CliCommon.h"

#include "engine/backend/reference/ExplainBackward.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/core/Geometry.h"
#include "engine/core/OutputSize.h"
#include "engine/io/ImageIO.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/Filtering.h"
#include "engine/lessons/Kernels.h"
#include "engine/lessons/TransposedConvolution.h"

#include <QCommandLineParser>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace convscope::cli {

// "A,B,C" → whole numbers, as many as `names` says (for --at-weight and --at-input).
std::vector<int64_t> parseIndices(const std::string& text, const std::string& option, const std::string& names) {
  std::vector<int64_t> values;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    values.push_back(parseInteger(text.substr(start, comma - start), option));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  const size_t wanted = size_t(std::count(names.begin(), names.end(), ',') + 1);
  if (values.size() != wanted)
    throw UsageError("--" + option + " '" + text + "' must be " + names + " (" + std::to_string(wanted) +
                     " whole numbers, from 0)");
  return values;
}

namespace {
// --target: one number for every output cell, or a matrix file of the output's (1, K, H, W) size.
Tensor targetOption(const QCommandLineParser& p, const Shape& outShape) {
  const std::string text = str(p.value("target"));
  std::error_code ec;
  if (!std::filesystem::exists(text, ec)) return Tensor(Shape{1}, std::vector<float>{parseFloat(text, "target")});
  const Tensor chw = loadMatrixFile(text);
  if (chw.shape() != Shape{outShape[1], outShape[2], outShape[3]})
    throw UsageError("gradient: the target " + text + " is " + chw.shape().toString() + " but the output is " +
                     Shape{outShape[1], outShape[2], outShape[3]}.toString());
  return chw.reshaped(outShape);
}

// Kernel k's part of a weight gradient, as maps (1, blocks, KH, KW): a convolution's filter k
// (K, C, KH, KW), or a transposed convolution's output channel k (C_in, K, KH, KW).
Tensor kernelGradient(const Tensor& gradient, int64_t k, bool transposed) {
  const Shape& s = gradient.shape();
  const int64_t blocks = transposed ? s[0] : s[1], area = s[2] * s[3];
  Tensor one(Shape{1, blocks, s[2], s[3]});
  for (int64_t b = 0; b < blocks; ++b)
    std::copy_n(gradient.data() + (transposed ? (b * s[1] + k) : (k * s[1] + b)) * area, area, one.data() + b * area);
  return one;
}

// The gradients as JSON or text, the same for both kinds of convolution.
void printGradients(std::ostream& out, const ConvGradients& g, int64_t kernels, bool transposed, bool json,
                    const std::optional<GradientExplanation>& explained) {
  if (json) {
    Json list = Json::array();
    for (int64_t k = 0; k < kernels; ++k) list.push_back(tensorJson(kernelGradient(g.weightsGradient, k, transposed)));
    Json j{{"output", tensorJson(g.output)},
           {"loss", g.loss},
           {"output_gradient", tensorJson(g.outputGradient)},
           {"weights_gradient", std::move(list)},
           {"bias_gradient", g.biasGradient.values()},
           {"input_gradient", tensorJson(g.inputGradient)}};
    if (explained) {
      Json terms = Json::array();
      for (const GradientTerm& t : explained->terms) terms.push_back({{"a", t.a}, {"b", t.b}, {"where", t.where}});
      j["explain"] = {
          {"value", explained->value}, {"terms", std::move(terms)}, {"text", gradientExplanationText(*explained)}};
    }
    out << j.dump() << "\n";
    return;
  }
  out << "output:\n";
  printTensor(out, g.output);
  out << "E = 1/2 sum (target - output)^2 = " << formatNumber(float(g.loss)) << "\n";
  out << "dE/doutput = output - target:\n";
  printTensor(out, g.outputGradient);
  for (int64_t k = 0; k < kernels; ++k) {
    out << "dE/dw, " << (transposed ? "kernel " : "filter ") << k << (transposed ? " (output channel " + std::to_string(k) + ")" : "")
        << ":\n";
    printTensor(out, kernelGradient(g.weightsGradient, k, transposed));
    out << "dE/db[" << k << "] = " << formatNumber(g.biasGradient.data()[k]) << "\n";
  }
  out << "dE/dinput:\n";
  printTensor(out, g.inputGradient);
  if (explained) out << gradientExplanationText(*explained) << "\n";
}

// --transposed: the same for a transposed convolution (each kernel one output channel).
int transposedGradient(const QCommandLineParser& p, std::ostream& out) {
  const Tensor input = loadInput(str(p.value("input")), channelsOption(p), p.isSet("normalize"));
  std::vector<NamedKernel> kernels;
  for (const QString& spec : p.values("kernel")) {
    kernels.push_back(loadKernel(str(spec)));
    if (kernels.back().weights.shape()[0] != input.shape()[1])
      throw UsageError("gradient: kernel '" + kernels.back().name + "' has " +
                       std::to_string(kernels.back().weights.shape()[0]) + " channel block(s) but the input has " +
                       std::to_string(input.shape()[1]) + " channel(s): give one block per input channel");
  }
  const FilterOptions options = filterOptions(p);
  int64_t outPadH = 0, outPadW = 0; // not a structured binding: lambdas capture it (clang 14)
  std::tie(outPadH, outPadW) = parsePair(str(p.value("output-padding")), "output-padding", 0);
  const TransposedConvolution t = parseOption(
      [&](const std::string&) { return transposedConvolution(kernels, input.shape(), options, outPadH, outPadW); }, "",
      "kernel");
  const ConvGradients g = transposedGradients(t, input, targetOption(p, t.outputShape(input.shape())));
  std::optional<GradientExplanation> explained;
  if (p.isSet("at-weight")) {
    const auto i = parseIndices(str(p.value("at-weight")), "at-weight", "kernel,channel,row,column");
    explained = parseOption(
        [&](const std::string&) {
          return explainTransposedWeightGradient(t, input, g.outputGradient, i[1], i[0], i[2], i[3]);
        },
        "", "at-weight");
  } else if (p.isSet("at-input")) {
    const auto i = parseIndices(str(p.value("at-input")), "at-input", "channel,row,column");
    explained = parseOption(
        [&](const std::string&) {
          return explainTransposedInputGradient(t, g.outputGradient, input.shape(), i[0], i[1], i[2]);
        },
        "", "at-input");
  }
  printGradients(out, g, int64_t(kernels.size()), true, p.isSet("json"), explained);
  return 0;
}
} // namespace

// One convolution (a filter bank of full-depth kernels) and the lecture's error
// E = ½Σ(target − output)²: every gradient, and any one of them written out as its sum.
int gradient(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  addInputOptions(p);
  addConvOptions(p);
  p.addOption(
      {"target", "The target output: one number for every cell, or a matrix file of the output's size.", "T|FILE"});
  p.addOption({"at-weight", "Write out the gradient of one weight: filter,channel,row,column (from 0).", "F,C,I,J"});
  p.addOption({"at-input", "Write out the gradient of one input value: channel,row,column (from 0).", "C,Y,X"});
  p.addOption({"transposed",
               "A transposed convolution instead (as deconv: each kernel one output channel, a block per input "
               "channel; --padding cuts the output's borders); --at-weight is kernel,channel,row,column."});
  p.addOption({"output-padding", "With --transposed: cells added at the bottom and right, or rows,columns.", "O|OH,OW",
               "0"});
  if (!parse(p, "gradient",
             "The backward pass of one convolution with the lecture's error E = 1/2 sum (target - output)^2:\n"
             "the output, E, dE/doutput = output - target, and the gradients of the weights, the biases and\n"
             "the input. Each --kernel with as many channel blocks as the input has channels is one filter.\n"
             "JSON: {\"output\":[...],\"loss\":E,\"output_gradient\":[...],\"weights_gradient\":[...],\n"
             "\"bias_gradient\":[...],\"input_gradient\":[...]} (C x H x W; weights K x C x KH x KW), with\n"
             "\"explain\":{\"value\":v,\"terms\":[{\"a\":a,\"b\":b,\"where\":\"...\"}],\"text\":\"...\"} for --at-*.",
             args, out))
    return 0;
  const QStringList specs = p.values("kernel");
  if (specs.isEmpty()) throw UsageError("--kernel is required (a name such as sharpen, or a matrix file)");
  if (!p.isSet("target")) throw UsageError("--target is required (a number, or a matrix file of the output's size)");
  if (p.isSet("activation") && str(p.value("activation")) != "none")
    throw UsageError("gradient: --activation is not part of this error (E is taken on the convolution's output)");
  if (p.isSet("transposed")) return transposedGradient(p, out);
  if (p.isSet("output-padding")) throw UsageError("gradient: --output-padding is a transposed convolution's (--transposed)");
  const Tensor input = loadInput(str(p.value("input")), channelsOption(p), p.isSet("normalize"));
  const FilterOptions options = filterOptions(p);
  const int64_t channels = input.shape()[1];
  // The bank as one convolution: weights (K, C, KH, KW), one bias each.
  Conv2DGeometry geometry;
  std::vector<float> weights, biases;
  Shape kernelShape;
  for (const QString& spec : specs) {
    const NamedKernel k = loadKernel(str(spec));
    if (k.weights.shape()[0] != channels)
      throw UsageError("gradient: kernel '" + k.name + "' has " + std::to_string(k.weights.shape()[0]) +
                       " channel block(s) but the input has " + std::to_string(channels) +
                       " channel(s): give one block per channel (a filter spans the input's depth)");
    const KernelConvolution c = kernelConvolution(k, input.shape(), options);
    if (kernelShape.rank() && c.weights.shape() != kernelShape)
      throw UsageError("gradient: kernel '" + k.name + "' is " + c.weights.shape().toString() + " but the first is " +
                       kernelShape.toString() + " (a bank's kernels are one size)");
    kernelShape = c.weights.shape();
    geometry = c.geometry;
    weights.insert(weights.end(), c.weights.values().begin(), c.weights.values().end());
    biases.insert(biases.end(), c.bias.values().begin(), c.bias.values().end());
  }
  const int64_t filters = int64_t(specs.size());
  const Tensor w(Shape{filters, kernelShape[1], kernelShape[2], kernelShape[3]}, weights);
  const Tensor b(Shape{filters}, biases);
  const Shape outShape = conv2dOutputShape(input.shape(), filters, geometry, "convolution");
  const ConvGradients g = convolutionGradients(geometry, input, w, b, targetOption(p, outShape));

  std::optional<GradientExplanation> explained;
  if (p.isSet("at-weight")) {
    const auto i = parseIndices(str(p.value("at-weight")), "at-weight", "filter,channel,row,column");
    explained = explainConv2dWeightGradient(geometry, input, g.outputGradient, i[0], i[1], i[2], i[3]);
  } else if (p.isSet("at-input")) {
    const auto i = parseIndices(str(p.value("at-input")), "at-input", "channel,row,column");
    explained = explainConv2dInputGradient(geometry, w, g.outputGradient, input.shape(), 0, i[0], i[1], i[2]);
  }
  printGradients(out, g, filters, false, p.isSet("json"), explained);
  return 0;
}

} // namespace convscope::cli
