// The one idea behind each family of the lecture's architectures, in the lecture's words,
// with the counts that make the point taken from the network at hand (its own blocks, so
// a small version or an imported model gets its own numbers): VGG's two 3×3 against one
// 5×5, the inception module's 1×1 reductions, the residual block's identity path, the dense
// block's growing channels, MobileNet's cost ratio. And the cost of standard, depthwise and
// pointwise convolution, for the MobileNet slides.
// Not for: drawing (the browser shows the text).
#pragma once

#include "engine/network/ArchitectureGraph.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace convscope {

struct ArchitectureIdea {
  std::string family; // "ResNet"
  std::string idea;   // "residual connections: each block learns a correction F(x) added to x"
  // The counts, one sentence each: first those about the example block (the first of the
  // family's kind; exampleCount of them), then those about the whole network.
  std::vector<std::string> points;
  size_t exampleCount = 0;
  int exampleBlock = -1; // the block the first points count, −1 none
  // The counts about every block of the family's kind, by block index (a residual block's F
  // and shortcut, an inception module's branches, a separable pair's cost): what the
  // explanation says when that block, or a layer in it, is selected.
  std::map<int, std::vector<std::string>> blockPoints{};

  // The block whose counts describe a selected node (the innermost block around it that has
  // its own; −1: none, the example's stand) and the points to show for it.
  int blockFor(const ArchitectureGraph& graph, int node) const;
  std::vector<std::string> pointsFor(const ArchitectureGraph& graph, int node) const;
};

// The family is recognized from the blocks (a channel shuffle makes it ShuffleNet's idea,
// layer normalization in residual blocks ConvNeXt's, an inception module GoogLeNet's, a
// residual block ResNet's, …); a plain network is VGG's when it stacks 3×3 convolutions,
// else AlexNet's (or LeNet's when small).
ArchitectureIdea architectureIdea(const Network& network, const ArchitectureGraph& graph);

// A k×k convolution from m to n channels producing h×w maps (biases left out, as in the
// MobileNet paper): standard, depthwise (one k×k filter per input channel) and pointwise
// (1×1, m to n). ratio() = (depthwise + pointwise) / standard = 1/n + 1/k².
struct SeparableCost {
  int64_t m = 0, n = 0, k = 0, h = 0, w = 0;
  int64_t standardParameters() const { return k * k * m * n; }
  int64_t depthwiseParameters() const { return k * k * m; }
  int64_t pointwiseParameters() const { return m * n; }
  int64_t standardMacs() const { return h * w * standardParameters(); }
  int64_t depthwiseMacs() const { return h * w * depthwiseParameters(); }
  int64_t pointwiseMacs() const { return h * w * pointwiseParameters(); }
  double ratio() const { return double(depthwiseMacs() + pointwiseMacs()) / double(standardMacs()); }
};

// "1.2 M" style for counts in sentences: 3 significant digits, k / M / G.
std::string shortCount(int64_t value);

} // namespace convscope
