#include "ui/architectures/ArchitectureTab.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/core/Text.h"

#include "engine/layers/LayerKind.h"

#include "ui/architectures/ArchitectureGraphView.h"
#include "ui/architectures/CompareView.h"
#include "ui/core/ComputeThread.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/architectures/SeparableView.h"
#include "ui/core/Workspace.h"

#include "engine/network/Architectures.h"
#include "engine/network/LayerList.h"
#include "engine/io/ModelFile.h"
#include "engine/training/Optimizer.h"
#include "engine/training/Dataset.h" // resourcesDirectory
#include "engine/lessons/Pipeline.h"
#include "engine/network/Presets.h"
#include "engine/backend/Backend.h"
#include "engine/lessons/LearnedFilters.h"

#include <optional>
#include <QCheckBox>
#include <QTextDocument>
#include <QComboBox>
#include <QCompleter>
#include <QElapsedTimer>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>
#include <utility>

namespace convscope::ui {

namespace {


// The names the list offers: the seven at full size, then the small versions.
// The lecture's architectures and the small trainable versions, by preset name.
const std::vector<std::pair<QString, QString>>& presetNetworks() {
  static const std::vector<std::pair<QString, QString>> names{
      {"lenet5", "LeNet-5 (1998)"},
      {"alexnet", "AlexNet (2012)"},
      {"vgg16", "VGG-16 (2014)"},
      {"googlenet", "GoogLeNet (2014)"},
      {"resnet18", "ResNet-18 (2015)"},
      {"resnet50", "ResNet-50 (2015)"},
      {"densenet121", "DenseNet-121 (2017)"},
      {"mobilenet", "MobileNet v1 (2017)"},
      {"mini-vgg", "mini VGG (digits, trainable)"},
      {"mini-inception", "mini Inception (digits, trainable)"},
      {"mini-resnet", "mini ResNet (digits, trainable)"},
      {"mini-densenet", "mini DenseNet (digits, trainable)"},
      {"mini-mobilenet", "mini MobileNet (digits, trainable)"},
  };
  return names;
}

// The presets, then the trained models ConvScope ships, by path.
const std::vector<std::pair<QString, QString>>& listedNetworks() {
  static const std::vector<std::pair<QString, QString>> all = [] {
    std::vector<std::pair<QString, QString>> list = presetNetworks();
    // The trained models ConvScope ships (scripts/train-shipped-models.sh): the feature
    // hierarchy and saliency of a network that has learned something, offline.
    try {
      const QString models = qs(resourcesDirectory()) + "/models/";
      for (const auto& [file, title] : std::vector<std::pair<QString, QString>>{
               {"lenet5-digits.json", "LeNet-5, trained on the digits"},
               {"mini-vgg-fashion.json", "mini VGG, trained on Fashion-MNIST"},
               {"mini-resnet-fashion.json", "mini ResNet, trained on Fashion-MNIST"}})
        if (QFileInfo::exists(models + file)) list.emplace_back(models + file, title);
    } catch (const std::exception&) { // no resources folder: the presets only
    }
    return list;
  }();
  return all;
}


QString bytesText(int64_t bytes) { return qs(byteSizeText(bytes)); }

enum Column { Name, Type, Window, Output, Parameters, Macs, MacShare, Memory, ColumnCount };

} // namespace

// The compute thread's: the network, its backend and how images are prepared for it.
struct ArchitectureTab::Engine {
  std::unique_ptr<Backend> backend = makeBackend(BackendKind::Onednn);
  std::unique_ptr<Network> network;
  Preprocess preprocess;
  Tensor input; // the current image, prepared: the network's last forward read it
  bool forwarded = false;
};

ArchitectureTab::ArchitectureTab(Workspace* workspace, QWidget* parent)
    : QWidget(parent), workspace_(workspace), engine_(std::make_shared<Engine>()) {
  // The bar: which network, find a layer, fit, open and close every block.
  networks_ = new QComboBox;
  for (const auto& [name, title] : listedNetworks()) networks_->addItem(title, name);
  networks_->setToolTip(tr("The network to show: the lecture's architectures at full size (random weights), or the "
                           "small versions that train on the digits"));
  auto* open = new QPushButton(tr("Open Network File…"));
  open->setToolTip(tr("A model file (.json), a layer list (.txt) or an ONNX file (.onnx) exported from PyTorch"));
  search_ = new QLineEdit;
  search_->setPlaceholderText(tr("Find a layer…"));
  search_->setToolTip(tr("Type a layer's or block's name (\"layer3.1\", \"inception4a\") and press Enter"));
  search_->setClearButtonEnabled(true);
  search_->setObjectName("findLayer");
  search_->setMinimumWidth(60);
  networks_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  networks_->setMinimumContentsLength(14);
  auto* fit = new QPushButton(tr("Fit"));
  fit->setToolTip(tr("The whole graph in view (0)"));
  auto* openAll = new QPushButton(tr("Open All"));
  openAll->setToolTip(tr("Every block opened to its layers (a large network becomes a long graph)"));
  auto* closeAll = new QPushButton(tr("Close All"));
  closeAll->setToolTip(tr("Back to the blocks as boxes"));
  leftToRight_ = new QCheckBox(tr("Left to right"));
  leftToRight_->setObjectName("leftToRight");
  leftToRight_->setToolTip(tr("Lay the layers out left to right, for a wide screen (remembered)"));
  progress_ = new QProgressBar;
  progress_->setObjectName("architectureProgress");
  progress_->setToolTip(tr("Busy on the compute thread; while the image runs through the network, the share of its "
                           "multiply-accumulates done"));
  progress_->setRange(0, 0);
  progress_->setMaximumWidth(120);
  progress_->setTextVisible(false);
  progress_->hide();
  status_ = new QLabel;
  status_->setWordWrap(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Network:")));
  bar->addWidget(networks_, 1);
  bar->addWidget(open);
  bar->addWidget(progress_);
  // Over the graph: find, fit, open and close.
  auto* graphBar = new QHBoxLayout;
  graphBar->addWidget(search_, 1);
  for (QPushButton* b : {fit, openAll, closeAll}) {
    b->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    graphBar->addWidget(b);
  }
  graphBar->addWidget(leftToRight_);

  graph_ = new ArchitectureGraphView;
  table_ = new QTreeWidget;
  table_->setColumnCount(ColumnCount);
  table_->setHeaderLabels(
      {tr("Layer"), tr("Type"), tr("Window"), tr("Output"), tr("Parameters"), tr("MACs"), tr("MACs %"), tr("Memory")});
  table_->headerItem()->setToolTip(Memory, tr("The outputs' memory for one image, as float32"));
  table_->headerItem()->setToolTip(Macs, tr("Multiply-accumulates for one image (biases not counted)"));
  table_->setUniformRowHeights(true);
  table_->setIndentation(14);
  table_->header()->setSectionResizeMode(Name, QHeaderView::ResizeToContents); // names stay whole
  table_->setAlternatingRowColors(true);
  ideaPanel_ = new QTextBrowser;
  ideaPanel_->setOpenLinks(false);
  ideaPanel_->setMinimumHeight(60);
  mapsTitle_ = new QLabel(tr("Click a box or a row to see its maps on the current image."));
  mapsTitle_->setWordWrap(true);
  mapsTitle_->setObjectName("mapsTitle");
  sharedScale_ = new QCheckBox(tr("One scale for all maps"));
  sharedScale_->setToolTip(tr("Every map of the layer on one colour scale, so their strengths compare"));
  maps_ = new FeatureMapView;
  maps_->setTileSize(150);
  baseFontPoints_ = font().pointSizeF();
  auto* mapsScroll = new QScrollArea;
  mapsScroll->setWidget(maps_);
  mapsScroll->setWidgetResizable(true);
  auto* mapsBox = new QWidget;
  auto* mapsLayout = new QVBoxLayout(mapsBox);
  mapsLayout->setContentsMargins(0, 0, 0, 0);
  filter_ = new QSpinBox;
  filter_->setPrefix(tr("filter "));
  filter_->setRange(0, 0);
  filter_->setToolTip(tr("Which of the convolution's filters the stepper steps (its output map of that number)"));
  step_ = new QPushButton(tr("Step in Stepper"));
  step_->setToolTip(tr("Step this convolution's real filter over its real input in the Stepper, with its bias, "
                       "stride, padding and dilation (a depthwise filter reads its own channel only)"));
  step_->setEnabled(false);
  auto* mapsBar = new QHBoxLayout;
  mapsBar->addWidget(filter_);
  mapsBar->addWidget(step_);
  mapsBar->addStretch(1);
  mapsBar->addWidget(sharedScale_);
  mapsLayout->addWidget(mapsTitle_);
  mapsLayout->addLayout(mapsBar);
  mapsLayout->addWidget(mapsScroll, 1);

  auto* right = new QSplitter(Qt::Vertical);
  rightSplit_ = right;
  right->addWidget(ideaPanel_);
  right->addWidget(table_);
  right->addWidget(mapsBox);
  right->setStretchFactor(0, 1);
  right->setStretchFactor(1, 3);
  right->setStretchFactor(2, 3);
  right->setSizes({110, 260, 300});
  auto* graphBox = new QWidget;
  auto* graphLayout = new QVBoxLayout(graphBox);
  graphLayout->setContentsMargins(0, 0, 0, 0);
  graphLayout->addLayout(graphBar);
  graphLayout->addWidget(graph_, 1);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(graphBox);
  split->addWidget(right);
  split->setStretchFactor(0, 5);
  split->setStretchFactor(1, 6);
  split->setSizes({620, 640});
  split->setObjectName("architectureSplit");
  split_ = split;
  table_->setMinimumWidth(200);

  auto* networkPage = new QWidget;
  auto* page = new QVBoxLayout(networkPage);
  page->setContentsMargins(0, 4, 0, 0);
  page->addLayout(bar);
  page->addWidget(split, 1);
  page->addWidget(status_);
  separable_ = new SeparableView(workspace_);
  pages_ = new QTabWidget;
  QTabWidget* pages = pages_;
  pages->setDocumentMode(true);
  pages->addTab(networkPage, tr("Network"));
  pages->addTab(separable_, tr("Standard · Depthwise · Pointwise"));
  compare_ = new CompareView(presetNetworks());
  pages->addTab(compare_, tr("Compare"));
  pages->setTabToolTip(2, tr("Two architectures side by side: depth, parameters, MACs, memory, and accuracy once "
                             "trained"));
  pages->setTabToolTip(1, tr("The MobileNet slides: one input through a standard, a depthwise and a pointwise "
                             "convolution, with their costs"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages);

  connect(networks_, &QComboBox::activated, this,
          [this](int index) { openNetwork(networks_->itemData(index).toString()); });
  connect(open, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a Network"), QSettings().value("architectureFolder").toString(),
                                     tr("Networks (*.onnx *.json *.layers *.txt);;All files (*)"));
    if (path.isEmpty()) return;
    QSettings().setValue("architectureFolder", QFileInfo(path).absolutePath());
    openNetwork(path);
  });
  connect(search_, &QLineEdit::returnPressed, this, [this] { find(search_->text()); });
  connect(fit, &QPushButton::clicked, graph_, &ArchitectureGraphView::fitAll);
  graph_->setLeftToRight(QSettings().value("architectureLeftToRight", false).toBool());
  leftToRight_->setChecked(graph_->leftToRight());
  connect(leftToRight_, &QCheckBox::toggled, this, [this](bool on) {
    QSettings().setValue("architectureLeftToRight", on);
    graph_->setLeftToRight(on);
    if (presenter_) graph_->zoomToSelection(18);
  });
  connect(openAll, &QPushButton::clicked, graph_, &ArchitectureGraphView::expandAll);
  connect(closeAll, &QPushButton::clicked, graph_, &ArchitectureGraphView::collapseToDefault);
  connect(graph_, &ArchitectureGraphView::nodeClicked, this, [this](int node) {
    selectRow(1, node);
    showNode(node);
  });
  connect(graph_, &ArchitectureGraphView::blockClicked, this, [this](int block) {
    selectRow(2, block);
    showBlock(block);
  });
  connect(table_, &QTreeWidget::itemSelectionChanged, this, &ArchitectureTab::rowChosen);
  connect(sharedScale_, &QCheckBox::toggled, maps_, &FeatureMapView::setSharedScale);
  connect(step_, &QPushButton::clicked, this, [this] { stepFilter(filter_->value()); });
  // The model the window opened (File → Open Model, a drop, the command line) is the network
  // this tab shows next (Ctrl+4), not the preset it showed before.
  connect(workspace_, &Workspace::modelChanged, this, [this] {
    const QString path = workspace_->modelPath();
    if (path.isEmpty() || path == name_) {
      pendingModel_.clear(); // closed (or shown already) meanwhile: nothing to open later
      return;
    }
    if (isVisible())
      openNetwork(path);
    else
      pendingModel_ = path;
  });
  connect(workspace_, &Workspace::preprocessChanged, this, [this] {
    inputStale_ = true;
    if (isVisible()) requestForward();
  });
  connect(workspace_, &Workspace::inputChanged, this, [this] {
    if (std::exchange(settingInput_, false)) return; // a layer's input for the stepper, not an image
    inputStale_ = true;
    if (isVisible()) requestForward();
  });
}

ArchitectureTab::~ArchitectureTab() { jobs_.wait(); } // none may report to this once it is gone

void ArchitectureTab::post(std::function<void()> job) {
  ++pendingJobs_;
  progress_->show();
  jobs_.post(std::move(job));
}

void ArchitectureTab::finishJob() {
  if (--pendingJobs_ == 0) progress_->hide();
}

void ArchitectureTab::openNetwork(const QString& nameOrPath, const QString& select) {
  const uint64_t generation = ++generation_;
  selectWhenLoaded_ = select;
  const std::string spec = nameOrPath.toStdString();
  const int listed = networks_->findData(nameOrPath);
  status_->setText(tr("Making %1…").arg(listed >= 0 ? networks_->itemText(listed) : QFileInfo(nameOrPath).fileName()));
  post([this, engine = engine_, spec, generation, nameOrPath] {
    std::shared_ptr<const ArchitectureGraph> graph;
    ArchitectureIdea idea;
    QString description, error;
    double buildMs = 0;
    bool trained = false;
    const bool fromStructure = isPreset(spec) || isLayerListPath(spec); // else a model file, weights or not
    std::unique_ptr<Network> network;
    Preprocess preprocess;
    try {
      network = std::make_unique<Network>(Shape{1});
      // A preset or a layer list is first made as a skeleton (no weights allocated) for its
      // graph; a model file brings its weights.
      if (isPreset(spec)) {
        StructureOnly skeleton;
        *network = makePreset(spec);
      } else if (isLayerListPath(spec)) {
        StructureOnly skeleton;
        *network = loadLayerList(spec);
      } else {
        Model model = loadModel(spec);
        trained = model.hasWeights;
        if (model.info.preprocess) preprocess = *model.info.preprocess;
        *network = std::move(model.network);
        if (!model.info.preprocess && network->inputShape().rank() == 3)
          preprocess = plainPreprocess(network->inputShape());
      }
      if (!trained) {
        // A network of vectors (no image input) is still drawn; the image cannot run through it.
        if (network->inputShape().rank() == 3) preprocess = plainPreprocess(network->inputShape());
        description = tr("Random weights (He or LeCun initialization, seed 1): the maps show what an untrained "
                         "network does with the image.");
      } else {
        description = tr("Weights from %1.").arg(QFileInfo(nameOrPath).fileName());
      }
      // The graph from the structure alone (shapes, parameters, multiply-adds), before the
      // weights are drawn: VGG-16's 138 M random weights take seconds, its graph milliseconds.
      QElapsedTimer clock;
      clock.start();
      graph = std::make_shared<const ArchitectureGraph>(*network);
      buildMs = double(clock.nsecsElapsed()) / 1e6;
      idea = architectureIdea(*network, *graph);
      if (fromStructure) network.reset(); // a skeleton: made again with its weights below
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        queuedCall([this, generation, nameOrPath, graph, idea, description, error, buildMs, trained] {
          if (!error.isEmpty()) {
            finishJob();
            // The network on screen stays, and its jobs count again (unless another was asked for since).
            if (generation == generation_) generation_ = loadedGeneration_;
            const QString named = error.contains(QFileInfo(nameOrPath).fileName())
                                      ? error
                                      : QFileInfo(nameOrPath).fileName() + ": " + error;
            status_->setText(tr("Could not open the network: %1").arg(named));
            emit failed(named);
            return;
          }
          untrained_ = !trained;
          networkLoaded(generation, nameOrPath, graph, idea, description, buildMs);
        }),
        Qt::QueuedConnection);
    if (!error.isEmpty()) return;
    // The weights, while the graph is drawn: the forward pass the window asks for next is a
    // job after this one on the compute thread, so it finds them ready.
    try {
      if (fromStructure) network = std::make_unique<Network>(isPreset(spec) ? makePreset(spec) : loadLayerList(spec));
      if (!trained) initialize(*network, InitScheme::Auto, 1);
    } catch (const std::exception& e) { // its weights do not fit in memory: the graph stays, the maps say why
      const QString why = QString::fromStdString(e.what());
      QMetaObject::invokeMethod(
          this, queuedCall([this, why] { status_->setText(tr("The network's weights could not be made: %1").arg(why)); }),
          Qt::QueuedConnection);
      network = std::make_unique<Network>(Shape{1});
    }
    engine->network = std::move(network);
    engine->preprocess = preprocess;
    engine->forwarded = false;
    QMetaObject::invokeMethod(
        this, queuedCall([this] { finishJob(); }), Qt::QueuedConnection); // busy until the weights are drawn
  });
}

void ArchitectureTab::networkLoaded(uint64_t generation, const QString& name,
                                    std::shared_ptr<const ArchitectureGraph> graph, ArchitectureIdea idea,
                                    QString description, double buildMs) {
  if (generation != generation_) return; // another network was asked for since
  loadedGeneration_ = generation;
  QElapsedTimer clock;
  clock.start();
  name_ = name;
  graphData_ = std::move(graph);
  idea_ = std::move(idea);
  const int listed = networks_->findData(name_);
  if (listed >= 0) QSettings().setValue("architectureNetwork", name_); // opened again next time
  if (listed >= 0)
    networks_->setCurrentIndex(listed);
  else {
    networks_->addItem(QFileInfo(name_).fileName(), name_);
    networks_->setCurrentIndex(networks_->count() - 1);
  }
  graph_->setGraph(graphData_);
  fillTable();
  ideaPanel_->setHtml(ideaText());
  if (presenter_) fitIdeaPanel();
  const ArchitectureGraph& g = *graphData_;
  status_->setText(
      tr("%1 layers, %2 parameters, %3 MACs per image, %4 of outputs per image. %5")
          .arg(g.nodeCount())
          .arg(qs(withCommas(g.parameters())), qs(shortCount(g.macs())), bytesText(g.activations() * 4), description));
  QStringList names;
  for (const auto& r : g.rows()) names << qs(r.name);
  for (const auto& b : g.blocks()) names << qs(b.name);
  auto* completer = new QCompleter(names, search_);
  completer->setCaseSensitivity(Qt::CaseInsensitive);
  completer->setFilterMode(Qt::MatchContains);
  search_->setCompleter(completer);
  connect(completer, qOverload<const QString&>(&QCompleter::activated), this, &ArchitectureTab::find);
  shownNode_ = -2;
  maps_->setResult(nullptr);
  mapsTitle_->setText(tr("Click a box or a row to see its maps on the current image."));
  // On screen now (what `bench browser` reports as graph_ms).
  graph_->viewport()->repaint();
  table_->viewport()->repaint();
  graphMs_ = buildMs + double(clock.nsecsElapsed()) / 1e6;
  emit loaded();
  if (!selectWhenLoaded_.isEmpty()) find(std::exchange(selectWhenLoaded_, QString()));
  inputStale_ = true;
  requestForward();
}

QWidget* ArchitectureTab::tableView() const { return table_; }

void ArchitectureTab::setPresenterMode(bool on) {
  presenter_ = on;
  table_->setVisible(!on); // its eight columns cannot be read from the back: the graph and the idea say it
  // Presenting, the graph takes the screen's whole width (an opened inception module's four
  // branches side by side at 18 px), the explanation and the maps share the band under it.
  split_->setOrientation(on ? Qt::Vertical : Qt::Horizontal);
  rightSplit_->setOrientation(on ? Qt::Horizontal : Qt::Vertical);
  placePanes();
  if (on) {
    graph_->zoomToSelection(18);
  } else {
    graph_->showTop();
  }
}

void ArchitectureTab::placePanes() {
  if (!presenter_) {
    split_->setSizes({620, 640});
    rightSplit_->setSizes({110, 260, 300});
    return;
  }
  const int height = std::max(split_->height(), 500);
  split_->setSizes({height * 58 / 100, height - height * 58 / 100});
  fitIdeaPanel();
}

void ArchitectureTab::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (presenter_) placePanes();
}

