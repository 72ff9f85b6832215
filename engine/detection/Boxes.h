// Box arithmetic for detection, as torchvision's ops/boxes.py has it: boxes are [x0, y0, x1, y1)
// in input pixels, x1 and y1 exclusive (a box's width is x1 − x0, its area width·height, no +1),
// the intersection over union of two boxes, a matrix of them (box_iou), and non-maximum
// suppression (nms) with every decision recorded so that a lecture can step through it.
// Not for: anchors and their offsets (Anchors.h), scores from a network (Detector.h).
#pragma once

#include "engine/training/Dataset.h"

#include <cstddef>
#include <string>
#include <vector>

namespace convscope {

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
  double area() const; // width · height; 0 for a box with x1 ≤ x0 or y1 ≤ y0
  double centreX() const { return (x0 + x1) / 2; }
  double centreY() const { return (y0 + y1) / 2; }
  bool operator==(const Box&) const = default;
};

// The largest coordinate a box given as text may have (parseBox, a boxes file): 10⁹ pixels from 0,
// far past any image, while widths and areas stay exact enough.
constexpr double kMaxCoordinate = 1e9;

Box toBox(const ObjectBox& object);
// "[12, 3, 30, 21)": a box as the lecture writes it (up to 2 decimals, trailing zeros dropped).
std::string boxText(const Box& box);
// "x0,y0,x1,y1" (the command line's --box): four numbers within ±kMaxCoordinate, x0 < x1 and y0 < y1.
// Throws std::invalid_argument naming the text and what is wrong.
Box parseBox(const std::string& text);

// |A ∩ B| / |A ∪ B|; 0 when the union is empty (two empty boxes). Symmetric, in [0, 1].
double iou(const Box& a, const Box& b);
// a.size() × b.size() values, row a (torchvision's box_iou).
std::vector<double> iouMatrix(const std::vector<Box>& a, const std::vector<Box>& b);

// One IoU worked out: the intersection box and the areas, with the sentence a slide shows:
// "intersection [14, 8, 20, 18) = 6 × 10 = 60; union = 100 + 120 − 60 = 160; IoU = 60 / 160 = 0.375".
struct IouExplanation {
  Box intersection; // empty (area 0) when the boxes do not overlap
  double intersectionArea = 0, areaA = 0, areaB = 0, unionArea = 0, iou = 0;
  std::string text;
};
IouExplanation explainIou(const Box& a, const Box& b);

// Non-maximum suppression (torchvision.ops.nms): candidates in order of score, highest first
// (equal scores: the earlier index first); each candidate not yet struck is kept and strikes
// every later one whose IoU with it is above the threshold (strictly: IoU = threshold stays).
// Every decision is recorded, in the order it was made.
struct NmsDecision {
  size_t candidate = 0;     // index into the boxes given
  bool kept = false;
  size_t suppressedBy = 0;  // for a struck candidate: the kept one that struck it
  double iou = 0;           // for a struck candidate: its IoU with that one
};
struct NmsResult {
  std::vector<size_t> keep;           // indices of the kept boxes, highest score first
  std::vector<size_t> order;          // every candidate, highest score first
  std::vector<NmsDecision> decisions; // one per candidate, in `order`
};
// Throws std::invalid_argument when boxes and scores differ in count, a score is not finite, or
// the threshold is outside [0, 1].
NmsResult nms(const std::vector<Box>& boxes, const std::vector<double>& scores, double iouThreshold);
// The same among the boxes of each class separately (torchvision's batched_nms): boxes of
// different classes never strike each other. Kept indices highest score first.
NmsResult nmsPerClass(const std::vector<Box>& boxes, const std::vector<double>& scores,
                      const std::vector<int>& classes, double iouThreshold);
// "keep #3 (0.97)", "strike #5 (0.62): IoU 0.71 with #3 > 0.5" — one decision in words. Candidate
// i is called #numbers[i] when numbers are given (a file's own indices), else #i.
std::string nmsDecisionText(const NmsDecision& decision, const std::vector<double>& scores, double iouThreshold,
                            const std::vector<size_t>& numbers = {});

} // namespace convscope
