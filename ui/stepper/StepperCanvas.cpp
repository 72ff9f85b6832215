// StepperCanvas: the forward modes' grids, laid out and painted from the Stepper's state.
#include "ui/stepper/StepperCanvas.h"
#include "ui/core/Text.h"

#include "ui/stepper/GridCells.h"
#include "ui/stepper/Stepper.h"

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
  if (widestDirty_) findWidest(), widestDirty_ = false; // the numbers changed, not just the cells
  for (size_t i = 0; i < grids_.size() && i < widest_.size(); ++i) grids_[i].widest = widest_[i];
}

void StepperCanvas::numbersChanged() { widestDirty_ = true; }

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
        for (int64_t c = 0; c < w.shape()[3]; ++c) weights.push_back(numberText(w.at(s_->outputChannel_, int64_t(k), r, c)));
      out[n + 1 + k] = widest(weights);
    }
    out[n] = widest(channel(s_->convOutput_, s_->outputChannel_, false));
    break;
  case Stepper::Mode::ReLU:
    out[0] = widest(channel(s_->convOutput_, s_->outputChannel_, false));
    if (grids_.size() > 1) out[1] = widest(channel(s_->reluOutput_, 0, false));
    break;
  case Stepper::Mode::Pooling:
    out[0] = widest(channel(s_->poolInput_, 0, false));
    if (grids_.size() > 1) out[1] = widest(channel(s_->pooled_, 0, false));
    break;
  case Stepper::Mode::FullyConnected: {
    if (grids_.size() < 3) return;
    const int64_t features = s_->fc_.input.size();
    const int shown = int(std::min<int64_t>(features, kShownFeatures));
    std::vector<QString> x, w, z;
    for (int i = 0; i < shown; ++i) {
      x.push_back(brief(s_->fc_.input.data()[i]));
      w.push_back(brief(s_->fc_.weights.data()[s_->position_ * features + i]));
    }
    for (int j = 0; j < s_->outputColumns_; ++j) z.push_back(brief(s_->fc_.logits.data()[j]));
    out[0] = widest(x), out[1] = widest(w), out[2] = widest(z);
    break;
  }
  case Stepper::Mode::Backward: break; // its own widget draws it (BackwardStepper)
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
      x += labels.horizontalAdvance(tr("bias = %1").arg(numberText(s_->conv_.bias.data()[s_->outputChannel_]))) - gap + 16 +
           gap; // room for "bias = …"
      // The convolution's own output: the activation and pooling are the next modes.
      const ActivationKind act = s_->workspace_->activation();
      add(s_->outputRows_, s_->outputColumns_,
          act == ActivationKind::None ? tr("output")
                                      : tr("output, before %1").arg(QString::fromStdString(activationTitle(act))));
      // Keep the order the painter expects: inputs, output, kernels.
      std::rotate(grids_.begin() + s_->inputChannels_.size(), grids_.end() - 1, grids_.end());
    } else if (s_->mode_ == Stepper::Mode::FullyConnected) {
      // x and the current weight row side by side, 8 values a row; then the logits and
      // the probabilities (labels to the left of the bars).
      const int shown = std::min<int>(int(s_->fc_.input.size()), kShownFeatures);
      const int rows = (shown + 7) / 8, columns = std::min(shown, 8);
      // The weight row under the features, cell under cell: each product w_i·x_i in a column.
      add(rows, columns,
          shown < s_->fc_.input.size() ? tr("features x (first %1 of %2)").arg(shown).arg(s_->fc_.input.size())
                                      : tr("features x (%1)").arg(shown));
      x = 12;
      y = rowBottom + gap / 2 + labelHeight;
      add(rows, columns, tr("weights w of output z%1").arg(s_->outputLabel(s_->position_)));
      x = 12;
      y = rowBottom + gap / 2 + labelHeight;
      add(1, s_->outputColumns_, tr("logits z = w·x + b"));
      x = 12 + barLabelWidth() + 8;
      y = rowBottom + gap / 2 + labelHeight;
      add(s_->outputColumns_, 6, tr("softmax probabilities"));
    } else if (s_->mode_ == Stepper::Mode::ReLU) {
      add(s_->outputRows_, s_->outputColumns_, tr("convolution output"));
      add(s_->outputRows_, s_->outputColumns_, tr("after ReLU"));
    } else {
      const ActivationKind act = s_->workspace_->activation();
      add(int(s_->poolInput_.shape()[2]), int(s_->poolInput_.shape()[3]),
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
                   labels.horizontalAdvance(tr("bias = %1").arg(numberText(s_->conv_.bias.data()[s_->outputChannel_]))));
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
  return QRect(out->origin + QPoint(s_->columnOf(s_->position_) * cw, s_->rowOf(s_->position_) * ch), QSize(cw, ch));
}

