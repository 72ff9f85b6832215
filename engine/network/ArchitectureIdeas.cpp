#include "engine/network/ArchitectureIdeas.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Concat.h"
#include "engine/layers/Add.h"

#include "engine/network/LayerList.h"
#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/ChannelShuffle.h"
#include "engine/layers/ChannelSlice.h"
#include "engine/layers/LayerNorm.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

namespace convscope {

std::string shortCount(int64_t value) {
  const double v = double(value);
  const char* unit = "";
  double shown = v;
  if (std::abs(v) >= 1e9)
    shown = v / 1e9, unit = " G";
  else if (std::abs(v) >= 1e6)
    shown = v / 1e6, unit = " M";
  else if (std::abs(v) >= 1e4)
    shown = v / 1e3, unit = " k";
  else
    return withCommas(value);
  char text[32];
  std::snprintf(text, sizeof text,
                std::abs(shown) >= 100  ? "%.0f%s"
                : std::abs(shown) >= 10 ? "%.1f%s"
                                        : "%.2f%s",
                shown, unit);
  return text;
}

namespace {

std::string ratioText(double r) {
  char text[32];
  std::snprintf(text, sizeof text, r >= 10 ? "%.0f" : "%.1f", r);
  return text;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f %%", 100.0 * share);
  return text;
}

const Conv2D* convAt(const Network& net, int node) {
  return node >= 0 ? layerAs<Conv2D>(*net.nodes()[size_t(node)].layer) : nullptr;
}

const ArchitectureBlock* firstOfKind(const ArchitectureGraph& graph, BlockKind kind) {
  for (const ArchitectureBlock& b : graph.blocks())
    if (b.kind == kind) return &b;
  return nullptr;
}

// The node a layer reads, skipping batch normalization and activations (what a
// convolution's input "really" came from).
int producer(const Network& net, int node) {
  int i = net.nodes()[size_t(node)].inputs.front();
  while (i >= 0 && net.nodes()[size_t(i)].layer->isElementwise()) i = net.nodes()[size_t(i)].inputs.front();
  return i;
}

// An inception module: its branches and what its 1×1 reductions save.
std::vector<std::string> inceptionPoints(const Network& net, const ArchitectureGraph& graph, const ArchitectureBlock& b) {
  std::vector<std::string> points;
  // The branches' channels, from the concatenation's inputs.
  int concat = -1;
  for (int n : b.direct)
    if (layerAs<Concat>(*net.nodes()[size_t(n)].layer)) concat = n;
  if (concat < 0) return points;
  std::string parts;
  for (int i : net.nodes()[size_t(concat)].inputs)
    parts += (parts.empty() ? "" : " + ") + std::to_string(graph.rows()[size_t(i)].output[0]);
  points.push_back(b.name + ": " + std::to_string(net.nodes()[size_t(concat)].inputs.size()) +
                   " branches joined along the channels: " + parts + " = " +
                   std::to_string(graph.rows()[size_t(concat)].output[0]) + " channels.");
  // Every k×k convolution (k > 1) reading a 1×1 reduction: its cost with and without it.
  int64_t with = 0, without = 0;
  std::string reductions;
  for (int n : b.nodes) {
    const Conv2D* c = convAt(net, n);
    if (!c || c->geometry().kernelH * c->geometry().kernelW == 1) continue;
    const int r = producer(net, n);
    const Conv2D* reduce = convAt(net, r);
    if (!reduce || !reduce->isPointwise()) continue;
    const Shape& out = graph.rows()[size_t(n)].output;
    const int64_t k2 = c->geometry().kernelH * c->geometry().kernelW;
    with += graph.rows()[size_t(r)].macs + graph.rows()[size_t(n)].macs;
    without += out[1] * out[2] * k2 * reduce->inChannels() * c->outChannels();
    reductions += (reductions.empty() ? "" : ", ") + std::to_string(reduce->inChannels()) + " → " +
                  std::to_string(reduce->outChannels()) + " before the " + std::to_string(c->geometry().kernelH) + "×" +
                  std::to_string(c->geometry().kernelW);
  }
  if (with > 0)
    points.push_back("Its big kernels cost " + shortCount(with) + " MACs with the 1×1 reductions (" + reductions +
                     "), " + shortCount(without) + " without: " + ratioText(double(without) / double(with)) +
                     "× fewer.");
  return points;
}

// A residual block: y = F(x) + shortcut(x). The addition's two inputs are followed back to
// the block's input; the branch with fewer parameters is the shortcut (none at all: the
// identity), the other is F.
std::vector<std::string> residualPoints(const Network& net, const ArchitectureGraph& graph, const ArchitectureBlock& b) {
  const auto& nodes = net.nodes();
  int add = -1;
  for (int n : b.direct)
    if (layerAs<Add>(*nodes[size_t(n)].layer)) add = n;
  if (add < 0)
    for (int n : b.nodes)
      if (layerAs<Add>(*nodes[size_t(n)].layer)) add = n;
  if (add < 0 || nodes[size_t(add)].inputs.size() != 2) return {};
  const std::set<int> inside(b.nodes.begin(), b.nodes.end());
  struct Branch {
    std::vector<int> nodes;
    int64_t parameters = 0;
    int convolutions = 0;
  };
  const auto follow = [&](int from) {
    Branch branch;
    for (int i = from; i >= 0 && inside.count(i) && i != add; i = nodes[size_t(i)].inputs.empty() ? -1 : nodes[size_t(i)].inputs.front()) {
      branch.nodes.push_back(i);
      branch.parameters += graph.rows()[size_t(i)].parameters;
      branch.convolutions += convAt(net, i) != nullptr;
    }
    return branch;
  };
  Branch f = follow(nodes[size_t(add)].inputs[0]), shortcut = follow(nodes[size_t(add)].inputs[1]);
  if (std::tie(shortcut.convolutions, shortcut.parameters) > std::tie(f.convolutions, f.parameters)) std::swap(f, shortcut);
  std::string text = b.name + ": F is " + std::to_string(f.convolutions) + " convolution" +
                     (f.convolutions == 1 ? "" : "s") + " with " + withCommas(f.parameters) + " parameters; ";
  if (shortcut.nodes.empty()) return {text + "the shortcut is the identity: x itself, 0 parameters."};
  const Conv2D* projection = nullptr;
  for (int n : shortcut.nodes)
    if (const Conv2D* c = convAt(net, n)) projection = c;
  if (!projection)
    return {text + "the shortcut (" + std::to_string(shortcut.nodes.size()) + " layers) has " +
            withCommas(shortcut.parameters) + " parameters."};
  const Conv2DGeometry& g = projection->geometry();
  return {text + "the shortcut is a projection, a " + std::to_string(g.kernelH) + "×" + std::to_string(g.kernelW) +
          " convolution" + (g.strideH > 1 ? " with stride " + std::to_string(g.strideH) : std::string()) + " from " +
          std::to_string(projection->inChannels()) + " to " + std::to_string(projection->outChannels()) +
          " channels: " + withCommas(shortcut.parameters) + " parameters" +
          (shortcut.nodes.size() > 1 ? " with its batch normalization." : ".")};
}

// A depthwise-separable pair: its cost against a standard convolution.
std::vector<std::string> separablePoints(const Network& net, const ArchitectureGraph& graph, const ArchitectureBlock& b) {
  const Conv2D *dw = nullptr, *pw = nullptr;
  int pwNode = -1;
  for (int n : b.direct) {
    const Conv2D* c = convAt(net, n);
    if (c && c->isDepthwise() && !dw) dw = c;
    if (c && c->isPointwise() && dw && !pw) pw = c, pwNode = n;
  }
  if (!dw || !pw) return {};
  SeparableCost cost;
  cost.m = dw->inChannels(), cost.n = pw->outChannels(), cost.k = dw->geometry().kernelH;
  cost.h = graph.rows()[size_t(pwNode)].output[1], cost.w = graph.rows()[size_t(pwNode)].output[2];
  std::vector<std::string> points;
  points.push_back(b.name + ": " + std::to_string(cost.k) + "×" + std::to_string(cost.k) + " from " +
                   std::to_string(cost.m) + " to " + std::to_string(cost.n) + " channels on " +
                   std::to_string(cost.h) + "×" + std::to_string(cost.w) + ": a standard convolution costs " +
                   shortCount(cost.standardMacs()) + " MACs, depthwise + pointwise " +
                   shortCount(cost.depthwiseMacs()) + " + " + shortCount(cost.pointwiseMacs()) + ".");
  char text[160];
  std::snprintf(text, sizeof text, "Ratio: 1/N + 1/k² = 1/%lld + 1/%lld = %.3f, %s× fewer.", (long long)cost.n,
                (long long)(cost.k * cost.k), cost.ratio(), ratioText(1.0 / cost.ratio()).c_str());
  points.push_back(text);
  return points;
}

// Every block of `kind` gets its own points; the example block's come first in the idea's
// points, followed by `general`.
using BlockPointsFn = std::vector<std::string> (*)(const Network&, const ArchitectureGraph&, const ArchitectureBlock&);
void addBlockPoints(ArchitectureIdea& idea, const Network& net, const ArchitectureGraph& graph, BlockKind kind,
                    int example, BlockPointsFn points, const std::vector<std::string>& general) {
  for (size_t i = 0; i < graph.blocks().size(); ++i)
    if (graph.blocks()[i].kind == kind) {
      std::vector<std::string> p = points(net, graph, graph.blocks()[i]);
      if (!p.empty()) idea.blockPoints[int(i)] = std::move(p);
    }
  if (auto found = idea.blockPoints.find(example); found != idea.blockPoints.end()) {
    idea.points = found->second;
    idea.exampleBlock = example;
  }
  idea.exampleCount = idea.points.size();
  idea.points.insert(idea.points.end(), general.begin(), general.end());
}

int blockIndex(const ArchitectureGraph& graph, const ArchitectureBlock* b) {
  return b ? int(b - graph.blocks().data()) : -1;
}

ArchitectureIdea inceptionIdea(const Network& net, const ArchitectureGraph& graph, const ArchitectureBlock& b) {
  ArchitectureIdea idea{"GoogLeNet",
                        "inception modules: 1×1, 3×3 and 5×5 convolutions and pooling side by side, their maps "
                        "joined; 1×1 convolutions first reduce the channels the big kernels read",
                        {}};
  addBlockPoints(idea, net, graph, BlockKind::Inception, blockIndex(graph, &b), inceptionPoints, {});
  return idea;
}

ArchitectureIdea residualIdea(const Network& net, const ArchitectureGraph& graph, const ArchitectureBlock& b) {
  ArchitectureIdea idea{"ResNet",
                        "residual connections: each block learns a correction F(x) that is added to its input, "
                        "y = F(x) + x",
                        {}};
  int blocks = 0;
  for (const ArchitectureBlock& r : graph.blocks()) blocks += r.kind == BlockKind::Residual;
  addBlockPoints(idea, net, graph, BlockKind::Residual, blockIndex(graph, &b), residualPoints,
                 {"The addition passes the gradient to x unchanged (∂y/∂x = 1 + ∂F/∂x): through the " +
                      std::to_string(blocks) +
                      " residual blocks of this network it reaches the first layers without fading away.",
                  "Where a block changes the shape, a 1×1 convolution with stride (the projection) carries x to the "
                  "new shape; elsewhere the shortcut is x itself."});
  return idea;
}

ArchitectureIdea denseIdea(const Network& net, const ArchitectureGraph& graph) {
  ArchitectureIdea idea{"DenseNet",
                        "dense connections: each layer reads the maps of every layer before it in its block "
                        "and adds k new ones (the growth rate)",
                        {}};
  const ArchitectureBlock* block = firstOfKind(graph, BlockKind::DenseBlock);
  std::vector<int> layers;
  if (block)
    layers = block->blocks;
  else if (const ArchitectureBlock* l = firstOfKind(graph, BlockKind::DenseLayer))
    layers = {int(l - graph.blocks().data())};
  std::string counts;
  int64_t growth = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const ArchitectureBlock& l = graph.blocks()[size_t(layers[i])];
    const int first = l.nodes.front();
    const auto& in = net.nodes()[size_t(first)].inputs;
    const int64_t c = in.front() < 0 ? graph.inputShape()[0] : graph.rows()[size_t(in.front())].output[0];
    const int64_t after = graph.rows()[size_t(l.output)].output[0];
    growth = after - c;
    if (i < 4 || i + 1 == layers.size()) counts += (counts.empty() ? "" : i < 4 ? ", " : ", …, ") + std::to_string(c);
    if (i + 1 == layers.size()) counts += " → " + std::to_string(after);
  }
  if (!layers.empty())
    idea.points.push_back((block ? block->name : std::string("the dense layer")) + ": the channels entering its " +
                          std::to_string(layers.size()) + " layers grow by k = " + std::to_string(growth) +
                          " each: " + counts + ".");
  idea.points.push_back("Joining maps (concatenation) has 0 parameters; a transition's 1×1 convolution halves the "
                        "channels and 2×2 average pooling halves the size between blocks.");
  return idea;
}

ArchitectureIdea separableIdea(const Network& net, const ArchitectureGraph& graph) {
  ArchitectureIdea idea{"MobileNet",
                        "depthwise-separable convolution: a k×k depthwise convolution (one filter per channel) "
                        "then a 1×1 pointwise one that mixes the channels",
                        {}};
  // The example: the separable pair that costs the most, the one the saving matters for.
  const ArchitectureBlock* best = nullptr;
  for (const ArchitectureBlock& b : graph.blocks())
    if (b.kind == BlockKind::Separable && (!best || b.macs > best->macs)) best = &b;
  addBlockPoints(idea, net, graph, BlockKind::Separable, blockIndex(graph, best), separablePoints, {});
  return idea;
}

ArchitectureIdea plainIdea(const Network& net, const ArchitectureGraph& graph) {
  // Only 3×3 kernels (and 1×1), two in a row (activations between): VGG's idea. AlexNet has
  // two 3×3 in a row too, after its 11×11 and 5×5.
  const auto& nodes = net.nodes();
  bool only3x3 = true;
  for (size_t n = 0; n < nodes.size(); ++n)
    if (const Conv2D* c = convAt(net, int(n)))
      only3x3 = only3x3 && (c->geometry().kernelH * c->geometry().kernelW == 1 ||
                            (c->geometry().kernelH == 3 && c->geometry().kernelW == 3));
  for (size_t n = 0; n < nodes.size() && only3x3; ++n) {
    const Conv2D* second = convAt(net, int(n));
    if (!second || second->geometry().kernelH != 3 || second->geometry().kernelW != 3) continue;
    const Conv2D* first = convAt(net, producer(net, int(n)));
    if (!first || first->geometry().kernelH != 3 || first->geometry().kernelW != 3) continue;
    const int64_t c = second->outChannels();
    ArchitectureIdea idea{"VGG", "stacks of small 3×3 convolutions instead of one large kernel", {}};
    idea.points.push_back("Two 3×3 layers see 5×5 of their input, as one 5×5 does, with " + withCommas(2 * 9 * c * c) +
                          " weights instead of " + withCommas(25 * c * c) + " (C = " + std::to_string(c) +
                          " channels: 18C² against 25C²) and a ReLU more between them.");
    idea.points.push_back("Three 3×3 layers see 7×7: 27C² weights against 49C².");
    idea.points.push_back("The width doubles (64 … 512) each time pooling halves the size.");
    return idea;
  }
  int64_t dense = 0, convMacs = 0, convs = 0;
  bool tanh = false;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (layerAs<Dense>(*nodes[n].layer)) dense += graph.rows()[n].parameters;
    if (layerAs<Conv2D>(*nodes[n].layer)) convMacs += graph.rows()[n].macs, ++convs;
    if (const auto* a = layerAs<Activation>(*nodes[n].layer))
      tanh = tanh || a->activation() == ActivationKind::Tanh;
  }
  if (graph.parameters() < 1000000) {
    ArchitectureIdea idea{"LeNet", "convolution, subsampling, full connection: features learned from pixels", {}};
    idea.points.push_back(std::to_string(convs) + " convolutions share their weights over the image; " +
                          withCommas(graph.parameters()) + " parameters in all" +
                          (tanh ? ", tanh activations as in 1998." : "."));
    return idea;
  }
  ArchitectureIdea idea{"AlexNet", "depth and ReLU: eight learned layers trained on GPUs, ReLU instead of tanh", {}};
  idea.points.push_back(withCommas(dense) + " of the " + withCommas(graph.parameters()) + " parameters (" +
                        percent(double(dense) / double(std::max<int64_t>(graph.parameters(), 1))) +
                        ") are in the fully connected layers; the " + std::to_string(convs) + " convolutions do " +
                        percent(double(convMacs) / double(std::max<int64_t>(graph.macs(), 1))) + " of the MACs.");
  idea.points.push_back("ReLU does not saturate: the paper's network reached 25 % training error six times faster "
                        "than with tanh.");
  return idea;
}

} // namespace

