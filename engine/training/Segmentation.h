// Segmentation's learning: every pixel is a classification. The network's output is a score
// per class at every pixel, logits (N, K, H, W) in either layout; the target is each pixel's
// class, (N, H, W) values in [0, K) row by row, or `ignore` (a pixel nobody labelled: left out
// of the loss, its gradient and the metrics — PyTorch's ignore_index).
//   per-pixel cross-entropy  L = mean over counted pixels of (log Σ_k e^{z_k} − z_y)
//                            ∂L/∂z_k = (p_k − [k = y]) / (counted pixels)          (F.cross_entropy)
//   Dice                     L = 1 − mean_k (2·Σ p_k t_k + 1) / (Σ p_k + Σ t_k + 1)
//                            sums over the batch's counted pixels, p the softmax, t one-hot (an
//                            ignored class among the K left out of the mean); the
//                            + 1 keeps a class absent from both at 1 (a perfect score); its
//                            gradient carried back through each pixel's softmax.
//   both                     cross-entropy + Dice (what many U-Net trainings use)
// Metrics from a confusion matrix of counted pixels: pixel accuracy, each class's IoU (its
// intersection over union, TP / (TP + FP + FN)), and the mean IoU over the classes the targets
// hold. Not for: image-level classification (Loss.h).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/training/Loss.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

enum class PixelLossKind { CrossEntropy, Dice, CrossEntropyDice };
std::string toString(PixelLossKind kind);                       // "ce", "dice", "ce+dice"
PixelLossKind pixelLossKindFromString(const std::string& text); // throws naming the choices

constexpr int kNoIgnoredClass = -1;

// logits (N, K, H, W); classes N·H·W values. diffLogits (logits' shape and layout) receives
// ∂L/∂logits when not null (zero at ignored pixels); `correct` and `counted` are pixels. Throws std::invalid_argument naming a
// class outside [0, K) that is not `ignore`, or shapes that do not fit. A batch of ignored
// pixels only has loss 0 and gradient 0.
LossResult pixelLoss(PixelLossKind kind, const Tensor& logits, const std::vector<uint8_t>& classes,
                          Tensor* diffLogits, int ignore = kNoIgnoredClass);

// Each pixel's class with the highest score: (N, K, H, W) → N·H·W values, row by row.
std::vector<uint8_t> pixelClasses(const Tensor& logits);

class SegmentationMetrics {
public:
  explicit SegmentationMetrics(int classes);
  // Counts predicted against target classes (N·H·W values each), leaving `ignore` out.
  void add(const std::vector<uint8_t>& predicted, const std::vector<uint8_t>& target, int ignore = kNoIgnoredClass);
  int classes() const { return classes_; }
  int64_t pixels() const;
  int64_t count(int target, int predicted) const { return confusion_[size_t(target * classes_ + predicted)]; }
  double pixelAccuracy() const; // 0 with no pixels
  // TP / (TP + FP + FN) of class k; NaN when k is neither a target nor a prediction anywhere.
  double iou(int k) const;
  bool present(int k) const; // k is some pixel's target
  double meanIou() const;    // over the classes present in the targets; 0 with none

private:
  int classes_;
  std::vector<int64_t> confusion_; // [target][predicted]
};

} // namespace convscope
