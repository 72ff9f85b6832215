// Stepper: the controls and the computation it shows (StepperCanvas paints the grids).
#include "ui/stepper/Stepper.h"
#include "ui/core/Text.h"

#include "ui/stepper/ActivationPlot.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/stepper/TransposedStepper.h"
#include "ui/stepper/GridCells.h"
#include "ui/stepper/StepperCanvas.h"
#include "ui/stepper/StepperLens.h"
#include "ui/stepper/LessonPanels.h"

#include "engine/core/OutputSize.h"
#include "engine/lessons/Pipeline.h"
#include "engine/lessons/FullyConnectedLesson.h"
#include "engine/training/Preprocess.h"
#include "engine/backend/reference/Explain.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace convscope::ui {

namespace {
constexpr int64_t kReferenceLimit = 128 * 128; // larger inputs are convolved with oneDNN
} // namespace


// ---- the stepper -----------------------------------------------------------------------

Stepper::Stepper(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  setObjectName("stepper");
  modeBox_ = new QComboBox;
  modeBox_->addItems({tr("Convolution"), tr("Activation"), tr("Pooling"), tr("Fully connected"), tr("Backward pass"),
                      tr("Transposed convolution")});
  modeBox_->setToolTip(tr("Which operation to step through; the backward pass trains the lecture's small network "
                          "step by step; the transposed convolution upsamples (segmentation's decoders)"));
  kernelBox_ = new QComboBox;
  kernelBox_->setToolTip(tr("Which kernel of the bank"));
  channelBox_ = new QSpinBox;
  channelBox_->setPrefix(tr("output channel "));
  channelBox_->setToolTip(tr("A one-block kernel on several channels makes one output channel per input channel"));
  backButton_ = new QPushButton(tr("◀ Back"));
  backButton_->setToolTip(tr("One output cell back (←)"));
  forwardButton_ = new QPushButton(tr("Step ▶"));
  forwardButton_->setToolTip(tr("One output cell forward (→)"));
  playButton_ = new QPushButton(tr("Play"));
  playButton_->setToolTip(tr("Play or pause (Space)"));
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Back to the first cell (Home)"));
  speed_ = new QSlider(Qt::Horizontal);
  speed_->setRange(1, 20);
  speed_->setValue(6);
  speed_->setMaximumWidth(140);
  speed_->setToolTip(tr("Playing speed (cells per second)"));
  positionLabel_ = new QLabel;
  positionLabel_->setObjectName("stepperPosition");
  // Long position texts must not widen the window: the label takes the room that is left.
  positionLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  kernelBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  kernelBox_->setMinimumContentsLength(10);
  for (QWidget* w : {static_cast<QWidget*>(backButton_), static_cast<QWidget*>(forwardButton_),
                     static_cast<QWidget*>(playButton_), static_cast<QWidget*>(resetButton_)})
    w->setFocusPolicy(Qt::NoFocus); // the keys belong to the stepper

  // Two rows, so the stepper fits beside the side panels on a 1280-pixel projector.
  whatRow_ = new QWidget;
  auto* what = new QHBoxLayout(whatRow_);
  what->setContentsMargins(0, 0, 0, 0);
  what->addWidget(modeBox_);
  what->addWidget(kernelBox_);
  what->addWidget(channelBox_);
  what->addStretch();
  speedLabel_ = new QLabel(tr("speed"));
  what->addWidget(speedLabel_);
  what->addWidget(speed_);
  controls_ = new QHBoxLayout;
  auto* controls = controls_;
  controls->addWidget(resetButton_);
  controls->addWidget(backButton_);
  controls->addWidget(forwardButton_);
  controls->addWidget(playButton_);
  matrixButton_ = new QPushButton(tr("As a Matrix"));
  matrixButton_->setObjectName("asMatrix");
  matrixButton_->setCheckable(true);
  matrixButton_->setFocusPolicy(Qt::NoFocus);
  matrixButton_->setToolTip(tr("The convolution as a fully connected layer: its sparse, weight-shared matrix (M)"));
  shiftButton_ = new QPushButton(tr("Shift by a Pixel"));
  shiftButton_->setObjectName("shiftByPixel");
  shiftButton_->setCheckable(true);
  shiftButton_->setFocusPolicy(Qt::NoFocus);
  shiftButton_->setToolTip(tr("Pool the map shifted by a pixel and compare: what pooling does not see (S)"));
  controls->addWidget(matrixButton_);
  controls->addWidget(shiftButton_);
  controls->addSpacing(12);
  controls->addWidget(positionLabel_, 1);

  formulaLabel_ = new QLabel;
  formulaLabel_->setObjectName("stepperFormula");
  formulaLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  formulaLabel_->setWordWrap(true);
  problemLabel_ = new QLabel;
  problemLabel_->setObjectName("stepperProblem");
  problemLabel_->setWordWrap(true);
  problemLabel_->setStyleSheet("color: #b2182b; font-weight: bold;");

  canvas_ = new StepperCanvas(this);
  canvas_->setObjectName("stepperCanvas");
  scroll_ = new QScrollArea;
  scroll_->setWidget(canvas_);
  scroll_->setBackgroundRole(QPalette::Base);
  arithmetic_ = new QTextBrowser;
  arithmetic_->setObjectName("stepperArithmetic");
  arithmetic_->setMinimumHeight(80);
  // The arithmetic under the grids: its lines are long, and the grids need the width.
  // The activation mode plots its function beside the grids.
  activationPlot_ = new ActivationPlot;
  activationPlot_->setFixedWidth(340);
  activationPlot_->hide();
  auto* gridsRow = new QWidget;
  auto* gridsLayout = new QHBoxLayout(gridsRow);
  gridsLayout->setContentsMargins(0, 0, 0, 0);
  gridsLayout->addWidget(scroll_, 1);
  lens_ = new StepperLens(this);
  lens_->setFixedWidth(300);
  lens_->hide();
  gridsLayout->addWidget(lens_);
  matrixPanel_ = new MatrixPanel;
  matrixPanel_->hide();
  shiftPanel_ = new ShiftPanel;
  shiftPanel_->hide();
  gridsLayout->addWidget(matrixPanel_);
  gridsLayout->addWidget(shiftPanel_);
  gridsLayout->addWidget(activationPlot_);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(gridsRow);
  split->addWidget(arithmetic_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  split->setSizes({520, 170});
  split_ = split;
  // The grids refit whenever their view changes size (the window, the splitter, a panel).
  scroll_->viewport()->installEventFilter(this);

  auto* layout = new QVBoxLayout(this);
  layout_ = layout;
  layout->addWidget(whatRow_);
  forwardBody_ = new QWidget;
  auto* body = new QVBoxLayout(forwardBody_);
  body->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(forwardBody_, 1);
  backward_ = new BackwardStepper(workspace_);
  backward_->hide();
  layout->addWidget(backward_, 1);
  transposed_ = new TransposedStepper(workspace_);
  transposed_->hide();
  layout->addWidget(transposed_, 1);
  // The kernel box matters to the transposed convolution only for the workspace's sample.
  connect(transposed_, &TransposedStepper::moved, this, [this] {
    if (mode_ == Mode::Transposed)
      kernelBox_->setVisible(transposed_->sample() == TransposedStepper::Sample::Workspace);
  });
  layout = body;
  layout->addLayout(controls);
  layout->addWidget(formulaLabel_);
  layout->addWidget(problemLabel_);
  hintLabel_ = new QLabel(tr("Cells too small for numbers: F11 presents them full screen, + zooms."));
  hintLabel_->setObjectName("stepperHint");
  hintLabel_->setWordWrap(true);
  hintLabel_->setStyleSheet("color: #555; font-style: italic;");
  hintLabel_->hide();
  layout->addWidget(hintLabel_);
  layout->addWidget(split, 1);

  timer_ = new QTimer(this);
  connect(timer_, &QTimer::timeout, this, [this] {
    if (position_ + 1 >= cellCount())
      togglePlay();
    else
      stepForward();
  });
  connect(speed_, &QSlider::valueChanged, this, [this](int v) { timer_->setInterval(1000 / v); });
  timer_->setInterval(1000 / speed_->value());
  connect(modeBox_, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(static_cast<Mode>(i)); });
  connect(kernelBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i >= 0 && i != kernelIndex_) kernelIndex_ = i, transposed_->setKernelIndex(i), recompute();
  });
  connect(channelBox_, &QSpinBox::valueChanged, this, [this](int v) {
    if (v != outputChannel_) outputChannel_ = v, recompute();
  });
  connect(matrixButton_, &QPushButton::toggled, this, &Stepper::setMatrixShown);
  connect(shiftButton_, &QPushButton::toggled, this, &Stepper::setShiftShown);
  connect(backButton_, &QPushButton::clicked, this, &Stepper::stepBack);
  connect(forwardButton_, &QPushButton::clicked, this, &Stepper::stepForward);
  connect(playButton_, &QPushButton::clicked, this, &Stepper::togglePlay);
  connect(resetButton_, &QPushButton::clicked, this, &Stepper::reset);
  connect(workspace_, &Workspace::inputChanged, this, &Stepper::workspaceChanged);
  connect(workspace_, &Workspace::kernelsChanged, this, &Stepper::workspaceChanged);
  connect(workspace_, &Workspace::settingsChanged, this, &Stepper::workspaceChanged);
  connect(workspace_, &Workspace::preprocessChanged, this, &Stepper::workspaceChanged);
  connect(workspace_, &Workspace::modelChanged, this, &Stepper::workspaceChanged);
  recompute();
}

