// A trained network's convolution filters as kernels the lecture view applies: one filter
// with the stride, padding, dilation and bias that make its layer's own computation, and the
// input channels it reads (all of them, or its group's). The kernel gallery lists them; the
// Architectures tab steps one over its real input in the stepper.
// Not for: running the network (Network does) or hand-made kernels (Kernels.h).
#pragma once

#include "engine/lessons/Filtering.h"
#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

struct LearnedFilter {
  std::string layer;            // "conv2"
  int64_t filter = 0;           // counted from 0
  int64_t firstChannel = 0;     // the input channels it reads: firstChannel …
  int64_t channels = 0;         // … firstChannel + channels − 1 (its group's, else all)
  int64_t group = 0, groups = 1;
  NamedKernel kernel;           // (channels, KH, KW), named "conv2 filter 3"
  FilterOptions options;        // the layer's stride, padding (explicit), dilation and bias
};

// The nodes of the network's convolutions, in order.
std::vector<size_t> convolutionNodes(const Network& network);
// How many filters the convolution at `node` has (0 when it is not a convolution).
int64_t filterCount(const Network& network, size_t node);
// Filter `filter` (clamped to the layer's) of the convolution at `node`. Throws
// std::invalid_argument naming the layer when the node is not a convolution.
LearnedFilter learnedFilter(const Network& network, size_t node, int64_t filter);

// A convolution's maps as the training view shows them: after the activation that follows it
// directly, when one does ("conv1 + ReLU").
struct ConvolutionStage {
  size_t convolution = 0; // its node
  size_t shown = 0;       // the node whose output is shown: the activation after it, or itself
  std::string title;      // "conv1 + ReLU", or "conv1"
};
std::vector<ConvolutionStage> convolutionStages(const Network& network);

} // namespace convscope
