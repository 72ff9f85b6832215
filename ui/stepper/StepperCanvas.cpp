// StepperCanvas: the forward modes' grids, laid out and painted from the Stepper's state.
#include "ui/stepper/StepperCanvas.h"
#include "ui/core/Text.h"

#include "ui/maps/FeatureMapView.h" // toQImage
#include "ui/stepper/GridCells.h"
#include "ui/stepper/Stepper.h"

#include "engine/lessons/MapRendering.h"

#include "engine/backend/reference/Explain.h"

#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QScrollArea>

#include <algorithm>
#include <climits>
#include <cmath>

namespace convscope::ui {

using namespace cells;

StepperCanvas::StepperCanvas(Stepper* stepper) : QWidget(stepper), s_(stepper) { setMouseTracking(false); }

void StepperCanvas::relayout() {
  layoutGrids(false);
  if (s_->mode_ == Stepper::Mode::Convolution && wrapped_) layoutGrids(true);
  if (widestDirty_) findWidest(), renderImages(), widestDirty_ = false; // the numbers changed, not just the cells
  for (size_t i = 0; i < grids_.size() && i < widest_.size(); ++i) grids_[i].widest = widest_[i];
}

void StepperCanvas::numbersChanged() { widestDirty_ = true; }


void StepperCanvas::renderImages() {
  images_.assign(grids_.size(), QImage());
  if (grids_.empty()) return;
  const auto image = [](const Tensor& t, int64_t c) {
    return t.empty() || c >= t.shape()[1] ? QImage() : toQImage(renderMap(t, c));
  };
  const size_t n = s_->inputChannels_.size();
  switch (s_->mode_) {
  case Stepper::Mode::Convolution:
    if (grids_.size() < 2 * n + 1) return;
    for (size_t k = 0; k < n; ++k) images_[k] = image(s_->workspace_->input(), s_->inputChannels_[k]);
    images_[n] = image(s_->convOutput_, s_->outputChannel_);
    break;
  case Stepper::Mode::Activation:
    images_[0] = image(s_->convOutput_, s_->outputChannel_);
    if (grids_.size() > 1) images_[1] = image(s_->activated_, 0);
    break;
  case Stepper::Mode::Pooling:
    images_[0] = image(s_->activated_, 0);
    if (grids_.size() > 1) images_[1] = image(s_->pooled_, 0);
    break;
  default: break;
  }
}

const QImage* StepperCanvas::imageOf(int grid) const {
  return grid >= 0 && size_t(grid) < images_.size() && !images_[size_t(grid)].isNull() ? &images_[size_t(grid)]
                                                                                        : nullptr;
}

QPoint StepperCanvas::imageCell(int grid, int row, int column) const {
  if (s_->mode_ == Stepper::Mode::Convolution && size_t(grid) < s_->inputChannels_.size())
    return QPoint(column - int(s_->conv_.geometry.padLeft), row - int(s_->conv_.geometry.padTop));
  return QPoint(column, row);
}

QColor StepperCanvas::fillOf(int grid, int row, int column, const QColor& otherwise) const {
  const QImage* image = imageOf(grid);
  const QPoint at = imageCell(grid, row, column);
  return image && image->valid(at) ? image->pixelColor(at) : otherwise;
}

QColor StepperCanvas::valueColour(int grid, int row, int column) const { return fillOf(grid, row, column, QColor()); }

QRect StepperCanvas::gridRect(int grid) const {
  if (grid < 0 || size_t(grid) >= grids_.size()) return {};
  const Grid& g = grids_[size_t(grid)];
  return QRect(g.origin, QSize(g.columns * s_->cellW(), g.rows * s_->cellSize_));
}

void StepperCanvas::paintImage(QPainter& p, int grid, int done) const {
  const QImage* image = imageOf(grid);
  if (!image) return;
  const Grid& g = grids_[size_t(grid)];
  const int cw = s_->cellW(), ch = s_->cellSize_;
  const QRect all = gridRect(grid);
  const QPoint first = imageCell(grid, 0, 0); // (−padLeft, −padTop) for a padded input
  if (first != QPoint(0, 0)) p.fillRect(all, kPadding);
  p.drawImage(QRect(g.origin - QPoint(first.x() * cw, first.y() * ch), QSize(image->width() * cw, image->height() * ch)),
              *image);
  if (done >= 0 && g.columns > 0) { // white over the cells not computed yet
    const int r = done / g.columns, c = done % g.columns;
    p.fillRect(QRect(g.origin + QPoint(c * cw, r * ch), QSize((g.columns - c) * cw, ch)), Qt::white);
    p.fillRect(QRect(g.origin + QPoint(0, (r + 1) * ch), QSize(g.columns * cw, (g.rows - r - 1) * ch)), Qt::white);
  }
}

void StepperCanvas::findWidest() {
  widest_.clear();
  const QFontMetrics m(QFont(font().family(), 20));
  const auto widest = [&m](const std::vector<QString>& texts) {
    QString w;
    for (const QString& t : texts)
      if (m.horizontalAdvance(t) > m.horizontalAdvance(w)) w = t;
    return w;
  };
  const auto channel = [](const Tensor& t, int64_t c, bool zero) { // one channel's numbers
    std::vector<QString> texts;
    if (t.shape()[2] * t.shape()[3] > 1024) return texts;
    if (zero) texts.push_back(QStringLiteral("0"));
    for (int64_t r = 0; r < t.shape()[2]; ++r)
      for (int64_t x = 0; x < t.shape()[3]; ++x) texts.push_back(numberText(t.at(0, c, r, x)));
    return texts;
  };
  if (grids_.empty()) return;
  widest_.assign(grids_.size(), QString());
  auto& out = widest_;
  const size_t n = s_->inputChannels_.size();
  switch (s_->mode_) {
  case Stepper::Mode::Convolution:
    if (grids_.size() < 2 * n + 1) return;
    for (size_t k = 0; k < n; ++k) {
      out[k] = widest(channel(s_->workspace_->input(), s_->inputChannels_[k], true));
      std::vector<QString> weights;
      const Tensor& w = s_->conv_.weights;
      for (int64_t r = 0; r < w.shape()[2]; ++r)
        for (int64_t c = 0; c < w.shape()[3]; ++c) weights.push_back(weightText(w.at(s_->outputChannel_, int64_t(k), r, c)));
      out[n + 1 + k] = widest(weights);
    }
    out[n] = widest(channel(s_->convOutput_, s_->outputChannel_, false));
    break;
  case Stepper::Mode::Activation:
    out[0] = widest(channel(s_->convOutput_, s_->outputChannel_, false));
    if (grids_.size() > 1) out[1] = widest(channel(s_->activated_, 0, false));
    break;
  case Stepper::Mode::Pooling:
    out[0] = widest(channel(s_->activated_, 0, false));
    if (grids_.size() > 1) out[1] = widest(channel(s_->pooled_, 0, false));
    break;
  case Stepper::Mode::FullyConnected: {
    if (grids_.size() < 3) return;
    const int64_t features = s_->fc_.input.size();
    const int shown = shownFeatures();
    std::vector<QString> x, w, z;
    for (int i = 0; i < shown; ++i) {
      x.push_back(numberText(s_->fc_.input.data()[i]));
      w.push_back(numberText(s_->fc_.weights.data()[s_->position_ * features + i]));
    }
    for (int j = 0; j < s_->outputColumns_; ++j) z.push_back(numberText(s_->fc_.logits.data()[j]));
    out[0] = widest(x), out[1] = widest(w), out[2] = widest(z);
    break;
  }
  case Stepper::Mode::Backward:   // its own widget draws it (BackwardStepper)
  case Stepper::Mode::Transposed: // and TransposedStepper
    break;
  }
}

void StepperCanvas::layoutGrids(bool breakBeforeKernels) {
  grids_.clear();
  wrapped_ = false;
  const int cw = s_->cellW(), ch = s_->cellSize_;
  const int gap = std::max(16, cw / 2), labelHeight = labelHeightPixels();
  const QFontMetrics labels(labelFont());
  const int viewWidth = s_->scroll_->viewport()->width();
  const int wrapAt = viewWidth >= 100 ? viewWidth - 16 : INT_MAX; // the canvas adds a 12 px margin
  int x = 12, y = 12 + labelHeight, rowBottom = y;
  auto add = [&](int rows, int columns, const QString& label) {
    const int w = std::max(columns * cw, labels.horizontalAdvance(label));
    if (x > 12 && x + w > wrapAt) { // the next row
      wrapped_ = true;
      x = 12;
      y = rowBottom + std::min(gap, ch) / 2 + labelHeight;
    }
    grids_.push_back({QPoint(x, y), rows, columns, label, QString()});
    x += w + gap;
    rowBottom = std::max(rowBottom, y + rows * ch);
  };
  if (s_->problem_.isEmpty() && !s_->convOutput_.empty()) {
    const Shape& in = s_->workspace_->input().shape();
    const Conv2DGeometry& g = s_->conv_.geometry;
    if (s_->mode_ == Stepper::Mode::Convolution) {
      for (int64_t ic : s_->inputChannels_)
        add(int(in[2] + g.padTop + g.padBottom), int(in[3] + g.padLeft + g.padRight), [&] {
          const bool padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
          if (s_->inputChannels_.size() > 1)
            return padded ? tr("input channel %1 (padded)").arg(ic + 1) : tr("input channel %1").arg(ic + 1);
          return padded ? tr("input (padded)") : tr("input");
        }());
      // Then the kernels, the bias and the output: beside the inputs when all fit in one
      // row, else on a row of their own.
      if (breakBeforeKernels) {
        x = 12;
        y = rowBottom + std::min(gap, ch) / 2 + labelHeight;
      }
      for (size_t k = 0; k < s_->inputChannels_.size(); ++k)
        add(int(g.kernelH), int(g.kernelW),
            s_->inputChannels_.size() > 1 ? tr("kernel, ch %1").arg(s_->inputChannels_[k] + 1) : tr("kernel"));
      x += labels.horizontalAdvance(tr("bias = %1").arg(weightText(s_->conv_.bias.data()[s_->outputChannel_]))) - gap + 16 +
           gap; // room for "bias = …"
      // The convolution's own output: the activation and pooling are the next modes.
      const ActivationKind act = s_->workspace_->activation();
      add(s_->outputRows_, s_->outputColumns_,
          act == ActivationKind::None ? tr("output")
                                      : tr("output, before %1").arg(QString::fromStdString(activationTitle(act))));
      // Keep the order the painter expects: inputs, output, kernels.
      std::rotate(grids_.begin() + s_->inputChannels_.size(), grids_.end() - 1, grids_.end());
    } else if (s_->mode_ == Stepper::Mode::FullyConnected) {
      // x with the current weight row under it, cell under cell (each product w_i·x_i in a
      // column), 8 values a row; the classes to the right when they fit (else below): each
      // class a row, its name, its logit z and its softmax bar.
      const int shown = shownFeatures();
      const int perRow = featuresPerRow();
      const int rows = (shown + perRow - 1) / perRow, columns = std::min(shown, perRow);
      const int top = y;
      add(rows, columns,
          shown < s_->fc_.input.size() ? tr("features x (first %1 of %2)").arg(shown).arg(s_->fc_.input.size())
                                      : tr("features x (%1)").arg(shown));
      x = 12;
      y = rowBottom + gap / 2 + labelHeight;
      add(rows, columns, tr("weights w of output z%1").arg(s_->outputLabel(s_->position_)));
      int leftColumn = 0;
      for (const Grid& grid : grids_)
        leftColumn =
            std::max(leftColumn, grid.origin.x() + std::max(grid.columns * cw, labels.horizontalAdvance(grid.label)));
      const int names = barLabelWidth() + 8, barColumns = 4;
      const int percent = QFontMetrics(barFont()).horizontalAdvance(QStringLiteral("100.0 %")) + 12;
      const bool beside = leftColumn + gap + names + cw + 12 + barColumns * cw + percent <= wrapAt;
      const int classesTop = beside ? top : rowBottom + gap / 2 + labelHeight;
      const int zx = beside ? leftColumn + gap + names : 12 + names;
      const QString zTitle = tr("z");
      grids_.push_back({QPoint(zx, classesTop), s_->outputColumns_, 1, zTitle, QString()});
      grids_.push_back({QPoint(zx + std::max(cw, labels.horizontalAdvance(zTitle)) + 12, classesTop), s_->outputColumns_,
                        barColumns, tr("p = softmax(z)"), QString()});
      rowBottom = std::max(rowBottom, classesTop + s_->outputColumns_ * ch);
      wrapped_ = !beside;
    } else if (s_->mode_ == Stepper::Mode::Activation) {
      const ActivationKind act = s_->workspace_->activation();
      add(s_->outputRows_, s_->outputColumns_, tr("convolution output x"));
      add(s_->outputRows_, s_->outputColumns_,
          act == ActivationKind::None ? tr("no activation: y = x")
                                      : tr("y = %1(x)").arg(QString::fromStdString(activationTitle(act))));
    } else {
      const ActivationKind act = s_->workspace_->activation();
      add(int(s_->activated_.shape()[2]), int(s_->activated_.shape()[3]),
          act == ActivationKind::None ? tr("feature map")
                                      : tr("after %1").arg(QString::fromStdString(activationTitle(act))));
      const PoolMode pm = s_->workspace_->pool().mode;
      add(s_->outputRows_, s_->outputColumns_,
          tr("after %1 pooling")
              .arg(pm == PoolMode::Max       ? tr("max")
                   : pm == PoolMode::Average ? tr("average")
                                             : tr("sum")));
    }
  }
  int width = 0, height = rowBottom;
  for (const Grid& gr : grids_) // labels may be wider than their grids
    width = std::max(width, gr.origin.x() + std::max(gr.columns * cw, labels.horizontalAdvance(gr.label)));
  if (s_->mode_ == Stepper::Mode::Convolution && !grids_.empty()) { // "bias = …" right of the last kernel
    const Grid& k = grids_.back();
    width = std::max(
        width, k.origin.x() + k.columns * cw + 16 +
                   labels.horizontalAdvance(tr("bias = %1").arg(weightText(s_->conv_.bias.data()[s_->outputChannel_]))));
  }
  if (s_->mode_ == Stepper::Mode::FullyConnected && !grids_.empty()) { // the percentages right of the bars
    const Grid& bars = grids_.back();
    width = std::max(width, bars.origin.x() + bars.columns * cw + 12 +
                                QFontMetrics(barFont()).horizontalAdvance(QStringLiteral("100.0 %")));
  }
  setFixedSize(std::max(width + 12, 200), std::max(height + 12, 120));
  update();
}

std::optional<int> StepperCanvas::outputCellAt(QPoint pos) const {
  const Grid* out = outputGrid();
  if (!out) return std::nullopt;
  const int c = (pos.x() - out->origin.x()) / s_->cellW(), r = (pos.y() - out->origin.y()) / s_->cellSize_;
  if (pos.x() < out->origin.x() || pos.y() < out->origin.y() || r >= out->rows || c >= out->columns)
    return std::nullopt;
  return r * out->columns + c;
}

QRect StepperCanvas::currentRect() const {
  const Grid* out = outputGrid();
  if (!out) return {};
  const int cw = s_->cellW(), ch = s_->cellSize_;
  if (s_->mode_ == Stepper::Mode::FullyConnected) // the logits are a column: a class a row
    return QRect(out->origin + QPoint(0, s_->position_ * ch), QSize(cw, ch));
  return QRect(out->origin + QPoint(s_->columnOf(s_->position_) * cw, s_->rowOf(s_->position_) * ch), QSize(cw, ch));
}

QRect StepperCanvas::lastGridRect() const {
  if (grids_.empty()) return {};
  const Grid& g = grids_.back();
  return QRect(g.origin - QPoint(0, 24), QSize(g.columns * s_->cellW(), g.rows * s_->cellSize_ + 24));
}

QRect StepperCanvas::windowRect() const {
  if (grids_.empty() || s_->mode_ == Stepper::Mode::Activation) return currentRect();
  const auto taps = windowTaps();
  if (taps.empty()) return currentRect();
  int r0 = taps[0].first, r1 = r0, c0 = taps[0].second, c1 = c0;
  for (auto [r, c] : taps) r0 = std::min(r0, r), r1 = std::max(r1, r), c0 = std::min(c0, c), c1 = std::max(c1, c);
  const int cw = s_->cellW(), ch = s_->cellSize_;
  return QRect(grids_[0].origin + QPoint(c0 * cw, r0 * ch), QSize((c1 - c0 + 1) * cw, (r1 - r0 + 1) * ch));
}

void StepperCanvas::paintEvent(QPaintEvent* event) {
  QPainter p(this);
  p.fillRect(event->rect(), Qt::white);
  if (event->rect() == rect()) smallestDigits_ = 1000; // a whole repaint measures afresh
  if (grids_.empty()) return;
  p.setFont(labelFont());
  p.setPen(Qt::black);
  elided_ = false;
  for (const Grid& g : grids_) {
    const int room = width() - g.origin.x(); // relayout keeps the next grid clear of the title
    const QString shown = p.fontMetrics().elidedText(g.label, Qt::ElideRight, room);
    elided_ = elided_ || shown != g.label;
    const int h = labelHeightPixels();
    p.drawText(QRect(g.origin.x(), g.origin.y() - h, room, h - 2), Qt::AlignLeft | Qt::AlignBottom, shown);
  }
  if (s_->mode_ == Stepper::Mode::Convolution)
    paintConvolution(p, event->rect());
  else if (s_->mode_ == Stepper::Mode::Activation)
    paintActivation(p, event->rect());
  else if (s_->mode_ == Stepper::Mode::FullyConnected)
    paintFullyConnected(p);
  else
    paintPooling(p, event->rect());
}

void StepperCanvas::mousePressEvent(QMouseEvent* event) {
  if (auto cell = outputCellAt(event->position().toPoint())) s_->setPosition(*cell);
}


// as last painted

// pixel size of the smallest grid number last painted
QFont StepperCanvas::labelFont() const {
  QFont f = font();
  f.setPointSizeF(std::max(9.0, font().pointSizeF()));
  return f;
}

int StepperCanvas::labelHeightPixels() const { return QFontMetrics(labelFont()).height() + 6; }

QFont StepperCanvas::barFont() const {
  QFont f = font();
  f.setPixelSize(std::clamp(s_->cellSize_ / 2, s_->presenter_ ? 24 : 9, 28)); // presenting: 24 px at least
  return f;
}

int StepperCanvas::barLabelWidth() const {
  int w = 0;
  const QFontMetrics m(barFont());
  for (int j = 0; j < s_->outputColumns_; ++j) w = std::max(w, m.horizontalAdvance(s_->className(j)));
  return w;
}

const StepperCanvas::Grid* StepperCanvas::outputGrid() const {
  if (grids_.empty()) return nullptr;
  if (s_->mode_ == Stepper::Mode::Convolution) return &grids_[s_->inputChannels_.size()];
  if (s_->mode_ == Stepper::Mode::FullyConnected) return &grids_[2];
  return &grids_[1];
}

std::vector<std::pair<int, int>> StepperCanvas::windowTaps() const {
  std::vector<std::pair<int, int>> taps;
  const int r = s_->rowOf(s_->position_), c = s_->columnOf(s_->position_);
  if (s_->mode_ == Stepper::Mode::Convolution) {
    const Conv2DGeometry& g = s_->conv_.geometry;
    for (int64_t kh = 0; kh < g.kernelH; ++kh)
      for (int64_t kw = 0; kw < g.kernelW; ++kw)
        taps.emplace_back(int(r * g.strideH + kh * g.dilationH), int(c * g.strideW + kw * g.dilationW));
  } else if (s_->mode_ == Stepper::Mode::Pooling) {
    const Pool2DGeometry& g = s_->workspace_->pool();
    for (int64_t kh = 0; kh < g.kernelH; ++kh)
      for (int64_t kw = 0; kw < g.kernelW; ++kw) {
        const int ir = int(r * g.strideH - g.padTop + kh), ic = int(c * g.strideW - g.padLeft + kw);
        if (ir >= 0 && ic >= 0 && ir < s_->activated_.shape()[2] && ic < s_->activated_.shape()[3])
          taps.emplace_back(ir, ic);
      }
  }
  return taps;
}

void StepperCanvas::visibleRange(const Grid& g, const QRect& exposed, int& r0, int& r1, int& c0, int& c1) const {
  const int cw = s_->cellW(), ch = s_->cellSize_;
  r0 = std::max(0, (exposed.top() - g.origin.y()) / ch - 1);
  r1 = std::min(g.rows - 1, (exposed.bottom() - g.origin.y()) / ch + 1);
  c0 = std::max(0, (exposed.left() - g.origin.x()) / cw - 1);
  c1 = std::min(g.columns - 1, (exposed.right() - g.origin.x()) / cw + 1);
}

// A cell with its number as large as the cell allows (a lecture hall reads these: about
// 0.7 of the cell's height, less when the number is wide) and, in the kernel window, the
// weight small in the corner like the lecture's subscripts (the number then sits above it).
QRect StepperCanvas::cellRect(const Grid& g, int r, int c) const {
  const int cw = s_->cellW(), ch = s_->cellSize_;
  return QRect(g.origin.x() + c * cw, g.origin.y() + r * ch, cw, ch);
}

void StepperCanvas::drawCell(QPainter& p, const Grid& g, int r, int c, const QColor& fill, const QString& text,
                             const QColor& textColour, const QString& corner) const {
  const QRect rect = cellRect(g, r, c);
  const int cw = rect.width(), ch = rect.height();
  cells::drawCell(p, rect, fill, s_->presenter_);
  if (std::min(cw, ch) < 22 || text.isEmpty()) return; // numbers only where they can be read
  const QColor ink = textColour.isValid() ? textColour : isDark(fill) ? QColor(Qt::white) : QColor(Qt::black);
  // Presenting, the weights stay in the kernel grids unless the cells are large: the
  // window's numbers are what the back row must read.
  const bool withCorner = !corner.isEmpty() && ch >= (s_->presenter_ ? 52 : 36);
  const QRect area = withCorner ? rect.adjusted(0, 0, 0, -ch / 4) : rect;
  const int largest = std::max(8, std::min(area.height() * 7 / 10 + (withCorner ? ch / 10 : 0), 48));
  const int size = fittedPixelSize(font(), g.widest.isEmpty() ? text : g.widest, cw, largest); // one size a grid
  smallestDigits_ = std::min(smallestDigits_, size);
  QFont f = font();
  f.setPixelSize(size);
  p.setFont(f);
  p.setPen(ink);
  p.drawText(area, Qt::AlignCenter, text);
  if (withCorner) {
    QFont small = f;
    small.setPixelSize(std::max(9, ch / 4));
    p.setFont(small);
    p.setPen(isDark(fill) ? QColor(255, 215, 160) : QColor(150, 60, 0));
    p.drawText(rect.adjusted(0, 0, -3, -1), Qt::AlignRight | Qt::AlignBottom, corner);
  }
}

void StepperCanvas::outline(QPainter& p, const Grid& g, int r, int c, const QColor& colour, int width) const {
  // A cell of a few pixels is marked by a ring around it, not an outline inside it.
  const QRect cell = cellRect(g, r, c);
  outlineCell(p, tiny() ? cell.adjusted(-4, -4, 4, 4) : cell, colour, width);
}

bool StepperCanvas::tiny() const { return std::min(s_->cellW(), s_->cellSize_) < 6; }

void StepperCanvas::paintOutputGrid(QPainter& p, const QRect& exposed, int grid, const Tensor& values,
                                    int64_t channel) const {
  const Grid& out = grids_[size_t(grid)];
  if (tiny()) {
    paintImage(p, grid, s_->position_ + 1);
  } else {
    int r0, r1, c0, c1;
    visibleRange(out, exposed, r0, r1, c0, c1);
    for (int r = r0; r <= r1; ++r)
      for (int c = c0; c <= c1; ++c) {
        const bool done = r * out.columns + c <= s_->position_;
        drawCell(p, out, r, c, done ? fillOf(grid, r, c, kFilled) : Qt::white,
                 done ? numberText(values.at(0, channel, r, c)) : QString());
      }
  }
  outline(p, out, s_->rowOf(s_->position_), s_->columnOf(s_->position_), kCurrent, tiny() ? 2 : 3);
}

// A map's cells: each filled with its value's grey level or colour, numbers where they fit;
// the whole image at once when the cells are too small for either.
void StepperCanvas::paintMap(QPainter& p, const QRect& exposed, int grid, const Tensor& values, int64_t channel) const {
  if (tiny()) return paintImage(p, grid);
  const Grid& g = grids_[size_t(grid)];
  int r0, r1, c0, c1;
  visibleRange(g, exposed, r0, r1, c0, c1);
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c)
      drawCell(p, g, r, c, fillOf(grid, r, c, Qt::white), numberText(values.at(0, channel, r, c)));
}

