// A VAE's latent plane (LatentPlane.h): the held-out digits' mean codes as points coloured by
// their digit, a legend, the axes with ticks; the point under the mouse is reported as it moves
// (hover or drag: decode it live) and a click drops the ends of a walk, A then B.
// Not for: decoding (the Generation page's VAE panel does).
#pragma once

#include <QPointF>
#include <QWidget>

#include <vector>

namespace convscope::ui {

class LatentPlaneView : public QWidget {
  Q_OBJECT
public:
  struct Point {
    double x = 0.0, y = 0.0;
    int label = 0; // 0–9
  };
  explicit LatentPlaneView(QWidget* parent = nullptr);
  // The points, and the plane's square range fitted around them (centred, ±3 when empty).
  void setPoints(std::vector<Point> points, const QString& xLabel, const QString& yLabel);
  const std::vector<Point>& points() const { return points_; }
  double xMin() const { return x0_; }
  double xMax() const { return x1_; }
  double yMin() const { return y0_; }
  double yMax() const { return y1_; }
  // The point the decode shows (a cross), and the walk's ends (A, B; NaN: not set).
  void setCurrent(QPointF plane);
  QPointF current() const { return current_; }
  void setWalk(QPointF a, QPointF b);
  QPointF walkStart() const { return a_; }
  QPointF walkEnd() const { return b_; }
  QPointF toPlane(QPointF widget) const;
  QPointF toWidget(QPointF plane) const;
  void setFontPixels(int pixels);

signals:
  void pointChosen(QPointF plane);  // hover or drag
  void walkChanged(QPointF a, QPointF b);

protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

private:
  QRectF plotRect() const;
  std::vector<Point> points_;
  QString xLabel_, yLabel_;
  double x0_ = -3, x1_ = 3, y0_ = -3, y1_ = 3;
  QPointF current_{0, 0}, a_, b_;
  bool nextIsA_ = true;
  int fontPixels_ = 12;
};

// The ten digits' colours (Tableau 10), shared by the plane and its legend.
QColor digitColour(int label);

} // namespace convscope::ui
