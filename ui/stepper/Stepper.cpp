// Stepper: the controls, the computation it shows, and StepperCanvas, which paints the grids.
#include "ui/stepper/Stepper.h"

#include "ui/stepper/BackwardStepper.h"

#include "engine/io/ModelFile.h"
#include "engine/core/OutputSize.h"
#include "engine/lessons/Pipeline.h"
#include "engine/training/Preprocess.h"
#include "engine/backend/reference/Explain.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Flatten.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace convscope::ui {

namespace {
QString num(float v) { return QString::fromStdString(formatNumber(v)); }
// The fully connected cells hold three significant digits; the arithmetic has them all.
QString brief(float v) {
  QString t = QString::number(double(v), 'g', 3);
  return t.startsWith('-') ? t.replace(0, 1, QChar(0x2212)) : t;
}
constexpr int kShownFeatures = 32;             // features drawn as cells; the arithmetic lists more
constexpr int64_t kReferenceLimit = 128 * 128; // larger inputs are convolved with oneDNN

// Colours: readable on a projector and for the colour-blind (blue/orange, never red/green).
const QColor kWindow(255, 190, 90);   // the kernel window / receptive field
const QColor kCurrent(230, 120, 0);   // the current cell's border
const QColor kPadding(222, 222, 222); // padding cells
const QColor kFilled(235, 244, 255);  // output cells already computed
const QColor kNegative(33, 102, 172); // negative numbers (ReLU)
const QColor kMaximum(178, 24, 43);   // the window's maximum (pooling)
} // namespace

// ---- the canvas ------------------------------------------------------------------------

class StepperCanvas : public QWidget {
public:
  explicit StepperCanvas(Stepper* stepper) : QWidget(stepper), s_(stepper) { setMouseTracking(false); }

  struct Grid {
    QPoint origin;
    int rows = 0, columns = 0;
    QString label;
    QString widest; // the grid's widest number: every cell's font fits it, so a grid reads evenly
  };

  // Lays out the grids of the current mode and sizes the canvas to hold them. Cells are
  // ch pixels tall and cw wide (wider when the view has room to spare: larger digits).
  // A grid's title is never cut: the next grid starts after the longer of the two.
  // Grids flow left to right and wrap at the view's width; the convolution's kernels and
  // output start a row of their own unless everything fits in one row.
  void relayout() {
    layoutGrids(false);
    if (s_->mode_ == Stepper::Mode::Convolution && wrapped_) layoutGrids(true);
    if (widestDirty_) findWidest(), widestDirty_ = false; // the numbers changed, not just the cells
    for (size_t i = 0; i < grids_.size() && i < widest_.size(); ++i) grids_[i].widest = widest_[i];
  }
  void numbersChanged() { widestDirty_ = true; }

  // Each grid's widest number, so that all its cells use one font size (lecture-sized
  // grids only: a photo's cells are fitted one by one, when they are large enough at all).
  void findWidest() {
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
        for (int64_t x = 0; x < t.shape()[3]; ++x) texts.push_back(num(t.at(0, c, r, x)));
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
          for (int64_t c = 0; c < w.shape()[3]; ++c) weights.push_back(num(w.at(s_->outputChannel_, int64_t(k), r, c)));
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
      const int64_t features = s_->fcInput_.size();
      const int shown = int(std::min<int64_t>(features, kShownFeatures));
      std::vector<QString> x, w, z;
      for (int i = 0; i < shown; ++i) {
        x.push_back(brief(s_->fcInput_.data()[i]));
        w.push_back(brief(s_->fcWeights_.data()[s_->position_ * features + i]));
      }
      for (int j = 0; j < s_->outputColumns_; ++j) z.push_back(brief(s_->fcLogits_.data()[j]));
      out[0] = widest(x), out[1] = widest(w), out[2] = widest(z);
      break;
    }
    case Stepper::Mode::Backward: break; // its own widget draws it (BackwardStepper)
    }
  }

  void layoutGrids(bool breakBeforeKernels) {
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
        x += labels.horizontalAdvance(tr("bias = %1").arg(num(s_->conv_.bias.data()[s_->outputChannel_]))) - gap + 16 +
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
        const int shown = std::min<int>(int(s_->fcInput_.size()), kShownFeatures);
        const int rows = (shown + 7) / 8, columns = std::min(shown, 8);
        // The weight row under the features, cell under cell: each product w_i·x_i in a column.
        add(rows, columns,
            shown < s_->fcInput_.size() ? tr("features x (first %1 of %2)").arg(shown).arg(s_->fcInput_.size())
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
                     labels.horizontalAdvance(tr("bias = %1").arg(num(s_->conv_.bias.data()[s_->outputChannel_]))));
    }
    if (s_->mode_ == Stepper::Mode::FullyConnected && !grids_.empty()) { // the percentages right of the bars
      const Grid& bars = grids_.back();
      width = std::max(width, bars.origin.x() + bars.columns * cw + 12 +
                                  QFontMetrics(barFont()).horizontalAdvance(QStringLiteral("100.0 %")));
    }
    setFixedSize(std::max(width + 12, 200), std::max(height + 12, 120));
    update();
  }

  // The output grid's cell under a point, or nullopt.
  std::optional<int> outputCellAt(QPoint pos) const {
    const Grid* out = outputGrid();
    if (!out) return std::nullopt;
    const int c = (pos.x() - out->origin.x()) / s_->cellW(), r = (pos.y() - out->origin.y()) / s_->cellSize_;
    if (pos.x() < out->origin.x() || pos.y() < out->origin.y() || r >= out->rows || c >= out->columns)
      return std::nullopt;
    return r * out->columns + c;
  }

  // Where the current cell is, to scroll it into view.
  QRect currentRect() const {
    const Grid* out = outputGrid();
    if (!out) return {};
    const int cw = s_->cellW(), ch = s_->cellSize_;
    return QRect(out->origin + QPoint(s_->columnOf(s_->position_) * cw, s_->rowOf(s_->position_) * ch), QSize(cw, ch));
  }
  QRect lastGridRect() const { // the fully connected stage's softmax bars
    if (grids_.empty()) return {};
    const Grid& g = grids_.back();
    return QRect(g.origin - QPoint(0, 24), QSize(g.columns * s_->cellW(), g.rows * s_->cellSize_ + 24));
  }
  QRect windowRect() const { // the input window's bounding box (convolution and pooling)
    if (grids_.empty() || s_->mode_ == Stepper::Mode::ReLU) return currentRect();
    const auto taps = windowTaps();
    if (taps.empty()) return currentRect();
    int r0 = taps[0].first, r1 = r0, c0 = taps[0].second, c1 = c0;
    for (auto [r, c] : taps) r0 = std::min(r0, r), r1 = std::max(r1, r), c0 = std::min(c0, c), c1 = std::max(c1, c);
    const int cw = s_->cellW(), ch = s_->cellSize_;
    return QRect(grids_[0].origin + QPoint(c0 * cw, r0 * ch), QSize((c1 - c0 + 1) * cw, (r1 - r0 + 1) * ch));
  }