QRect StepperCanvas::lastGridRect() const {
  if (grids_.empty()) return {};
  const Grid& g = grids_.back();
  return QRect(g.origin - QPoint(0, 24), QSize(g.columns * s_->cellW(), g.rows * s_->cellSize_ + 24));
}

QRect StepperCanvas::windowRect() const {
  if (grids_.empty() || s_->mode_ == Stepper::Mode::ReLU) return currentRect();
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
  else if (s_->mode_ == Stepper::Mode::ReLU)
    paintRelu(p, event->rect());
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
  f.setPixelSize(std::clamp(s_->cellSize_ / 2, 9, 28));
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
        if (ir >= 0 && ic >= 0 && ir < s_->poolInput_.shape()[2] && ic < s_->poolInput_.shape()[3])
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
  p.setPen(textColour);
  p.drawText(area, Qt::AlignCenter, text);
  if (withCorner) {
    QFont small = f;
    small.setPixelSize(std::max(9, ch / 4));
    p.setFont(small);
    p.setPen(QColor(150, 60, 0));
    p.drawText(rect.adjusted(0, 0, -3, -1), Qt::AlignRight | Qt::AlignBottom, corner);
  }
}

void StepperCanvas::outline(QPainter& p, const Grid& g, int r, int c, const QColor& colour, int width) const {
  outlineCell(p, cellRect(g, r, c), colour, width);
}

void StepperCanvas::paintOutputGrid(QPainter& p, const QRect& exposed, const Grid& out, const Tensor& values, int64_t channel) const {
  int r0, r1, c0, c1;
  visibleRange(out, exposed, r0, r1, c0, c1);
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) {
      const bool done = r * out.columns + c <= s_->position_;
      drawCell(p, out, r, c, done ? kFilled : Qt::white, done ? numberText(values.at(0, channel, r, c)) : QString());
    }
  outline(p, out, s_->rowOf(s_->position_), s_->columnOf(s_->position_), kCurrent, 3);
}

void StepperCanvas::paintConvolution(QPainter& p, const QRect& exposed) const {
  const Tensor& input = s_->workspace_->input();
  const Conv2DGeometry& g = s_->conv_.geometry;
  const auto taps = windowTaps();
  const int r = s_->rowOf(s_->position_), c = s_->columnOf(s_->position_);
  for (size_t k = 0; k < s_->inputChannels_.size(); ++k) {
    const Grid& grid = grids_[k];
    const int64_t ic = s_->inputChannels_[k];
    int r0, r1, c0, c1;
    visibleRange(grid, exposed, r0, r1, c0, c1);
    for (int pr = r0; pr <= r1; ++pr)
      for (int pc = c0; pc <= c1; ++pc) {
        const int64_t ir = pr - g.padTop, icol = pc - g.padLeft;
        const bool padding = ir < 0 || icol < 0 || ir >= input.shape()[2] || icol >= input.shape()[3];
        drawCell(p, grid, pr, pc, padding ? kPadding : Qt::white,
                 padding ? QStringLiteral("0") : numberText(input.at(0, ic, ir, icol)),
                 padding ? kPaddingText : Qt::black);
      }
    // The window: each tap with its weight (dilation leaves gaps between them).
    for (size_t t = 0; t < taps.size(); ++t) {
      const auto [tr, tc] = taps[t];
      const int64_t ir = tr - g.padTop, icol = tc - g.padLeft;
      const bool padding = ir < 0 || icol < 0 || ir >= input.shape()[2] || icol >= input.shape()[3];
      const float w =
          s_->conv_.weights.at(s_->outputChannel_, int64_t(k), int64_t(t) / g.kernelW, int64_t(t) % g.kernelW);
      drawCell(p, grid, tr, tc, kWindow, padding ? QStringLiteral("0") : numberText(input.at(0, ic, ir, icol)), Qt::black,
               QStringLiteral("×") + numberText(w));
    }
    const QRect box = windowRect().translated(grid.origin - grids_[0].origin);
    p.setPen(QPen(kCurrent, 3));
    p.drawRect(box.adjusted(1, 1, -1, -1));
    // The kernel block for this channel.
    const Grid& kernelGrid = grids_[s_->inputChannels_.size() + 1 + k];
    for (int kh = 0; kh < kernelGrid.rows; ++kh)
      for (int kw = 0; kw < kernelGrid.columns; ++kw)
        drawCell(p, kernelGrid, kh, kw, kKernel,
                 numberText(s_->conv_.weights.at(s_->outputChannel_, int64_t(k), kh, kw)));
  }
  // Bias beside the last kernel.
  const Grid& lastKernel = grids_.back();
  p.setPen(Qt::black);
  p.setFont(labelFont());
  p.drawText(QPoint(lastKernel.origin.x() + lastKernel.columns * s_->cellW() + 16,
                    lastKernel.origin.y() + lastKernel.rows * s_->cellSize_ / 2),
             tr("bias = %1").arg(numberText(s_->conv_.bias.data()[s_->outputChannel_])));
  paintOutputGrid(p, exposed, grids_[s_->inputChannels_.size()], s_->convOutput_, s_->outputChannel_);
  (void)r;
  (void)c;
}

