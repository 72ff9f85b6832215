// BackwardLesson: the lecture's five training steps on its small network, one number at a
// time. The network is an image → one convolution filter → ReLU → pooling → fully connected
// → softmax; the error is the lecture's E = ½Σ(target − output)² over the probabilities
// (or cross-entropy, as the trainer uses). Every stage (forward, error, backward, update) is
// a list of cells, each with its arithmetic written out; the numbers are the reference
// backend's, the update is the engine's SGD optimizer. The backward stepper shows this.
// Not for: training on datasets (Trainer) or drawing (ui/stepper/BackwardStepper).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/network/Network.h"
#include "engine/training/Optimizer.h"
#include "engine/core/Tensor.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <memory>
#include <string>
#include <vector>

namespace convscope {

enum class LessonLoss { SquaredError, CrossEntropy };

struct LessonSetup {
  Tensor image;  // (1, C, H, W)
  Tensor kernel; // (1, C, KH, KW): the one filter
  float bias = 0.0f;
  Conv2DGeometry geometry; // stride, padding, dilation of the convolution (kernel size from `kernel`)
  Pool2DGeometry pool;     // max 2×2, stride 2 by default
  int64_t classes = 4;     // the lecture's four
  int64_t target = 2;      // counted from 0: the lecture's target vector [0, 0, 1, 0]
  float rate = 0.5f;       // η
  float momentum = 0.0f;   // μ (0: plain gradient descent, the lecture's)
  LessonLoss loss = LessonLoss::SquaredError;
  uint64_t seed = 504; // the fully connected layer's first weights (demonstrationWeights)
  // Set by the lesson: the image was divided by this. An image whose values exceed 1 (a
  // digit's 0–255) is scaled by its largest magnitude into [−1, 1]: 255-sized features make
  // logits in the hundreds, a saturated softmax and gradients of 1e−27 — nothing learns.
  // The lecture's 0/1 examples keep 1 (unchanged).
  float inputScale = 1.0f;
};

class BackwardLesson {
public:
  // The stages in the order the lecture takes them.
  enum class Stage {
    Convolution,     // forward: each output cell
    ReLU,            // each cell
    Pooling,         // each pooled cell
    FullyConnected,  // each logit z_k
    Error,           // softmax and E (one cell)
    ErrorGradient,   // ∂E/∂z_k, each class
    DenseGradient,   // ∂E/∂W(k, i) = δ_k·x_i, each weight (row k's last cell adds ∂E/∂b_k)
    FeatureGradient, // ∂E/∂x_i, each feature (the pooled map's gradient)
    PoolingGradient, // ∂E/∂(ReLU output), each cell: where pooling routed the gradient
    ReLUGradient,    // ∂E/∂(convolution output), each cell: ReLU's mask
    KernelGradient,  // ∂E/∂w(c, i, j), each weight, then ∂E/∂b
    Update,          // w − η·g: each kernel weight, the bias, then the fully connected layer at once
  };
  static constexpr int kStageCount = 12;
  static std::string stageTitle(Stage stage); // "Backward: ReLU's mask"
  static bool isBackward(Stage stage) { return stage >= Stage::ErrorGradient && stage < Stage::Update; }

  // Throws std::invalid_argument naming what does not fit (shapes, class, rate).
  explicit BackwardLesson(LessonSetup setup);

  const LessonSetup& setup() const { return setup_; }
  int cellCount(Stage stage) const;
  // The arithmetic of one cell, numbers to 4 significant digits (exact where they are short).
  std::string explain(Stage stage, int cell) const;

  // The forward pass (NCHW, batch 1) and the error.
  const Tensor& convOutput() const { return network_.output(0); } // (1, 1, Ho, Wo)
  const Tensor& reluOutput() const { return network_.output(1); }
  const Tensor& pooled() const { return network_.output(2); }   // (1, 1, Hp, Wp)
  const Tensor& features() const { return network_.output(3); } // (1, F)
  const Tensor& logits() const { return network_.output(4); }   // (1, K)
  const Tensor& probabilities() const { return network_.output(5); }
  double error() const { return error_; }
  int64_t predicted() const;

  // The gradients of E (NCHW).
  const Tensor& logitGradient() const { return logitGradient_; }                 // (1, K)
  const Tensor& denseWeightGradient() const;                                     // (K, F)
  const Tensor& denseBiasGradient() const;                                       // (K)
  const Tensor& featureGradient() const { return network_.inputGradient(4); }    // (1, F)
  const Tensor& pooledGradient() const { return network_.inputGradient(3); }     // (1, 1, Hp, Wp)
  const Tensor& reluOutputGradient() const { return network_.inputGradient(2); } // (1, 1, Ho, Wo)
  const Tensor& convOutputGradient() const { return network_.inputGradient(1); } // (1, 1, Ho, Wo)
  const Tensor& kernelGradient() const;                                          // (1, C, KH, KW)
  float biasGradient() const;

  // The weights now, and what the next update will make of them (for the update stage).
  const Tensor& kernel() const;
  float bias() const;
  const Tensor& denseWeights() const; // (K, F)
  const Tensor& denseBias() const;    // (K)
  Tensor updatedKernel() const;
  float updatedBias() const;
  Tensor updatedDenseWeights() const; // (K, F)

  // Step 4's update of every weight by the optimizer, then step 2 again: forward, error
  // (appended to errors()) and gradients.
  void update();
  int iteration() const { return int(errors_.size()) - 1; } // updates so far
  const std::vector<double>& errors() const { return errors_; }

private:
  void run(); // forward, error, backward
  float newValue(const Tensor& weights, const Tensor& gradients, const Tensor& velocity, int64_t i) const;

  LessonSetup setup_;
  ReferenceBackend backend_;
  Network network_;
  std::unique_ptr<Optimizer> optimizer_;
  Tensor logitGradient_;
  double error_ = 0.0;
  std::vector<double> errors_;
};

} // namespace convscope