void Stepper::workspaceChanged() {
  // A page of a tab widget that is not the current one is hidden explicitly; a stepper
  // that is its own window (tests, exports) always recomputes.
  if (!isWindow() && isHidden()) {
    stale_ = true;
    return;
  }
  recompute();
}

void Stepper::ensureCurrent() const {
  if (stale_) const_cast<Stepper*>(this)->recompute(); // the state is a cache of the workspace's
}

bool Stepper::event(QEvent* event) {
  if (event->type() == QEvent::ShowToParent) ensureCurrent();
  return QWidget::event(event);
}

void Stepper::recompute() {
  stale_ = false;
  ++recomputations_;
  problem_.clear();
  convOutput_ = Tensor();
  const auto& kernels = workspace_->kernels();
  {
    const QSignalBlocker block(kernelBox_);
    kernelBox_->clear();
    for (const NamedKernel& k : kernels) kernelBox_->addItem(QString::fromStdString(k.name));
    kernelIndex_ = std::clamp(kernelIndex_, 0, std::max(0, int(kernels.size()) - 1));
    kernelBox_->setCurrentIndex(kernelIndex_);
  }
  const Tensor& input = workspace_->input();
  if (kernels.empty()) {
    problem_ = tr("Choose a kernel to step through the convolution.");
  } else {
    try {
      FilterOptions options = workspace_->convolution();
      conv_ = kernelConvolution(kernels[kernelIndex_], input.shape(), options);
      const Shape out = conv2dOutputShape(input.shape(), conv_.weights.shape()[0], conv_.geometry, "convolution");
      convOutput_ = Tensor(out);
      // The reference loops for lecture-sized inputs, so grid and arithmetic agree to the
      // last digit; oneDNN for photos, whose cells are too small to read anyway and whose
      // reference convolution would hold up the GUI thread.
      Backend& backend = input.size() > kReferenceLimit ? static_cast<Backend&>(fast_) : backend_;
      backend.conv2dForward(conv_.geometry, input, conv_.weights, &conv_.bias, convOutput_);
    } catch (const std::invalid_argument& e) {
      problem_ = QString::fromStdString(e.what());
      convOutput_ = Tensor();
    }
  }
  if (!convOutput_.empty()) {
    const int64_t outChannels = convOutput_.shape()[1];
    {
      const QSignalBlocker block(channelBox_);
      channelBox_->setRange(0, int(outChannels - 1));
      outputChannel_ = std::clamp(outputChannel_, 0, int(outChannels - 1));
      channelBox_->setValue(outputChannel_);
      channelBox_->setVisible(outChannels > 1 && mode_ != Mode::FullyConnected && !ownWidget());
    }
    const int64_t inPerGroup = conv_.weights.shape()[1];
    const int64_t first = (outputChannel_ / (outChannels / conv_.geometry.groups)) * inPerGroup;
    inputChannels_.clear();
    for (int64_t i = 0; i < inPerGroup; ++i) inputChannels_.push_back(first + i);
    // The activation and pooling of the chosen output channel's map, as the pipeline
    // computes them: the workspace's activation (none: the map as convolved), then pooling.
    const Shape& o = convOutput_.shape();
    Tensor map(Shape{1, 1, o[2], o[3]});
    if (convOutput_.layout() == Layout::NCHW) // the channel's plane, as it is
      std::copy_n(convOutput_.data() + outputChannel_ * o[2] * o[3], o[2] * o[3], map.data());
    else
      for (int64_t r = 0; r < o[2]; ++r)
        for (int64_t c = 0; c < o[3]; ++c) map.at(0, 0, r, c) = convOutput_.at(0, outputChannel_, r, c);
    activated_ = Tensor(map.shape());
    backend_.activationForward(workspace_->activation(), defaultActivationAlpha(workspace_->activation()), map, activated_);
    pooled_ = Tensor();
    if (mode_ == Mode::Pooling) {
      try {
        pooled_ = Tensor(pool2dOutputShape(activated_.shape(), workspace_->pool(), "pooling"));
        backend_.pool2dForward(workspace_->pool(), activated_, pooled_);
      } catch (const std::invalid_argument& e) {
        problem_ = QString::fromStdString(e.what());
      }
    }
  }
  if (mode_ == Mode::FullyConnected && problem_.isEmpty()) computeFullyConnected();
  if (!problem_.isEmpty() && mode_ == Mode::Convolution) convOutput_ = Tensor();
  if (mode_ == Mode::FullyConnected && problem_.isEmpty()) {
    outputRows_ = 1, outputColumns_ = int(fc_.logits.size());
  } else if (convOutput_.empty() || !problem_.isEmpty()) {
    outputRows_ = outputColumns_ = 0;
  } else if (mode_ == Mode::Pooling) {
    outputRows_ = int(pooled_.shape()[2]), outputColumns_ = int(pooled_.shape()[3]);
  } else {
    outputRows_ = int(convOutput_.shape()[2]), outputColumns_ = int(convOutput_.shape()[3]);
  }
  position_ = std::clamp(position_, 0, std::max(0, cellCount() - 1));
  if (fittedFor_ != input.shape()) fittedFor_ = input.shape(), autoFit_ = true;
  canvas_->numbersChanged();
  updatePanels(); // before fitting: a panel takes the grids' width
  canvas_->relayout();
  if (autoFit_) fitCells();
  updateLens(); // a mode or problem without a lens hides it, zoomed in or not
  updateTexts();
}

