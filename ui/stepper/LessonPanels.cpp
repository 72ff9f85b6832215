#include "ui/stepper/LessonPanels.h"
#include "ui/core/Text.h"
#include "ui/stepper/GridCells.h"

#include <QHBoxLayout>
#include <QPaintEvent>
#include <QPainter>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

using namespace cells;

namespace {
// ColorBrewer's Paired: twelve colours that stay apart on a projector; the kernel's taps
// take them in order (a larger kernel reuses them).
const QColor kTapColours[] = {{166, 206, 227}, {31, 120, 180}, {178, 223, 138}, {51, 160, 44},
                              {251, 154, 153}, {227, 26, 28},  {253, 191, 111}, {255, 127, 0},
                              {202, 178, 214}, {106, 61, 154}, {255, 255, 153}, {177, 89, 40}};
QColor tapColour(int tap) { return kTapColours[size_t(tap) % std::size(kTapColours)]; }

QFont pixelFont(const QFont& base, int pixels, bool bold = false) {
  QFont f = base;
  f.setPixelSize(pixels);
  f.setBold(bold);
  return f;
}

// A sentence at y, wrapped to the width; returns the y under it.
int paragraph(QPainter& p, const QString& text, int x, int y, int width, const QFont& font) {
  p.setFont(font);
  p.setPen(Qt::black);
  const QRect box = p.fontMetrics().boundingRect(QRect(x, y, width, 2000), Qt::TextWordWrap, text);
  p.drawText(QRect(x, y, width, box.height()), Qt::TextWordWrap, text);
  return y + box.height() + 6;
}
} // namespace

// ---- convolution as a matrix ------------------------------------------------------------

MatrixPanel::MatrixPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("matrixPanel");
  setToolTip(tr("The convolution as a fully connected layer: a row per output cell, a column per input cell; each "
                "row holds the kernel's weights (same colours) where its window lies, zeros (white) elsewhere"));
  setMinimumWidth(320);
}

void MatrixPanel::showConvolution(const Conv2DGeometry& g, const Tensor& input, const Tensor& weights, float bias,
                       int64_t outChannel, const Tensor& convOutput, int row) {
  matrix_.reset();
  difference_ = 0;
  row_ = row;
  try {
    matrix_ = convolutionMatrix(g, input.shape(), weights, outChannel);
    const Shape& w = weights.shape();
    kernel_ = Tensor(Shape{w[1], w[2], w[3]});
    std::copy_n(weights.data() + outChannel * w[1] * w[2] * w[3], kernel_.size(), kernel_.data());
    ReferenceBackend backend;
    const Shape& o = convOutput.shape();
    const Tensor y = convolveAsMatrix(backend, *matrix_, input, bias, o[2], o[3]);
    for (int64_t r = 0; r < o[2]; ++r)
      for (int64_t c = 0; c < o[3]; ++c)
        difference_ = std::max(difference_, std::fabs(y.at(0, 0, r, c) - convOutput.at(0, outChannel, r, c)));
    const ConvolutionMatrix& m = *matrix_;
    summary_ = tr("M is %1 × %2 (an output cell a row, an input cell a column): %3 of its %4 entries hold a weight "
                  "(%5 %), and every row holds the same %6 weights — sparse, and shared. M·x + b gives the "
                  "convolution's %1 outputs (largest difference %7).")
                   .arg(m.rows)
                   .arg(m.columns)
                   .arg(m.nonZero)
                   .arg(m.rows * m.columns)
                   .arg(100.0 * double(m.nonZero) / double(m.rows * m.columns), 0, 'f', 1)
                   .arg(m.weightsPerRow)
                   .arg(numberText(difference_));
  } catch (const std::invalid_argument& e) {
    summary_ = tr("The convolution as a matrix: %1").arg(QString::fromStdString(e.what()));
  }
  update();
}

void MatrixPanel::setRow(int row) {
  row_ = row;
  update();
}

