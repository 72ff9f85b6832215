// The activation slide's plot beside the stepper's activation mode: the chosen function drawn
// bold, the lecture's others (ReLU, leaky ReLU, tanh, sigmoid, ReLU6) faint for comparison,
// and the current cell's input x and output y marked on it. Every point of the curves comes
// from the reference backend's activationForward, the function the grids are stepped with.
// Drag and wheel zoom; the export dialog takes it as a figure (Stepper::figures).
// Not for: computing the map (the Stepper does).
#pragma once

#include "engine/core/Geometry.h"

#include <qcustomplot.h>

namespace convscope::ui {

class ActivationPlot : public QCustomPlot {
  Q_OBJECT
public:
  explicit ActivationPlot(QWidget* parent = nullptr);

  // The function and the current cell's point; the x range covers −4…4 and the point.
  void setPoint(ActivationKind kind, float alpha, float x, float y);
  void setPresenterMode(bool on); // ticks and labels at 24 px and more
  ActivationKind shownKind() const { return kind_; }
  QPointF shownPoint() const { return point_; }

private:
  void redraw();
  ActivationKind kind_ = ActivationKind::ReLU;
  float alpha_ = 0.01f;
  QPointF point_;
  bool presenter_ = false;
};

} // namespace convscope::ui
