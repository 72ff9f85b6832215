// The stepper's magnifier: when the grids are too large to carry numbers (a photo, a digit
// shown whole) or the window and the output cell cannot both be in view, the lens beside them
// shows the current step at a size a lecture hall reads — the window's cells (and one cell
// around them) with their values and weights, each input channel, and the output cell it
// makes. Its cells carry their grey level or colour as the grids do. It reads the Stepper's
// state (a friend of it) and paints; the Stepper computes.
// Not for: the fully connected or backward modes (their grids are small), computing anything.
#pragma once

#include <QWidget>

namespace convscope::ui {

class Stepper;

class StepperLens : public QWidget {
public:
  explicit StepperLens(Stepper* stepper);
  int smallestDigits() const { return smallestDigits_; } // pixel size of the smallest number last painted
  QSize sizeHint() const override;

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  Stepper* s_;
  mutable int smallestDigits_ = 1000;
};

} // namespace convscope::ui