protected:
  void paintEvent(QPaintEvent* event) override {
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

  void mousePressEvent(QMouseEvent* event) override {
    if (auto cell = outputCellAt(event->position().toPoint())) s_->setPosition(*cell);
  }

public:
  bool labelsElided() const { return elided_; }          // as last painted
  int smallestDigits() const { return smallestDigits_; } // pixel size of the smallest grid number last painted
  QFont labelFont() const {
    QFont f = font();
    f.setPointSizeF(std::max(9.0, font().pointSizeF()));
    return f;
  }
  int labelHeightPixels() const { return QFontMetrics(labelFont()).height() + 6; }

private:
  QFont barFont() const {
    QFont f = font();
    f.setPixelSize(std::clamp(s_->cellSize_ / 2, 9, 28));
    return f;
  }
  int barLabelWidth() const { // the longest class name left of the softmax bars
    int w = 0;
    const QFontMetrics m(barFont());
    for (int j = 0; j < s_->outputColumns_; ++j) w = std::max(w, m.horizontalAdvance(s_->className(j)));
    return w;
  }

  const Grid* outputGrid() const {
    if (grids_.empty()) return nullptr;
    if (s_->mode_ == Stepper::Mode::Convolution) return &grids_[s_->inputChannels_.size()];
    if (s_->mode_ == Stepper::Mode::FullyConnected) return &grids_[2];
    return &grids_[1];
  }

  // The input cells (row, column in the first grid's coordinates) the current cell reads.
  std::vector<std::pair<int, int>> windowTaps() const {
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

  // Cells of grid g intersecting the exposed rectangle.
  void visibleRange(const Grid& g, const QRect& exposed, int& r0, int& r1, int& c0, int& c1) const {
    const int cw = s_->cellW(), ch = s_->cellSize_;
    r0 = std::max(0, (exposed.top() - g.origin.y()) / ch - 1);
    r1 = std::min(g.rows - 1, (exposed.bottom() - g.origin.y()) / ch + 1);
    c0 = std::max(0, (exposed.left() - g.origin.x()) / cw - 1);
    c1 = std::min(g.columns - 1, (exposed.right() - g.origin.x()) / cw + 1);
  }

  // A cell with its number as large as the cell allows (a lecture hall reads these: about
  // 0.7 of the cell's height, less when the number is wide) and, in the kernel window, the
  // weight small in the corner like the lecture's subscripts (the number then sits above it).
  void drawCell(QPainter& p, const Grid& g, int r, int c, const QColor& fill, const QString& text,
                const QColor& textColour = Qt::black, const QString& corner = {}) const {
    const int cw = s_->cellW(), ch = s_->cellSize_;
    const QRect rect(g.origin.x() + c * cw, g.origin.y() + r * ch, cw, ch);
    p.fillRect(rect, fill);
    if (ch >= 6) { // presenting, darker lines keep neighbouring numbers apart
      p.setPen(s_->presenter_ ? QColor(90, 90, 90) : QColor(150, 150, 150));
      p.drawRect(rect.adjusted(0, 0, -1, -1));
    }
    if (std::min(cw, ch) >= 22 && !text.isEmpty()) { // numbers only where they can be read
      // Presenting, the weights stay in the kernel grids unless the cells are large: the
      // window's numbers are what the back row must read.
      const bool withCorner = !corner.isEmpty() && ch >= (s_->presenter_ ? 52 : 36);
      const QRect area = withCorner ? rect.adjusted(0, 0, 0, -ch / 4) : rect;
      QFont f = font();
      int size = std::max(8, std::min(area.height() * 7 / 10 + (withCorner ? ch / 10 : 0), 48));
      f.setPixelSize(size);
      const QString& fitted = g.widest.isEmpty() ? text : g.widest; // one size for the grid
      while (size > 7 && QFontMetrics(f).horizontalAdvance(fitted) > cw - 3) f.setPixelSize(--size);
      smallestDigits_ = std::min(smallestDigits_, size);
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
  }

  void outline(QPainter& p, const Grid& g, int r, int c, const QColor& colour, int width) const {
    const int cw = s_->cellW(), ch = s_->cellSize_;
    p.setPen(QPen(colour, width));
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRect(g.origin.x() + c * cw, g.origin.y() + r * ch, cw, ch).adjusted(1, 1, -1, -1));
  }

  void paintOutputGrid(QPainter& p, const QRect& exposed, const Grid& out, const Tensor& values,
                       int64_t channel) const {
    int r0, r1, c0, c1;
    visibleRange(out, exposed, r0, r1, c0, c1);
    for (int r = r0; r <= r1; ++r)
      for (int c = c0; c <= c1; ++c) {
        const bool done = r * out.columns + c <= s_->position_;
        drawCell(p, out, r, c, done ? kFilled : Qt::white, done ? num(values.at(0, channel, r, c)) : QString());
      }
    outline(p, out, s_->rowOf(s_->position_), s_->columnOf(s_->position_), kCurrent, 3);
  }

  void paintConvolution(QPainter& p, const QRect& exposed) const {
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
                   padding ? QStringLiteral("0") : num(input.at(0, ic, ir, icol)),
                   padding ? QColor(120, 120, 120) : Qt::black);
        }
      // The window: each tap with its weight (dilation leaves gaps between them).
      for (size_t t = 0; t < taps.size(); ++t) {
        const auto [tr, tc] = taps[t];
        const int64_t ir = tr - g.padTop, icol = tc - g.padLeft;
        const bool padding = ir < 0 || icol < 0 || ir >= input.shape()[2] || icol >= input.shape()[3];
        const float w =
            s_->conv_.weights.at(s_->outputChannel_, int64_t(k), int64_t(t) / g.kernelW, int64_t(t) % g.kernelW);
        drawCell(p, grid, tr, tc, kWindow, padding ? QStringLiteral("0") : num(input.at(0, ic, ir, icol)), Qt::black,
                 QStringLiteral("×") + num(w));
      }
      const QRect box = windowRect().translated(grid.origin - grids_[0].origin);
      p.setPen(QPen(kCurrent, 3));
      p.drawRect(box.adjusted(1, 1, -1, -1));
      // The kernel block for this channel.
      const Grid& kernelGrid = grids_[s_->inputChannels_.size() + 1 + k];
      for (int kh = 0; kh < kernelGrid.rows; ++kh)
        for (int kw = 0; kw < kernelGrid.columns; ++kw)
          drawCell(p, kernelGrid, kh, kw, QColor(255, 240, 215),
                   num(s_->conv_.weights.at(s_->outputChannel_, int64_t(k), kh, kw)));
    }
    // Bias beside the last kernel.
    const Grid& lastKernel = grids_.back();
    p.setPen(Qt::black);
    p.setFont(labelFont());
    p.drawText(QPoint(lastKernel.origin.x() + lastKernel.columns * s_->cellW() + 16,
                      lastKernel.origin.y() + lastKernel.rows * s_->cellSize_ / 2),
               tr("bias = %1").arg(num(s_->conv_.bias.data()[s_->outputChannel_])));
    paintOutputGrid(p, exposed, grids_[s_->inputChannels_.size()], s_->convOutput_, s_->outputChannel_);
    (void)r;
    (void)c;
  }

  void paintRelu(QPainter& p, const QRect& exposed) const {
    const Grid& before = grids_[0];
    int r0, r1, c0, c1;
    visibleRange(before, exposed, r0, r1, c0, c1);
    for (int r = r0; r <= r1; ++r)
      for (int c = c0; c <= c1; ++c) {
        const float v = s_->convOutput_.at(0, s_->outputChannel_, r, c);
        drawCell(p, before, r, c, v < 0 ? QColor(220, 232, 245) : Qt::white, num(v), v < 0 ? kNegative : Qt::black);
      }
    outline(p, before, s_->rowOf(s_->position_), s_->columnOf(s_->position_), kCurrent, 3);
    paintOutputGrid(p, exposed, grids_[1], s_->reluOutput_, 0);
  }

  void paintPooling(QPainter& p, const QRect& exposed) const {
    const Grid& in = grids_[0];
    const auto taps = windowTaps();
    int r0, r1, c0, c1;
    visibleRange(in, exposed, r0, r1, c0, c1);
    for (int r = r0; r <= r1; ++r)
      for (int c = c0; c <= c1; ++c) drawCell(p, in, r, c, Qt::white, num(s_->poolInput_.at(0, 0, r, c)));
    std::pair<int, int> best{-1, -1};
    float bestValue = -INFINITY;
    for (auto [r, c] : taps) {
      const float v = s_->poolInput_.at(0, 0, r, c);
      drawCell(p, in, r, c, kWindow, num(v));
      if (v > bestValue) bestValue = v, best = {r, c};
    }
    if (s_->workspace_->pool().mode == PoolMode::Max && best.first >= 0)
      outline(p, in, best.first, best.second, kMaximum, 3);
    paintOutputGrid(p, exposed, grids_[1], s_->pooled_, 0);
  }

  void paintFullyConnected(QPainter& p) const {
    const int k = s_->position_;
    const int64_t features = s_->fcInput_.size();
    const int shown = int(std::min<int64_t>(features, kShownFeatures));
    for (int i = 0; i < shown; ++i) {
      drawCell(p, grids_[0], i / 8, i % 8, QColor(235, 244, 255), brief(s_->fcInput_.data()[i]));
      drawCell(p, grids_[1], i / 8, i % 8, kWindow, brief(s_->fcWeights_.data()[k * features + i]));
    }
    for (int j = 0; j < s_->outputColumns_; ++j) {
      const bool done = j <= k;
      drawCell(p, grids_[2], 0, j, done ? kFilled : Qt::white, done ? brief(s_->fcLogits_.data()[j]) : QString());
    }
    outline(p, grids_[2], 0, k, kCurrent, 3);
    // Probabilities once every logit is known (softmax needs them all).
    const Grid& bars = grids_[3];
    const int cw = s_->cellW(), ch = s_->cellSize_;
    const bool complete = k + 1 >= s_->outputColumns_;
    const float* prob = s_->fcProbabilities_.data();
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
                 j == best ? kCurrent : kNegative);
      p.drawText(QRect(row.right() + 6, row.top(), width() - row.right() - 6, ch), Qt::AlignLeft | Qt::AlignVCenter,
                 QStringLiteral("%1 %").arg(100.0 * prob[j], 0, 'f', 1));
    }
  }

  Stepper* s_;
  std::vector<Grid> grids_;
  mutable bool elided_ = false;
  bool wrapped_ = false; // the last layout needed more than one row
  bool widestDirty_ = true;
  std::vector<QString> widest_; // per grid, see findWidest
  mutable int smallestDigits_ = 1000;
};