void Stepper::computeFullyConnected() {
  try {
    if (workspace_->hasModel()) { // the workspace's model, borrowed: its last fully connected layer
      fc_ = fullyConnectedOfModel(*workspace_->model(), backend_, workspace_->input(), &workspace_->modelPreprocess(),
                                  workspace_->inputIsMatrix());
    } else {
      const Tensor& input = workspace_->input();
      Backend& backend = input.size() > kReferenceLimit ? static_cast<Backend&>(fast_) : backend_;
      fc_ = fullyConnectedOfPipeline(backend, input, workspace_->pipelineSpec());
    }
  } catch (const std::invalid_argument& e) {
    fc_ = {};
    problem_ = QString::fromStdString(e.what());
  }
}

QString Stepper::formulaText() const {
  ensureCurrent();
  if (mode_ == Mode::FullyConnected)
    return cellCount() ? tr("%1  →  %2 outputs; %3")
                                 .arg(QString::fromStdString(fc_.inputText))
                                 .arg(cellCount())
                                 .arg(QString::fromStdString(fc_.source)) : QString();
  if (mode_ == Mode::Activation) {
    if (convOutput_.empty()) return {};
    const ActivationKind act = workspace_->activation();
    const QString size = QStringLiteral("%1×%2").arg(convOutput_.shape()[2]).arg(convOutput_.shape()[3]);
    if (act == ActivationKind::None)
      return tr("No activation is chosen (Processing panel): the %1 map passes unchanged, y = x.").arg(size);
    return tr("y = %1(x) = %2, cell by cell: the %3 map keeps its size.")
        .arg(qs(activationTitle(act)), qs(activationFormula(act, defaultActivationAlpha(act))), size);
  }
  const Shape& in = workspace_->input().shape();
  if (workspace_->kernels().empty()) return {};
  const Shape& k =
      workspace_->kernels()[std::min<size_t>(kernelIndex_, workspace_->kernels().size() - 1)].weights.shape();
  if (mode_ == Mode::Pooling) {
    const Pool2DGeometry& g = workspace_->pool();
    if (convOutput_.empty()) return {};
    const Shape& o = convOutput_.shape();
    return (presenter_ ? tr("rows: %1      columns: %2") : tr("rows: %1\ncolumns: %2"))
        .arg(QString::fromStdString(outputSizeFormula({o[2], g.kernelH, g.strideH, g.padTop, g.padBottom, 1})),
             QString::fromStdString(outputSizeFormula({o[3], g.kernelW, g.strideW, g.padLeft, g.padRight, 1})));
  }
  // The geometry as resolved for this input ("same" padding turned into numbers).
  Conv2DGeometry g;
  try {
    g = kernelConvolution(workspace_->kernels()[kernelIndex_], in, workspace_->convolution()).geometry;
  } catch (const std::invalid_argument&) {
    const FilterOptions& o = workspace_->convolution();
    g.kernelH = k[1], g.kernelW = k[2], g.strideH = o.strideH, g.strideW = o.strideW;
    g.dilationH = o.dilationH, g.dilationW = o.dilationW;
    g.padTop = o.padding.top, g.padBottom = o.padding.bottom, g.padLeft = o.padding.left, g.padRight = o.padding.right;
  }
  return (presenter_ ? tr("rows: %1      columns: %2") : tr("rows: %1\ncolumns: %2"))
      .arg(
          QString::fromStdString(outputSizeFormula({in[2], g.kernelH, g.strideH, g.padTop, g.padBottom, g.dilationH})),
          QString::fromStdString(outputSizeFormula({in[3], g.kernelW, g.strideW, g.padLeft, g.padRight, g.dilationW})));
}

