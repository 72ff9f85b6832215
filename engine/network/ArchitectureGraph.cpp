#include "engine/network/ArchitectureGraph.h"

#include "engine/layers/Add.h"
#include "engine/layers/ChannelShuffle.h"
#include "engine/layers/Concat.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/LayerKind.h"
#include "engine/layers/Pool2D.h"

#include <algorithm>
#include <map>
#include <set>

namespace convscope {

std::string toString(BlockKind kind) {
  switch (kind) {
  case BlockKind::Group: return "block";
  case BlockKind::Stage: return "stage";
  case BlockKind::Residual: return "residual block";
  case BlockKind::Inception: return "inception module";
  case BlockKind::DenseLayer: return "dense layer";
  case BlockKind::DenseBlock: return "dense block";
  case BlockKind::Separable: return "depthwise-separable pair";
  case BlockKind::ShuffleUnit: return "ShuffleNet unit";
  }
  return "block";
}

namespace {

std::vector<std::string> prefixesOf(const std::string& name) {
  std::vector<std::string> out;
  for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1))
    out.push_back(name.substr(0, dot));
  out.push_back(name);
  return out;
}

// The idea a block's own layers (not its inner blocks') carry.
BlockKind kindOf(const ArchitectureBlock& b, const std::vector<ArchitectureBlock>& all, const Network& net) {
  if (!b.blocks.empty()) {
    const BlockKind first = all[size_t(b.blocks.front())].kind;
    const bool same =
        std::all_of(b.blocks.begin(), b.blocks.end(), [&](int c) { return all[size_t(c)].kind == first; });
    if (first == BlockKind::DenseLayer && same) return BlockKind::DenseBlock;
    if (same && b.blocks.size() >= 2 &&
        (first == BlockKind::Residual || first == BlockKind::Inception || first == BlockKind::Separable ||
         first == BlockKind::ShuffleUnit))
      return BlockKind::Stage;
  }
  const std::set<int> inside(b.nodes.begin(), b.nodes.end());
  for (int n : b.direct)
    if (layerAs<ChannelShuffle>(*net.nodes()[size_t(n)].layer)) return BlockKind::ShuffleUnit;
  bool depthwise = false, pointwise = false;
  for (int n : b.direct) {
    const Network::Node& node = net.nodes()[size_t(n)];
    if (layerAs<Add>(*node.layer) && node.inputs.size() >= 2) return BlockKind::Residual;
    if (layerAs<Concat>(*node.layer) && node.inputs.size() >= 2) {
      const bool readsOutside =
          std::any_of(node.inputs.begin(), node.inputs.end(), [&](int i) { return !inside.count(i); });
      return readsOutside ? BlockKind::DenseLayer : BlockKind::Inception;
    }
    const Conv2D* conv = layerAs<Conv2D>(*node.layer);
    depthwise = depthwise || (conv && conv->isDepthwise());
    pointwise = pointwise || (conv && conv->isPointwise());
  }
  return depthwise && pointwise ? BlockKind::Separable : BlockKind::Group;
}

} // namespace