// ---- the stepper -----------------------------------------------------------------------

Stepper::Stepper(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  setObjectName("stepper");
  modeBox_ = new QComboBox;
  modeBox_->addItems({tr("Convolution"), tr("ReLU"), tr("Pooling"), tr("Fully connected"), tr("Backward pass")});
  modeBox_->setToolTip(tr("Which operation to step through; the backward pass trains the lecture's small network "
                          "step by step"));
  kernelBox_ = new QComboBox;
  kernelBox_->setToolTip(tr("Which kernel of the bank"));
  channelBox_ = new QSpinBox;
  channelBox_->setPrefix(tr("output channel "));
  channelBox_->setToolTip(tr("A one-block kernel on several channels makes one output channel per input channel"));
  backButton_ = new QPushButton(tr("◀ Back"));
  backButton_->setToolTip(tr("One output cell back (←)"));
  forwardButton_ = new QPushButton(tr("Step ▶"));
  forwardButton_->setToolTip(tr("One output cell forward (→)"));
  playButton_ = new QPushButton(tr("Play"));
  playButton_->setToolTip(tr("Play or pause (Space)"));
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Back to the first cell (Home)"));
  speed_ = new QSlider(Qt::Horizontal);
  speed_->setRange(1, 20);
  speed_->setValue(6);
  speed_->setMaximumWidth(140);
  speed_->setToolTip(tr("Playing speed (cells per second)"));
  positionLabel_ = new QLabel;
  positionLabel_->setObjectName("stepperPosition");
  // Long position texts must not widen the window: the label takes the room that is left.
  positionLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  kernelBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  kernelBox_->setMinimumContentsLength(10);
  for (QWidget* w : {static_cast<QWidget*>(backButton_), static_cast<QWidget*>(forwardButton_),
                     static_cast<QWidget*>(playButton_), static_cast<QWidget*>(resetButton_)})
    w->setFocusPolicy(Qt::NoFocus); // the keys belong to the stepper

  // Two rows, so the stepper fits beside the side panels on a 1280-pixel projector.
  whatRow_ = new QWidget;
  auto* what = new QHBoxLayout(whatRow_);
  what->setContentsMargins(0, 0, 0, 0);
  what->addWidget(modeBox_);
  what->addWidget(kernelBox_);
  what->addWidget(channelBox_);
  what->addStretch();
  speedLabel_ = new QLabel(tr("speed"));
  what->addWidget(speedLabel_);
  what->addWidget(speed_);
  controls_ = new QHBoxLayout;
  auto* controls = controls_;
  controls->addWidget(resetButton_);
  controls->addWidget(backButton_);
  controls->addWidget(forwardButton_);
  controls->addWidget(playButton_);
  controls->addSpacing(12);
  controls->addWidget(positionLabel_, 1);

  formulaLabel_ = new QLabel;
  formulaLabel_->setObjectName("stepperFormula");
  formulaLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  formulaLabel_->setWordWrap(true);
  problemLabel_ = new QLabel;
  problemLabel_->setObjectName("stepperProblem");
  problemLabel_->setWordWrap(true);
  problemLabel_->setStyleSheet("color: #b2182b; font-weight: bold;");

  canvas_ = new StepperCanvas(this);
  canvas_->setObjectName("stepperCanvas");
  scroll_ = new QScrollArea;
  scroll_->setWidget(canvas_);
  scroll_->setBackgroundRole(QPalette::Base);
  arithmetic_ = new QTextBrowser;
  arithmetic_->setObjectName("stepperArithmetic");
  arithmetic_->setMinimumHeight(80);
  // The arithmetic under the grids: its lines are long, and the grids need the width.
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(scroll_);
  split->addWidget(arithmetic_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  split->setSizes({520, 170});
  split_ = split;
  // The grids refit whenever their view changes size (the window, the splitter, a panel).
  scroll_->viewport()->installEventFilter(this);

  auto* layout = new QVBoxLayout(this);
  layout_ = layout;
  layout->addWidget(whatRow_);
  forwardBody_ = new QWidget;
  auto* body = new QVBoxLayout(forwardBody_);
  body->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(forwardBody_, 1);
  backward_ = new BackwardStepper(workspace_);
  backward_->hide();
  layout->addWidget(backward_, 1);
  layout = body;
  layout->addLayout(controls);
  layout->addWidget(formulaLabel_);
  layout->addWidget(problemLabel_);
  hintLabel_ = new QLabel(tr("Cells too small for numbers: F11 presents them full screen, + zooms."));
  hintLabel_->setObjectName("stepperHint");
  hintLabel_->setWordWrap(true);
  hintLabel_->setStyleSheet("color: #555; font-style: italic;");
  hintLabel_->hide();
  layout->addWidget(hintLabel_);
  layout->addWidget(split, 1);

  timer_ = new QTimer(this);
  connect(timer_, &QTimer::timeout, this, [this] {
    if (position_ + 1 >= cellCount())
      togglePlay();
    else
      stepForward();
  });
  connect(speed_, &QSlider::valueChanged, this, [this](int v) { timer_->setInterval(1000 / v); });
  timer_->setInterval(1000 / speed_->value());
  connect(modeBox_, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(static_cast<Mode>(i)); });
  connect(kernelBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i >= 0 && i != kernelIndex_) kernelIndex_ = i, recompute();
  });
  connect(channelBox_, &QSpinBox::valueChanged, this, [this](int v) {
    if (v != outputChannel_) outputChannel_ = v, recompute();
  });
  connect(backButton_, &QPushButton::clicked, this, &Stepper::stepBack);
  connect(forwardButton_, &QPushButton::clicked, this, &Stepper::stepForward);
  connect(playButton_, &QPushButton::clicked, this, &Stepper::togglePlay);
  connect(resetButton_, &QPushButton::clicked, this, &Stepper::reset);
  connect(workspace_, &Workspace::inputChanged, this, &Stepper::recompute);
  connect(workspace_, &Workspace::kernelsChanged, this, &Stepper::recompute);
  connect(workspace_, &Workspace::settingsChanged, this, &Stepper::recompute);
  connect(workspace_, &Workspace::modelChanged, this, &Stepper::recompute);
  recompute();
}

