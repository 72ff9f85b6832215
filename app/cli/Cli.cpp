// Command-line commands over the engine, and the check of the window's start (WindowOptions.h).
// Options: Qt's QCommandLineParser; JSON: nlohmann::json with floats, in their shortest exact form.
#include "app/cli/Cli.h"
#include "app/cli/CliCommon.h"
#include "app/WindowOptions.h"

#include "engine/lessons/Filtering.h"
#include "engine/core/Geometry.h"
#include "engine/io/ImageIO.h"
#include "engine/lessons/Kernels.h"
#include "engine/io/LectureFile.h"
#include "engine/io/MatrixText.h"
#include "engine/io/ModelFile.h"
#include "engine/core/OutputSize.h"
#include "engine/training/Preprocess.h"
#include "engine/network/Presets.h"
#include "engine/lessons/Saliency.h"
#include "engine/backend/Backend.h"
#include "engine/backend/reference/ExplainBackward.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <QCommandLineParser>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

namespace convscope::cli {

namespace {

// The window's start options, listed by `convscope --help` and parsed by checkWindowStart.
QList<QCommandLineOption> windowOptions() {
  return {
      {"kernel", "A kernel name or matrix file for the bank (repeatable).", "NAME|FILE"},
      {"stride", "Convolution stride.", "S"},
      {"padding", "Padding: a number, same or valid.", "P"},
      {"bias", "Convolution bias.", "B"},
      {"activation", "Activation: none, relu, leaky-relu, tanh, sigmoid or relu6.", "NAME"},
      {"pooling", "Pooling on, with max, average or sum.", "MODE"},
      {"pool-size", "Pooling on, with an N x N window.", "N"},
      {"pool-stride", "Pooling on, with this stride (default: the window size).", "N"},
      {"model",
       "A trained model file (.json) or an ONNX file: the feature maps show its layers (and the Architectures tab "
       "its graph). A network's name (resnet50, googlenet, mini-vgg, ...) opens in the Architectures tab.",
       "FILE|NAME"},
      {"stepper", "Start in the stepper."},
      {"step",
       "Start the stepper on convolution, relu, pooling, fc or backward (the training loop, forward and backward; "
       "pooling without --kernel pools FILE as it is).",
       "MODE"},
      {"cell",
       "Start the stepper at this output cell (counted from 0, row by row); with --step backward, this many "
       "steps into the loop (at most 10000).",
       "N"},
      {"presenter", "Start in presenter mode (F11)."},
      {"tab",
       "Start on a tab: maps, stepper, training, architectures, or depthwise (the Architectures tab's standard, "
       "depthwise and pointwise convolution).",
       "NAME"},
      {"select",
       "The Architectures tab: select this layer or block once the network shows (its blocks open), e.g. "
       "--model googlenet --select inception3a.concat.",
       "NAME"},
      {"train", "Open the Training tab and start training LeNet-5 on the digits."},
      {"export",
       "Write the view's figure to FILE (.svg, .pdf, .png; a table also .csv, .md, .tex) and quit: slides made by "
       "a script. Without a display: QT_QPA_PLATFORM=offscreen.",
       "FILE"},
      {"figure",
       "Which of the tab's figures --export writes, by name (stepper, stepper-grids, feature-maps, backward, "
       "NETWORK-graph, NETWORK-table, ...); default: the first.",
       "NAME"},
      {"scale", "--export's PNG at this many times the screen's size (1 to 8, default 2).", "S"},
      {"export-animation",
       "Write the stepper's sliding window over the whole layer to FILE (.gif or .mp4), one frame per output "
       "cell, and quit.",
       "FILE"},
      {"fps", "--export-animation's frames a second (0.5 to 60, default 2).", "F"},
  };
}

struct Command {
  std::string name;
  std::string summary;
};
const std::vector<Command>& commands() {
  static const std::vector<Command> list{
      {"conv", "convolve an image or a matrix with one or more kernels"},
      {"pool", "max, average or sum pooling of an image or a matrix"},
      {"explain", "show every multiply-add of one convolution output cell"},
      {"gradient", "the backward pass of one convolution: every gradient, one written out"},
      {"kernels", "list the classic kernels with their values"},
      {"train", "train a network (LeNet-5 on the digits, ...) and save it"},
      {"eval", "accuracy and loss of a trained model on a test set"},
      {"predict", "classify one image with a trained model"},
      {"saliency", "why a trained model gave a class: the pixels its score depends on"},
      {"summary", "a network's layers: output shapes, parameters and multiply-adds, nested by block"},
      {"run", "one input through a network (preset, model file, layer list or ONNX): its output"},
      {"export", "write a model as ONNX, for Netron, OpenCV and PyTorch users"},
      {"bench", "images per second of training or inference (bench train|infer)"},
  };
  return list;
}

std::string topLevelHelp() {
  std::string text =
      std::string("ConvScope ") + CONVSCOPE_VERSION +
      ": see, step through and train convolutional neural networks.\n\n"
      "Usage: convscope [FILE] [WINDOW OPTIONS]  open the application (on FILE: an image, a matrix, a model or\n"
      "                                          a lecture file, .convscope)\n"
      "       convscope COMMAND [OPTIONS]        run a command-line command\n\nWindow options:\n";
  for (const QCommandLineOption& o : windowOptions()) {
    std::string name("--");
    name += o.names().first().toStdString();
    if (!o.valueName().isEmpty()) name.append(" ").append(o.valueName().toStdString());
    text.append("  ").append(name).append(name.size() < 22 ? 22 - name.size() : 1, ' ');
    text.append(o.description().toStdString()).append("\n");
  }
  text += "\nCommands:\n";
  for (const Command& c : commands()) text += "  " + c.name + std::string(10 - c.name.size(), ' ') + c.summary + "\n";
  text += "\nRun 'convscope COMMAND --help' for a command's options.\n"
          "Exit status: 0 success, 2 bad input (file, number or geometry), 1 internal error (or, for the window, no "
          "display).\n";
  return text;
}

int unknownCommand(const std::string& command, std::ostream& err) {
  err << kProgram << ": unknown command '" << command << "'\n\n" << topLevelHelp();
  return 2;
}

// ---- inputs ------------------------------------------------------------------------

// An image file (anything OpenCV decodes) or a matrix text file, as (1, C, H, W).
Tensor loadInput(const std::string& path, int channels, bool normalize) {
  if (path.empty()) throw UsageError("--input is required");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(path + ": no such file");
  if (isImageFile(path)) return loadImage(path, {channels, normalize});
  Tensor chw = loadMatrixInput(path);
  if (channels != 0 && chw.shape()[0] != channels)
    throw UsageError("--channels " + std::to_string(channels) + " but " + path + " has " +
                     std::to_string(chw.shape()[0]) + " channel(s)");
  if (normalize)
    for (float& v : chw.values()) v /= 255.0f;
  return chw.reshaped(Shape{1, chw.shape()[0], chw.shape()[1], chw.shape()[2]});
}

NamedKernel loadKernel(const std::string& spec) {
  if (const ClassicKernel* classic = findClassicKernel(spec)) return {classic->name, classic->weights};
  std::error_code ec;
  if (!std::filesystem::exists(spec, ec))
    throw UsageError("unknown kernel '" + spec + "': not a kernel name (" + classicKernelNames() + ") nor a file");
  return {std::filesystem::path(spec).filename().string(), loadMatrixFile(spec)};
}

Json tensorJson(const Tensor& t) { // (1, C, H, W) → [[[…]]]
  const Shape& s = t.shape();
  Json channels = Json::array();
  for (int64_t c = 0; c < s[1]; ++c) {
    Json rows = Json::array();
    for (int64_t h = 0; h < s[2]; ++h) {
      Json row = Json::array();
      for (int64_t w = 0; w < s[3]; ++w) row.push_back(t.at(0, c, h, w));
      rows.push_back(std::move(row));
    }
    channels.push_back(std::move(rows));
  }
  return channels;
}

// Text output: small maps in full, large ones as a summary.
void printTensor(std::ostream& out, const Tensor& t) {
  const Shape& s = t.shape();
  out << "shape " << s[1] << "x" << s[2] << "x" << s[3] << " (channels x rows x columns)\n";
  if (s[2] <= 32 && s[3] <= 32) {
    out << formatMatrixText(t.reshaped(Shape{s[1], s[2], s[3]}));
    return;
  }
  const auto [lo, hi] = std::minmax_element(t.values().begin(), t.values().end());
  double sum = 0;
  for (float v : t.values()) sum += v;
  out << "min " << formatNumber(*lo) << ", max " << formatNumber(*hi) << ", mean "
      << formatNumber(static_cast<float>(sum / double(t.size())))
      << "\n(too large to print: use --json for the values or --output FILE.png for an image)\n";
}

// conv's and pool's result: {"shape":[C,H,W],"output":[[[…]]]} or text.
void printResult(std::ostream& out, const Tensor& result, bool json) {
  if (!json) return printTensor(out, result);
  const Shape& s = result.shape();
  out << Json{{"shape", {s[1], s[2], s[3]}}, {"output", tensorJson(result)}}.dump() << "\n";
}

// ---- commands ----------------------------------------------------------------------

void addInputOptions(QCommandLineParser& p) {
  p.addOption({"input", "Image (any format OpenCV reads) or matrix text file.", "FILE"});
  p.addOption({"channels", "Read images as 1 (gray) or 3 (RGB) channels; default: as stored.", "1|3"});
  p.addOption({"normalize", "Scale pixel values from 0-255 to [0,1]."});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
}

void addConvOptions(QCommandLineParser& p) {
  p.addOption(
      {"kernel",
       "Kernel name (" + QString::fromStdString(classicKernelNames()) + ") or matrix file; repeat for a filter bank.",
       "NAME|FILE"});
  p.addOption({"stride", "Stride, or rows,columns.", "S|SH,SW", "1"});
  p.addOption({"padding", "Zero padding: P, rows,columns, top,bottom,left,right, same or valid.", "P", "0"});
  p.addOption({"dilation", "Dilation (1 = dense kernel), or rows,columns.", "D|DH,DW", "1"});
  p.addOption({"bias", "Bias added to every output.", "B", "0"});
  p.addOption({"activation", "Activation after the convolution: none, relu, leaky-relu, tanh, sigmoid, relu6.", "NAME",
               "none"});
}

int channelsOption(const QCommandLineParser& p) {
  if (!p.isSet("channels")) return 0;
  const int64_t c = parseInteger(str(p.value("channels")), "channels");
  if (c != 1 && c != 3) throw UsageError("--channels must be 1 (gray) or 3 (RGB), got " + std::to_string(c));
  return static_cast<int>(c);
}

FilterOptions filterOptions(const QCommandLineParser& p) {
  FilterOptions o;
  std::tie(o.strideH, o.strideW) = parsePair(str(p.value("stride")), "stride", 1);
  std::tie(o.dilationH, o.dilationW) = parsePair(str(p.value("dilation")), "dilation", 1);
  try {
    o.padding = PaddingSpec::parse(str(p.value("padding")));
    o.activation = activationFromString(str(p.value("activation")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  o.bias = parseFloat(str(p.value("bias")), "bias");
  return o;
}

void writeOutputImage(const QCommandLineParser& p, const Tensor& result, bool colour, bool normalized) {
  if (!p.isSet("output")) return;
  saveFeatureMapImage(result, str(p.value("output")), colour ? MapImageStyle::Colour : MapImageStyle::Grid,
                      normalized ? 1.0f : 255.0f);
}

int conv(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  addInputOptions(p);
  addConvOptions(p);
  p.addOption({"output", "Write the feature maps as an image (a grid for several channels).", "OUT.png"});
  if (!parse(p, "conv",
             "Convolve an input with one or more kernels (cross-correlation, zero padding).\n"
             "A kernel with as many channel blocks as the input gives one output channel; a one-block\n"
             "kernel is applied to each channel separately. Several --kernel make a filter bank.\n"
             "JSON: {\"shape\":[C,H,W],\"output\":[[[...]]]}",
             args, out))
    return 0;
  const QStringList kernelSpecs = p.values("kernel");
  if (kernelSpecs.isEmpty()) throw UsageError("--kernel is required (a name such as sharpen, or a matrix file)");
  const int channels = channelsOption(p);
  const Tensor input = loadInput(str(p.value("input")), channels, p.isSet("normalize"));
  std::vector<NamedKernel> kernels;
  for (const QString& spec : kernelSpecs) kernels.push_back(loadKernel(str(spec)));
  const FilterOptions options = filterOptions(p);
  auto backend = backendOption(p);
  const Tensor result = applyFilterBank(*backend, input, kernels, options);
  // One one-block kernel on an RGB image is an image filter: write it as a colour image.
  const bool colour = kernels.size() == 1 && kernels[0].weights.shape()[0] == 1 && input.shape()[1] == 3;
  writeOutputImage(p, result, colour, p.isSet("normalize"));
  printResult(out, result, p.isSet("json"));
  return 0;
}

int pool(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  addInputOptions(p);
  p.addOption({"mode", "Pooling: max, avg or sum.", "MODE", "max"});
  p.addOption({"size", "Window size, or rows,columns.", "K|KH,KW"});
  p.addOption({"stride", "Stride, or rows,columns (default: the window size).", "S|SH,SW"});
  p.addOption(
      {"padding", "Padding: P, rows,columns or top,bottom,left,right (avg and sum count it as zeros).", "P", "0"});
  p.addOption({"output", "Write the pooled maps as an image.", "OUT.png"});
  if (!parse(p, "pool",
             "Pool each channel of an input with a sliding window.\nJSON: {\"shape\":[C,H,W],\"output\":[[[...]]]}",
             args, out))
    return 0;
  if (!p.isSet("size")) throw UsageError("--size is required (the pooling window, e.g. --size 2)");
  Pool2DGeometry g;
  try {
    g.mode = poolModeFromString(str(p.value("mode")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  std::tie(g.kernelH, g.kernelW) = parsePair(str(p.value("size")), "size", 1);
  std::tie(g.strideH, g.strideW) =
      p.isSet("stride") ? parsePair(str(p.value("stride")), "stride", 1) : std::pair{g.kernelH, g.kernelW};
  PaddingSpec padding;
  try {
    padding = PaddingSpec::parse(str(p.value("padding")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (padding.mode != PaddingSpec::Mode::Explicit) throw UsageError("pool: --padding takes numbers, not same/valid");
  g.padTop = padding.top, g.padBottom = padding.bottom, g.padLeft = padding.left, g.padRight = padding.right;
  const Tensor input = loadInput(str(p.value("input")), channelsOption(p), p.isSet("normalize"));
  auto backend = backendOption(p);
  Tensor result(pool2dOutputShape(input.shape(), g, "pool"));
  backend->pool2dForward(g, input, result);
  writeOutputImage(p, result, result.shape()[1] == 3, p.isSet("normalize"));
  printResult(out, result, p.isSet("json"));
  return 0;
}

int explain(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  addInputOptions(p);
  addConvOptions(p);
  p.addOption({"at", "The output cell to explain: row,column (from 0).", "ROW,COL"});
  p.addOption({"out-channel", "Which output channel (for a one-block kernel on several channels).", "K", "0"});
  if (!parse(p, "explain",
             "Show every multiply-add of one convolution output cell, per input channel, then the\n"
             "channel sums and the bias, as the lecture writes it: 308 + (-498) + 164 + 1 = -25.\n"
             "JSON: {\"value\":v,\"bias\":b,\"channels\":[{\"channel\":c,\"sum\":s,\"terms\":[{\"row\":r,"
             "\"col\":c,\"input\":x,\"weight\":w}]}],\"text\":\"...\"}",
             args, out))
    return 0;
  if (p.values("kernel").size() != 1) throw UsageError("explain takes exactly one --kernel");
  if (!p.isSet("at")) throw UsageError("--at ROW,COL is required (the output cell, counted from 0)");
  const std::string at = str(p.value("at"));
  if (at.find(',') == std::string::npos) throw UsageError("--at '" + at + "' must be ROW,COL");
  const auto [row, col] = parsePair(at, "at", 0);
  const int64_t outChannel = parseInteger(str(p.value("out-channel")), "out-channel");
  const Tensor input = loadInput(str(p.value("input")), channelsOption(p), p.isSet("normalize"));
  const NamedKernel kernel = loadKernel(str(p.value("kernel")));
  const KernelConvolution conv = kernelConvolution(kernel, input.shape(), filterOptions(p));
  const ConvExplanation e = explainConv2d(conv.geometry, input, conv.weights, &conv.bias, 0, outChannel, row, col);
  const std::string text = explanationText(e);
  if (p.isSet("json")) {
    Json channels = Json::array();
    for (const ConvChannelSum& c : e.channels) {
      Json terms = Json::array();
      for (const ConvTerm& t : c.terms)
        terms.push_back(
            {{"row", t.row}, {"col", t.col}, {"input", t.input}, {"weight", t.weight}, {"padding", t.padding}});
      channels.push_back({{"channel", c.channel}, {"sum", c.sum}, {"terms", std::move(terms)}});
    }
    out << Json{{"value", e.value}, {"bias", e.bias}, {"channels", std::move(channels)}, {"text", text}}.dump() << "\n";
  } else {
    out << text;
  }
  return 0;
}

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
  Tensor target;
  const std::string targetText = str(p.value("target"));
  std::error_code ec;
  if (std::filesystem::exists(targetText, ec)) {
    const Tensor chw = loadMatrixFile(targetText);
    if (chw.shape() != Shape{outShape[1], outShape[2], outShape[3]})
      throw UsageError("gradient: the target " + targetText + " is " + chw.shape().toString() + " but the output is " +
                       Shape{outShape[1], outShape[2], outShape[3]}.toString());
    target = chw.reshaped(outShape);
  } else {
    target = Tensor(Shape{1}, std::vector<float>{parseFloat(targetText, "target")});
  }
  const ConvGradients g = convolutionGradients(geometry, input, w, b, target);

  std::optional<GradientExplanation> explained;
  if (p.isSet("at-weight")) {
    const auto i = parseIndices(str(p.value("at-weight")), "at-weight", "filter,channel,row,column");
    explained = explainConv2dWeightGradient(geometry, input, g.outputGradient, i[0], i[1], i[2], i[3]);
  } else if (p.isSet("at-input")) {
    const auto i = parseIndices(str(p.value("at-input")), "at-input", "channel,row,column");
    explained = explainConv2dInputGradient(geometry, w, g.outputGradient, input.shape(), 0, i[0], i[1], i[2]);
  }
  // Filter k's weight gradient (K, C, KH, KW) → (1, C, KH, KW), for printing as maps.
  const auto filterGradient = [&](int64_t k) {
    const int64_t size = kernelShape[1] * kernelShape[2] * kernelShape[3];
    Tensor one(Shape{1, kernelShape[1], kernelShape[2], kernelShape[3]});
    std::copy(g.weightsGradient.data() + k * size, g.weightsGradient.data() + (k + 1) * size, one.data());
    return one;
  };
  if (p.isSet("json")) {
    Json j{{"output", tensorJson(g.output)},
           {"loss", g.loss},
           {"output_gradient", tensorJson(g.outputGradient)},
           {"weights_gradient",
            [&] {
              Json list = Json::array();
              for (int64_t k = 0; k < filters; ++k) list.push_back(tensorJson(filterGradient(k)));
              return list;
            }()},
           {"bias_gradient", g.biasGradient.values()},
           {"input_gradient", tensorJson(g.inputGradient)}};
    if (explained) {
      Json terms = Json::array();
      for (const GradientTerm& t : explained->terms) terms.push_back({{"a", t.a}, {"b", t.b}, {"where", t.where}});
      j["explain"] = {
          {"value", explained->value}, {"terms", std::move(terms)}, {"text", gradientExplanationText(*explained)}};
    }
    out << j.dump() << "\n";
    return 0;
  }
  out << "output:\n";
  printTensor(out, g.output);
  out << "E = 1/2 sum (target - output)^2 = " << formatNumber(float(g.loss)) << "\n";
  out << "dE/doutput = output - target:\n";
  printTensor(out, g.outputGradient);
  for (int64_t k = 0; k < filters; ++k) {
    out << "dE/dw, filter " << k << ":\n";
    printTensor(out, filterGradient(k));
    out << "dE/db[" << k << "] = " << formatNumber(g.biasGradient.data()[k]) << "\n";
  }
  out << "dE/dinput:\n";
  printTensor(out, g.inputGradient);
  if (explained) out << gradientExplanationText(*explained) << "\n";
  return 0;
}

// Which pixels a trained model's class score depends on, for one image: the map is computed
// at the model's input (engine/lessons/Saliency.h) and carried back onto the image.
int saliency(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained model file (.json, or .onnx from PyTorch).", "FILE"});
  p.addOption({"input", "The image to explain (prepared as the model's training images were).", "IMAGE"});
  p.addOption({"class", "The class to explain, from 0 (default: the predicted class).", "K"});
  p.addOption({"method", "gradient (default), gradcam or occlusion.", "NAME", "gradient"});
  p.addOption({"layer", "Grad-CAM's layer (default: the last Conv2D layer with maps larger than 1x1).", "NAME"});
  p.addOption(
      {"patch", "Occlusion: the square's side in the model's input pixels (default: a quarter of its side).", "N"});
  p.addOption({"stride", "Occlusion: the square's step (default: 1 for inputs up to 32x32, else patch/4).", "N"});
  p.addOption({"output", "Write the map over the image as a picture (PNG, JPEG, ...).", "MAP.png"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "saliency",
             "Why did the model say K? Which pixels of one image its score for a class (default: the\n"
             "predicted one) depends on. The score is the class's logit (the input of a final softmax).\n"
             "  gradient   d score / d pixel: signed for a gray image; for colour, the largest |d| of the channels\n"
             "  gradcam    Grad-CAM: a layer's feature maps weighted by their mean gradient, summed, ReLU,\n"
             "             upsampled bilinearly (never negative; coarse where the layer's maps are small)\n"
             "  occlusion  how much the score drops when a grey square (the input's mean) covers the pixel,\n"
             "             averaged over the squares covering it (negative: covering it raised the score)\n"
             "Maps are computed at the model's input and carried back onto the image (padding cut off).\n"
             "--output draws the image in dimmed grey, enlarged to at least 280 pixels wide, and the map\n"
             "over it: a map with negative values in red (positive) and blue (negative), clear at 0; one\n"
             "without them with inferno, from its min to its max; and a colour bar with its end values.\n"
             "JSON: {\"class\":k,\"label\":\"name\",\"score\":s,\"probability\":p,\"method\":\"...\",\"layer\":\"...\","
             "\n\"shape\":[H,W],\"map\":[[...]]} (probability null without a final softmax; layer \"\" but for "
             "gradcam)",
             args, out))
    return 0;
  SaliencyOptions options;
  options.method = parseOption(parseSaliencyMethod, str(p.value("method")), "method");
  if (p.isSet("class")) options.classIndex = parseAtLeast(str(p.value("class")), "class", 0);
  options.layer = str(p.value("layer"));
  if (p.isSet("patch")) options.patch = parseAtLeast(str(p.value("patch")), "patch", 1);
  if (p.isSet("stride")) options.stride = parseAtLeast(str(p.value("stride")), "stride", 1);
  // The model and the image as `predict` takes them.
  const std::string modelPath = str(p.value("model")), input = str(p.value("input"));
  if (modelPath.empty()) throw UsageError("--model FILE is required (a trained model file)");
  if (input.empty()) throw UsageError("--input IMAGE is required");
  Model model = loadModel(modelPath);
  if (!model.hasWeights || !model.info.preprocess)
    throw UsageError(modelPath + ": has no trained weights (train it first with convscope train --save)");
  const Preprocess& pre = *model.info.preprocess;
  const Tensor image = loadImage(input, {pre.channels, false});
  auto backend = backendOption(p);
  const SaliencyMap s = computeSaliency(model.network, *backend, preprocessImage(image, pre), options);
  const int64_t height = image.shape()[2], width = image.shape()[3];
  const Tensor map = saliencyForImage(s.map, pre, height, width);
  if (p.isSet("output"))
    saveFeatureMapImage(saliencyOverlay(image, map), str(p.value("output")), MapImageStyle::Colour, 255.0f);

  const size_t k = static_cast<size_t>(s.classIndex);
  const std::string label = k < model.info.classNames.size() ? model.info.classNames[k] : std::to_string(k);
  const std::string method = saliencyMethodName(options.method);
  if (p.isSet("json")) {
    Json rows = Json::array();
    for (int64_t y = 0; y < height; ++y)
      rows.push_back(std::vector<float>(map.data() + y * width, map.data() + (y + 1) * width));
    Json probability = nullptr;
    if (!std::isnan(s.probability)) probability = s.probability;
    out << Json{{"class", s.classIndex}, {"label", label},   {"score", s.score},         {"probability", probability},
                {"method", method},      {"layer", s.layer}, {"shape", {height, width}}, {"map", std::move(rows)}}
               .dump()
        << "\n";
    return 0;
  }
  const auto [lo, hi] = std::minmax_element(map.values().begin(), map.values().end());
  const auto digits = [](double v, const char* format = "%.4g") {
    char text[32];
    std::snprintf(text, sizeof text, format, v);
    return std::string(text);
  };
  out << "class " << s.classIndex << " (" << label << "), score " << digits(s.score);
  if (!std::isnan(s.probability)) out << ", probability " << digits(100.0 * s.probability, "%.1f") << "%";
  out << "\nmethod " << method << (s.layer.empty() ? "" : ", layer " + s.layer) << "\nmap " << height << "x" << width
      << ", min " << digits(*lo) << ", max " << digits(*hi) << "\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}

int kernels(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  if (!parse(p, "kernels", "List the classic kernels by name with their values.", args, out)) return 0;
  if (p.isSet("json")) {
    Json list = Json::array();
    for (const ClassicKernel& k : classicKernels()) {
      const Shape& s = k.weights.shape();
      list.push_back({{"name", k.name},
                      {"description", k.description},
                      {"values", tensorJson(k.weights.reshaped(Shape{1, s[0], s[1], s[2]}))[0]}});
    }
    out << Json{{"kernels", std::move(list)}}.dump() << "\n";
    return 0;
  }
  for (const ClassicKernel& k : classicKernels())
    out << k.name << ": " << k.description << "\n" << formatMatrixText(k.weights) << "\n";
  return 0;
}

// ---- the window's start ------------------------------------------------------------

// Qt's own arguments, which QApplication takes out of argv itself: -platform NAME,
// -style NAME, -reverse, ... (one or two dashes). How many of args[i...] are one: 0, 1 or 2.
size_t qtArgumentLength(const std::vector<std::string>& args, size_t i) {
  static const std::set<std::string> withValue{
      "platform", "platformpluginpath", "platformtheme", "plugin", "qwindowgeometry", "geometry", "qwindowtitle",
      "title",    "qwindowicon",        "icon",          "style",  "stylesheet",      "session",  "display"};
  static const std::set<std::string> flags{"reverse", "widgetcount", "nograb", "dograb", "sync"};
  const std::string& a = args[i];
  if (a.size() < 2 || a[0] != '-') return 0;
  const std::string name = a.substr(a[1] == '-' ? 2 : 1);
  if (flags.count(name) || name.starts_with("qmljsdebugger=") || name.starts_with("style=") ||
      name.starts_with("stylesheet="))
    return 1;
  if (withValue.count(name)) return std::min<size_t>(2, args.size() - i);
  return 0;
}

// The value of -platform (or --platform) in args, or empty.
std::string platformArgument(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "-platform" || args[i] == "--platform") return args[i + 1];
  return {};
}

// A first argument such as "nosuchcommand" is a mistyped command, "missing.png" a missing file.
bool looksLikeCommand(const std::string& word) {
  return !word.empty() && word[0] != '-' && word.find_first_of("./\\") == std::string::npos;
}

void requireFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(what + path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw UsageError(what + path + ": a folder, not a file");
}

// The value of `option`, one of `names`: "--tab 'x' must be maps, stepper or training".
template <typename T>
T oneOf(const QCommandLineParser& p, const std::string& option, const std::vector<std::pair<std::string, T>>& names) {
  const std::string value = str(p.value(QString::fromStdString(option)));
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].first == value) return names[i].second;
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i].first;
  }
  throw UsageError("--" + option + " '" + value + "' must be " + list);
}

// Every window option's value, checked. Throws UsageError naming the option and the value.
WindowOptions readWindowOptions(const QCommandLineParser& p) {
  WindowOptions o;
  const QStringList files = p.positionalArguments();
  for (const QString& file : files) requireFile(str(file), "");
  if (files.size() > 1)
    throw UsageError("the window opens one FILE, not '" + str(files[0]) + "' and '" + str(files[1]) + "'");
  if (!files.isEmpty()) o.file = str(files.first());
  // A lecture file is read before any window opens: a bad one is bad input (exit 2).
  if (QString::fromStdString(o.file).endsWith(".convscope", Qt::CaseInsensitive)) {
    try {
      loadLecture(o.file);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  for (const QString& spec : p.values("kernel")) o.kernels.push_back(parseOption(loadKernel, str(spec), "kernel"));
  if (p.isSet("stride")) o.stride = parseAtLeast(str(p.value("stride")), "stride", 1);
  if (p.isSet("padding")) o.padding = parseOption(PaddingSpec::parse, str(p.value("padding")), "padding");
  if (p.isSet("bias")) o.bias = parseFloat(str(p.value("bias")), "bias");
  if (p.isSet("activation")) o.activation = parseOption(activationFromString, str(p.value("activation")), "activation");
  if (p.isSet("pooling")) o.poolMode = parseOption(poolModeFromString, str(p.value("pooling")), "pooling");
  if (p.isSet("pool-size")) o.poolSize = parseAtLeast(str(p.value("pool-size")), "pool-size", 1);
  if (p.isSet("pool-stride")) o.poolStride = parseAtLeast(str(p.value("pool-stride")), "pool-stride", 1);
  if (p.isSet("tab"))
    o.tab = oneOf<StartTab>(p, "tab",
                            {{"maps", StartTab::FeatureMaps},
                             {"stepper", StartTab::Stepper},
                             {"training", StartTab::Training},
                             {"architectures", StartTab::Architectures},
                             {"depthwise", StartTab::Depthwise}});
  if (p.isSet("model")) {
    o.model = str(p.value("model"));
    if (isPreset(o.model) && !std::filesystem::exists(o.model)) {
      // A network's name: only the Architectures tab shows an untrained network.
      if (o.tab && *o.tab != StartTab::Architectures)
        throw UsageError("--model " + o.model +
                         ": a network's name opens in the Architectures tab (--tab architectures); the other tabs "
                         "show a trained model file");
      o.tab = StartTab::Architectures;
      o.modelIsName = true;
    } else {
      requireFile(o.model, "--model ");
    }
  }
  if (p.isSet("step"))
    o.step = oneOf<StartStep>(p, "step",
                              {{"convolution", StartStep::Convolution},
                               {"relu", StartStep::ReLU},
                               {"pooling", StartStep::Pooling},
                               {"fc", StartStep::FullyConnected},
                               {"backward", StartStep::Backward}});
  if (p.isSet("select")) {
    o.select = str(p.value("select"));
    if (o.tab != StartTab::Architectures || o.model.empty())
      throw UsageError("--select " + o.select +
                       " selects a layer of the Architectures tab's network: give "
                       "--model NAME|FILE too");
  }
  if (p.isSet("cell")) o.cell = parseAtLeast(str(p.value("cell")), "cell", 0);
  o.stepper = p.isSet("stepper");
  o.presenter = p.isSet("presenter");
  o.train = p.isSet("train");
  if (p.isSet("export")) {
    o.exportFile = str(p.value("export"));
    static const char* const kinds[] = {".svg", ".pdf", ".png", ".csv", ".md", ".tex"};
    if (std::none_of(std::begin(kinds), std::end(kinds), [&o](const char* k) {
          return QString::fromStdString(o.exportFile).endsWith(k, Qt::CaseInsensitive);
        }))
      throw UsageError("--export " + o.exportFile + ": expected a .svg, .pdf, .png, .csv, .md or .tex file");
  }
  if (p.isSet("figure")) {
    if (!p.isSet("export")) throw UsageError("--figure names the figure --export writes: give --export FILE too");
    o.figure = str(p.value("figure"));
  }
  if (p.isSet("scale")) {
    o.scale = parseFloat(str(p.value("scale")), "scale");
    if (!(o.scale >= 1 && o.scale <= 8))
      throw UsageError("--scale '" + str(p.value("scale")) + "' must be from 1 to 8");
  }
  if (p.isSet("export-animation")) {
    o.animationFile = str(p.value("export-animation"));
    const QString file = QString::fromStdString(o.animationFile);
    if (!file.endsWith(".gif", Qt::CaseInsensitive) && !file.endsWith(".mp4", Qt::CaseInsensitive))
      throw UsageError("--export-animation " + o.animationFile + ": expected a .gif or .mp4 file");
  }
  if (p.isSet("fps")) {
    o.fps = parseFloat(str(p.value("fps")), "fps");
    if (!(o.fps >= 0.5 && o.fps <= 60)) throw UsageError("--fps '" + str(p.value("fps")) + "' must be from 0.5 to 60");
  }
  if (!o.exportFile.empty() && !o.animationFile.empty())
    throw UsageError("--export and --export-animation: one at a time");
  // The stepper pools the convolution's output: without a --kernel that would be whatever
  // filter the window remembers. Pool the input itself instead.
  if (o.step == StartStep::Pooling && o.kernels.empty()) {
    const ClassicKernel* identity = findClassicKernel("identity");
    o.kernels.push_back({identity->name, identity->weights});
    o.replaceConvolution = true; // stride 1, dilation 1, bias 0 unless given
    if (!o.padding) o.padding = PaddingSpec::parse("same");
    if (!o.activation) o.activation = ActivationKind::None;
  }
  return o;
}

} // namespace

bool isCliInvocation(const std::vector<std::string>& args) {
  if (args.empty()) return false;
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help" || first == "--version" || first == "-v") return true;
  return std::any_of(commands().begin(), commands().end(), [&](const Command& c) { return c.name == first; });
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << topLevelHelp();
    return 0;
  }
  if (args[0] == "--version" || args[0] == "-v") {
    out << "convscope " << CONVSCOPE_VERSION << "\n";
    return 0;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (command == "conv") return conv(rest, out);
    if (command == "pool") return pool(rest, out);
    if (command == "explain") return explain(rest, out);
    if (command == "gradient") return gradient(rest, out);
    if (command == "kernels") return kernels(rest, out);
    if (command == "train") return train(rest, out, err);
    if (command == "eval") return evaluateCommand(rest, out);
    if (command == "predict") return predict(rest, out);
    if (command == "saliency") return saliency(rest, out);
    if (command == "summary") return summary(rest, out);
    if (command == "run") return runCommand(rest, out);
    if (command == "export") return exportCommand(rest, out);
    if (command == "bench") return bench(rest, out);
    return unknownCommand(command, err);
  } catch (const std::invalid_argument& e) { // bad input: files, numbers, geometry
    err << kProgram << " " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << kProgram << " " << command << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

WindowStart checkWindowStart(const std::vector<std::string>& args, const Environment& env, std::ostream& out,
                             std::ostream& err) {
  WindowStart start;
  std::error_code ec;
  if (!args.empty() && looksLikeCommand(args[0]) && !std::filesystem::exists(args[0], ec)) {
    start.exitStatus = unknownCommand(args[0], err);
    return start;
  }
  QCommandLineParser parser;
  parser.addOptions(windowOptions());
  parser.addOption({{"h", "help"}, "Show the help."});
  QStringList list{kProgram};
  for (size_t i = 0; i < args.size(); ++i) {
    if (const size_t qt = qtArgumentLength(args, i)) {
      i += qt - 1;
      continue;
    }
    list << QString::fromStdString(args[i]);
  }
  try {
    if (!parser.parse(list)) throw UsageError(str(parser.errorText()) + " (see convscope --help)");
    if (parser.isSet("help")) {
      out << topLevelHelp();
      start.exitStatus = 0;
      return start;
    }
    start.options = readWindowOptions(parser);
  } catch (const std::invalid_argument& e) {
    err << kProgram << ": " << e.what() << "\n";
    start.exitStatus = 2;
    return start;
  }
  if (const std::string why = missingDisplay(args, env); !why.empty()) {
    err << kProgram << ": no display to open the window on (" << why
        << "); the commands work without one: convscope --help\n";
    start.exitStatus = 1;
  }
  return start;
}

std::string missingDisplay(const std::vector<std::string>& args, const Environment& env) {
  const auto isSet = [&](const char* name) {
    const char* value = env(name);
    return value != nullptr && *value != '\0';
  };
  std::string platforms = platformArgument(args);
  std::string source = "-platform";
  if (platforms.empty() && isSet("QT_QPA_PLATFORM")) {
    platforms = env("QT_QPA_PLATFORM");
    source = "QT_QPA_PLATFORM";
  }
  if (platforms.empty()) return isSet("DISPLAY") || isSet("WAYLAND_DISPLAY") ? "" : "DISPLAY is not set";
  // Qt tries a list such as "wayland;xcb" in order; "vnc:size=800x600" carries arguments.
  std::string needs;
  for (size_t begin = 0; begin <= platforms.size();) {
    const size_t end = std::min(platforms.find(';', begin), platforms.size());
    const std::string entry = platforms.substr(begin, end - begin);
    const std::string name = entry.substr(0, entry.find(':'));
    begin = end + 1;
    const char* server = name == "xcb" ? "DISPLAY" : name.starts_with("wayland") ? "WAYLAND_DISPLAY" : nullptr;
    if (server == nullptr && !name.empty()) return ""; // offscreen, minimal, vnc, eglfs, ...: no display server
    if (server != nullptr && isSet(server)) return "";
    if (server != nullptr) needs += std::string(needs.empty() ? "" : " or ") + server;
  }
  if (needs.empty()) return "";
  return source + " is " + platforms + " and " + needs + " is not set";
}

} // namespace convscope::cli
