// The architecture browser's graph: a network drawn top to bottom as boxes (layers, and
// blocks collapsed into one box with their totals) with the tensor's shape on every arrow,
// expanded blocks framed, laid out by Graphviz (GraphLayout.h). Click a box to select it,
// double-click a block (or click its ⊞) to expand it, click a frame's title to collapse it
// again; Ctrl+wheel or +/− zooms, dragging pans, 0 fits the whole graph.
// Not for: the table, the maps or running the network (ArchitectureTab).
#pragma once

#include "engine/network/ArchitectureGraph.h"

#include <QGraphicsView>

#include <memory>
#include <vector>

namespace convscope::ui {

class ArchitectureGraphView : public QGraphicsView {
  Q_OBJECT
public:
  explicit ArchitectureGraphView(QWidget* parent = nullptr);

  // Shows `graph` with its default blocks collapsed (ArchitectureGraph::defaultCollapsed).
  void setGraph(std::shared_ptr<const ArchitectureGraph> graph);
  const ArchitectureGraph* graph() const { return graph_.get(); }
  void clear();

  const std::vector<bool>& collapsed() const { return collapsed_; }
  void setBlockCollapsed(int block, bool collapsed);
  void expandAll();
  void collapseToDefault();
  // What shows now: the input, the visible layers and the collapsed blocks.
  const ArchitectureGraph::View& currentView() const { return view_; }
  int boxCount() const { return int(view_.items.size()); }

  // Selects a layer (revealing it: the blocks around it expand) or a block (its box when it
  // is collapsed, its frame when expanded); −1 selects nothing. Emits nothing.
  void selectNode(int node);
  void selectBlock(int block);
  int selectedNode() const { return selectedNode_; }
  int selectedBlock() const { return selectedBlock_; }
  // The scene rectangle of a layer's box, or of a block's box or frame (empty when hidden).
  QRectF nodeRect(int node) const;
  QRectF blockRect(int block) const;

  void fitAll();
  // The selected box or frame filling the view, its text at least minTextPixels on screen
  // (presenting: 18); the whole graph when nothing is selected.
  void zoomToSelection(double minTextPixels);
  double textPixels() const; // the boxes' text height on screen at the current zoom
  // Layers left to right (a projector's wide screen) instead of top to bottom.
  void setLeftToRight(bool on);
  bool leftToRight() const { return leftToRight_; }
  void showTop(); // at a readable size (80–100 %), the top of the graph
  void zoomBy(double factor);
  double layoutMilliseconds() const { return layoutMs_; } // the last layout and drawing

signals:
  void nodeClicked(int node);   // a layer's box (−1: the input)
  void blockClicked(int block); // a collapsed block's box or an expanded block's frame
  void expansionChanged();

protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void changeEvent(QEvent* event) override; // a new font (presenter mode): drawn again
  void resizeEvent(QResizeEvent* event) override; // following the selection: zoomed to it again

private:
  void rebuild();
  void highlight();
  void showFrame(int block);
  // The box or frame under a view position: {kind, index}; kind 0 none, 1 node, 2 block box,
  // 3 block frame title, 4 a block box's expand mark, 5 the input.
  std::pair<int, int> hit(const QPoint& pos) const;

  std::shared_ptr<const ArchitectureGraph> graph_;
  std::vector<bool> collapsed_;
  ArchitectureGraph::View view_;
  std::vector<QRectF> itemRects_;   // per view item
  std::vector<QRectF> frameRects_;  // per block (empty unless an expanded block's frame shows)
  std::vector<QRectF> expandMarks_; // per view item: a collapsed block's ⊞, else empty
  std::vector<QRectF> frameTitles_; // per block: its frame's title, else empty
  std::vector<class QGraphicsItem*> selectionMarks_;
  int selectedNode_ = -1, selectedBlock_ = -1;
  double layoutMs_ = 0;
  bool leftToRight_ = false;
  double followSelection_ = 0; // the text size zoomToSelection keeps on resizes, 0: none
};

} // namespace convscope::ui