QString Stepper::arithmeticText() const {
  ensureCurrent();
  if (mode_ == Mode::Backward) return backward_->arithmeticText();
  if (mode_ == Mode::Transposed) return transposed_->arithmeticText();
  if (cellCount() == 0) return {};
  const int r = rowOf(position_), c = columnOf(position_);
  if (mode_ == Mode::Convolution) {
    const ConvExplanation e =
        explainConv2d(conv_.geometry, workspace_->input(), conv_.weights, &conv_.bias, 0, outputChannel_, r, c);
    return qs(explanationText(e, kSlideDigits)).trimmed(); // no empty last line to scroll to
  }
  if (mode_ == Mode::FullyConnected) {
    // As a slide prints them: learned weights are long floats, and a sum of two-decimal
    // demonstration weights lands beside its decimal (0.48999995 for 0.49).
    const int digits = kSlideDigits;
    const DenseExplanation e = explainDense(fc_.input, fc_.weights, &fc_.bias, 0, position_);
    QString text =
        QString::fromStdString(denseExplanationText(e, "z" + outputLabel(position_).toStdString(), 8, digits));
    if (position_ + 1 >= cellCount()) {
      std::vector<std::string> names;
      for (int j = 0; j < cellCount(); ++j) names.push_back("p" + outputLabel(j).toStdString());
      QStringList softmax = qs(softmaxExplanationText(fc_.logits, fc_.probabilities, names, kSlideDigits)).split('\n');
      // Presenting many classes, the most probable one's line: the bars beside give every p
      // (the grids keep the room their numbers need).
      if (presenter_ && cellCount() > 4 && softmax.size() > 3) {
        const float* p = fc_.probabilities.data();
        const int best = int(std::max_element(p, p + cellCount()) - p);
        const QString bestLine = softmax.value(2 + best);
        softmax = softmax.mid(0, 2);
        softmax << bestLine + tr("   (the largest; the bars give every class's p)");
      }
      text += "\n\n" + softmax.join('\n');
    }
    return text;
  }
  if (mode_ == Mode::Activation) {
    const float x = convOutput_.at(0, outputChannel_, r, c), y = activated_.at(0, 0, r, c);
    return tr("at (%1,%2): %3")
        .arg(r)
        .arg(c)
        .arg(qs(activationExplanationText(workspace_->activation(), defaultActivationAlpha(workspace_->activation()), x, y, kSlideDigits)));
  }
  return qs(poolExplanationText(explainPool2d(workspace_->pool(), activated_, 0, 0, r, c), kSlideDigits));
}

