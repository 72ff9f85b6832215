// A convolution layer's filters as kernels for the lecture view.
#include "engine/lessons/LearnedFilters.h"

#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/LayerKind.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

std::vector<size_t> convolutionNodes(const Network& network) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < network.size(); ++i)
    if (layerAs<Conv2D>(network.layer(i))) nodes.push_back(i);
  return nodes;
}

int64_t filterCount(const Network& network, size_t node) {
  const auto* conv = layerAs<Conv2D>(network.layer(node));
  return conv ? conv->outChannels() : 0;
}

LearnedFilter learnedFilter(const Network& network, size_t node, int64_t filter) {
  const auto* conv = layerAs<Conv2D>(network.layer(node));
  if (!conv) throw std::invalid_argument("layer '" + network.layer(node).name() + "' is not a convolution");
  const Conv2DGeometry& g = conv->geometry();
  LearnedFilter f;
  f.layer = conv->name();
  f.filter = std::clamp<int64_t>(filter, 0, conv->outChannels() - 1);
  f.groups = g.groups;
  f.channels = conv->inChannels() / g.groups;
  f.group = f.filter / (conv->outChannels() / g.groups);
  f.firstChannel = f.group * f.channels;
  const int64_t taps = g.kernelH * g.kernelW;
  Tensor weights(Shape{f.channels, g.kernelH, g.kernelW}); // its block of (C_out, C_in/groups, KH, KW)
  std::copy_n(conv->weights().values().begin() + long(f.filter * f.channels * taps), f.channels * taps,
              weights.values().begin());
  f.kernel = {conv->name() + " filter " + std::to_string(f.filter), weights};
  f.options.strideH = g.strideH, f.options.strideW = g.strideW;
  f.options.padding.mode = PaddingSpec::Mode::Explicit;
  f.options.padding.top = g.padTop, f.options.padding.bottom = g.padBottom;
  f.options.padding.left = g.padLeft, f.options.padding.right = g.padRight;
  f.options.dilationH = g.dilationH, f.options.dilationW = g.dilationW;
  f.options.bias = conv->hasBias() ? conv->bias().values()[size_t(f.filter)] : 0.0f;
  return f;
}

std::vector<ConvolutionStage> convolutionStages(const Network& network) {
  std::vector<ConvolutionStage> stages;
  for (const size_t i : convolutionNodes(network)) {
    ConvolutionStage st{i, i, network.layer(i).name()};
    if (i + 1 < network.size() && network.nodes()[i + 1].inputs == std::vector<int>{int(i)})
      if (const auto* a = layerAs<Activation>(network.layer(i + 1))) {
        st.shown = i + 1;
        st.title += " + " + activationTitle(a->activation());
      }
    stages.push_back(std::move(st));
  }
  return stages;
}

} // namespace convscope
