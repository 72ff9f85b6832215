// One training run as the command line and the window both set it up and report it: the
// model (a preset, a layer list typed or in a file, or a model file trained further from its
// weights), the dataset at the model's input size, the initialization, the preprocessing
// (the model file's when it has one, else worked out from the training set), the trainer,
// and afterwards the model file's info with its training note. Also what both show while it
// runs: progress with time left, and the confusion counts of an evaluation.
// Not for: threads or drawing (ui/training/TrainingWorker runs a job on the compute thread; the CLI
// runs one on the main thread).
#pragma once

#include "engine/training/Dataset.h"
#include "engine/io/ModelFile.h"
#include "engine/network/Network.h"
#include "engine/training/Optimizer.h"
#include "engine/training/Preprocess.h"
#include "engine/training/Trainer.h"
#include "engine/backend/Backend.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace convscope {

struct TrainingSpec {
  std::string model = "lenet5"; // a preset, a layer-list file (.txt) or a model file (.json)
  std::string layers;           // a layer list's text (typed in the editor): used instead of `model`
  std::string dataset = "digits";
  InitScheme init = InitScheme::Auto; // for a network without weights
  TrainConfig config;
  BackendKind backend = BackendKind::Onednn;
  // `model` is a checkpoint (train --checkpoint): go on exactly where it stopped, with its
  // dataset and recipe; config.epochs is the new total, config.threads as given.
  bool resume = false;
};

// A preset's untrained network, with a detector's spec for a detection preset and a GAN preset's
// discriminator.
Model presetModel(const std::string& name);
// A model from a preset name, a layer-list file or a model file; std::invalid_argument names
// what `spec` is not.
Model modelFromSpec(const std::string& spec);
// The same model's structure only (StructureOnly): a preset's or an ONNX file's convolutions
// and fully connected layers without weights — never allocated, never read from the file — for
// counting and drawing. A model file or layer list is read as modelFromSpec reads it.
Model modelStructureFromSpec(const std::string& spec);

// "sgd lr 0.05 momentum 0.9 batch 64 loss ce seed 1" (+ "weight-decay W", "lr-step N gamma G",
// "init he" when they are not the defaults): how a model was trained, for its file.
std::string recipeText(const TrainConfig& config, InitScheme init);

class TrainingJob {
public:
  // Loads the model and the data and prepares the run; std::invalid_argument names the problem
  // (the configuration's, the model's, the dataset's).
  explicit TrainingJob(const TrainingSpec& spec);
  TrainingJob(const TrainingJob&) = delete;
  TrainingJob& operator=(const TrainingJob&) = delete;

  Network& network() { return model_.network; }
  // A GAN's discriminator (the network is then its generator), else null.
  Network* discriminator() { return model_.discriminator ? &*model_.discriminator : nullptr; }
  const DatasetSplit& data() const { return data_; }
  const Preprocess& preprocess() const { return preprocess_; }
  const TrainingSpec& spec() const { return spec_; }
  bool continuesTraining() const { return model_.hasWeights; } // from a model file's weights

  // Trains on the calling thread until done, cancelled or diverged (Trainer::run).
  TrainResult run(const TrainerCallbacks& callbacks = {});
  // Thread-safe, as the trainer's; cancel() before run() makes run() return at once.
  void pause() { trainer_->pause(); }
  void resume() { trainer_->resume(); }
  void step() { trainer_->step(); }
  void cancel() { trainer_->cancel(); }
  bool isPaused() const { return trainer_->isPaused(); }

  // What a saved model carries: the preprocessing, the class names, and the training note
  // (the epochs run so far, earlier runs of a model file included, the last test figures, the
  // recipe). Call after run().
  ModelInfo modelInfo(const TrainResult& result) const;
  // The same after `epochsRun` epochs of this run whose last is `last`; with `state`, a
  // checkpoint: the file also holds how to go on (TrainingState, the recipe, the dataset).
  ModelInfo modelInfo(int epochsRun, const EpochReport* last, const TrainingState* state = nullptr) const;

private:
  TrainingSpec spec_;
  Model model_;
  DatasetSplit data_;
  Preprocess preprocess_;
  std::unique_ptr<Backend> backend_;
  std::optional<Trainer> trainer_;
};

// Where a run is: the fraction done, the images per second (smoothed over batches) and the
// time left from the pace so far (evaluations and pauses included).
class TrainingProgress {
public:
  explicit TrainingProgress(int epochs) : epochs_(epochs) {}
  void batch(const BatchReport& r);
  double fraction() const { return fraction_; }
  double imagesPerSecond() const { return rate_; }
  double secondsLeft() const;
  double secondsElapsed() const;

private:
  int epochs_;
  double fraction_ = 0.0, rate_ = 0.0, startFraction_ = 0.0;
  bool started_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The loss curve's exponential moving average: s₀ = loss₀, sᵢ = k·sᵢ₋₁ + (1 − k)·lossᵢ, with
// k in [0, 1) (0: the raw curve). One point at a time while a run goes, or a whole curve again
// when k changes.
class LossSmoothing {
public:
  explicit LossSmoothing(double k) : k_(k) {}
  double add(double loss);
  double value() const { return value_; }
  static std::vector<double> over(const std::vector<double>& losses, double k);

private:
  double k_, value_ = 0.0;
  bool started_ = false;
};

// counts[truth · classes + predicted] over the first min(predictions, labels) images;
// predictions outside [0, classes) are not counted.
std::vector<int> confusionCounts(const std::vector<int>& predictions, const std::vector<int>& labels, int classes);

} // namespace convscope
