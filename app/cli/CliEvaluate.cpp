// `convscope eval` and `convscope predict`: a trained model on a test set, or on one image.
#include "app/cli/CliCommon.h"

#include "engine/core/Statistics.h"
#include "engine/generative/Gan.h"
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
#include "engine/layers/LayerKind.h"
#include "engine/training/Scenes.h"
#include "engine/training/Segmentation.h"
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

namespace {
// --model's trained model (with --mean and --std applied) and --input prepared for it, as its
// training images were: (1, C, H, W).
struct ModelAndInput {
  Model model;
  Tensor input;
};
ModelAndInput modelAndInput(const QCommandLineParser& p) {
  ModelAndInput r{trainedModel(str(p.value("model"))), {}};
  applyNormalizationOptions(p, r.model);
  const std::string input = str(p.value("input"));
  if (input.empty()) throw UsageError("--input IMAGE is required");
  const Preprocess& pre = *r.model.info.preprocess;
  r.input = preprocessImage(loadImage(input, {pre.channels, false}), pre);
  return r;
}
} // namespace

int evaluateCommand(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained model file (.json, or .onnx from PyTorch).", "FILE"});
  addDatasetOption(p);
  p.addOption({"loss", "ce or mse; for a segmentation model ce (per pixel), dice or ce+dice (default: the loss it "
                     "was trained with when its file says, else ce).",
               "NAME"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  addNormalizationOptions(p);
  if (!parse(p, "eval",
             "Evaluate a trained model on a dataset's test split.\nJSON: {\"accuracy\":a,\"loss\":l,\"images\":n}; for a "
             "segmentation model (--dataset scenes)\nthe accuracy is of pixels, with \"miou\" and \"class_iou\"; for a "
             "detector (mini-ssd)\n{\"map50\":m,\"class_ap50\":{\"0\":ap,…},\"loss\":l,\"anchor_accuracy\":a,\"images\":n}\n"
             "(AP at IoU 0.5 per class, VOC's all-point interpolation; null for a class with no true box); for a\n"
             "GAN (mini-dcgan) its discriminator on the test images and as many generated:\n"
             "{\"discriminator_loss\":l,\"real_score\":D(x),\"fake_score\":D(G(z)),\"accuracy\":a,\"images\":n}.",
             args, out))
    return 0;
  Model model = trainedModel(str(p.value("model")));
  applyNormalizationOptions(p, model);
  LossKind loss = LossKind::CrossEntropy;
  PixelLossKind pixelLoss = model.info.checkpoint ? model.info.checkpoint->config.pixelLoss : PixelLossKind::CrossEntropy;
  if (p.isSet("loss")) try {
      const std::string name = str(p.value("loss"));
      if (name == "dice" || name == "ce+dice")
        pixelLoss = pixelLossKindFromString(name);
      else
        loss = lossKindFromString(name), pixelLoss = PixelLossKind::CrossEntropy;
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  const Preprocess& pre = *model.info.preprocess;
  const DatasetSplit data = loadDataset(str(p.value("dataset")), pre.channels, pre.height, pre.width);
  auto backend = backendOption(p);
  if (model.discriminator) { // a GAN: its discriminator on held-out digits against as many generated
    const GanEvaluation g = evaluateGan(model.network, *model.discriminator, *backend, data.test, pre);
    if (p.isSet("json"))
      out << Json{{"discriminator_loss", static_cast<float>(g.discriminatorLoss)},
                  {"real_score", static_cast<float>(g.realScore)}, {"fake_score", static_cast<float>(g.fakeScore)},
                  {"accuracy", static_cast<float>(g.accuracy)}, {"images", g.count}}
                 .dump()
          << "\n";
    else
      out << "the discriminator on " << g.count << " test images and as many generated: loss " << fixed(g.discriminatorLoss, 3)
          << ", D(x) " << fixed(g.realScore, 3) << ", D(G(z)) " << fixed(g.fakeScore, 3) << ", "
          << fixed(100 * g.accuracy, 1) << " % told apart (samples' quality: convscope generate --census)\n";
    return 0;
  }
  const Evaluation e = isVae(model.network) ? evaluateVae(model.network, *backend, data.test, pre)
                       : model.info.detector
                           ? evaluateDetector(model.network, *backend, data.test, pre, *model.info.detector)
                           : evaluate(model.network, *backend, data.test, pre, loss, 64, 0, pixelLoss);
  if (e.vae) {
    if (p.isSet("json"))
      out << Json{{"loss", static_cast<float>(e.loss)}, {"reconstruction", static_cast<float>(e.reconstruction)},
                  {"kl", static_cast<float>(e.kl)}, {"images", e.count}}
                 .dump()
          << "\n";
    else
      out << "loss " << fixed(e.loss, 2) << " nats per image (reconstruction " << fixed(e.reconstruction, 2) << " + KL "
          << fixed(e.kl, 2) << ") over " << e.count << " test images\n";
    return 0;
  }
  if (e.detection) {
    const std::vector<std::string>& names = model.info.detector->classNames;
    if (p.isSet("json")) {
      Json aps = Json::object();
      for (size_t k = 0; k < e.classAp.size(); ++k)
        aps[names[k]] = std::isnan(e.classAp[k]) ? Json() : Json(static_cast<float>(e.classAp[k]));
      out << Json{{"map50", static_cast<float>(e.map50)}, {"class_ap50", aps}, {"loss", static_cast<float>(e.loss)},
                  {"anchor_accuracy", static_cast<float>(e.accuracy)}, {"images", e.count}}
                 .dump()
          << "\n";
    } else {
      out << "mAP@0.5 " << fixed(e.map50, 3) << " over " << e.count << " images, loss " << fixed(e.loss, 4)
          << "\nAP@0.5 per class:";
      for (size_t k = 0; k < e.classAp.size(); ++k)
        out << " " << names[k] << " " << (std::isnan(e.classAp[k]) ? std::string("(absent)") : fixed(e.classAp[k], 3));
      out << "\n";
    }
    return 0;
  }
  if (p.isSet("json")) {
    Json j{{"accuracy", static_cast<float>(e.accuracy)}, {"loss", static_cast<float>(e.loss)}, {"images", e.count}};
    if (e.segmentation) {
      j["miou"] = static_cast<float>(e.meanIou);
      Json ious = Json::array();
      for (double iou : e.classIou) ious.push_back(std::isnan(iou) ? Json() : Json(static_cast<float>(iou)));
      j["class_iou"] = std::move(ious);
    }
    out << j.dump() << "\n";
  } else if (e.segmentation) {
    out << "accuracy " << fixed(100 * e.accuracy, 2) << "% of the pixels of " << e.count << " images, mean IoU "
        << fixed(e.meanIou, 3) << ", loss " << fixed(e.loss, 4) << "\n";
  } else {
    out << "accuracy " << fixed(100 * e.accuracy, 2) << "% (" << std::llround(e.accuracy * double(e.count)) << " of "
        << e.count << "), loss " << fixed(e.loss, 4) << "\n";
  }
  return 0;
}

int predict(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained model file (.json, or .onnx from PyTorch).", "FILE"});
  p.addOption({"input", "The image to classify.", "IMAGE"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  p.addOption({"top", "List the N most probable classes (default: every class up to 10, else 5).", "N"});
  addNormalizationOptions(p);
  if (!parse(p, "predict",
             "Classify one image with a trained model (prepared as its training images were: an ONNX file's\n"
             "metadata gives its normalization and class names, scripts/export-torchvision.py writes them).\n"
             "JSON: {\"class\":k,\"label\":\"name\",\"probabilities\":[...],\"top\":[{\"class\":k,\"label\":...,"
             "\"probability\":p},...]}",
             args, out))
    return 0;
  auto [model, input] = modelAndInput(p);
  if (isSegmentationNetwork(model.network))
    throw UsageError(str(p.value("model")) + ": gives a class for every pixel, not one for the image: use segment");
  auto backend = backendOption(p);
  const Tensor& output = model.network.forward(*backend, input);
  Tensor probabilities = output;
  if (!model.network.endsInSoftmax()) backend->softmaxForward(output, probabilities);
  const auto& v = probabilities.values();
  const int k = static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
  const std::string label =
      k < static_cast<int>(model.info.classNames.size()) ? model.info.classNames[k] : std::to_string(k);
  // The classes in order of probability (all of a small set, in class order, as before).
  const int classes = static_cast<int>(v.size());
  const int top = p.isSet("top") ? wholeNumber(p, "top", 1, std::max(1, classes)) : classes <= 10 ? classes : 5;
  std::vector<int> order(size_t(classes), 0);
  for (int i = 0; i < classes; ++i) order[size_t(i)] = i;
  if (top < classes || p.isSet("top"))
    std::stable_sort(order.begin(), order.end(), [&v](int a, int b) { return v[size_t(a)] > v[size_t(b)]; });
  order.resize(size_t(top));
  const std::vector<std::string>& classNames = model.info.classNames; // lambdas cannot capture bindings (clang 14)
  const auto nameOf = [&](int i) {
    return i < static_cast<int>(classNames.size()) ? classNames[size_t(i)] : std::to_string(i);
  };
  if (p.isSet("json")) {
    Json list = Json::array();
    for (int i : order) list.push_back(Json{{"class", i}, {"label", nameOf(i)}, {"probability", v[size_t(i)]}});
    out << Json{{"class", k}, {"label", label}, {"probabilities", v}, {"top", list}}.dump() << "\n";
  } else {
    out << "class " << k << " (" << label << "), probability " << fixed(100 * v[k], 1) << "%\n";
    if (top < classes) out << "the " << top << " most probable of " << classes << ":\n";
    size_t width = 12;
    for (int i : order) width = std::max(width, nameOf(i).size() + 1);
    for (int i : order) {
      const std::string name = nameOf(i);
      out << "  " << name << std::string(width - name.size(), ' ')
          << std::string(static_cast<size_t>(std::lround(v[size_t(i)] * 40)), '#') << " " << fixed(100 * v[size_t(i)], 1)
          << "%\n";
    }
  }
  return 0;
}

// Each pixel's class with a trained segmentation model (mini-unet on the scenes): the classes
// as JSON or as a character map, and the image with the classes over it in their colours.
int segment(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained segmentation model file (convscope train --model mini-unet --dataset scenes).",
               "FILE"});
  p.addOption({"input", "The image to segment (resized to the model's input, as its training scenes were).",
               "IMAGE"});
  p.addOption({"output", "Write the image with each class over it in its colour (PNG, JPEG, ...; at least 256 "
                         "pixels across, each of the model's pixels a square).",
               "OVERLAY.png"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  addNormalizationOptions(p);
  if (!parse(p, "segment",
             "Each pixel's class with a trained segmentation model. Text: the classes as a map of characters\n"
             "(. for the background, the class's first character otherwise) and each class's pixel count.\n"
             "JSON: {\"shape\":[H,W],\"classes\":[[...],...],\"names\":[...],\"pixels\":{\"name\":count,...}}",
             args, out))
    return 0;
  auto [model, prepared] = modelAndInput(p);
  const Shape modelOut = model.network.outputShape(1), in = model.network.inputShape();
  if (!isSegmentationNetwork(model.network))
    throw UsageError(str(p.value("model")) + ": is not a segmentation model (its output is " +
                     shapeText(oneSample(modelOut)) + ", not a score per class at each of its " +
                     (in.rank() == 3 ? std::to_string(in[1]) + "x" + std::to_string(in[2]) : std::string("input's")) +
                     " pixels); classify with predict");
  const Preprocess& pre = *model.info.preprocess;
  auto backend = backendOption(p);
  const Tensor& scores = model.network.forward(*backend, prepared);
  const std::vector<uint8_t> classes = pixelClasses(scores);
  const int h = int(modelOut[2]), w = int(modelOut[3]);
  const std::vector<std::string>& classNames = model.info.classNames; // lambdas cannot capture bindings (clang 14)
  const auto nameOf = [&](int k) {
    return k < int(classNames.size()) ? classNames[size_t(k)] : std::to_string(k);
  };
  std::vector<int64_t> counts(size_t(modelOut[1]), 0);
  for (uint8_t c : classes) ++counts[c];
  if (p.isSet("output")) { // the image as the model saw it, grey, with each class's colour over it
    std::vector<float> grey(size_t(h) * size_t(w), 0.0f);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double sum = 0.0; // undo the normalization: back to 0–255
        for (int c = 0; c < pre.channels; ++c)
          sum += (prepared.at(0, c, y, x) * pre.stddev[size_t(c)] + pre.mean[size_t(c)]) * 255.0;
        grey[size_t(y) * size_t(w) + size_t(x)] = float(sum / pre.channels);
      }
    const int scale = std::max(1, (256 + std::min(h, w) - 1) / std::min(h, w));
    saveFeatureMapImage(classOverlay(grey, h, w, classes, scale), str(p.value("output")), MapImageStyle::Colour);
  }
  if (p.isSet("json")) {
    Json rows = Json::array(), names = Json::array(), pixels = Json::object();
    for (int y = 0; y < h; ++y)
      rows.push_back(std::vector<int>(classes.begin() + ptrdiff_t(y) * w, classes.begin() + ptrdiff_t(y + 1) * w));
    for (int k = 0; k < int(counts.size()); ++k) {
      names.push_back(nameOf(k));
      if (counts[size_t(k)] > 0) pixels[nameOf(k)] = counts[size_t(k)];
    }
    out << Json{{"shape", {h, w}}, {"classes", rows}, {"names", names}, {"pixels", pixels}}.dump() << "\n";
    return 0;
  }
  if (h <= 128 && w <= 128)
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const int k = classes[size_t(y) * size_t(w) + size_t(x)];
        out << (k == 0 ? '.' : nameOf(k).empty() ? '?' : nameOf(k)[0]);
      }
      out << "\n";
    }
  std::string tally;
  for (int k = 0; k < int(counts.size()); ++k)
    if (counts[size_t(k)] > 0) tally += (tally.empty() ? " " : ", ") + nameOf(k) + " " + std::to_string(counts[size_t(k)]);
  out << h << "x" << w << " pixels:" << tally << "\n";
  if (p.isSet("output")) out << "wrote " << str(p.value("output")) << "\n";
  return 0;
}

} // namespace convscope::cli
