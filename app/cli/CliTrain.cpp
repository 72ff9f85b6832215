// Command-line commands for training: train, eval, predict and bench (train/infer).
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

namespace {

using Clock = std::chrono::steady_clock;

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::string minutesSeconds(double seconds) {
  const int s = static_cast<int>(std::lround(std::max(0.0, seconds)));
  char text[32];
  std::snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
  return text;
}

// A model from a preset name or a model file (TrainingJob.h); none is a usage error.
Model modelFromSpec(const std::string& spec) {
  if (spec.empty()) throw UsageError("--model is required (a preset such as lenet5, or a model file)");
  return convscope::modelFromSpec(spec);
}

double positiveNumber(const QCommandLineParser& p, const char* option) {
  const float v = parseFloat(str(p.value(option)), option);
  return v;
}

int wholeNumber(const QCommandLineParser& p, const char* option, int minimum, int maximum) {
  const int64_t v = parseInteger(str(p.value(option)), option);
  if (v < minimum || v > maximum)
    throw UsageError(std::string("--") + option + " " + std::to_string(v) + " must be from " + std::to_string(minimum) +
                     " to " + std::to_string(maximum));
  return static_cast<int>(v);
}

// The progress line on a terminal, redrawn in place at most ten times a second.
class ProgressBar {
public:
  ProgressBar(std::ostream& err, bool enabled, int epochs)
      : err_(err), enabled_(enabled), epochs_(epochs), progress_(epochs) {}
  void batch(const BatchReport& r) {
    if (!enabled_) return;
    progress_.batch(r);
    const auto now = Clock::now();
    if (r.batch + 1 < r.batchesPerEpoch && now - lastDraw_ < std::chrono::milliseconds(100)) return;
    lastDraw_ = now;
    const double done = progress_.fraction();
    const int width = 24, filled = static_cast<int>(done * width);
    err_ << "\r\033[Kepoch " << r.epoch + 1 << "/" << epochs_ << " [" << std::string(filled, '#')
         << std::string(width - filled, '-') << "] " << fixed(100 * done, 0) << "%  loss " << fixed(r.loss, 4)
         << "  acc " << fixed(100 * r.accuracy, 1) << "%  " << fixed(progress_.imagesPerSecond(), 0) << " img/s  ETA "
         << minutesSeconds(progress_.secondsLeft()) << std::flush;
  }
  void clear() {
    if (enabled_) err_ << "\r\033[K" << std::flush;
  }

private:
  std::ostream& err_;
  bool enabled_;
  int epochs_;
  TrainingProgress progress_;
  Clock::time_point lastDraw_{};
};

void addDatasetOption(QCommandLineParser& p) {
  p.addOption({"dataset", "digits, fashion-mnist, idx:DIR, folder:DIR or cifar10:DIR.", "NAME", "digits"});
}

} // namespace

