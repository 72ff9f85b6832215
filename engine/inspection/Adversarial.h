// Adversarial examples: how little it takes to fool a classifier. The fast gradient sign method
// (Goodfellow et al., 2015) takes one step x' = clip(x + ε·sign(∇ₓL), 0, 1); projected gradient
// descent (Madry et al., 2018) takes `steps` steps of α·sign(∇ₓL), each projected back into the L∞
// ball of radius ε around x and into [0, 1]. Untargeted, L is the cross-entropy to the class the
// image should keep (its label, or the model's first answer), pushed up; targeted, the
// cross-entropy to the target, pushed down. Images are on the [0, 1] pixel scale at the model's
// input size; the model's normalization (mean, deviation) is applied inside and its gradient
// carried through. The original is first put on the 8-bit grid a PNG holds, and so is the result —
// the perturbation rounded towards zero, so L∞ ≤ ε stays true — and `after` is the model on
// exactly that image (written as a PNG and read back, it gives the same class).
// Not for: training against attacks, or other norms (L2).
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"
#include "engine/training/Dataset.h"
#include "engine/training/Preprocess.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

enum class AttackMethod { Fgsm, Pgd };
std::string toString(AttackMethod method);                 // "fgsm", "pgd"
AttackMethod attackMethodFromString(const std::string& s); // throws naming the choices

struct AttackOptions {
  AttackMethod method = AttackMethod::Fgsm;
  double epsilon = 0.1;  // L∞ radius on the [0, 1] scale, 0 to 1
  int steps = 10;        // PGD's
  double stepSize = 0.0; // PGD's α; 0: 2.5·ε / steps (Madry et al.'s choice)
  int target = -1;       // a class to push the image to; −1: away from its own
  // The reason these cannot attack a model of `classes` classes, in words with the numbers, or "".
  std::string problem(int64_t classes) const;
};

struct AttackResult {
  Tensor image;        // (1, C, H, W) on the [0, 1] scale, on the 8-bit grid
  Tensor perturbation; // image − the original
  std::vector<float> before, after; // the class probabilities
  int beforeClass = 0, afterClass = 0;
  double linf = 0.0; // max |perturbation|
};

// image: (1, C, H, W) on the [0, 1] scale at the model's input size, a classifier (ends in a
// softmax or gives scores). `label`: the class it should keep (−1: the model's own first answer).
// Throws std::invalid_argument naming the problem.
AttackResult attackImage(Network& classifier, Backend& backend, const Preprocess& preprocess, const Tensor& image,
                         const AttackOptions& options, int label = -1);

// The classifier's accuracy on (the first maxImages of) a dataset's images, as they are and
// attacked against their labels (a targeted attack: how many land on the target instead).
struct AttackEvaluation {
  int64_t count = 0;
  double accuracy = 0.0, attackedAccuracy = 0.0;
  double targetRate = 0.0; // targeted: the share classified as the target after
  double linf = 0.0;       // the largest perturbation
};
AttackEvaluation attackDataset(Network& classifier, Backend& backend, const Preprocess& preprocess, const Dataset& data,
                               const AttackOptions& options, size_t maxImages = 0);

} // namespace convscope
