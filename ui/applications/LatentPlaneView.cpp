// LatentPlaneView: points, axes, a cross and a walk on a VAE's plane of codes.
#include "ui/applications/LatentPlaneView.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>

namespace convscope::ui {

QColor digitColour(int label) {
  static const QColor colours[10] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                     QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                     QColor(23, 190, 207)};
  return colours[((label % 10) + 10) % 10];
}

LatentPlaneView::LatentPlaneView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(240, 240);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  a_ = b_ = QPointF(nan, nan);
  setToolTip(tr("Each point is a held-out digit's mean code, coloured by the digit. Move the mouse over the plane to "
                "decode the point under it; click twice to set the ends of a walk (A, then B)."));
}

void LatentPlaneView::setPoints(std::vector<Point> points, const QString& xLabel, const QString& yLabel) {
  points_ = std::move(points);
  xLabel_ = xLabel, yLabel_ = yLabel;
  if (points_.empty()) {
    x0_ = y0_ = -3, x1_ = y1_ = 3;
  } else { // the middle 98 % of the points, a margin, a square
    std::vector<double> xs, ys;
    for (const Point& p : points_) xs.push_back(p.x), ys.push_back(p.y);
    const auto quantile = [](std::vector<double> v, double q) {
      std::sort(v.begin(), v.end());
      return v[size_t(q * double(v.size() - 1))];
    };
    const double lx = quantile(xs, 0.01), hx = quantile(xs, 0.99), ly = quantile(ys, 0.01), hy = quantile(ys, 0.99);
    const double half = 0.55 * std::max({hx - lx, hy - ly, 1e-3}), cx = (lx + hx) / 2, cy = (ly + hy) / 2;
    x0_ = cx - half, x1_ = cx + half, y0_ = cy - half, y1_ = cy + half;
  }
  update();
}

void LatentPlaneView::setCurrent(QPointF plane) {
  current_ = plane;
  update();
}

void LatentPlaneView::setWalk(QPointF a, QPointF b) {
  a_ = a, b_ = b;
  update();
}

void LatentPlaneView::setFontPixels(int pixels) {
  fontPixels_ = pixels;
  update();
}

QRectF LatentPlaneView::plotRect() const {
  const double left = fontPixels_ * 3.2, bottom = fontPixels_ * 2.6, legend = fontPixels_ * 2.8;
  const double side = std::max(50.0, std::min(width() - left - legend - 8, height() - bottom - 8));
  return {left, 6, side, side};
}

QPointF LatentPlaneView::toPlane(QPointF w) const {
  const QRectF r = plotRect();
  return {x0_ + (w.x() - r.left()) / r.width() * (x1_ - x0_), y1_ - (w.y() - r.top()) / r.height() * (y1_ - y0_)};
}

QPointF LatentPlaneView::toWidget(QPointF v) const {
  const QRectF r = plotRect();
  return {r.left() + (v.x() - x0_) / (x1_ - x0_) * r.width(), r.top() + (y1_ - v.y()) / (y1_ - y0_) * r.height()};
}

void LatentPlaneView::mouseMoveEvent(QMouseEvent* event) {
  if (!plotRect().contains(event->position())) return;
  current_ = toPlane(event->position());
  update();
  emit pointChosen(current_);
}

void LatentPlaneView::mousePressEvent(QMouseEvent* event) {
  if (!plotRect().contains(event->position()) || event->button() != Qt::LeftButton) return;
  const QPointF at = toPlane(event->position());
  (nextIsA_ ? a_ : b_) = at;
  nextIsA_ = !nextIsA_;
  current_ = at;
  update();
  emit pointChosen(at);
  emit walkChanged(a_, b_);
}

