// The fully connected stage the stepper steps one output at a time: its input features x,
// the weights W (K, F) and bias b, the logits z = W·x + b and the probabilities softmax(z),
// with words for where each came from. From a trained model (its last fully connected layer,
// on the image prepared as in training) or, without one, from the live pipeline (its
// flattened maps and its demonstration weights: the Feature maps tab's own numbers).
// Not for: drawing (ui/stepper) or training.
#pragma once

#include "engine/backend/Backend.h"
#include "engine/core/Tensor.h"
#include "engine/io/SharedModel.h"
#include "engine/lessons/Pipeline.h"

#include <string>
#include <vector>

namespace convscope {

struct FullyConnectedLesson {
  Tensor input;         // x (1, F), in channel, row, column order when flattened from maps
  Tensor weights;       // W (K, F)
  Tensor bias;          // b (K); zeros for a layer without bias
  Tensor logits;        // z (1, K)
  Tensor probabilities; // softmax(z) (1, K)
  std::vector<std::string> classNames;
  std::string source;    // "learned weights of 'fc3' in lenet5-digits.json", or "demonstration weights (…)"
  std::string inputText; // "flatten: 2 maps × 2×2 = 8 features (…), in channel, row, column order"
};

// The model's last fully connected layer on `image` (1, C, H, W, 0–255), run under the
// model's lock. Throws std::invalid_argument naming the problem: no fully connected layer,
// an image the model cannot take.
// `preprocess`, when given, prepares the image instead of the model's own (the window's
// normalization for it); `matrix`: the input is a typed matrix, read as written.
FullyConnectedLesson fullyConnectedOfModel(const SharedModel& model, Backend& backend, const Tensor& image,
                                           const Preprocess* preprocess = nullptr, bool matrix = false);
// The pipeline's classification stage for `spec` (its kernels, activation and pooling) on
// `image`. Throws std::invalid_argument naming the problem (a geometry that does not fit).
FullyConnectedLesson fullyConnectedOfPipeline(Backend& backend, const Tensor& image, PipelineSpec spec);

} // namespace convscope