void MatrixPanel::setPresenterMode(bool on) {
  presenter_ = on;
  update();
}

void MatrixPanel::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(250, 250, 250));
  const int pad = 10, width = this->width() - 2 * pad;
  int y = pad;
  y = paragraph(p, tr("Convolution as a fully connected layer"), pad, y, width, pixelFont(font(), presenter_ ? 24 : 14, true));
  if (!matrix_) {
    paragraph(p, summary_, pad, y, width, pixelFont(font(), presenter_ ? 22 : 13));
    return;
  }
  const ConvolutionMatrix& m = *matrix_;
  // The kernel (its first input channel) in the taps' colours, numbers large.
  const Shape& k = kernel_.shape();
  const int cell = std::clamp(std::min(width / int(k[2] + 1), presenter_ ? 64 : 44), 24, presenter_ ? 64 : 44);
  QString widest;
  for (int64_t i = 0; i < k[1] * k[2]; ++i)
    if (weightText(kernel_.data()[i]).size() > widest.size()) widest = weightText(kernel_.data()[i]);
  const int digits = fittedPixelSize(font(), widest, cell, presenter_ ? 30 : 18);
  for (int64_t i = 0; i < k[1]; ++i)
    for (int64_t j = 0; j < k[2]; ++j) {
      const QRect r(pad + int(j) * cell, y + int(i) * cell, cell, cell);
      const QColor fill = tapColour(int(i * k[2] + j));
      drawCell(p, r, fill, presenter_, weightText(kernel_.data()[i * k[2] + j]), digits, isDark(fill) ? Qt::white : Qt::black);
    }
  p.setFont(pixelFont(font(), presenter_ ? 22 : 13));
  p.setPen(Qt::black);
  p.drawText(QRect(pad + int(k[2]) * cell + 10, y, width - int(k[2]) * cell - 10, int(k[1]) * cell),
             Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap,
             k[0] > 1 ? tr("kernel (channel 1 of %1; the others follow in M's columns)").arg(k[0]) : tr("kernel"));
  y += int(k[1]) * cell + 10;
  // The summary under the matrix: measure it first.
  const QFont text = pixelFont(font(), presenter_ ? 22 : 13);
  const int summaryHeight =
      QFontMetrics(text).boundingRect(QRect(0, 0, width, 2000), Qt::TextWordWrap, summary_).height() + 8;
  const int available = height() - y - summaryHeight - pad;
  const double side = std::min(double(width) / double(m.columns), double(available) / double(m.rows));
  if (side <= 0) return;
  const QRectF area(pad, y, side * double(m.columns), side * double(m.rows));
  p.fillRect(area, Qt::white);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.columns; ++c) {
      const int tap = m.tap[size_t(r * m.columns + c)];
      if (tap < 0) continue;
      p.fillRect(QRectF(area.left() + double(c) * side, area.top() + double(r) * side, side, side),
                 tapColour(tap % int(k[1] * k[2])));
    }
  if (side >= 5) { // the grid, where it does not drown the colours
    p.setPen(QPen(QColor(215, 215, 215), 1));
    for (int64_t r = 0; r <= m.rows; ++r)
      p.drawLine(QPointF(area.left(), area.top() + double(r) * side), QPointF(area.right(), area.top() + double(r) * side));
    for (int64_t c = 0; c <= m.columns; ++c)
      p.drawLine(QPointF(area.left() + double(c) * side, area.top()), QPointF(area.left() + double(c) * side, area.bottom()));
  }
  p.setPen(QPen(QColor(90, 90, 90), 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(area);
  if (row_ >= 0 && row_ < m.rows) { // the current output cell's row
    p.setPen(QPen(kCurrent, 3));
    p.drawRect(QRectF(area.left() - 2, area.top() + double(row_) * side - 2, area.width() + 4, side + 4));
  }
  paragraph(p, summary_, pad, int(area.bottom()) + 8, width, text);
}

// ---- pooling and a shift ----------------------------------------------------------------

ShiftPanel::ShiftPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("shiftPanel");
  setToolTip(tr("Pooling's tolerance of small shifts: the map moved by a pixel (the arrows), pooled, beside the "
                "original's pooled map; the cells that did not change are outlined blue, those that did orange"));
  setMinimumWidth(320);
  auto* buttons = new QHBoxLayout;
  const auto arrow = [&](Qt::ArrowType type, int dy, int dx, const QString& tip) {
    auto* b = new QToolButton;
    b->setArrowType(type);
    b->setToolTip(tip);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QToolButton::clicked, this, [this, dy, dx] { setShift(std::clamp(dy_ + dy, -2, 2), std::clamp(dx_ + dx, -2, 2)); });
    buttons->addWidget(b);
    return b;
  };
  left_ = arrow(Qt::LeftArrow, 0, -1, tr("Shift one pixel further left"));
  right_ = arrow(Qt::RightArrow, 0, 1, tr("Shift one pixel further right"));
  up_ = arrow(Qt::UpArrow, -1, 0, tr("Shift one pixel further up"));
  down_ = arrow(Qt::DownArrow, 1, 0, tr("Shift one pixel further down"));
  buttons->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 6, 10, 6);
  layout->addLayout(buttons);
  layout->addStretch(1);
}

