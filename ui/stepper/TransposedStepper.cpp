// TransposedStepper: the samples and controls, the two views' panels and their arithmetic.
#include "ui/stepper/TransposedStepper.h"
#include "ui/core/Text.h"
#include "ui/stepper/GridCells.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {

// One channel's plane of a (1, C, H, W) or (C, ·, H, W) tensor, row by row.
std::vector<float> plane(const Tensor& t, int64_t first, int64_t second = 0) {
  const Shape& s = t.shape();
  const int64_t area = s[2] * s[3];
  const float* p = t.data() + (first * s[1] + second) * area;
  return std::vector<float>(p, p + area);
}

Tensor matrixOf(int64_t rows, int64_t columns, std::initializer_list<float> values) {
  Tensor t(Shape{1, 1, rows, columns});
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

// conv_arithmetic's three cases on one 3×3 input, each making a 6×6 output, with kernels a
// class can multiply in its head: kernel 2's each output cell gets one product; kernel 3's
// is the tent (1 2 1)ᵀ(1 2 1); kernel 4's (1 3 3 1)ᵀ(1 3 3 1) is bilinear upsampling ×16.
struct SampleSpec {
  int kernel, stride, padding, outputPadding;
  std::initializer_list<float> weights;
};
const SampleSpec& sampleSpec(TransposedStepper::Sample s) {
  static const SampleSpec k3{3, 2, 1, 1, {1, 2, 1, 2, 4, 2, 1, 2, 1}};
  static const SampleSpec k2{2, 2, 0, 0, {1, 2, 3, 4}};
  static const SampleSpec k4{4, 2, 1, 0, {1, 3, 3, 1, 3, 9, 9, 3, 3, 9, 9, 3, 1, 3, 3, 1}};
  return s == TransposedStepper::Sample::K2S2 ? k2 : s == TransposedStepper::Sample::K4S2P1 ? k4 : k3;
}

QString signedNumber(int64_t v) { return v < 0 ? QStringLiteral("−%1").arg(-v) : QString::number(v); }
QString at(int64_t r, int64_t c) { return QStringLiteral("(%1, %2)").arg(signedNumber(r), signedNumber(c)); }
QString exact(double v) { return qs(formatValue(v, 4)); }
QString bracketed(double v) { return v < 0 ? "(" + exact(v) + ")" : exact(v); }
} // namespace

