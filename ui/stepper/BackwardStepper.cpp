// BackwardStepper: the controls and the panels of each stage (PanelCanvas paints them).
#include "ui/stepper/BackwardStepper.h"
#include "ui/core/Text.h"
#include "ui/stepper/GridCells.h"
#include "ui/stepper/PanelCanvas.h"

#include "engine/lessons/Filtering.h"
#include "engine/backend/reference/Explain.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

namespace convscope::ui {

using namespace cells;

namespace {
constexpr int64_t kLargestSide = 64; // larger images make stages of thousands of cells
constexpr double kAspect = 1.8;      // cells wider than tall: gradients have four or five characters

std::vector<float> valuesOf(const Tensor& t) { return std::vector<float>(t.data(), t.data() + t.size()); }

} // namespace

// ---- the stepper -----------------------------------------------------------------------

BackwardStepper::BackwardStepper(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  setObjectName("backwardStepper");
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Back to the first weights (the same seeded random draw) and the first forward cell "
                              "(Home)"));
  backButton_ = new QPushButton(tr("◀ Back"));
  backButton_->setToolTip(tr("One cell back (←)"));
  forwardButton_ = new QPushButton(tr("Step ▶"));
  forwardButton_->setToolTip(tr("One cell forward (→); after the update, the next loop's forward pass"));
  stageButton_ = new QPushButton(tr("Stage ▶▶"));
  stageButton_->setToolTip(tr("To the end of this stage, or of the next one"));
  playButton_ = new QPushButton(tr("Play"));
  playButton_->setToolTip(tr("Play or pause (Space); stops after the update"));
  for (QPushButton* b : {resetButton_, backButton_, forwardButton_, stageButton_, playButton_})
    b->setFocusPolicy(Qt::NoFocus);
  classesBox_ = new QComboBox;
  for (int k = 2; k <= 10; ++k) classesBox_->addItem(tr("%1 classes").arg(k), k);
  classesBox_->setCurrentIndex(2); // the lecture's four
  classesBox_->setToolTip(tr("How many outputs the fully connected layer has"));
  targetBox_ = new QComboBox;
  targetBox_->setToolTip(tr("The image's true class: the target vector is 1 there, 0 elsewhere"));
  lossBox_ = new QComboBox;
  lossBox_->addItem(tr("E = ½Σ(t − p)²"), int(LessonLoss::SquaredError));
  lossBox_->addItem(tr("cross-entropy"), int(LessonLoss::CrossEntropy));
  lossBox_->setToolTip(tr("The error: the lecture's total error, or cross-entropy as the trainer uses"));
  rateBox_ = new QDoubleSpinBox;
  rateBox_->setPrefix(tr("η = "));
  rateBox_->setRange(0.001, 10.0);
  rateBox_->setDecimals(3);
  rateBox_->setSingleStep(0.1);
  rateBox_->setValue(0.5);
  rateBox_->setToolTip(tr("The learning rate of the update w − η·g"));
  loopLabel_ = new QLabel;
  loopLabel_->setObjectName("backwardLoop");
  loopLabel_->setWordWrap(true);
  QFont bold; // only the weight: the size follows the window's (presenter mode enlarges it)
  bold.setBold(true);
  loopLabel_->setFont(bold);

  // Two rows, so that the stepper fits beside the side panels on a 1280-pixel projector:
  // the network's settings, then the buttons and where the loop is.
  auto* settings = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{classesBox_, targetBox_, lossBox_, rateBox_})
    settings->addWidget(w);
  settings->addStretch();
  auto* controls = new QHBoxLayout;
  for (QWidget* w :
       std::initializer_list<QWidget*>{resetButton_, backButton_, forwardButton_, stageButton_, playButton_})
    controls->addWidget(w);
  controls->addStretch();

  stagesLabel_ = new QLabel;
  stagesLabel_->setObjectName("backwardStages");
  stagesLabel_->setWordWrap(true);
  stagesLabel_->setTextFormat(Qt::RichText);
  problemLabel_ = new QLabel;
  problemLabel_->setWordWrap(true);
  problemLabel_->setFont(bold);
  QPalette red = problemLabel_->palette();
  red.setColor(QPalette::WindowText, kMaximum);
  problemLabel_->setPalette(red);
  problemLabel_->hide();

  scroll_ = new QScrollArea;
  canvas_ = new PanelCanvas(&panels_, scroll_, kAspect, this);
  scroll_->setWidget(canvas_);
  scroll_->setBackgroundRole(QPalette::Base);
  arithmetic_ = new QTextBrowser;
  arithmetic_->setObjectName("backwardArithmetic");
  arithmetic_->setMinimumHeight(70);
  errorPlot_ = new QCustomPlot;
  errorPlot_->setObjectName("backwardErrorPlot");
  errorPlot_->setMinimumWidth(220);
  errorPlot_->setMaximumWidth(340);
  errorPlot_->addGraph();
  errorPlot_->graph(0)->setPen(QPen(kCurrent, 2));
  errorPlot_->graph(0)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  errorPlot_->xAxis->setLabel(tr("loop"));
  QSharedPointer<QCPAxisTickerFixed> whole(new QCPAxisTickerFixed);
  whole->setTickStep(1.0);
  whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  errorPlot_->xAxis->setTicker(whole);
  errorPlot_->yAxis->setLabel(tr("error E"));
  errorPlot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  errorPlot_->setToolTip(tr("The error of every forward pass: it falls as the loop repeats (drag, wheel to zoom)"));
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(arithmetic_);
  bottom->addWidget(errorPlot_);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 1);
  split_ = new QSplitter(Qt::Vertical);
  split_->addWidget(scroll_);
  split_->addWidget(bottom);
  split_->setStretchFactor(0, 3);
  split_->setStretchFactor(1, 1);
  split_->setSizes({480, 190});

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(settings);
  layout->addLayout(controls);
  layout->addWidget(loopLabel_);
  layout->addWidget(stagesLabel_);
  layout->addWidget(problemLabel_);
  layout->addWidget(split_, 1);

  timer_ = new QTimer(this);
  timer_->setInterval(400);
  connect(timer_, &QTimer::timeout, this, [this] {
    if (stage_ == Stage::Update && lesson_ && cell_ + 1 >= lesson_->cellCount(stage_))
      togglePlay(); // a loop at a time: the lecturer says what the update did
    else
      stepForward();
  });
  connect(resetButton_, &QPushButton::clicked, this, &BackwardStepper::reset);
  connect(backButton_, &QPushButton::clicked, this, &BackwardStepper::stepBack);
  connect(forwardButton_, &QPushButton::clicked, this, &BackwardStepper::stepForward);
  connect(stageButton_, &QPushButton::clicked, this, &BackwardStepper::finishStage);
  connect(playButton_, &QPushButton::clicked, this, &BackwardStepper::togglePlay);
  connect(classesBox_, &QComboBox::currentIndexChanged, this, &BackwardStepper::rebuild);
  connect(targetBox_, &QComboBox::currentIndexChanged, this, &BackwardStepper::rebuild);
  connect(lossBox_, &QComboBox::currentIndexChanged, this, &BackwardStepper::rebuild);
  connect(rateBox_, &QDoubleSpinBox::valueChanged, this, &BackwardStepper::rebuild);
  for (auto signal : {&Workspace::inputChanged, &Workspace::kernelsChanged, &Workspace::settingsChanged})
    connect(workspace_, signal, this, &BackwardStepper::workspaceChanged);
  rebuild();
}