// Presenting: the explanation as wide as it needs to show whole in the band's height (at
// least 40 % of it), the maps beside it.
void ArchitectureTab::fitIdeaPanel() {
  QTextDocument* doc = ideaPanel_->document();
  const int total = std::max(rightSplit_->width(), 600), band = std::max(split_->sizes().value(1), 150);
  const int frame = 2 * ideaPanel_->frameWidth() + 8;
  int width = total * 40 / 100;
  for (; width < total * 80 / 100; width += total / 20) {
    doc->setTextWidth(width - frame);
    if (doc->size().height() + frame <= band) break;
  }
  rightSplit_->setSizes({width, 0, total - width});
}

void ArchitectureTab::showSeparable() { pages_->setCurrentWidget(separable_); }

QString ArchitectureTab::ideaText() const {
  QString html =
      QStringLiteral("<p><b>%1</b>: %2</p><ul>").arg(qs(idea_.family).toHtmlEscaped(), qs(idea_.idea).toHtmlEscaped());
  // The counts follow the selection: the selected residual block's F and shortcut, the
  // selected inception module's branches (the family's first block until one is chosen).
  const std::vector<std::string> points =
      graphData_ && shownNode_ >= 0 ? idea_.pointsFor(*graphData_, shownNode_) : idea_.points;
  for (const std::string& p : points) html += "<li>" + qs(p).toHtmlEscaped() + "</li>";
  return html + "</ul>";
}

