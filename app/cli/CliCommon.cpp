// Helpers shared by the command-line commands: number parsing with messages that name the
// option, QCommandLineParser set-up with --help and --json, the lecture commands' inputs and
// their printed results.
#include "app/cli/CliCommon.h"
#include "engine/training/Preprocess.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/io/ImageIO.h"
#include "engine/training/TrainingJob.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/Kernels.h"

#include <QStringList>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <filesystem>

namespace convscope::cli {

std::string str(const QString& s) { return s.toStdString(); }

int64_t parseInteger(const std::string& text, const std::string& option) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    throw UsageError("--" + option + " '" + text + "' is not a whole number");
  return v;
}

float parseFloat(const std::string& text, const std::string& option) {
  float v = 0;
  const char* first = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v))
    throw UsageError("--" + option + " '" + text + "' is not a number");
  return v;
}

int64_t parseAtLeast(const std::string& text, const std::string& option, int64_t minimum) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < minimum)
    throw UsageError("--" + option + " '" + text + "' must be a whole number of at least " + std::to_string(minimum));
  return v;
}

// "S" or "SH,SW" → two whole numbers, each at least `minimum`.
std::pair<int64_t, int64_t> parsePair(const std::string& text, const std::string& option, int64_t minimum) {
  const size_t comma = text.find(',');
  const int64_t a = parseInteger(text.substr(0, comma), option);
  const int64_t b = comma == std::string::npos ? a : parseInteger(text.substr(comma + 1), option);
  if (a < minimum || b < minimum)
    throw UsageError("--" + option + " '" + text + "' must be at least " + std::to_string(minimum));
  return {a, b};
}

// Sets up the parser with the command's options plus --help and --json; returns false and
// prints help when asked. Throws UsageError on unknown options or missing values.
bool parse(QCommandLineParser& parser, const std::string& command, const std::string& description,
           const std::vector<std::string>& args, std::ostream& out) {
  parser.setApplicationDescription(QString::fromStdString(description));
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
  parser.addOption({{"h", "help"}, "Show this help."});
  parser.addOption({"json", "Print exactly one JSON object on stdout."});
  QStringList list{QString(kProgram) + " " + QString::fromStdString(command)};
  for (const std::string& a : args) list << QString::fromStdString(a);
  if (!parser.parse(list)) throw UsageError(str(parser.errorText()) + " (see convscope " + command + " --help)");
  if (!parser.positionalArguments().isEmpty())
    throw UsageError("unexpected argument '" + str(parser.positionalArguments().first()) + "' (see convscope " +
                     command + " --help)");
  if (parser.isSet("help")) {
    // Qt names the program after QCoreApplication's argv[0], or "<executable_name>" when
    // there is none (the command line runs without one): name the command instead.
    std::string help = str(parser.helpText());
    const size_t options = help.find(" [options]");
    if (help.rfind("Usage: ", 0) == 0 && options != std::string::npos)
      help.replace(7, options - 7, std::string(kProgram) + " " + command);
    out << help;
    return false;
  }
  return true;
}

Tensor loadMatrixInput(const std::string& path) {
  try {
    return loadMatrixFile(path);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(e.what()) + " (" + path +
                     " is neither an image OpenCV can read nor a matrix text file)");
  }
}