TransposedStepper::TransposedStepper(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  setObjectName("transposedStepper");
  sampleBox_ = new QComboBox;
  sampleBox_->addItem(tr("Workspace input and kernel"), int(Sample::Workspace));
  sampleBox_->addItem(tr("3×3, kernel 3, stride 2, padding 1, output padding 1"), int(Sample::K3S2P1Op1));
  sampleBox_->addItem(tr("3×3, kernel 2, stride 2"), int(Sample::K2S2));
  sampleBox_->addItem(tr("3×3, kernel 4, stride 2, padding 1"), int(Sample::K4S2P1));
  sampleBox_->setCurrentIndex(1);
  sampleBox_->setToolTip(tr("conv_arithmetic's transposed convolutions on a 3×3 input (each makes 6×6), or the "
                            "workspace's input (up to %1×%1) and its chosen kernel")
                             .arg(kLargestSide));
  const auto spin = [](const QString& prefix, int low, int high, const QString& tip) {
    auto* box = new QSpinBox;
    box->setPrefix(prefix);
    box->setRange(low, high);
    box->setToolTip(tip);
    return box;
  };
  strideBox_ = spin(tr("stride "), 1, 4, tr("How far apart the input cells' kernel copies land on the output"));
  paddingBox_ = spin(tr("padding "), 0, 3, tr("Cells cut from every border of the output"));
  outputPaddingBox_ = spin(tr("out-pad "), 0, 3,
                           tr("Cells added to the bottom and right of the output (less than the stride): the "
                              "size a stride-2 convolution's input had when its size was odd"));
  viewButton_ = new QPushButton(tr("Zero-inserted view"));
  viewButton_->setCheckable(true);
  viewButton_->setToolTip(tr("The same layer as a stride-1 convolution over the input with stride − 1 zeros inserted "
                             "between its cells and the kernel turned 180° (Z)"));
  compareButton_ = new QPushButton(tr("vs upsample + conv"));
  compareButton_->setCheckable(true);
  compareButton_->setToolTip(tr("Beside the overlap: upsampling (nearest, ×stride) then a stride-1 convolution with "
                                "the same kernel gives every output cell the same number of products — no checkerboard (U)"));
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Back to the first step (Home)"));
  backButton_ = new QPushButton(tr("◀ Back"));
  backButton_->setToolTip(tr("One step back (←)"));
  forwardButton_ = new QPushButton(tr("Step ▶"));
  forwardButton_->setToolTip(tr("One step forward (→): the next input cell's products (scatter) or the next output "
                                "cell (zero-inserted view)"));
  playButton_ = new QPushButton(tr("Play"));
  playButton_->setToolTip(tr("Play or pause (Space)"));
  for (QPushButton* b : {viewButton_, compareButton_, resetButton_, backButton_, forwardButton_, playButton_})
    b->setFocusPolicy(Qt::NoFocus);
  positionLabel_ = new QLabel;
  positionLabel_->setObjectName("transposedPosition");
  QFont bold;
  bold.setBold(true);
  positionLabel_->setFont(bold);
  formulaLabel_ = new QLabel;
  formulaLabel_->setObjectName("transposedFormula");
  formulaLabel_->setWordWrap(true);
  problemLabel_ = new QLabel;
  problemLabel_->setWordWrap(true);
  problemLabel_->setStyleSheet("color: #b2182b; font-weight: bold;");
  problemLabel_->hide();

  auto* settings = new QHBoxLayout;
  settings->addWidget(sampleBox_, 1);
  for (QWidget* w : std::initializer_list<QWidget*>{strideBox_, paddingBox_, outputPaddingBox_, viewButton_, compareButton_})
    settings->addWidget(w);
  auto* controls = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{resetButton_, backButton_, forwardButton_, playButton_})
    controls->addWidget(w);
  controls->addWidget(positionLabel_, 1);

  scroll_ = new QScrollArea;
  scroll_->setBackgroundRole(QPalette::Base);
  canvas_ = new PanelCanvas(&panels_, scroll_, 1.45, this);
  canvas_->setObjectName("transposedCanvas");
  canvas_->setSmallestPresentingCell(40); // digits of 24 px: a large input's panels scroll, following the step
  scroll_->setWidget(canvas_);
  canvas_->onCellClicked = [this](int panel, int cell) {
    // A click on an output grid (or the overlap beside it) chooses the cell explained.
    const QString& title = panels_[size_t(panel)].title;
    if (title.startsWith(tr("output")) || title.startsWith(tr("overlap"))) {
      if (view_ == View::ZeroInserted)
        setPosition(cell);
      else
        selectCell(cell);
    }
  };
  arithmetic_ = new QTextBrowser;
  arithmetic_->setObjectName("transposedArithmetic");
  arithmetic_->setMinimumHeight(60);
  split_ = new QSplitter(Qt::Vertical);
  split_->addWidget(scroll_);
  split_->addWidget(arithmetic_);
  split_->setStretchFactor(0, 3);
  split_->setStretchFactor(1, 1);
  split_->setSizes({480, 170});

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(settings);
  layout->addLayout(controls);
  layout->addWidget(formulaLabel_);
  layout->addWidget(problemLabel_);
  layout->addWidget(split_, 1);

  timer_ = new QTimer(this);
  timer_->setInterval(500);
  connect(timer_, &QTimer::timeout, this, [this] {
    if (position_ + 1 >= stepCount())
      togglePlay();
    else
      stepForward();
  });
  connect(sampleBox_, &QComboBox::currentIndexChanged, this,
          [this] { setSample(Sample(sampleBox_->currentData().toInt())); });
  for (QSpinBox* box : {strideBox_, paddingBox_, outputPaddingBox_})
    connect(box, &QSpinBox::valueChanged, this, [this] { rebuild(); });
  connect(viewButton_, &QPushButton::toggled, this,
          [this](bool on) { setView(on ? View::ZeroInserted : View::Scatter); });
  connect(compareButton_, &QPushButton::toggled, this, &TransposedStepper::setUpsampleCompared);
  connect(resetButton_, &QPushButton::clicked, this, &TransposedStepper::reset);
  connect(backButton_, &QPushButton::clicked, this, &TransposedStepper::stepBack);
  connect(forwardButton_, &QPushButton::clicked, this, &TransposedStepper::stepForward);
  connect(playButton_, &QPushButton::clicked, this, &TransposedStepper::togglePlay);
  for (auto signal : {&Workspace::inputChanged, &Workspace::kernelsChanged, &Workspace::settingsChanged})
    connect(workspace_, signal, this, &TransposedStepper::workspaceChanged);
  setSample(Sample::K3S2P1Op1);
}