void ArchitectureTab::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() != QEvent::FontChange) return;
  // Presenter mode's larger text: the table's columns and the maps grow with it.
  for (int c = 0; c < table_->columnCount(); ++c) table_->resizeColumnToContents(c);
  maps_->setTileSize(int(150 * std::max(1.0, font().pointSizeF() / baseFontPoints_)));
}

void ArchitectureTab::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!pendingModel_.isEmpty()) { // the model the window opened meanwhile
    openNetwork(std::exchange(pendingModel_, QString()));
  } else if (!graphData_ && generation_ == 0) { // the network shown last time, if it is one of the list
    const QString last = QSettings().value("architectureNetwork").toString();
    openNetwork(networks_->findData(last) >= 0 ? last : networks_->currentData().toString());
  } else if (inputStale_) {
    requestForward();
  }
}

void ArchitectureTab::requestForward() {
  if (!graphData_ || workspace_->input().size() == 0) return;
  inputStale_ = false;
  const uint64_t number = ++forwardNumber_;
  const uint64_t generation = generation_;
  progress_->setRange(0, 100); // the forward's share of the network's MACs done
  progress_->setValue(0);
  progress_->setTextVisible(true);
  // The window's normalization for the model it has open, when this is that model's file.
  std::optional<Preprocess> preprocess;
  if (workspace_->hasModel() && workspace_->modelPath() == name_) preprocess = workspace_->modelPreprocess();
  post([this, engine = engine_, image = workspace_->input(), matrix = workspace_->inputIsMatrix(), preprocess, number,
        generation] {
    QString error;
    double ms = 0;
    try {
      QElapsedTimer clock;
      clock.start();
      if (engine->network->inputShape().rank() != 3)
        throw std::invalid_argument("it reads vectors of " + engine->network->inputShape().toString() +
                                    " values, not images");
      engine->input = prepareInput(image.inLayout(Layout::NCHW), preprocess ? *preprocess : engine->preprocess, matrix);
      // Progress by MACs, not layers: VGG's first convolutions are most of its work. The
      // bar moves when a percent is done and 40 ms have passed (a small network: never).
      std::vector<double> macsDone;
      double total = 0;
      for (const Network::SummaryRow& row : engine->network->summaryRows())
        macsDone.push_back(total += double(std::max<int64_t>(row.macs, 1)));
      int shown = 0;
      const auto afterNode = [&](size_t node) {
        const int percent = int(100 * macsDone[node] / total);
        if (percent <= shown || clock.elapsed() < 40) return;
        shown = percent;
        QMetaObject::invokeMethod(
            this,
            queuedCall([this, generation, percent] {
              if (generation == generation_ && progress_->maximum() == 100) progress_->setValue(percent);
            }),
            Qt::QueuedConnection);
      };
      engine->network->forward(*engine->backend, engine->input, afterNode);
      engine->forwarded = true;
      ms = double(clock.nsecsElapsed()) / 1e6;
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        queuedCall([this, number, generation, error, ms] {
          progress_->setRange(0, 0); // busy again, for the jobs that follow
          progress_->setTextVisible(false);
          finishJob();
          if (generation != generation_) return;
          if (!error.isEmpty()) {
            mapsTitle_->setText(tr("The image could not run through the network: %1").arg(error));
            return;
          }
          forwardDone_ = number;
          forwardMs_ = ms;
          emit forwarded();
          if (shownNode_ < -1 && graphData_->nodeCount() > 0) { // nothing chosen yet: the first layer's maps
            graph_->selectNode(0);
            selectRow(1, 0);
            showNode(0); // as a click on it: its filters can be stepped; it asks for the maps
            return;
          }
          requestMaps();
        }),
        Qt::QueuedConnection);
  });
}

