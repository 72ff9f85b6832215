// The single-shot detector's loss (SSD's MultiBox loss, as torchvision's ssd.py computes it):
// each image's anchors are matched to its true boxes (Anchors.h), then
//   box loss    Σ over matched anchors of smooth L1 (β = 1) between the predicted offsets and
//               the true box encoded against the anchor, over tx, ty, tw, th
//   class loss  Σ of the cross-entropy over background + K classes of every matched anchor
//               (its target the box's class + 1) and of the hard negatives: the unmatched
//               anchors with the highest background loss, negativesPerPositive per match of
//               the image (background the target)
//   L = (box loss + class loss) / N, N the batch's matched anchors (at least 1)
// with the gradient with respect to the network's output: the smooth L1's clamp(p − t, −1, 1)/N
// and the cross-entropy's (softmax − one-hot)/N on the anchors counted, 0 elsewhere.
// The images of a batch are worked on in parallel (OpenMP), their sums added in image order: the
// same loss whatever the threads.
// Not for: classification of whole images (Loss.h), decoding (Detector.h).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/detection/Anchors.h"
#include "engine/training/Loss.h"

#include <vector>

namespace convscope {

struct DetectionLossParts {
  double boxLoss = 0, classLoss = 0; // each / N, so boxLoss + classLoss = the loss
  int64_t positives = 0, negatives = 0; // matched anchors, hard negatives counted
};

// output (N, D) as Anchors.h lays it out; truths: N images' boxes (class in [0, K)). The result's
// `correct` of `counted`: matched anchors whose highest score is their box's class. diffOutput
// (N, D) receives ∂L/∂output when not null. Throws std::invalid_argument naming a shape that
// does not fit or a class outside [0, K).
LossResult detectionLoss(const AnchorGrid& grid, const DetectorSpec& spec, const Tensor& output,
                         const std::vector<std::vector<ObjectBox>>& truths, Tensor* diffOutput,
                         DetectionLossParts* parts = nullptr);

} // namespace convscope