void Stepper::recompute() {
  problem_.clear();
  convOutput_ = Tensor();
  const auto& kernels = workspace_->kernels();
  {
    const QSignalBlocker block(kernelBox_);
    kernelBox_->clear();
    for (const NamedKernel& k : kernels) kernelBox_->addItem(QString::fromStdString(k.name));
    kernelIndex_ = std::clamp(kernelIndex_, 0, std::max(0, int(kernels.size()) - 1));
    kernelBox_->setCurrentIndex(kernelIndex_);
  }
  const Tensor& input = workspace_->input();
  if (kernels.empty()) {
    problem_ = tr("Choose a kernel to step through the convolution.");
  } else {
    try {
      FilterOptions options = workspace_->convolution();
      conv_ = kernelConvolution(kernels[kernelIndex_], input.shape(), options);
      const Shape out = conv2dOutputShape(input.shape(), conv_.weights.shape()[0], conv_.geometry, "convolution");
      convOutput_ = Tensor(out);
      // The reference loops for lecture-sized inputs, so grid and arithmetic agree to the
      // last digit; oneDNN for photos, whose cells are too small to read anyway and whose
      // reference convolution would hold up the GUI thread.
      Backend& backend = input.size() > kReferenceLimit ? static_cast<Backend&>(fast_) : backend_;
      backend.conv2dForward(conv_.geometry, input, conv_.weights, &conv_.bias, convOutput_);
    } catch (const std::invalid_argument& e) {
      problem_ = QString::fromStdString(e.what());
      convOutput_ = Tensor();
    }
  }
  if (!convOutput_.empty()) {
    const int64_t outChannels = convOutput_.shape()[1];
    {
      const QSignalBlocker block(channelBox_);
      channelBox_->setRange(0, int(outChannels - 1));
      outputChannel_ = std::clamp(outputChannel_, 0, int(outChannels - 1));
      channelBox_->setValue(outputChannel_);
      channelBox_->setVisible(outChannels > 1 && mode_ != Mode::FullyConnected && mode_ != Mode::Backward);
    }
    const int64_t inPerGroup = conv_.weights.shape()[1];
    const int64_t first = (outputChannel_ / (outChannels / conv_.geometry.groups)) * inPerGroup;
    inputChannels_.clear();
    for (int64_t i = 0; i < inPerGroup; ++i) inputChannels_.push_back(first + i);
    // ReLU and pooling of the chosen output channel's map.
    const Shape& o = convOutput_.shape();
    Tensor map(Shape{1, 1, o[2], o[3]});
    for (int64_t r = 0; r < o[2]; ++r)
      for (int64_t c = 0; c < o[3]; ++c) map.at(0, 0, r, c) = convOutput_.at(0, outputChannel_, r, c);
    reluOutput_ = Tensor(map.shape());
    backend_.activationForward(ActivationKind::ReLU, 0.0f, map, reluOutput_);
    // Pooling reads the map as the pipeline does: after the chosen activation, if any.
    const ActivationKind act = workspace_->activation();
    if (act == ActivationKind::None) {
      poolInput_ = map;
    } else {
      poolInput_ = Tensor(map.shape());
      backend_.activationForward(act, 0.01f, map, poolInput_); // the pipeline's leaky slope
    }
    pooled_ = Tensor();
    if (mode_ == Mode::Pooling) {
      try {
        pooled_ = Tensor(pool2dOutputShape(poolInput_.shape(), workspace_->pool(), "pooling"));
        backend_.pool2dForward(workspace_->pool(), poolInput_, pooled_);
      } catch (const std::invalid_argument& e) {
        problem_ = QString::fromStdString(e.what());
      }
    }
  }
  if (mode_ == Mode::FullyConnected && problem_.isEmpty()) computeFullyConnected();
  if (!problem_.isEmpty() && mode_ == Mode::Convolution) convOutput_ = Tensor();
  if (mode_ == Mode::FullyConnected && problem_.isEmpty()) {
    outputRows_ = 1, outputColumns_ = int(fcLogits_.size());
  } else if (convOutput_.empty() || !problem_.isEmpty()) {
    outputRows_ = outputColumns_ = 0;
  } else if (mode_ == Mode::Pooling) {
    outputRows_ = int(pooled_.shape()[2]), outputColumns_ = int(pooled_.shape()[3]);
  } else {
    outputRows_ = int(convOutput_.shape()[2]), outputColumns_ = int(convOutput_.shape()[3]);
  }
  position_ = std::clamp(position_, 0, std::max(0, cellCount() - 1));
  if (fittedFor_ != input.shape()) fittedFor_ = input.shape(), autoFit_ = true;
  canvas_->numbersChanged();
  canvas_->relayout();
  if (autoFit_) fitCells();
  updateTexts();
}

