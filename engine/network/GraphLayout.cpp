#include "engine/network/GraphLayout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace convscope {

namespace {

constexpr double kPointsPerInch = 72.0;

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", v);
  return text;
}

// cgraph's API takes char* for names it does not change.
char* chars(const char* text) { return const_cast<char*>(text); }

} // namespace

GraphLayoutResult layoutGraph(const GraphLayoutInput& input) {
  static std::mutex mutex; // Graphviz's layout keeps global state
  const std::lock_guard lock(mutex);
  static GVC_t* context = gvContext(); // kept for the process: its plugins load once

  std::unique_ptr<Agraph_t, int (*)(Agraph_t*)> graph(agopen(chars("g"), Agdirected, nullptr), agclose);
  Agraph_t* g = graph.get();
  agattr(g, AGRAPH, chars("rankdir"), chars(input.leftToRight ? "LR" : "TB"));
  agattr(g, AGRAPH, chars("ranksep"), chars(number(input.rankGap / kPointsPerInch).c_str()));
  agattr(g, AGRAPH, chars("nodesep"), chars(number(input.boxGap / kPointsPerInch).c_str()));
  agattr(g, AGRAPH, chars("splines"), chars("spline"));
  // Branches left to right in the order their join reads them (an inception module's 1, 2,
  // 3, 4; a residual block's path, then its shortcut). "out" keeps the fan-out's order too,
  // but not once the branches sit in a cluster; "in" does.
  agattr(g, AGRAPH, chars("ordering"), chars("in"));
  agattr(g, AGNODE, chars("shape"), chars("box"));
  agattr(g, AGNODE, chars("fixedsize"), chars("true"));
  agattr(g, AGNODE, chars("label"), chars(""));
  agattr(g, AGNODE, chars("width"), chars("1"));
  agattr(g, AGNODE, chars("height"), chars("1"));
  agattr(g, AGEDGE, chars("arrowhead"), chars("none"));

  std::vector<Agnode_t*> nodes;
  for (size_t i = 0; i < input.sizes.size(); ++i) {
    Agnode_t* n = agnode(g, chars(("n" + std::to_string(i)).c_str()), 1);
    agset(n, chars("width"), chars(number(input.sizes[i].x / kPointsPerInch).c_str()));
    agset(n, chars("height"), chars(number(input.sizes[i].y / kPointsPerInch).c_str()));
    nodes.push_back(n);
  }
  std::vector<Agraph_t*> clusters;
  for (size_t c = 0; c < input.clusters.size(); ++c) {
    const LayoutCluster& cluster = input.clusters[c];
    if (cluster.parent >= int(c))
      throw std::invalid_argument("layoutGraph: cluster " + std::to_string(c) + " comes before its parent");
    Agraph_t* parent = cluster.parent < 0 ? g : clusters[size_t(cluster.parent)];
    Agraph_t* sub = agsubg(parent, chars(("cluster_" + std::to_string(c)).c_str()), 1);
    agsafeset(sub, chars("margin"), chars(number(cluster.margin).c_str()), chars(""));
    for (int box : cluster.boxes) {
      if (box < 0 || size_t(box) >= nodes.size())
        throw std::invalid_argument("layoutGraph: cluster " + std::to_string(c) + " holds a box that does not exist");
      agsubnode(sub, nodes[size_t(box)], 1);
    }
    clusters.push_back(sub);
  }
  std::vector<Agedge_t*> edges;
  for (size_t e = 0; e < input.edges.size(); ++e) {
    const auto [from, to] = input.edges[e];
    if (from < 0 || to < 0 || size_t(from) >= nodes.size() || size_t(to) >= nodes.size())
      throw std::invalid_argument("layoutGraph: edge " + std::to_string(e) + " names a box that does not exist");
    Agedge_t* edge = agedge(g, nodes[size_t(from)], nodes[size_t(to)], chars(("e" + std::to_string(e)).c_str()), 1);
    if (e < input.weights.size())
      agsafeset(edge, chars("weight"), chars(std::to_string(std::lround(std::max(1.0, input.weights[e]))).c_str()),
                chars("1"));
    edges.push_back(edge);
  }
  if (gvLayout(context, g, "dot") != 0) throw std::runtime_error("Graphviz could not lay out the graph (dot plugin)");

  GraphLayoutResult out;
  const boxf bb = GD_bb(g);
  out.width = bb.UR.x - bb.LL.x;
  out.height = bb.UR.y - bb.LL.y;
  // Graphviz's y grows upwards; ours downwards from the top.
  const auto place = [&](pointf p) { return LayoutPoint{p.x - bb.LL.x, bb.UR.y - p.y}; };
  for (Agnode_t* n : nodes) out.centres.push_back(place(ND_coord(n)));
  for (Agraph_t* sub : clusters) {
    const boxf r = GD_bb(sub);
    out.clusters.push_back({r.LL.x - bb.LL.x, bb.UR.y - r.UR.y, r.UR.x - r.LL.x, r.UR.y - r.LL.y});
  }
  for (Agedge_t* e : edges) {
    std::vector<LayoutPoint> path;
    const splines* s = ED_spl(e);
    if (s && s->size > 0) {
      const bezier& b = s->list[0];
      for (size_t k = 0; k < size_t(b.size); ++k) path.push_back(place(b.list[k]));
      if (b.eflag) path.push_back(place(b.ep)); // the arrow's tip, past the last control point
    }
    out.paths.push_back(std::move(path));
  }
  gvFreeLayout(context, g);
  return out;
}

} // namespace convscope
