// The architecture browser's engine: blocks from layer names, their kinds and totals, the
// collapsed views, the family ideas' counts (worked by hand from the papers' tables) and
// Graphviz's layout.
#include "engine/network/ArchitectureGraph.h"
#include "engine/network/ArchitectureIdeas.h"
#include "engine/io/Onnx.h"
#include "common/TestPaths.h"
#include "engine/network/Architectures.h"
#include "engine/network/GraphLayout.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"

#include <gtest/gtest.h>

#include <map>

using namespace convscope;

namespace {

std::map<BlockKind, int> kindCounts(const ArchitectureGraph& g) {
  std::map<BlockKind, int> counts;
  for (const ArchitectureBlock& b : g.blocks()) ++counts[b.kind];
  return counts;
}

const ArchitectureBlock& blockNamed(const ArchitectureGraph& g, const std::string& name) {
  for (const ArchitectureBlock& b : g.blocks())
    if (b.name == name) return b;
  throw std::runtime_error("no block " + name);
}

} // namespace

TEST(ArchitectureGraph, findsEachFamilysBlocksByTheirLayerNames) {
  {
    const Network net = makeArchitecture("resnet50");
    const ArchitectureGraph g(net);
    auto k = kindCounts(g);
    EXPECT_EQ(k[BlockKind::Residual], 16);
    EXPECT_EQ(k[BlockKind::Stage], 4);
    const ArchitectureBlock& b = blockNamed(g, "layer1.0");
    EXPECT_EQ(b.kind, BlockKind::Residual);
    EXPECT_EQ(b.nodes.size(), 12u); // 3 × (conv, bn) + 2 relu + downsample conv, bn + add + relu
    EXPECT_EQ(g.blocks()[size_t(b.parent)].name, "layer1");
    EXPECT_EQ(g.rows()[size_t(b.output)].name, "layer1.0.relu");
  }
  {
    const ArchitectureGraph g(makeArchitecture("googlenet"));
    EXPECT_EQ(kindCounts(g)[BlockKind::Inception], 9);
    EXPECT_EQ(blockNamed(g, "inception3a").nodes.size(), 14u);
    EXPECT_EQ(blockNamed(g, "conv1").nodes.size(), 2u); // "conv1" and "conv1.relu"
  }
  {
    const ArchitectureGraph g(makeArchitecture("densenet121"));
    auto k = kindCounts(g);
    EXPECT_EQ(k[BlockKind::DenseLayer], 6 + 12 + 24 + 16);
    EXPECT_EQ(k[BlockKind::DenseBlock], 4);
  }
  EXPECT_EQ(kindCounts(ArchitectureGraph(makeArchitecture("mobilenet")))[BlockKind::Separable], 13);
  // A layer list's names have no dots: no blocks, every layer a box.
  const ArchitectureGraph plain(buildLayerList("input 1x8x8\nconv 4 3x3\nrelu\nflatten\ndense 2"));
  EXPECT_TRUE(plain.blocks().empty());
  EXPECT_EQ(plain.view({}).items.size(), 5u);
}

TEST(ArchitectureGraph, depthCountsWeightLayersOnTheLongestPathAsThePapersDo) {
  const std::map<std::string, int> depths{{"alexnet", 8},   {"vgg16", 16},        {"googlenet", 22}, {"resnet18", 18},
                                          {"resnet50", 50}, {"densenet121", 121}, {"mobilenet", 28}};
  for (const auto& [name, depth] : depths)
    EXPECT_EQ(ArchitectureGraph(makeArchitecture(name)).weightDepth(), depth) << name;
  EXPECT_EQ(ArchitectureGraph(makePreset("lenet5")).weightDepth(), 5);
}

TEST(ArchitectureGraph, blockTotalsAddUpToTheNetworks) {
  for (const std::string& name : architectureNames()) {
    SCOPED_TRACE(name);
    const Network net = makeArchitecture(name);
    const ArchitectureGraph g(net);
    EXPECT_EQ(g.parameters(), net.parameterCount());
    EXPECT_EQ(g.macs(), net.macCount());
    // The top-level blocks and the layers in none add up to the whole.
    int64_t params = 0, macs = 0;
    for (const ArchitectureBlock& b : g.blocks())
      if (b.parent < 0) params += b.parameters, macs += b.macs;
    for (size_t i = 0; i < g.nodeCount(); ++i)
      if (g.innermostBlock(int(i)) < 0) params += g.rows()[i].parameters, macs += g.rows()[i].macs;
    EXPECT_EQ(params, net.parameterCount());
    EXPECT_EQ(macs, net.macCount());
  }
  EXPECT_EQ(blockNamed(ArchitectureGraph(makeArchitecture("resnet18")), "layer1.0").parameters,
            2 * (64 * 64 * 9 + 2 * 64)); // two 3×3 convolutions and their batch norms
}

