// Judging detections as PASCAL VOC does (2010 on): per class, every detection of the class over
// all images in order of score, highest first (equal scores: earlier image, then earlier
// detection, first); a detection is a true positive when its IoU with the image's true box of
// that class it overlaps most is ≥ the threshold and that box is not yet taken, else a false
// positive. Precision and recall after each detection make the precision–recall curve; AP is
// the area under its all-point interpolation (precision at recall r made the highest precision
// at any recall ≥ r), and mAP the mean of AP over the classes that have true boxes.
// Not for: producing detections (Detector.h).
#pragma once

#include "engine/detection/Detector.h"

#include <vector>

namespace convscope {

struct PrecisionRecallPoint {
  size_t image = 0, detection = 0; // which detection this point adds
  double score = 0;
  bool truePositive = false;
  double iou = 0;                  // with the true box it overlaps most (0 with none)
  double precision = 0, recall = 0;
};

struct ClassAveragePrecision {
  int label = 0;
  int64_t truths = 0;                       // the class's true boxes over all images
  std::vector<PrecisionRecallPoint> curve;  // one point per detection of the class, in order
  double ap = 0;                            // NaN when the class has no true box
};

struct DetectionMetrics {
  std::vector<ClassAveragePrecision> classes; // one per class 0 … K−1
  double map = 0;                             // over the classes with true boxes; 0 with none
  int classesCounted = 0;
};

// detections and truths per image (the same count; std::invalid_argument otherwise); classes
// outside [0, classes) are ignored.
DetectionMetrics averagePrecision(const std::vector<std::vector<Detection>>& detections,
                                  const std::vector<std::vector<ObjectBox>>& truths, int classes,
                                  double iouThreshold = 0.5);

// The all-point interpolated area under a curve (recall rising): Σ (r_i − r_{i−1}) · max_{j ≥ i} p_j.
double interpolatedArea(const std::vector<PrecisionRecallPoint>& curve);

} // namespace convscope