void Stepper::updateTexts() {
  const ActivationKind act = workspace_->activation();
  modeBox_->setItemText(1, act == ActivationKind::None ? tr("Activation (none)")
                                                       : tr("Activation: %1").arg(qs(activationTitle(act))));
  if (matrixPanel_->isVisibleTo(this)) matrixPanel_->setRow(position_);
  const bool plot = mode_ == Mode::Activation && cellCount() > 0 && problem_.isEmpty();
  activationPlot_->setVisible(plot);
  if (plot)
    activationPlot_->setPoint(act, defaultActivationAlpha(act), convOutput_.at(0, outputChannel_, rowOf(position_), columnOf(position_)),
                          activated_.at(0, 0, rowOf(position_), columnOf(position_)));
  formulaLabel_->setText(formulaText());
  problemLabel_->setText(problem_.isEmpty() ? QString() : tr("This does not fit: %1").arg(problem_));
  problemLabel_->setVisible(!problem_.isEmpty());
  updateHint();
  arithmetic_->setPlainText(arithmeticText());
  fitArithmetic();
  positionLabel_->setText(cellCount() ? tr("cell (%1, %2): %3 of %4")
                                            .arg(rowOf(position_))
                                            .arg(columnOf(position_))
                                            .arg(position_ + 1)
                                            .arg(cellCount())
                                      : QString());
  backButton_->setEnabled(position_ > 0);
  forwardButton_->setEnabled(position_ + 1 < cellCount());
  playButton_->setEnabled(cellCount() > 1 || isPlaying()); // nothing to play through when nothing fits
  canvas_->update();
}

void Stepper::setMode(Mode mode) {
  if (mode == mode_) return;
  if (isPlaying()) togglePlay();
  mode_ = mode;
  {
    const QSignalBlocker block(modeBox_);
    modeBox_->setCurrentIndex(static_cast<int>(mode));
  }
  position_ = 0;
  // The kernel bank plays no part in the fully connected stage; the backward pass trains
  // the bank's first kernel.
  kernelBox_->setVisible(mode != Mode::FullyConnected && mode != Mode::Backward &&
                         (mode != Mode::Transposed || transposed_->sample() == TransposedStepper::Sample::Workspace));
  forwardBody_->setVisible(!ownWidget());
  backward_->setVisible(mode == Mode::Backward);
  transposed_->setVisible(mode == Mode::Transposed);
  speed_->setVisible(!ownWidget() && !presenter_);
  speedLabel_->setVisible(!ownWidget() && !presenter_);
  placeWhatRow();
  recompute();
}

QString Stepper::className(int j) const {
  ensureCurrent();
  return j < int(fc_.classNames.size()) ? QString::fromStdString(fc_.classNames[size_t(j)]) : tr("class %1").arg(j + 1);
}

