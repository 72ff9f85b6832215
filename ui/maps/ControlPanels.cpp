// The side panels: widgets → workspace, and workspace → widgets.
#include "ui/maps/ControlPanels.h"
#include "ui/core/Text.h"

#include "ui/maps/FeatureMapView.h"

#include "engine/lessons/Kernels.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/Pipeline.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/lessons/LearnedFilters.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

namespace convscope::ui {

namespace {
} // namespace

// ---- input -----------------------------------------------------------------------------

InputPanel::InputPanel(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  name_ = new QLabel;
  name_->setObjectName("inputName");
  name_->setWordWrap(true);
  size_ = new QLabel;
  size_->setObjectName("inputSize");
  size_->setWordWrap(true);
  channels_ = new QComboBox;
  channels_->addItems({tr("as stored"), tr("gray"), tr("RGB")});
  channels_->setToolTip(tr("Read images as gray (1 channel) or colour (3 channels)"));
  workingSide_ = new QSpinBox;
  workingSide_->setRange(16, 4096);
  workingSide_->setSingleStep(64);
  workingSide_->setValue(workspace->workingSide());
  workingSide_->setSuffix(tr(" px"));
  workingSide_->setToolTip(tr("Large images are downscaled to this size for the live view"));
  auto* edit = new QPushButton(tr("Edit matrix…"));
  edit->setToolTip(tr("Type or paste a small input, like the lecture's examples (Ctrl+M)"));
  auto* form = new QFormLayout(this);
  form->addRow(name_);
  form->addRow(size_);
  form->addRow(tr("Channels"), channels_);
  form->addRow(tr("Working size"), workingSide_);
  form->addRow(edit);
  connect(edit, &QPushButton::clicked, this, &InputPanel::editMatrixRequested);
  connect(channels_, &QComboBox::currentIndexChanged, this, [this](int i) {
    workspace_->setChannelsMode(i == 0 ? 0 : i == 1 ? 1 : 3);
  });
  connect(workingSide_, &QSpinBox::editingFinished, this,
          [this] { workspace_->setWorkingSide(workingSide_->value()); });
  connect(workspace_, &Workspace::inputChanged, this, &InputPanel::refresh);
  refresh();
}

void InputPanel::refresh() {
  // The boxes follow the workspace (a lecture file sets both), without echoing back.
  {
    const QSignalBlocker blockChannels(channels_), blockSide(workingSide_);
    const int mode = workspace_->channelsMode();
    channels_->setCurrentIndex(mode == 1 ? 1 : mode == 3 ? 2 : 0);
    workingSide_->setValue(workspace_->workingSide());
  }
  const Shape& s = workspace_->input().shape();
  name_->setText(QStringLiteral("<b>%1</b>").arg(workspace_->inputName().toHtmlEscaped()));
  const QSize original = workspace_->originalSize();
  // Height × width, as the lecture and every shape in ConvScope write it.
  QString text = tr("%1 channel(s), %2 × %3 (height × width)").arg(s[1]).arg(s[2]).arg(s[3]);
  if (original != QSize(int(s[3]), int(s[2])))
    text += tr(" (original %1 × %2, downscaled for the live view)").arg(original.height()).arg(original.width());
  size_->setText(text);
}

// ---- convolution -----------------------------------------------------------------------

ConvolutionPanel::ConvolutionPanel(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  auto spin = [](int lo, int hi, int value, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setValue(value);
    s->setToolTip(tip);
    return s;
  };
  stride_ = spin(1, 16, 1, tr("How many cells the kernel moves at each step"));
  stride_->setObjectName("strideBox");
  padding_ = new QComboBox;
  padding_->setObjectName("paddingBox");
  padding_->addItems({tr("valid (none)"), tr("same"), tr("custom")});
  padding_->setToolTip(tr("Zeros around the input: none, enough to keep the size (stride 1), or a number"));
  paddingAmount_ = spin(0, 32, 1, tr("Zeros on every side"));
  paddingAmount_->setObjectName("paddingAmountBox");
  perSide_ = new QCheckBox(tr("per side"));
  perSide_->setToolTip(tr("Different padding at the top, bottom, left and right"));
  padTop_ = spin(0, 32, 1, tr("top"));
  padBottom_ = spin(0, 32, 1, tr("bottom"));
  padLeft_ = spin(0, 32, 1, tr("left"));
  padRight_ = spin(0, 32, 1, tr("right"));
  dilation_ = spin(1, 8, 1, tr("Spacing of the kernel's taps (1 = dense)"));
  bias_ = new QDoubleSpinBox;
  bias_->setRange(-1e6, 1e6);
  bias_->setDecimals(3);
  bias_->setToolTip(tr("Added to every output of the convolution"));
  activation_ = new QComboBox;
  activation_->setObjectName("activationBox");
  for (ActivationKind k : {ActivationKind::ReLU, ActivationKind::LeakyReLU, ActivationKind::Tanh,
                           ActivationKind::Sigmoid, ActivationKind::ReLU6, ActivationKind::ELU,
                           ActivationKind::HardSigmoid, ActivationKind::HardSwish, ActivationKind::SiLU,
                           ActivationKind::SELU, ActivationKind::GELU, ActivationKind::GELUTanh, ActivationKind::None})
    activation_->addItem(QString::fromStdString(activationTitle(k)), int(k));
  activation_->setToolTip(tr("The non-linearity after the convolution (the Stepper's activation mode steps it)"));
  perChannel_ = new QCheckBox(tr("each channel on its own (depthwise)"));
  perChannel_->setObjectName("perChannelBox");
  perChannel_->setToolTip(tr("A one-block kernel on a colour image: by default it spans the channels and gives one "
                             "map (depth = number of filters, as in the lecture); checked, it filters R, G and B "
                             "each on its own (three maps a kernel)"));
  pooling_ = new QCheckBox(tr("pooling"));
  pooling_->setChecked(true);
  poolMode_ = new QComboBox;
  poolMode_->addItems({tr("max"), tr("average"), tr("sum")});
  poolSize_ = spin(1, 8, 2, tr("Pooling window"));
  poolStride_ = spin(1, 8, 2, tr("Pooling stride"));

  auto* sides = new QHBoxLayout;
  for (QSpinBox* s : {padTop_, padBottom_, padLeft_, padRight_}) sides->addWidget(s);
  auto* paddingRow = new QHBoxLayout;
  paddingRow->addWidget(padding_);
  paddingRow->addWidget(paddingAmount_);
  paddingRow->addWidget(perSide_);
  auto* form = new QFormLayout(this);
  form->addRow(tr("Stride"), stride_);
  form->addRow(tr("Padding"), paddingRow);
  form->addRow(tr("  top, bottom, left, right"), sides);
  form->addRow(tr("Dilation"), dilation_);
  form->addRow(tr("Channels"), perChannel_);
  form->addRow(tr("Bias"), bias_);
  form->addRow(tr("Activation"), activation_);
  auto* poolRow = new QHBoxLayout;
  poolRow->addWidget(poolMode_);
  poolRow->addWidget(new QLabel(tr("size")));
  poolRow->addWidget(poolSize_);
  poolRow->addWidget(new QLabel(tr("stride")));
  poolRow->addWidget(poolStride_);
  form->addRow(pooling_, poolRow);

  for (QSpinBox* s :
       {stride_, paddingAmount_, padTop_, padBottom_, padLeft_, padRight_, dilation_, poolSize_, poolStride_})
    connect(s, &QSpinBox::valueChanged, this, &ConvolutionPanel::apply);
  connect(bias_, &QDoubleSpinBox::valueChanged, this, &ConvolutionPanel::apply);
  for (QComboBox* c : {padding_, activation_, poolMode_})
    connect(c, &QComboBox::currentIndexChanged, this, &ConvolutionPanel::apply);
  for (QCheckBox* c : {perSide_, pooling_, perChannel_}) connect(c, &QCheckBox::toggled, this, &ConvolutionPanel::apply);
  connect(workspace_, &Workspace::settingsChanged, this, &ConvolutionPanel::refresh);
  apply();
}

void ConvolutionPanel::refresh() {
  const FilterOptions& o = workspace_->convolution();
  std::vector<QSignalBlocker> blockers;
  for (QWidget* w : std::initializer_list<QWidget*>{stride_, padding_, paddingAmount_, perSide_, padTop_, padBottom_,
                                                    padLeft_, padRight_, dilation_, bias_, activation_, pooling_,
                                                    poolMode_, poolSize_, poolStride_, perChannel_})
    blockers.emplace_back(w);
  stride_->setValue(int(o.strideH));
  dilation_->setValue(int(o.dilationH));
  perChannel_->setChecked(o.perChannel);
  bias_->setValue(o.bias);
  const PaddingSpec& p = o.padding;
  padding_->setCurrentIndex(p.mode == PaddingSpec::Mode::Valid ? 0 : p.mode == PaddingSpec::Mode::Same ? 1 : 2);
  if (p.mode == PaddingSpec::Mode::Explicit) {
    const bool uniform = p.top == p.bottom && p.top == p.left && p.top == p.right;
    perSide_->setChecked(!uniform);
    paddingAmount_->setValue(int(p.top));
    padTop_->setValue(int(p.top)), padBottom_->setValue(int(p.bottom));
    padLeft_->setValue(int(p.left)), padRight_->setValue(int(p.right));
    if (p.top == 0 && uniform) padding_->setCurrentIndex(0);
  }
  const bool custom = padding_->currentIndex() == 2;
  paddingAmount_->setEnabled(custom && !perSide_->isChecked());
  perSide_->setEnabled(custom);
  for (QSpinBox* s : {padTop_, padBottom_, padLeft_, padRight_}) s->setEnabled(custom && perSide_->isChecked());
  activation_->setCurrentIndex(activation_->findData(int(workspace_->activation())));
  pooling_->setChecked(workspace_->pooling());
  const Pool2DGeometry& g = workspace_->pool();
  poolMode_->setCurrentIndex(g.mode == PoolMode::Max ? 0 : g.mode == PoolMode::Average ? 1 : 2);
  poolSize_->setValue(int(g.kernelH));
  poolStride_->setValue(int(g.strideH));
}

void ConvolutionPanel::apply() {
  FilterOptions o;
  o.strideH = o.strideW = stride_->value();
  o.dilationH = o.dilationW = dilation_->value();
  o.perChannel = perChannel_->isChecked();
  o.bias = static_cast<float>(bias_->value());
  const int mode = padding_->currentIndex();
  const bool custom = mode == 2;
  paddingAmount_->setEnabled(custom && !perSide_->isChecked());
  perSide_->setEnabled(custom);
  for (QSpinBox* s : {padTop_, padBottom_, padLeft_, padRight_}) s->setEnabled(custom && perSide_->isChecked());
  if (mode == 0)
    o.padding.mode = PaddingSpec::Mode::Valid;
  else if (mode == 1)
    o.padding.mode = PaddingSpec::Mode::Same;
  else if (perSide_->isChecked()) {
    o.padding.top = padTop_->value(), o.padding.bottom = padBottom_->value();
    o.padding.left = padLeft_->value(), o.padding.right = padRight_->value();
  } else {
    o.padding.top = o.padding.bottom = o.padding.left = o.padding.right = paddingAmount_->value();
  }
  Pool2DGeometry g;
  g.mode = poolMode_->currentIndex() == 0   ? PoolMode::Max
           : poolMode_->currentIndex() == 1 ? PoolMode::Average
                                            : PoolMode::Sum;
  g.kernelH = g.kernelW = poolSize_->value();
  g.strideH = g.strideW = poolStride_->value();
  workspace_->setProcessing(o, ActivationKind(activation_->currentData().toInt()), pooling_->isChecked(), g);
}

// ---- kernels ---------------------------------------------------------------------------

KernelPanel::KernelPanel(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  gallery_ = new QListWidget;
  gallery_->setObjectName("kernelGallery");
  gallery_->setViewMode(QListView::IconMode);
  gallery_->setIconSize(QSize(64, 64));
  // A fixed grid: the thumbnails change as the input does, and without one the icon view
  // laid them over each other.
  gallery_->setGridSize(QSize(88, 96));
  gallery_->setUniformItemSizes(true);
  gallery_->setWordWrap(true);
  gallery_->setTextElideMode(Qt::ElideMiddle); // "lapl…n-4" and "lapl…n-8" stay apart
  gallery_->setResizeMode(QListView::Adjust);
  gallery_->setMovement(QListView::Static);
  gallery_->setMinimumHeight(170);
  gallery_->setToolTip(tr("Click to use a kernel; each thumbnail shows its effect on the current input"));
  for (const ClassicKernel& k : classicKernels()) {
    auto* item = new QListWidgetItem(QString::fromStdString(k.name), gallery_);
    item->setToolTip(QString::fromStdString(k.description + "\n" + formatMatrixText(k.weights)));
  }
  size_ = new QSpinBox;
  size_->setRange(1, 11);
  size_->setValue(3);
  size_->setToolTip(tr("Kernel size (1×1 to 11×11)"));
  blocks_ = new QSpinBox;
  blocks_->setRange(1, 3);
  blocks_->setToolTip(tr("Channel blocks: 1 filters each channel separately; as many as the input sums over them"));
  block_ = new QSpinBox;
  block_->setRange(1, 1);
  block_->setPrefix(tr("editing block "));
  normalize_ = new QCheckBox(tr("normalize by sum"));
  normalize_->setToolTip(tr("Divide by the sum of the weights when adding (blur kernels keep the brightness)"));
  editor_ = new QTableWidget;
  editor_->setObjectName("kernelEditor");
  editor_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  editor_->verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  editor_->setMinimumHeight(120);
  auto* use = new QPushButton(tr("Use"));
  use->setToolTip(tr("Replace the bank with the edited kernel"));
  auto* add = new QPushButton(tr("Add to bank"));
  add->setToolTip(tr("Several kernels make a filter bank: one output channel each"));
  bank_ = new QListWidget;
  bank_->setObjectName("kernelBank");
  bank_->setMaximumHeight(110);
  auto* remove = new QPushButton(tr("Remove"));

  auto* sizes = new QHBoxLayout;
  sizes->addWidget(new QLabel(tr("size")));
  sizes->addWidget(size_);
  sizes->addWidget(new QLabel(tr("blocks")));
  sizes->addWidget(blocks_);
  sizes->addWidget(block_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(normalize_);
  buttons->addWidget(use);
  buttons->addWidget(add);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Classic kernels")));
  layout->addWidget(gallery_, 2);
  layout->addWidget(new QLabel(tr("Edit a kernel")));
  layout->addLayout(sizes);
  layout->addWidget(editor_, 2);
  layout->addLayout(buttons);
  layout->addWidget(new QLabel(tr("Filter bank")));
  layout->addWidget(bank_, 1);
  layout->addWidget(remove);

  connect(gallery_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    if (item->data(Qt::UserRole).isValid()) { // a learned filter: (layer, filter)
      const QPoint which = item->data(Qt::UserRole).toPoint();
      NamedKernel kernel = learnedFilter(*workspace_->network(), size_t(which.x()), which.y()).kernel;
      kernel.name = item->text().toStdString();
      loadEditorFrom(kernel);
      workspace_->setKernels({kernel});
      return;
    }
    useClassic(item->text(), false);
  });
  connect(workspace_, &Workspace::modelChanged, this, &KernelPanel::refreshLearned);
  connect(size_, &QSpinBox::valueChanged, this, &KernelPanel::resizeEditor);
  connect(blocks_, &QSpinBox::valueChanged, this, &KernelPanel::resizeEditor);
  connect(block_, &QSpinBox::valueChanged, this, [this] { resizeEditor(); });
  connect(editor_, &QTableWidget::cellChanged, this, [this](int r, int c) {
    const int b = block_->value() - 1;
    const std::optional<float> parsed = parseNumberText(editor_->item(r, c)->text().trimmed().toStdString());
    const bool ok = parsed && std::isfinite(*parsed);
    const float v = ok ? *parsed : 0.0f;
    if (!ok) {
      editor_->item(r, c)->setText(editText(editorBlocks_[b][r * size_->value() + c])); // keep the old value
      return;
    }
    editorBlocks_[b][r * size_->value() + c] = v;
  });
  connect(use, &QPushButton::clicked, this, [this] { workspace_->setKernels({editorKernel()}); });
  connect(add, &QPushButton::clicked, this, [this] {
    auto kernels = workspace_->kernels();
    kernels.push_back(editorKernel());
    workspace_->setKernels(kernels);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    const int row = bank_->currentRow();
    auto kernels = workspace_->kernels();
    if (row < 0 || row >= int(kernels.size())) return;
    kernels.erase(kernels.begin() + row);
    workspace_->setKernels(kernels);
  });
  connect(workspace_, &Workspace::inputChanged, this, &KernelPanel::refreshThumbnails);
  connect(workspace_, &Workspace::kernelsChanged, this, &KernelPanel::refreshBank);
  if (!workspace_->kernels().empty()) loadEditorFrom(workspace_->kernels().front());
  refreshThumbnails();
  refreshBank();
}

void KernelPanel::useClassic(const QString& name, bool addToBank) {
  const ClassicKernel* k = findClassicKernel(name.toStdString());
  if (!k) return;
  NamedKernel kernel{k->name, k->weights};
  loadEditorFrom(kernel);
  auto kernels = addToBank ? workspace_->kernels() : std::vector<NamedKernel>{};
  kernels.push_back(kernel);
  workspace_->setKernels(kernels);
}

void KernelPanel::refreshThumbnails() {
  // Each kernel on a small gray copy of the input: cheap enough for the GUI thread.
  const Tensor& input = workspace_->input();
  const Shape& s = input.shape();
  const int side = 64;
  const double factor = std::min(1.0, double(side) / double(std::max(s[2], s[3])));
  const int h = std::max(1, int(s[2] * factor)), w = std::max(1, int(s[3] * factor));
  cv::Mat gray{static_cast<int>(s[2]), static_cast<int>(s[3]), CV_32F, cv::Scalar(0)};
  for (int64_t c = 0; c < s[1]; ++c)
    gray += cv::Mat(int(s[2]), int(s[3]), CV_32F, const_cast<float*>(input.data()) + c * s[2] * s[3]) / double(s[1]);
  cv::Mat small;
  cv::resize(gray, small, cv::Size(w, h), 0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_NEAREST);
  Tensor thumb(Shape{1, 1, h, w});
  std::copy(small.ptr<float>(), small.ptr<float>() + h * w, thumb.data());
  ReferenceBackend backend;
  FilterOptions same;
  same.padding.mode = PaddingSpec::Mode::Same;
  for (int i = 0; i < gallery_->count(); ++i) {
    const ClassicKernel* k = findClassicKernel(gallery_->item(i)->text().toStdString());
    if (!k) continue; // a learned filter keeps its own icon
    const Tensor out = applyFilterBank(backend, thumb, {{k->name, k->weights}}, same);
    const MapImage map = renderMap(out, 0);
    QImage image = toQImage(map).scaled(64, 64, Qt::KeepAspectRatio, Qt::FastTransformation);
    gallery_->item(i)->setIcon(QIcon(QPixmap::fromImage(image)));
  }
}

void KernelPanel::refreshLearned() {
  for (int i = gallery_->count() - 1; i >= 0; --i)
    if (gallery_->item(i)->data(Qt::UserRole).isValid()) delete gallery_->takeItem(i);
  const Network* net = workspace_->network();
  if (!net) return;
  for (const size_t l : convolutionNodes(*net)) {
    for (int64_t k = 0; k < filterCount(*net, l); ++k) {
      const LearnedFilter f = learnedFilter(*net, l, k);
      const Tensor& w = f.kernel.weights; // (C_in/groups, KH, KW)
      auto* item = new QListWidgetItem(QStringLiteral("%1 #%2").arg(QString::fromStdString(f.layer)).arg(k + 1), gallery_);
      item->setData(Qt::UserRole, QPoint(int(l), int(k)));
      item->setToolTip(tr("A filter learned by %1 (%2 block(s) of %3×%4)")
                           .arg(workspace_->modelName())
                           .arg(w.shape()[0])
                           .arg(w.shape()[1])
                           .arg(w.shape()[2]));
      // Its first block as the icon, on the diverging palette.
      Tensor block(Shape{1, 1, w.shape()[1], w.shape()[2]});
      std::copy_n(w.values().begin(), w.shape()[1] * w.shape()[2], block.data());
      const MapImage map = renderMap(block, 0);
      item->setIcon(QIcon(QPixmap::fromImage(toQImage(map).scaled(64, 64, Qt::KeepAspectRatio))));
    }
  }
}

void KernelPanel::refreshBank() {
  // The editor shows the bank's first kernel, ready to be changed.
  if (!workspace_->kernels().empty() &&
      editorKernel().weights.values() != workspace_->kernels().front().weights.values())
    loadEditorFrom(workspace_->kernels().front());
  bank_->clear();
  for (const NamedKernel& k : workspace_->kernels()) {
    const Shape& s = k.weights.shape();
    bank_->addItem(QStringLiteral("%1  (%2×%3, %4 block%5)")
                       .arg(QString::fromStdString(k.name))
                       .arg(s[1])
                       .arg(s[2])
                       .arg(s[0])
                       .arg(s[0] > 1 ? "s" : ""));
  }
  blocks_->setMaximum(std::max<int>(1, int(workspace_->input().shape()[1])));
}

void KernelPanel::loadEditorFrom(const NamedKernel& kernel) {
  const Shape& s = kernel.weights.shape();
  editorBlocks_.assign(size_t(s[0]), {});
  for (int64_t b = 0; b < s[0]; ++b)
    editorBlocks_[b].assign(kernel.weights.values().begin() + b * s[1] * s[2],
                            kernel.weights.values().begin() + (b + 1) * s[1] * s[2]);
  const QSignalBlocker b1(size_), b2(blocks_), b3(block_);
  blocks_->setMaximum(std::max<int>(int(s[0]), blocks_->maximum()));
  size_->setValue(int(s[1]));
  blocks_->setValue(int(s[0]));
  block_->setRange(1, int(s[0]));
  block_->setValue(1);
  resizeEditor();
}

void KernelPanel::resizeEditor() {
  const int n = size_->value(), blocks = blocks_->value();
  // Keep what was typed where it still fits; new cells start at zero.
  for (auto& block : editorBlocks_) {
    const int old = int(std::lround(std::sqrt(double(block.size()))));
    if (old == n) continue;
    std::vector<float> resized(size_t(n * n), 0.0f);
    for (int r = 0; r < std::min(old, n); ++r)
      for (int c = 0; c < std::min(old, n); ++c) resized[r * n + c] = block[r * old + c];
    block = resized;
  }
  editorBlocks_.resize(size_t(blocks), std::vector<float>(size_t(n * n), 0.0f));
  block_->setRange(1, blocks);
  const int b = block_->value() - 1;
  const QSignalBlocker block(editor_);
  editor_->setRowCount(n);
  editor_->setColumnCount(n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      auto* item = new QTableWidgetItem(editText(editorBlocks_[b][r * n + c]));
      item->setTextAlignment(Qt::AlignCenter);
      editor_->setItem(r, c, item);
    }
}

NamedKernel KernelPanel::editorKernel() const {
  const int n = size_->value(), blocks = blocks_->value();
  Tensor w(Shape{blocks, n, n});
  for (int b = 0; b < blocks; ++b) std::copy(editorBlocks_[b].begin(), editorBlocks_[b].end(), w.data() + b * n * n);
  if (normalize_->isChecked()) {
    const double sum = std::accumulate(w.values().begin(), w.values().end(), 0.0);
    if (sum != 0)
      for (float& v : w.values()) v = static_cast<float>(v / sum);
  }
  return {QStringLiteral("custom %1×%1").arg(n).toStdString(), w};
}

// ---- matrix editor ---------------------------------------------------------------------

MatrixEditor::MatrixEditor(const Tensor& current, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Edit the input matrix"));
  const Shape& s = current.shape();
  rows_ = new QSpinBox;
  columns_ = new QSpinBox;
  channels_ = new QSpinBox;
  rows_->setRange(1, 64);
  columns_->setRange(1, 64);
  channels_->setRange(1, 3);
  rows_->setValue(int(std::min<int64_t>(s[2], 64)));
  columns_->setValue(int(std::min<int64_t>(s[3], 64)));
  channels_->setValue(int(s[1]));
  tabs_ = new QTabWidget;
  auto* paste = new QPushButton(tr("Paste text"));
  paste->setToolTip(tr("Numbers separated by spaces, tabs or commas; a blank line starts the next channel"));
  auto* sizes = new QHBoxLayout;
  sizes->addWidget(new QLabel(tr("rows")));
  sizes->addWidget(rows_);
  sizes->addWidget(new QLabel(tr("columns")));
  sizes->addWidget(columns_);
  sizes->addWidget(new QLabel(tr("channels")));
  sizes->addWidget(channels_);
  sizes->addStretch();
  sizes->addWidget(paste);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(sizes);
  layout->addWidget(tabs_, 1);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  reshape();
  for (int c = 0; c < channels_->value(); ++c)
    for (int r = 0; r < rows_->value(); ++r)
      for (int k = 0; k < columns_->value(); ++k) tables_[c]->item(r, k)->setText(editText(current.at(0, c, r, k)));
  for (QSpinBox* b : {rows_, columns_, channels_}) connect(b, &QSpinBox::valueChanged, this, &MatrixEditor::reshape);
  connect(paste, &QPushButton::clicked, this, [this] {
    try {
      const Tensor t = parseMatrixText(QApplication::clipboard()->text().toStdString(), "the clipboard");
      const QSignalBlocker b1(rows_), b2(columns_), b3(channels_);
      channels_->setValue(int(std::min<int64_t>(t.shape()[0], 3)));
      rows_->setValue(int(std::min<int64_t>(t.shape()[1], 64)));
      columns_->setValue(int(std::min<int64_t>(t.shape()[2], 64)));
      reshape();
      for (int c = 0; c < channels_->value(); ++c)
        for (int r = 0; r < rows_->value(); ++r)
          for (int k = 0; k < columns_->value(); ++k)
            tables_[c]->item(r, k)->setText(editText(t.data()[(c * t.shape()[1] + r) * t.shape()[2] + k]));
    } catch (const std::invalid_argument& e) {
      QMessageBox::warning(this, tr("Cannot paste"), QString::fromStdString(e.what()));
    }
  });
  resize(640, 480);
}

void MatrixEditor::reshape() {
  while (int(tables_.size()) < channels_->value()) {
    auto* t = new QTableWidget;
    tables_.push_back(t);
    tabs_->addTab(t, tr("channel %1").arg(tables_.size()));
  }
  while (int(tables_.size()) > channels_->value()) {
    delete tables_.back();
    tables_.pop_back();
  }
  for (QTableWidget* t : tables_) {
    t->setRowCount(rows_->value());
    t->setColumnCount(columns_->value());
    for (int r = 0; r < t->rowCount(); ++r)
      for (int c = 0; c < t->columnCount(); ++c)
        if (!t->item(r, c)) t->setItem(r, c, new QTableWidgetItem(QStringLiteral("0")));
  }
}

Tensor MatrixEditor::values() const {
  const int channels = channels_->value(), rows = rows_->value(), columns = columns_->value();
  Tensor t(Shape{channels, rows, columns});
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < rows; ++r)
      for (int k = 0; k < columns; ++k) {
        const std::optional<float> parsed = parseNumberText(tables_[c]->item(r, k)->text().trimmed().toStdString());
        const bool ok = parsed && std::isfinite(*parsed);
        const float v = ok ? *parsed : 0.0f;
        if (!ok)
          throw std::invalid_argument(tr("channel %1, row %2, column %3: '%4' is not a number")
                                          .arg(c + 1)
                                          .arg(r + 1)
                                          .arg(k + 1)
                                          .arg(tables_[c]->item(r, k)->text())
                                          .toStdString());
        t.data()[(c * rows + r) * columns + k] = v;
      }
  return t;
}

} // namespace convscope::ui
