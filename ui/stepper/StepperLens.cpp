#include "ui/stepper/StepperLens.h"
#include "ui/core/Text.h"
#include "ui/stepper/GridCells.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/StepperCanvas.h"

#include <QPaintEvent>
#include <QPainter>

#include <algorithm>
#include <set>
#include <utility>

namespace convscope::ui {

using namespace cells;

namespace {
constexpr int kShownChannels = 3; // more input channels: the first three, and a line saying so
} // namespace

StepperLens::StepperLens(Stepper* stepper) : QWidget(stepper), s_(stepper) {
  setObjectName("stepperLens");
  setToolTip(tr("The current step magnified: the window's cells with their values and weights, and the output cell "
                "they make"));
  setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
}

QSize StepperLens::sizeHint() const { return QSize(minimumWidth(), 400); }

void StepperLens::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(250, 250, 250));
  p.setPen(QColor(200, 200, 200));
  p.drawLine(0, 0, 0, height());
  smallestDigits_ = 1000;
  const Stepper& s = *s_;
  if (s.cellCount() == 0 || !s.problem_.isEmpty()) return;
  const StepperCanvas& canvas = *s.canvas_;
  const bool presenter = s.presenter_;
  QFont label = font();
  label.setPixelSize(presenter ? 22 : 13);
  const int labelHeight = QFontMetrics(label).height() + 4;
  const int r = s.rowOf(s.position_), c = s.columnOf(s.position_);

  // One block of cells: (row, column) → value text, fill, window tint, corner weight.
  struct Cell {
    int row, column;
    QString text, corner;
    QColor fill;
  };
  struct Block {
    QString title;
    int rows = 0, columns = 0;
    std::vector<Cell> cells;
  };
  std::vector<Block> blocks;
  Block result; // the output cell
  QString note;
  const auto valueFill = [&](int grid, int row, int column, const QColor& otherwise) {
    const QColor fill = canvas.valueColour(grid, row, column);
    return fill.isValid() ? fill : otherwise;
  };
  const Tensor& input = s.workspace_->input();
  if (s.mode_ == Stepper::Mode::Convolution) {
    const Conv2DGeometry& g = s.conv_.geometry;
    const int n = int(s.inputChannels_.size());
    const int margin = n == 1 ? 1 : 0; // one channel: a cell of context around the window
    const int top = int(r * g.strideH), left = int(c * g.strideW);
    const int spanH = int((g.kernelH - 1) * g.dilationH + 1), spanW = int((g.kernelW - 1) * g.dilationW + 1);
    const int rows = int(input.shape()[2] + g.padTop + g.padBottom), columns = int(input.shape()[3] + g.padLeft + g.padRight);
    const int r0 = std::max(0, top - margin), r1 = std::min(rows - 1, top + spanH - 1 + margin);
    const int c0 = std::max(0, left - margin), c1 = std::min(columns - 1, left + spanW - 1 + margin);
    std::set<std::pair<int, int>> taps;
    for (int64_t kh = 0; kh < g.kernelH; ++kh)
      for (int64_t kw = 0; kw < g.kernelW; ++kw) taps.emplace(int(top + kh * g.dilationH), int(left + kw * g.dilationW));
    for (int k = 0; k < std::min(n, kShownChannels); ++k) {
      Block b;
      b.title = n > 1 ? tr("input channel %1 × kernel").arg(s.inputChannels_[size_t(k)] + 1) : tr("input × kernel");
      b.rows = r1 - r0 + 1, b.columns = c1 - c0 + 1;
      for (int pr = r0; pr <= r1; ++pr)
        for (int pc = c0; pc <= c1; ++pc) {
          const int64_t ir = pr - g.padTop, ic = pc - g.padLeft;
          const bool padding = ir < 0 || ic < 0 || ir >= input.shape()[2] || ic >= input.shape()[3];
          Cell cell{pr - r0, pc - c0, padding ? QStringLiteral("0") : numberText(input.at(0, s.inputChannels_[size_t(k)], ir, ic)),
                    QString(), padding ? kPadding : valueFill(k, pr, pc, Qt::white)};
          if (taps.count({pr, pc})) {
            const int64_t kh = (pr - top) / g.dilationH, kw = (pc - left) / g.dilationW;
            cell.corner = QStringLiteral("×") + weightText(s.conv_.weights.at(s.outputChannel_, k, kh, kw));
            cell.fill = blend(cell.fill, kWindow, 0.55);
          }
          b.cells.push_back(cell);
        }
      blocks.push_back(std::move(b));
    }
    if (n > kShownChannels) note = tr("and %1 more channels (the arithmetic lists them)").arg(n - kShownChannels);
    result.title = tr("+ bias %1 = output (%2, %3)").arg(weightText(s.conv_.bias.data()[s.outputChannel_])).arg(r).arg(c);
    result.rows = result.columns = 1;
    result.cells.push_back({0, 0, numberText(s.convOutput_.at(0, s.outputChannel_, r, c)), QString(),
                            valueFill(n, r, c, kFilled)});
  } else if (s.mode_ == Stepper::Mode::Activation) {
    Block b;
    b.title = tr("x at (%1, %2)").arg(r).arg(c);
    b.rows = b.columns = 1;
    b.cells.push_back({0, 0, numberText(s.convOutput_.at(0, s.outputChannel_, r, c)), QString(), valueFill(0, r, c, Qt::white)});
    blocks.push_back(std::move(b));
    result.title = tr("y = %1(x)").arg(qs(activationTitle(s.workspace_->activation())));
    result.rows = result.columns = 1;
    result.cells.push_back({0, 0, numberText(s.activated_.at(0, 0, r, c)), QString(), valueFill(1, r, c, kFilled)});
  } else if (s.mode_ == Stepper::Mode::Pooling) {
    const Pool2DGeometry& g = s.workspace_->pool();
    const int rows = int(s.activated_.shape()[2]), columns = int(s.activated_.shape()[3]);
    const int top = int(r * g.strideH - g.padTop), left = int(c * g.strideW - g.padLeft);
    Block b;
    b.title = tr("the window");
    b.rows = int(g.kernelH), b.columns = int(g.kernelW);
    for (int kh = 0; kh < g.kernelH; ++kh)
      for (int kw = 0; kw < g.kernelW; ++kw) {
        const int ir = top + kh, ic = left + kw;
        const bool inside = ir >= 0 && ic >= 0 && ir < rows && ic < columns;
        b.cells.push_back({kh, kw, inside ? numberText(s.activated_.at(0, 0, ir, ic)) : QStringLiteral("·"), QString(),
                           inside ? blend(valueFill(0, ir, ic, Qt::white), kWindow, 0.55) : kPadding});
      }
    blocks.push_back(std::move(b));
    result.title = tr("pooled (%1, %2)").arg(r).arg(c);
    result.rows = result.columns = 1;
    result.cells.push_back({0, 0, numberText(s.pooled_.at(0, 0, r, c)), QString(), valueFill(1, r, c, kFilled)});
  } else {
    return;
  }
  // Cell size: the blocks stacked or side by side (a colour image's three channels), then the
  // result, whichever makes the cells larger.
  int rowsTotal = 0, widest = 1, columnsTotal = 0, tallest = 1;
  for (const Block& b : blocks)
    rowsTotal += b.rows, widest = std::max(widest, b.columns), columnsTotal += b.columns, tallest = std::max(tallest, b.rows);
  const int pad = 10, gap = 12, n = int(blocks.size());
  const int resultRows = 2; // the output cell is drawn twice as large
  const int extra = (note.isEmpty() ? 0 : labelHeight) + pad * 2;
  const int stacked = std::min((width() - 2 * pad) / std::max(widest, resultRows),
                               (height() - (n + 1) * labelHeight - extra) / std::max(1, rowsTotal + resultRows));
  const int beside = std::min((width() - 2 * pad - (n - 1) * gap) / std::max(1, columnsTotal),
                              (height() - 2 * labelHeight - extra) / std::max(1, tallest + resultRows));
  const bool sideBySide = n > 1 && beside > stacked;
  const int cell = std::clamp(sideBySide ? beside : stacked, 12, presenter ? 110 : 80);
  QString longest;
  const QFontMetrics probe(label);
  for (const Block& b : blocks)
    for (const Cell& x : b.cells)
      if (probe.horizontalAdvance(x.text) > probe.horizontalAdvance(longest)) longest = x.text;
  const bool corners = cell >= (presenter ? 56 : 40);
  const int digits = fittedPixelSize(font(), longest, cell, std::min(cell * (corners ? 45 : 60) / 100, 48));
  int y = pad;
  const auto title = [&](const QString& text, int x = 10, int width = -1) {
    if (width < 0) width = this->width() - 2 * pad;
    p.setFont(label);
    p.setPen(Qt::black);
    p.drawText(QRect(x, y, width, labelHeight), Qt::AlignLeft | Qt::AlignVCenter,
               p.fontMetrics().elidedText(text, Qt::ElideRight, width));
    y += labelHeight;
  };
  const auto draw = [&](const Block& b, int size, int px, int left = 10) {
    for (const Cell& x : b.cells) {
      const QRect rect(left + x.column * size, y + x.row * size, size, size);
      const QRect area = !x.corner.isEmpty() && corners ? rect.adjusted(0, 0, 0, -size / 4) : rect;
      drawCell(p, rect, x.fill, presenter);
      QFont f = font();
      f.setPixelSize(px);
      p.setFont(f);
      p.setPen(isDark(x.fill) ? Qt::white : Qt::black);
      p.drawText(area, Qt::AlignCenter, x.text);
      smallestDigits_ = std::min(smallestDigits_, px);
      if (!x.corner.isEmpty() && corners) {
        QFont small = f;
        small.setPixelSize(std::max(presenter ? 24 : 10, size / 4)); // weights are digits too: 24 px presenting
        p.setFont(small);
        smallestDigits_ = std::min(smallestDigits_, small.pixelSize());
        p.setPen(isDark(x.fill) ? QColor(255, 215, 160) : QColor(150, 60, 0));
        p.drawText(rect.adjusted(0, 0, -3, -1), Qt::AlignRight | Qt::AlignBottom, x.corner);
      }
    }
  };
  if (sideBySide) { // channel by channel across, each titled by its channel
    const int top = y;
    int left = pad;
    for (int k = 0; k < n; ++k) {
      const Block& b = blocks[size_t(k)];
      y = top;
      title(n > 1 ? tr("channel %1").arg(k + 1) : b.title, left, b.columns * cell);
      draw(b, cell, digits, left);
      left += b.columns * cell + gap;
    }
    y = top + labelHeight + tallest * cell + 4;
  } else {
    for (const Block& b : blocks) {
      title(b.title);
      draw(b, cell, digits);
      y += b.rows * cell + 4;
    }
  }
  if (!note.isEmpty()) title(note);
  title(result.title);
  const int big = cell * resultRows;
  const int bigDigits = fittedPixelSize(font(), result.cells.front().text, big, std::min(big / 2, 64));
  draw(result, big, bigDigits);
  outlineCell(p, QRect(pad, y, big, big), kCurrent, 3);
}

} // namespace convscope::ui
