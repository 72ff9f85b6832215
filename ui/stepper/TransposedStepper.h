// The transposed convolution, the stepper's sixth mode (--step deconv): segmentation's and
// generators' upsampling on numbers the class can follow. Two views of one layer:
// - scatter: input cell after input cell, its value times the whole kernel lands on the
//   output (the cells it reaches light up and their sums grow), with the arithmetic of the
//   step and of the output cell the lecturer chose (click one);
// - convolution over the zero-inserted input (conv_arithmetic's picture): stride − 1 zeros
//   between the input cells, the padded border, the kernel turned 180°, stepped output cell
//   by output cell like the forward convolution.
// Beside both, the overlap: how many products land on each output cell — a checkerboard when
// the kernel is not a multiple of the stride (Distill's "Deconvolution and Checkerboard
// Artifacts"), even for kernel 4 stride 2, and for upsampling then convolving (shown on a
// toggle). Samples: conv_arithmetic's cases on a 3×3 input (kernel 3 stride 2 padding 1
// output padding 1; kernel 2 stride 2; kernel 4 stride 2 padding 1), or the workspace's own
// input and kernel. The layer, its overlap, the zero-inserted input and every cell's sum come
// from the engine (engine/lessons/TransposedConvolution.h); the scatter's running sums add the
// layer's own inputs times weights in the order scattered (the last step is the engine's output).
// Not for: transposed convolutions inside networks (the backends compute those).
#pragma once

#include "ui/export/Figure.h"
#include "ui/stepper/PanelCanvas.h"

#include "ui/core/Workspace.h"

#include "engine/lessons/TransposedConvolution.h"

#include <optional>

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QSplitter;
class QTextBrowser;
class QTimer;

namespace convscope::ui {

class TransposedStepper : public QWidget {
  Q_OBJECT
public:
  enum class View { Scatter, ZeroInserted };
  // The samples, in the sample box's order: the workspace's input and kernel (with its
  // stride, padding and dilation), then conv_arithmetic's three cases.
  enum class Sample { Workspace, K3S2P1Op1, K2S2, K4S2P1 };
  static constexpr int kLargestSide = 16; // a larger input makes panels of thousands of cells

  explicit TransposedStepper(Workspace* workspace, QWidget* parent = nullptr);

  // Every accessor first brings a stale stepper up to date (see workspaceChanged).
  View view() const { return ensureCurrent(), view_; }
  Sample sample() const;
  // Lecture files' names of the samples: "workspace", "k3s2p1op1", "k2s2", "k4s2p1".
  static const char* sampleName(Sample s);
  static Sample sampleNamed(const std::string& name); // the default sample for a name not known
  int stride() const;
  int padding() const;
  int outputPadding() const;
  int position() const { return ensureCurrent(), position_; } // input cell (scatter) or output cell, row-major
  int stepCount() const;                                       // input cells (all channels) or output cells
  int outputRows() const { return ensureCurrent(), int(output_.shape().rank() == 4 ? output_.shape()[2] : 0); }
  int outputColumns() const { return ensureCurrent(), int(output_.shape().rank() == 4 ? output_.shape()[3] : 0); }
  int selectedCell() const { return ensureCurrent(), selected_; } // the output cell whose arithmetic shows
  QString problemText() const { return ensureCurrent(), problem_; }
  QString arithmeticText() const;
  const std::vector<Panel>& panels() const { return ensureCurrent(), panels_; }
  const Panel* panel(const QString& title) const; // by its title's start
  // The layer as computed by the engine (1, C_out, H', W'), the input and the whole layer's
  // description (for tests and the formula line).
  const Tensor& output() const { return ensureCurrent(), output_; }
  const Tensor& input() const { return ensureCurrent(), input_; }
  const TransposedConvolution* layer() const { return ensureCurrent(), layer_ ? &*layer_ : nullptr; }
  QString formulaText() const;
  bool isPlaying() const;
  bool upsampleCompared() const;
  int smallestDigitPixels() const; // as last painted
  bool gridsFit() const;           // every panel in view, no scroll bar
  bool arithmeticFits() const;     // the arithmetic box shows all its text
  std::vector<Figure> figures() const;
  void setPresenterMode(bool on);

public slots:
  void setView(convscope::ui::TransposedStepper::View view);
  void setSample(convscope::ui::TransposedStepper::Sample sample);
  void setGeometry(int stride, int padding, int outputPadding); // the sample's, edited
  void setKernelIndex(int index); // which of the workspace's kernels the workspace sample scatters
  void setPosition(int position);
  void selectCell(int outputCell);
  void setUpsampleCompared(bool on);
  void stepForward();
  void stepBack();
  void reset();
  void togglePlay();
  void rebuild();
  // After the workspace changed: rebuilt now when on screen, else when shown or asked.
  void workspaceChanged();

signals:
  void moved();

protected:
  void resizeEvent(QResizeEvent* event) override;
  bool event(QEvent* event) override;

private:
  void ensureCurrent() const;
  void buildPanels();
  void updateTexts();
  void fitArithmetic();
  void scrollToCurrent();
  QString scatterText() const;  // the current input cell's products landing
  QString windowText() const;   // the current output cell over the zero-inserted input
  QString selectedText() const; // the chosen output cell, as the sum of what landed on it
  std::vector<std::pair<int, int>> landings(int64_t h, int64_t w) const; // output cells (row, col) and kernel tap index

  Workspace* workspace_;
  View view_ = View::Scatter;
  int position_ = 0;
  int selected_ = -1;
  int kernelIndex_ = 0;
  bool stale_ = false;
  QString problem_;
  Tensor input_;                            // (1, C, H, W)
  std::optional<TransposedConvolution> layer_;
  Tensor output_;                           // (1, C_out, H', W'), by the engine
  std::vector<std::vector<int>> overlap_;   // per output cell
  std::optional<ZeroInsertedView> zero_;
  QString kernelName_;
  std::vector<Panel> panels_;
  bool presenter_ = false;

  QComboBox* sampleBox_;
  QSpinBox *strideBox_, *paddingBox_, *outputPaddingBox_;
  QPushButton *viewButton_, *compareButton_;
  QPushButton *resetButton_, *backButton_, *forwardButton_, *playButton_;
  QLabel* positionLabel_;
  QLabel* formulaLabel_;
  QLabel* problemLabel_;
  QScrollArea* scroll_;
  PanelCanvas* canvas_;
  QTextBrowser* arithmetic_;
  QSplitter* split_;
  QTimer* timer_;
};

} // namespace convscope::ui
