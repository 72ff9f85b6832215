// Main window: assembly, files in (open, drop, paste), errors, tabs and remembered settings.
// Its menus are in MainWindowMenus.cpp, lecture files in MainWindowLectures.cpp, presenter
// mode in MainWindowPresenter.cpp; the samples catalogue in Samples.cpp.
#include "ui/window/MainWindow.h"

#include "ui/maps/SaliencyDialog.h"
#include "ui/maps/NormalizationDialog.h"

#include "ui/export/AnimationExport.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/applications/ApplicationsTab.h"
#include "ui/applications/DetectionPage.h"
#include "ui/applications/GanPanel.h"
#include "ui/applications/SuperResolutionPanel.h"
#include "ui/applications/GenerationPage.h"
#include "ui/applications/VaePanel.h"
#include "ui/applications/SegmentationPage.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/architectures/CompareView.h"
#include "ui/maps/ControlPanels.h"
#include "ui/export/ExportDialog.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/inspection/InspectionTab.h"
#include "ui/maps/EffectiveFields.h"
#include "ui/maps/LiveFeed.h"
#include "ui/maps/PipelineRunner.h"
#include "ui/architectures/SeparableView.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/TransposedStepper.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"
#include "ui/window/RecentFiles.h"
#include "ui/window/Samples.h"

#include "engine/training/Dataset.h"
#include "engine/io/ImageIO.h"
#include "engine/lessons/Kernels.h"
#include "engine/io/MatrixText.h"
#include "engine/io/Onnx.h"
#include "engine/io/VideoSource.h"
#include "engine/lessons/Pipeline.h"

#include <omp.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QHBoxLayout>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <optional>
#include <tuple>