void BackwardStepper::workspaceChanged() {
  // A page of a hidden tab or mode is not visible; a stepper that is its own window (tests,
  // exports) always rebuilds.
  if (!isWindow() && !isVisible()) {
    stale_ = true;
    return;
  }
  rebuild();
}

void BackwardStepper::ensureCurrent() const {
  if (stale_) const_cast<BackwardStepper*>(this)->rebuild(); // the lesson is a cache of the workspace's
}

bool BackwardStepper::event(QEvent* event) {
  if (event->type() == QEvent::Show) ensureCurrent();
  return QWidget::event(event);
}

LessonSetup BackwardStepper::setupFromWorkspace(QString& problem) {
  LessonSetup s;
  const Tensor& input = workspace_->input();
  const Shape& in = input.shape();
  if (workspace_->kernels().empty()) {
    problem = tr("Choose a kernel: the backward stepper trains it as the network's one filter.");
    return s;
  }
  if (in.rank() != 4 || in[1] != 1 || in[2] > kLargestSide || in[3] > kLargestSide) {
    problem = tr("The backward stepper trains one filter on a small grey image (one channel, up to %1×%1; this one "
                 "is %2): open the 6×6 example (Samples) or a digit.")
                  .arg(kLargestSide)
                  .arg(QString::fromStdString(in.toString()));
    return s;
  }
  try {
    const NamedKernel& k = workspace_->kernels().front(); // the bank's first: the lecture's filter 1
    const KernelConvolution conv = kernelConvolution(k, in, workspace_->convolution());
    s.image = input;
    kernelName_ = QString::fromStdString(k.name);
    s.geometry = conv.geometry;
    s.kernel = Tensor(Shape{1, 1, conv.geometry.kernelH, conv.geometry.kernelW});
    std::copy(conv.weights.data(), conv.weights.data() + s.kernel.size(), s.kernel.data());
    s.bias = conv.bias.data()[0];
    s.pool = workspace_->pool();
  } catch (const std::invalid_argument& e) {
    problem = QString::fromStdString(e.what());
  }
  s.classes = classesBox_->currentData().toInt();
  s.target = std::max(0, targetBox_->currentIndex());
  s.loss = LessonLoss(lossBox_->currentData().toInt());
  s.rate = float(rateBox_->value());
  return s;
}

