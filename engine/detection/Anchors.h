// Anchors, as a single-shot detector (SSD) lays them out: every cell of a head's feature map
// holds a few anchor boxes centred on the cell, of chosen sizes and aspect ratios; the network
// predicts, for each anchor, four offsets that move and stretch it, and a score for the
// background and for each class. This file holds the layout (which anchor is where, which of
// the network's outputs belong to it), the encoding of a box as offsets against an anchor and
// back (SSD's centre/size coding with variances, torchvision's BoxCoder with weights
// 10, 10, 5, 5), and the matching of anchors to the true boxes by IoU.
//
// The network's output (N, D) is its heads' outputs flattened and joined, level after level;
// a head on an H×W map has A·(4 + 1 + K) channels, anchor a's block of channels holding its
// offsets tx, ty, tw, th, then its scores for the background and classes 0 … K−1. Flattening
// keeps (channel, y, x) order, so value j of anchor a at cell (y, x) of a level is at
//   level offset + ((a·(5 + K) + j)·H + y)·W + x.
// Anchors are numbered level by level, cell by cell (row by row), a cell's anchors in order.
// Not for: the loss (DetectionLoss.h), turning scores into detections (Detector.h).
#pragma once

#include "engine/detection/Boxes.h"
#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

struct AnchorLevel {
  std::string layer;          // the head: a convolution whose output is this level's A·(5 + K) channels
  int stride = 8;             // input pixels per cell of the head's map
  std::vector<double> sizes;  // anchor sizes in input pixels (√(width·height))
  std::vector<double> ratios; // aspect ratios, width / height; a cell holds sizes × ratios anchors
  int anchorsPerCell() const { return int(sizes.size() * ratios.size()); }
};

// What makes a network a detector: its levels, its classes, the coding's variances and the
// defaults its detections are made with. A model file carries it ("detector").
struct DetectorSpec {
  std::vector<AnchorLevel> levels;
  std::vector<std::string> classNames;   // K object classes (the background is not one of them)
  double centreVariance = 0.1, sizeVariance = 0.2;
  double matchIou = 0.5;                 // an anchor with IoU ≥ this with a true box learns it
  int negativesPerPositive = 3;          // hard negative mining
  double scoreThreshold = 0.3, nmsIou = 0.45; // detections' defaults (detect, the window)
  int classes() const { return int(classNames.size()); }
  int valuesPerAnchor() const { return 5 + classes(); }
  // The reason it cannot describe a detector, in words with the numbers, or "".
  std::string problem() const;
};

// Where anchor i sits and where its outputs are.
struct AnchorPlace {
  int level = 0, y = 0, x = 0, a = 0; // a: its index in the cell (size-major, then ratio)
  size_t offset = 0;                  // its value j is at offset + j·stride (in one image's D values)
  size_t stride = 0;                  // H·W of its level
  double size = 0, ratio = 1;
};

struct AnchorGrid {
  std::vector<Box> boxes;          // every anchor, in input pixels (may reach past the image)
  std::vector<AnchorPlace> places; // the same order
  struct Level {
    int height = 0, width = 0, anchorsPerCell = 0;
    size_t firstAnchor = 0, offset = 0; // its first anchor; its first value in one image's output
  };
  std::vector<Level> levels;
  size_t valuesPerImage = 0; // D: the network's output per image
  int imageWidth = 0, imageHeight = 0;
  size_t size() const { return boxes.size(); }
  // The index of value j (0–3 offsets, 4 background, 5 + k class k) of anchor i in one image's output.
  size_t valueIndex(size_t anchor, int j) const { return places[anchor].offset + size_t(j) * places[anchor].stride; }
  // The anchors of the cell (y, x) of a level.
  std::vector<size_t> cellAnchors(int level, int y, int x) const;
};

// The most anchors a detector may have: 2²² (mini-ssd has 1,152), checked before any is made.
constexpr int64_t kMaxAnchors = int64_t(1) << 22;

// The anchors of `network` (its heads' map sizes from its shapes) for `spec`. Throws
// std::invalid_argument naming a head the network lacks, a head whose channels are not
// A·(5 + K), a head whose map is not its stride's over the input (⌈H / stride⌉ × ⌈W / stride⌉),
// more than kMaxAnchors anchors, or an output that is not the heads flattened and joined in
// level order.
AnchorGrid makeAnchors(const Network& network, const DetectorSpec& spec);
// The anchors alone for given map sizes (height, width per level) and an image size.
AnchorGrid makeAnchors(const DetectorSpec& spec, const std::vector<std::pair<int, int>>& mapSizes, int imageWidth,
                       int imageHeight);

// SSD's offsets of `box` against `anchor`:
//   tx = (cx − cx_a) / (v_c·w_a)   ty = (cy − cy_a) / (v_c·h_a)   tw = ln(w / w_a) / v_s   th = ln(h / h_a) / v_s
struct Offsets {
  double tx = 0, ty = 0, tw = 0, th = 0;
};
Offsets encodeBox(const Box& box, const Box& anchor, double centreVariance = 0.1, double sizeVariance = 0.2);
// The inverse; tw and th are clamped at ln(1000/16)/v_s as torchvision clamps them (a box at most
// 62.5 times its anchor), so a wild output never overflows.
Box decodeBox(const Offsets& offsets, const Box& anchor, double centreVariance = 0.1, double sizeVariance = 0.2);

// Each anchor's true box (index into `truths`), or −1 (background): first every anchor whose best
// IoU is ≥ matchIou takes that box, then each true box takes its best anchor whatever the IoU
// (so none that an anchor touches is left without one; torchvision's SSDMatcher; a later box wins an anchor two want).
struct Matching {
  std::vector<int> truth;   // per anchor
  std::vector<double> iou;  // per anchor, its IoU with its best true box (0 with none)
  std::vector<char> forced; // per anchor: matched as a true box's best anchor below matchIou
  int positives() const;
};
Matching matchAnchors(const std::vector<Box>& anchors, const std::vector<Box>& truths, double matchIou);

// One anchor's match in words, with its IoU with each true box:
// "anchor 37 (level 1, cell (2, 3), 16×16): IoU 0.08 with box 0 '3', 0.62 with box 1 '7' ≥ 0.5 → learns box 1 '7'".
std::string explainMatch(const AnchorGrid& grid, size_t anchor, const std::vector<ObjectBox>& truths,
                         const DetectorSpec& spec, const Matching& matching);

} // namespace convscope
