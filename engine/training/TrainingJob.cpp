// TrainingJob: a run's setup and its model file's note, shared by the CLI and the window.
#include "engine/training/TrainingJob.h"

#include "engine/network/Architectures.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"
#include "engine/backend/reference/Explain.h"
#include "engine/io/Onnx.h"

#include <filesystem>
#include <stdexcept>

namespace convscope {

Model presetModel(const std::string& name) {
  Model model{makePreset(name), {}, false};
  if (isDetectionPreset(name)) {
    model.info.detector = presetDetectorSpec(name);
    model.info.classNames = model.info.detector->classNames;
  }
  if (isGanPreset(name)) model.discriminator = makePresetDiscriminator(name);
  return model;
}

Model modelFromSpec(const std::string& spec) {
  if (spec.empty()) throw std::invalid_argument("no model given (a preset such as lenet5, or a model file)");
  if (isPreset(spec)) return presetModel(spec);
  if (!std::filesystem::exists(spec)) {
    std::string names;
    for (const std::string& p : presetNames()) names += (names.empty() ? "" : ", ") + p;
    for (const std::string& a : architectureNames()) names += ", " + a;
    throw std::invalid_argument("model '" + spec + "' is neither a preset (" + names + ") nor a file");
  }
  if (isLayerListPath(spec)) return {loadLayerList(spec), {}, false};
  return loadModel(spec);
}

Model modelStructureFromSpec(const std::string& spec) {
  if (isPreset(spec)) {
    StructureOnly structure;
    return presetModel(spec);
  }
  if (isOnnxPath(spec) && std::filesystem::exists(spec)) {
    OnnxImportOptions options;
    options.structureOnly = true;
    return importOnnx(spec, options);
  }
  return modelFromSpec(spec);
}

std::string recipeText(const TrainConfig& c, InitScheme init) {
  const OptimizerConfig& o = c.optimizer;
  std::string text = toString(o.kind) + " lr " + formatRounded(o.learningRate, 6);
  if (o.kind == OptimizerKind::Sgd) text += " momentum " + formatRounded(o.momentum, 6);
  if (o.weightDecay != 0.0) text += " weight-decay " + formatRounded(o.weightDecay, 6);
  if (o.stepEvery > 0) text += " lr-step " + std::to_string(o.stepEvery) + " gamma " + formatRounded(o.stepGamma, 6);
  text += " batch " + std::to_string(c.batchSize) + " loss " +
          (c.vae ? std::string("elbo beta ") + formatRounded(c.vae->beta, 4)
           : c.gan ? std::string("gan beta1 ") + formatRounded(o.beta1, 4) +
                         (c.adversarialWeight != 1.0 ? " adversarial " + formatRounded(c.adversarialWeight, 4) : "")
           : c.detector ? std::string("ssd") : c.pixelLoss != PixelLossKind::CrossEntropy ? toString(c.pixelLoss)
                                                                                   : toString(c.loss)) +
          " seed " +
          std::to_string(c.seed);
  if (init != InitScheme::Auto) text += " init " + toString(init);
  return text;
}

namespace {
Model modelOf(const TrainingSpec& spec) {
  if (const std::string problem = spec.config.problem(); !problem.empty()) throw std::invalid_argument(problem);
  return spec.layers.empty() ? modelFromSpec(spec.model) : Model{buildLayerList(spec.layers), {}, false};
}
} // namespace

TrainingJob::TrainingJob(const TrainingSpec& spec) : spec_(spec), model_(modelOf(spec)) {
  if (spec.resume) { // the checkpoint's recipe and dataset; the epochs' new total and the threads as asked
    if (!model_.info.checkpoint)
      throw std::invalid_argument(spec.model + ": not a checkpoint (train --checkpoint FILE writes one)");
    const Checkpoint& c = *model_.info.checkpoint;
    spec_.config = c.config;
    spec_.config.epochs = spec.config.epochs;
    spec_.config.threads = spec.config.threads;
    spec_.config.gradientNorms = spec.config.gradientNorms;
    spec_.dataset = c.dataset;
    spec_.init = c.init;
  }
  if (model_.info.detector && !spec_.config.detector) spec_.config.detector = model_.info.detector;
  if (model_.discriminator) spec_.config.gan = true; // a GAN: its images are its discriminator's input
  const Shape in = model_.discriminator ? model_.discriminator->inputShape() : model_.network.inputShape();
  if (in.rank() != 3)
    throw std::invalid_argument("the model's input must be an image (C, H, W), it is " + in.toString());
  data_ = loadDataset(spec_.dataset, int(in[0]), int(in[1]), int(in[2]));
  if (!model_.hasWeights) initialize(model_.network, spec_.init, spec_.config.seed);
  if (!model_.hasWeights && model_.discriminator) initialize(*model_.discriminator, spec_.init, spec_.config.seed + 1);
  preprocess_ = model_.hasWeights && model_.info.preprocess ? *model_.info.preprocess : preprocessFor(in, data_.train);
  // A VAE reconstructs its input: the pixels on the [0, 1] scale, not normalized.
  if (!spec_.config.vae && isVae(model_.network)) spec_.config.vae = TrainConfig::Vae{};
  if ((spec_.config.vae || spec_.config.gan) && !(model_.hasWeights && model_.info.preprocess))
    preprocess_.mean.assign(preprocess_.mean.size(), 0.0f), preprocess_.stddev.assign(preprocess_.stddev.size(), 1.0f);
  backend_ = makeBackend(spec_.backend);
  trainer_.emplace(model_.network, data_, preprocess_, spec_.config, *backend_,
                   model_.discriminator ? &*model_.discriminator : nullptr);
  if (spec.resume) trainer_->resumeFrom(model_.info.checkpoint->state);
}

TrainResult TrainingJob::run(const TrainerCallbacks& callbacks) { return trainer_->run(callbacks); }

ModelInfo TrainingJob::modelInfo(const TrainResult& result) const {
  return modelInfo(int(result.epochs.size()), result.epochs.empty() ? nullptr : &result.epochs.back());
}

ModelInfo TrainingJob::modelInfo(int epochsRun, const EpochReport* last, const TrainingState* state) const {
  ModelInfo info;
  info.preprocess = preprocess_;
  // The classes the network scores: the images' (classification) or the pixels' (segmentation).
  info.classNames = data_.train.masks.empty() ? data_.train.classNames : data_.train.pixelClassNames;
  if (spec_.config.gan) info.classNames.clear(); // a generator scores nothing
  if (spec_.config.detector) { // the objects' classes
    info.detector = spec_.config.detector;
    info.classNames = info.detector->classNames;
  }
  TrainingNote note;
  note.dataset = spec_.dataset;
  note.epochs = epochsRun + (model_.info.training ? model_.info.training->epochs : 0);
  if (last) {
    note.testAccuracy = last->testAccuracy;
    note.testLoss = last->testLoss;
    if (last->detection) note.testMap50 = last->testMap50;
  }
  note.recipe = recipeText(spec_.config, spec_.init);
  info.training = note;
  if (state) info.checkpoint = Checkpoint{spec_.config, spec_.dataset, spec_.init, *state};
  return info;
}

void TrainingProgress::batch(const BatchReport& r) {
  if (!started_) // a resumed run starts part of the way through
    startFraction_ = double(r.epoch * r.batchesPerEpoch + r.batch) / double(epochs_ * r.batchesPerEpoch),
    started_ = true;
  fraction_ = double(r.epoch * r.batchesPerEpoch + r.batch + 1) / double(epochs_ * r.batchesPerEpoch);
  rate_ = rate_ == 0.0 ? r.imagesPerSecond : 0.9 * rate_ + 0.1 * r.imagesPerSecond;
}

double TrainingProgress::secondsElapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double TrainingProgress::secondsLeft() const {
  const double done = fraction_ - startFraction_; // this run's share, at this run's pace
  return done > 0.0 ? secondsElapsed() * (1.0 - fraction_) / done : 0.0;
}

std::vector<int> confusionCounts(const std::vector<int>& predictions, const std::vector<int>& labels, int classes) {
  std::vector<int> counts(size_t(classes) * size_t(classes), 0);
  for (size_t i = 0; i < predictions.size() && i < labels.size(); ++i) {
    const int truth = labels[i], predicted = predictions[i];
    if (truth < 0 || truth >= classes || predicted < 0 || predicted >= classes) continue;
    ++counts[size_t(truth) * size_t(classes) + size_t(predicted)];
  }
  return counts;
}

double LossSmoothing::add(double loss) {
  value_ = started_ ? k_ * value_ + (1 - k_) * loss : loss;
  started_ = true;
  return value_;
}

std::vector<double> LossSmoothing::over(const std::vector<double>& losses, double k) {
  LossSmoothing s(k);
  std::vector<double> out;
  out.reserve(losses.size());
  for (double loss : losses) out.push_back(s.add(loss));
  return out;
}

} // namespace convscope
