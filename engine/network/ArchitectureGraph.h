// ArchitectureGraph: a network's layers grouped into the blocks its dotted layer names make
// ("layer1.0.conv1" is in block "layer1.0", inside stage "layer1"; `summary` groups by the
// same names), each block with its totals and the idea it carries (a residual block, an
// inception module, a dense layer or block, a depthwise-separable pair), and the graph that
// shows when some blocks are collapsed into one box: the architecture browser draws it.
// Not for: placing the boxes (GraphLayout.h) or running the network.
#pragma once

#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

enum class BlockKind {
  Group,      // layers sharing a name, nothing more ("conv1" and "conv1.relu")
  Stage,      // blocks of one kind in a row (ResNet's "layer2": four residual blocks)
  Residual,   // ends in an addition of its input (or its projection) and its last layer
  Inception,  // parallel branches joined by a concatenation
  DenseLayer, // its new maps concatenated to its input
  DenseBlock, // dense layers in a row: the channels grow by the growth rate each
  Separable,  // a depthwise convolution (one filter per channel), then a pointwise 1×1
  ShuffleUnit, // ShuffleNet's unit: branches (or a split) joined, then a channel shuffle
};
std::string toString(BlockKind kind); // "residual block", "inception module", …

struct ArchitectureBlock {
  std::string name; // the shared prefix: "layer1.0"
  BlockKind kind = BlockKind::Group;
  int parent = -1;         // the block around it, −1 at the top
  int depth = 0;           // 0 at the top
  std::vector<int> blocks; // the blocks directly inside, in execution order
  std::vector<int> nodes;  // every network node inside (inner blocks' too), in execution order
  std::vector<int> direct; // the nodes directly inside (not in an inner block)
  int64_t parameters = 0, macs = 0;
  int64_t activations = 0; // values of every output inside, one sample
  int output = -1;         // the node whose output leaves the block (its last)
};

class ArchitectureGraph {
public:
  explicit ArchitectureGraph(const Network& network);

  const std::vector<ArchitectureBlock>& blocks() const { return blocks_; }
  const std::vector<Network::SummaryRow>& rows() const { return rows_; } // one per node
  const Shape& inputShape() const { return input_; }                     // one sample
  size_t nodeCount() const { return rows_.size(); }
  const std::vector<int>& inputsOf(int node) const { return inputs_.at(size_t(node)); }
  // The layer as it describes itself ("conv1: 64 filters 7x7, stride 2, padding 3,3,3,3"),
  // in a few words ("conv 7×7, stride 2, pad 3") and its window ("7×7, stride 2, pad 3"; ""
  // for none): Layer::title, words and window.
  const std::string& title(int node) const { return titles_.at(size_t(node)); }
  const std::string& words(int node) const { return words_.at(size_t(node)); }
  const std::string& window(int node) const { return windows_.at(size_t(node)); }
  LayerFamily family(int node) const { return families_.at(size_t(node)); }
  bool isConvolution(int node) const { return family(node) == LayerFamily::Convolution; }
  bool isPooling(int node) const { return family(node) == LayerFamily::Pooling; }
  bool isDepthwise(int node) const { return depthwise_.at(size_t(node)); }
  bool isPointwise(int node) const { return pointwise_.at(size_t(node)); }
  int innermostBlock(int node) const { return innermost_.at(size_t(node)); } // −1: in none
  int64_t parameters() const { return parameters_; }
  int64_t macs() const { return macs_; }
  int64_t activations() const { return activations_; }
  // Layers with weights (convolutions and fully connected) on the longest path from the
  // input to the output: the depth the papers give (VGG-16: 16, ResNet-50: 50, GoogLeNet:
  // 22, DenseNet-121: 121; a shortcut's projection is not on the longest path).
  int weightDepth() const { return weightDepth_; }

  // What the graph shows: the input, nodes, and blocks collapsed into one box.
  struct Item {
    enum class Kind { Input, Node, Block };
    Kind kind = Kind::Node;
    int index = -1; // the node or block
    bool operator==(const Item&) const = default;
  };
  struct Edge {
    int from = 0, to = 0; // indices into View::items
    Shape shape;          // what flows along it, one sample
  };
  struct View {
    std::vector<Item> items;            // the input first, then in execution order
    std::vector<Edge> edges;            // one per pair of items that a tensor connects
    int itemOf(const Item& item) const; // −1 when it does not show
  };
  // collapsed[b]: block b shows as one box (unless a block around it is collapsed too).
  View view(const std::vector<bool>& collapsed) const;
  // The item showing node `node` under `collapsed`: the node or its outermost collapsed block.
  Item visibleItem(int node, const std::vector<bool>& collapsed) const;
  // Blocks at depth `depth` and deeper collapsed, at the deepest level whose graph has at
  // most maxItems items (a ResNet-50 shows its sixteen residual blocks as boxes).
  std::vector<bool> defaultCollapsed(size_t maxItems = 40) const;

private:
  Shape input_;
  std::vector<Network::SummaryRow> rows_;
  std::vector<std::vector<int>> inputs_;
  std::vector<std::string> titles_, words_, windows_;
  std::vector<LayerFamily> families_;
  std::vector<bool> depthwise_, pointwise_, weightLayer_;
  std::vector<ArchitectureBlock> blocks_;
  std::vector<int> innermost_;
  int64_t parameters_ = 0, macs_ = 0, activations_ = 0;
  int weightDepth_ = 0;
};

} // namespace convscope