int train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  QCommandLineParser p;
  p.addOption(
      {"model",
       "A preset (lenet5, lenet5-relu), a layer list (.txt, one layer a line: see docs/layer-lists.md) or a model "
       "file (.json, trained further if it has weights) or an ONNX file (.onnx, e.g. from PyTorch: docs/onnx.md).",
       "PRESET|FILE"});
  addDatasetOption(p);
  p.addOption({"epochs", "Passes over the training set.", "N", "10"});
  p.addOption({"batch", "Mini-batch size.", "N", "64"});
  p.addOption({"lr", "Learning rate (default: the preset's, 0.05 for LeNet-5, 0.01 for the mini versions).", "X"});
  p.addOption({"optimizer", "sgd or adam.", "NAME", "sgd"});
  p.addOption({"momentum", "SGD momentum.", "M", "0.9"});
  p.addOption({"weight-decay", "L2 weight decay.", "W", "0"});
  p.addOption({"lr-step", "Multiply the learning rate by --lr-gamma every N epochs (0: constant).", "N", "0"});
  p.addOption({"lr-gamma", "The step schedule's factor.", "G", "0.1"});
  p.addOption({"loss", "ce (cross-entropy) or mse (the lecture's total error ½Σ(target − output)²).", "NAME", "ce"});
  p.addOption({"init", "Weight initialization: auto (He for ReLU networks, LeCun otherwise), he, glorot or lecun.",
               "NAME", "auto"});
  p.addOption({"seed", "Random seed (initialization and shuffling).", "N", "1"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  p.addOption({"train-images", "Train on the first N images of each shuffled epoch (0: all).", "N", "0"});
  p.addOption({"save", "Save the trained model here (atomically).", "FILE"});
  p.addOption({"checkpoint",
               "After every epoch, save a checkpoint here (atomically, replacing the last): the model with "
               "everything needed to go on exactly. It is a model file too (eval, predict, the window).",
               "FILE"});
  p.addOption({"resume",
               "Go on from a checkpoint exactly where it stopped, with its recipe and dataset; --epochs is the "
               "new total (those done included).",
               "FILE"});
  p.addOption({"gradient-norms", "Report each layer's weight and input gradient norms (means over each epoch)."});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "train",
             "Train a network. On a terminal a progress bar shows epoch, loss, accuracy, images per second\n"
             "and ETA. JSON: one object per epoch: {\"epoch\":e,\"train_loss\":...,\"train_accuracy\":...,\n"
             "\"test_loss\":...,\"test_accuracy\":...,\"images_per_second\":...,\"seconds\":...}\n"
             "Exit status: 0 trained, 2 bad input, 3 the loss diverged (weights not saved).",
             args, out))
    return 0;
  TrainingSpec spec;
  TrainConfig& config = spec.config;
  config.epochs = wholeNumber(p, "epochs", 1, 100000);
  config.batchSize = wholeNumber(p, "batch", 1, 65536);
  config.seed = static_cast<uint64_t>(parseInteger(str(p.value("seed")), "seed"));
  config.threads = wholeNumber(p, "threads", 0, 1024);
  config.maxTrainImages = static_cast<size_t>(wholeNumber(p, "train-images", 0, 1 << 30));
  config.gradientNorms = p.isSet("gradient-norms");
  config.optimizer.learningRate = p.isSet("lr") ? positiveNumber(p, "lr") : presetLearningRate(str(p.value("model")));
  config.optimizer.momentum = positiveNumber(p, "momentum");
  config.optimizer.weightDecay = positiveNumber(p, "weight-decay");
  config.optimizer.stepEvery = wholeNumber(p, "lr-step", 0, 100000);
  config.optimizer.stepGamma = positiveNumber(p, "lr-gamma");
  try {
    config.optimizer.kind = optimizerKindFromString(str(p.value("optimizer")));
    config.loss = lossKindFromString(str(p.value("loss")));
    spec.init = initSchemeFromString(str(p.value("init")));
    spec.backend = backendKindFromString(str(p.value("backend")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (std::string problem = config.problem(); !problem.empty()) throw UsageError(problem);
  if (config.optimizer.kind == OptimizerKind::Adam && !p.isSet("momentum")) config.optimizer.momentum = 0;
  const std::string savePath = str(p.value("save"));
  if (!savePath.empty()) {
    const std::filesystem::path folder = std::filesystem::path(savePath).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder))
      throw UsageError("--save " + savePath + ": the folder " + folder.string() + " does not exist");
  }
  spec.model = str(p.value("model"));
  spec.dataset = str(p.value("dataset"));
  if (p.isSet("resume")) {
    if (p.isSet("model")) throw UsageError("--resume goes on with the checkpoint's own model: leave out --model");
    spec.model = str(p.value("resume"));
    spec.resume = true;
  }
  const std::string checkpointPath = str(p.value("checkpoint"));
  if (!checkpointPath.empty()) {
    const std::filesystem::path folder = std::filesystem::path(checkpointPath).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder))
      throw UsageError("--checkpoint " + checkpointPath + ": the folder " + folder.string() + " does not exist");
  }
  TrainingJob job(spec);

  const bool json = p.isSet("json");
  ProgressBar bar(err, isatty(STDERR_FILENO) != 0, config.epochs);
  TrainerCallbacks callbacks;
  callbacks.onBatch = [&](const BatchReport& r) { bar.batch(r); };
  callbacks.onEpoch = [&](const EpochReport& r) {
    bar.clear();
    if (json) {
      Json j{{"epoch", r.epoch + 1},
             {"train_loss", static_cast<float>(r.trainLoss)},
             {"train_accuracy", static_cast<float>(r.trainAccuracy)},
             {"test_loss", static_cast<float>(r.testLoss)},
             {"test_accuracy", static_cast<float>(r.testAccuracy)},
             {"images_per_second", static_cast<float>(r.imagesPerSecond)},
             {"seconds", static_cast<float>(r.seconds)}};
      if (config.gradientNorms) {
        Json norms = Json::array();
        for (const Network::GradientNorm& n : r.gradientNorms)
          norms.push_back({{"layer", n.layer},
                           {"weights", static_cast<float>(n.weights)},
                           {"input", std::isnan(n.input) ? Json() : Json(static_cast<float>(n.input))}});
        j["gradient_norms"] = std::move(norms);
      }
      out << j.dump() << std::endl;
    } else {
      out << "epoch " << r.epoch + 1 << "/" << config.epochs << ": train loss " << fixed(r.trainLoss, 4)
          << ", accuracy " << fixed(100 * r.trainAccuracy, 2) << "%; test loss " << fixed(r.testLoss, 4)
          << ", accuracy " << fixed(100 * r.testAccuracy, 2) << "%; " << fixed(r.imagesPerSecond, 0) << " images/s; "
          << fixed(r.seconds, 1) << " s" << std::endl;
      for (const Network::GradientNorm& n : r.gradientNorms) // the gradient's way down, layer by layer
        // Three significant digits: a vanishing gradient is 1e-07, not 0.00000.
        out << "  " << n.layer << ": |dL/dweights| " << formatRounded(n.weights, 3) << ", |dL/dinput| "
            << (std::isnan(n.input) ? std::string("(first layer: not computed)") : formatRounded(n.input, 3))
            << std::endl;
    }
  };
  int epochsRun = 0;
  EpochReport lastEpoch;
  const auto onEpoch = callbacks.onEpoch;
  callbacks.onEpoch = [&](const EpochReport& r) {
    onEpoch(r);
    ++epochsRun;
    lastEpoch = r;
  };
  if (!checkpointPath.empty())
    callbacks.onCheckpoint = [&](const TrainingState& state) {
      saveModel(checkpointPath, job.network(), job.modelInfo(epochsRun, &lastEpoch, &state));
    };
  const TrainResult result = job.run(callbacks);
  bar.clear();
  if (result.status == TrainResult::Status::Diverged) {
    err << kProgram << " train: " << result.message << "\n";
    return 3;
  }
  if (!savePath.empty()) {
    const ModelInfo info = job.modelInfo(result);
    saveModel(savePath, job.network(), info);
    if (!json) out << "saved " << savePath << "\n";
  }
  return 0;
}

