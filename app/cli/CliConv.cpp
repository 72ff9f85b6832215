// `convscope conv` and `convscope pool`: the lecture's forward operations on an image or a
// matrix, printed as numbers or JSON, or written as an image.
#include "app/cli/CliCommon.h"

#include "engine/backend/reference/ExplainBackward.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/core/Geometry.h"
#include "engine/core/OutputSize.h"
#include "engine/io/ImageIO.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/Filtering.h"
#include "engine/lessons/Kernels.h"

#include <QCommandLineParser>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace convscope::cli {

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

} // namespace convscope::cli