void StepperCanvas::paintConvolution(QPainter& p, const QRect& exposed) const {
  const Tensor& input = s_->workspace_->input();
  const Conv2DGeometry& g = s_->conv_.geometry;
  const auto taps = windowTaps();
  const size_t n = s_->inputChannels_.size();
  for (size_t k = 0; k < n; ++k) {
    const Grid& grid = grids_[k];
    const int64_t ic = s_->inputChannels_[k];
    if (tiny()) {
      paintImage(p, int(k));
    } else {
      int r0, r1, c0, c1;
      visibleRange(grid, exposed, r0, r1, c0, c1);
      for (int pr = r0; pr <= r1; ++pr)
        for (int pc = c0; pc <= c1; ++pc) {
          const int64_t ir = pr - g.padTop, icol = pc - g.padLeft;
          const bool padding = ir < 0 || icol < 0 || ir >= input.shape()[2] || icol >= input.shape()[3];
          drawCell(p, grid, pr, pc, padding ? kPadding : fillOf(int(k), pr, pc, Qt::white),
                   padding ? QStringLiteral("0") : numberText(input.at(0, ic, ir, icol)),
                   padding ? kPaddingText : QColor());
        }
      // The window: each tap tinted over its grey level, with its weight (dilation leaves
      // gaps between them).
      for (size_t t = 0; t < taps.size(); ++t) {
        const auto [tr, tc] = taps[t];
        const int64_t ir = tr - g.padTop, icol = tc - g.padLeft;
        const bool padding = ir < 0 || icol < 0 || ir >= input.shape()[2] || icol >= input.shape()[3];
        const float w =
            s_->conv_.weights.at(s_->outputChannel_, int64_t(k), int64_t(t) / g.kernelW, int64_t(t) % g.kernelW);
        drawCell(p, grid, tr, tc, blend(padding ? kPadding : fillOf(int(k), tr, tc, Qt::white), kWindow, 0.55),
                 padding ? QStringLiteral("0") : numberText(input.at(0, ic, ir, icol)), QColor(),
                 QStringLiteral("×") + weightText(w));
      }
    }
    const QRect box = windowRect().translated(grid.origin - grids_[0].origin);
    p.setPen(QPen(kCurrent, tiny() ? 2 : 3));
    p.setBrush(Qt::NoBrush);
    p.drawRect(box.adjusted(1, 1, -1, -1));
    // The kernel block for this channel.
    const Grid& kernelGrid = grids_[n + 1 + k];
    for (int kh = 0; kh < kernelGrid.rows; ++kh)
      for (int kw = 0; kw < kernelGrid.columns; ++kw)
        drawCell(p, kernelGrid, kh, kw, kKernel, weightText(s_->conv_.weights.at(s_->outputChannel_, int64_t(k), kh, kw)));
  }
  // Bias beside the last kernel.
  const Grid& lastKernel = grids_.back();
  p.setPen(Qt::black);
  p.setFont(labelFont());
  p.drawText(QPoint(lastKernel.origin.x() + lastKernel.columns * s_->cellW() + 16,
                    lastKernel.origin.y() + lastKernel.rows * s_->cellSize_ / 2),
             tr("bias = %1").arg(weightText(s_->conv_.bias.data()[s_->outputChannel_])));
  paintOutputGrid(p, exposed, int(n), s_->convOutput_, s_->outputChannel_);
}