void ArchitectureTab::showNode(int node) {
  if (!graphData_ || node < -1 || node >= int(graphData_->nodeCount())) return;
  shownNode_ = node;
  const bool conv = node >= 0 && graphData_->isConvolution(node);
  step_->setEnabled(conv);
  filter_->setEnabled(conv);
  step_->setToolTip(conv ? tr("Step this convolution's real filter over its real input in the Stepper, with its bias, "
                              "stride, padding and dilation (a depthwise filter reads its own channel only)")
                         : tr("Only a convolution has filters to step: choose one in the graph or the table"));
  filter_->setRange(0, conv ? int(graphData_->rows()[size_t(node)].output[0]) - 1 : 0);
  const QString what = node < 0 ? tr("the input, prepared for the network") : qs(graphData_->title(node));
  mapsTitle_->setText(untrained_ ? what + tr(" — random, untrained weights") : what);
  ideaPanel_->setHtml(ideaText());
  if (presenter_) {
    fitIdeaPanel();
    graph_->zoomToSelection(18);
  }
  if (forwardDone_ > 0 && forwardDone_ == forwardNumber_) requestMaps();
}

bool ArchitectureTab::stepFilter(int filter) {
  const int node = shownNode_;
  if (loadedGeneration_ != generation_) {
    emit failed(tr("Wait until the network has opened, then step its filter"));
    return false;
  }
  if (!graphData_ || node < 0 || !graphData_->isConvolution(node) || forwardDone_ == 0) {
    emit failed(tr("Choose a convolution (and let the image run through the network) to step one of its filters"));
    return false;
  }
  struct Lesson {
    Tensor input;
    NamedKernel kernel;
    FilterOptions options;
    QString name, error;
  };
  auto lesson = std::make_shared<Lesson>();
  std::promise<void> ready;
  std::future<void> got = ready.get_future();
  // On the compute thread, which owns the network; the GUI waits for these few copies.
  post([engine = engine_, node, filter, lesson, &ready] {
    try {
      Network& net = *engine->network;
      const LearnedFilter f = learnedFilter(net, size_t(node), filter);
      const int from = net.nodes()[size_t(node)].inputs.front();
      const Tensor input = (from < 0 ? engine->input : net.output(size_t(from))).inLayout(Layout::NCHW);
      const Shape& s = input.shape();
      // The input channels this filter reads: all of them, or its group's.
      Tensor channels(Shape{1, f.channels, s[2], s[3]});
      const int64_t plane = s[2] * s[3];
      std::copy_n(input.values().begin() + long(f.firstChannel * plane), f.channels * plane,
                  channels.values().begin());
      lesson->input = channels;
      lesson->kernel = f.kernel;
      lesson->options = f.options;
      lesson->name = QString::fromStdString(f.layer) + (f.groups > 1 ? QStringLiteral(": input channels %1–%2 (group %3)")
                                                                          .arg(f.firstChannel)
                                                                          .arg(f.firstChannel + f.channels - 1)
                                                                          .arg(f.group)
                                                                    : QStringLiteral(": its input"));
    } catch (const std::exception& e) {
      lesson->error = QString::fromStdString(e.what());
    }
    ready.set_value();
  });
  got.wait();
  finishJob();
  if (!lesson->error.isEmpty()) {
    emit failed(lesson->error);
    return false;
  }
  settingInput_ = true;
  workspace_->setMatrix(lesson->input, lesson->name);
  workspace_->setKernels({lesson->kernel});
  workspace_->setProcessing(lesson->options, ActivationKind::None, false, workspace_->pool());
  emit stepperRequested();
  return true;
}