// ShuffleNet's units: a channel split, a cheap branch, the halves joined and shuffled.
ArchitectureIdea shuffleIdea(const Network& net, const ChannelShuffle& first, int64_t channels) {
  ArchitectureIdea idea{"ShuffleNet",
                        "channel split and channel shuffle: in each unit half the channels pass by untouched and "
                        "half go through a cheap branch (1×1, depthwise 3×3, 1×1); a shuffle then interleaves the "
                        "halves, so the next unit's split mixes what both computed",
                        {}};
  int shuffles = 0, slices = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    shuffles += layerAs<ChannelShuffle>(net.layer(i)) != nullptr;
    slices += layerAs<ChannelSlice>(net.layer(i)) != nullptr;
  }
  const std::vector<int64_t> order = first.order(channels);
  std::string shown;
  for (size_t k = 0; k < order.size() && k < 6; ++k) shown += (k ? ", " : "") + std::to_string(order[k]);
  idea.points.push_back(first.name() + ": " + std::to_string(channels) + " channels as " +
                        std::to_string(first.groups()) + " groups of " + std::to_string(channels / first.groups()) +
                        "; the output takes the first of each group, then the second, …: channels " + shown + ", …");
  idea.exampleCount = 1;
  idea.points.push_back(std::to_string(shuffles) + " shuffles and " + std::to_string(slices) +
                        " channel slices in this network: no weights, only channels moved — the mixing costs no "
                        "multiply-adds.");
  return idea;
}