void Stepper::computeFullyConnected() {
  fcClasses_.clear();
  if (workspace_->hasModel()) {
    // The model's last fully connected layer, on the input prepared as in training. The
    // pipeline runs the workspace's network on its own thread: this widget loads a copy.
    if (networkPath_ != workspace_->modelPath()) {
      try {
        network_ = std::make_unique<Network>(loadModel(workspace_->modelPath().toStdString()).network);
        networkPath_ = workspace_->modelPath();
      } catch (const std::exception& e) {
        problem_ = QString::fromStdString(e.what());
        return;
      }
    }
    Network& network = *network_;
    int dense = -1;
    for (size_t i = 0; i < network.size(); ++i)
      if (dynamic_cast<const Dense*>(&network.layer(i))) dense = int(i);
    if (dense < 0) {
      problem_ = tr("The model has no fully connected layer.");
      return;
    }
    try {
      network.forward(backend_, preprocessImage(workspace_->input(), workspace_->modelPreprocess()));
    } catch (const std::invalid_argument& e) {
      problem_ = QString::fromStdString(e.what());
      return;
    }
    const auto& layer = dynamic_cast<const Dense&>(network.layer(size_t(dense)));
    const int reads = network.nodes()[size_t(dense)].inputs.front(); // the layer it reads (-1: the input)
    fcInput_ = (reads < 0 ? preprocessImage(workspace_->input(), workspace_->modelPreprocess())
                          : network.output(size_t(reads)))
                   .inLayout(Layout::NCHW);
    fcInput_ = fcInput_.reshaped(Shape{1, fcInput_.size()});
    fcWeights_ = layer.weights();
    fcBias_ = layer.hasBias() ? layer.bias() : Tensor(Shape{layer.outFeatures()});
    fcClasses_ = workspace_->modelClassNames();
    fcSource_ = tr("learned weights of '%1' in %2").arg(QString::fromStdString(layer.name()), workspace_->modelName());
    // Where the layer's inputs come from: flattened maps, or the layer before's values.
    const Layer* before = reads < 0 ? nullptr : &network.layer(size_t(reads));
    fcInputText_ = before && dynamic_cast<const Flatten*>(before)
                       ? tr("flatten: %1 features in channel, row, column order").arg(fcInput_.size())
                       : tr("input: the %1 values of '%2'")
                             .arg(fcInput_.size())
                             .arg(before ? QString::fromStdString(before->name()) : tr("the input"));
  } else {
    // No model: the Feature maps tab's own pipeline (the same spec: every filter, the
    // activation and pooling as set), flattened into its classification stage with its
    // demonstration weights (seeded, so the numbers repeat from lecture to lecture).
    PipelineSpec spec = workspace_->pipelineSpec();
    spec.displaySide = 16; // the stepper reads the numbers, not the rendered maps: render them small
    const Tensor& input = workspace_->input();
    Backend& backend = input.size() > kReferenceLimit ? static_cast<Backend&>(fast_) : backend_;
    const PipelineResult result = runPipeline(backend, input, spec);
    if (!result.error.empty()) {
      problem_ = QString::fromStdString(result.error);
      return;
    }
    const auto flatten = std::find_if(result.stages.begin(), result.stages.end(),
                                      [](const PipelineStage& st) { return st.kind == PipelineStage::Kind::Vector; });
    if (flatten == result.stages.end()) {
      problem_ = tr("The pipeline has no fully connected stage.");
      return;
    }
    fcInput_ = flatten->maps;
    demonstrationWeights(fcInput_.size(), spec.classes, fcWeights_, fcBias_); // the pipeline's own weights
    fcClasses_ = result.classNames;
    fcSource_ = tr("demonstration weights (open a trained model for learned ones)");
    const Tensor& last = (flatten - 1)->maps; // the maps it flattens
    fcInputText_ = tr("flatten: %1 maps × %2×%3 = %4 features (%5), in channel, row, column order")
                       .arg(last.shape()[1])
                       .arg(last.shape()[2])
                       .arg(last.shape()[3])
                       .arg(fcInput_.size())
                       .arg(QString::fromStdString((flatten - 1)->title));
  }
  fcLogits_ = Tensor(Shape{1, fcWeights_.shape()[0]});
  backend_.denseForward(fcInput_, fcWeights_, &fcBias_, fcLogits_);
  fcProbabilities_ = Tensor(fcLogits_.shape());
  backend_.softmaxForward(fcLogits_, fcProbabilities_);
}

