// From a detector's output to boxes, as SSD's post-processing does it: each anchor's scores
// through a softmax over background + K classes, each class's score of each anchor that
// reaches the score threshold a candidate with the anchor's decoded box (clipped to the image),
// then non-maximum suppression per class, the survivors highest score first. Also the
// per-anchor view the window draws (scores, decoded boxes) and a class's score heatmap.
// Not for: the loss (DetectionLoss.h), judging detections (AveragePrecision.h).
#pragma once

#include "engine/detection/Anchors.h"
#include "engine/detection/Boxes.h"

#include <vector>

namespace convscope {

struct Detection {
  int label = 0; // the class, 0 … K−1 (for the scenes, the digit)
  double score = 0;
  Box box;       // in input pixels, clipped to the image
  size_t anchor = 0;
};

struct DetectOptions {
  double scoreThreshold = 0.3; // a candidate's score must reach it (≥)
  double nmsIou = 0.45;        // suppression above this IoU (nms)
  size_t candidatesPerClass = 400; // per class, the highest-scoring candidates NMS sees
  size_t maxDetections = 100;  // per image, after NMS
};

// What one anchor says about one image.
struct AnchorOutput {
  Offsets offsets;
  std::vector<double> probabilities; // background, then classes 0 … K−1 (softmax)
  Box decoded;                       // the anchor moved by its offsets (not clipped)
};
AnchorOutput anchorOutput(const AnchorGrid& grid, const DetectorSpec& spec, const float* image, size_t anchor);
// The softmax over the background and K classes of one anchor's scores into p (K + 1 values);
// returns their log-sum-exp (the cross-entropy's first term). Stable: the largest score first
// taken out.
double anchorSoftmax(const AnchorGrid& grid, int K, const float* image, size_t anchor, std::vector<double>& p);

// The candidates before suppression, for one image's D outputs, in anchor order then class order.
// A score that is not a number (a diverging network) is never a candidate, nor a box that is not finite.
std::vector<Detection> detectionCandidates(const AnchorGrid& grid, const DetectorSpec& spec, const float* image,
                                           const DetectOptions& options);
// Candidates → detections: per-class NMS, highest score first, at most maxDetections.
std::vector<Detection> suppress(const std::vector<Detection>& candidates, const DetectOptions& options);
// Both, for each image of an output (N, D). Throws std::invalid_argument when the shape does not
// fit or the thresholds are outside [0, 1].
std::vector<std::vector<Detection>> detect(const AnchorGrid& grid, const DetectorSpec& spec, const Tensor& output,
                                           const DetectOptions& options);

// Class k's highest probability over a level's anchors at each cell: (height·width) values, row
// by row, in [0, 1] — where the network sees a k.
std::vector<float> classHeatmap(const AnchorGrid& grid, const DetectorSpec& spec, const float* image, int level, int k);

DetectOptions detectOptions(const DetectorSpec& spec); // the spec's thresholds

} // namespace convscope