void Stepper::setKernelIndex(int index) {
  ensureCurrent();
  if (kernelBox_->count() > 0) kernelBox_->setCurrentIndex(std::clamp(index, 0, kernelBox_->count() - 1));
}

void Stepper::setOutputChannel(int channel) {
  ensureCurrent();
  channelBox_->setValue(channel);
}

std::vector<Figure> Stepper::figures() const {
  ensureCurrent();
  if (mode_ == Mode::Backward) return backward_->figures();
  if (mode_ == Mode::Transposed) return transposed_->figures();
  const int width = std::max(canvas_->width(), 480);
  const QString formula = formulaLabel_->text();
  std::vector<Figure> parts;
  parts.push_back(textFigure(Qt::mightBeRichText(formula) ? formula : formula.toHtmlEscaped().replace('\n', "<br>"), font(), width, {}, {}));
  parts.push_back(widgetFigure(canvas_, {}, {}));
  if (!arithmeticText().isEmpty()) {
    QFont mono = arithmetic_->font();
    parts.push_back(textFigure("<pre>" + arithmeticText().toHtmlEscaped() + "</pre>", mono, width, {}, {}));
  }
  std::vector<Figure> list{stackFigures(parts, "stepper", tr("The stepper: formula, grids and the current cell's arithmetic")),
                           widgetFigure(canvas_, "stepper-grids", tr("The stepper's grids alone"))};
  // The panels beside the grids, when they show.
  if (activationPlot_->isVisibleTo(this))
    list.push_back(plotFigure(activationPlot_, "activation-plot", tr("The activation function and the current cell")));
  if (lens_->isVisibleTo(this)) list.push_back(widgetFigure(lens_, "stepper-lens", tr("The current step, magnified")));
  if (matrixPanel_->isVisibleTo(this))
    list.push_back(widgetFigure(matrixPanel_, "convolution-matrix", tr("The convolution as a fully connected layer")));
  if (shiftPanel_->isVisibleTo(this))
    list.push_back(widgetFigure(shiftPanel_, "pooling-shift", tr("Pooling after a one-pixel shift")));
  return list;
}

int Stepper::smallestDigitPixels() const {
  ensureCurrent();
  return canvas_->smallestDigits();
}
bool Stepper::titlesElided() const {
  ensureCurrent();
  return canvas_->labelsElided();
}
bool Stepper::arithmeticFits() const {
  ensureCurrent();
  return arithmetic_->verticalScrollBar()->maximum() == 0 && arithmetic_->horizontalScrollBar()->maximum() == 0 &&
         arithmetic_->isVisible() && arithmetic_->height() > 0;
}

bool Stepper::gridsFit() const {
  ensureCurrent();
  return scroll_->horizontalScrollBar()->maximum() == 0 && scroll_->verticalScrollBar()->maximum() == 0;
}

QString Stepper::outputLabel(int j) const {
  ensureCurrent();
  // Outputs are named by their class when the model has names ("(7)"), else counted from 1.
  return workspace_->hasModel() && j < int(fc_.classNames.size())
             ? QStringLiteral("(%1)").arg(QString::fromStdString(fc_.classNames[size_t(j)]))
             : QString::number(j + 1);
}

void Stepper::setPosition(int position) {
  ensureCurrent();
  position = std::clamp(position, 0, std::max(0, cellCount() - 1));
  position_ = position;
  if (mode_ == Mode::FullyConnected) // the weight row's numbers and title are the output's
    canvas_->numbersChanged(), canvas_->relayout();
  updateTexts();
  // The view follows: the current window and output cell together when they fit in it, else
  // the window (the lens beside shows the output cell); at the fully connected stage's last
  // output, softmax's bars.
  const auto ensure = [this](const QRect& r) {
    scroll_->ensureVisible(r.center().x(), r.center().y(), r.width() / 2 + 20, r.height() / 2 + 20);
  };
  if (mode_ == Mode::FullyConnected && position_ + 1 >= cellCount()) {
    ensure(canvas_->lastGridRect());
  } else {
    const QRect window = canvas_->windowRect(), cell = canvas_->currentRect(), both = window.united(cell);
    const QSize view = scroll_->viewport()->size();
    if (both.width() <= view.width() - 40 && both.height() <= view.height() - 40) {
      ensure(both);
    } else {
      ensure(cell);
      ensure(window);
    }
  }
  updateLens();
  emit positionChanged(position_);
}

void Stepper::stepForward() {
  ensureCurrent();
  if (mode_ == Mode::Transposed) return transposed_->stepForward();
  mode_ == Mode::Backward ? backward_->stepForward() : setPosition(position_ + 1);
}
void Stepper::stepBack() {
  ensureCurrent();
  if (mode_ == Mode::Transposed) return transposed_->stepBack();
  mode_ == Mode::Backward ? backward_->stepBack() : setPosition(position_ - 1);
}

