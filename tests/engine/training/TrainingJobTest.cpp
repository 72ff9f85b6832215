// The training job the command line and the window share: its setup, its model file's note
// (accumulating over runs of a model file), its progress, and the confusion counts.
#include "engine/training/TrainingJob.h"
#include "engine/io/ModelFile.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace convscope;

TEST(TrainingJob, RunsAPresetAndWritesTheNoteAModelFileCarries) {
  TrainingSpec spec;
  spec.model = "lenet5";
  spec.config.epochs = 1;
  spec.config.batchSize = 32;
  spec.config.maxTrainImages = 320;
  spec.config.maxTestImages = 200;
  spec.config.optimizer.weightDecay = 0.0005;
  TrainingJob job(spec);
  EXPECT_FALSE(job.continuesTraining());
  EXPECT_EQ(job.preprocess().height, 32); // 28x28 digits padded to LeNet-5's 32x32
  int batches = 0;
  TrainerCallbacks callbacks;
  callbacks.onBatch = [&](const BatchReport&) { ++batches; };
  const TrainResult result = job.run(callbacks);
  ASSERT_EQ(result.status, TrainResult::Status::Finished) << result.message;
  EXPECT_EQ(batches, 10);
  const ModelInfo info = job.modelInfo(result);
  ASSERT_TRUE(info.training && info.preprocess);
  EXPECT_EQ(info.training->epochs, 1);
  EXPECT_EQ(info.training->dataset, "digits");
  EXPECT_EQ(info.training->recipe, "sgd lr 0.05 momentum 0.9 weight-decay 0.0005 batch 32 loss ce seed 1");
  EXPECT_DOUBLE_EQ(info.training->testAccuracy, result.epochs.back().testAccuracy);
  EXPECT_EQ(info.classNames.size(), 10u);

  // Trained further from the file: its weights and preprocessing kept, the epochs added up.
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "convscope-job-test.json";
  saveModel(file.string(), job.network(), info);
  TrainingSpec again = spec;
  again.model = file.string();
  TrainingJob next(again);
  EXPECT_TRUE(next.continuesTraining());
  EXPECT_EQ(next.network().parameters()[0]->values(), job.network().parameters()[0]->values());
  const TrainResult more = next.run();
  EXPECT_EQ(next.modelInfo(more).training->epochs, 2);
  std::filesystem::remove(file);
}

