#include "ui/architectures/ArchitectureGraphView.h"
#include "ui/core/Text.h"

#include "engine/layers/LayerKind.h"

#include "engine/network/ArchitectureIdeas.h"
#include "engine/network/GraphLayout.h"

#include <QElapsedTimer>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainterPath>
#include <QResizeEvent>
#include <QScrollBar>
#include <QTimer>
#include <QWheelEvent>

#include <cmath>

namespace convscope::ui {

namespace {

using Item = ArchitectureGraph::Item;


// The part of a name after its block's prefix: "layer1.0.conv1" in frame "layer1.0" is
// "conv1"; a bare number ("layer2.0" in "layer2": "0") keeps the whole name.
QString relativeName(const std::string& name, const ArchitectureGraph& g, int block) {
  if (block >= 0) {
    const std::string& prefix = g.blocks()[size_t(block)].name;
    if (name.size() > prefix.size() + 1 && name.compare(0, prefix.size() + 1, prefix + ".") == 0) {
      const std::string rest = name.substr(prefix.size() + 1);
      if (rest.find_first_not_of("0123456789") != std::string::npos) return qs(rest);
    }
  }
  return qs(name);
}

// What a layer does in a few words (Layer::words): "conv 3×3, stride 2, pad 1", "depthwise
// 3×3, pad 1", "ReLU"; cut at 34 characters.
QString layerWords(const ArchitectureGraph& g, int node) {
  QString words = qs(g.words(node));
  if (words.size() > 34) words = words.left(33) + "…";
  return words;
}

// A block in a few words: its kind and size ("residual block · 7 layers"); a plain block of
// a few windows says what they are ("1×1 → 3×3 conv · 128 ch", an inception branch).
QString blockWords(const ArchitectureGraph& g, int block) {
  const ArchitectureBlock& b = g.blocks()[size_t(block)];
  if (b.kind == BlockKind::Group) {
    QStringList windows;
    bool pool = false;
    for (int n : b.nodes) {
      const std::string& w = g.window(n);
      if (!w.empty()) windows << qs(w.substr(0, w.find(',')));
      pool = pool || g.isPooling(n);
    }
    if (!windows.isEmpty() && windows.size() <= 3)
      return windows.join(QStringLiteral(" → ")) + (pool ? "" : " conv") +
             QStringLiteral(" · %1 ch").arg(g.rows()[size_t(b.output)].output[0]);
  }
  return QStringLiteral("%1 · %2 layers").arg(qs(toString(b.kind))).arg(b.nodes.size());
}

QColor layerColour(const ArchitectureGraph& g, int node) {
  switch (g.family(node)) {
  case LayerFamily::Convolution:
    return g.isDepthwise(node)   ? QColor(176, 232, 222)
           : g.isPointwise(node) ? QColor(214, 240, 200)
                                 : QColor(196, 218, 255);
  case LayerFamily::Pooling: return {255, 222, 184};
  case LayerFamily::FullyConnected: return {226, 212, 255};
  case LayerFamily::Join: return {255, 238, 160};
  case LayerFamily::Activation: return {232, 232, 232};
  case LayerFamily::Normalization:
  case LayerFamily::Other: break; // batch norm, LRN, dropout, flatten, softmax
  }
  return {242, 238, 226};
}

QColor blockColour(BlockKind kind) {
  switch (kind) {
  case BlockKind::Residual: return {255, 210, 210};
  case BlockKind::Inception: return {255, 234, 176};
  case BlockKind::DenseLayer:
  case BlockKind::DenseBlock: return {200, 236, 255};
  case BlockKind::Separable: return {196, 238, 214};
  case BlockKind::ShuffleUnit: return {232, 214, 255};
  default: return {226, 226, 234};
  }
}


} // namespace

ArchitectureGraphView::ArchitectureGraphView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  setRenderHint(QPainter::Antialiasing);
  setRenderHint(QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setBackgroundBrush(QColor(250, 250, 252));
  setToolTip(tr("Click a box to see its maps and its row in the table; double-click a block (or click its ⊞) to "
                "open it, click an open block's title to close it. Ctrl+wheel or +/− zooms, drag pans, 0 fits."));
}

void ArchitectureGraphView::setGraph(std::shared_ptr<const ArchitectureGraph> graph) {
  graph_ = std::move(graph);
  selectedNode_ = selectedBlock_ = -1;
  collapsed_ = graph_ ? graph_->defaultCollapsed() : std::vector<bool>{};
  rebuild();
  showTop();
}

// Readable first: the whole graph when it fits at 80 % of its size or more, else the top of
// it at that size (the rest a scroll away).
void ArchitectureGraphView::showTop() {
  followSelection_ = 0;
  const QRectF scene = sceneRect();
  if (scene.isEmpty()) return;
  const QRectF port = viewport()->rect();
  const double fit = std::min(port.width() / scene.width(), port.height() / scene.height());
  resetTransform();
  const double s = std::clamp(fit, 1.0, 1.0); // text at its size: legible from the back of a lecture hall
  scale(s, s);
  centerOn(scene.center().x(), scene.top() + port.height() / (2 * s));
}

void ArchitectureGraphView::clear() { setGraph(nullptr); }

void ArchitectureGraphView::setBlockCollapsed(int block, bool collapsed) {
  if (!graph_ || block < 0 || size_t(block) >= collapsed_.size() || collapsed_[size_t(block)] == collapsed) return;
  collapsed_[size_t(block)] = collapsed;
  // Opening a block shows its inner blocks closed, so one click opens one level.
  if (!collapsed)
    for (int inner : graph_->blocks()[size_t(block)].blocks) collapsed_[size_t(inner)] = true;
  rebuild();
  showFrame(block);
  emit expansionChanged();
}

// An opened block's frame in view: zoomed out (to 70 % at least) when it is wider than the view.
void ArchitectureGraphView::showFrame(int block) {
  const QRectF r = blockRect(block);
  if (r.isEmpty()) return;
  const double room = viewport()->width() - 20.0, scaleNow = transform().m11();
  if (r.width() * scaleNow > room) {
    const double s = std::max(0.7, room / r.width());
    resetTransform();
    scale(s, s);
  }
  ensureVisible(r, 20, 20);
}

void ArchitectureGraphView::expandAll() {
  if (!graph_) return;
  collapsed_.assign(collapsed_.size(), false);
  rebuild();
  showTop();
  emit expansionChanged();
}

void ArchitectureGraphView::collapseToDefault() {
  if (!graph_) return;
  collapsed_ = graph_->defaultCollapsed();
  rebuild();
  showTop();
  emit expansionChanged();
}

void ArchitectureGraphView::rebuild() {
  QElapsedTimer clock;
  clock.start();
  scene()->clear();
  selectionMarks_.clear();
  itemRects_.clear();
  expandMarks_.clear();
  frameRects_.assign(graph_ ? graph_->blocks().size() : 0, {});
  frameTitles_.assign(frameRects_.size(), {});
  view_ = {};
  if (!graph_) {
    scene()->setSceneRect({});
    return;
  }
  const ArchitectureGraph& g = *graph_;
  view_ = g.view(collapsed_);

  QFont boxFont = font(), boldFont = font(), edgeFont = font();
  boxFont.setPointSizeF(font().pointSizeF() * 0.9);
  boldFont.setPointSizeF(font().pointSizeF() * 0.9);
  boldFont.setBold(true);
  edgeFont.setPointSizeF(font().pointSizeF() * 0.8);
  const QFontMetricsF boxMetrics(boxFont), boldMetrics(boldFont), edgeMetrics(edgeFont);

  // Open blocks: each shows as a frame (a Graphviz cluster) around what is visible inside.
  std::vector<int> clusterOf(g.blocks().size(), -1);
  std::vector<int> clusterBlocks;
  const auto isOpen = [&](int b) {
    for (int a = b; a >= 0; a = g.blocks()[size_t(a)].parent)
      if (collapsed_[size_t(a)]) return false;
    return true;
  };
  GraphLayoutInput in;
  for (size_t b = 0; b < g.blocks().size(); ++b) // parents come before their blocks
    if (isOpen(int(b))) {
      const int parent = g.blocks()[b].parent;
      clusterOf[b] = int(in.clusters.size());
      in.clusters.push_back({parent >= 0 ? clusterOf[size_t(parent)] : -1, {}, boldMetrics.height() * 1.3});
      clusterBlocks.push_back(int(b));
    }
  // The open block directly around an item: a layer's innermost block, a closed block's parent.
  const auto frameAround = [&](const Item& item) {
    int b = item.kind == Item::Kind::Node    ? g.innermostBlock(item.index)
            : item.kind == Item::Kind::Block ? g.blocks()[size_t(item.index)].parent
                                             : -1;
    while (b >= 0 && clusterOf[size_t(b)] < 0) b = g.blocks()[size_t(b)].parent;
    return b;
  };

  struct Text {
    QStringList lines;
    QColor fill;
    bool block = false;
  };
  std::vector<Text> texts;
  for (size_t k = 0; k < view_.items.size(); ++k) {
    const Item& item = view_.items[k];
    Text t;
    const int around = frameAround(item);
    if (around >= 0) in.clusters[size_t(clusterOf[size_t(around)])].boxes.push_back(int(k));
    if (item.kind == Item::Kind::Input) {
      t.lines = {tr("input"), qs(shapeText(g.inputShape()))};
      t.fill = Qt::white;
    } else if (item.kind == Item::Kind::Node) {
      t.lines = {relativeName(g.rows()[size_t(item.index)].name, g, around), layerWords(g, item.index)};
      t.fill = layerColour(g, item.index);
    } else {
      const ArchitectureBlock& b = g.blocks()[size_t(item.index)];
      t.lines = {relativeName(b.name, g, around) + QStringLiteral("  ⊞"), blockWords(g, item.index),
                 tr("%1 params · %2 MACs").arg(qs(shortCount(b.parameters)), qs(shortCount(b.macs)))};
      t.fill = blockColour(b.kind);
      t.block = true;
    }
    double w = boldMetrics.horizontalAdvance(t.lines[0]);
    for (int l = 1; l < t.lines.size(); ++l) w = std::max(w, boxMetrics.horizontalAdvance(t.lines[l]));
    in.sizes.push_back({w + 18, boxMetrics.lineSpacing() * t.lines.size() + 10});
    texts.push_back(std::move(t));
  }
  for (const ArchitectureGraph::Edge& e : view_.edges) in.edges.push_back({e.from, e.to});
  // A plain chain (one arrow out, one arrow in) pulls straight: a residual block's layers in
  // one column, its shortcut beside them. Branches and joins keep Graphviz's balance.
  std::vector<int> outs(view_.items.size()), ins(view_.items.size());
  for (const ArchitectureGraph::Edge& e : view_.edges) ++outs[size_t(e.from)], ++ins[size_t(e.to)];
  for (const ArchitectureGraph::Edge& e : view_.edges)
    in.weights.push_back(outs[size_t(e.from)] == 1 && ins[size_t(e.to)] == 1 ? 4.0 : 1.0);
  in.rankGap = edgeMetrics.height() * 1.6;
  in.boxGap = boxMetrics.height() * 1.2;
  in.leftToRight = leftToRight_;
  if (leftToRight_) { // the shapes ride above horizontal arrows: the gap holds the widest
    double widest = 0;
    for (const ArchitectureGraph::Edge& e : view_.edges)
      widest = std::max(widest, edgeMetrics.horizontalAdvance(qs(shapeText(e.shape))));
    in.rankGap = widest + 24;
  }
  const GraphLayoutResult out = layoutGraph(in);

  // Frames first (behind), outer before inner.
  for (size_t c = 0; c < clusterBlocks.size(); ++c) {
    const int b = clusterBlocks[c];
    const ArchitectureBlock& block = g.blocks()[size_t(b)];
    const LayoutRect& r = out.clusters[c];
    const QRectF rect(r.x, r.y, r.width, r.height);
    frameRects_[size_t(b)] = rect;
    QColor fill = blockColour(block.kind);
    fill.setAlpha(70);
    auto* frame = scene()->addRect(rect, QPen(blockColour(block.kind).darker(150), 1.2, Qt::DashLine), fill);
    frame->setZValue(-10 + block.depth);
    const int parentFrame = block.parent;
    const QString title = QStringLiteral("⊟ ") + relativeName(block.name, g, parentFrame) + " · " +
                          qs(toString(block.kind)) + " · " + qs(shortCount(block.parameters)) + tr(" params");
    auto* label = scene()->addSimpleText(title, boldFont);
    label->setBrush(blockColour(block.kind).darker(260));
    label->setPos(rect.left() + 6, rect.top() + 2);
    label->setZValue(2.6); // over the arrows that enter the frame, on a background of its own
    frameTitles_[size_t(b)] = label->sceneBoundingRect();
    QColor band = QColor(250, 250, 252);
    auto* behind = scene()->addRect(label->sceneBoundingRect().adjusted(-3, 0, 3, 0), Qt::NoPen, band);
    behind->setZValue(2.5);
  }
  // Arrows, with the shape they carry beside them.
  const QPen edgePen(QColor(90, 90, 100), 1.3);
  for (size_t e = 0; e < out.paths.size(); ++e) {
    const auto& pts = out.paths[e];
    if (pts.size() < 4) continue;
    QPainterPath path(QPointF(pts[0].x, pts[0].y));
    for (size_t k = 1; k + 2 < pts.size(); k += 3)
      path.cubicTo(pts[k].x, pts[k].y, pts[k + 1].x, pts[k + 1].y, pts[k + 2].x, pts[k + 2].y);
    scene()->addPath(path, edgePen)->setZValue(1);
    // The arrowhead along the last segment.
    const QPointF tip = path.pointAtPercent(1.0), before = path.pointAtPercent(0.97);
    const double angle = std::atan2(tip.y() - before.y(), tip.x() - before.x()), size = 7;
    QPolygonF head;
    head << tip << tip - QPointF(size * std::cos(angle - 0.45), size * std::sin(angle - 0.45))
         << tip - QPointF(size * std::cos(angle + 0.45), size * std::sin(angle + 0.45));
    scene()->addPolygon(head, edgePen, QColor(90, 90, 100))->setZValue(1);
    auto* label = scene()->addSimpleText(qs(shapeText(view_.edges[e].shape)), edgeFont);
    label->setBrush(QColor(50, 50, 70));
    const QPointF mid = path.pointAtPercent(0.5);
    if (leftToRight_) // above the arrow, centred on it
      label->setPos(mid.x() - label->boundingRect().width() / 2, mid.y() - edgeMetrics.height() - 2);
    else
      label->setPos(mid.x() + 5, mid.y() - edgeMetrics.height() / 2);
    label->setZValue(2.2);
    // On a background of its own, so a frame's border or another arrow does not cross it.
    auto* under =
        scene()->addRect(label->sceneBoundingRect().adjusted(-2, 0, 2, 0), Qt::NoPen, QColor(250, 250, 252, 220));
    under->setZValue(2.1);
  }
  // Boxes.
  for (size_t k = 0; k < view_.items.size(); ++k) {
    const LayoutPoint c = out.centres[k], size = in.sizes[k];
    const QRectF rect(c.x - size.x / 2, c.y - size.y / 2, size.x, size.y);
    itemRects_.push_back(rect);
    QPainterPath shape;
    shape.addRoundedRect(rect, 5, 5);
    const Text& t = texts[k];
    auto* box = scene()->addPath(shape, QPen(t.fill.darker(t.block ? 190 : 150), t.block ? 2.0 : 1.0), t.fill);
    box->setZValue(3);
    double y = rect.top() + 5;
    for (int l = 0; l < t.lines.size(); ++l) {
      auto* line = scene()->addSimpleText(t.lines[l], l == 0 ? boldFont : boxFont);
      line->setBrush(QColor(20, 20, 30));
      line->setPos(rect.left() + 9, y);
      line->setZValue(4);
      y += boxMetrics.lineSpacing();
    }
    QRectF mark;
    if (t.block) {
      const double w = boldMetrics.horizontalAdvance(QStringLiteral("⊞")) + 8;
      mark = QRectF(rect.right() - w - 4, rect.top(), w + 4, boldMetrics.height() + 8);
    }
    expandMarks_.push_back(mark);
  }
  scene()->setSceneRect(QRectF(-20, -20, out.width + 40, out.height + 40));
  highlight();
  layoutMs_ = double(clock.nsecsElapsed()) / 1e6;
}

void ArchitectureGraphView::highlight() {
  for (QGraphicsItem* mark : selectionMarks_) {
    scene()->removeItem(mark);
    delete mark;
  }
  selectionMarks_.clear();
  QRectF r = selectedNode_ >= 0 ? nodeRect(selectedNode_) : selectedBlock_ >= 0 ? blockRect(selectedBlock_) : QRectF();
  if (r.isEmpty()) return;
  auto* mark = scene()->addRect(r.adjusted(-3, -3, 3, 3), QPen(QColor(230, 90, 20), 3), Qt::NoBrush);
  mark->setZValue(5);
  selectionMarks_.push_back(mark);
}

QRectF ArchitectureGraphView::nodeRect(int node) const {
  if (!graph_ || node < -1 || node >= int(graph_->nodeCount())) return {};
  const int k = view_.itemOf(node < 0 ? Item{Item::Kind::Input, -1} : Item{Item::Kind::Node, node});
  return k >= 0 ? itemRects_[size_t(k)] : QRectF();
}

QRectF ArchitectureGraphView::blockRect(int block) const {
  if (!graph_ || block < 0 || size_t(block) >= graph_->blocks().size()) return {};
  const int k = view_.itemOf({Item::Kind::Block, block});
  return k >= 0 ? itemRects_[size_t(k)] : frameRects_[size_t(block)];
}

void ArchitectureGraphView::selectNode(int node) {
  if (!graph_) return;
  if (node >= 0 && size_t(node) < graph_->nodeCount()) {
    // Reveal it: open every closed block around it.
    bool changed = false;
    for (int b = graph_->innermostBlock(node); b >= 0; b = graph_->blocks()[size_t(b)].parent)
      if (collapsed_[size_t(b)]) collapsed_[size_t(b)] = false, changed = true;
    if (changed) {
      rebuild();
      showFrame(graph_->innermostBlock(node));
      emit expansionChanged();
    }
  }
  selectedNode_ = node;
  selectedBlock_ = -1;
  highlight();
  const QRectF r = nodeRect(node);
  if (!r.isEmpty()) ensureVisible(r, 40, 40);
}

void ArchitectureGraphView::selectBlock(int block) {
  if (!graph_) return;
  // Reveal it: the blocks around it open (the block itself stays as it is).
  bool changed = false;
  if (block >= 0 && size_t(block) < graph_->blocks().size())
    for (int b = graph_->blocks()[size_t(block)].parent; b >= 0; b = graph_->blocks()[size_t(b)].parent)
      if (collapsed_[size_t(b)]) collapsed_[size_t(b)] = false, changed = true;
  if (changed) {
    rebuild();
    emit expansionChanged();
  }
  selectedBlock_ = block;
  selectedNode_ = -1;
  highlight();
  const QRectF r = blockRect(block);
  if (!r.isEmpty()) ensureVisible(r, 40, 40);
}

std::pair<int, int> ArchitectureGraphView::hit(const QPoint& pos) const {
  const QPointF p = mapToScene(pos);
  for (size_t k = 0; k < itemRects_.size(); ++k) {
    if (!itemRects_[k].contains(p)) continue;
    const Item& item = view_.items[k];
    if (item.kind == Item::Kind::Input) return {5, -1};
    if (item.kind == Item::Kind::Node) return {1, item.index};
    return {expandMarks_[k].contains(p) ? 4 : 2, item.index};
  }
  // The innermost frame title under the point.
  int best = -1;
  for (size_t b = 0; b < frameTitles_.size(); ++b)
    if (frameTitles_[b].contains(p) && (best < 0 || graph_->blocks()[b].depth > graph_->blocks()[size_t(best)].depth))
      best = int(b);
  return best >= 0 ? std::pair{3, best} : std::pair{0, 0};
}

void ArchitectureGraphView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton && graph_) {
    const auto [kind, index] = hit(event->position().toPoint());
    switch (kind) {
    case 1:
    case 5:
      selectNode(index);
      emit nodeClicked(index);
      return;
    case 2:
      selectBlock(index);
      emit blockClicked(index);
      return;
    case 4: setBlockCollapsed(index, false); return;
    case 3:
      setBlockCollapsed(index, true);
      selectBlock(index);
      emit blockClicked(index);
      return;
    default: break;
    }
  }
  QGraphicsView::mousePressEvent(event); // empty space: drag to pan
}

