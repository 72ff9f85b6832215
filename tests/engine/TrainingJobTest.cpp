// The training job the command line and the window share: its setup, its model file's note
// (accumulating over runs of a model file), its progress, and the confusion counts.
#include "engine/TrainingJob.h"
#include "engine/ModelFile.h"

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