void ShiftPanel::showMap(const Tensor& map, const Pool2DGeometry& pool) {
  map_ = map;
  pool_ = pool;
  recompute();
}

void ShiftPanel::setShift(int dy, int dx) {
  dy_ = dy, dx_ = dx;
  recompute();
}

void ShiftPanel::setPresenterMode(bool on) {
  presenter_ = on;
  for (QToolButton* b : {left_, right_, up_, down_}) b->setFixedSize(on ? QSize(48, 40) : QSize(28, 24));
  update();
}

void ShiftPanel::recompute() {
  comparison_.reset();
  const auto words = [](int n, const QString& one, const QString& many) {
    return n == 0 ? QString() : QStringLiteral("%1 %2").arg(std::abs(n)).arg(std::abs(n) == 1 ? one : many);
  };
  QStringList parts;
  if (dy_) parts << words(dy_, dy_ > 0 ? tr("pixel down") : tr("pixel up"), dy_ > 0 ? tr("pixels down") : tr("pixels up"));
  if (dx_)
    parts << words(dx_, dx_ > 0 ? tr("pixel right") : tr("pixel left"), dx_ > 0 ? tr("pixels right") : tr("pixels left"));
  const QString shift = parts.isEmpty() ? tr("not shifted") : tr("shifted %1").arg(parts.join(tr(" and ")));
  try {
    if (map_.empty()) throw std::invalid_argument("no map to pool");
    ReferenceBackend backend;
    comparison_ = compareShifted(backend, map_, pool_, dy_, dx_);
    const ShiftComparison& c = *comparison_;
    summary_ = tr("The map %1: %2 of its %3 cells changed, but %4 of the %5 pooled values did not (outlined blue; orange: changed).")
                   .arg(shift)
                   .arg(c.changedInput)
                   .arg(map_.size())
                   .arg(c.same)
                   .arg(c.pooled.size());
  } catch (const std::invalid_argument& e) {
    summary_ = tr("Pooling a shifted map: %1").arg(QString::fromStdString(e.what()));
  }
  update();
}