void ArchitectureGraphView::mouseDoubleClickEvent(QMouseEvent* event) {
  const auto [kind, index] = hit(event->position().toPoint());
  if (kind == 2) {
    setBlockCollapsed(index, false);
    return;
  }
  QGraphicsView::mouseDoubleClickEvent(event);
}

void ArchitectureGraphView::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    zoomBy(std::pow(1.0015, event->angleDelta().y()));
    return;
  }
  QGraphicsView::wheelEvent(event);
}

void ArchitectureGraphView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
  case Qt::Key_Plus:
  case Qt::Key_Equal: zoomBy(1.25); return;
  case Qt::Key_Minus: zoomBy(0.8); return;
  case Qt::Key_0: fitAll(); return;
  default: QGraphicsView::keyPressEvent(event);
  }
}

void ArchitectureGraphView::changeEvent(QEvent* event) {
  QGraphicsView::changeEvent(event);
  if (event->type() != QEvent::FontChange || !graph_) return;
  rebuild();
  highlight();
  if (followSelection_ > 0) zoomToSelection(followSelection_);
}

void ArchitectureGraphView::zoomBy(double factor) {
  followSelection_ = 0; // the user's zoom stays
  const double now = transform().m11();
  const double next = std::clamp(now * factor, 0.05, 4.0);
  scale(next / now, next / now);
}