namespace convscope::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QStringLiteral("ConvScope %1").arg(CONVSCOPE_VERSION));
  setAcceptDrops(true);
  // The GUI thread's own engine work (thumbnails, the stepper, the drawing pad) is small:
  // one OpenMP thread, so it keeps no OpenMP pool of its own. Several pools in a process
  // with more OpenMP threads than cores make libgomp throttle its spinning, which slows
  // the trainer's worker thread (see BENCHMARKS.md, training in the window).
  omp_set_num_threads(1);
  qRegisterMetaType<PipelineSnapshot>("convscope::ui::PipelineSnapshot");
  workspace_ = new Workspace(this);
  runner_ = new PipelineRunner(this);

  // Centre: an error banner over the tabs.
  errorBanner_ = new QLabel;
  errorBanner_->setObjectName("errorBanner");
  errorBanner_->setWordWrap(true);
  errorBanner_->setStyleSheet("background: #fde0dc; color: #8b0000; padding: 6px; border: 1px solid #b2182b;");
  errorBanner_->hide();
  errorTimer_ = new QTimer(this);
  errorTimer_->setSingleShot(true);
  errorTimer_->setInterval(10000);
  connect(errorTimer_, &QTimer::timeout, errorBanner_, &QLabel::hide);

  featureMaps_ = new FeatureMapView;
  // The live view's request first, before any panel's own refresh (Qt calls slots in the order
  // they were connected): the compute thread starts while the panels redraw.
  for (auto signal : {&Workspace::inputChanged, &Workspace::kernelsChanged, &Workspace::settingsChanged,
                      &Workspace::modelChanged, &Workspace::preprocessChanged})
    connect(workspace_, signal, this, &MainWindow::requestUpdate);
  featureScroll_ = new QScrollArea;
  featureScroll_->setWidget(featureMaps_);
  featureScroll_->setWidgetResizable(true);
  stepper_ = new Stepper(workspace_);
  tabs_ = new QTabWidget;
  // Over the maps while a camera or video is live: its name, the frame, the rate shown, the
  // frames dropped, and Stop.
  liveFeed_ = new LiveFeed(this);
  liveBar_ = new QFrame;
  liveBar_->setObjectName("liveBar");
  liveBar_->setStyleSheet("#liveBar { background: #e8f0fa; border: 1px solid #2166ac; }");
  liveLabel_ = new QLabel;
  liveLabel_->setObjectName("liveLabel");
  liveLabel_->setToolTip(tr("Frames shown a second, and frames dropped because the maps were still being computed: "
                            "the newest frame is always the next one shown, none waits in a queue"));
  auto* stopLiveButton = new QPushButton(tr("Stop"));
  stopLiveButton->setToolTip(tr("Stop the camera or video; the last frame stays (File → Camera)"));
  connect(stopLiveButton, &QPushButton::clicked, this, [this] { stopLive(); });
  auto* liveLayout = new QHBoxLayout(liveBar_);
  liveLayout->setContentsMargins(8, 2, 8, 2);
  liveLayout->addWidget(liveLabel_, 1);
  liveLayout->addWidget(stopLiveButton);
  liveBar_->hide();
  featurePage_ = new QWidget;
  auto* featureLayout = new QVBoxLayout(featurePage_);
  featureLayout->setContentsMargins(0, 0, 0, 0);
  featureLayout->setSpacing(2);
  featureLayout->addWidget(liveBar_);
  featureLayout->addWidget(featureScroll_, 1);
  tabs_->addTab(featurePage_, tr("Feature maps"));
  tabs_->addTab(stepper_, tr("Stepper"));
  training_ = new TrainingPanel;
  // Scrolls when the window is small (with the side panels shown on another tab the panel's
  // minimum width would otherwise widen the whole window past a projector's screen).
  trainingScroll_ = new QScrollArea;
  trainingScroll_->setWidget(training_);
  trainingScroll_->setWidgetResizable(true);
  trainingScroll_->setFrameShape(QFrame::NoFrame);
  tabs_->addTab(trainingScroll_, tr("Training"));
  architectures_ = new ArchitectureTab(workspace_);
  // Its bars' minimum width must not widen the window past a projector's screen while the
  // side panels show on another tab; on its own tab it has the whole width.
  architectures_->setMinimumSize(420, 320);
  tabs_->addTab(architectures_, tr("Architectures"));
  tabs_->setTabToolTip(3, tr("The lecture's networks as a graph, a table and feature maps on the current image "
                             "(Ctrl+4)"));
  applications_ = new ApplicationsTab;
  applications_->setMinimumSize(420, 320);
  tabs_->addTab(applications_, tr("Applications"));
  tabs_->setTabToolTip(4, tr("What convolutional networks do beyond one label an image: segmentation and detection (Ctrl+5)"));
  inspection_ = new InspectionTab(workspace_);
  inspection_->setMinimumSize(420, 320);
  tabs_->addTab(inspection_, tr("Inspect"));
  tabs_->setTabToolTip(5, tr("Inside the open model: what each unit wants to see, and images that fool it (Ctrl+6)"));
  // One training run at a time in the window: the compute thread has one trainer.
  applications_->setOtherTraining([this] { return training_->isTraining(); });
  training_->setOtherTraining([this] { return applications_->isTraining(); });
  connect(training_, &TrainingPanel::epochReported, this, &CompareView::rememberTraining);
  connect(architectures_, &ArchitectureTab::stepperRequested, this, [this] {
    showStepper();
    statusBar()->showMessage(
        tr("The stepper steps %1 over %2").arg(workspace_->kernels().front().name.c_str(), workspace_->inputName()),
        8000);
  });
  connect(architectures_, &ArchitectureTab::failed, this,
          [this](const QString& message) { showError(tr("Could not open the network: %1").arg(message)); });
  connect(training_, &TrainingPanel::modelSaved, this, [this](const QString& path) { openModel(path); });
  auto* centre = new QWidget;
  auto* layout = new QVBoxLayout(centre);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(errorBanner_);
  layout->addWidget(tabs_, 1);
  setCentralWidget(centre);

  // Side panels.
  inputPanel_ = new InputPanel(workspace_);
  convolutionPanel_ = new ConvolutionPanel(workspace_);
  kernelPanel_ = new KernelPanel(workspace_);
  auto dock = [this](const QString& title, const QString& name, QWidget* widget, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(widget);
    addDockWidget(area, d);
    return d;
  };
  dock(tr("Input"), "inputDock", inputPanel_, Qt::LeftDockWidgetArea);
  dock(tr("Samples"), "samplesDock",
       makeSamplesGallery(lectureSamples(), [this](const Sample& sample) { openSample(sample); }),
       Qt::LeftDockWidgetArea);
  convolutionDock_ =
      dock(tr("Convolution, activation, pooling"), "convolutionDock", convolutionPanel_, Qt::LeftDockWidgetArea);
  dock(tr("Kernels"), "kernelDock", kernelPanel_, Qt::RightDockWidgetArea);

  connect(inputPanel_, &InputPanel::editMatrixRequested, this, &MainWindow::editMatrix);
  // A setting changed in the overlay moves the grids: the overlay moves off the output grid.
  connect(workspace_, &Workspace::settingsChanged, this, [this] {
    if (settingsOverlay_ && settingsOverlay_->isVisible())
      QTimer::singleShot(0, this, [this] { placeSettingsOverlay(); });
  });
  connect(workspace_, &Workspace::modelChanged, this, [this] {
    // With a model open the maps are its layers: the hand-made pipeline's settings rest.
    convolutionPanel_->setEnabled(!workspace_->hasModel());
    convolutionPanel_->setToolTip(workspace_->hasModel() ? tr("A model is open (File → Close Model to go back)")
                                                         : QString());
  });
  connect(runner_, &PipelineRunner::resultReady, featureMaps_, &FeatureMapView::setResult);
  // Live input: a frame is taken when one waits and the pipeline is free — on the feed's call, or
  // when a result arrives (after the maps have it).
  connect(liveFeed_, &LiveFeed::frameWaiting, this, &MainWindow::showLiveFrame);
  connect(runner_, &PipelineRunner::resultReady, this, &MainWindow::showLiveFrame);
  connect(liveFeed_, &LiveFeed::ended, this, [this] {
    updateLiveBar();
    statusBar()->showMessage(tr("%1 ended").arg(liveFeed_->sourceName()), 8000);
  });
  // Any other input (a file, a sample, a paste, a lecture) ends the live one.
  connect(workspace_, &Workspace::inputChanged, this, [this] {
    if (!settingLiveFrame_ && liveFeed_->isRunning()) stopLive();
  });
  connect(featureMaps_, &FeatureMapView::renderSideChanged, this, &MainWindow::requestUpdate);
  connect(featureMaps_, &FeatureMapView::hovered, this,
          [this](const QString& text) { statusBar()->showMessage(text, 4000); });
  // A model's unit under the mouse: its effective receptive field, from the compute thread.
  // A field computed on an earlier frame of the same model is shown until the newest one's comes
  // (a video moves on faster than a large network's backward pass); another model's never.
  effectiveFields_ = new EffectiveFields(
      [this](const PipelineSnapshot& on, int stage, int map, int64_t row, int64_t col, Tensor heat) {
        const PipelineSnapshot& shown = featureMaps_->result();
        if (shown && shown->model == on->model) featureMaps_->setEffectiveField(stage, map, row, col, std::move(heat));
      },
      this);
  connect(featureMaps_, &FeatureMapView::unitHovered, this,
          [this](int stage, int node, int map, qint64 row, qint64 col) {
            // The same unit asked again by a new frame: at most five times a second, so that a resting
            // mouse over a live video does not take every other turn of the compute thread.
            const std::array<int64_t, 4> unit{stage, map, row, col};
            const double now = double(fieldClock_.elapsed());
            if (unit == lastFieldUnit_ && now - lastFieldAt_ < 200.0) return; // the one asked for is on its way
            lastFieldUnit_ = unit, lastFieldAt_ = now;
            effectiveFields_->request(featureMaps_->result(), stage, node, map, row, col);
          });
  fieldClock_.start();

  connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::tabChanged);
  createMenus(); // MainWindowMenus.cpp
  statusBar()->showMessage(tr("Drop an image or a matrix file anywhere on the window, or open one with Ctrl+O."));

  QSettings settings;
  restoreState(settings.value("window/state").toByteArray());
  placeOnScreen(settings.value("window/geometry").toByteArray());
  workspace_->setWorkingSide(settings.value("input/workingSide", 512).toInt());
  // Contrast is not carried from one start to the next: a ×4 left over from last week's
  // edges would wash out today's photo. Every start is automatic (see FeatureMapView).
  settings.remove("view/contrast");
  const QString last = settings.value("input/lastFile").toString();
  if (!last.isEmpty() && QFileInfo::exists(last)) workspace_->loadFile(last, nullptr);
  const QString kernel = settings.value("kernels/last").toString();
  if (!kernel.isEmpty()) kernelPanel_->useClassic(kernel, false);
  requestUpdate();
}