TransposedStepper::Sample TransposedStepper::sample() const { return Sample(sampleBox_->currentData().toInt()); }
int TransposedStepper::stride() const { return strideBox_->value(); }
int TransposedStepper::padding() const { return paddingBox_->value(); }
int TransposedStepper::outputPadding() const { return outputPaddingBox_->value(); }

namespace {
const char* const kSampleNames[] = {"workspace", "k3s2p1op1", "k2s2", "k4s2p1"};
}
const char* TransposedStepper::sampleName(Sample s) { return kSampleNames[int(s)]; }
TransposedStepper::Sample TransposedStepper::sampleNamed(const std::string& name) {
  for (int k = 0; k < 4; ++k)
    if (name == kSampleNames[k]) return Sample(k);
  return Sample::K3S2P1Op1;
}
bool TransposedStepper::upsampleCompared() const { return compareButton_->isChecked(); }
bool TransposedStepper::isPlaying() const { return timer_->isActive(); }

void TransposedStepper::workspaceChanged() {
  if (sample() != Sample::Workspace) return; // the samples do not read the workspace
  if (!isWindow() && !isVisible()) {
    stale_ = true;
    return;
  }
  rebuild();
}

void TransposedStepper::ensureCurrent() const {
  if (stale_) const_cast<TransposedStepper*>(this)->rebuild();
}

bool TransposedStepper::event(QEvent* event) {
  if (event->type() == QEvent::Show) ensureCurrent();
  return QWidget::event(event);
}

void TransposedStepper::setSample(Sample s) {
  {
    const QSignalBlocker blockBox(sampleBox_), blockStride(strideBox_), blockPadding(paddingBox_),
        blockOut(outputPaddingBox_);
    sampleBox_->setCurrentIndex(sampleBox_->findData(int(s)));
    if (s == Sample::Workspace) { // the workspace's stride and padding (numbers; same/valid: none)
      const FilterOptions& o = workspace_->convolution();
      strideBox_->setValue(int(std::clamp<int64_t>(o.strideH, 1, 4)));
      paddingBox_->setValue(o.padding.mode == PaddingSpec::Mode::Explicit ? int(std::clamp<int64_t>(o.padding.top, 0, 3)) : 0);
      outputPaddingBox_->setValue(0);
    } else {
      const SampleSpec& spec = sampleSpec(s);
      strideBox_->setValue(spec.stride);
      paddingBox_->setValue(spec.padding);
      outputPaddingBox_->setValue(spec.outputPadding);
    }
  }
  selected_ = -1;
  rebuild();
}

void TransposedStepper::setGeometry(int stride, int padding, int outputPadding) {
  {
    const QSignalBlocker a(strideBox_), b(paddingBox_), c(outputPaddingBox_);
    strideBox_->setValue(stride);
    paddingBox_->setValue(padding);
    outputPaddingBox_->setValue(outputPadding);
  }
  rebuild();
}