void StepperCanvas::paintActivation(QPainter& p, const QRect& exposed) const {
  paintMap(p, exposed, 0, s_->convOutput_, s_->outputChannel_);
  outline(p, grids_[0], s_->rowOf(s_->position_), s_->columnOf(s_->position_), kCurrent, tiny() ? 2 : 3);
  paintOutputGrid(p, exposed, 1, s_->activated_, 0);
}

void StepperCanvas::paintPooling(QPainter& p, const QRect& exposed) const {
  const Grid& in = grids_[0];
  const auto taps = windowTaps();
  paintMap(p, exposed, 0, s_->activated_, 0);
  std::pair<int, int> best{-1, -1};
  float bestValue = -INFINITY;
  for (auto [r, c] : taps) {
    const float v = s_->activated_.at(0, 0, r, c);
    if (!tiny()) drawCell(p, in, r, c, blend(fillOf(0, r, c, Qt::white), kWindow, 0.55), numberText(v));
    if (v > bestValue) bestValue = v, best = {r, c};
  }
  if (tiny()) {
    const QRect box = windowRect();
    p.setPen(QPen(kCurrent, 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(box.adjusted(1, 1, -1, -1));
  }
  if (s_->workspace_->pool().mode == PoolMode::Max && best.first >= 0)
    outline(p, in, best.first, best.second, kMaximum, tiny() ? 2 : 3);
  paintOutputGrid(p, exposed, 1, s_->pooled_, 0);
}

void StepperCanvas::paintFullyConnected(QPainter& p) const {
  const int k = s_->position_;
  const int64_t features = s_->fc_.input.size();
  const int shown = shownFeatures();
  for (int i = 0; i < shown; ++i) {
    const int perRow = featuresPerRow();
    drawCell(p, grids_[0], i / perRow, i % perRow, kFilled, numberText(s_->fc_.input.data()[i]));
    drawCell(p, grids_[1], i / perRow, i % perRow, kWindow, numberText(s_->fc_.weights.data()[k * features + i]));
  }
  const Grid& logits = grids_[2];
  for (int j = 0; j < s_->outputColumns_; ++j) {
    const bool done = j <= k;
    drawCell(p, logits, j, 0, done ? kFilled : Qt::white, done ? numberText(s_->fc_.logits.data()[j]) : QString());
  }
  outline(p, logits, k, 0, kCurrent, 3);
  // Each class's name left of its logit; its probability once every logit is known (softmax
  // needs them all).
  const Grid& bars = grids_[3];
  const int cw = s_->cellW(), ch = s_->cellSize_;
  const bool complete = k + 1 >= s_->outputColumns_;
  const float* prob = s_->fc_.probabilities.data();
  const int best = int(std::max_element(prob, prob + s_->outputColumns_) - prob);
  p.setFont(barFont());
  const int nameWidth = barLabelWidth();
  for (int j = 0; j < s_->outputColumns_; ++j) {
    const QRect row(bars.origin.x(), bars.origin.y() + j * ch, bars.columns * cw, ch);
    p.setPen(Qt::black);
    p.drawText(QRect(logits.origin.x() - nameWidth - 8, row.top(), nameWidth, ch), Qt::AlignRight | Qt::AlignVCenter,
               s_->className(j));
    if (!complete) continue;
    p.fillRect(QRect(row.left(), row.top() + ch / 6, int(row.width() * prob[j]), ch * 2 / 3),
               j == best ? kCurrent : kNegativeText);
    p.drawText(QRect(row.right() + 6, row.top(), width() - row.right() - 6, ch), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("%1 %").arg(100.0 * prob[j], 0, 'f', 1));
  }
}

int StepperCanvas::featuresPerRow() const { return s_->presenter_ ? 3 : 8; } // presenting: wider cells, larger digits

int StepperCanvas::shownFeatures() const {
  // Presenting, four rows of three: the numbers stay large (the arithmetic lists every product).
  return int(std::min<int64_t>(s_->fc_.input.size(), s_->presenter_ ? 12 : kShownFeatures));
}

} // namespace convscope::ui
