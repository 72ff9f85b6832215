// The stepper, the heart of the lecture: one output cell at a time, with the grids and
// the arithmetic on screen. Convolution: the padded input (padding cells visibly
// different), the kernel window at the current position with the gaps of dilation, the
// output filling in; activation: the chosen function cell by cell, plotted beside; pooling:
// the window, the maximum highlighted or the average's arithmetic. Every cell carries its
// value as a grey level or colour; a large input shows whole with the lens beside it. The output-size formula follows every
// change of geometry, and a configuration that does not fit is explained in words.
// Every number comes from the engine (the reference backend and its explain API).
// Not for: the pipeline's feature maps (FeatureMapView) or training.
#pragma once

#include "ui/export/Figure.h"

#include "ui/core/Workspace.h"

#include "engine/lessons/Filtering.h"
#include "engine/lessons/FullyConnectedLesson.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <memory>

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSlider;
class QSplitter;
class QHBoxLayout;
class QVBoxLayout;
class QSpinBox;
class QTextBrowser;
class QTimer;

namespace convscope::ui {

class StepperCanvas;
class BackwardStepper;
class TransposedStepper;
class ActivationPlot;
class StepperLens;
class MatrixPanel;
class ShiftPanel;

class Stepper : public QWidget {
  Q_OBJECT
public:
  enum class Mode { Convolution, Activation, Pooling, FullyConnected, Backward, Transposed };

  explicit Stepper(Workspace* workspace, QWidget* parent = nullptr);