void TransposedStepper::rebuild() {
  stale_ = false;
  if (timer_->isActive()) togglePlay();
  problem_.clear();
  layer_.reset();
  zero_.reset();
  output_ = Tensor();
  overlap_.clear();
  std::vector<NamedKernel> kernels;
  FilterOptions options;
  const Sample s = sample();
  if (s == Sample::Workspace) {
    input_ = workspace_->input();
    const Shape& in = input_.shape();
    options = workspace_->convolution();
    options.bias = workspace_->convolution().bias;
    if (workspace_->kernels().empty())
      problem_ = tr("Choose a kernel: the transposed convolution scatters it, or pick one of the samples.");
    else if (in.rank() != 4 || in[2] > kLargestSide || in[3] > kLargestSide)
      problem_ = tr("The transposed-convolution stepper takes an input of up to %1×%1 cells (this one is %2): type a "
                    "small matrix, or pick one of the samples.")
                     .arg(kLargestSide)
                     .arg(QString::fromStdString(in.toString()));
    else
      kernels = {workspace_->kernels()[size_t(std::clamp(kernelIndex_, 0, int(workspace_->kernels().size()) - 1))]};
  } else {
    const SampleSpec& spec = sampleSpec(s);
    input_ = matrixOf(3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    Tensor w(Shape{1, int64_t(spec.kernel), int64_t(spec.kernel)});
    std::copy(spec.weights.begin(), spec.weights.end(), w.data());
    kernels = {NamedKernel{"w", w}};
    options = FilterOptions{};
  }
  if (problem_.isEmpty()) {
    options.strideH = options.strideW = strideBox_->value();
    options.padding = PaddingSpec{};
    options.padding.top = options.padding.bottom = options.padding.left = options.padding.right = paddingBox_->value();
    try {
      const int op = outputPaddingBox_->value();
      layer_ = transposedConvolution(kernels, input_.shape(), options, op, op);
      kernelName_ = QString::fromStdString(kernels.front().name);
      output_ = transposedForward(*layer_, input_);
      overlap_ = transposedOverlap(*layer_, input_.shape());
      zero_ = zeroInsertedView(*layer_, input_);
    } catch (const std::invalid_argument& e) {
      problem_ = QString::fromStdString(e.what());
      layer_.reset();
    }
  }
  problemLabel_->setText(problem_);
  problemLabel_->setVisible(!problem_.isEmpty());
  for (QWidget* w : std::initializer_list<QWidget*>{backButton_, forwardButton_, playButton_, resetButton_, viewButton_})
    w->setEnabled(layer_.has_value());
  const int cells = outputRows() * outputColumns();
  if (selected_ < 0 || selected_ >= cells) // the first cell that several products share, or the first
    selected_ = cells > outputColumns() + 1 ? outputColumns() + 1 : 0;
  position_ = 0;
  setPosition(0);
}

void TransposedStepper::setKernelIndex(int index) {
  kernelIndex_ = index;
  if (sample() == Sample::Workspace) workspaceChanged();
}

int TransposedStepper::stepCount() const {
  ensureCurrent();
  if (!layer_) return 0;
  if (view_ == View::ZeroInserted) return outputRows() * outputColumns();
  const Shape& in = input_.shape();
  return int(in[1] / layer_->geometry.groups * in[2] * in[3]); // output channel 0's group
}

void TransposedStepper::setView(View v) {
  ensureCurrent();
  if (timer_->isActive()) togglePlay();
  view_ = v;
  {
    const QSignalBlocker block(viewButton_);
    viewButton_->setChecked(v == View::ZeroInserted);
  }
  // Scatter → zero-inserted: start at the chosen output cell; back: from the first input cell.
  setPosition(v == View::ZeroInserted ? std::max(0, selected_) : 0);
}

void TransposedStepper::setUpsampleCompared(bool on) {
  {
    const QSignalBlocker block(compareButton_);
    compareButton_->setChecked(on);
  }
  setPosition(position_);
}

void TransposedStepper::setPosition(int position) {
  ensureCurrent();
  position_ = std::clamp(position, 0, std::max(0, stepCount() - 1));
  if (view_ == View::ZeroInserted && layer_) selected_ = position_;
  buildPanels();
  canvas_->relayout();
  updateTexts();
  scrollToCurrent();
  emit moved();
}

void TransposedStepper::selectCell(int outputCell) {
  ensureCurrent();
  if (outputCell < 0 || outputCell >= outputRows() * outputColumns()) return;
  selected_ = outputCell;
  if (view_ == View::ZeroInserted) return setPosition(outputCell);
  setPosition(position_);
}

void TransposedStepper::stepForward() { setPosition(position_ + 1); }
void TransposedStepper::stepBack() { setPosition(position_ - 1); }
void TransposedStepper::reset() {
  if (timer_->isActive()) togglePlay();
  setPosition(0);
}

void TransposedStepper::togglePlay() {
  if (timer_->isActive()) {
    timer_->stop();
    playButton_->setText(tr("Play"));
  } else if (ensureCurrent(), layer_) {
    if (position_ + 1 >= stepCount()) setPosition(0);
    timer_->start();
    playButton_->setText(tr("Pause"));
  }
}

// The output cells input cell (h, w) of channel 0's group lands on, with the kernel tap
// (row-major index) that lands there: (output cell index, tap); taps cropped by the padding
// are left out.
std::vector<std::pair<int, int>> TransposedStepper::landings(int64_t h, int64_t w) const {
  std::vector<std::pair<int, int>> cells;
  const Conv2DGeometry& g = layer_->geometry;
  const int64_t ho = outputRows(), wo = outputColumns();
  for (int64_t i = 0; i < g.kernelH; ++i)
    for (int64_t j = 0; j < g.kernelW; ++j) {
      const int64_t y = h * g.strideH - g.padTop + i * g.dilationH, x = w * g.strideW - g.padLeft + j * g.dilationW;
      if (y >= 0 && x >= 0 && y < ho && x < wo) cells.push_back({int(y * wo + x), int(i * g.kernelW + j)});
    }
  return cells;
}

const Panel* TransposedStepper::panel(const QString& title) const {
  ensureCurrent();
  for (const Panel& p : panels_)
    if (p.title.startsWith(title)) return &p;
  return nullptr;
}

void TransposedStepper::buildPanels() {
  panels_.clear();
  if (!layer_) return;
  const Conv2DGeometry& g = layer_->geometry;
  const Shape& in = input_.shape();
  const int64_t channels = in[1] / g.groups, h = in[2], w = in[3];
  const int ho = outputRows(), wo = outputColumns(), kh = int(g.kernelH), kw = int(g.kernelW);
  const auto channelName = [&](int64_t c) { return channels > 1 ? tr(", channel %1").arg(c + 1) : QString(); };
  const auto make = [](QString title, int rows, int columns, std::vector<float> values) {
    Panel p;
    p.title = std::move(title);
    p.rows = rows, p.columns = columns;
    p.values = std::move(values);
    return p;
  };
  Panel overlap = make(tr("overlap: products"), ho, wo, {});
  for (const auto& row : overlap_)
    for (int count : row) overlap.values.push_back(float(count));
  overlap.heat = true;
  overlap.selected = selected_;

  if (view_ == View::Scatter) {
    const int64_t area = h * w, channel = position_ / area, cell = position_ % area;
    const int64_t r = cell / w, c = cell % w;
    const float x = input_.at(0, channel, r, c);
    Panel input = make(tr("input x%1").arg(channelName(channel)), int(h), int(w), plane(input_, 0, channel));
    input.current = int(cell);
    panels_.push_back(input);
    const bool compared = upsampleCompared(); // room for the two overlaps: the sums and the input only
    if (!compared)
      panels_.push_back(make(tr("kernel %1%2").arg(kernelName_, channelName(channel)), kh, kw,
                             plane(layer_->weights, channel, 0)));
    Panel products = make(tr("x%1·w").arg(at(r, c)), kh, kw, plane(layer_->weights, channel, 0));
    for (float& v : products.values) v *= x;
    std::vector<int> landed;
    for (const auto& [outCell, tap] : landings(r, c)) landed.push_back(outCell), products.highlighted.push_back(tap);
    for (int t = 0; t < kh * kw; ++t)
      if (std::find(products.highlighted.begin(), products.highlighted.end(), t) == products.highlighted.end())
        products.muted.push_back(t); // cropped by the padding
    if (!compared) panels_.push_back(products);
    // The sums after this step: the bias, then every product of the input cells up to this one.
    Panel sums = make(layer_->bias.data()[0] != 0.0f ? tr("output y: sums so far (from bias %1)").arg(numberText(layer_->bias.data()[0]))
                                                     : tr("output y: sums so far"),
                      ho, wo, std::vector<float>(size_t(ho * wo), layer_->bias.data()[0]));
    sums.blank.assign(size_t(ho * wo), layer_->bias.data()[0] == 0.0f ? 1 : 0);
    for (int64_t step = 0; step <= position_; ++step) {
      const int64_t ch = step / area, rr = step % area / w, cc = step % area % w;
      for (const auto& [outCell, tap] : landings(rr, cc)) {
        sums.values[size_t(outCell)] += input_.at(0, ch, rr, cc) * layer_->weights.data()[(ch * layer_->weights.shape()[1]) * kh * kw + tap];
        sums.blank[size_t(outCell)] = 0;
      }
    }
    sums.highlighted = landed;
    sums.selected = selected_;
    panels_.push_back(sums);
  } else {
    const int r = position_ / std::max(1, wo), c = position_ % std::max(1, wo);
    const ZeroInsertedView& z = *zero_;
    const int zh = int(z.input.shape()[2]), zw = int(z.input.shape()[3]);
    std::vector<int> window;
    for (int i = 0; i < kh; ++i)
      for (int j = 0; j < kw; ++j) window.push_back((r + i * int(g.dilationH)) * zw + c + j * int(g.dilationW));
    std::vector<int> muted; // every cell that holds no input value: inserted zeros and the border
    for (int y = 0; y < zh; ++y)
      for (int x = 0; x < zw; ++x) {
        const int64_t dy = y - z.topLeftZerosH, dx = x - z.topLeftZerosW;
        const bool value = dy >= 0 && dx >= 0 && dy % g.strideH == 0 && dx % g.strideW == 0 && dy / g.strideH < h &&
                           dx / g.strideW < w;
        if (!value) muted.push_back(y * zw + x);
      }
    for (int64_t ch = 0; ch < channels; ++ch) {
      Panel zi = make(tr("zero-inserted input z%1").arg(channelName(ch)), zh, zw, plane(z.input, 0, ch));
      zi.muted = muted;
      zi.highlighted = window;
      panels_.push_back(zi);
      if (!upsampleCompared()) // with the two overlaps beside: the window and the overlap only
        panels_.push_back(make(tr("w turned 180°%1").arg(channelName(ch)), kh, kw, plane(z.weights, 0, ch)));
    }
    Panel out = make(tr("output y"), ho, wo, plane(output_, 0, 0));
    out.shown = position_ + 1;
    out.current = position_;
    if (!upsampleCompared()) panels_.push_back(out);
    overlap.selected = -1;
    overlap.current = position_;
  }
  panels_.push_back(overlap);
  if (upsampleCompared()) {
    // Nearest upsampling ×stride, then the same kernel at stride 1 with 'same' padding (the
    // top and left get the smaller half): how many products reach each cell.
    const int uh = int(h * g.strideH), uw = int(w * g.strideW), top = (kh - 1) / 2, left = (kw - 1) / 2;
    Panel up = make(tr("upsample ×%1 + conv").arg(g.strideH), uh, uw, {});
    for (int y = 0; y < uh; ++y)
      for (int x = 0; x < uw; ++x) {
        int count = 0;
        for (int i = 0; i < kh; ++i)
          for (int j = 0; j < kw; ++j) {
            const int yy = y - top + i, xx = x - left + j;
            count += yy >= 0 && xx >= 0 && yy < uh && xx < uw;
          }
        up.values.push_back(float(count));
      }
    up.heat = true;
    panels_.push_back(up);
  }
  // Each panel's cells as wide as its longest number needs: one digit square, two a little
  // wider, sums like −12.5 wider still (larger digits at the same width).
  for (Panel& p : panels_) {
    int longest = 1;
    for (float v : p.values) longest = std::max(longest, int(numberText(v).size()));
    p.aspect = longest <= 1 ? 1.0 : longest == 2 ? 1.2 : longest == 3 ? 1.5 : 1.9;
  }
}

QString TransposedStepper::formulaText() const {
  ensureCurrent();
  if (!layer_) return {};
  const Conv2DGeometry& g = layer_->geometry;
  const Shape& in = input_.shape();
  // H' = (H − 1)·s − 2p + d·(k − 1) + out-pad + 1
  return tr("H′ = (H − 1)·s − 2p + d·(k − 1) + out-pad + 1 = (%1 − 1)·%2 − 2·%3 + %4·(%5 − 1) + %6 + 1 = %7   "
            "(%8×%9 → %7×%10)")
      .arg(in[2])
      .arg(g.strideH)
      .arg(g.padTop)
      .arg(g.dilationH)
      .arg(g.kernelH)
      .arg(layer_->outputPaddingH)
      .arg(outputRows())
      .arg(in[2])
      .arg(in[3])
      .arg(outputColumns());
}

QString TransposedStepper::scatterText() const {
  const Conv2DGeometry& g = layer_->geometry;
  const Shape& in = input_.shape();
  const int64_t area = in[2] * in[3], channel = position_ / area, r = position_ % area / in[3], c = position_ % area % in[3];
  const int wo = outputColumns(), kw = int(g.kernelW);
  const float x = input_.at(0, channel, r, c);
  const QString name = in[1] / g.groups > 1 ? QStringLiteral("x%1").arg(channel + 1) : QStringLiteral("x");
  QString text = tr("%1%2 = %3 lands on the output as %3 × the kernel, its corner at y(%4·%5 − %6, %7·%5 − %6) = y%8:")
                     .arg(name, at(r, c), exact(x))
                     .arg(r)
                     .arg(g.strideH)
                     .arg(g.padTop)
                     .arg(c)
                     .arg(at(r * g.strideH - g.padTop, c * g.strideW - g.padLeft));
  // The running sums after this step, to print each landed cell's new value.
  const Panel* sums = nullptr;
  for (const Panel& p : panels_)
    if (p.title.startsWith(tr("output"))) sums = &p;
  const auto landed = landings(r, c);
  int lastRow = -1;
  for (const auto& [outCell, tap] : landed) {
    const int row = outCell / wo;
    text += row != lastRow ? "\n  " : "   ";
    lastRow = row;
    const float weight = layer_->weights.data()[(channel * layer_->weights.shape()[1]) * g.kernelH * kw + tap];
    text += tr("y%1 += %2·%3 → %4")
                .arg(at(row, outCell % wo), bracketed(x), bracketed(weight),
                     sums ? exact(sums->values[size_t(outCell)]) : QString());
  }
  const int cropped = int(g.kernelH * g.kernelW) - int(landed.size());
  if (cropped == 1) text += tr("\n  (1 product falls outside the output: the padding crops it)");
  if (cropped > 1) text += tr("\n  (%1 products fall outside the output: the padding crops them)").arg(cropped);
  return text;
}

QString TransposedStepper::selectedText() const {
  if (selected_ < 0) return {};
  const int wo = outputColumns();
  const TransposedExplanation e = explainTransposed(*layer_, input_, 0, selected_ / wo, selected_ % wo);
  const int channels = int(input_.shape()[1] / layer_->geometry.groups);
  const QString cell = at(selected_ / wo, selected_ % wo);
  QString text = (e.terms.size() == 1 ? tr("Chosen cell (click another): 1 product lands on y%1\n").arg(cell)
                                      : tr("Chosen cell (click another): %1 products land on y%2\n")
                                            .arg(e.terms.size())
                                            .arg(cell)) +
                 qs(transposedExplanationText(e, channels, 4));
  if (view_ == View::Scatter) { // how much of it has landed so far
    const Shape& in = input_.shape();
    const int64_t area = in[2] * in[3];
    int landed = 0;
    for (const TransposedTerm& t : e.terms) landed += t.inChannel * area + t.row * in[3] + t.col <= position_;
    if (landed < int(e.terms.size()))
      text += tr("\n  (%1 of its %2 products have landed so far)").arg(landed).arg(e.terms.size());
  }
  return text;
}

QString TransposedStepper::windowText() const {
  const Conv2DGeometry& g = layer_->geometry;
  const ZeroInsertedView& z = *zero_;
  const int wo = outputColumns(), r = position_ / wo, c = position_ % wo;
  const int64_t channels = z.input.shape()[1];
  QString names, products;
  int nonzero = 0, terms = 0;
  double sum = 0;
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t i = 0; i < g.kernelH; ++i)
      for (int64_t j = 0; j < g.kernelW; ++j) {
        const float v = z.input.at(0, ch, r + i * g.dilationH, c + j * g.dilationW), k = z.weights.at(0, ch, i, j);
        products += (terms++ ? " + " : "") + bracketed(v) + "·" + bracketed(k);
        sum += double(v) * k;
        nonzero += v != 0.0f;
      }
  const float bias = layer_->bias.data()[0];
  QString text = tr("y%1 = Σ z·w′ over the window at z%1 (stride 1):\n   = %2").arg(at(r, c), products);
  if (bias != 0.0f) text += tr(" + bias %1").arg(bracketed(bias));
  text += " = " + exact(sum + bias);
  text += tr("\n  %1 of the %2 products read an input cell; the rest multiply inserted or border zeros.")
              .arg(nonzero)
              .arg(terms);
  return text;
}

