// The stepper, the heart of the lecture: one output cell at a time, with the grids and
// the arithmetic on screen. Convolution: the padded input (padding cells visibly
// different), the kernel window at the current position with the gaps of dilation, the
// output filling in; ReLU: negatives highlighted, then zeroed; pooling: the window, the
// maximum highlighted or the average's arithmetic. The output-size formula follows every
// change of geometry, and a configuration that does not fit is explained in words.
// Every number comes from the engine (the reference backend and its explain API).
// Not for: the pipeline's feature maps (FeatureMapView) or training.
#pragma once

#include "Workspace.h"

#include "engine/Filtering.h"
#include "engine/Network.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <memory>

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSlider;
class QSpinBox;
class QTextBrowser;
class QTimer;

namespace convscope::ui {

class StepperCanvas;

class Stepper : public QWidget {
  Q_OBJECT
public:
  enum class Mode { Convolution, ReLU, Pooling, FullyConnected };

  explicit Stepper(Workspace* workspace, QWidget* parent = nullptr);

  Mode mode() const { return mode_; }
  int position() const { return position_; } // output cell index, row-major
  int outputRows() const { return outputRows_; }
  int outputColumns() const { return outputColumns_; }
  int cellCount() const { return outputRows_ * outputColumns_; }
  QString formulaText() const;
  QString outputLabel(int output) const; // "(7)" for a model's class 7, else "3" (counted from 1) // rows and columns,
                                         // with the current numbers
  QString arithmeticText() const;                  // the current cell's computation
  QString problemText() const { return problem_; } // why the configuration does not fit, or ""
  bool isPlaying() const;
  int zoom() const { return cellSize_; }

public slots:
  void setMode(convscope::ui::Stepper::Mode mode);
  void setPosition(int position);
  void stepForward();
  void stepBack();
  void reset();
  void togglePlay();
  void zoomIn();
  void zoomOut();
  void setCellSize(int pixels);

signals:
  void positionChanged(int position);

protected:
  void resizeEvent(QResizeEvent* event) override;

private:
  friend class StepperCanvas;
  void recompute();   // after the workspace changed
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
  int cellSize_ = 44;
  Shape fittedFor_;     // the input shape the cells were fitted for
  bool autoFit_ = true; // fit the cells to the view until the user zooms
  void fitCells();

  // The computation shown, for the chosen kernel of the bank and output channel.
  KernelConvolution conv_;
  Tensor convOutput_; // (1, C_out, Ho, Wo)
  Tensor reluOutput_; // ReLU of the chosen output channel's map, (1, 1, Ho, Wo)
  Tensor pooled_;     // pooling of reluOutput_
  // Fully connected: features x (F), weights (K, F), bias (K), logits and probabilities (K).
  Tensor fcInput_, fcWeights_, fcBias_, fcLogits_, fcProbabilities_;
  QString fcSource_;
  QString fcInputText_; // "flatten: 400 features …" or "input: the 84 values of 'act4'"                 // where the weights come from
  std::unique_ptr<Network> network_; // this widget's own copy of the open model (the pipeline runs another)
  QString networkPath_;
  std::vector<std::string> fcClasses_;
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
  QTimer* timer_;
};

} // namespace convscope::ui
