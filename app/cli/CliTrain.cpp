// `convscope train`: a network trained on a dataset with a progress line, saved, checkpointed.
#include "app/cli/CliCommon.h"

#include "engine/core/Statistics.h"
#include "engine/network/Architectures.h"
#include "engine/generative/SuperResolution.h"
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

std::string minutesSeconds(double seconds) {
  const int s = static_cast<int>(std::lround(std::max(0.0, seconds)));
  char text[32];
  std::snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
  return text;
}

double positiveNumber(const QCommandLineParser& p, const char* option) {
  const float v = parseFloat(str(p.value(option)), option);
  return v;
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

} // namespace

int train(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  QCommandLineParser p;
  p.addOption(
      {"model",
       "A preset (lenet5, lenet5-relu), a layer list (.txt, one layer a line: see docs/layer-lists.md) or a model "
       "file (.json, trained further if it has weights) or an ONNX file (.onnx, e.g. from PyTorch: docs/onnx.md).",
       "PRESET|FILE"});
  addDatasetOption(p);
  p.addOption({"epochs", "Passes over the training set (default: the preset's; 10, 8 for mini-unet and mini-fcn, 12 for mini-ssd, 40 "
                        "for mini-vae, 80 for mini-dcgan, 20 for mini-srgan).", "N"});
  p.addOption({"batch", "Mini-batch size (default: the preset's; 64, 32 for mini-unet, mini-fcn and mini-ssd).", "N"});
  p.addOption({"lr", "Learning rate (default: the preset's, 0.05 for LeNet-5, 0.01 for the mini versions, 0.003 for "
                     "mini-unet and mini-fcn, 0.002 for mini-ssd, 0.001 for mini-vae, 0.003 for mini-dcgan, 0.001 for mini-srgan).",
               "X"});
  p.addOption({"optimizer", "sgd or adam (default: the preset's; sgd, adam for mini-unet, mini-fcn, mini-ssd and the generative ones).", "NAME"});
  p.addOption({"momentum", "SGD momentum.", "M", "0.9"});
  p.addOption({"beta", "A VAE's weight on the KL term (β-VAE; default 1): 0 a plain autoencoder, larger packs the "
                      "codes towards N(0, I).", "B"});
  p.addOption({"adversarial", "A super-resolution GAN's weight on the adversarial loss beside the reconstruction "
                             "(default: the preset's; 0.01 for mini-srgan): 0 trains on the reconstruction alone.",
               "W"});
  p.addOption({"beta1", "Adam's β₁, the first moment's decay (default: the preset's; 0.9, 0.5 for mini-dcgan and mini-srgan).", "B"});
  p.addOption({"weight-decay", "L2 weight decay.", "W", "0"});
  p.addOption({"lr-step", "Multiply the learning rate by --lr-gamma every N epochs (0: constant).", "N", "0"});
  p.addOption({"lr-gamma", "The step schedule's factor.", "G", "0.1"});
  p.addOption({"loss",
               "ce (cross-entropy) or mse (the lecture's total error ½Σ(target − output)²); for segmentation "
               "(--dataset scenes) ce per pixel, dice or ce+dice (default: ce; ce+dice for mini-unet and mini-fcn). "
               "A detector (mini-ssd) always learns with SSD's loss, a VAE (mini-vae) with the negative ELBO, a GAN "
               "(mini-dcgan) with the adversarial loss, super-resolution (mini-srgan) with it and the reconstruction.",
               "NAME"});
  p.addOption({"init", "Weight initialization: auto (He for ReLU networks, LeCun otherwise), he, glorot or lecun.",
               "NAME", "auto"});
  p.addOption({"seed", "Random seed (initialization and shuffling).", "N", "1"});
  p.addOption({"threads", "Compute threads (0: all cores).", "N", "0"});
  p.addOption({"train-images", "Train on the first N images of each shuffled epoch (0: all).", "N", "0"});
  p.addOption({"test-images", "Test on the first N test images after each epoch (0: all).", "N", "0"});
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
             "\"test_loss\":...,\"test_accuracy\":...,\"images_per_second\":...,\"seconds\":...}; for segmentation\n"
             "also \"test_miou\", \"test_pixel_accuracy\" and \"test_class_iou\" (null for a class never seen); for a\n"
             "detector (mini-ssd on --dataset scenes) \"test_map50\" (mean AP at IoU 0.5) and \"test_class_ap50\",\n"
             "the accuracies those of the matched anchors' classes; for a VAE (mini-vae) \"test_reconstruction\"\n"
             "and \"test_kl\" in nats per image, the test loss their sum (the negative ELBO); for a GAN\n"
             "(mini-dcgan) \"discriminator_loss\", \"generator_loss\" (train_loss), \"real_score\" D(x) and\n"
             "\"fake_score\" D(G(z)) over the epoch, \"test_real_score\" and \"test_fake_score\" on the test images\n"
             "and as many made from a fixed seed (test_loss the discriminator's loss there); for super-resolution\n"
             "(mini-srgan) also \"reconstruction_loss\" (the pixels' mean squared error, train_loss that plus\n"
             "--adversarial times generator_loss), \"test_reconstruction_loss\" and \"test_psnr\" (dB).\n"
             "Exit status: 0 trained, 2 bad input, 3 the loss diverged (weights not saved).",
             args, out))
    return 0;
  TrainingSpec spec;
  TrainConfig& config = spec.config;
  const TrainConfig recipe = presetTrainConfig(str(p.value("model"))); // what is not given: the preset's
  const auto numberOr = [&](const char* option, int fallback, int lo, int hi) {
    return p.isSet(option) ? wholeNumber(p, option, lo, hi) : fallback;
  };
  config.epochs = numberOr("epochs", recipe.epochs, 1, 100000);
  config.batchSize = numberOr("batch", recipe.batchSize, 1, 65536);
  config.loss = recipe.loss, config.pixelLoss = recipe.pixelLoss;
  config.seed = static_cast<uint64_t>(parseInteger(str(p.value("seed")), "seed"));
  config.threads = wholeNumber(p, "threads", 0, 1024);
  config.maxTrainImages = static_cast<size_t>(wholeNumber(p, "train-images", 0, 1 << 30));
  config.maxTestImages = static_cast<size_t>(wholeNumber(p, "test-images", 0, 1 << 30));
  config.gradientNorms = p.isSet("gradient-norms");
  config.optimizer.learningRate = p.isSet("lr") ? positiveNumber(p, "lr") : recipe.optimizer.learningRate;
  config.optimizer.momentum = positiveNumber(p, "momentum");
  config.optimizer.weightDecay = positiveNumber(p, "weight-decay");
  config.optimizer.stepEvery = wholeNumber(p, "lr-step", 0, 100000);
  config.optimizer.stepGamma = positiveNumber(p, "lr-gamma");
  config.optimizer.beta1 = p.isSet("beta1") ? positiveNumber(p, "beta1") : recipe.optimizer.beta1;
  if (!(config.optimizer.beta1 < 1.0)) throw UsageError("--beta1 " + str(p.value("beta1")) + " must be below 1");
  try {
    config.optimizer.kind = p.isSet("optimizer") ? optimizerKindFromString(str(p.value("optimizer")))
                                                 : recipe.optimizer.kind;
    if (p.isSet("loss")) {
      const std::string loss = str(p.value("loss"));
      config.loss = LossKind::CrossEntropy, config.pixelLoss = PixelLossKind::CrossEntropy;
      if (loss == "dice" || loss == "ce+dice")
        config.pixelLoss = pixelLossKindFromString(loss);
      else
        config.loss = lossKindFromString(loss);
    }
    spec.init = initSchemeFromString(str(p.value("init")));
    spec.backend = backendKindFromString(str(p.value("backend")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (std::string problem = config.problem(); !problem.empty()) throw UsageError(problem);
  if (p.isSet("beta")) config.vae = TrainConfig::Vae{positiveNumber(p, "beta")}; // a network without a sampling layer is refused
  config.adversarialWeight = p.isSet("adversarial") ? positiveNumber(p, "adversarial") : recipe.adversarialWeight;
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
  // --adversarial weighs a super-resolution GAN's two losses; a saved one says its weight anew (a
  // model file keeps the recipe in words only), a checkpoint goes on with its own.
  const bool upscaler = job.discriminator() && readsImages(job.network());
  if (p.isSet("adversarial") && !upscaler)
    throw UsageError("--adversarial weighs a super-resolution GAN's adversarial loss (mini-srgan, mini-srgan-4x); " +
                     spec.model + " is not one");
  if (p.isSet("adversarial") && spec.resume)
    throw UsageError("--resume goes on with the checkpoint's adversarial weight: leave out --adversarial");
  if (upscaler && !spec.resume && !isPreset(spec.model) && !p.isSet("adversarial"))
    throw UsageError(spec.model + " is a super-resolution GAN: give its adversarial weight, --adversarial W (0 for the "
                                  "plain reconstruction; the presets' is 0.01)");

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
      if (r.segmentation) { // accuracies are of pixels; each class's IoU, null for one never seen
        j["test_miou"] = static_cast<float>(r.testMeanIou);
        j["test_pixel_accuracy"] = static_cast<float>(r.testAccuracy);
        Json ious = Json::array();
        for (double iou : r.testClassIou) ious.push_back(std::isnan(iou) ? Json() : Json(static_cast<float>(iou)));
        j["test_class_iou"] = std::move(ious);
      }
      if (r.vae) { // nats per test image: the loss is their sum (the negative ELBO)
        j["test_reconstruction"] = static_cast<float>(r.testReconstruction);
        j["test_kl"] = static_cast<float>(r.testKl);
      }
      if (r.gan) { // the two players' losses and the discriminator's mean P(real) on real and made images
        j["discriminator_loss"] = static_cast<float>(r.trainDiscriminatorLoss);
        j["generator_loss"] = static_cast<float>(r.trainGeneratorLoss);
        j["real_score"] = static_cast<float>(r.trainRealScore);
        j["fake_score"] = static_cast<float>(r.trainFakeScore);
        j["test_real_score"] = static_cast<float>(r.testRealScore);
        j["test_fake_score"] = static_cast<float>(r.testFakeScore);
        if (r.reconstructs) { // super-resolution: the pixels' mean squared error and the test images' PSNR
          j["reconstruction_loss"] = static_cast<float>(r.trainReconstructionLoss);
          j["test_reconstruction_loss"] = static_cast<float>(r.testReconstructionLoss);
          j["test_psnr"] = static_cast<float>(r.testPsnr);
        }
      }
      if (r.detection) { // accuracies are of the matched anchors' classes; AP per class, null for one absent
        j["test_map50"] = static_cast<float>(r.testMap50);
        Json aps = Json::array();
        for (double ap : r.testClassAp) aps.push_back(std::isnan(ap) ? Json() : Json(static_cast<float>(ap)));
        j["test_class_ap50"] = std::move(aps);
      }
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
      if (r.gan) // two players: neither loss alone says how good the samples are
        out << "epoch " << r.epoch + 1 << "/" << config.epochs << ": D loss " << fixed(r.trainDiscriminatorLoss, 3)
            << ", G loss " << fixed(r.trainGeneratorLoss, 3) << ", D(x) " << fixed(r.trainRealScore, 3)
            << ", D(G(z)) " << fixed(r.trainFakeScore, 3) << "; test D(x) " << fixed(r.testRealScore, 3)
            << ", D(G(z)) " << fixed(r.testFakeScore, 3)
            << (r.reconstructs ? "; reconstruction " + formatRounded(r.trainReconstructionLoss, 3) + ", test PSNR " +
                                     fixed(r.testPsnr, 2) + " dB"
                               : std::string())
            << "; " << fixed(r.imagesPerSecond, 0) << " images/s; "
            << fixed(r.seconds, 1) << " s" << std::endl;
      else if (r.vae) // nats per image; no accuracy to speak of
        out << "epoch " << r.epoch + 1 << "/" << config.epochs << ": train loss " << fixed(r.trainLoss, 2)
            << "; test loss " << fixed(r.testLoss, 2) << " (reconstruction " << fixed(r.testReconstruction, 2)
            << " + KL " << fixed(r.testKl, 2) << " nats per image); " << fixed(r.imagesPerSecond, 0)
            << " images/s; " << fixed(r.seconds, 1) << " s" << std::endl;
      else {
        out << "epoch " << r.epoch + 1 << "/" << config.epochs << ": train loss " << fixed(r.trainLoss, 4)
            << ", accuracy " << fixed(100 * r.trainAccuracy, 2) << "%; test loss " << fixed(r.testLoss, 4)
            << ", accuracy " << fixed(100 * r.testAccuracy, 2) << "%"
            << (r.segmentation ? " of pixels, mean IoU " + fixed(r.testMeanIou, 3) : std::string())
            << (r.detection ? " of matched anchors, mAP@0.5 " + fixed(r.testMap50, 3) : std::string())
            << "; "
            << fixed(r.imagesPerSecond, 0) << " images/s; "
            << fixed(r.seconds, 1) << " s" << std::endl;
      }
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
      saveModel(checkpointPath, job.network(), job.modelInfo(epochsRun, &lastEpoch, &state), job.discriminator());
    };
  const TrainResult result = job.run(callbacks);
  bar.clear();
  if (result.status == TrainResult::Status::Diverged) {
    err << kProgram << " train: " << result.message << "\n";
    return 3;
  }
  if (!savePath.empty()) {
    const ModelInfo info = job.modelInfo(result);
    saveModel(savePath, job.network(), info, job.discriminator());
    if (!json) out << "saved " << savePath << "\n";
  }
  return 0;
}

} // namespace convscope::cli
