// TrainingJob: a run's setup and its model file's note, shared by the CLI and the window.
#include "TrainingJob.h"

#include "Architectures.h"
#include "LayerList.h"
#include "Presets.h"
#include "backend/reference/Explain.h"

#include <filesystem>
#include <stdexcept>

namespace convscope {

Model modelFromSpec(const std::string& spec) {
  if (spec.empty()) throw std::invalid_argument("no model given (a preset such as lenet5, or a model file)");
  if (isPreset(spec)) return {makePreset(spec), {}, false};
  if (!std::filesystem::exists(spec)) {
    std::string names;
    for (const std::string& p : presetNames()) names += (names.empty() ? "" : ", ") + p;
    for (const std::string& a : architectureNames()) names += ", " + a;
    throw std::invalid_argument("model '" + spec + "' is neither a preset (" + names + ") nor a file");
  }
  if (spec.size() > 4 && spec.substr(spec.size() - 4) == ".txt") return {loadLayerList(spec), {}, false};
  return loadModel(spec);
}

std::string recipeText(const TrainConfig& c, InitScheme init) {
  const OptimizerConfig& o = c.optimizer;
  std::string text = toString(o.kind) + " lr " + formatRounded(o.learningRate, 6);
  if (o.kind == OptimizerKind::Sgd) text += " momentum " + formatRounded(o.momentum, 6);
  if (o.weightDecay != 0.0) text += " weight-decay " + formatRounded(o.weightDecay, 6);
  if (o.stepEvery > 0) text += " lr-step " + std::to_string(o.stepEvery) + " gamma " + formatRounded(o.stepGamma, 6);
  text += " batch " + std::to_string(c.batchSize) + " loss " + toString(c.loss) + " seed " + std::to_string(c.seed);
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
  const Shape in = model_.network.inputShape();
  if (in.rank() != 3)
    throw std::invalid_argument("the model's input must be an image (C, H, W), it is " + in.toString());
  data_ = loadDataset(spec.dataset, int(in[0]), int(in[1]), int(in[2]));
  if (!model_.hasWeights) initialize(model_.network, spec.init, spec.config.seed);
  preprocess_ = model_.hasWeights && model_.info.preprocess ? *model_.info.preprocess : preprocessFor(in, data_.train);
  backend_ = makeBackend(spec.backend);
  trainer_.emplace(model_.network, data_, preprocess_, spec.config, *backend_);
}

TrainResult TrainingJob::run(const TrainerCallbacks& callbacks) { return trainer_->run(callbacks); }

ModelInfo TrainingJob::modelInfo(const TrainResult& result) const {
  ModelInfo info;
  info.preprocess = preprocess_;
  info.classNames = data_.train.classNames;
  TrainingNote note;
  note.dataset = spec_.dataset;
  note.epochs = int(result.epochs.size()) + (model_.info.training ? model_.info.training->epochs : 0);
  if (!result.epochs.empty()) {
    note.testAccuracy = result.epochs.back().testAccuracy;
    note.testLoss = result.epochs.back().testLoss;
  }
  note.recipe = recipeText(spec_.config, spec_.init);
  info.training = note;
  return info;
}

void TrainingProgress::batch(const BatchReport& r) {
  fraction_ = double(r.epoch * r.batchesPerEpoch + r.batch + 1) / double(epochs_ * r.batchesPerEpoch);
  rate_ = rate_ == 0.0 ? r.imagesPerSecond : 0.9 * rate_ + 0.1 * r.imagesPerSecond;
}

double TrainingProgress::secondsElapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double TrainingProgress::secondsLeft() const {
  return fraction_ > 0.0 ? secondsElapsed() * (1.0 - fraction_) / fraction_ : 0.0;
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

} // namespace convscope