void Stepper::reset() {
  ensureCurrent();
  if (mode_ == Mode::Backward) return backward_->reset();
  if (mode_ == Mode::Transposed) return transposed_->reset();
  if (timer_->isActive()) togglePlay();
  setPosition(0);
}

bool Stepper::isPlaying() const {
  return mode_ == Mode::Backward     ? backward_->isPlaying()
         : mode_ == Mode::Transposed ? transposed_->isPlaying()
                                     : timer_->isActive();
}

void Stepper::togglePlay() {
  ensureCurrent();
  if (mode_ == Mode::Backward) return backward_->togglePlay();
  if (mode_ == Mode::Transposed) return transposed_->togglePlay();
  if (timer_->isActive()) {
    timer_->stop();
    playButton_->setText(tr("Play"));
  } else {
    if (position_ + 1 >= cellCount()) setPosition(0);
    timer_->start();
    playButton_->setText(tr("Pause"));
  }
}

// Cells that fit the view: numbers for a lecture matrix, a whole photo in small cells
// (zoom in with + to read its numbers). Square cells first; then, when the view is wider
// than the square grids need, wider cells (up to 1.8 times), whose numbers can be larger.
void Stepper::fitCells() {
  const QSize view = scroll_->viewport()->size();
  if (view.width() < 100 || view.height() < 100) return;
  const int largest = presenter_ ? 120 : 64;
  // A vector needs readable cells; a photo is shown whole, a pixel a cell if need be (the lens
  // beside it magnifies the window).
  const int smallest = mode_ == Mode::FullyConnected ? 30 : 1;
  const auto fits = [&] { return canvas_->width() <= view.width() - 4 && canvas_->height() <= view.height() - 4; };
  aspect_ = 1.0;
  // The largest square cells whose grids fit (they may wrap into more rows to get there).
  for (cellSize_ = largest; cellSize_ > smallest; --cellSize_) {
    canvas_->relayout();
    if (fits()) break;
  }
  canvas_->relayout();
  for (int round = 0; round < 4 && cellSize_ >= 22; ++round) { // room to spare across: wider cells
    const double spare = double(view.width() - 4) / canvas_->width();
    if (spare < 1.04) break;
    aspect_ = std::min(mode_ == Mode::FullyConnected ? 3.0 : 1.8, aspect_ * (1 + (spare - 1) * 0.9));
    canvas_->relayout();
  }
  while (!fits() && aspect_ > 1.0) aspect_ = std::max(1.0, aspect_ - 0.05), canvas_->relayout();
  // Cells too small for numbers: the lens beside them magnifies the step (its width comes
  // from the grids' view, which then refits once more; the cells only get smaller, so the
  // lens stays).
  updateLens();
}

QRect Stepper::outputGridRect() const {
  ensureCurrent();
  const int grid = mode_ == Mode::Convolution ? int(inputChannels_.size()) : 1;
  if (mode_ == Mode::FullyConnected || mode_ == Mode::Backward || grid >= canvas_->gridCount()) return {};
  const QRect onCanvas = canvas_->gridRect(grid);
  const QRect inView = QRect(canvas_->mapTo(scroll_->viewport(), onCanvas.topLeft()), onCanvas.size())
                           .intersected(scroll_->viewport()->rect());
  if (inView.isEmpty()) return {};
  return QRect(scroll_->viewport()->mapTo(this, inView.topLeft()), inView.size());
}

void Stepper::setMatrixShown(bool on) {
  ensureCurrent();
  if (matrixButton_->isChecked() != on) matrixButton_->setChecked(on); // comes back here
  updatePanels();
}

void Stepper::setShiftShown(bool on) {
  ensureCurrent();
  if (shiftButton_->isChecked() != on) shiftButton_->setChecked(on);
  updatePanels();
}

void Stepper::updatePanels() {
  matrixButton_->setVisible(mode_ == Mode::Convolution);
  shiftButton_->setVisible(mode_ == Mode::Pooling);
  const bool fits = cellCount() > 0 && problem_.isEmpty();
  const bool matrix = mode_ == Mode::Convolution && matrixButton_->isChecked() && fits;
  const bool shift = mode_ == Mode::Pooling && shiftButton_->isChecked() && fits;
  matrixPanel_->setFixedWidth(presenter_ ? 520 : 400);
  shiftPanel_->setFixedWidth(presenter_ ? 480 : 360);
  matrixPanel_->setPresenterMode(presenter_);
  shiftPanel_->setPresenterMode(presenter_);
  if (matrix)
    matrixPanel_->showConvolution(conv_.geometry, workspace_->input(), conv_.weights, conv_.bias.data()[outputChannel_],
                       outputChannel_, convOutput_, position_);
  if (shift) shiftPanel_->showMap(activated_, workspace_->pool());
  matrixPanel_->setVisible(matrix);
  shiftPanel_->setVisible(shift);
  if (matrix || shift) lens_->hide();
}