void ArchitectureTab::showBlock(int block) {
  if (!graphData_ || block < 0 || size_t(block) >= graphData_->blocks().size()) return;
  showNode(graphData_->blocks()[size_t(block)].output);
}

void ArchitectureTab::requestMaps() {
  const int node = shownNode_;
  const uint64_t generation = generation_;
  const bool presenter = font().pointSizeF() > 14;
  post([this, engine = engine_, node, generation, presenter] {
    auto result = std::make_shared<PipelineResult>();
    try {
      if (!engine->forwarded) throw std::invalid_argument("the network has not run yet");
      Network& net = *engine->network;
      const int side = presenter ? 192 : 128;
      if (node < 0) {
        PipelineStage input;
        input.title = "input, prepared for the network";
        input.detail = engine->input.shape().toString();
        input.images = renderMaps(engine->input, side);
        input.maps = engine->input;
        result->stages.push_back(std::move(input));
      } else {
        result->stages.push_back(layerStage(net.layer(size_t(node)), net.output(size_t(node)), side));
      }
    } catch (const std::exception& e) {
      result->error = e.what();
    }
    QMetaObject::invokeMethod(
        this,
        queuedCall([this, result, node, generation] {
          finishJob();
          if (generation != generation_ || node != shownNode_) return;
          maps_->setResult(result);
          maps_->repaint();
          emit mapsShown();
        }),
        Qt::QueuedConnection);
  });
}