void BackwardStepper::rebuild() {
  stale_ = false;
  ++rebuilds_;
  if (timer_->isActive()) togglePlay();
  { // the target follows the class count (the lecture's third class when it exists)
    const QSignalBlocker block(targetBox_);
    const int classes = classesBox_->currentData().toInt(), old = targetBox_->currentIndex();
    if (targetBox_->count() != classes) {
      targetBox_->clear();
      for (int k = 1; k <= classes; ++k) targetBox_->addItem(tr("target: class %1").arg(k));
      targetBox_->setCurrentIndex(old >= 0 && old < classes ? old : std::min(2, classes - 1));
    }
  }
  problem_.clear();
  lesson_.reset();
  LessonSetup setup = setupFromWorkspace(problem_);
  if (problem_.isEmpty()) try {
      lesson_ = std::make_unique<BackwardLesson>(std::move(setup));
    } catch (const std::invalid_argument& e) {
      problem_ = QString::fromStdString(e.what());
    }
  problemLabel_->setText(problem_);
  problemLabel_->setVisible(!problem_.isEmpty());
  for (QWidget* w : std::initializer_list<QWidget*>{backButton_, forwardButton_, stageButton_, playButton_})
    w->setEnabled(lesson_ != nullptr);
  setStep(Stage::Convolution, 0);
}

void BackwardStepper::reset() { rebuild(); }

const BackwardStepper::Panel* BackwardStepper::panel(const QString& title) const {
  ensureCurrent();
  for (const Panel& p : panels_)
    if (p.title.startsWith(title)) return &p;
  return nullptr;
}

void BackwardStepper::setStep(Stage stage, int cell) {
  stage_ = stage;
  cell_ = lesson_ ? std::clamp(cell, 0, lesson_->cellCount(stage) - 1) : 0;
  buildPanels();
  canvas_->relayout();
  updateTexts();
  emit moved();
}

void BackwardStepper::stepForward() {
  ensureCurrent();
  if (!lesson_) return;
  if (cell_ + 1 < lesson_->cellCount(stage_)) return setStep(stage_, cell_ + 1);
  if (stage_ != Stage::Update) return setStep(Stage(int(stage_) + 1), 0);
  lesson_->update(); // step 4's update, then step 5: forward again
  setStep(Stage::Convolution, 0);
}

