// `convscope deconv`: a transposed convolution of an input with one or more kernels, the
// products landing on each output cell counted (the overlap), one cell written out as the sum
// of the products that landed there, and the same output as a convolution over the
// zero-inserted input.
#include "app/cli/CliCommon.h"

#include "engine/core/NumberText.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/TransposedConvolution.h"

#include <QCommandLineParser>
#include <QStringList>

#include <stdexcept>

namespace convscope::cli {

namespace {
std::string overlapText(const std::vector<std::vector<int>>& overlap) {
  std::string text;
  for (const auto& row : overlap) {
    for (size_t x = 0; x < row.size(); ++x) text += (x ? " " : "") + std::to_string(row[x]);
    text += "\n";
  }
  return text;
}
} // namespace

int deconv(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  addInputOptions(p);
  p.addOption({"kernel",
               "Kernel name or matrix file: one output channel, with one block per input channel (or one block for "
               "every channel); repeat for more output channels.",
               "NAME|FILE"});
  p.addOption({"stride", "Stride: how far apart the input cells' kernels land, or rows,columns.", "S|SH,SW", "1"});
  p.addOption({"padding", "Cells cut from the output's borders: P, rows,columns or top,bottom,left,right.", "P", "0"});
  p.addOption({"output-padding",
               "Cells added at the bottom and right (each less than the stride), or rows,columns.",
               "O|OH,OW", "0"});
  p.addOption({"dilation", "Dilation (1 = dense kernel), or rows,columns.", "D|DH,DW", "1"});
  p.addOption({"bias", "Bias added to every output.", "B", "0"});
  p.addOption({"per-channel", "A one-block kernel on each input channel on its own (groups = channels)."});
  p.addOption({"at", "Write out one output cell: row,column (from 0).", "ROW,COL"});
  p.addOption({"out-channel", "The output channel of --at (from 0).", "K", "0"});
  p.addOption({"zero-inserted",
               "Also show the same output as a convolution (stride 1) over the zero-inserted, padded input with the "
               "kernel turned 180°."});
  if (!parse(p, "deconv",
             "Transposed convolution (\"deconvolution\", PyTorch's conv_transpose2d): each input cell adds its value\n"
             "times the kernel into the output, stride cells apart; the overlap counts the products per output cell\n"
             "(uneven counts make checkerboards). JSON: {\"shape\":[C,H,W],\"output\":[[[...]]],\"overlap\":[[...]]},\n"
             "with --at \"explain\":{\"value\",\"terms\",\"text\"}, with --zero-inserted \"zero_inserted\":{\"input\",\"kernel\"}.",
             args, out))
    return 0;
  const QStringList kernelSpecs = p.values("kernel");
  if (kernelSpecs.isEmpty()) throw UsageError("--kernel is required (a name such as box-blur, or a matrix file)");
  const Tensor input = loadInput(str(p.value("input")), channelsOption(p), p.isSet("normalize"));
  std::vector<NamedKernel> kernels;
  for (const QString& spec : kernelSpecs) kernels.push_back(loadKernel(str(spec)));
  FilterOptions options;
  std::tie(options.strideH, options.strideW) = parsePair(str(p.value("stride")), "stride", 1);
  std::tie(options.dilationH, options.dilationW) = parsePair(str(p.value("dilation")), "dilation", 1);
  options.padding = parseOption(PaddingSpec::parse, str(p.value("padding")), "padding");
  options.bias = parseFloat(str(p.value("bias")), "bias");
  options.perChannel = p.isSet("per-channel");
  int64_t outPadH = 0, outPadW = 0; // not a structured binding: lambdas capture it (clang 14)
  std::tie(outPadH, outPadW) = parsePair(str(p.value("output-padding")), "output-padding", 0);
  const TransposedConvolution t = parseOption(
      [&](const std::string&) { return transposedConvolution(kernels, input.shape(), options, outPadH, outPadW); }, "",
      "kernel");
  auto backend = backendOption(p);
  const Tensor result = transposedForward(t, input, backend.get());
  const auto overlap = transposedOverlap(t, input.shape());
  std::optional<TransposedExplanation> explained;
  if (p.isSet("at")) {
    const std::string at = str(p.value("at"));
    if (at.find(',') == std::string::npos) throw UsageError("--at '" + at + "' must be ROW,COL");
    int64_t row = 0, col = 0; // not a structured binding: the lambda captures it (clang 14)
    std::tie(row, col) = parsePair(at, "at", 0);
    const int64_t channel = parseInteger(str(p.value("out-channel")), "out-channel");
    explained = parseOption([&](const std::string&) { return explainTransposed(t, input, channel, row, col); }, "",
                            "at");
  }
  const int inChannels = int(input.shape()[1]);
  std::optional<ZeroInsertedView> view;
  if (p.isSet("zero-inserted")) view = zeroInsertedView(t, input);
  if (p.isSet("json")) {
    const Shape& s = result.shape();
    Json j{{"shape", {s[1], s[2], s[3]}}, {"output", tensorJson(result)}, {"overlap", overlap}};
    if (explained) {
      Json terms = Json::array();
      for (const TransposedTerm& term : explained->terms)
        terms.push_back({{"in_channel", term.inChannel}, {"row", term.row}, {"col", term.col},
                         {"kernel_row", term.kernelRow}, {"kernel_col", term.kernelCol}, {"input", term.input},
                         {"weight", term.weight}});
      j["explain"] = {{"value", explained->value}, {"bias", explained->bias}, {"terms", std::move(terms)},
                      {"text", transposedExplanationText(*explained, inChannels)}};
    }
    if (view) {
      const Shape& w = view->weights.shape();
      Json kernel = Json::array();
      for (int64_t o = 0; o < w[0]; ++o)
        kernel.push_back(tensorJson(Tensor(Shape{1, w[1], w[2], w[3]},
                                           std::vector<float>(view->weights.data() + o * w[1] * w[2] * w[3],
                                                              view->weights.data() + (o + 1) * w[1] * w[2] * w[3]))));
      j["zero_inserted"] = {{"input", tensorJson(view->input)}, {"kernel", std::move(kernel)}};
    }
    out << j.dump() << "\n";
    return 0;
  }
  printTensor(out, result);
  if (overlap.size() <= 32 && overlap[0].size() <= 32)
    out << "overlap (products landing on each output cell, per input channel):\n" << overlapText(overlap);
  if (explained) out << transposedExplanationText(*explained, inChannels) << "\n";
  if (view) {
    out << "the same as a convolution, stride 1, over the zero-inserted input (" << view->input.shape()[2] << "x"
        << view->input.shape()[3] << "):\n";
    printTensor(out, view->input);
    const Shape& w = view->weights.shape();
    out << "with the kernel turned 180° (" << w[0] << " output channel(s), " << w[1] << " block(s) each):\n"
        << formatMatrixText(view->weights.reshaped(Shape{w[0] * w[1], w[2], w[3]}));
  }
  return 0;
}

} // namespace convscope::cli
