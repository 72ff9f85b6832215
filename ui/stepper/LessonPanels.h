// Two panels beside the stepper's grids for the lecture's claims, on the numbers stepped:
//   MatrixPanel (convolution mode): the convolution as a fully connected layer — its matrix
//     M, a row per output cell and a column per input cell, each entry coloured by the kernel
//     weight it holds (white: zero), the current cell's row outlined; the kernel beside it in
//     the same colours; M·x + b checked against the convolution's output.
//   ShiftPanel (pooling mode): the map shifted by a pixel (the arrows choose the shift),
//     pooled, beside the original's pooled map; the pooled cells that did not change marked.
// Each computes with engine/lessons/ConvolutionLessons.h and paints; the Stepper shows and
// hides them.
// Not for: stepping (the Stepper) or the grids (StepperCanvas).
#pragma once

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/lessons/ConvolutionLessons.h"

#include <QWidget>

#include <optional>

class QLabel;
class QToolButton;

namespace convscope::ui {

class MatrixPanel : public QWidget {
public:
  explicit MatrixPanel(QWidget* parent = nullptr);
  // The convolution stepped: its geometry, the input (1, C, H, W), weights (C_out, C, KH, KW),
  // the bias and output channel, and the output cell whose row is outlined.
  void showConvolution(const Conv2DGeometry& g, const Tensor& input, const Tensor& weights, float bias, int64_t outChannel,
            const Tensor& convOutput, int row);
  void setRow(int row);
  const std::optional<ConvolutionMatrix>& matrix() const { return matrix_; }
  QString summary() const { return summary_; } // "M is 16 × 36: …", or why it cannot be drawn
  float largestDifference() const { return difference_; } // |M·x + b − the convolution|
  void setPresenterMode(bool on);

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  std::optional<ConvolutionMatrix> matrix_;
  Tensor kernel_; // (C, KH, KW) of the output channel
  QString summary_;
  float difference_ = 0;
  int row_ = 0;
  bool presenter_ = false;
};

class ShiftPanel : public QWidget {
public:
  explicit ShiftPanel(QWidget* parent = nullptr);
  // The map pooled (1, 1, H, W) and the pooling; the shift stays as chosen.
  void showMap(const Tensor& map, const Pool2DGeometry& pool);
  void setShift(int dy, int dx);
  const std::optional<ShiftComparison>& comparison() const { return comparison_; }
  QString summary() const { return summary_; }
  void setPresenterMode(bool on);

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  void recompute();
  Tensor map_;
  Pool2DGeometry pool_;
  int dy_ = 0, dx_ = 1;
  std::optional<ShiftComparison> comparison_;
  QString summary_;
  bool presenter_ = false;
  QToolButton *left_, *right_, *up_, *down_;
};

} // namespace convscope::ui