QString Stepper::formulaText() const {
  if (mode_ == Mode::FullyConnected)
    return cellCount() ? tr("%1  →  %2 outputs; %3").arg(fcInputText_).arg(cellCount()).arg(fcSource_) : QString();
  const Shape& in = workspace_->input().shape();
  if (workspace_->kernels().empty()) return {};
  const Shape& k =
      workspace_->kernels()[std::min<size_t>(kernelIndex_, workspace_->kernels().size() - 1)].weights.shape();
  if (mode_ == Mode::Pooling) {
    const Pool2DGeometry& g = workspace_->pool();
    if (convOutput_.empty()) return {};
    const Shape& o = convOutput_.shape();
    return (presenter_ ? tr("rows: %1      columns: %2") : tr("rows: %1\ncolumns: %2"))
        .arg(QString::fromStdString(outputSizeFormula({o[2], g.kernelH, g.strideH, g.padTop, g.padBottom, 1})),
             QString::fromStdString(outputSizeFormula({o[3], g.kernelW, g.strideW, g.padLeft, g.padRight, 1})));
  }
  // The geometry as resolved for this input ("same" padding turned into numbers).
  Conv2DGeometry g;
  try {
    g = kernelConvolution(workspace_->kernels()[kernelIndex_], in, workspace_->convolution()).geometry;
  } catch (const std::invalid_argument&) {
    const FilterOptions& o = workspace_->convolution();
    g.kernelH = k[1], g.kernelW = k[2], g.strideH = o.strideH, g.strideW = o.strideW;
    g.dilationH = o.dilationH, g.dilationW = o.dilationW;
    g.padTop = o.padding.top, g.padBottom = o.padding.bottom, g.padLeft = o.padding.left, g.padRight = o.padding.right;
  }
  return (presenter_ ? tr("rows: %1      columns: %2") : tr("rows: %1\ncolumns: %2"))
      .arg(
          QString::fromStdString(outputSizeFormula({in[2], g.kernelH, g.strideH, g.padTop, g.padBottom, g.dilationH})),
          QString::fromStdString(outputSizeFormula({in[3], g.kernelW, g.strideW, g.padLeft, g.padRight, g.dilationW})));
}