TEST(TrainingJob, RefusesWhatCannotTrainNamingIt) {
  TrainingSpec spec;
  spec.model = "resnet9000";
  try {
    TrainingJob job(spec);
    FAIL() << "an unknown model was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 47), "model 'resnet9000' is neither a preset (lenet5,");
  }
  spec.model = "lenet5";
  spec.config.batchSize = 0;
  EXPECT_THROW(TrainingJob{spec}, std::invalid_argument);
  spec.config.batchSize = 64;
  spec.layers = "input 4\ndense 2\n"; // a typed list that is not an image network
  try {
    TrainingJob job(spec);
    FAIL() << "a flat input was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "the model's input must be an image (C, H, W), it is 4");
  }
  // A cancel before the run makes the run return at once.
  spec.layers.clear();
  spec.config.maxTrainImages = 64;
  TrainingJob job(spec);
  job.cancel();
  EXPECT_EQ(job.run().status, TrainResult::Status::Cancelled);
}

TEST(TrainingJob, RecipesSayWhatDiffersFromTheDefaults) {
  TrainConfig c;
  EXPECT_EQ(recipeText(c, InitScheme::Auto), "sgd lr 0.05 momentum 0.9 batch 64 loss ce seed 1");
  c.optimizer.kind = OptimizerKind::Adam;
  c.optimizer.learningRate = 0.001;
  c.optimizer.stepEvery = 5;
  c.optimizer.stepGamma = 0.5;
  c.loss = LossKind::HalfSquaredError;
  EXPECT_EQ(recipeText(c, InitScheme::He), "adam lr 0.001 lr-step 5 gamma 0.5 batch 64 loss mse seed 1 init he");
}

TEST(TrainingProgress, CountsBatchesAcrossEpochsAndSmoothsThePace) {
  TrainingProgress progress(2);
  BatchReport r;
  r.batchesPerEpoch = 10;
  r.imagesPerSecond = 1000;
  progress.batch(r);
  EXPECT_DOUBLE_EQ(progress.fraction(), 1.0 / 20.0);
  EXPECT_DOUBLE_EQ(progress.imagesPerSecond(), 1000.0);
  r.epoch = 1, r.batch = 9, r.imagesPerSecond = 2000;
  progress.batch(r);
  EXPECT_DOUBLE_EQ(progress.fraction(), 1.0);
  EXPECT_DOUBLE_EQ(progress.imagesPerSecond(), 1100.0); // 0.9 · 1000 + 0.1 · 2000
  EXPECT_DOUBLE_EQ(progress.secondsLeft(), 0.0);
}

TEST(TrainingJob, ConfusionCountsPutTruthInRowsAndSkipWhatIsOutOfRange) {
  const std::vector<int> predicted{0, 1, 1, 2, 7, 2}, truth{0, 1, 2, 2, 1, 0};
  const std::vector<int> counts = confusionCounts(predicted, truth, 3);
  EXPECT_EQ(counts, (std::vector<int>{1, 0, 1, 0, 1, 0, 0, 1, 1})); // the 7 is not counted
}

namespace {
// Every state tensor (weights, biases, running statistics) of a network.
std::vector<std::vector<float>> stateOf(Network& network) {
  std::vector<std::vector<float>> out;
  for (const Tensor& t : network.copyState()) out.push_back(t.values());
  return out;
}
} // namespace

TEST(TrainingJob, AResumedRunEqualsOneThatNeverStoppedBitForBit) {
  // Batch normalization (running statistics), dropout (its own random stream), shuffling,
  // SGD's velocities with a rate schedule, and Adam's moments and step count.
  const std::string layers =
      "input 1x28x28\nconv 4 5x5\nbatchnorm\nrelu\nmaxpool 2x2\nflatten\ndropout 0.3\ndense 10\n";
  for (OptimizerKind kind : {OptimizerKind::Sgd, OptimizerKind::Adam}) {
    SCOPED_TRACE(toString(kind));
    TrainingSpec spec;
    spec.layers = layers;
    spec.config.epochs = 4;
    spec.config.batchSize = 32;
    spec.config.maxTrainImages = 256;
    spec.config.maxTestImages = 100;
    spec.config.threads = 2;
    spec.config.optimizer.kind = kind;
    spec.config.optimizer.learningRate = kind == OptimizerKind::Adam ? 0.002 : 0.05;
    spec.config.optimizer.momentum = kind == OptimizerKind::Adam ? 0.0 : 0.9;
    spec.config.optimizer.stepEvery = 1;
    spec.config.optimizer.stepGamma = 0.7;
    TrainingJob straight(spec);
    const TrainResult whole = straight.run();
    ASSERT_EQ(whole.status, TrainResult::Status::Finished);

    // The same run stopped after 2 epochs with a checkpoint, then resumed to 4 from the file.
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("convscope-resume-" + toString(kind) + ".json");
    spec.config.epochs = 2;
    TrainingJob first(spec);
    TrainerCallbacks callbacks;
    int epochs = 0;
    EpochReport last;
    callbacks.onEpoch = [&](const EpochReport& r) { ++epochs, last = r; };
    callbacks.onCheckpoint = [&](const TrainingState& state) {
      saveModel(file.string(), first.network(), first.modelInfo(epochs, &last, &state));
    };
    first.run(callbacks);
    const Model checkpoint = loadModel(file.string()); // a model file too
    ASSERT_TRUE(checkpoint.hasWeights && checkpoint.info.checkpoint);
    EXPECT_EQ(checkpoint.info.checkpoint->state.epochsDone, 2);
    EXPECT_EQ(checkpoint.info.training->epochs, 2);
    TrainingSpec resume;
    resume.model = file.string();
    resume.resume = true;
    resume.config.epochs = 4;
    resume.config.threads = 2;
    TrainingJob second(resume);
    const TrainResult rest = second.run();
    ASSERT_EQ(rest.status, TrainResult::Status::Finished);
    ASSERT_EQ(rest.epochs.size(), 2u);
    EXPECT_EQ(rest.epochs[0].epoch, 2); // numbered as the whole run's third epoch
    EXPECT_EQ(stateOf(second.network()), stateOf(straight.network())) << "the weights differ";
    EXPECT_EQ(rest.epochs.back().testLoss, whole.epochs.back().testLoss);
    EXPECT_EQ(rest.epochs.back().trainLoss, whole.epochs.back().trainLoss);
    EXPECT_EQ(second.modelInfo(rest).training->epochs, 4);
    EXPECT_EQ(second.modelInfo(rest).training->recipe, straight.modelInfo(whole).training->recipe);
    // Nothing left to do is said so.
    resume.config.epochs = 2;
    try {
      TrainingJob none(resume);
      FAIL() << "a resume with no epochs left was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("has 2 epochs done; --epochs 2 must be more"), std::string::npos)
          << e.what();
    }
    std::filesystem::remove(file);
  }
}

TEST(LossSmoothing, isTheExponentialMovingAverageFromTheFirstLoss) {
  convscope::LossSmoothing s(0.9);
  EXPECT_DOUBLE_EQ(s.add(2.0), 2.0); // the first point is the loss itself
  EXPECT_DOUBLE_EQ(s.add(1.0), 0.9 * 2.0 + 0.1 * 1.0);
  EXPECT_DOUBLE_EQ(s.add(0.0), 0.9 * 1.9);
  const std::vector<double> curve = convscope::LossSmoothing::over({2.0, 1.0, 0.0}, 0.9);
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_DOUBLE_EQ(curve[2], s.value());
  EXPECT_EQ(convscope::LossSmoothing::over({3.0, 1.0}, 0.0), (std::vector<double>{3.0, 1.0})); // k 0: the raw curve
}