QString TransposedStepper::arithmeticText() const {
  ensureCurrent();
  if (!layer_) return problem_;
  if (view_ == View::ZeroInserted)
    return windowText() + tr("\nThe same cell, scattered: ") +
           qs(transposedExplanationText(explainTransposed(*layer_, input_, 0, position_ / outputColumns(),
                                                          position_ % outputColumns()),
                                        int(input_.shape()[1] / layer_->geometry.groups), 4));
  return scatterText() + "\n\n" + selectedText();
}

// The arithmetic box as tall as its lines (at most half the height), the panels the rest.
void TransposedStepper::fitArithmetic() {
  if (cells::fitTextBox(split_, arithmetic_)) canvas_->relayout();
}

void TransposedStepper::updateTexts() {
  formulaLabel_->setText(formulaText());
  arithmetic_->setPlainText(arithmeticText());
  fitArithmetic();
  const int n = stepCount();
  if (!layer_) {
    positionLabel_->clear();
  } else if (view_ == View::Scatter) {
    const Shape& in = input_.shape();
    const int64_t area = in[2] * in[3], cell = position_ % area;
    positionLabel_->setText(tr("input cell %1 · step %2 of %3").arg(at(cell / in[3], cell % in[3])).arg(position_ + 1).arg(n));
  } else {
    positionLabel_->setText(
        tr("output cell %1 · %2 of %3").arg(at(position_ / outputColumns(), position_ % outputColumns())).arg(position_ + 1).arg(n));
  }
  backButton_->setEnabled(layer_ && position_ > 0);
  forwardButton_->setEnabled(layer_ && position_ + 1 < n);
}

