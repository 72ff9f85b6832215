// Lecture files (.convscope): the window's whole state as one small JSON file, so a
// lecturer prepares each slide's demonstration at home and opens it in the hall with one
// click. The input travels inside the file (a matrix as numbers, an image as PNG), so the
// file works on another machine; a model is referred to by its file (relative to the lecture
// file when it lies beside it). Everything is checked on reading; errors name the field.
// Not for: the model's weights (model files) or the window's layout (remembered settings).
#pragma once

#include "engine/lessons/Filtering.h"
#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

// The largest lecture file read: 64 MiB (its input image travels inside it as PNG).
constexpr int64_t kMaxLectureBytes = int64_t(64) << 20;

struct LectureState {
  // The input, as the window holds it: (1, C, H, W).
  std::string inputName;
  Tensor input;
  bool inputIsMatrix = true;
  int channelsMode = 0;  // 0 as stored, 1 gray, 3 RGB
  int workingSide = 512; // large images were downscaled to this
  // The kernel bank and the processing.
  std::vector<NamedKernel> kernels;
  FilterOptions convolution;
  ActivationKind activation = ActivationKind::ReLU;
  bool pooling = true;
  Pool2DGeometry pool;
  // The open model: a path as written (relative to the lecture file's folder, or absolute);
  // empty: none.
  std::string model;
  // The normalization the lecturer gave the model (its mean and std per input channel, on the
  // [0, 1] scale); empty: the model file's own. Written only when given.
  std::vector<float> modelMean, modelStd;
  int modelResize = 0; // with them: a single image's shorter side first (Preprocess::resize), 0 none
  // What shows: "maps", "stepper", "training", "architectures", "depthwise", "applications" or
  // "detection" (the Applications tab's detection page).
  std::string tab = "maps";
  int segmentationScene = 0; // the Applications tab's test scene (−1: drawn or opened, not kept)
  // The detection page ("detection": {…}, optional): its test scene, the thresholds, how far NMS
  // was stepped (−1: every step), the anchor level shown and the clicked cell (−1: none).
  struct DetectionView {
    int scene = 0;
    double score = 0.3, iou = 0.45;
    int nmsStep = -1, level = 0, cellY = -1, cellX = -1;
    bool operator==(const DetectionView&) const = default;
  };
  DetectionView detection;
  // The stepper: "convolution", "relu", "pooling", "fc", "backward" or "deconv"; its output
  // cell (the transposed convolution's: its step), the bank's kernel and the output channel it
  // shows.
  std::string stepMode = "convolution";
  int64_t stepPosition = 0;
  int stepKernel = 0, stepChannel = 0;
  int backwardLoop = 1, backwardStage = 0, backwardCell = 0; // the backward mode's step (BackwardLesson::Stage)
  // The transposed convolution's sample ("workspace", "k3s2p1op1", "k2s2", "k4s2p1"), its
  // geometry as edited, the view ("scatter" or "zero-inserted"), the output cell explained
  // (−1: the stepper's choice) and whether upsample-then-convolve shows beside.
  struct Deconv {
    std::string sample = "k3s2p1op1";
    int stride = 2, padding = 1, outputPadding = 1;
    std::string view = "scatter";
    int selected = -1;
    bool compare = false;
  } deconv;
  std::string network; // the Architectures tab's network (a name or a file); empty: none
  bool presenter = false;
  int contrast = 0; // the feature maps' contrast (0 automatic, 1 true, 2…16 ×)
  bool sharedScale = false;
};

constexpr const char* kLectureFormat = "convscope-lecture";

// The file's text. Images whose values are whole numbers 0–255 with 1 or 3 channels are
// stored as PNG (exactly); anything else as numbers.
std::string serializeLecture(const LectureState& state);
// Throws std::invalid_argument naming `source` and the field at fault.
LectureState parseLecture(const std::string& text, const std::string& source);
// Written atomically (writeFileAtomically); read whole and parsed (files over 64 MB refused).
void saveLecture(const std::string& path, const LectureState& state);
LectureState loadLecture(const std::string& path);

} // namespace convscope
