// GraphLayout: places boxes of given sizes top to bottom (or left to right) and routes the arrows between
// them, with Graphviz's `dot` (libgvc), the layered layout Netron-like network drawings
// use: branches side by side, a skip connection routed around the layers it skips.
// Sizes and positions are in the caller's units (the browser passes pixels), y down.
// Not for: drawing (the browser's scene does) or deciding what is a box (ArchitectureGraph).
#pragma once

#include <string>
#include <vector>

namespace convscope {

struct LayoutPoint {
  double x = 0, y = 0;
};

// A frame drawn around some boxes (an expanded block): Graphviz keeps every other box out.
struct LayoutCluster {
  int parent = -1;        // the cluster it lies in, −1 for none (parents come first)
  std::vector<int> boxes; // the boxes directly inside (not those of inner clusters)
  double margin = 12;     // between the boxes and the frame
};

struct GraphLayoutInput {
  std::vector<LayoutPoint> sizes;         // each box's width and height
  std::vector<std::pair<int, int>> edges; // from, to (box indices); pairs may repeat
  std::vector<double> weights;            // per edge (or empty: all 1): a heavier edge is kept shorter and straighter
  std::vector<LayoutCluster> clusters;
  double rankGap = 40, boxGap = 24; // vertical gap between layers, horizontal between boxes (swapped left to right)
  bool leftToRight = false;         // layers left to right (a wide screen), not top to bottom
};

struct LayoutRect {
  double x = 0, y = 0, width = 0, height = 0; // top left and size
};

struct GraphLayoutResult {
  std::vector<LayoutPoint> centres;            // each box's centre
  std::vector<std::vector<LayoutPoint>> paths; // each edge: a cubic Bézier chain (1 + 3k points), start to end
  std::vector<LayoutRect> clusters;            // each cluster's frame
  double width = 0, height = 0;                // the drawing's extent, from (0, 0)
};

// Throws std::runtime_error when Graphviz cannot lay it out (its dot plugin missing).
// Graphviz keeps global state: calls are serialized.
GraphLayoutResult layoutGraph(const GraphLayoutInput& input);

} // namespace convscope
