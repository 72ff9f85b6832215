// Panels of numbers, for the steppers that lay out their own grids: the backward pass
// (BackwardStepper) and the transposed convolution (TransposedStepper). A panel is a titled
// grid of values; it says which cells have their numbers yet, which the current step reads
// (highlighted), the current cell (outlined), cells that are only zeros of padding or
// inserted between inputs (muted), and whether its values are signed (gradients: blue below
// zero, orange above) or counts on a heat scale (the transposed convolution's overlap).
// The canvas picks the largest cells at which every panel fits its view, flowing left to
// right; a click on a cell is reported.
// Not for: the forward stepper's grids (StepperCanvas: images, windows, lenses).
#pragma once

#include <QPoint>
#include <QString>
#include <QWidget>

#include <functional>
#include <vector>

class QScrollArea;

namespace convscope::ui {

struct Panel {
  QString title;
  int rows = 0, columns = 0;
  std::vector<float> values;
  int shown = -1; // cells with numbers, row by row; -1: all
  std::vector<int> highlighted;
  int current = -1;
  bool signedTint = false; // gradients: blue below zero, orange above
  // Counts on a sequential scale (white to dark blue over 0 … the panel's largest), printed
  // as whole numbers.
  bool heat = false;
  std::vector<int> muted; // zeros of padding or insertion: grey, their number grey
  std::vector<char> blank; // per cell, when not empty: 1 leaves the cell without its number (not reached yet)
  int selected = -1;       // the cell the user chose (a dark outline)
  double aspect = 0;       // its cells' width over their height; 0: the canvas's
};

class PanelCanvas : public QWidget {
public:
  // `panels` and `view` belong to the stepper that owns the canvas; aspect: a cell's width
  // over its height.
  PanelCanvas(const std::vector<Panel>* panels, QScrollArea* view, double aspect, QWidget* parent = nullptr);

  // The largest cells (up to 110 px tall presenting, 72 otherwise) whose panels, flowing left
  // to right and wrapping at the view's width, fit the view's height; at least 18 px.
  void relayout();
  void setPresenterMode(bool on);
  void setAspect(double aspect) { aspect_ = aspect; } // takes effect at the next relayout
  // Presenting, cells at least this tall even when the panels then need scrolling (the
  // digits a lecture hall reads); 18 otherwise.
  void setSmallestPresentingCell(int pixels) { smallestPresenting_ = pixels; }
  int cellHeight() const { return cellH_; }
  QRect cellRect(int panel, int cell) const; // where a panel's cell is, in the canvas
  int smallestDigits() const { return smallestDigits_; } // pixel size of the smallest number last painted
  std::function<void(int panel, int cell)> onCellClicked;

protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* event) override;

private:
  QFont titleFont() const;
  int titleHeight() const;
  QSize layoutFor(int ch, int width); // places the panels for cells ch tall; the size they take
  int cellWidth(const Panel& panel, int ch) const;

  const std::vector<Panel>* panels_;
  QScrollArea* view_;
  double aspect_;
  bool presenter_ = false;
  std::vector<QPoint> origins_;
  int cellH_ = 40;
  int smallestPresenting_ = 18;
  mutable int smallestDigits_ = 1000;
};

} // namespace convscope::ui
