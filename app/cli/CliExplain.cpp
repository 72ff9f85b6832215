// `convscope explain`: every multiply-add of one convolution output cell, as the lecture writes it.
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

} // namespace convscope::cli