void ArchitectureTab::fillTable() {
  const QSignalBlocker blocker(table_);
  table_->clear();
  const ArchitectureGraph& g = *graphData_;
  nodeRows_.assign(g.nodeCount(), nullptr);
  blockRows_.assign(g.blocks().size(), nullptr);
  const double total = double(std::max<int64_t>(g.macs(), 1));
  const auto fill = [&](QTreeWidgetItem* row, const QString& name, const QString& type, const QString& window,
                        const Shape& out, int64_t params, int64_t macs, int64_t values) {
    row->setText(Name, name);
    row->setText(Type, type);
    row->setText(Window, window);
    row->setText(Output, qs(shapeText(out)));
    row->setText(Parameters, qs(withCommas(params)));
    row->setText(Macs, qs(withCommas(macs)));
    row->setText(MacShare, QString::number(100.0 * double(macs) / total, 'f', 1));
    row->setText(Memory, bytesText(values * 4));
    for (int c : {Parameters, Macs, MacShare, Memory}) row->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
  };
  const std::function<QTreeWidgetItem*(int)> blockRow = [&](int b) -> QTreeWidgetItem* {
    if (b < 0) return nullptr;
    if (blockRows_[size_t(b)]) return blockRows_[size_t(b)];
    const ArchitectureBlock& block = g.blocks()[size_t(b)];
    QTreeWidgetItem* parent = blockRow(block.parent);
    auto* row = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(table_);
    fill(row, qs(block.name), tr("%1 · %2 layers").arg(qs(toString(block.kind))).arg(block.nodes.size()), QString(),
         g.rows()[size_t(block.output)].output, block.parameters, block.macs, block.activations);
    QFont bold = row->font(Name);
    bold.setBold(true);
    row->setFont(Name, bold);
    row->setData(Name, Qt::UserRole, 2);
    row->setData(Name, Qt::UserRole + 1, b);
    blockRows_[size_t(b)] = row;
    return row;
  };
  for (size_t i = 0; i < g.nodeCount(); ++i) {
    QTreeWidgetItem* parent = blockRow(g.innermostBlock(int(i)));
    auto* row = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(table_);
    const auto& r = g.rows()[i];
    fill(row, qs(r.name), qs(r.type), qs(g.window(int(i))), r.output, r.parameters, r.macs, r.output.elementCount());
    row->setData(Name, Qt::UserRole, 1);
    row->setData(Name, Qt::UserRole + 1, int(i));
    nodeRows_[i] = row;
  }
  // Open the table as far as the graph is open.
  for (size_t b = 0; b < g.blocks().size(); ++b) blockRows_[b]->setExpanded(!graph_->collapsed()[b]);
  for (int c = 0; c < ColumnCount; ++c) table_->resizeColumnToContents(c);
}