MainWindow::~MainWindow() {
  // Presenting changed the application's font and palette: a window closed while presenting
  // gives them back (another window, or the next one in a test, starts as it should).
  if (presenter_) {
    QFont font = QApplication::font();
    font.setPointSizeF(font.pointSizeF() / kPresenterScale);
    QApplication::setFont(font);
    QApplication::setPalette(paletteBeforePresenter_);
  }
}

// A remembered size and place only while they still fit the screen (the same laptop on
// a 1280×800 projector); otherwise 1400×900 or the screen's available area, whichever is
// smaller, centred. The frame (title bar, borders) counts: it is what must fit.
void MainWindow::placeOnScreen(const QByteArray& remembered) {
  QScreen* screen = QGuiApplication::primaryScreen();
  if (!screen) return;
  const QRect available = screen->availableGeometry();
  if (!remembered.isEmpty() && restoreGeometry(remembered) && !isMaximized() && !isFullScreen() &&
      available.contains(frameGeometry()))
    return;
  if (!remembered.isEmpty() && (isMaximized() || isFullScreen())) return; // maximized fits by definition
  // The frame is not known before the window is shown: allow a title bar and borders.
  const QSize frame(8, 40);
  const QSize size(std::min(1400, available.width() - frame.width()),
                   std::min(900, available.height() - frame.height()));
  resize(size);
  move(available.left() + (available.width() - size.width() - frame.width()) / 2,
       available.top() + (available.height() - size.height() - frame.height()) / 2);
}