QString Stepper::arithmeticText() const {
  if (cellCount() == 0) return {};
  const int r = rowOf(position_), c = columnOf(position_);
  if (mode_ == Mode::Convolution) {
    const ConvExplanation e =
        explainConv2d(conv_.geometry, workspace_->input(), conv_.weights, &conv_.bias, 0, outputChannel_, r, c);
    return QString::fromStdString(explanationText(e)).trimmed(); // no empty last line to scroll to
  }
  if (mode_ == Mode::FullyConnected) {
    // Learned weights are long floats: four digits; demonstration weights read exactly.
    const int digits = workspace_->hasModel() ? 4 : 0;
    const DenseExplanation e = explainDense(fcInput_, fcWeights_, &fcBias_, 0, position_);
    QString text =
        QString::fromStdString(denseExplanationText(e, "z" + outputLabel(position_).toStdString(), 8, digits));
    if (position_ + 1 >= cellCount()) {
      std::vector<std::string> names;
      for (int j = 0; j < cellCount(); ++j) names.push_back("p" + outputLabel(j).toStdString());
      text += "\n\n" + QString::fromStdString(softmaxExplanationText(fcLogits_, fcProbabilities_, names, 4));
    }
    return text;
  }
  if (mode_ == Mode::ReLU) {
    const float v = convOutput_.at(0, outputChannel_, r, c);
    return tr("ReLU at (%1,%2) = max(0, %3) = %4%5")
        .arg(r)
        .arg(c)
        .arg(num(v), num(reluOutput_.at(0, 0, r, c)), v < 0 ? tr("\nnegative: set to zero") : QString());
  }
  return QString::fromStdString(poolExplanationText(explainPool2d(workspace_->pool(), poolInput_, 0, 0, r, c)));
}

void Stepper::updateTexts() {
  formulaLabel_->setText(formulaText());
  problemLabel_->setText(problem_.isEmpty() ? QString() : tr("This does not fit: %1").arg(problem_));
  problemLabel_->setVisible(!problem_.isEmpty());
  updateHint();
  arithmetic_->setPlainText(arithmeticText());
  fitArithmetic();
  positionLabel_->setText(cellCount() ? tr("cell (%1, %2): %3 of %4")
                                            .arg(rowOf(position_))
                                            .arg(columnOf(position_))
                                            .arg(position_ + 1)
                                            .arg(cellCount())
                                      : QString());
  backButton_->setEnabled(position_ > 0);
  forwardButton_->setEnabled(position_ + 1 < cellCount());
  playButton_->setEnabled(cellCount() > 1 || isPlaying()); // nothing to play through when nothing fits
  canvas_->update();
}

void Stepper::setMode(Mode mode) {
  if (mode == mode_) return;
  if (isPlaying()) togglePlay();
  mode_ = mode;
  {
    const QSignalBlocker block(modeBox_);
    modeBox_->setCurrentIndex(static_cast<int>(mode));
  }
  position_ = 0;
  // The kernel bank plays no part in the fully connected stage; the backward pass trains
  // the bank's first kernel.
  kernelBox_->setVisible(mode != Mode::FullyConnected && mode != Mode::Backward);
  const bool backward = mode == Mode::Backward;
  forwardBody_->setVisible(!backward);
  backward_->setVisible(backward);
  speed_->setVisible(!backward && !presenter_);
  speedLabel_->setVisible(!backward && !presenter_);
  placeWhatRow();
  recompute();
}

QString Stepper::className(int j) const {
  return j < int(fcClasses_.size()) ? QString::fromStdString(fcClasses_[size_t(j)]) : tr("class %1").arg(j + 1);
}

void Stepper::setKernelIndex(int index) {
  if (kernelBox_->count() > 0) kernelBox_->setCurrentIndex(std::clamp(index, 0, kernelBox_->count() - 1));
}

void Stepper::setOutputChannel(int channel) { channelBox_->setValue(channel); }

std::vector<Figure> Stepper::figures() const {
  if (mode_ == Mode::Backward) return backward_->figures();
  const int width = std::max(canvas_->width(), 480);
  const QString formula = formulaLabel_->text();
  std::vector<Figure> parts;
  parts.push_back(textFigure(Qt::mightBeRichText(formula) ? formula : formula.toHtmlEscaped().replace('\n', "<br>"), font(), width, {}, {}));
  parts.push_back(widgetFigure(canvas_, {}, {}));
  if (!arithmeticText().isEmpty()) {
    QFont mono = arithmetic_->font();
    parts.push_back(textFigure("<pre>" + arithmeticText().toHtmlEscaped() + "</pre>", mono, width, {}, {}));
  }
  return {stackFigures(parts, "stepper", tr("The stepper: formula, grids and the current cell's arithmetic")),
          widgetFigure(canvas_, "stepper-grids", tr("The stepper's grids alone"))};
}

int Stepper::smallestDigitPixels() const { return canvas_->smallestDigits(); }
bool Stepper::titlesElided() const { return canvas_->labelsElided(); }
bool Stepper::arithmeticFits() const {
  return arithmetic_->verticalScrollBar()->maximum() == 0 && arithmetic_->horizontalScrollBar()->maximum() == 0 &&
         arithmetic_->isVisible() && arithmetic_->height() > 0;
}

bool Stepper::gridsFit() const {
  return scroll_->horizontalScrollBar()->maximum() == 0 && scroll_->verticalScrollBar()->maximum() == 0;
}

QString Stepper::outputLabel(int j) const {
  // Outputs are named by their class when the model has names ("(7)"), else counted from 1.
  return workspace_->hasModel() && j < int(fcClasses_.size())
             ? QStringLiteral("(%1)").arg(QString::fromStdString(fcClasses_[size_t(j)]))
             : QString::number(j + 1);
}

void Stepper::setPosition(int position) {
  position = std::clamp(position, 0, std::max(0, cellCount() - 1));
  position_ = position;
  if (mode_ == Mode::FullyConnected) // the weight row's numbers and title are the output's
    canvas_->numbersChanged(), canvas_->relayout();
  updateTexts();
  // Show the current window and cell; at the fully connected stage's last output, softmax's bars.
  const QRect focus = mode_ == Mode::FullyConnected && position_ + 1 >= cellCount()
                          ? canvas_->lastGridRect()
                          : canvas_->windowRect().united(canvas_->currentRect());
  scroll_->ensureVisible(focus.center().x(), focus.center().y(), focus.width() / 2 + 20, focus.height() / 2 + 20);
  emit positionChanged(position_);
}

