// `convscope summary`: a network's layers, output shapes, parameters and multiply-adds,
// nested by block, as text, CSV, Markdown or LaTeX.
#include "app/cli/CliCommon.h"

#include "engine/core/Statistics.h"
#include "engine/network/Architectures.h"
#include "engine/training/Dataset.h"
#include "engine/lessons/Filtering.h"
#include "engine/io/ImageIO.h"
#include "engine/lessons/Kernels.h"
#include "engine/network/LayerList.h"
#include "engine/io/ModelFile.h"
#include "engine/lessons/Pipeline.h"
#include "engine/network/Presets.h"
#include "engine/io/TextTable.h"
#include "engine/training/Throughput.h"
#include "engine/training/Trainer.h"
#include "engine/training/TrainingJob.h"
#include "engine/backend/reference/Explain.h"
#include <fstream>
#include <optional>
#include <sstream>

#include <omp.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <unistd.h>

#include <algorithm>
#include <random>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace convscope::cli {

int summary(const std::vector<std::string>& args, std::ostream& out) {
  // The model comes first: convscope summary resnet50 --depth 2.
  std::vector<std::string> options = args;
  std::string spec = takeLeadingModel(options);
  QCommandLineParser p;
  p.addOption(
      {"model",
       "The model, if not given first: a preset (lenet5, mini-resnet, …, alexnet, vgg16, googlenet, "
       "resnet18, resnet50, densenet121, mobilenet), a model file, a layer list (.txt) or an ONNX file (.onnx).",
       "M"});
  p.addOption({"input",
               "Another input, C,H,W: a layer list works every layer out again; a preset or model file keeps its "
               "layers (a dense layer fixes the size that reaches it).",
               "C,H,W"});
  p.addOption({"depth", "Nest the table to this depth of the dotted names (default 1: blocks).", "N", "1"});
  p.addOption({"format", "The table as text (default), csv, markdown or latex (booktabs), for slides and handouts.",
               "F", "text"});
  if (!parse(p, "summary",
             "convscope summary MODEL [--depth N] [--input C,H,W] [--format text|csv|markdown|latex] [--json]\n"
             "A network's layers: output shape (one image), parameters and multiply-accumulates (MACs:\n"
             "convolutions and fully connected layers, without biases, as torchvision's published figures\n"
             "and thop/fvcore count them; FLOPs = 2 x MACs). Parameters count weights, biases and batch-norm\n"
             "scale and shift, not running statistics. The table sums the layers whose dotted names share\n"
             "their first --depth parts (a ResNet block, an inception module); --json lists every layer:\n"
             "{\"layers\":[{\"name\":...,\"type\":...,\"output_shape\":[C,H,W],\"params\":N,\"macs\":N}],\n"
             "\"total_params\":N,\"total_macs\":N}; a GAN (mini-dcgan) the generator's, and its discriminator's\n"
             "the same way under \"discriminator\".",
             options, out))
    return 0;
  if (spec.empty()) spec = str(p.value("model"));
  if (spec.empty())
    throw UsageError(
        "summary needs a model: a preset such as resnet50, a model file, a layer list (.txt) or an ONNX file (.onnx)");
  const int depth = wholeNumber(p, "depth", 1, 16);
  TableFormat format;
  try {
    format = tableFormatFromName(str(p.value("format")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--format: ") + e.what());
  }
  std::optional<Network> network, discriminator; // a GAN's generator is `network`
  const std::string dims = str(p.value("input"));
  const bool layerList = isLayerListPath(spec);
  if (p.isSet("input") && layerList) {
    if (!std::filesystem::exists(spec)) throw UsageError("--model '" + spec + "': no such file");
    std::ifstream file(spec);
    std::stringstream text;
    text << file.rdbuf();
    std::string body = text.str(), rest;
    // Replace the input line (the first line that is not blank or a comment): every layer
    // after it is worked out again, dense layers included.
    std::istringstream lines(body);
    std::string line, rebuilt;
    bool replaced = false;
    while (std::getline(lines, line)) {
      const std::string bare = line.substr(0, line.find('#'));
      if (!replaced && bare.find_first_not_of(" \t\r") != std::string::npos) {
        std::string spaced = dims;
        std::replace(spaced.begin(), spaced.end(), ',', 'x');
        line = "input " + spaced;
        replaced = true;
      }
      rebuilt += line + "\n";
    }
    try {
      network.emplace(buildLayerList(rebuilt));
    } catch (const std::invalid_argument& e) {
      throw UsageError(spec + " with --input " + dims + ": " + e.what());
    }
  } else if (p.isSet("input")) {
    // A preset or a model file keeps its layers as they are, sizes included, on another
    // input: through the model file's form with its input replaced, so every layer's shape
    // check runs again (a dense layer fixes the size of what reaches it).
    Json j = Json::parse(serializeModel(modelFromSpec(spec).network, {}, false));
    std::vector<int64_t> shape;
    std::stringstream parts(dims);
    for (std::string part; std::getline(parts, part, ',');) shape.push_back(parseInteger(part, "input"));
    if (shape.size() != 3 || std::any_of(shape.begin(), shape.end(), [](int64_t v) { return v < 1 || v > 100000; }))
      throw UsageError("--input " + dims + ": expected C,H,W, three whole numbers from 1 to 100000");
    j["input"] = shape;
    try {
      network.emplace(std::move(parseModel(j.dump(), spec).network));
    } catch (const std::invalid_argument& e) {
      throw UsageError(spec + " with --input " + dims + ": " + e.what());
    }
  } else {
    // Counting needs no weights: a preset's are never made, an ONNX file's never read.
    Model model = convscope::modelStructureFromSpec(spec);
    network.emplace(std::move(model.network));
    discriminator = std::move(model.discriminator);
  }
  const auto tableJson = [](const Network& net) {
    const std::vector<Network::SummaryRow> rows = net.summaryRows();
    int64_t params = 0, macs = 0;
    for (const auto& r : rows) params += r.parameters, macs += r.macs;
    Json j{{"layers", Json::array()}, {"total_params", params}, {"total_macs", macs}};
    for (const auto& r : rows)
      j["layers"].push_back({{"name", r.name},
                             {"type", r.type},
                             {"output_shape", r.output.dims()},
                             {"params", r.parameters},
                             {"macs", r.macs}});
    return j;
  };
  if (p.isSet("json")) {
    Json j = tableJson(*network);
    if (discriminator) j["discriminator"] = tableJson(*discriminator); // a GAN's: the generator's above
    out << j.dump() << std::endl;
    return 0;
  }
  // Rows whose names share their first `depth` parts are one row: the block's totals.
  if (discriminator) out << "generator:\n";
  out << formatTable(networkSummaryTable(*network, depth), format);
  if (discriminator) out << "\ndiscriminator:\n" << formatTable(networkSummaryTable(*discriminator, depth), format);
  return 0;
}

} // namespace convscope::cli