QSize MainWindow::sizeHint() const {
  const QScreen* screen = QGuiApplication::primaryScreen();
  return screen ? QSize(1400, 900).boundedTo(screen->availableGeometry().size()) : QSize(1400, 900);
}

void MainWindow::stepSample(int step) {
  const std::vector<Sample> all = lectureSamples();
  if (all.empty()) return;
  const int n = int(all.size());
  const int next = sampleIndex_ < 0 ? (step > 0 ? 0 : n - 1) : ((sampleIndex_ + step) % n + n) % n;
  openSample(all[size_t(next)]);
  statusBar()->showMessage(tr("Sample %1 of %2: %3").arg(next + 1).arg(n).arg(all[size_t(next)].title), 4000);
}

void MainWindow::openSample(const Sample& sample) {
  const std::vector<Sample> all = lectureSamples();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].title == sample.title) sampleIndex_ = int(i);
  if (sample.lecture) workspace_->setChannelsMode(sample.channels);
  if (!openFile(sample.path)) return;
  if (!sample.deconv.isEmpty()) { // the transposed convolution's own sample, in the stepper
    stepper_->setMode(Stepper::Mode::Transposed);
    stepper_->transposed()->setSample(TransposedStepper::sampleNamed(sample.deconv.toStdString()));
    showStepper();
    return;
  }
  if (!sample.lecture) return;
  try {
    std::vector<NamedKernel> kernels;
    for (const QString& k : sample.kernels) {
      if (const ClassicKernel* classic = findClassicKernel(k.toStdString()))
        kernels.push_back({classic->name, classic->weights});
      else
        kernels.push_back({QFileInfo(k).fileName().toStdString(), loadMatrixFile(k.toStdString())});
    }
    FilterOptions o = workspace_->convolution();
    o.padding = PaddingSpec::parse(sample.padding.toStdString());
    o.bias = sample.bias;
    o.strideH = o.strideW = sample.stride;
    o.dilationH = o.dilationW = 1;
    Pool2DGeometry pool;
    pool.mode = sample.poolMode;
    pool.kernelH = pool.kernelW = sample.poolSize;
    pool.strideH = pool.strideW = sample.poolStride;
    workspace_->setKernels(kernels);
    workspace_->setProcessing(o, sample.activation, sample.pooling, pool);
    stepper_->setMode(static_cast<Stepper::Mode>(sample.stepMode));
    stepper_->reset();
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
  }
}

