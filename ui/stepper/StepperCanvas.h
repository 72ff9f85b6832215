// The stepper's grids for its four forward modes: the input (padded), the kernels and the
// output of a convolution with the window over the input; ReLU's before and after; pooling's
// window and maximum; the fully connected layer's features, weight row, logits and softmax
// bars. It reads the Stepper's state (a friend of it) and paints; the Stepper computes.
// Not for: the backward mode (BackwardStepper has its own canvas) or computing anything.
#pragma once

#include "engine/core/Tensor.h"

#include <QPoint>
#include <QString>
#include <QWidget>

#include <optional>
#include <utility>
#include <vector>

namespace convscope::ui {

class Stepper;

// The fully connected mode draws this many features as cells; the arithmetic lists more.
constexpr int kShownFeatures = 32;

class StepperCanvas : public QWidget {
public:
  explicit StepperCanvas(Stepper* stepper);

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
  void relayout();
  void numbersChanged(); // the numbers changed (not only the cells): measure the widest again

  std::optional<int> outputCellAt(QPoint pos) const; // the output grid's cell under a point
  QRect currentRect() const;                         // where the current cell is, to scroll it into view
  QRect lastGridRect() const;                        // the fully connected stage's softmax bars
  QRect windowRect() const; // the input window's bounding box (convolution and pooling)

  bool labelsElided() const { return elided_; }          // as last painted
  int smallestDigits() const { return smallestDigits_; } // pixel size of the smallest grid number last painted
  QFont labelFont() const;
  int labelHeightPixels() const;

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

private:
  // Each grid's widest number, so that all its cells use one font size (lecture-sized
  // grids only: a photo's cells are fitted one by one, when they are large enough at all).
  void findWidest();
  void layoutGrids(bool breakBeforeKernels);
  QFont barFont() const;
  int barLabelWidth() const; // the longest class name left of the softmax bars
  const Grid* outputGrid() const;
  // The input cells (row, column in the first grid's coordinates) the current cell reads.
  std::vector<std::pair<int, int>> windowTaps() const;
  // Cells of grid g intersecting the exposed rectangle.
  void visibleRange(const Grid& g, const QRect& exposed, int& r0, int& r1, int& c0, int& c1) const;
  QRect cellRect(const Grid& g, int r, int c) const;
  // A cell with its number as large as the cell allows (a lecture hall reads these: about
  // 0.7 of the cell's height, less when the number is wide) and, in the kernel window, the
  // weight small in the corner like the lecture's subscripts (the number then sits above it).
  void drawCell(QPainter& p, const Grid& g, int r, int c, const QColor& fill, const QString& text,
                const QColor& textColour = Qt::black, const QString& corner = {}) const;
  void outline(QPainter& p, const Grid& g, int r, int c, const QColor& colour, int width) const;
  void paintOutputGrid(QPainter& p, const QRect& exposed, const Grid& out, const Tensor& values,
                       int64_t channel) const;
  void paintConvolution(QPainter& p, const QRect& exposed) const;
  void paintRelu(QPainter& p, const QRect& exposed) const;
  void paintPooling(QPainter& p, const QRect& exposed) const;
  void paintFullyConnected(QPainter& p) const;

  Stepper* s_;
  std::vector<Grid> grids_;
  mutable bool elided_ = false;
  bool wrapped_ = false; // the last layout needed more than one row
  bool widestDirty_ = true;
  std::vector<QString> widest_; // per grid, see findWidest
  mutable int smallestDigits_ = 1000;
};

} // namespace convscope::ui
