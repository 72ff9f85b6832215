// Training a detector: mini-ssd on a few composed scenes through the trainer (the loss falls,
// every epoch reports mAP@0.5 and each class's AP, which evaluateDetector reproduces from its
// own detections), its model file keeping the anchors, and what does not fit refused by name.
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/detection/AveragePrecision.h"
#include "engine/io/ModelFile.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"
#include "engine/training/Scenes.h"
#include "engine/training/Trainer.h"
#include "engine/training/TrainingJob.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;

TEST(DetectionTraining, MiniSsdLearnsTheScenesBoxesAndReportsMap) {
  const DatasetSplit data = loadScenes(400, 60, 7);
  Model model = presetModel("mini-ssd");
  ASSERT_TRUE(model.info.detector);
  initialize(model.network, InitScheme::He, 1);
  TrainConfig config = presetTrainConfig("mini-ssd");
  ASSERT_TRUE(config.detector);
  config.epochs = 3;
  OnednnBackend backend;
  const Preprocess pre = preprocessFor(model.network.inputShape(), data.train);
  Trainer trainer(model.network, data, pre, config, backend);
  const TrainResult result = trainer.run();
  ASSERT_EQ(result.status, TrainResult::Status::Finished) << result.message;
  ASSERT_EQ(result.epochs.size(), 3u);
  EXPECT_LT(result.epochs[2].trainLoss, 0.7 * result.epochs[0].trainLoss);
  for (const EpochReport& e : result.epochs) {
    EXPECT_TRUE(e.detection);
    EXPECT_FALSE(e.segmentation);
    EXPECT_EQ(e.testClassAp.size(), 10u);
    EXPECT_GE(e.testMap50, 0.0);
    EXPECT_LE(e.testMap50, 1.0);
  }
  // (The preset's own recipe on the 4,000 scenes reaches mAP 0.99: bench/detection.py. Here, 400
  // scenes three times over already find most digits.)
  EXPECT_GT(result.epochs[2].testMap50, 0.2);
  EXPECT_GT(result.epochs[2].testMap50, result.epochs[0].testMap50);
  // evaluateDetector's mAP is averagePrecision's over its own detections.
  const Evaluation ev = evaluateDetector(model.network, backend, data.test, pre, *config.detector);
  EXPECT_DOUBLE_EQ(ev.map50, result.epochs[2].testMap50);
  ASSERT_EQ(ev.detections.size(), data.test.size());
  const DetectionMetrics m = averagePrecision(ev.detections, data.test.boxes, 10, 0.5);
  EXPECT_DOUBLE_EQ(m.map, ev.map50);
  for (const auto& image : ev.detections)
    for (const Detection& d : image) {
      EXPECT_GE(d.score, 0.01);
      EXPECT_GE(d.box.x0, 0.0);
      EXPECT_LE(d.box.x1, 64.0);
    }

  // The model file keeps the anchors; read back, it detects the same.
  ModelInfo info;
  info.preprocess = pre;
  info.detector = config.detector;
  info.classNames = config.detector->classNames;
  const Model back = parseModel(serializeModel(model.network, info), "mini-ssd.json");
  ASSERT_TRUE(back.info.detector);
  EXPECT_EQ(back.info.detector->levels[1].sizes, config.detector->levels[1].sizes);
  EXPECT_EQ(back.info.detector->levels[0].layer, "head1");
  // A detector section that does not fit the layers is refused by name.
  std::string text = serializeModel(model.network, info);
  const size_t at = text.find("\"head2\"", text.find("\"detector\""));
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "\"nohead\"");
  try {
    parseModel(text, "edited.json");
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'nohead' is not a layer"), std::string::npos) << e.what();
  }
}

TEST(DetectionTraining, WhatDoesNotFitIsRefusedByName) {
  const DatasetSplit scenes = loadScenes(8, 4, 3);
  OnednnBackend backend;
  Model model = presetModel("mini-ssd");
  TrainConfig config = presetTrainConfig("mini-ssd");
  const Preprocess pre = preprocessFor(model.network.inputShape(), scenes.train);
  // The digits have no boxes.
  DatasetSplit digits = loadDataset("digits", 1, 64, 64);
  EXPECT_THROW(Trainer(model.network, digits, pre, config, backend), std::invalid_argument);
  // A classifier with a detector's spec.
  Network classifier = buildLayerList("input 1x64x64\nconv 4 3x3\nflatten\ndense 10\n");
  EXPECT_THROW(Trainer(classifier, scenes, pre, config, backend), std::invalid_argument);
  // A classification loss for a detector.
  config.loss = LossKind::HalfSquaredError;
  EXPECT_THROW(Trainer(model.network, scenes, pre, config, backend), std::invalid_argument);
}