TEST(ArchitectureGraph, collapsedBlocksShowAsOneBoxWithTheEdgesAroundThem) {
  const Network net = makeArchitecture("resnet18");
  const ArchitectureGraph g(net);
  // Nothing collapsed: the input and every layer, one edge per layer input.
  const ArchitectureGraph::View all = g.view({});
  EXPECT_EQ(all.items.size(), net.size() + 1);
  size_t inputs = 0;
  for (const auto& node : net.nodes()) inputs += node.inputs.size();
  EXPECT_EQ(all.edges.size(), inputs);
  // The default: stages expanded, residual blocks collapsed (input, stem 4, 8 blocks, head 3).
  const std::vector<bool> collapsed = g.defaultCollapsed();
  const ArchitectureGraph::View v = g.view(collapsed);
  EXPECT_EQ(v.items.size(), 1u + 4 + 8 + 3);
  const int block =
      v.itemOf({ArchitectureGraph::Item::Kind::Block, int(&blockNamed(g, "layer2.0") - g.blocks().data())});
  ASSERT_GE(block, 0);
  int in = 0, out = 0;
  for (const auto& e : v.edges) {
    if (e.to == block) {
      ++in;
      EXPECT_EQ(e.shape, Shape({64, 56, 56}));
    }
    if (e.from == block) {
      ++out;
      EXPECT_EQ(e.shape, Shape({128, 28, 28}));
    }
  }
  EXPECT_EQ(in, 1); // the skip connection is inside the box now
  EXPECT_EQ(out, 1);
  // Expanding that block shows its layers and the skip connection around them.
  std::vector<bool> expanded = collapsed;
  expanded[size_t(&blockNamed(g, "layer2.0") - g.blocks().data())] = false;
  const ArchitectureGraph::View e = g.view(expanded);
  // Its projection shortcut ("downsample": a 1×1 convolution and batch norm) stays one box.
  EXPECT_EQ(e.items.size(), v.items.size() - 1 + blockNamed(g, "layer2.0").nodes.size() - 1);
  const int add = e.itemOf(g.visibleItem(net.nodeIndex("layer2.0.add"), expanded));
  int addInputs = 0;
  for (const auto& edge : e.edges) addInputs += edge.to == add;
  EXPECT_EQ(addInputs, 2);
  // Every default view of the seven stays small enough to read.
  for (const std::string& name : architectureNames()) {
    const ArchitectureGraph a(makeArchitecture(name));
    EXPECT_LE(a.view(a.defaultCollapsed()).items.size(), 40u) << name;
  }
}

