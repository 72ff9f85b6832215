// Command-line commands over the engine. Option parsing is Qt's QCommandLineParser;
// JSON is nlohmann::json with float numbers, so values print in their shortest exact form.
#include "Cli.h"
#include "CliCommon.h"
#include "WindowOptions.h"

#include "engine/Filtering.h"
#include "engine/Geometry.h"
#include "engine/ImageIO.h"
#include "engine/Kernels.h"
#include "engine/MatrixText.h"
#include "engine/OutputSize.h"
#include "engine/backend/Backend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <QCommandLineParser>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace convscope::cli {

QList<QCommandLineOption> windowOptions() {
  return {
      {"kernel", "A kernel name or matrix file for the bank (repeatable).", "NAME|FILE"},
      {"stride", "Convolution stride.", "S", "1"},
      {"padding", "Padding: a number, same or valid.", "P", "valid"},
      {"bias", "Convolution bias.", "B", "0"},
      {"model", "A trained model file: the feature maps show its layers.", "FILE"},
      {"stepper", "Start in the stepper."},
      {"step", "Start the stepper on convolution, relu, pooling or fc.", "MODE"},
      {"cell", "Start the stepper at this output cell (counted from 0, row by row).", "N"},
      {"presenter", "Start in presenter mode (F11)."},
      {"tab", "Start on a tab: maps, stepper or training.", "NAME"},
      {"train", "Open the Training tab and start training LeNet-5 on the digits."},
  };
}

namespace {

struct Command {
  std::string name;
  std::string summary;
};
const std::vector<Command>& commands() {
  static const std::vector<Command> list{
      {"conv", "convolve an image or a matrix with one or more kernels"},
      {"pool", "max, average or sum pooling of an image or a matrix"},
      {"explain", "show every multiply-add of one convolution output cell"},
      {"kernels", "list the classic kernels with their values"},
      {"train", "train a network (LeNet-5 on the digits, ...) and save it"},
      {"eval", "accuracy and loss of a trained model on a test set"},
      {"predict", "classify one image with a trained model"},
      {"bench", "images per second of training or inference (bench train|infer)"},
  };
  return list;
}

std::string topLevelHelp() {
  std::string text = std::string("ConvScope ") + CONVSCOPE_VERSION +
                     ": see, step through and train convolutional neural networks.\n\n"
                     "Usage: convscope [FILE] [WINDOW OPTIONS]  open the application (on FILE, an image or matrix)\n"
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
          "Exit status: 0 success, 2 bad input (file, number or geometry), 1 internal error.\n";
  return text;
}

// ---- option values -----------------------------------------------------------------

// ---- inputs ------------------------------------------------------------------------

// An image file (anything OpenCV decodes) or a matrix text file, as (1, C, H, W).
Tensor loadInput(const std::string& path, int channels, bool normalize) {
  if (path.empty()) throw UsageError("--input is required");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw UsageError(path + ": no such file");
  if (isImageFile(path)) return loadImage(path, {channels, normalize});
  Tensor chw;
  try {
    chw = loadMatrixFile(path);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(e.what()) + " (" + path +
                     " is neither an image OpenCV can read nor a matrix text file)");
  }
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
  p.addOption(
      {"activation", "Activation after the convolution: none, relu, leaky-relu, tanh, sigmoid.", "NAME", "none"});
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
    if (command == "kernels") return kernels(rest, out);
    if (command == "train") return train(rest, out, err);
    if (command == "eval") return evaluateCommand(rest, out);
    if (command == "predict") return predict(rest, out);
    if (command == "bench") return bench(rest, out);
    err << kProgram << ": unknown command '" << command << "'\n\n" << topLevelHelp();
    return 2;
  } catch (const std::invalid_argument& e) { // bad input: files, numbers, geometry
    err << kProgram << " " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << kProgram << " " << command << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

} // namespace convscope::cli