void ArchitectureGraphView::setLeftToRight(bool on) {
  if (on == leftToRight_) return;
  leftToRight_ = on;
  if (!graph_) return;
  rebuild();
  highlight();
  zoomToSelection(0);
}

double ArchitectureGraphView::textPixels() const {
  QFont boxFont = font();
  boxFont.setPointSizeF(font().pointSizeF() * 0.9);
  return QFontMetricsF(boxFont).height() * transform().m11();
}

void ArchitectureGraphView::zoomToSelection(double minTextPixels) {
  const QRectF target = selectedNode_ >= 0 ? nodeRect(selectedNode_) : selectedBlock_ >= 0 ? blockRect(selectedBlock_) : QRectF();
  if (target.isEmpty()) {
    fitAll();
    return;
  }
  const QRectF port = viewport()->rect().adjusted(12, 12, -12, -12);
  const double fit = std::min(port.width() / target.width(), port.height() / target.height());
  QFont boxFont = font();
  boxFont.setPointSizeF(font().pointSizeF() * 0.9);
  const double line = QFontMetricsF(boxFont).height();
  const double legible = minTextPixels > 0 ? minTextPixels / line : 0;
  // As large as fits, never below legible (a block too large to fit legibly is shown from its
  // top), never with text above 1.8 × legible (or 32 px): one box would fill a wall.
  const double largest = std::max(legible * 1.8, 32.0 / line);
  const double s = std::clamp(std::max(std::min(fit, largest), legible), 0.05, 4.0);
  followSelection_ = minTextPixels; // a new size of the view zooms again (the window going full screen)
  resetTransform();
  scale(s, s);
  if (fit >= legible)
    centerOn(target.center());
  else
    centerOn(target.center().x(), target.top() + port.height() / (2 * s) - 12 / s);
}

void ArchitectureGraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  // Once the resizing settles (zooming may show or hide a scroll bar, which resizes the view
  // again): not from inside this event, and only for a new size.
  if (followSelection_ <= 0 || event->size() == event->oldSize()) return;
  QTimer::singleShot(0, this, [this, size = viewport()->size()] {
    if (followSelection_ > 0 && viewport()->size() == size) zoomToSelection(followSelection_);
  });
}

void ArchitectureGraphView::fitAll() {
  followSelection_ = 0;
  if (scene()->sceneRect().isEmpty()) return;
  fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
  if (transform().m11() > 1.0) resetTransform(); // a small graph at its own size, not blown up
}

} // namespace convscope::ui