TEST(ArchitectureIdeas, countTheLecturesPointsOnTheNetworkAtHand) {
  {
    const Network net = makeArchitecture("googlenet");
    const ArchitectureIdea idea = architectureIdea(net, ArchitectureGraph(net));
    EXPECT_EQ(idea.family, "GoogLeNet");
    ASSERT_EQ(idea.points.size(), 2u);
    EXPECT_EQ(idea.points[0], "inception3a: 4 branches joined along the channels: 64 + 128 + 32 + 32 = 256 channels.");
    // 28·28·(192·96 + 9·96·128 + 192·16 + 25·16·32) = 113.6 M with, 28·28·(9·192·128 + 25·192·32) = 294 M without.
    EXPECT_NE(idea.points[1].find("114 M MACs with"), std::string::npos) << idea.points[1];
    EXPECT_NE(idea.points[1].find("294 M without: 2.6× fewer"), std::string::npos) << idea.points[1];
  }
  {
    const Network net = makeArchitecture("mobilenet");
    const ArchitectureIdea idea = architectureIdea(net, ArchitectureGraph(net));
    EXPECT_EQ(idea.family, "MobileNet");
    // The costliest pair: 3×3, 128 → 128 on 56×56, 56²·(9·128 + 128²) = 54.9 M MACs (a
    // 512 → 512 pair on 14×14 costs 52.3 M).
    EXPECT_EQ(idea.points.at(0), "block3: 3×3 from 128 to 128 channels on 56×56: a standard convolution costs 462 M "
                                 "MACs, depthwise + pointwise 3.61 M + 51.4 M.");
    EXPECT_EQ(idea.points.at(1), "Ratio: 1/N + 1/k² = 1/128 + 1/9 = 0.119, 8.4× fewer.");
  }
  {
    const Network net = makeArchitecture("densenet121");
    const ArchitectureIdea idea = architectureIdea(net, ArchitectureGraph(net));
    EXPECT_EQ(idea.points.at(0),
              "features.denseblock1: the channels entering its 6 layers grow by k = 32 each: 64, 96, 128, 160, …, "
              "224 → 256.");
  }
  {
    const Network net = makeArchitecture("vgg16");
    const ArchitectureIdea idea = architectureIdea(net, ArchitectureGraph(net));
    EXPECT_EQ(idea.family, "VGG");
    EXPECT_NE(idea.points.at(0).find("73,728 weights instead of 102,400 (C = 64"), std::string::npos);
  }
  {
    const Network net = makeArchitecture("resnet50");
    const ArchitectureGraph graph(net);
    const ArchitectureIdea idea = architectureIdea(net, graph);
    EXPECT_EQ(idea.family, "ResNet");
    ASSERT_EQ(idea.exampleCount, 1u);
    EXPECT_EQ(idea.points.at(0), "layer1.0: F is 3 convolutions with 58,112 parameters; the shortcut is a projection, "
                                 "a 1×1 convolution from 64 to 256 channels: 16,896 parameters with its batch "
                                 "normalization.");
    EXPECT_EQ(idea.blockPoints.size(), 16u); // 3 + 4 + 6 + 3 bottlenecks
    int second = -1;
    for (size_t b = 0; b < graph.blocks().size(); ++b)
      if (graph.blocks()[b].name == "layer1.1") second = int(b);
    ASSERT_GE(second, 0);
    const std::vector<std::string> shown = idea.pointsFor(graph, graph.blocks()[size_t(second)].output);
    EXPECT_EQ(shown.at(0), "layer1.1: F is 3 convolutions with 70,400 parameters; the shortcut is the identity: x "
                           "itself, 0 parameters.");
    EXPECT_EQ(shown.size(), idea.points.size()); // the general points follow
  }
  EXPECT_EQ(architectureIdea(makeArchitecture("resnet18"), ArchitectureGraph(makeArchitecture("resnet18"))).family,
            "ResNet");
  {
    // PyTorch's own ShuffleNet v2 units and ConvNeXt blocks, from their ONNX fixtures.
    const Model shuffle = importOnnx(convscope::test::testDataPath("onnx/shufflenet-13.onnx"));
    const ArchitectureIdea idea = architectureIdea(shuffle.network, ArchitectureGraph(shuffle.network));
    EXPECT_EQ(idea.family, "ShuffleNet");
    const ArchitectureGraph graph(shuffle.network);
    int units = 0;
    for (const ArchitectureBlock& b : graph.blocks()) units += b.kind == BlockKind::ShuffleUnit;
    EXPECT_EQ(units, 2); // stage.0 (stride 2: two branches) and stage.1 (a split)
    EXPECT_NE(idea.points.at(0).find(": 16 channels as 2 groups of 8; the output takes the first of each group, then "
                                     "the second, …: channels 0, 8, 1, 9, 2, 10, …"),
              std::string::npos)
        << idea.points.at(0);
    EXPECT_EQ(idea.points.at(1).substr(0, 34), "2 shuffles and 2 channel slices in");
    const Model convnext = importOnnx(convscope::test::testDataPath("onnx/convnext-13.onnx"));
    const ArchitectureIdea next = architectureIdea(convnext.network, ArchitectureGraph(convnext.network));
    EXPECT_EQ(next.family, "ConvNeXt");
    EXPECT_EQ(next.points.at(0).substr(0, 46), "2 depthwise convolutions of 7×7 or more: each");
    EXPECT_EQ(next.points.at(1).substr(0, 27), "5 layer normalizations: eac");
  }
  EXPECT_EQ(architectureIdea(makeArchitecture("alexnet"), ArchitectureGraph(makeArchitecture("alexnet"))).family,
            "AlexNet");
  EXPECT_EQ(architectureIdea(makePreset("lenet5"), ArchitectureGraph(makePreset("lenet5"))).family, "LeNet");
  for (const char* mini : {"mini-vgg", "mini-resnet", "mini-inception", "mini-densenet", "mini-mobilenet"}) {
    const Network net = makePreset(mini);
    EXPECT_FALSE(architectureIdea(net, ArchitectureGraph(net)).points.empty()) << mini;
  }
  SeparableCost c{32, 64, 3, 112, 112};
  EXPECT_EQ(c.standardMacs(), 112 * 112 * 9 * 32 * 64);
  EXPECT_DOUBLE_EQ(c.ratio(), 1.0 / 64 + 1.0 / 9);
}