void LatentPlaneView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  QFont font = p.font();
  font.setPixelSize(fontPixels_);
  p.setFont(font);
  const QRectF r = plotRect();
  p.fillRect(r, palette().color(QPalette::Base));
  p.setPen(palette().color(QPalette::Mid));
  p.drawRect(r);
  // Ticks: a round step giving about five.
  const double span = x1_ - x0_;
  const double raw = span / 5, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / magnitude < 2 ? 2 * magnitude : raw / magnitude < 5 ? 5 * magnitude : 10 * magnitude;
  p.setPen(palette().color(QPalette::Text));
  for (double t = std::ceil(x0_ / step) * step; t <= x1_ + 1e-9; t += step) {
    const double x = toWidget({t, 0}).x();
    p.drawLine(QPointF(x, r.bottom()), QPointF(x, r.bottom() + 4));
    p.drawText(QRectF(x - 40, r.bottom() + 4, 80, fontPixels_ + 4), Qt::AlignHCenter | Qt::AlignTop,
               QString::number(std::abs(t) < 1e-9 ? 0.0 : t, 'g', 3).replace('-', QChar(0x2212)));
  }
  for (double t = std::ceil(y0_ / step) * step; t <= y1_ + 1e-9; t += step) {
    const double y = toWidget({0, t}).y();
    p.drawLine(QPointF(r.left() - 4, y), QPointF(r.left(), y));
    p.drawText(QRectF(0, y - fontPixels_, r.left() - 6, 2 * fontPixels_), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(std::abs(t) < 1e-9 ? 0.0 : t, 'g', 3).replace('-', QChar(0x2212)));
  }
  p.drawText(QRectF(r.left(), r.bottom() + fontPixels_ + 6, r.width(), fontPixels_ + 6), Qt::AlignCenter, xLabel_);
  p.save();
  p.translate(fontPixels_ * 0.2, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-r.height() / 2, 0, r.height(), fontPixels_ + 4), Qt::AlignCenter, yLabel_);
  p.restore();
  // The points, clipped to the plot.
  p.save();
  p.setClipRect(r);
  p.setPen(Qt::NoPen);
  const double radius = std::max(1.5, r.width() / 220);
  for (const Point& pt : points_) {
    QColor c = digitColour(pt.label);
    c.setAlpha(170);
    p.setBrush(c);
    p.drawEllipse(toWidget({pt.x, pt.y}), radius, radius);
  }
  // The walk, then the cross.
  if (!std::isnan(a_.x())) {
    p.setPen(QPen(palette().color(QPalette::Text), 2));
    if (!std::isnan(b_.x())) p.drawLine(toWidget(a_), toWidget(b_));
    for (const auto& [end, name] : {std::pair{a_, QStringLiteral("A")}, std::pair{b_, QStringLiteral("B")}}) {
      if (std::isnan(end.x())) continue;
      const QPointF w = toWidget(end);
      p.setBrush(palette().color(QPalette::Base));
      p.drawEllipse(w, fontPixels_ * 0.7, fontPixels_ * 0.7);
      p.drawText(QRectF(w.x() - fontPixels_, w.y() - fontPixels_, 2 * fontPixels_, 2 * fontPixels_), Qt::AlignCenter, name);
    }
  }
  const QPointF c = toWidget(current_);
  p.setPen(QPen(Qt::black, 3));
  p.drawLine(c - QPointF(9, 0), c + QPointF(9, 0));
  p.drawLine(c - QPointF(0, 9), c + QPointF(0, 9));
  p.setPen(QPen(Qt::white, 1.5));
  p.drawLine(c - QPointF(8, 0), c + QPointF(8, 0));
  p.drawLine(c - QPointF(0, 8), c + QPointF(0, 8));
  p.restore();
  // The legend: a coloured dot and the digit, one a line.
  const double lx = r.right() + 10, lh = std::min(fontPixels_ * 1.5, r.height() / 10);
  for (int k = 0; k < 10; ++k) {
    const double y = r.top() + k * lh;
    p.setPen(Qt::NoPen);
    p.setBrush(digitColour(k));
    p.drawEllipse(QPointF(lx + 5, y + lh / 2), 5, 5);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(lx + 13, y, fontPixels_ * 1.5, lh), Qt::AlignLeft | Qt::AlignVCenter, QString::number(k));
  }
}

} // namespace convscope::ui