  Mode mode() const { return mode_; }
  int position() const { ensureCurrent(); return position_; } // output cell index, row-major
  int kernelIndex() const { ensureCurrent(); return kernelIndex_; }     // which kernel of the bank is stepped
  int outputChannel() const { ensureCurrent(); return outputChannel_; } // which of its output channels
  int outputRows() const { ensureCurrent(); return outputRows_; }
  int outputColumns() const { ensureCurrent(); return outputColumns_; }
  int cellCount() const { ensureCurrent(); return outputRows_ * outputColumns_; }
  QString formulaText() const;
  QString outputLabel(int output) const; // "(7)" for a model's class 7, else "3" (counted from 1)
  QString arithmeticText() const;        // the current cell's computation
  // The fully connected stage: flattened features (1, F) and logits (1, K) as stepped.
  const Tensor& fullyConnectedInput() const { ensureCurrent(); return fc_.input; }
  const Tensor& logits() const { ensureCurrent(); return fc_.logits; }
  const FullyConnectedLesson& fullyConnected() const { ensureCurrent(); return fc_; }
  QString problemText() const { ensureCurrent(); return problem_; } // why the configuration does not fit, or ""
  bool isPlaying() const;
  int zoom() const { return cellSize_; }
  int cellWidth() const { return cellW(); }
  // What a lecture hall sees, as last painted (for tests): the pixel size of the smallest
  // number in a grid, whether any grid's title was cut, and whether the whole arithmetic
  // of the current cell is in view without scrolling.
  int smallestDigitPixels() const;
  bool titlesElided() const;
  bool arithmeticFits() const;
  bool gridsFit() const;               // every grid in view, no scroll bar
  QString className(int output) const; // "class 3", or the model's name for it ("7")
  bool isPresenterMode() const { return presenter_; }
  // How many times the stepper has computed its state (a test's proof that a hidden stepper
  // waits; does not bring it up to date).
  int recomputations() const { return recomputations_; }
  BackwardStepper* backward() const { ensureCurrent(); return backward_; } // the fifth mode's own widget
  TransposedStepper* transposed() const { return transposed_; }            // the sixth's
  ActivationPlot* activationPlot() const { ensureCurrent(); return activationPlot_; } // beside the activation mode's grids
  StepperLens* lens() const { ensureCurrent(); return lens_; } // the current step magnified, beside grids too large for numbers
  // The lecture's two claims beside the grids: convolution as a sparse, weight-shared matrix
  // (convolution mode) and pooling after a one-pixel shift (pooling mode), each on a toggle.
  MatrixPanel* matrixPanel() const { ensureCurrent(); return matrixPanel_; }
  ShiftPanel* shiftPanel() const { ensureCurrent(); return shiftPanel_; }
  void setMatrixShown(bool on);
  void setShiftShown(bool on);
  StepperCanvas* canvas() const { ensureCurrent(); return canvas_; }
  // Where the output grid is on screen, in the stepper's coordinates, clipped to the grids'
  // view (empty when none shows): what an overlay should not cover.
  QRect outputGridRect() const;
  QScrollArea* gridView() const { ensureCurrent(); return scroll_; }
  // The chosen output channel's map after the workspace's activation, as stepped, (1, 1, Ho, Wo).
  const Tensor& activated() const { ensureCurrent(); return activated_; }
  // For export: the grids with the formula above and the current cell's arithmetic below
  // (the backward mode: BackwardStepper's figures).
  std::vector<Figure> figures() const;

public slots:
  void setMode(convscope::ui::Stepper::Mode mode);
  void setPosition(int position);
  void setKernelIndex(int index);   // clamped to the bank
  void setOutputChannel(int channel); // clamped to the kernel's output channels
  void stepForward();
  void stepBack();
  void reset();
  void togglePlay();
  void zoomIn();
  void zoomOut();
  void setCellSize(int pixels);
  void zoomToFit();
  // Presenter mode: larger cells (up to 120 px, wider than tall when the width allows), the
  // formula on one line, the arithmetic box exactly as tall as its lines.
  void setPresenterMode(bool on);

signals:
  void positionChanged(int position);

protected:
  void resizeEvent(QResizeEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;
  bool event(QEvent* event) override; // a stale stepper recomputes when its tab is shown

private:
  friend class StepperCanvas;
  friend class StepperLens;
  void updateLens(); // shown when cells carry no numbers or the window and output cell do not both fit
  void recompute();   // after the workspace changed
  // A workspace change: recomputed now or, on a tab not shown, when the tab is shown or the
  // stepper is asked anything (every public function first calls ensureCurrent). A photo's
  // convolution, pictures and grids on the GUI thread would otherwise hold up the live
  // feature maps at every slider step while nobody looks at the stepper.
  void workspaceChanged();
  void ensureCurrent() const;
  bool stale_ = false;
  int recomputations_ = 0;
  void updateTexts(); // formula, arithmetic, position
  int rowOf(int position) const { return outputColumns_ ? position / outputColumns_ : 0; }
  int columnOf(int position) const { return outputColumns_ ? position % outputColumns_ : 0; }

  Workspace* workspace_;
  ReferenceBackend backend_;
  OnednnBackend fast_;
  Mode mode_ = Mode::Convolution;
  int position_ = 0;
  int outputRows_ = 0, outputColumns_ = 0;
  int kernelIndex_ = 0, outputChannel_ = 0;
  QString problem_;
  int cellSize_ = 44;   // a cell's height in pixels
  double aspect_ = 1.0; // its width over its height (wider cells hold larger digits)
  int cellW() const { return std::max(1, int(cellSize_ * aspect_ + 0.5)); }
  bool presenter_ = false;
  void fitArithmetic(); // the arithmetic box as tall as its text, within limits
  void updateHint();
  QSplitter* split_ = nullptr;
  QLabel* speedLabel_ = nullptr;
  QLabel* hintLabel_ = nullptr; // "too small for numbers: F11 …"
  QWidget* whatRow_ = nullptr;  // mode, kernel, channel
  QHBoxLayout* controls_ = nullptr;
  QWidget* forwardBody_ = nullptr; // the four forward modes' controls and grids
  BackwardStepper* backward_ = nullptr;
  TransposedStepper* transposed_ = nullptr;
  // The backward pass and the transposed convolution: widgets of their own instead of the grids.
  bool ownWidget() const { return mode_ == Mode::Backward || mode_ == Mode::Transposed; }
  void placeWhatRow(); // above everything, or presenting a forward mode, left of the buttons
  QVBoxLayout* layout_ = nullptr;
  Shape fittedFor_;     // the input shape the cells were fitted for
  bool autoFit_ = true; // fit the cells to the view until the user zooms
  void fitCells();

  // The computation shown, for the chosen kernel of the bank and output channel.
  KernelConvolution conv_;
  Tensor convOutput_; // (1, C_out, Ho, Wo)
  // The chosen output channel's map after the workspace's activation (none: as convolved),
  // (1, 1, Ho, Wo): what the activation mode steps and pooling reads, as the pipeline does.
  Tensor activated_;
  Tensor pooled_;     // pooling of activated_
  // Fully connected: features x (F), weights (K, F), bias (K), logits and probabilities (K),
  // from the workspace's model (borrowed) or the pipeline's demonstration.
  FullyConnectedLesson fc_;

  void computeFullyConnected();
  std::vector<int64_t> inputChannels_; // the input channels feeding the chosen output channel

  QComboBox* modeBox_;
  QComboBox* kernelBox_;
  QSpinBox* channelBox_;
  QPushButton *backButton_, *forwardButton_, *playButton_, *resetButton_;
  QSlider* speed_;
  QLabel* positionLabel_;
  QLabel* formulaLabel_;
  QLabel* problemLabel_;
  QTextBrowser* arithmetic_;
  QScrollArea* scroll_;
  StepperCanvas* canvas_;
  ActivationPlot* activationPlot_;
  StepperLens* lens_;
  MatrixPanel* matrixPanel_;
  ShiftPanel* shiftPanel_;
  QPushButton *matrixButton_, *shiftButton_;
  void updatePanels(); // the toggled panel of the mode shown, with the numbers stepped
  QTimer* timer_;
};

} // namespace convscope::ui
