// `convscope saliency`: the pixels a trained model's class score depends on, for one image.
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
#include "engine/io/ModelFile.h"
#include "engine/lessons/Saliency.h"
#include "engine/training/Preprocess.h"

namespace convscope::cli {

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
  addNormalizationOptions(p);
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
  applyNormalizationOptions(p, model);
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

} // namespace convscope::cli