void BackwardStepper::stepBack() {
  ensureCurrent();
  if (!lesson_) return;
  if (cell_ > 0) return setStep(stage_, cell_ - 1);
  if (stage_ == Stage::Convolution) return; // the update before this loop is done
  const Stage previous = Stage(int(stage_) - 1);
  setStep(previous, lesson_->cellCount(previous) - 1);
}

void BackwardStepper::finishStage() {
  ensureCurrent();
  if (!lesson_) return;
  if (cell_ + 1 < lesson_->cellCount(stage_)) return setStep(stage_, lesson_->cellCount(stage_) - 1);
  if (stage_ == Stage::Update) return stepForward();
  const Stage next = Stage(int(stage_) + 1);
  setStep(next, lesson_->cellCount(next) - 1);
}

bool BackwardStepper::isPlaying() const { return timer_->isActive(); }

void BackwardStepper::togglePlay() {
  if (timer_->isActive()) {
    timer_->stop();
    playButton_->setText(tr("Play"));
  } else if (ensureCurrent(), lesson_) {
    timer_->start();
    playButton_->setText(tr("Pause"));
  }
}

void BackwardStepper::setPresenterMode(bool on) {
  // The plot's text as large as the window's, presenting (its fonts are its own).
  QFont tick = font(), label = font();
  tick.setPixelSize(on ? 16 : 11);
  label.setPixelSize(on ? 18 : 12);
  for (QCPAxis* axis : {errorPlot_->xAxis, errorPlot_->yAxis}) axis->setTickLabelFont(tick), axis->setLabelFont(label);
  errorPlot_->yAxis->ticker()->setTickCount(on ? 3 : 5);
  errorPlot_->setMaximumWidth(on ? 320 : 340);
  errorPlot_->replot();
  canvas_->setPresenterMode(on);
}

void BackwardStepper::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  QTimer::singleShot(0, canvas_, [this] { canvas_->relayout(); });
}

bool BackwardStepper::goTo(int loop, Stage stage, int cell) {
  reset();
  // Whole stages at a time up to the one wanted (a digit's loop is thousands of cells).
  for (int steps = 0; lesson_ && steps < 100000; ++steps) {
    if (this->loop() == loop && stage_ == stage && cell_ == cell) return true;
    if (this->loop() > loop || (this->loop() == loop && stage_ > stage)) return false;
    if (this->loop() < loop || stage_ != stage)
      finishStage();
    else
      stepForward();
  }
  return lesson_ && this->loop() == loop && stage_ == stage && cell_ == cell;
}

std::vector<Figure> BackwardStepper::figures() const {
  ensureCurrent();
  const int width = std::max(canvas_->width(), 480);
  std::vector<Figure> parts{
      textFigure("<b>" + loopLabel_->text().toHtmlEscaped() + "</b><br>" + stagesLabel_->text(), font(), width, {}, {}),
      widgetFigure(canvas_, {}, {})};
  if (!arithmeticText().isEmpty())
    parts.push_back(
        textFigure("<pre>" + arithmeticText().toHtmlEscaped() + "</pre>", arithmetic_->font(), width, {}, {}));
  return {stackFigures(parts, "backward", tr("The backward pass: grids and the current step's arithmetic")),
          plotFigure(errorPlot_, "backward-error", tr("The backward pass: the error over the loops"))};
}

QString BackwardStepper::arithmeticText() const {
  ensureCurrent();
  if (!lesson_) return problem_;
  return QString::fromStdString(lesson_->explain(stage_, cell_));
}