// ConvNeXt's blocks: a ResNet modernized.
ArchitectureIdea convnextIdea(const Network& net) {
  ArchitectureIdea idea{"ConvNeXt",
                        "a ResNet modernized: each residual block is a depthwise 7×7 convolution, a layer "
                        "normalization over the channels, an inverted bottleneck (1×1 up 4×, GELU, 1×1 down) and a "
                        "learned scale per channel on the branch",
                        {}};
  int norms = 0, large = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    norms += layerAs<LayerNorm>(net.layer(i)) != nullptr;
    if (const auto* c = layerAs<Conv2D>(net.layer(i)); c && c->isDepthwise() && c->geometry().kernelH >= 7) ++large;
  }
  idea.points.push_back(std::to_string(large) + " depthwise convolutions of 7×7 or more: each channel sees a larger "
                        "window than a 3×3 stack gives, at 1/C of a standard convolution's cost.");
  idea.points.push_back(std::to_string(norms) + " layer normalizations: each position's channels normalized by their "
                        "own mean and deviation, with no batch statistics (unlike batch normalization).");
  return idea;
}

ArchitectureIdea architectureIdea(const Network& network, const ArchitectureGraph& graph) {
  for (size_t i = 0; i < network.size(); ++i)
    if (const auto* shuffle = layerAs<ChannelShuffle>(network.layer(i)))
      return shuffleIdea(network, *shuffle, graph.rows()[i].output[0]);
  for (size_t i = 0; i < network.size(); ++i)
    if (layerAs<LayerNorm>(network.layer(i)) && firstOfKind(graph, BlockKind::Residual)) return convnextIdea(network);
  if (const ArchitectureBlock* b = firstOfKind(graph, BlockKind::Inception)) return inceptionIdea(network, graph, *b);
  if (firstOfKind(graph, BlockKind::DenseBlock) || firstOfKind(graph, BlockKind::DenseLayer))
    return denseIdea(network, graph);
  if (const ArchitectureBlock* b = firstOfKind(graph, BlockKind::Residual)) return residualIdea(network, graph, *b);
  if (firstOfKind(graph, BlockKind::Separable)) return separableIdea(network, graph);
  return plainIdea(network, graph);
}

int ArchitectureIdea::blockFor(const ArchitectureGraph& graph, int node) const {
  int found = -1;
  for (const auto& [index, said] : blockPoints) {
    const ArchitectureBlock& b = graph.blocks().at(size_t(index));
    if (std::find(b.nodes.begin(), b.nodes.end(), node) == b.nodes.end()) continue;
    if (found < 0 || b.depth > graph.blocks()[size_t(found)].depth) found = index;
  }
  return found;
}

std::vector<std::string> ArchitectureIdea::pointsFor(const ArchitectureGraph& graph, int node) const {
  const int block = blockFor(graph, node);
  if (block < 0) return points;
  std::vector<std::string> shown = blockPoints.at(block);
  shown.insert(shown.end(), points.begin() + long(std::min(exampleCount, points.size())), points.end());
  return shown;
}

} // namespace convscope