namespace {
Model trainedModel(const std::string& path) {
  if (path.empty()) throw UsageError("--model FILE is required (a trained model file)");
  Model model = loadModel(path);
  if (!model.hasWeights || !model.info.preprocess)
    throw UsageError(path + ": has no trained weights (train it first with convscope train --save)");
  return model;
}
} // namespace

int evaluateCommand(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"model", "A trained model file (.json, or .onnx from PyTorch).", "FILE"});
  addDatasetOption(p);
  p.addOption({"loss", "ce or mse.", "NAME", "ce"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "eval", "Evaluate a trained model on a dataset's test split.\nJSON: {\"accuracy\":a,\"loss\":l}", args,
             out))
    return 0;
  Model model = trainedModel(str(p.value("model")));
  LossKind loss;
  try {
    loss = lossKindFromString(str(p.value("loss")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const Preprocess& pre = *model.info.preprocess;
  const DatasetSplit data = loadDataset(str(p.value("dataset")), pre.channels, pre.height, pre.width);
  auto backend = backendOption(p);
  const Evaluation e = evaluate(model.network, *backend, data.test, pre, loss);
  if (p.isSet("json")) {
    out << Json{{"accuracy", static_cast<float>(e.accuracy)}, {"loss", static_cast<float>(e.loss)}, {"images", e.count}}
               .dump()
        << "\n";
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
  if (!parse(p, "predict",
             "Classify one image with a trained model (prepared as its training images were).\n"
             "JSON: {\"class\":k,\"label\":\"name\",\"probabilities\":[...]}",
             args, out))
    return 0;
  Model model = trainedModel(str(p.value("model")));
  const std::string input = str(p.value("input"));
  if (input.empty()) throw UsageError("--input IMAGE is required");
  const Preprocess& pre = *model.info.preprocess;
  const Tensor image = loadImage(input, {pre.channels, false});
  auto backend = backendOption(p);
  const Tensor& output = model.network.forward(*backend, preprocessImage(image, pre));
  Tensor probabilities = output;
  if (!model.network.endsInSoftmax()) backend->softmaxForward(output, probabilities);
  const auto& v = probabilities.values();
  const int k = static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
  const std::string label =
      k < static_cast<int>(model.info.classNames.size()) ? model.info.classNames[k] : std::to_string(k);
  if (p.isSet("json")) {
    out << Json{{"class", k}, {"label", label}, {"probabilities", v}}.dump() << "\n";
  } else {
    out << "class " << k << " (" << label << "), probability " << fixed(100 * v[k], 1) << "%\n";
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string name = i < model.info.classNames.size() ? model.info.classNames[i] : std::to_string(i);
      out << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ')
          << std::string(static_cast<size_t>(std::lround(v[i] * 40)), '#') << " " << fixed(100 * v[i], 1) << "%\n";
    }
  }
  return 0;
}

namespace {
// One live update of the lecture view: an RGB image through a bank of 3x3 filters, ReLU
// and 2x2 max pooling, up to displayable 8-bit images; the median of many.
int benchLive(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"size", "Image side in pixels.", "N", "1024"});
  p.addOption({"filters", "Filters in the bank (3x3, full depth).", "N", "8"});
  p.addOption({"runs", "Timed updates (after 3 warm-up updates).", "N", "30"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  p.addOption({"new-image",
               "A new image every update (as when images are dropped one after another); by default the image "
               "stays, as while a slider is dragged, and its stage is reused."});
  if (!parse(p, "bench live",
             "Time one live update: a size x size RGB image through a bank of 3x3 filters (padding 1),\n"
             "ReLU and 2x2 max pooling, up to displayable images. JSON: {\"median_ms\":x}",
             args, out))
    return 0;
  const int size = wholeNumber(p, "size", 8, 8192), filters = wholeNumber(p, "filters", 1, 256);
  const int runs = wholeNumber(p, "runs", 1, 100000), threads = wholeNumber(p, "threads", 0, 1024);
  if (threads > 0) omp_set_num_threads(threads);
  Tensor image(Shape{1, 3, size, size});
  std::mt19937 random(1);
  std::uniform_real_distribution<float> pixel(0, 255), weight(-1, 1);
  for (float& v : image.values()) v = pixel(random);
  PipelineSpec spec;
  for (int k = 0; k < filters; ++k) {
    Tensor w(Shape{3, 3, 3});
    for (float& v : w.values()) v = weight(random);
    spec.kernels.push_back({"random-" + std::to_string(k), w});
  }
  spec.convolution.padding = PaddingSpec::parse("1");
  spec.activation = ActivationKind::ReLU;
  spec.pooling = true;   // max 2x2, stride 2
  spec.classify = false; // the benchmark's pipeline ends at pooling
  auto backend = makeBackend(BackendKind::Onednn);
  std::vector<double> ms;
  PipelineResult previous; // as the window does: the last update's buffers are reused
  for (int i = 0; i < runs + 3; ++i) {
    const auto start = Clock::now();
    spec.inputVersion = p.isSet("new-image") ? uint64_t(i + 1) : 1; // as the window numbers its images
    PipelineResult r = runPipeline(*backend, image, spec, &previous);
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!r.error.empty()) throw std::runtime_error(r.error);
    if (i >= 3) ms.push_back(elapsed);
    previous = std::move(r);
  }
  const double middle = median(ms), p90 = percentile(ms, 90);
  if (p.isSet("json"))
    out << Json{{"median_ms", static_cast<float>(middle)},
                {"p90_ms", static_cast<float>(p90)},
                {"runs", runs},
                {"image", p.isSet("new-image") ? "new" : "kept"}}
               .dump()
        << "\n";
  else
    out << "one live update: median " << fixed(middle, 2) << " ms, 90th percentile " << fixed(p90, 2) << " ms (" << size
        << "x" << size << " RGB, " << filters << " filters 3x3, ReLU, max pool 2x2; "
        << (p.isSet("new-image") ? "a new image" : "the same image") << " every update; " << runs << " runs)\n";
  return 0;
}

// One classic kernel over a random image as the window computes it (applyFilterBank into
// the backend's layout, reusing the previous result's buffer), beside OpenCV's filter2D on
// the same image in the same run: medians of alternating calls.
int benchConv(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  p.addOption({"size", "Image side in pixels.", "N", "1024"});
  p.addOption({"channels", "1 (gray) or 3 (RGB, each channel filtered on its own).", "C", "1"});
  p.addOption({"kernel", "A classic kernel: " + QString::fromStdString(classicKernelNames()) + ".", "NAME", "sobel-x"});
  p.addOption({"padding", "Padding, as in the window and convscope conv (a number, same or valid).", "P", "1"});
  p.addOption({"runs", "Timed convolutions of each (after 3 warm-up ones).", "N", "50"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  if (!parse(p, "bench conv",
             "Time one convolution with a classic kernel as the window computes it, beside OpenCV's filter2D\n"
             "(constant zero border) on the same image in the same run.\n"
             "JSON: {\"median_ms\":x,\"filter2d_median_ms\":y,\"ratio\":x/y,...}",
             args, out))
    return 0;
  const int size = wholeNumber(p, "size", 8, 8192), channels = wholeNumber(p, "channels", 1, 3);
  if (channels == 2) throw UsageError("--channels 2: give 1 (gray) or 3 (RGB)");
  const int runs = wholeNumber(p, "runs", 1, 100000), threads = wholeNumber(p, "threads", 0, 1024);
  const std::string name = str(p.value("kernel"));
  const ClassicKernel* kernel = findClassicKernel(name);
  if (!kernel) throw UsageError("unknown kernel '" + name + "' (" + classicKernelNames() + ")");
  FilterOptions options;
  options.padding = PaddingSpec::parse(str(p.value("padding")));
  if (threads > 0) omp_set_num_threads(threads), cv::setNumThreads(threads);
  Tensor image(Shape{1, channels, size, size});
  std::mt19937 random(1);
  std::uniform_real_distribution<float> pixel(0, 255);
  for (float& v : image.values()) v = pixel(random);
  const std::vector<NamedKernel> bank{{kernel->name, kernel->weights}};
  auto backend = makeBackend(BackendKind::Onednn);
  // The peer: filter2D as an OpenCV user calls it, one call on the (interleaved) image.
  cv::Mat peerIn, peerOut;
  {
    std::vector<cv::Mat> planes;
    for (int c = 0; c < channels; ++c) planes.emplace_back(size, size, CV_32F, image.data() + int64_t(c) * size * size);
    cv::merge(planes, peerIn);
  }
  const Shape& k = kernel->weights.shape();
  const cv::Mat peerKernel(static_cast<int>(k[1]), static_cast<int>(k[2]), CV_32F,
                           const_cast<float*>(kernel->weights.data()));
  const KernelConvolution conv = kernelConvolution(bank[0], image.shape(), options);
  const cv::Point anchor(int(conv.geometry.padLeft), int(conv.geometry.padTop));
  const Layout layout = filterBankLayout(*backend, bank, channels); // as the live view chooses it
  Tensor result;
  std::vector<double> ours, theirs;
  for (int i = 0; i < runs + 3; ++i) {
    auto start = Clock::now();
    result = applyFilterBank(*backend, image, bank, options, layout, &result);
    const double a = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    start = Clock::now();
    cv::filter2D(peerIn, peerOut, CV_32F, peerKernel, anchor, 0, cv::BORDER_CONSTANT);
    const double b = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (i >= 3) ours.push_back(a), theirs.push_back(b);
  }
  const double mine = median(ours), peer = median(theirs);
  const Shape& s = result.shape();
  if (p.isSet("json"))
    out << Json{{"median_ms", static_cast<float>(mine)},
                {"filter2d_median_ms", static_cast<float>(peer)},
                {"ratio", static_cast<float>(mine / peer)},
                {"output", {s[1], s[2], s[3]}},
                {"runs", runs}}
               .dump()
        << "\n";
  else
    out << "one convolution (" << kernel->name << ", " << size << "x" << size << ", " << channels
        << (channels == 1 ? " channel" : " channels") << ", output " << s[2] << "x" << s[3] << "): median "
        << fixed(mine, 3) << " ms; OpenCV filter2D " << fixed(peer, 3) << " ms; ConvScope / filter2D "
        << fixed(mine / peer, 2) << " (" << runs << " runs)\n";
  return 0;
}
} // namespace

int bench(const std::vector<std::string>& args, std::ostream& out) {
  const std::string what = args.empty() ? "" : args[0];
  if (what == "live") return benchLive(std::vector<std::string>(args.begin() + 1, args.end()), out);
  if (what == "conv") return benchConv(std::vector<std::string>(args.begin() + 1, args.end()), out);
  if (what != "train" && what != "infer") {
    if (what == "--help" || what == "-h") {
      out << "Usage: convscope bench train|infer --model PRESET [--batch N] [--images N] [--threads N] [--json]\n"
             "       convscope bench live [--size 1024] [--filters 8] [--json]\n"
             "       convscope bench conv [--size 1024] [--channels 1|3] [--kernel NAME] [--threads T] [--json]\n"
             "       convscope bench gui [--images N] [--rounds N]          (the real window)\n"
             "       convscope bench browser [--model NAME] [--runs N] [--json] (the real window)\n"
             "train/infer: images per second on synthetic data after a warm-up, {\"images_per_second\":x};\n"
             "live: one live update of the lecture view, {\"median_ms\":x};\n"
             "conv: one classic kernel as the window applies it, beside OpenCV's filter2D, {\"median_ms\":x};\n"
             "gui: training in the window against the command line;\n"
             "browser: the Architectures tab's graph, forward pass and maps, {\"graph_ms\":…}.\n";
      return 0;
    }
    throw UsageError(
        "bench needs 'train', 'infer', 'live', 'conv', 'gui' or 'browser' first (see convscope bench --help)");
  }
  QCommandLineParser p;
  p.addOption({"model", "A preset or model file.", "PRESET|FILE", "lenet5"});
  p.addOption({"batch", "Batch size (default 64 for train, 256 for infer).", "N"});
  p.addOption({"images", "Images to time, after a warm-up.", "N", "64000"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  p.addOption({"backend", "Compute backend: onednn (default) or reference.", "NAME", "onednn"});
  if (!parse(p, "bench " + what,
             "Images per second of " +
                 std::string(what == "train" ? "training steps (forward, cross-entropy, backward, SGD)"
                                             : "inference (forward with softmax)") +
                 " on synthetic data, after a warm-up.\nJSON: {\"images_per_second\":x}",
             std::vector<std::string>(args.begin() + 1, args.end()), out))
    return 0;
  Model model = modelFromSpec(str(p.value("model")));
  if (!model.hasWeights) initialize(model.network, InitScheme::Auto, 1);
  const int batch = p.isSet("batch") ? wholeNumber(p, "batch", 1, 65536) : (what == "train" ? 64 : 256);
  const int64_t images = parseInteger(str(p.value("images")), "images");
  if (images < batch) throw UsageError("--images " + std::to_string(images) + " must be at least the batch size");
  const int threads = wholeNumber(p, "threads", 0, 1024);
  auto backend = backendOption(p);
  const Throughput t = what == "train" ? measureTraining(model.network, *backend, batch, images, threads)
                                       : measureInference(model.network, *backend, batch, images, threads);
  if (p.isSet("json"))
    out << Json{{"images_per_second", static_cast<float>(t.imagesPerSecond)},
                {"batch", batch},
                {"images", t.images},
                {"seconds", static_cast<float>(t.seconds)}}
               .dump()
        << "\n";
  else
    out << fixed(t.imagesPerSecond, 0) << " images/s (" << what << ", batch " << batch << ", " << t.images
        << " images in " << fixed(t.seconds, 2) << " s)\n";
  return 0;
}

int summary(const std::vector<std::string>& args, std::ostream& out) {
  // The model comes first: convscope summary resnet50 --depth 2.
  std::string spec;
  std::vector<std::string> options = args;
  if (!options.empty() && !options.front().empty() && options.front()[0] != '-')
    spec = options.front(), options.erase(options.begin());
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
             "\"total_params\":N,\"total_macs\":N}",
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
  std::optional<Network> network;
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
    network.emplace(std::move(modelFromSpec(spec).network));
  }
  const std::vector<Network::SummaryRow> rows = network->summaryRows();
  if (p.isSet("json")) {
    int64_t params = 0, macs = 0;
    for (const auto& r : rows) params += r.parameters, macs += r.macs;
    Json j{{"layers", Json::array()}, {"total_params", params}, {"total_macs", macs}};
    for (const auto& r : rows)
      j["layers"].push_back({{"name", r.name},
                             {"type", r.type},
                             {"output_shape", r.output.dims()},
                             {"params", r.parameters},
                             {"macs", r.macs}});
    out << j.dump() << std::endl;
    return 0;
  }
  // Rows whose names share their first `depth` parts are one row: the block's totals.
  out << formatTable(networkSummaryTable(*network, depth), format);
  return 0;
}

} // namespace convscope::cli