void BackwardStepper::buildPanels() {
  panels_.clear();
  if (!lesson_) return;
  const BackwardLesson& l = *lesson_;
  const Shape& in = l.setup().image.shape();
  const int64_t h = in[2], w = in[3];
  const int ho = int(l.convOutput().shape()[2]), wo = int(l.convOutput().shape()[3]);
  const int hp = int(l.pooled().shape()[2]), wp = int(l.pooled().shape()[3]);
  const int f = int(l.features().size()), k = int(l.setup().classes);
  const int kh = int(l.kernel().shape()[2]), kw = int(l.kernel().shape()[3]);
  const Conv2DGeometry& g = l.setup().geometry;
  const Pool2DGeometry& pg = l.setup().pool;
  const int c = cell_;
  auto add = [this](QString title, int rows, int columns, std::vector<float> values, int shown = -1,
                    std::vector<int> highlighted = {}, int current = -1, bool tint = false) {
    Panel panel;
    panel.title = std::move(title);
    panel.rows = rows, panel.columns = columns;
    panel.values = std::move(values);
    panel.shown = shown;
    panel.highlighted = std::move(highlighted);
    panel.current = current;
    panel.signedTint = tint;
    panels_.push_back(std::move(panel));
  };
  // The input cells one convolution output reads, and the inputs one weight multiplies.
  auto window = [&](int r, int col) {
    std::vector<int> cells;
    for (int i = 0; i < kh; ++i)
      for (int j = 0; j < kw; ++j) {
        const int64_t y = r * g.strideH - g.padTop + i * g.dilationH, x = col * g.strideW - g.padLeft + j * g.dilationW;
        if (y >= 0 && x >= 0 && y < h && x < w) cells.push_back(int(y * w + x));
      }
    return cells;
  };
  auto poolWindow = [&](int r, int col) {
    std::vector<int> cells;
    for (int64_t i = 0; i < pg.kernelH; ++i)
      for (int64_t j = 0; j < pg.kernelW; ++j) {
        const int64_t y = r * pg.strideH - pg.padTop + i, x = col * pg.strideW - pg.padLeft + j;
        if (y >= 0 && x >= 0 && y < ho && x < wo) cells.push_back(int(y * wo + x));
      }
    return cells;
  };
  const bool padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
  // An image above 1 (a digit's 0–255) is trained scaled into [−1, 1]: the title says by what.
  const QString scaled = l.setup().inputScale != 1.0f ? tr(" ÷ %1").arg(numberText(l.setup().inputScale)) : QString();
  const QString inputTitle = padded ? tr("input%1 (padding not drawn)").arg(scaled) : tr("input%1").arg(scaled);
  const auto all = [](int n) {
    std::vector<int> v(size_t(std::max(0, n)));
    for (int i = 0; i < n; ++i) v[size_t(i)] = i;
    return v;
  };
  std::vector<float> target(size_t(k), 0.0f);
  target[size_t(l.setup().target)] = 1.0f;

  switch (stage_) {
  case Stage::Convolution:
    add(inputTitle, int(h), int(w), valuesOf(l.setup().image), -1, window(c / wo, c % wo));
    add(tr("kernel %1 (bias %2)").arg(kernelName_, numberText(l.bias())), kh, kw, valuesOf(l.kernel()));
    add(tr("convolution output"), ho, wo, valuesOf(l.convOutput()), c + 1, {}, c);
    break;
  case Stage::ReLU:
    add(tr("convolution output"), ho, wo, valuesOf(l.convOutput()), -1, {c});
    add(tr("after ReLU"), ho, wo, valuesOf(l.reluOutput()), c + 1, {}, c);
    break;
  case Stage::Pooling:
    add(tr("after ReLU"), ho, wo, valuesOf(l.reluOutput()), -1, poolWindow(c / wp, c % wp));
    add(tr("after pooling"), hp, wp, valuesOf(l.pooled()), c + 1, {}, c);
    break;
  case Stage::FullyConnected: {
    std::vector<int> row;
    for (int i = 0; i < f; ++i) row.push_back(c * f + i);
    add(tr("features x (flattened)"), 1, f, valuesOf(l.features()), -1, all(f));
    add(tr("weights W (row %1 makes z%1)").arg(c + 1), k, f, valuesOf(l.denseWeights()), -1, row);
    add(tr("bias b"), 1, k, valuesOf(l.denseBias()), -1, {c});
    add(tr("logits z = W·x + b"), 1, k, valuesOf(l.logits()), c + 1, {}, c);
    break;
  }
  case Stage::Error:
    add(tr("logits z"), 1, k, valuesOf(l.logits()));
    add(tr("softmax: output p"), 1, k, valuesOf(l.probabilities()), -1, {int(l.setup().target)});
    add(tr("target t"), 1, k, target, -1, {int(l.setup().target)});
    add(tr("error E"), 1, 1, {float(l.error())}, -1, {}, 0);
    break;
  case Stage::ErrorGradient:
    add(tr("output p"), 1, k, valuesOf(l.probabilities()), -1, {c});
    add(tr("target t"), 1, k, target, -1, {c});
    add(tr("δ = ∂E/∂z"), 1, k, valuesOf(l.logitGradient()), c + 1, {}, c, true);
    break;
  case Stage::DenseGradient:
    add(tr("features x"), 1, f, valuesOf(l.features()), -1, {c % f});
    add(tr("δ = ∂E/∂z"), 1, k, valuesOf(l.logitGradient()), -1, {c / f}, -1, true);
    add(tr("∂E/∂W = δ·xᵀ"), k, f, valuesOf(l.denseWeightGradient()), c + 1, {}, c, true);
    add(tr("∂E/∂b = δ"), 1, k, valuesOf(l.denseBiasGradient()), (c + 1) / f, {}, -1, true);
    break;
  case Stage::FeatureGradient: {
    std::vector<int> column;
    for (int o = 0; o < k; ++o) column.push_back(o * f + c);
    add(tr("weights W (column %1)").arg(c + 1), k, f, valuesOf(l.denseWeights()), -1, column);
    add(tr("δ = ∂E/∂z"), 1, k, valuesOf(l.logitGradient()), -1, all(k), -1, true);
    add(tr("∂E/∂x = Wᵀ·δ"), 1, f, valuesOf(l.featureGradient()), c + 1, {}, c, true);
    break;
  }
  case Stage::PoolingGradient: {
    std::vector<int> windows; // the pooled cells whose window holds this cell
    for (int r = 0; r < hp; ++r)
      for (int col = 0; col < wp; ++col) {
        const auto cells = poolWindow(r, col);
        if (std::find(cells.begin(), cells.end(), c) != cells.end()) windows.push_back(r * wp + col);
      }
    add(tr("after ReLU (forward)"), ho, wo, valuesOf(l.reluOutput()), -1, {c});
    add(tr("∂E/∂(pooled)"), hp, wp, valuesOf(l.pooledGradient()), -1, windows, -1, true);
    add(tr("∂E/∂(after ReLU)"), ho, wo, valuesOf(l.reluOutputGradient()), c + 1, {}, c, true);
    break;
  }
  case Stage::ReLUGradient:
    add(tr("convolution output (forward)"), ho, wo, valuesOf(l.convOutput()), -1, {c});
    add(tr("∂E/∂(after ReLU)"), ho, wo, valuesOf(l.reluOutputGradient()), -1, {c}, -1, true);
    add(tr("δ = ∂E/∂(convolution output)"), ho, wo, valuesOf(l.convOutputGradient()), c + 1, {}, c, true);
    break;
  case Stage::KernelGradient: {
    const bool bias = c == kh * kw;
    std::vector<int> taps; // every input this weight multiplied
    if (!bias) {
      const int i = c / kw, j = c % kw;
      for (int r = 0; r < ho; ++r)
        for (int col = 0; col < wo; ++col) {
          const int64_t y = r * g.strideH - g.padTop + i * g.dilationH,
                        x = col * g.strideW - g.padLeft + j * g.dilationW;
          if (y >= 0 && x >= 0 && y < h && x < w) taps.push_back(int(y * w + x));
        }
    }
    add(inputTitle, int(h), int(w), valuesOf(l.setup().image), -1, taps);
    add(tr("δ = ∂E/∂(convolution output)"), ho, wo, valuesOf(l.convOutputGradient()), -1,
        bias ? all(ho * wo) : std::vector<int>{}, -1, true);
    add(tr("∂E/∂w"), kh, kw, valuesOf(l.kernelGradient()), std::min(c + 1, kh * kw), {}, bias ? -1 : c, true);
    add(tr("∂E/∂b"), 1, 1, {l.biasGradient()}, bias ? 1 : 0, {}, bias ? 0 : -1, true);
    break;
  }
  case Stage::Update: {
    const int n = kh * kw;
    add(tr("kernel w"), kh, kw, valuesOf(l.kernel()), -1, c < n ? std::vector<int>{c} : std::vector<int>{});
    add(tr("gradient g = ∂E/∂w"), kh, kw, valuesOf(l.kernelGradient()), -1,
        c < n ? std::vector<int>{c} : std::vector<int>{}, -1, true);
    add(tr("new w − η·g"), kh, kw, valuesOf(l.updatedKernel()), std::min(c + 1, n), {}, c < n ? c : -1);
    add(tr("bias b, g, new"), 1, 3, {l.bias(), l.biasGradient(), l.updatedBias()}, c >= n ? 3 : 2, {}, c == n ? 2 : -1);
    if (c > n) { // the fully connected layer, all at once
      add(tr("W before"), k, f, valuesOf(l.denseWeights()));
      add(tr("W after"), k, f, valuesOf(l.updatedDenseWeights()), -1, {}, -1);
    }
    break;
  }
  }
}