TEST(GraphLayout, placesAChainTopToBottomAndRoutesASkipAroundIt) {
  GraphLayoutInput in;
  in.sizes = {{100, 30}, {100, 30}, {100, 30}, {100, 30}};
  in.edges = {{0, 1}, {1, 2}, {2, 3}, {0, 3}};
  const GraphLayoutResult r = layoutGraph(in);
  ASSERT_EQ(r.centres.size(), 4u);
  for (size_t i = 1; i < 4; ++i) EXPECT_GT(r.centres[i].y, r.centres[i - 1].y + 30 + 30); // rank gap 40
  ASSERT_EQ(r.paths.size(), 4u);
  for (const auto& p : r.paths) EXPECT_EQ(p.size() % 3, 1u);
  // The skip leaves box 0 at its bottom and ends at box 3's top, passing beside boxes 1 and 2.
  EXPECT_NEAR(r.paths[3].front().y, r.centres[0].y + 15, 1.0);
  EXPECT_NEAR(r.paths[3].back().y, r.centres[3].y - 15, 1.0);
  double side = 0;
  for (const auto& pt : r.paths[3]) side = std::max(side, std::abs(pt.x - r.centres[1].x));
  EXPECT_GT(side, 50); // outside box 1's half width
  EXPECT_GE(r.width, 100);
  GraphLayoutInput bad;
  bad.sizes = {{10, 10}};
  bad.edges = {{0, 1}};
  EXPECT_THROW(layoutGraph(bad), std::invalid_argument);
}

TEST(GraphLayout, placesBranchesLeftToRightInTheOrderGiven) {
  // 0 fans out to 1, 2, 3 (3 through 4) and they join in 5, as an inception module's branches; in a frame too.
  for (bool framed : {false, true}) {
    GraphLayoutInput in;
    in.sizes = std::vector<LayoutPoint>(6, {60, 30});
    in.edges = {{0, 1}, {0, 2}, {0, 4}, {4, 3}, {1, 5}, {2, 5}, {3, 5}};
    if (framed) in.clusters = {{-1, {1, 2, 3, 4, 5}, 10}};
    const GraphLayoutResult r = layoutGraph(in);
    EXPECT_LT(r.centres[1].x, r.centres[2].x) << framed;
    EXPECT_LT(r.centres[2].x, r.centres[4].x) << framed;
  }
  // GoogLeNet's first module opened in its frame: branch 1 to 4 from left to right.
  const ArchitectureGraph g(makeArchitecture("googlenet"));
  std::vector<bool> collapsed = g.defaultCollapsed();
  const int module = int(&blockNamed(g, "inception3a") - g.blocks().data());
  collapsed[size_t(module)] = false;
  const ArchitectureGraph::View v = g.view(collapsed);
  GraphLayoutInput in;
  in.sizes = std::vector<LayoutPoint>(v.items.size(), {100, 40});
  for (const auto& e : v.edges) in.edges.push_back({e.from, e.to});
  in.clusters = {{-1, {}, 10}};
  for (size_t k = 0; k < v.items.size(); ++k) { // framed as the browser frames it: the branches and the join
    const ArchitectureGraph::Item& item = v.items[k];
    const bool inside =
        item.kind == ArchitectureGraph::Item::Kind::Block
            ? g.blocks()[size_t(item.index)].parent == module
            : item.kind == ArchitectureGraph::Item::Kind::Node && g.innermostBlock(item.index) == module;
    if (inside) in.clusters[0].boxes.push_back(int(k));
  }
  const GraphLayoutResult r = layoutGraph(in);
  double x = -1;
  for (const char* branch :
       {"inception3a.branch1", "inception3a.branch2", "inception3a.branch3", "inception3a.branch4"}) {
    const int k = v.itemOf({ArchitectureGraph::Item::Kind::Block, int(&blockNamed(g, branch) - g.blocks().data())});
    ASSERT_GE(k, 0);
    EXPECT_GT(r.centres[size_t(k)].x, x) << branch;
    x = r.centres[size_t(k)].x;
  }
}

TEST(GraphLayout, keepsOtherBoxesOutOfAClustersFrame) {
  // 0 → 1 → 2 → 3 and 0 → 4 → 3, with 1 and 2 framed together.
  GraphLayoutInput in;
  in.sizes = {{80, 30}, {80, 30}, {80, 30}, {80, 30}, {80, 30}};
  in.edges = {{0, 1}, {1, 2}, {2, 3}, {0, 4}, {4, 3}};
  in.clusters = {{-1, {1, 2}, 10}};
  const GraphLayoutResult r = layoutGraph(in);
  ASSERT_EQ(r.clusters.size(), 1u);
  const LayoutRect& f = r.clusters[0];
  const auto inside = [&](const LayoutPoint& c) {
    return c.x > f.x && c.x < f.x + f.width && c.y > f.y && c.y < f.y + f.height;
  };
  EXPECT_TRUE(inside(r.centres[1]));
  EXPECT_TRUE(inside(r.centres[2]));
  EXPECT_FALSE(inside(r.centres[0]));
  EXPECT_FALSE(inside(r.centres[3]));
  EXPECT_FALSE(inside(r.centres[4]));
  EXPECT_GE(f.width, 80 + 2 * 10 - 1);
}