// The view follows the step: the current cells, then (winning when both do not fit) the output
// cells the scatter's products landed on.
void TransposedStepper::scrollToCurrent() {
  const auto ensure = [this](const QRect& r) {
    if (!r.isEmpty()) scroll_->ensureVisible(r.center().x(), r.center().y(), r.width() / 2 + 20, r.height() / 2 + 20);
  };
  for (int k = 0; k < int(panels_.size()); ++k)
    if (panels_[size_t(k)].current >= 0) ensure(canvas_->cellRect(k, panels_[size_t(k)].current));
  for (int k = 0; k < int(panels_.size()); ++k) {
    const Panel& p = panels_[size_t(k)];
    if (p.title.startsWith(tr("output"))) {
      QRect landed;
      for (int cell : p.highlighted) landed = landed.united(canvas_->cellRect(k, cell));
      ensure(landed);
    }
  }
}

int TransposedStepper::smallestDigitPixels() const {
  ensureCurrent();
  return canvas_->smallestDigits();
}
bool TransposedStepper::gridsFit() const {
  ensureCurrent();
  return scroll_->horizontalScrollBar()->maximum() == 0 && scroll_->verticalScrollBar()->maximum() == 0;
}
bool TransposedStepper::arithmeticFits() const {
  ensureCurrent();
  return arithmetic_->verticalScrollBar()->maximum() == 0 && arithmetic_->isVisible() && arithmetic_->height() > 0;
}

