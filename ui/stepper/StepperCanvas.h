// The stepper's grids for its four forward modes: the input (padded), the kernels and the
// output of a convolution with the window over the input; the activation's before and after; pooling's
// window and maximum; the fully connected layer's features, weight row, logits and softmax
// bars. It reads the Stepper's state (a friend of it) and paints; the Stepper computes.
// Not for: the backward mode (BackwardStepper has its own canvas) or computing anything.
#pragma once

#include "engine/core/Tensor.h"

#include <QImage>
#include <QPoint>
#include <QString>
#include <QWidget>

#include <optional>
#include <utility>
#include <vector>

namespace convscope::ui {

class Stepper;

// The fully connected mode draws this many features as cells (presenting, 12); the
// arithmetic lists more.
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

  // The fill a cell of grid g is painted with (its value as a grey level for an input, on the
  // map's colour scale for an output): for tests.
  QColor valueColour(int grid, int row, int column) const;
  int gridCount() const { return int(grids_.size()); }
  QRect gridRect(int grid) const;

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
  // Each grid's values as an image on its own scale (renderMap: the feature maps' palette):
  // the cells' fills, and the whole grid at once when its cells are too small to draw one by one.
  void renderImages();
  // The image of grid g (null for the kernels and the fully connected grids) and the
  // input cell (row, column) a grid cell shows (padding: outside the image).
  const QImage* imageOf(int grid) const;
  QPoint imageCell(int grid, int row, int column) const;
  QColor fillOf(int grid, int row, int column, const QColor& otherwise) const;
  // Paints grid g's image over its cells, scaled (cells too small for frames and numbers);
  // `done`: how many cells (row-major) are computed, the rest left white; −1 all.
  void paintImage(QPainter& p, int grid, int done = -1) const;
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
  // The number's colour follows the fill (white on a dark cell) unless textColour is given.
  void drawCell(QPainter& p, const Grid& g, int r, int c, const QColor& fill, const QString& text,
                const QColor& textColour = QColor(), const QString& corner = {}) const;
  void outline(QPainter& p, const Grid& g, int r, int c, const QColor& colour, int width) const;
  bool tiny() const; // cells too small for frames: grids painted as images
  void paintOutputGrid(QPainter& p, const QRect& exposed, int grid, const Tensor& values, int64_t channel) const;
  void paintMap(QPainter& p, const QRect& exposed, int grid, const Tensor& values, int64_t channel) const;
  void paintConvolution(QPainter& p, const QRect& exposed) const;
  void paintActivation(QPainter& p, const QRect& exposed) const;
  void paintPooling(QPainter& p, const QRect& exposed) const;
  void paintFullyConnected(QPainter& p) const;
  int shownFeatures() const;  // the fully connected mode's feature cells
  int featuresPerRow() const; // and how many a row

  Stepper* s_;
  std::vector<Grid> grids_;
  mutable bool elided_ = false;
  bool wrapped_ = false; // the last layout needed more than one row
  bool widestDirty_ = true;
  std::vector<QString> widest_; // per grid, see findWidest
  std::vector<QImage> images_;  // per grid, see renderImages
  mutable int smallestDigits_ = 1000;
};

} // namespace convscope::ui