void ArchitectureTab::selectRow(int kind, int index) {
  QTreeWidgetItem* row = kind == 1 && index >= 0 && size_t(index) < nodeRows_.size()    ? nodeRows_[size_t(index)]
                         : kind == 2 && index >= 0 && size_t(index) < blockRows_.size() ? blockRows_[size_t(index)]
                                                                                        : nullptr;
  const QSignalBlocker blocker(table_);
  table_->clearSelection();
  if (!row) return;
  table_->setCurrentItem(row);
  row->setSelected(true);
  table_->scrollToItem(row);
}

void ArchitectureTab::rowChosen() {
  const QList<QTreeWidgetItem*> rows = table_->selectedItems();
  if (rows.isEmpty()) return;
  const int kind = rows.front()->data(Name, Qt::UserRole).toInt();
  const int index = rows.front()->data(Name, Qt::UserRole + 1).toInt();
  if (kind == 1) {
    graph_->selectNode(index);
    showNode(index);
  } else if (kind == 2) {
    graph_->selectBlock(index);
    showBlock(index);
  }
}

void ArchitectureTab::find(const QString& text) {
  if (!graphData_ || text.trimmed().isEmpty()) return;
  const std::string wanted = text.trimmed().toStdString();
  for (size_t b = 0; b < graphData_->blocks().size(); ++b)
    if (graphData_->blocks()[b].name == wanted) {
      graph_->selectBlock(int(b));
      selectRow(2, int(b));
      showBlock(int(b));
      return;
    }
  for (size_t i = 0; i < graphData_->nodeCount(); ++i)
    if (graphData_->rows()[i].name.find(wanted) != std::string::npos) {
      graph_->selectNode(int(i));
      selectRow(1, int(i));
      showNode(int(i));
      return;
    }
  status_->setText(tr("No layer or block is called \"%1\".").arg(text));
}

std::vector<Figure> ArchitectureTab::figures() const {
  std::vector<Figure> list;
  if (pages_->currentWidget() == separable_)
    list.push_back(widgetFigure(separable_, "depthwise", tr("Standard, depthwise and pointwise convolution")));
  if (pages_->currentWidget() == compare_)
    list.push_back(widgetFigure(compare_, "compare", tr("Two architectures compared")));
  if (!graphData_) return list;
  const QString name = QFileInfo(name_).completeBaseName(); // a file's name without its folder
  list.push_back(sceneFigure(graph_->scene(), name + "-graph", tr("The graph of %1").arg(name)));
  TextTable table = networkSummaryTable(graphData_->rows(), graphData_->inputShape(), 1);
  table.caption = name.toStdString();
  list.push_back(tableFigure(table, font(), name + "-table", tr("The layers of %1 as a table").arg(name)));
  if (shownNode_ > -2) list.push_back(widgetFigure(maps_, name + "-maps", tr("The feature maps shown")));
  return list;
}

} // namespace convscope::ui