void Stepper::updateLens() {
  const bool grids = mode_ == Mode::Convolution || mode_ == Mode::Activation || mode_ == Mode::Pooling;
  bool want = grids && cellCount() > 0 && problem_.isEmpty() && std::min(cellW(), cellSize_) < 22;
  if (grids && !want && !autoFit_ && cellCount() > 0 && problem_.isEmpty()) { // zoomed in: is the step in view?
    const QRect seen(-canvas_->pos(), scroll_->viewport()->size());
    want = !seen.contains(canvas_->windowRect()) || !seen.contains(canvas_->currentRect());
  }
  lens_->setFixedWidth(presenter_ ? (inputChannels_.size() > 1 && mode_ == Mode::Convolution ? 520 : 420) : 300);
  if (matrixPanel_->isVisibleTo(this) || shiftPanel_->isVisibleTo(this)) want = false; // one panel beside the grids
  if (want != lens_->isVisibleTo(this)) lens_->setVisible(want);
  lens_->update();
}

void Stepper::zoomToFit() {
  ensureCurrent();
  autoFit_ = true;
  fitCells();
  setPosition(position_);
}

// The arithmetic box holds all of the current cell's lines (wrapped to its width), so the
// final sum is never scrolled away; the grids take the rest. At most half the stepper.
void Stepper::fitArithmetic() { cells::fitTextBox(split_, arithmetic_); }

void Stepper::setPresenterMode(bool on) {
  ensureCurrent();
  presenter_ = on;
  // A style sheet fixes its widget's font when polished: the problem line is sized here.
  problemLabel_->setStyleSheet(on ? "color: #b2182b; font-weight: bold; font-size: 22px;"
                                  : "color: #b2182b; font-weight: bold;");
  // The speed rarely changes in a lecture; the room goes to the grids.
  speed_->setVisible(!on && !ownWidget());
  speedLabel_->setVisible(!on && !ownWidget());
  placeWhatRow();
  backward_->setPresenterMode(on);
  transposed_->setPresenterMode(on);
  activationPlot_->setPresenterMode(on);
  activationPlot_->setFixedWidth(on ? 360 : 340);
  updatePanels();
  formulaLabel_->setText(formulaText());
  autoFit_ = true;
  canvas_->relayout();
  fitArithmetic();
  fitCells();
  setPosition(position_);
}

// One row of controls instead of two when presenting a forward mode: what is stepped, then
// the buttons. The backward stepper has its own row of controls under the mode.
void Stepper::placeWhatRow() {
  const bool beside = presenter_ && !ownWidget();
  if (beside)
    controls_->insertWidget(0, whatRow_, 0);
  else
    layout_->insertWidget(0, whatRow_);
  whatRow_->layout()->itemAt(3)->spacerItem()->changeSize(beside ? 12 : 0, 0,
                                                          beside ? QSizePolicy::Fixed : QSizePolicy::Expanding);
  whatRow_->layout()->invalidate();
}

// A lecture matrix whose cells came out too small to carry numbers (a photo's never do)
// gets a line saying how to make them larger.
void Stepper::updateHint() {
  const bool show = !presenter_ && cellCount() > 0 && std::min(cellW(), cellSize_) < 22 &&
                    workspace_->input().size() <= kReferenceLimit && mode_ != Mode::FullyConnected;
  if (show == hintLabel_->isVisibleTo(this)) return;
  hintLabel_->setVisible(show);
  fitArithmetic(); // the line takes the room from both
}

bool Stepper::eventFilter(QObject* watched, QEvent* event) {
  if (watched == scroll_->viewport() && event->type() == QEvent::Resize && autoFit_) {
    fitCells();
    updateHint();
    canvas_->update();
  }
  return QWidget::eventFilter(watched, event);
}

// The arithmetic box keeps its lines' height; the grids refit when their view's size
// changes (eventFilter), once.
void Stepper::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  fitArithmetic();
}

void Stepper::setCellSize(int pixels) {
  ensureCurrent();
  cellSize_ = std::clamp(pixels, 1, 160);
  aspect_ = 1.0;
  canvas_->relayout();
  setPosition(position_);
}

void Stepper::zoomIn() {
  ensureCurrent();
  autoFit_ = false;
  setCellSize(cellSize_ < 12 ? cellSize_ + 2 : cellSize_ * 5 / 4);
}

void Stepper::zoomOut() {
  ensureCurrent();
  autoFit_ = false;
  setCellSize(cellSize_ <= 12 ? cellSize_ - (cellSize_ > 3 ? 2 : 1) : cellSize_ * 4 / 5);
}

} // namespace convscope::ui
