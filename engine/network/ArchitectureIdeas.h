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
#include <string>
#include <vector>

namespace convscope {

struct ArchitectureIdea {
  std::string family;              // "ResNet"
  std::string idea;                // "residual connections: each block learns a correction F(x) added to x"
  std::vector<std::string> points; // the counts, one sentence each
};

// The family is recognized from the blocks (an inception module makes it GoogLeNet's idea,
// a residual block ResNet's, …); a plain network is VGG's when it stacks 3×3 convolutions,
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