void Stepper::stepForward() { mode_ == Mode::Backward ? backward_->stepForward() : setPosition(position_ + 1); }
void Stepper::stepBack() { mode_ == Mode::Backward ? backward_->stepBack() : setPosition(position_ - 1); }

void Stepper::reset() {
  if (mode_ == Mode::Backward) return backward_->reset();
  if (timer_->isActive()) togglePlay();
  setPosition(0);
}

bool Stepper::isPlaying() const { return mode_ == Mode::Backward ? backward_->isPlaying() : timer_->isActive(); }

void Stepper::togglePlay() {
  if (mode_ == Mode::Backward) return backward_->togglePlay();
  if (timer_->isActive()) {
    timer_->stop();
    playButton_->setText(tr("Play"));
  } else {
    if (position_ + 1 >= cellCount()) setPosition(0);
    timer_->start();
    playButton_->setText(tr("Pause"));
  }
}

// Cells that fit the view: numbers for a lecture matrix, a whole photo in small cells
// (zoom in with + to read its numbers). Square cells first; then, when the view is wider
// than the square grids need, wider cells (up to 1.8 times), whose numbers can be larger.
void Stepper::fitCells() {
  const QSize view = scroll_->viewport()->size();
  if (view.width() < 100 || view.height() < 100) return;
  const int largest = presenter_ ? 120 : 64;
  const int smallest = mode_ == Mode::FullyConnected ? 30 : 3; // a vector needs readable cells, not a picture
  const auto fits = [&] { return canvas_->width() <= view.width() - 4 && canvas_->height() <= view.height() - 4; };
  aspect_ = 1.0;
  // The largest square cells whose grids fit (they may wrap into more rows to get there).
  for (cellSize_ = largest; cellSize_ > smallest; --cellSize_) {
    canvas_->relayout();
    if (fits()) break;
  }
  canvas_->relayout();
  for (int round = 0; round < 4 && cellSize_ >= 22; ++round) { // room to spare across: wider cells
    const double spare = double(view.width() - 4) / canvas_->width();
    if (spare < 1.04) break;
    aspect_ = std::min(1.8, aspect_ * (1 + (spare - 1) * 0.9));
    canvas_->relayout();
  }
  while (!fits() && aspect_ > 1.0) aspect_ = std::max(1.0, aspect_ - 0.05), canvas_->relayout();
}

void Stepper::zoomToFit() {
  autoFit_ = true;
  fitCells();
  setPosition(position_);
}

// The arithmetic box holds all of the current cell's lines (wrapped to its width), so the
// final sum is never scrolled away; the grids take the rest. At most half the stepper.
void Stepper::fitArithmetic() {
  if (!split_ || split_->height() < 100) return;
  QTextDocument* doc = arithmetic_->document();
  doc->setTextWidth(arithmetic_->viewport()->width());
  const int frame = arithmetic_->height() - arithmetic_->viewport()->height();
  const int wanted = int(std::ceil(doc->size().height())) + frame + 6;
  const int total = split_->height() - split_->handleWidth();
  const int box = std::clamp(wanted, 60, total / 2);
  if (std::abs(split_->sizes().value(1) - box) > 2) split_->setSizes({total - box, box});
}

void Stepper::setPresenterMode(bool on) {
  presenter_ = on;
  // A style sheet fixes its widget's font when polished: the problem line is sized here.
  problemLabel_->setStyleSheet(on ? "color: #b2182b; font-weight: bold; font-size: 22px;"
                                  : "color: #b2182b; font-weight: bold;");
  // The speed rarely changes in a lecture; the room goes to the grids.
  speed_->setVisible(!on && mode_ != Mode::Backward);
  speedLabel_->setVisible(!on && mode_ != Mode::Backward);
  placeWhatRow();
  backward_->setPresenterMode(on);
  formulaLabel_->setText(formulaText());
  autoFit_ = true;
  canvas_->relayout();
  fitArithmetic();
  fitCells();
  setPosition(position_);
}

// One row of controls instead of two when presenting a forward mode: what is stepped, then
// the buttons. The backward stepper has its own row of controls under the mode.
void Stepper::placeWhatRow() {
  const bool beside = presenter_ && mode_ != Mode::Backward;
  if (beside)
    controls_->insertWidget(0, whatRow_, 0);
  else
    layout_->insertWidget(0, whatRow_);
  whatRow_->layout()->itemAt(3)->spacerItem()->changeSize(beside ? 12 : 0, 0,
                                                          beside ? QSizePolicy::Fixed : QSizePolicy::Expanding);
  whatRow_->layout()->invalidate();
}

// A lecture matrix whose cells came out too small to carry numbers (a photo's never do)
// gets a line saying how to make them larger.
void Stepper::updateHint() {
  const bool show = !presenter_ && cellCount() > 0 && std::min(cellW(), cellSize_) < 22 &&
                    workspace_->input().size() <= kReferenceLimit && mode_ != Mode::FullyConnected;
  if (show == hintLabel_->isVisibleTo(this)) return;
  hintLabel_->setVisible(show);
  fitArithmetic(); // the line takes the room from both
}

bool Stepper::eventFilter(QObject* watched, QEvent* event) {
  if (watched == scroll_->viewport() && event->type() == QEvent::Resize && autoFit_) {
    fitCells();
    updateHint();
    canvas_->update();
  }
  return QWidget::eventFilter(watched, event);
}

// The arithmetic box keeps its lines' height; the grids refit when their view's size
// changes (eventFilter), once.
void Stepper::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  fitArithmetic();
}

void Stepper::setCellSize(int pixels) {
  cellSize_ = std::clamp(pixels, 3, 160);
  aspect_ = 1.0;
  canvas_->relayout();
  setPosition(position_);
}

void Stepper::zoomIn() {
  autoFit_ = false;
  setCellSize(cellSize_ < 12 ? cellSize_ + 2 : cellSize_ * 5 / 4);
}

void Stepper::zoomOut() {
  autoFit_ = false;
  setCellSize(cellSize_ <= 12 ? cellSize_ - 2 : cellSize_ * 4 / 5);
}

} // namespace convscope::ui