void ShiftPanel::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(250, 250, 250));
  const int pad = 10, width = this->width() - 2 * pad;
  int y = 44; // under the arrows
  y = paragraph(p, tr("Pooling after a shift"), pad, y, width, pixelFont(font(), presenter_ ? 24 : 14, true));
  const QFont text = pixelFont(font(), presenter_ ? 22 : 13);
  if (!comparison_) {
    paragraph(p, summary_, pad, y, width, text);
    return;
  }
  const ShiftComparison& c = *comparison_;
  const Shape& s = c.shifted.shape();
  const Shape& o = c.pooled.shape();
  const int summaryHeight =
      QFontMetrics(text).boundingRect(QRect(0, 0, width, 2000), Qt::TextWordWrap, summary_).height() + 8;
  const int labels = QFontMetrics(text).height() + 4;
  // The shifted map on top, the two pooled maps side by side under it.
  const int available = height() - y - summaryHeight - 2 * labels - pad - 12;
  const int cell = std::max(2, std::min({width / int(s[3]), available * 2 / 3 / int(s[2]),
                                         width / int(2 * o[3] + 1), presenter_ ? 64 : 44}));
  const int pooledCell = std::max(2, std::min({(width - 16) / int(2 * o[3]), (available - cell * int(s[2])) / int(o[2]),
                                               presenter_ ? 80 : 56}));
  // One grey scale over everything drawn (a sum pooling's values exceed the map's).
  float lo = map_.data()[0], hi = lo;
  for (const Tensor* t : std::initializer_list<const Tensor*>{&map_, &c.shifted, &c.pooled, &c.shiftedPooled})
    for (float v : t->values()) lo = std::min(lo, v), hi = std::max(hi, v);
  const auto grey = [&](float v) {
    const int g = hi > lo ? std::clamp(int(std::lround(255.0 * (v - lo) / (hi - lo))), 0, 255) : 255;
    return QColor(g, g, g);
  };
  const auto label = [&](const QString& t, int x, int yy, int w) {
    p.setFont(text);
    p.setPen(Qt::black);
    p.drawText(QRect(x, yy, w, labels), Qt::AlignLeft | Qt::AlignVCenter, t);
  };
  label(tr("the map, shifted"), pad, y, width);
  y += labels;
  const bool numbers = cell >= 22;
  const int digits = fittedPixelSize(font(), numberText(hi), cell, presenter_ ? 28 : 16);
  for (int64_t r = 0; r < s[2]; ++r)
    for (int64_t k = 0; k < s[3]; ++k) {
      const QColor fill = grey(c.shifted.at(0, 0, r, k));
      drawCell(p, QRect(pad + int(k) * cell, y + int(r) * cell, cell, cell), fill, presenter_,
               numbers ? numberText(c.shifted.at(0, 0, r, k)) : QString(), numbers ? digits : 0,
               isDark(fill) ? Qt::white : Qt::black);
    }
  y += int(s[2]) * cell + 12;
  const int half = int(o[3]) * pooledCell + 16;
  label(tr("pooled"), pad, y, half);
  label(tr("pooled after the shift"), pad + half, y, width - half);
  y += labels;
  const int pooledDigits = fittedPixelSize(font(), numberText(hi), pooledCell, presenter_ ? 30 : 18);
  for (int64_t r = 0; r < o[2]; ++r)
    for (int64_t k = 0; k < o[3]; ++k) {
      const size_t i = size_t(r * o[3] + k);
      const QRect before(pad + int(k) * pooledCell, y + int(r) * pooledCell, pooledCell, pooledCell);
      const QRect after = before.translated(half, 0);
      const bool readable = pooledCell >= 22;
      drawCell(p, before, grey(c.pooled.data()[i]), presenter_, readable ? numberText(c.pooled.data()[i]) : QString(),
               readable ? pooledDigits : 0, isDark(grey(c.pooled.data()[i])) ? Qt::white : Qt::black);
      drawCell(p, after, grey(c.shiftedPooled.data()[i]), presenter_,
               readable ? numberText(c.shiftedPooled.data()[i]) : QString(), readable ? pooledDigits : 0,
               isDark(grey(c.shiftedPooled.data()[i])) ? Qt::white : Qt::black);
      // Blue: the same after the shift; orange: changed (a colour-blind safe pair).
      outlineCell(p, after, c.unchanged[i] ? QColor(33, 102, 172) : kCurrent, pooledCell >= 12 ? 3 : 1);
    }
  y += int(o[2]) * pooledCell + 10;
  paragraph(p, summary_, pad, y, width, text);
}

} // namespace convscope::ui