void StepperCanvas::paintRelu(QPainter& p, const QRect& exposed) const {
  const Grid& before = grids_[0];
  int r0, r1, c0, c1;
  visibleRange(before, exposed, r0, r1, c0, c1);
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) {
      const float v = s_->convOutput_.at(0, s_->outputChannel_, r, c);
      drawCell(p, before, r, c, v < 0 ? kNegative : Qt::white, numberText(v), v < 0 ? kNegativeText : Qt::black);
    }
  outline(p, before, s_->rowOf(s_->position_), s_->columnOf(s_->position_), kCurrent, 3);
  paintOutputGrid(p, exposed, grids_[1], s_->reluOutput_, 0);
}

void StepperCanvas::paintPooling(QPainter& p, const QRect& exposed) const {
  const Grid& in = grids_[0];
  const auto taps = windowTaps();
  int r0, r1, c0, c1;
  visibleRange(in, exposed, r0, r1, c0, c1);
  for (int r = r0; r <= r1; ++r)
    for (int c = c0; c <= c1; ++c) drawCell(p, in, r, c, Qt::white, numberText(s_->poolInput_.at(0, 0, r, c)));
  std::pair<int, int> best{-1, -1};
  float bestValue = -INFINITY;
  for (auto [r, c] : taps) {
    const float v = s_->poolInput_.at(0, 0, r, c);
    drawCell(p, in, r, c, kWindow, numberText(v));
    if (v > bestValue) bestValue = v, best = {r, c};
  }
  if (s_->workspace_->pool().mode == PoolMode::Max && best.first >= 0)
    outline(p, in, best.first, best.second, kMaximum, 3);
  paintOutputGrid(p, exposed, grids_[1], s_->pooled_, 0);
}

void StepperCanvas::paintFullyConnected(QPainter& p) const {
  const int k = s_->position_;
  const int64_t features = s_->fc_.input.size();
  const int shown = int(std::min<int64_t>(features, kShownFeatures));
  for (int i = 0; i < shown; ++i) {
    drawCell(p, grids_[0], i / 8, i % 8, kFilled, brief(s_->fc_.input.data()[i]));
    drawCell(p, grids_[1], i / 8, i % 8, kWindow, brief(s_->fc_.weights.data()[k * features + i]));
  }
  for (int j = 0; j < s_->outputColumns_; ++j) {
    const bool done = j <= k;
    drawCell(p, grids_[2], 0, j, done ? kFilled : Qt::white, done ? brief(s_->fc_.logits.data()[j]) : QString());
  }
  outline(p, grids_[2], 0, k, kCurrent, 3);
  // Probabilities once every logit is known (softmax needs them all).
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
    p.drawText(QRect(row.left() - nameWidth - 8, row.top(), nameWidth, ch), Qt::AlignRight | Qt::AlignVCenter,
               s_->className(j));
    if (!complete) continue;
    p.fillRect(QRect(row.left(), row.top() + ch / 6, int(row.width() * prob[j]), ch * 2 / 3),
               j == best ? kCurrent : kNegativeText);
    p.drawText(QRect(row.right() + 6, row.top(), width() - row.right() - 6, ch), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("%1 %").arg(100.0 * prob[j], 0, 'f', 1));
  }
}

} // namespace convscope::ui