bool MainWindow::openFile(const QString& path) {
  if (path.endsWith(".convscope", Qt::CaseInsensitive)) return openLecture(path);
  // A layer list of ConvScope's own type (.layers) is a network: its graph and table.
  if (path.endsWith(".layers", Qt::CaseInsensitive)) {
    showArchitectures();
    architectures_->openNetwork(path);
    recentFiles_->remember(path);
    return true;
  }
  // A model (ConvScope's file or ONNX, opened, dropped or given on the command line) opens
  // as the model whose layers the feature maps show.
  if (isOnnxPath(path.toStdString()) || path.endsWith(".json", Qt::CaseInsensitive)) {
    if (!openModel(path)) return false;
    recentFiles_->remember(path);
    return true;
  }
  QString error;
  if (!workspace_->loadFile(path, &error)) {
    showError(tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  errorBanner_->hide();
  if (!workspace_->inputIsMatrix()) usePhotoBankIfNeeded();
  recentFiles_->remember(path);
  QSettings().setValue("input/lastFile", QFileInfo(path).absoluteFilePath());
  statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
  return true;
}

// A photo through the lecture's 6×6 filter (or another slide's kernel file) shows next to
// nothing: ReLU and pooling of it are black. A photo then gets a bank that shows
// something: edges both ways, the Laplacian, sharpen and blur, with "same" padding.
// Any other bank (classic kernels, a model's filters, an edited kernel) is the user's.
void MainWindow::usePhotoBankIfNeeded() {
  const auto& bank = workspace_->kernels();
  const bool forMatrices = !bank.empty() && std::all_of(bank.begin(), bank.end(), [](const NamedKernel& k) {
    return k.name == "filter 1" || QString::fromStdString(k.name).endsWith(".txt"); // the start's, or a slide's file
  });
  if (!forMatrices) return;
  // Each kernel spans the input's depth (its block on every colour channel, the channels
  // summed, Filtering.h), as a CNN's filter does in the lecture's RGB example: five filters,
  // five maps, depth 5.
  std::vector<NamedKernel> kernels;
  for (const char* name : {"sobel-x", "sobel-y", "laplacian-4", "sharpen", "box-blur"})
    if (const ClassicKernel* k = findClassicKernel(name)) kernels.push_back({k->name, k->weights});
  FilterOptions o = workspace_->convolution();
  o.padding = PaddingSpec::parse("same");
  o.strideH = o.strideW = 1;
  o.dilationH = o.dilationW = 1;
  o.bias = 0;
  workspace_->setKernels(kernels);
  workspace_->setConvolution(o);
  statusBar()->showMessage(tr("A photo: the bank is now Sobel x and y, Laplacian, sharpen and box blur, each "
                              "across all of the photo's channels (pick others in the Kernels panel)"),
                           8000);
}

NormalizationDialog* MainWindow::showNormalization() {
  if (!normalization_) normalization_ = new NormalizationDialog(workspace_, this);
  normalization_->refresh();
  normalization_->show();
  normalization_->raise();
  return normalization_;
}

SaliencyDialog* MainWindow::showSaliency() {
  if (!saliency_) saliency_ = new SaliencyDialog(workspace_, this);
  saliency_->show();
  saliency_->raise();
  return saliency_;
}

bool MainWindow::openModel(const QString& path) {
  QString error;
  if (!workspace_->loadModel(path, &error)) {
    showError(tr("Could not open the model: %1").arg(error));
    return false;
  }
  errorBanner_->hide();
  showFeatureMaps();
  statusBar()->showMessage(tr("Model %1: the feature maps show its layers on the input").arg(workspace_->modelName()),
                           8000);
  return true;
}

bool MainWindow::exportModelAsOnnx(const QString& path) {
  const Network* network = workspace_->network();
  if (!network) {
    showError(tr("No model to export: open one (File → Open Model…), or train and save one in the Training tab"));
    return false;
  }
  QApplication::setOverrideCursor(Qt::WaitCursor);
  try {
    exportOnnx(path.toStdString(), *network);
  } catch (const std::exception& e) {
    QApplication::restoreOverrideCursor();
    showError(tr("Could not export the model: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  QApplication::restoreOverrideCursor();
  errorBanner_->hide();
  statusBar()->showMessage(
      tr("Exported %1 as ONNX to %2 (open it in Netron to see the graph)").arg(workspace_->modelName(), path), 8000);
  return true;
}

void MainWindow::showError(const QString& text) {
  errorBanner_->setText(text);
  errorBanner_->setVisible(!text.isEmpty());
  if (!text.isEmpty()) {
    errorTimer_->start();
    statusBar()->showMessage(text, 10000);
  }
}

QString MainWindow::errorText() const { return errorBanner_->isVisible() ? errorBanner_->text() : QString(); }

void MainWindow::requestUpdate() {
  PipelineSpec spec = workspace_->pipelineSpec();
  spec.displaySide = featureMaps_->renderSide(); // pictures the size the tiles show
  runner_->request(workspace_->sharedInput(), spec);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() || event->mimeData()->hasImage()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  for (const QUrl& url : mime->urls()) {
    if (!url.isLocalFile()) {
      showError(tr("Only local files can be dropped (got %1)").arg(url.toString()));
      return;
    }
    openFile(url.toLocalFile());
    event->acceptProposedAction();
    return;
  }
  if (mime->hasImage()) {
    paste();
    event->acceptProposedAction();
  }
}

namespace {
// A QImage as the engine's (1, 3, H, W) RGB tensor with values 0–255.
Tensor tensorFromImage(const QImage& source) {
  const QImage image = source.convertToFormat(QImage::Format_RGB888);
  Tensor t(Shape{1, 3, image.height(), image.width()});
  for (int y = 0; y < image.height(); ++y) {
    const uchar* row = image.constScanLine(y);
    for (int x = 0; x < image.width(); ++x)
      for (int c = 0; c < 3; ++c) t.at(0, c, y, x) = row[x * 3 + c];
  }
  return t;
}
} // namespace

void MainWindow::paste() {
  const QMimeData* mime = QApplication::clipboard()->mimeData();
  if (mime && mime->hasImage()) {
    const QImage image = qvariant_cast<QImage>(mime->imageData());
    if (!image.isNull()) {
      workspace_->setImage(tensorFromImage(image), tr("pasted image"));
      return;
    }
  }
  const QString text = QApplication::clipboard()->text();
  if (text.trimmed().isEmpty()) {
    showError(tr("The clipboard holds neither an image nor numbers to paste."));
    return;
  }
  try {
    workspace_->setMatrix(parseMatrixText(text.toStdString(), "the clipboard"), tr("pasted matrix"));
  } catch (const std::invalid_argument& e) {
    showError(tr("Could not paste: %1").arg(QString::fromStdString(e.what())));
  }
}

void MainWindow::editMatrix() {
  MatrixEditor editor(workspace_->input(), this);
  if (editor.exec() != QDialog::Accepted) return;
  try {
    workspace_->setMatrix(editor.values(), tr("typed matrix"));
  } catch (const std::invalid_argument& e) {
    showError(QString::fromStdString(e.what()));
  }
}

std::vector<Figure> MainWindow::figures() const {
  QWidget* tab = tabs_->currentWidget();
  if (tab == stepper_) return stepper_->figures();
  if (tab == trainingScroll_) return training_->figures();
  if (tab == architectures_) return architectures_->figures();
  if (tab == applications_) return applications_->figures();
  if (workspace_->input().empty()) return {};
  return {widgetFigure(featureMaps_, "feature-maps", tr("The feature maps with their value ranges"))};
}

void MainWindow::exportFigure() {
  std::vector<Figure> list = figures();
  if (list.empty()) {
    showError(tr("Nothing to export on this tab yet: open an image, a network, or train first"));
    return;
  }
  ExportDialog dialog(std::move(list), this);
  if (dialog.exec() == QDialog::Accepted) statusBar()->showMessage(tr("Saved %1").arg(dialog.writtenPath()), 8000);
}

void MainWindow::exportAnimation() {
  QWidget* tab = tabs_->currentWidget();
  if (tab == trainingScroll_) {
    if (training_->runFrameCount() == 0) {
      showError(tr("No training run to animate yet: start one (the run is recorded as it goes)"));
      return;
    }
    std::vector<QImage> frames = training_->runFrames();
    if (frames.empty()) return; // cancelled
    const size_t count = frames.size();
    AnimationDialog dialog(std::move(frames), tr("the training run's curves and filters, %1 frames").arg(count),
                           "training", 8, this);
    if (dialog.exec() == QDialog::Accepted) statusBar()->showMessage(tr("Saved %1").arg(dialog.writtenPath()), 8000);
    return;
  }
  showStepper();
  QString problem;
  std::vector<QImage> frames = stepperFrames(stepper_, 1.0, &problem);
  if (frames.empty()) {
    showError(tr("Cannot make the animation: %1").arg(problem));
    return;
  }
  static const char* const kModes[] = {"convolution", "relu", "pooling", "fully-connected", "backward", "deconv"};
  const QString mode = kModes[int(stepper_->mode())];
  const size_t count = frames.size();
  AnimationDialog dialog(std::move(frames),
                         stepper_->mode() == Stepper::Mode::Transposed
                             ? tr("the transposed convolution, %1 frames (one per step)").arg(count)
                             : tr("the stepper's %1 over %2, %3 frames (one per output cell)")
                                   .arg(mode, workspace_->inputName())
                                   .arg(count),
                         QFileInfo(workspace_->inputName()).completeBaseName() + "-" + mode, 2, this);
  if (dialog.exec() == QDialog::Accepted) statusBar()->showMessage(tr("Saved %1").arg(dialog.writtenPath()), 8000);
}

void MainWindow::showShortcuts() {
  QString html = tr("<h2>Keyboard shortcuts</h2><table cellpadding=4>");
  for (QAction* menu : menuBar()->actions())
    for (QAction* a : menu->menu()->actions())
      if (!a->shortcut().isEmpty())
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(a->shortcut().toString(QKeySequence::NativeText), a->text().remove('&'));
  html += "</table>";
  auto* dialog = new QDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("ConvScope shortcuts"));
  auto* text = new QTextBrowser;
  text->setHtml(html);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(text);
  dialog->resize(480, 560);
  dialog->show();
}

void MainWindow::showStepper() { tabs_->setCurrentWidget(stepper_); }
void MainWindow::showFeatureMaps() { tabs_->setCurrentWidget(featurePage_); }

void MainWindow::showInspection(int page) {
  tabs_->setCurrentWidget(inspection_);
  if (page >= 0) inspection_->pages()->setCurrentIndex(page);
}

bool MainWindow::startCamera(int index) {
  try {
    std::unique_ptr<VideoSource> camera = VideoSource::openCamera(index);
    QSettings().setValue("live/camera", index); // File → Camera opens this one next time
    return startLive(std::move(camera), false);
  } catch (const std::exception& e) {
    const QString held = LiveFeed::readersLetGo() > 0
                             ? tr(" (a camera stopped while its driver did not answer may still hold it)")
                             : QString();
    showError(tr("Could not start the camera: %1").arg(QString::fromStdString(e.what())) + held);
    return false;
  }
}

bool MainWindow::openVideo(const QString& path, bool loop) {
  try {
    return startLive(VideoSource::openFile(path.toStdString()), loop);
  } catch (const std::exception& e) {
    showError(tr("Could not play the video: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
}

bool MainWindow::startLive(std::unique_ptr<VideoSource> source, bool loop) {
  liveShownAt_.clear();
  liveFeed_->start(std::move(source), loop);
  usePhotoBankIfNeeded(); // a camera's picture is a photo: the lecture's 6×6 filter shows nothing on it
  errorBanner_->hide();
  liveBar_->show();
  showFeatureMaps();
  updateLiveBar();
  return true;
}

void MainWindow::stopLive() {
  if (!liveFeed_->isRunning()) return;
  const LiveFeed::Counts counts = liveFeed_->counts();
  liveFeed_->stop();
  liveBar_->hide();
  statusBar()->showMessage(tr("%1 stopped after %2 frames (%3 shown, %4 dropped)")
                               .arg(liveFeed_->sourceName())
                               .arg(counts.read)
                               .arg(counts.taken)
                               .arg(counts.dropped),
                           8000);
}

void MainWindow::showLiveFrame() {
  if (!liveFeed_->isRunning() || !runner_->isSettled()) return; // the next result calls again
  std::optional<LiveFeed::Frame> frame = liveFeed_->take();
  if (!frame) return;
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  liveShownAt_.push_back(now);
  liveShownAt_.erase(liveShownAt_.begin(), std::lower_bound(liveShownAt_.begin(), liveShownAt_.end(), now - 1.0));
  settingLiveFrame_ = true;
  workspace_->setImage(*frame->image, tr("%1, frame %2").arg(liveFeed_->sourceName()).arg(frame->number));
  settingLiveFrame_ = false;
  updateLiveBar();
}

QString MainWindow::liveStatus() const { return liveBar_->isVisible() ? liveLabel_->text() : QString(); }

void MainWindow::updateLiveBar() {
  const LiveFeed::Counts c = liveFeed_->counts();
  QString text = tr("● %1 — frame %2 · %3 shown a second · %4 dropped")
                     .arg(liveFeed_->sourceName())
                     .arg(c.read)
                     .arg(liveShownAt_.size())
                     .arg(c.dropped);
  if (c.loops > 0) text += tr(" · played %1 times").arg(c.loops + 1);
  if (c.ended) text = tr("%1 — ended after %2 frames · %3 shown · %4 dropped")
                          .arg(liveFeed_->sourceName())
                          .arg(c.read)
                          .arg(c.taken)
                          .arg(c.dropped);
  liveLabel_->setText(text);
}
void MainWindow::showTraining() { tabs_->setCurrentWidget(trainingScroll_); }
void MainWindow::showArchitectures() { tabs_->setCurrentWidget(architectures_); }
void MainWindow::showApplications() { tabs_->setCurrentWidget(applications_); }

void MainWindow::showDetection() {
  tabs_->setCurrentWidget(applications_);
  applications_->setCurrentWidget(applications_->detection());
}

void MainWindow::showGeneration(bool gan) {
  GenerationPage* page = applications_->generation();
  showGenerationPanel(gan ? static_cast<QWidget*>(page->gan()) : page->vae());
}

void MainWindow::showSuperResolution(int factor) {
  SuperResolutionPanel* panel = applications_->generation()->superResolution();
  if (factor) panel->setFactor(factor); // before it first shows: the factor it opens with
  showGenerationPanel(panel);
}

void MainWindow::showGenerationPanel(QWidget* panel) {
  // The panel first, then the page: only the panel asked for shows (and reads its models).
  applications_->generation()->setCurrentWidget(panel);
  tabs_->setCurrentWidget(applications_);
  applications_->setCurrentWidget(applications_->generation());
}

void MainWindow::tabChanged() {
  // Training, the architectures, the applications and the inspection take the whole width.
  const bool training = tabs_->currentWidget() == trainingScroll_ || tabs_->currentWidget() == architectures_ ||
                        tabs_->currentWidget() == applications_ || tabs_->currentWidget() == inspection_;
  if (training && !docksHiddenForTraining_) {
    stateBeforeTraining_ = saveState();
    for (QDockWidget* d : findChildren<QDockWidget*>()) d->hide();
    docksHiddenForTraining_ = true;
    statusBar()->showMessage(tr("This tab uses the whole window; the side panels come back on the maps and the "
                                "stepper (View → Panels shows them here too)."),
                             6000);
  } else if (!training && docksHiddenForTraining_) {
    restoreState(stateBeforeTraining_);
    docksHiddenForTraining_ = false;
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // A trained model is not thrown away without asking.
  if (training_->hasUnsavedModel() && !qEnvironmentVariableIsSet("CONVSCOPE_NO_PROMPTS")) {
    const auto answer = QMessageBox::question(this, tr("Unsaved model"), tr("The trained model is not saved. Save it?"),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel) return event->ignore();
    if (answer == QMessageBox::Save) {
      const QString path = QFileDialog::getSaveFileName(this, tr("Save the trained model"), "model.json");
      if (path.isEmpty() || !training_->saveModel(path)) return event->ignore();
    }
  }
  training_->stop();
  applications_->segmentation()->stop();
  applications_->detection()->stop();
  if (settingsOverlay_ && settingsOverlay_->isVisible()) toggleSettingsOverlay();
  if (presenter_) setPresenterMode(false);
  if (docksHiddenForTraining_) restoreState(stateBeforeTraining_); // remember the panels as the user left them

  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("input/workingSide", workspace_->workingSide());
  if (!workspace_->kernels().empty())
    settings.setValue("kernels/last", QString::fromStdString(workspace_->kernels().front().name));
  event->accept();
}

} // namespace convscope::ui
