// PanelCanvas: titled grids of numbers, laid out to fit their view.
#include "ui/stepper/PanelCanvas.h"
#include "ui/core/Text.h"
#include "ui/stepper/GridCells.h"

#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>

#include <algorithm>
#include <climits>
#include <cmath>

namespace convscope::ui {

using namespace cells;

namespace {
// ColorBrewer's Blues: 0 white, the panel's largest count dark blue (white numbers on it).
QColor heatColour(float v, float largest) {
  const double t = largest > 0 ? std::clamp(double(v) / largest, 0.0, 1.0) : 0.0;
  return blend(QColor(247, 251, 255), QColor(8, 81, 156), t);
}
bool contains(const std::vector<int>& cells, int i) { return std::find(cells.begin(), cells.end(), i) != cells.end(); }
} // namespace

PanelCanvas::PanelCanvas(const std::vector<Panel>* panels, QScrollArea* view, double aspect, QWidget* parent)
    : QWidget(parent), panels_(panels), view_(view), aspect_(aspect) {}

void PanelCanvas::setPresenterMode(bool on) {
  presenter_ = on;
  relayout();
}

void PanelCanvas::relayout() {
  const QSize view = view_->viewport()->size();
  const int smallest = presenter_ ? std::max(18, smallestPresenting_) : 18;
  int chosen = smallest;
  for (int ch = presenter_ ? 110 : 72; ch >= smallest; ch -= 2)
    if (layoutFor(ch, view.width()).height() <= view.height()) {
      chosen = ch;
      break;
    }
  const QSize size = layoutFor(chosen, view.width());
  cellH_ = chosen;
  setFixedSize(std::max(size.width(), 200), std::max(size.height(), 120));
  update();
}

QFont PanelCanvas::titleFont() const {
  QFont f = font();
  f.setPointSizeF(std::max(9.0, font().pointSizeF()));
  return f;
}
int PanelCanvas::titleHeight() const { return QFontMetrics(titleFont()).height() + 6; }

int PanelCanvas::cellWidth(const Panel& panel, int ch) const {
  return std::max(1, int(ch * (panel.aspect > 0 ? panel.aspect : aspect_)));
}

QSize PanelCanvas::layoutFor(int ch, int width) {
  origins_.clear();
  const int gap = std::max(16, int(ch * aspect_) / 3), th = titleHeight();
  const QFontMetrics titles(titleFont());
  const int wrapAt = width >= 100 ? width - 8 : INT_MAX;
  int x = 8, y = 8 + th, rowBottom = y, right = 0;
  for (const auto& panel : *panels_) {
    const int w = std::max(panel.columns * cellWidth(panel, ch), titles.horizontalAdvance(panel.title));
    if (x > 8 && x + w > wrapAt) x = 8, y = rowBottom + gap / 2 + th;
    origins_.push_back(QPoint(x, y));
    x += w + gap;
    right = std::max(right, x - gap);
    rowBottom = std::max(rowBottom, y + panel.rows * ch);
  }
  return QSize(right + 8, rowBottom + 8);
}

QRect PanelCanvas::cellRect(int panel, int cell) const {
  if (panel < 0 || panel >= int(panels_->size()) || panel >= int(origins_.size())) return {};
  const Panel& pn = (*panels_)[size_t(panel)];
  if (cell < 0 || cell >= pn.rows * pn.columns) return {};
  const int ch = cellH_, cw = cellWidth(pn, ch);
  const QPoint o = origins_[size_t(panel)];
  return QRect(o.x() + cell % pn.columns * cw, o.y() + cell / pn.columns * ch, cw, ch);
}

void PanelCanvas::mousePressEvent(QMouseEvent* event) {
  for (int k = 0; k < int(panels_->size()); ++k) {
    const Panel& pn = (*panels_)[size_t(k)];
    for (int i = 0; i < pn.rows * pn.columns; ++i)
      if (cellRect(k, i).contains(event->position().toPoint())) {
        if (onCellClicked) onCellClicked(k, i);
        return;
      }
  }
  QWidget::mousePressEvent(event);
}

void PanelCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  smallestDigits_ = 1000;
  const int ch = cellH_;
  const QFont title = titleFont();
  for (size_t k = 0; k < panels_->size() && k < origins_.size(); ++k) {
    const Panel& panel = (*panels_)[k];
    const int cw = cellWidth(panel, ch);
    const QPoint o = origins_[k];
    p.setFont(title);
    p.setPen(Qt::black);
    p.drawText(QRect(o.x(), o.y() - titleHeight(), width() - o.x(), titleHeight() - 2), Qt::AlignLeft | Qt::AlignBottom,
               panel.title);
    const auto text = [&](float v) { return panel.heat ? QString::number(std::lround(v)) : numberText(v); };
    // One font for the panel, fitted to its widest number (three significant digits).
    QString widest;
    QFont f = font();
    f.setPixelSize(std::clamp(ch * 6 / 10, 8, 44));
    float largest = 0;
    for (float v : panel.values) {
      largest = std::max(largest, v);
      if (QFontMetrics(f).horizontalAdvance(text(v)) > QFontMetrics(f).horizontalAdvance(widest)) widest = text(v);
    }
    const int px = fittedPixelSize(f, widest, cw - 1, std::clamp(ch * 6 / 10, 8, 44));
    p.setFont(f);
    for (int r = 0; r < panel.rows; ++r)
      for (int c = 0; c < panel.columns; ++c) {
        const int i = r * panel.columns + c;
        const QRect cell(o.x() + c * cw, o.y() + r * ch, cw, ch);
        const bool shown = (panel.shown < 0 || i < panel.shown) &&
                           (panel.blank.empty() || (i < int(panel.blank.size()) && !panel.blank[size_t(i)]));
        const float v = i < int(panel.values.size()) ? panel.values[size_t(i)] : 0.0f;
        const bool muted = contains(panel.muted, i);
        QColor fill = Qt::white;
        if (shown) {
          if (panel.heat)
            fill = heatColour(v, largest);
          else if (panel.signedTint)
            fill = v > 0 ? kPositive : v < 0 ? kNegative : QColor(Qt::white);
          else
            fill = muted ? kPadding : kFilled;
        }
        if (contains(panel.highlighted, i)) fill = muted ? blend(kWindow, kPadding, 0.45) : kWindow;
        QColor ink = muted ? kPaddingText : isDark(fill) ? QColor(Qt::white) : QColor(Qt::black);
        const int size = shown && ch >= 16 ? px : 0;
        drawCell(p, cell, fill, presenter_, text(v), size, ink);
        if (size > 0) smallestDigits_ = std::min(smallestDigits_, size);
      }
    if (panel.selected >= 0 && panel.selected < panel.rows * panel.columns)
      outlineCell(p, cellRect(int(k), panel.selected), kNegativeText, 4);
    if (panel.current >= 0 && panel.current < panel.rows * panel.columns)
      outlineCell(p, cellRect(int(k), panel.current), kCurrent, 3);
  }
}

} // namespace convscope::ui