void TransposedStepper::setPresenterMode(bool on) {
  presenter_ = on;
  problemLabel_->setStyleSheet(on ? "color: #b2182b; font-weight: bold; font-size: 22px;"
                                  : "color: #b2182b; font-weight: bold;");
  canvas_->setPresenterMode(on);
  fitArithmetic();
}

void TransposedStepper::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  QTimer::singleShot(0, canvas_, [this] {
    fitArithmetic();
    canvas_->relayout();
  });
}

std::vector<Figure> TransposedStepper::figures() const {
  ensureCurrent();
  const int width = std::max(canvas_->width(), 480);
  std::vector<Figure> parts{textFigure("<b>" + positionLabel_->text().toHtmlEscaped() + "</b><br>" +
                                           formulaLabel_->text().toHtmlEscaped(),
                                       font(), width, {}, {}),
                            widgetFigure(canvas_, {}, {})};
  if (!arithmeticText().isEmpty())
    parts.push_back(textFigure("<pre>" + arithmeticText().toHtmlEscaped() + "</pre>", arithmetic_->font(), width, {}, {}));
  return {stackFigures(parts, "deconv", tr("The transposed convolution: grids and the current step's arithmetic")),
          widgetFigure(canvas_, "deconv-grids", tr("The transposed convolution's grids alone"))};
}

} // namespace convscope::ui