void BackwardStepper::updateTexts() {
  arithmetic_->setPlainText(arithmeticText());
  // The stages as a strip: forward blue, backward orange, the current one bold.
  QStringList parts;
  for (int s = 0; s < BackwardLesson::kStageCount; ++s) {
    const Stage st = Stage(s);
    QString name = QString::fromStdString(BackwardLesson::stageTitle(st));
    name = name.mid(name.indexOf(':') + 1).trimmed();
    const QString colour = BackwardLesson::isBackward(st) ? "#b35806" : st == Stage::Update ? "#1b7837" : "#2166ac";
    parts << (st == stage_ ? QStringLiteral("<b><u><span style='color:%1'>%2</span></u></b>")
                           : QStringLiteral("<span style='color:%1'>%2</span>"))
                 .arg(colour, name.toHtmlEscaped());
  }
  stagesLabel_->setText(parts.join(QStringLiteral(" → ")));
  if (!lesson_) {
    loopLabel_->clear();
    errorPlot_->graph(0)->data()->clear();
    errorPlot_->replot();
    return;
  }
  // This loop's error is known from its error step on: before it, the header and the plot
  // show the loops before (the forward pass is still being stepped).
  const auto& all = lesson_->errors();
  const bool reached = stage_ >= Stage::Error;
  const std::vector<double> errors(all.begin(), reached ? all.end() : all.end() - 1);
  QString text = tr("loop %1 · %2, cell %3 of %4")
                     .arg(loop())
                     .arg(QString::fromStdString(BackwardLesson::stageTitle(stage_)))
                     .arg(cell_ + 1)
                     .arg(lesson_->cellCount(stage_));
  if (reached) {
    text += tr(" · E = %1").arg(numberText(float(errors.back())));
    if (errors.size() > 1) text += tr(" (was %1)").arg(numberText(float(errors[errors.size() - 2])));
  } else if (!errors.empty()) {
    text += tr(" · last loop's E = %1").arg(numberText(float(errors.back())));
  }
  loopLabel_->setText(text);
  QVector<double> x, y;
  for (size_t i = 0; i < errors.size(); ++i) x << double(i + 1), y << errors[i];
  errorPlot_->graph(0)->setData(x, y);
  if (errors.empty()) {
    errorPlot_->replot();
    return;
  }
  errorPlot_->xAxis->setRange(0.5, std::max(3.5, double(errors.size()) + 0.5));
  errorPlot_->yAxis->setRange(0, *std::max_element(errors.begin(), errors.end()) * 1.1 + 1e-6);
  errorPlot_->replot();
}

} // namespace convscope::ui