ArchitectureGraph::ArchitectureGraph(const Network& network)
    : input_(network.inputShape()), rows_(network.summaryRows()) {
  const size_t n = rows_.size();
  for (const Network::Node& node : network.nodes()) {
    inputs_.push_back(node.inputs);
    titles_.push_back(node.layer->title());
    words_.push_back(node.layer->words());
    windows_.push_back(node.layer->window());
    const Conv2D* conv = layerAs<Conv2D>(*node.layer);
    families_.push_back(node.layer->family());
    depthwise_.push_back(conv && conv->isDepthwise());
    pointwise_.push_back(conv && conv->isPointwise());
    weightLayer_.push_back(node.layer->isWeightLayer());
  }
  for (const auto& r : rows_) parameters_ += r.parameters, macs_ += r.macs, activations_ += r.output.elementCount();
  // Longest path in weight layers: nodes come in execution order, so inputs are done first.
  std::vector<int> depth(n, 0);
  for (size_t i = 0; i < n; ++i) {
    int before = 0;
    for (int in : inputs_[i])
      if (in >= 0) before = std::max(before, depth[size_t(in)]);
    depth[i] = before + (weightLayer_[i] ? 1 : 0);
  }
  weightDepth_ = n ? depth.back() : 0;

  // Every prefix two or more layers share is a block ("conv2" holds "conv2" and "conv2.relu").
  std::map<std::string, std::vector<int>> members;
  std::vector<std::string> order; // prefixes by first appearance, outer before inner
  for (size_t i = 0; i < n; ++i)
    for (const std::string& p : prefixesOf(rows_[i].name)) {
      auto [it, fresh] = members.try_emplace(p);
      if (fresh) order.push_back(p);
      it->second.push_back(int(i));
    }
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return members[a].front() < members[b].front(); });
  std::map<std::string, int> index;
  innermost_.assign(n, -1);
  // Outer prefixes first (fewer dots), so a block's parent exists when it is made.
  std::stable_sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '.') < std::count(b.begin(), b.end(), '.');
  });
  for (const std::string& p : order) {
    const std::vector<int>& m = members[p];
    if (m.size() < 2) continue;
    int parent = -1;
    for (const std::string& q : prefixesOf(p))
      if (q != p && index.count(q)) parent = index[q];
    // A block holding exactly what the block around it holds adds nothing to see.
    if (parent >= 0 ? blocks_[size_t(parent)].nodes == m : m.size() == n) continue;
    ArchitectureBlock b;
    b.name = p;
    b.parent = parent;
    b.depth = parent >= 0 ? blocks_[size_t(parent)].depth + 1 : 0;
    b.nodes = m;
    index[p] = int(blocks_.size());
    blocks_.push_back(std::move(b));
    for (int i : m) innermost_[size_t(i)] = int(blocks_.size()) - 1;
  }
  for (size_t b = 0; b < blocks_.size(); ++b) {
    ArchitectureBlock& block = blocks_[b];
    if (block.parent >= 0) blocks_[size_t(block.parent)].blocks.push_back(int(b));
    for (int i : block.nodes) {
      block.parameters += rows_[size_t(i)].parameters;
      block.macs += rows_[size_t(i)].macs;
      block.activations += rows_[size_t(i)].output.elementCount();
      if (innermost_[size_t(i)] == int(b)) block.direct.push_back(i);
    }
    block.output = block.nodes.back();
  }
  for (ArchitectureBlock& block : blocks_)
    std::sort(block.blocks.begin(), block.blocks.end(),
              [&](int a, int c) { return blocks_[size_t(a)].nodes.front() < blocks_[size_t(c)].nodes.front(); });
  // Inner blocks first: a stage's kind depends on its blocks'.
  std::vector<int> byDepth(blocks_.size());
  for (size_t b = 0; b < blocks_.size(); ++b) byDepth[b] = int(b);
  std::stable_sort(byDepth.begin(), byDepth.end(),
                   [&](int a, int c) { return blocks_[size_t(a)].depth > blocks_[size_t(c)].depth; });
  for (int b : byDepth) blocks_[size_t(b)].kind = kindOf(blocks_[size_t(b)], blocks_, network);
}

ArchitectureGraph::Item ArchitectureGraph::visibleItem(int node, const std::vector<bool>& collapsed) const {
  if (node < 0) return {Item::Kind::Input, -1};
  // The outermost collapsed block around the node hides it.
  int shown = -1;
  for (int b = innermost_.at(size_t(node)); b >= 0; b = blocks_[size_t(b)].parent)
    if (size_t(b) < collapsed.size() && collapsed[size_t(b)]) shown = b;
  return shown >= 0 ? Item{Item::Kind::Block, shown} : Item{Item::Kind::Node, node};
}

int ArchitectureGraph::View::itemOf(const Item& item) const {
  const auto it = std::find(items.begin(), items.end(), item);
  return it == items.end() ? -1 : int(it - items.begin());
}

ArchitectureGraph::View ArchitectureGraph::view(const std::vector<bool>& collapsed) const {
  View v;
  v.items.push_back({Item::Kind::Input, -1});
  std::map<std::pair<int, int>, int> itemIndex; // (kind, index) → position
  itemIndex[{0, -1}] = 0;
  std::vector<int> position(rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) {
    const Item item = visibleItem(int(i), collapsed);
    const auto [it, fresh] = itemIndex.try_emplace({int(item.kind), item.index}, int(v.items.size()));
    if (fresh) v.items.push_back(item);
    position[i] = it->second;
  }
  std::set<std::pair<int, int>> seen;
  for (size_t j = 0; j < rows_.size(); ++j)
    for (int i : inputs_[j]) {
      const int from = i < 0 ? 0 : position[size_t(i)], to = position[j];
      if (from == to || !seen.insert({from, to}).second) continue;
      v.edges.push_back({from, to, i < 0 ? input_ : rows_[size_t(i)].output});
    }
  return v;
}

std::vector<bool> ArchitectureGraph::defaultCollapsed(size_t maxItems) const {
  int deepest = 0;
  for (const ArchitectureBlock& b : blocks_) deepest = std::max(deepest, b.depth + 1);
  std::vector<bool> best(blocks_.size(), true);
  for (int depth = 1; depth <= deepest; ++depth) {
    std::vector<bool> collapsed(blocks_.size());
    for (size_t b = 0; b < blocks_.size(); ++b) collapsed[b] = blocks_[b].depth >= depth;
    if (view(collapsed).items.size() > maxItems) break;
    best = collapsed;
  }
  return best;
}

} // namespace convscope
