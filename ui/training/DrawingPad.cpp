// DrawingPad: strokes on a 280x280 canvas and MNIST-style preparation.
#include "ui/training/DrawingPad.h"

#include <QMouseEvent>
#include <QPainter>

#include <cmath>

namespace convscope::ui {

namespace {
constexpr int kCanvas = 280;
}

DrawingPad::DrawingPad(QWidget* parent) : QWidget(parent), canvas_(kCanvas, kCanvas, QImage::Format_Grayscale8) {
  setObjectName("drawingPad");
  setToolTip(tr("Draw a digit with the mouse; the network reads it as you draw"));
  setMinimumSize(140, 140);
  canvas_.fill(Qt::black);
}

void DrawingPad::clear() {
  canvas_.fill(Qt::black);
  update();
  emit changed();
}

bool DrawingPad::isEmpty() const {
  for (int y = 0; y < kCanvas; ++y) {
    const uchar* row = canvas_.constScanLine(y);
    for (int x = 0; x < kCanvas; ++x)
      if (row[x]) return false;
  }
  return true;
}

void DrawingPad::drawStroke(QPointF from, QPointF to) {
  QPainter p(&canvas_);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(Qt::white, 22, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  const double sx = double(kCanvas) / std::max(1, width()), sy = double(kCanvas) / std::max(1, height());
  p.drawLine(QPointF(from.x() * sx, from.y() * sy), QPointF(to.x() * sx, to.y() * sy));
  update();
  emit changed();
}

void DrawingPad::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.drawImage(rect(), canvas_);
  if (isEmpty()) {
    p.setPen(Qt::gray);
    p.drawText(rect(), Qt::AlignCenter, tr("draw a digit"));
  }
}

void DrawingPad::mousePressEvent(QMouseEvent* event) {
  last_ = event->position();
  drawStroke(last_, last_);
}

void DrawingPad::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton)) return;
  drawStroke(last_, event->position());
  last_ = event->position();
}

Tensor DrawingPad::digit() const {
  Tensor out(Shape{1, 1, 28, 28});
  int x0 = kCanvas, y0 = kCanvas, x1 = -1, y1 = -1;
  for (int y = 0; y < kCanvas; ++y) {
    const uchar* row = canvas_.constScanLine(y);
    for (int x = 0; x < kCanvas; ++x)
      if (row[x]) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  if (x1 < 0) return out;
  // The bounding box into 20x20, keeping the aspect ratio.
  const QImage box = canvas_.copy(x0, y0, x1 - x0 + 1, y1 - y0 + 1)
                         .scaled(20, 20, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                         .convertToFormat(QImage::Format_Grayscale8);
  double mass = 0, cx = 0, cy = 0;
  for (int y = 0; y < box.height(); ++y)
    for (int x = 0; x < box.width(); ++x) {
      const double v = box.constScanLine(y)[x];
      mass += v, cx += v * x, cy += v * y;
    }
  // Place it so that its centre of mass sits at the image centre (14, 14).
  const int left = std::clamp(int(std::lround(14 - (mass > 0 ? cx / mass : box.width() / 2.0))), 0, 28 - box.width());
  const int top = std::clamp(int(std::lround(14 - (mass > 0 ? cy / mass : box.height() / 2.0))), 0, 28 - box.height());
  for (int y = 0; y < box.height(); ++y)
    for (int x = 0; x < box.width(); ++x) out.at(0, 0, top + y, left + x) = box.constScanLine(y)[x];
  return out;
}

} // namespace convscope::ui
