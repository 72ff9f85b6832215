// Model files: one JSON file with a format version, the architecture (readable), how
// inputs are prepared, the class names, a note of how it was trained, and the weights
// (base64 float32 with a CRC-32 each); a detector's anchors. Saving is atomic: a temporary file in the same
// folder, flushed to disk, then renamed over the target. Loading validates everything and
// says what is wrong. An architecture-only file (no "parameters") is a valid model to train.
// Not for: other frameworks' formats (ONNX is Onnx.h's; loadModel hands it .onnx paths).
#pragma once

#include "engine/network/Network.h"
#include "engine/training/Preprocess.h"
#include "engine/training/Trainer.h"

#include <optional>
#include <string>
#include <vector>

namespace convscope {

constexpr int kModelFormatVersion = 1;
// The most parameters a model file may declare: 2³¹ (8.6 GB of float32 weights; VGG-16 has
// 138 million). Checked before any layer is made.
constexpr int64_t kMaxModelParameters = int64_t(1) << 31;
// The largest model file read: that many weights in base64 (16/3 characters each) and 64 MiB
// for the rest.
constexpr int64_t kMaxModelFileBytes = kMaxModelParameters / 3 * 16 + (int64_t(64) << 20);

struct TrainingNote {
  std::string dataset;
  int epochs = 0;
  double testAccuracy = 0.0, testLoss = 0.0;
  std::optional<double> testMap50; // a detector's mAP at IoU 0.5 on the test images
  std::string recipe; // "sgd lr 0.05 momentum 0.9 batch 64 loss ce seed 1"
};

// A training checkpoint: a model file that also holds how to go on, exactly. The run's
// configuration, its dataset and initialization, and its state after the last epoch.
struct Checkpoint {
  TrainConfig config;
  std::string dataset;
  InitScheme init = InitScheme::Auto; // for the recipe; the weights are in the file
  TrainingState state;
};

struct ModelInfo {
  std::optional<Preprocess> preprocess; // absent in an untrained architecture file
  std::vector<std::string> classNames;
  std::optional<TrainingNote> training;
  std::optional<Checkpoint> checkpoint; // a checkpoint file's (train --checkpoint)
  // A detector's anchors, classes and thresholds ("detector": {"levels": [{"layer", "stride",
  // "sizes", "ratios"}, …], "classes", "variances", "match_iou", "negatives_per_positive",
  // "score_threshold", "nms_iou"}); checked against the network when loaded.
  std::optional<DetectorSpec> detector;
};

struct Model {
  Network network;
  ModelInfo info;
  bool hasWeights = false;
  // A GAN's: `network` is the generator (noise in, an image out) and this its discriminator
  // (Gan.h), saved beside it in the same file ("discriminator": its input, layers and weights).
  std::optional<Network> discriminator = std::nullopt;
};

// `discriminator`: a GAN's, written into the same file (Model::discriminator).
void saveModel(const std::string& path, const Network& network, const ModelInfo& info,
               const Network* discriminator = nullptr);
// Writes text to a temporary file in path's folder, flushes it to disk and renames it over
// path: a reader sees the old file or the new one, whole, even if the process is killed.
// Throws std::invalid_argument naming the file and the reason.
void writeFileAtomically(const std::string& path, const std::string& text);
// Standard base64 (RFC 4648, with padding), for binary data in JSON files. unbase64 returns
// false on a character outside the alphabet or a bad length.
std::string base64(const uint8_t* data, size_t size);
bool unbase64(const std::string& text, std::vector<uint8_t>& out);
// Throws std::invalid_argument naming the file and the problem. A path ending in ".onnx" is
// imported from ONNX (Onnx.h).
Model loadModel(const std::string& path);
// The same from text (for tests and the GUI's layer editor); `source` names it in errors.
Model parseModel(const std::string& text, const std::string& source);
std::string serializeModel(const Network& network, const ModelInfo& info, bool withWeights = true,
                           const Network* discriminator = nullptr);

} // namespace convscope