std::unique_ptr<Backend> backendOption(const QCommandLineParser& p) {
  try {
    return makeBackend(backendKindFromString(str(p.value("backend"))));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

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
  p.addOption({"per-channel",
               "A one-block kernel filters each of a colour image's channels on its own (depthwise: 3 maps a "
               "kernel); by default it spans the channels (1 map a kernel: depth = number of kernels)."});
  p.addOption({"activation", "Activation after the convolution: none, relu, leaky-relu, tanh, sigmoid, relu6, elu, hard-sigmoid, "
                 "hard-swish, silu, selu, gelu, gelu-tanh.", "NAME",
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
  o.perChannel = p.isSet("per-channel");
  return o;
}

void writeOutputImage(const QCommandLineParser& p, const Tensor& result, bool colour, bool normalized) {
  if (!p.isSet("output")) return;
  saveFeatureMapImage(result, str(p.value("output")), colour ? MapImageStyle::Colour : MapImageStyle::Grid,
                      normalized ? 1.0f : 255.0f);
}

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

Model modelFromSpec(const std::string& spec) {
  if (spec.empty()) throw UsageError("--model is required (a preset such as lenet5, or a model file)");
  return convscope::modelFromSpec(spec);
}

Model trainedModel(const std::string& path) {
  if (path.empty()) throw UsageError("--model FILE is required (a trained model file)");
  Model model = loadModel(path);
  if (!model.hasWeights || !model.info.preprocess)
    throw UsageError(path + ": has no trained weights (train it first with convscope train --save)");
  return model;
}

int wholeNumber(const QCommandLineParser& p, const char* option, int minimum, int maximum) {
  const int64_t v = parseInteger(str(p.value(option)), option);
  if (v < minimum || v > maximum)
    throw UsageError(std::string("--") + option + " " + std::to_string(v) + " must be from " + std::to_string(minimum) +
                     " to " + std::to_string(maximum));
  return static_cast<int>(v);
}

void addNormalizationOptions(QCommandLineParser& p) {
  p.addOption({"mean",
               "The mean the model's images are normalized with, one number per input channel on the [0, 1] scale "
               "(0.485,0.456,0.406; one number serves every channel). Default: the model file's own, else 0.",
               "R,G,B"});
  p.addOption({"std", "The standard deviation, one number above 0 per input channel (0.229,0.224,0.225). Default: the "
                      "model file's own, else 1.",
               "R,G,B"});
  p.addOption({"imagenet", "torchvision's ImageNet normalization (--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225), "
                           "what every pretrained torchvision classifier was trained with."});
  p.addOption({"resize", "Resize the image's shorter side to N pixels first, then take its centre at the model's input "
                         "size, as torchvision's Resize(N) and CenterCrop (256 for its 224x224 ImageNet classifiers). "
                         "Default: the model file's own, else 0 (the whole image resized to the input).",
               "N"});
}

void applyNormalizationOptions(const QCommandLineParser& p, Model& model) {
  const bool imageNet = p.isSet("imagenet");
  if (p.isSet("resize")) {
    const Shape& in = model.network.inputShape();
    if (in.rank() != 3) throw UsageError("--resize: the model reads " + in.toString() + " values, not images");
    const Preprocess pre = model.info.preprocess ? *model.info.preprocess : plainPreprocess(in);
    const int64_t resize = parseInteger(str(p.value("resize")), "resize");
    try {
      model.info.preprocess = withResize(pre, resize, "--resize");
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (!imageNet && !p.isSet("mean") && !p.isSet("std")) return;
  if (imageNet && (p.isSet("mean") || p.isSet("std")))
    throw UsageError("--imagenet sets the mean and the std: give either it or --mean/--std");
  const Shape& in = model.network.inputShape();
  if (in.rank() != 3) throw UsageError("--mean/--std: the model reads " + in.toString() + " values, not images");
  Preprocess pre = model.info.preprocess ? *model.info.preprocess : plainPreprocess(in);
  try {
    std::vector<float> mean = pre.mean, stddev = pre.stddev;
    if (imageNet) {
      mean = imageNetMean(), stddev = imageNetStd();
    } else {
      if (p.isSet("mean")) mean = channelValues(str(p.value("mean")), pre.channels, false, "--mean");
      if (p.isSet("std")) stddev = channelValues(str(p.value("std")), pre.channels, true, "--std");
    }
    model.info.preprocess = withNormalization(pre, mean, stddev);
  } catch (const std::invalid_argument& e) {
    throw UsageError(imageNet ? std::string("--imagenet: ") + e.what() : std::string(e.what()));
  }
}

void addDatasetOption(QCommandLineParser& p) {
  p.addOption({"dataset", "digits, fashion-mnist, scenes (1 to 3 digits on 64x64 canvases, with masks), idx:DIR, "
               "folder:DIR or cifar10:DIR.", "NAME", "digits"});
}

std::string takeLeadingModel(std::vector<std::string>& options) {
  if (options.empty() || options.front().empty() || options.front()[0] == '-') return {};
  std::string spec = options.front();
  options.erase(options.begin());
  return spec;
}

Tensor imageGrid(const Tensor& images, int64_t columns, int scale) {
  const int64_t n = images.shape()[0], channels = images.shape()[1], h = images.shape()[2], w = images.shape()[3];
  const int64_t gap = 2, rows = (n + columns - 1) / columns;
  const int64_t H = rows * (h * scale + gap) + gap, W = columns * (w * scale + gap) + gap;
  Tensor grid(Shape{1, 3, H, W}, 96.0f);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t top = gap + (k / columns) * (h * scale + gap), left = gap + (k % columns) * (w * scale + gap);
    for (int64_t y = 0; y < h * scale; ++y)
      for (int64_t x = 0; x < w * scale; ++x)
        for (int64_t c = 0; c < 3; ++c)
          grid.at(0, c, top + y, left + x) =
              255.0f * std::clamp(images.at(k, channels == 3 ? c : 0, y / scale, x / scale), 0.0f, 1.0f);
  }
  return grid;
}

} // namespace convscope::cli
