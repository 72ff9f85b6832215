// Main window: assembly, menus, shortcuts, input handling and settings.
#include "ui/window/MainWindow.h"

#include "ui/maps/SaliencyDialog.h"

#include "ui/export/AnimationExport.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/architectures/CompareView.h"
#include "ui/maps/ControlPanels.h"
#include "ui/export/ExportDialog.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/maps/PipelineRunner.h"
#include "ui/architectures/SeparableView.h"
#include "ui/stepper/Stepper.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"

#include "engine/training/Dataset.h"
#include "engine/io/ImageIO.h"
#include "engine/lessons/Kernels.h"
#include "engine/io/MatrixText.h"
#include "engine/io/Onnx.h"
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
#include <QVBoxLayout>

#include <climits>
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
  featureScroll_ = new QScrollArea;
  featureScroll_->setWidget(featureMaps_);
  featureScroll_->setWidgetResizable(true);
  stepper_ = new Stepper(workspace_);
  tabs_ = new QTabWidget;
  tabs_->addTab(featureScroll_, tr("Feature maps"));
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
  dock(tr("Samples"), "samplesDock", createSamplesGallery(), Qt::LeftDockWidgetArea);
  convolutionDock_ =
      dock(tr("Convolution, activation, pooling"), "convolutionDock", convolutionPanel_, Qt::LeftDockWidgetArea);
  dock(tr("Kernels"), "kernelDock", kernelPanel_, Qt::RightDockWidgetArea);

  connect(inputPanel_, &InputPanel::editMatrixRequested, this, &MainWindow::editMatrix);
  connect(workspace_, &Workspace::inputChanged, this, &MainWindow::requestUpdate);
  connect(workspace_, &Workspace::kernelsChanged, this, &MainWindow::requestUpdate);
  connect(workspace_, &Workspace::settingsChanged, this, &MainWindow::requestUpdate);
  connect(workspace_, &Workspace::modelChanged, this, &MainWindow::requestUpdate);
  connect(workspace_, &Workspace::modelChanged, this, [this] {
    // With a model open the maps are its layers: the hand-made pipeline's settings rest.
    convolutionPanel_->setEnabled(!workspace_->hasModel());
    convolutionPanel_->setToolTip(workspace_->hasModel() ? tr("A model is open (File → Close Model to go back)")
                                                         : QString());
  });
  connect(runner_, &PipelineRunner::resultReady, featureMaps_, &FeatureMapView::setResult);
  connect(featureMaps_, &FeatureMapView::hovered, this,
          [this](const QString& text) { statusBar()->showMessage(text, 4000); });

  connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::tabChanged);
  createMenus();
  statusBar()->showMessage(tr("Drop an image or a matrix file anywhere on the window, or open one with Ctrl+O."));

  QSettings settings;
  restoreState(settings.value("window/state").toByteArray());
  placeOnScreen(settings.value("window/geometry").toByteArray());
  recent_ = settings.value("recentFiles").toStringList();
  rebuildRecentMenu();
  lectures_ = settings.value("recentLectures").toStringList();
  rebuildLectureMenu();
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

MainWindow::~MainWindow() = default;

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

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open an image or a matrix"), QString(),
                                                      tr("Images and matrices (*.png *.jpg *.jpeg *.bmp *.tif *.tiff "
                                                         "*.webp *.pgm *.ppm *.txt *.csv);;All files (*)"));
    if (!path.isEmpty()) openFile(path);
  });
  open->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  QAction* openLectureAction = file->addAction(tr("Open &Lecture…"), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a lecture"), QSettings().value("lectureFolder").toString(),
                                     tr("ConvScope lectures (*.convscope);;All files (*)"));
    if (!path.isEmpty()) openLecture(path);
  });
  openLectureAction->setShortcut(QKeySequence(tr("Ctrl+L")));
  openLectureAction->setToolTip(tr("A demonstration prepared with File → Save Lecture: image, kernels, settings, "
                                   "stepper position, model and tab"));
  QAction* saveLectureAction = file->addAction(tr("&Save Lecture"), this, [this] {
    if (lecturePath_.isEmpty())
      saveLectureAs();
    else
      saveLecture(lecturePath_);
  });
  saveLectureAction->setShortcut(QKeySequence::Save);
  saveLectureAction->setToolTip(tr("Save what the window shows (image, kernels, settings, stepper position, model, "
                                   "tab) as a lecture file, to open in the hall with one click"));
  file->addAction(tr("Save Lecture &As…"), this, &MainWindow::saveLectureAs)->setShortcut(QKeySequence::SaveAs);
  lectureMenu_ = file->addMenu(tr("Recent Lec&tures"));
  file->addSeparator();
  createSamplesMenu(file->addMenu(tr("&Samples")));
  file->addAction(tr("&Paste"), this, &MainWindow::paste)->setShortcut(QKeySequence::Paste);
  file->addSeparator();
  file->addAction(tr("Open &Model…"), this,
                  [this] {
                    const QString path = QFileDialog::getOpenFileName(
                        this, tr("Open a trained model"), QString(),
                        tr("Models (*.json *.onnx);;ConvScope models (*.json);;ONNX models, e.g. from PyTorch "
                           "(*.onnx);;All files (*)"));
                    if (!path.isEmpty()) openModel(path);
                  })
      ->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
  QAction* exportOnnx = file->addAction(tr("E&xport Model as ONNX…"), this, [this] {
    if (!workspace_->network()) {
      showError(tr("No model to export: open one (File → Open Model…), or train and save one in the Training tab"));
      return;
    }
    QString name = QFileInfo(workspace_->modelName()).completeBaseName();
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export the model as ONNX"),
                                     (name.isEmpty() ? QString("model") : name) + ".onnx", tr("ONNX models (*.onnx)"));
    if (!path.isEmpty()) exportModelAsOnnx(path);
  });
  exportOnnx->setToolTip(tr("Write the open model as ONNX (opset 13), for Netron, OpenCV or PyTorch users"));
  file->addAction(tr("&Close Model"), this, [this] { workspace_->closeModel(); });
  file->addAction(tr("Edit &Matrix…"), this, &MainWindow::editMatrix)->setShortcut(QKeySequence(tr("Ctrl+M")));
  file->addSeparator();
  QAction* exportFigure = file->addAction(tr("&Export Figure…"), this, &MainWindow::exportFigure);
  exportFigure->setShortcut(QKeySequence(tr("Ctrl+E")));
  exportFigure->setToolTip(tr("This tab's views as SVG, PDF or PNG for slides; tables also as CSV, Markdown, LaTeX"));
  QAction* exportAnimation = file->addAction(tr("Export &Animation…"), this, &MainWindow::exportAnimation);
  exportAnimation->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
  exportAnimation->setToolTip(tr("The stepper sliding over the whole layer, or the training run's curves and "
                                 "filters, as an animated GIF or an MP4"));
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Feature Maps"), this, &MainWindow::showFeatureMaps)->setShortcut(QKeySequence(tr("Ctrl+1")));
  view->addAction(tr("&Stepper"), this, &MainWindow::showStepper)->setShortcut(QKeySequence(tr("Ctrl+2")));
  view->addAction(tr("&Training"), this, &MainWindow::showTraining)->setShortcut(QKeySequence(tr("Ctrl+3")));
  view->addAction(tr("&Architectures"), this, &MainWindow::showArchitectures)->setShortcut(QKeySequence(tr("Ctrl+4")));
  view->addAction(tr("&Why This Class? (Saliency)…"), this, [this] { showSaliency(); })
      ->setShortcut(QKeySequence(tr("Ctrl+Shift+Y")));
  presenterAction_ = view->addAction(tr("&Presenter Mode"));
  presenterAction_->setCheckable(true);
  presenterAction_->setShortcut(QKeySequence(Qt::Key_F11));
  presenterAction_->setToolTip(tr("Full screen, large text, the grids as large as they go; F11 again to leave"));
  connect(presenterAction_, &QAction::toggled, this, &MainWindow::setPresenterMode);
  settingsAction_ = view->addAction(tr("Settings &Overlay (Presenter Mode)"), this, &MainWindow::toggleSettingsOverlay);
  settingsAction_->setShortcut(QKeySequence(Qt::Key_F9));
  settingsAction_->setEnabled(false);
  QMenu* panels = view->addMenu(tr("P&anels"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) panels->addAction(d->toggleViewAction());
  view->addSeparator();
  // + and − zoom what is shown: the stepper's cells, or the feature maps' tiles.
  QAction* zoomIn = view->addAction(tr("Zoom &In"), this, [this] {
    if (tabs_->currentWidget() == stepper_)
      stepper_->zoomIn();
    else
      featureMaps_->setTileSize(std::min(1024, featureMaps_->tileSize() * 5 / 4));
  });
  zoomIn->setShortcuts({QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal), QKeySequence::ZoomIn});
  QAction* zoomOut = view->addAction(tr("Zoom &Out"), this, [this] {
    if (tabs_->currentWidget() == stepper_)
      stepper_->zoomOut();
    else
      featureMaps_->setTileSize(std::max(48, featureMaps_->tileSize() * 4 / 5));
  });
  zoomOut->setShortcuts({QKeySequence(Qt::Key_Minus), QKeySequence::ZoomOut});
  view->addAction(tr("Zoom to &Fit"), this,
                  [this] {
                    if (tabs_->currentWidget() == stepper_) stepper_->zoomToFit();
                  })
      ->setShortcut(QKeySequence(tr("Ctrl+0")));
  // Contrast of the feature maps: faint maps (a photo's edges) read on a projector.
  const auto contrast = [this](int gain) {
    featureMaps_->setContrast(gain);
    statusBar()->showMessage(featureMaps_->contrast() > 1
                                 ? tr("Feature maps: contrast ×%1 (colours saturate at 1/%1 of each map's range; "
                                      "values stay exact)")
                                       .arg(featureMaps_->contrast())
                             : featureMaps_->contrast() == 1
                                 ? tr("Feature maps: true contrast")
                                 : tr("Feature maps: automatic contrast (each map's 99th percentile at full colour)"),
                             5000);
  };
  QAction* more = view->addAction(tr("More &Contrast"), this, [this, contrast] {
    contrast(featureMaps_->contrast() == 0 ? 2 : featureMaps_->contrast() * 2);
  });
  more->setShortcut(QKeySequence(tr("Ctrl+]")));
  more->setToolTip(tr("Feature maps: double the contrast (up to ×16)"));
  QAction* less = view->addAction(tr("&Less Contrast"), this, [this, contrast] {
    contrast(std::max(1, featureMaps_->contrast() / 2)); // from automatic: true contrast
  });
  less->setShortcut(QKeySequence(tr("Ctrl+[")));
  view->addAction(tr("&Automatic Contrast"), this, [contrast] { contrast(0); })
      ->setShortcut(QKeySequence(tr("Ctrl+\\")));
  QAction* shared = sharedScaleAction_ = view->addAction(tr("One Colour &Scale per Layer"));
  shared->setCheckable(true);
  shared->setToolTip(tr("Feature maps: the maps of a layer share one colour scale, so they compare"));
  connect(shared, &QAction::toggled, this, [this](bool on) {
    featureMaps_->setSharedScale(on);
    QSettings().setValue("view/sharedScale", on);
  });
  shared->setChecked(QSettings().value("view/sharedScale", false).toBool());

  QMenu* step = menuBar()->addMenu(tr("&Step"));
  // One plain lambda per action: a pointer-to-member-function captured by a lambda nested
  // in another (as this was written before) reached the slot with a null `this` under
  // GCC 12 (UBSan: member access within null pointer, in the → key's action).
  step->addAction(tr("&Forward"), this, [this] { showStepper(), stepper_->stepForward(); })
      ->setShortcut(QKeySequence(Qt::Key_Right));
  step->addAction(tr("&Back"), this, [this] { showStepper(), stepper_->stepBack(); })
      ->setShortcut(QKeySequence(Qt::Key_Left));
  step->addAction(tr("&Play / Pause"), this, [this] { showStepper(), stepper_->togglePlay(); })
      ->setShortcut(QKeySequence(Qt::Key_Space));
  step->addAction(tr("&Reset"), this, [this] { showStepper(), stepper_->reset(); })
      ->setShortcut(QKeySequence(Qt::Key_Home));
  step->addSeparator();
  step->addAction(tr("&Convolution"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Convolution); });
  step->addAction(tr("&ReLU"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::ReLU); });
  step->addAction(tr("&Pooling"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Pooling); });
  step->addAction(tr("&Fully Connected"), this,
                  [this] { showStepper(), stepper_->setMode(Stepper::Mode::FullyConnected); });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts)->setShortcut(QKeySequence::HelpContents);
  // Shortcuts keep working when presenter mode hides the menu bar: the window holds them too.
  for (QAction* menu : menuBar()->actions())
    for (QAction* a : menu->menu()->actions())
      if (!a->shortcut().isEmpty()) addAction(a);
  help->addAction(tr("&About ConvScope"), this, [this] {
    showError(QString()); // clear
    statusBar()->showMessage(
        tr("ConvScope %1: see, step through and train convolutional neural networks.").arg(CONVSCOPE_VERSION));
  });
}

std::vector<MainWindow::Sample> MainWindow::samples() const {
  std::vector<Sample> list;
  QString root;
  try {
    root = QString::fromStdString(resourcesDirectory());
  } catch (const std::exception&) {
    return list;
  }
  const QString ex = root + "/examples/";
  // The lecture's examples with the kernels and settings of their slides.
  const auto lecture = [&](const QString& title, const QString& file, QStringList kernels, const QString& padding,
                           const QString& description) {
    Sample x;
    x.title = title, x.path = ex + file, x.kernels = std::move(kernels), x.padding = padding, x.lecture = true;
    x.description = description;
    list.push_back(x);
    return &list.back();
  };
  lecture(tr("6×6 image, filters 1 and 2"), "six.txt", {ex + "filter1.txt", ex + "filter2.txt"}, "valid",
          tr("The 6×6 image with filters 1 and 2: two 4×4 feature maps, ReLU, 2×2 max pooling"));
  Sample* rgb = lecture(tr("RGB example, bias 1"), "rgb5.txt", {ex + "rgb-kernel.txt"}, "1",
                        tr("Three channels, one 3×3×3 kernel, padding 1, bias 1: output(0,0) = −25"));
  rgb->bias = 1;
  lecture(tr("Padding example, sharpen"), "padding5.txt", {"sharpen"}, "1", tr("Zero padding of 1 around a 5×5 image"));
  lecture(tr("Stride example, stride 2"), "stride5.txt", {ex + "stride-kernel.txt"}, "1",
          tr("Stride 2: the kernel jumps two cells"))
      ->stride = 2;
  lecture(tr("Loopy pattern feature map"), "loopy.txt", {ex + "loopy-kernel.txt"}, "valid",
          tr("The 7×5 loopy pattern through the loop detector (weights 1/9): a 5×3 feature map peaking at 1"));
  list.back().activation = ActivationKind::None, list.back().pooling = false; // the slide stops at the feature map
  // The pooling slides pool the numbers as printed: the identity kernel, no activation.
  for (const auto& [title, file, mode, description] :
       {std::tuple{tr("Max pooling example"), QStringLiteral("pool-max.txt"), PoolMode::Max,
                   tr("2×2 max pooling, stride 2: 100, 184, 12, 45")},
        std::tuple{tr("Average pooling example"), QStringLiteral("pool-avg.txt"), PoolMode::Average,
                   tr("2×2 average pooling, stride 2: 36.5, 80, 12, 15")},
        std::tuple{tr("Pooling feature map"), QStringLiteral("feature-map.txt"), PoolMode::Max,
                   tr("The pooling slide's feature map (switch max, average and sum in the Convolution panel)")}}) {
    Sample* x = lecture(title, file, {"identity"}, "same", description);
    x->activation = ActivationKind::None, x->poolMode = mode, x->stepMode = int(Stepper::Mode::Pooling);
  }
  const auto plain = [&](const QString& title, const QString& path) { // opened as they are
    Sample x;
    x.title = title, x.path = path;
    list.push_back(x);
  };
  plain(tr("A handwritten digit"), ex + "digit.png");
  // The kernel table (identity, edge detection, sharpen, blur) on one photo, in gray: one
  // feature map per filter, the depth of the result the number of filters.
  const QDir photos(root + "/samples");
  if (const QStringList found = photos.entryList({"coffee.png"}, QDir::Files); !found.isEmpty()) {
    Sample* table =
        lecture(tr("Kernel table on a photo"), QString(),
                {"identity", "edge-cross", "laplacian-4", "laplacian-8", "sharpen", "box-blur", "gaussian-blur"},
                "same", tr("The lecture's table of kernels, each on the same photo: 7 filters, depth 7"));
    table->path = photos.filePath(found.first());
    table->activation = ActivationKind::None, table->pooling = false, table->channels = 1;
  }
  for (const QFileInfo& photo : photos.entryInfoList({"*.png", "*.jpg"}, QDir::Files, QDir::Name))
    plain(photo.baseName(), photo.absoluteFilePath());
  list.erase(std::remove_if(list.begin(), list.end(), [](const Sample& x) { return !QFileInfo::exists(x.path); }),
             list.end());
  return list;
}

void MainWindow::openSample(const Sample& sample) {
  if (sample.lecture) workspace_->setChannelsMode(sample.channels);
  if (!openFile(sample.path)) return;
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

void MainWindow::createSamplesMenu(QMenu* menu) {
  for (const Sample& sample : samples()) menu->addAction(sample.title, this, [this, sample] { openSample(sample); });
  menu->setEnabled(!menu->isEmpty());
}

QWidget* MainWindow::createSamplesGallery() {
  auto* gallery = new QListWidget;
  gallery->setObjectName("sampleGallery");
  gallery->setViewMode(QListView::IconMode);
  gallery->setIconSize(QSize(72, 72));
  gallery->setResizeMode(QListView::Adjust);
  gallery->setMovement(QListView::Static);
  gallery->setWordWrap(true);
  gallery->setGridSize(QSize(104, 112));
  gallery->setToolTip(tr("Click a sample to open it with the lecture's kernels and settings"));
  const std::vector<Sample> all = samples();
  for (size_t i = 0; i < all.size(); ++i) {
    auto* item = new QListWidgetItem(all[i].title, gallery);
    if (!all[i].description.isEmpty()) item->setToolTip(all[i].description);
    item->setData(Qt::UserRole, int(i));
    QImage thumb;
    if (isImageFile(all[i].path.toStdString())) {
      thumb.load(all[i].path);
    } else {
      try { // a matrix: its first channel, stretched from its smallest to its largest value
        const Tensor m = loadMatrixFile(all[i].path.toStdString());
        const Shape& sh = m.shape();
        const auto [lo, hi] = std::minmax_element(m.values().begin(), m.values().begin() + sh[1] * sh[2]);
        thumb = QImage(int(sh[2]), int(sh[1]), QImage::Format_Grayscale8);
        for (int64_t y = 0; y < sh[1]; ++y)
          for (int64_t x = 0; x < sh[2]; ++x) {
            const float v = m.values()[size_t(y * sh[2] + x)];
            thumb.scanLine(int(y))[x] = uchar(*hi > *lo ? std::lround(255.0f * (v - *lo) / (*hi - *lo)) : 128);
          }
      } catch (const std::exception&) {
      }
    }
    if (!thumb.isNull()) { // with a frame: white cells stay apart from the white list
      QImage icon =
          thumb.scaled(72, 72, Qt::KeepAspectRatio, Qt::FastTransformation).convertToFormat(QImage::Format_RGB32);
      QPainter frame(&icon);
      frame.setPen(QColor(120, 120, 120));
      frame.drawRect(icon.rect().adjusted(0, 0, -1, -1));
      frame.end();
      item->setIcon(QIcon(QPixmap::fromImage(icon)));
    }
  }
  connect(gallery, &QListWidget::itemClicked, this,
          [this, all](QListWidgetItem* item) { openSample(all[size_t(item->data(Qt::UserRole).toInt())]); });
  return gallery;
}

bool MainWindow::openFile(const QString& path) {
  if (path.endsWith(".convscope", Qt::CaseInsensitive)) return openLecture(path);
  // A layer list of ConvScope's own type (.layers) is a network: its graph and table.
  if (path.endsWith(".layers", Qt::CaseInsensitive)) {
    showArchitectures();
    architectures_->openNetwork(path);
    rememberRecent(path);
    return true;
  }
  // A model (ConvScope's file or ONNX, opened, dropped or given on the command line) opens
  // as the model whose layers the feature maps show.
  if (isOnnxPath(path.toStdString()) || path.endsWith(".json", Qt::CaseInsensitive)) {
    if (!openModel(path)) return false;
    rememberRecent(path);
    return true;
  }
  QString error;
  if (!workspace_->loadFile(path, &error)) {
    showError(tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  errorBanner_->hide();
  if (!workspace_->inputIsMatrix()) usePhotoBankIfNeeded();
  rememberRecent(path);
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
  // Each kernel spans the input's depth (one block per colour channel, the channels summed),
  // as a CNN's filter does in the lecture's RGB example: five filters, five maps, depth 5.
  const int64_t depth = workspace_->input().shape()[1];
  std::vector<NamedKernel> kernels;
  for (const char* name : {"sobel-x", "sobel-y", "laplacian-4", "sharpen", "box-blur"})
    if (const ClassicKernel* k = findClassicKernel(name)) {
      const Shape& s = k->weights.shape(); // (1, KH, KW)
      std::vector<float> blocks;
      for (int64_t c = 0; c < depth; ++c)
        blocks.insert(blocks.end(), k->weights.values().begin(), k->weights.values().end());
      kernels.push_back({k->name, Tensor(Shape{depth, s[1], s[2]}, std::move(blocks))});
    }
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

namespace {
const char* const kTabNames[] = {"maps", "stepper", "training", "architectures"};
const char* const kStepNames[] = {"convolution", "relu", "pooling", "fc", "backward"};
} // namespace

LectureState MainWindow::lectureState(const QString& lecturePath) const {
  LectureState s;
  s.inputName = workspace_->inputName().toStdString();
  s.input = workspace_->input();
  s.inputIsMatrix = workspace_->inputIsMatrix();
  s.channelsMode = workspace_->channelsMode();
  s.workingSide = workspace_->workingSide();
  s.kernels = workspace_->kernels();
  s.convolution = workspace_->convolution();
  s.activation = workspace_->activation();
  s.pooling = workspace_->pooling();
  s.pool = workspace_->pool();
  // Files beside the lecture file (or below it) are written relative to it, so the folder
  // can move as a whole; others absolute. A network's name stays a name.
  const QDir folder = QFileInfo(lecturePath).absoluteDir();
  const auto pathFor = [&folder](const QString& file) {
    const QString absolute = QFileInfo(file).absoluteFilePath();
    const QString relative = folder.relativeFilePath(absolute);
    return (relative.startsWith("..") ? absolute : relative).toStdString();
  };
  if (workspace_->hasModel()) s.model = pathFor(workspace_->modelPath());
  const int tab = tabs_->currentIndex();
  s.tab = tab >= 0 && tab < 4 ? kTabNames[tab] : "maps";
  if (tabs_->currentWidget() == architectures_ && architectures_->separableView()->isVisible()) s.tab = "depthwise";
  s.stepMode = kStepNames[int(stepper_->mode())];
  s.stepPosition = stepper_->position();
  s.stepKernel = stepper_->kernelIndex();
  s.stepChannel = stepper_->outputChannel();
  if (const BackwardStepper* b = stepper_->backward(); b && b->lesson())
    s.backwardLoop = b->loop(), s.backwardStage = int(b->stage()), s.backwardCell = b->cell();
  const QString network = architectures_->networkName();
  s.network = QFileInfo(network).isFile() ? pathFor(network) : network.toStdString();
  s.presenter = presenter_;
  s.contrast = featureMaps_->contrast();
  s.sharedScale = featureMaps_->sharedScale();
  return s;
}

bool MainWindow::saveLecture(const QString& path) {
  try {
    convscope::saveLecture(path.toStdString(), lectureState(path));
  } catch (const std::exception& e) {
    showError(tr("Could not save the lecture: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  lecturePath_ = QFileInfo(path).absoluteFilePath();
  rememberLecture(lecturePath_);
  setWindowTitle(tr("%1 — ConvScope %2").arg(QFileInfo(path).completeBaseName(), CONVSCOPE_VERSION));
  statusBar()->showMessage(
      tr("Saved the lecture %1 (open it with a double click or convscope %2)").arg(path, QFileInfo(path).fileName()),
      8000);
  return true;
}

void MainWindow::saveLectureAs() {
  QString suggestion = lecturePath_;
  if (suggestion.isEmpty())
    suggestion = QDir(QSettings().value("lectureFolder", QDir::homePath()).toString())
                     .filePath(QFileInfo(workspace_->inputName()).completeBaseName() + ".convscope");
  QString path =
      QFileDialog::getSaveFileName(this, tr("Save the lecture"), suggestion, tr("ConvScope lectures (*.convscope)"));
  if (path.isEmpty()) return;
  if (!path.endsWith(".convscope", Qt::CaseInsensitive)) path += ".convscope";
  QSettings().setValue("lectureFolder", QFileInfo(path).absolutePath());
  saveLecture(path);
}

bool MainWindow::openLecture(const QString& path) {
  LectureState s;
  try {
    s = loadLecture(path.toStdString());
  } catch (const std::exception& e) {
    showError(tr("Could not open the lecture: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  errorBanner_->hide();
  if (presenter_ && !s.presenter) setPresenterMode(false);
  workspace_->setWorkingSide(s.workingSide);
  workspace_->setChannelsMode(s.channelsMode);
  if (s.inputIsMatrix)
    workspace_->setMatrix(s.input, QString::fromStdString(s.inputName));
  else
    workspace_->setImage(s.input, QString::fromStdString(s.inputName));
  workspace_->setKernels(s.kernels);
  workspace_->setProcessing(s.convolution, s.activation, s.pooling, s.pool);
  QString problem;
  if (!s.model.empty()) {
    const QString model = QFileInfo(path).absoluteDir().filePath(QString::fromStdString(s.model));
    QString error;
    if (!workspace_->loadModel(model, &error)) problem = tr("its model %1 did not open: %2").arg(model, error);
  } else if (workspace_->hasModel()) {
    workspace_->closeModel();
  }
  if (!s.network.empty()) { // a file beside the lecture, or a network's name
    const QString beside = QFileInfo(path).absoluteDir().filePath(QString::fromStdString(s.network));
    architectures_->openNetwork(QFileInfo(beside).isFile() ? beside : QString::fromStdString(s.network));
  }
  featureMaps_->setContrast(s.contrast);
  sharedScaleAction_->setChecked(s.sharedScale);
  // The stepper: mode, kernel, channel, then the cell (the backward pass: its loop, stage and cell).
  const int mode = int(std::find(std::begin(kStepNames), std::end(kStepNames), s.stepMode) - std::begin(kStepNames));
  stepper_->setMode(static_cast<Stepper::Mode>(std::min(mode, 4)));
  stepper_->setKernelIndex(s.stepKernel);
  stepper_->setOutputChannel(s.stepChannel);
  if (stepper_->mode() == Stepper::Mode::Backward) {
    if (!stepper_->backward()->goTo(s.backwardLoop, static_cast<BackwardLesson::Stage>(s.backwardStage),
                                    s.backwardCell))
      problem = tr("the backward pass's step (loop %1) was not reached").arg(s.backwardLoop);
  } else {
    stepper_->setPosition(int(std::min<int64_t>(s.stepPosition, INT_MAX)));
  }
  if (s.tab == "stepper") showStepper();
  if (s.tab == "training") showTraining();
  if (s.tab == "architectures" || s.tab == "depthwise") showArchitectures();
  if (s.tab == "depthwise") architectures_->showSeparable();
  if (s.tab == "maps") showFeatureMaps();
  if (s.presenter) setPresenterMode(true);
  lecturePath_ = QFileInfo(path).absoluteFilePath();
  rememberLecture(lecturePath_);
  QSettings().setValue("lectureFolder", QFileInfo(path).absolutePath());
  setWindowTitle(tr("%1 — ConvScope %2").arg(QFileInfo(path).completeBaseName(), CONVSCOPE_VERSION));
  if (!problem.isEmpty())
    showError(tr("Opened the lecture %1, but %2").arg(QFileInfo(path).fileName(), problem));
  else
    statusBar()->showMessage(tr("Opened the lecture %1").arg(path), 6000);
  return true;
}

void MainWindow::rememberLecture(const QString& path) {
  lectures_.removeAll(path);
  lectures_.prepend(path);
  while (lectures_.size() > 10) lectures_.removeLast();
  QSettings().setValue("recentLectures", lectures_);
  rebuildLectureMenu();
}

void MainWindow::rebuildLectureMenu() {
  if (!lectureMenu_) return;
  lectureMenu_->clear();
  for (int i = 0; i < lectures_.size(); ++i) {
    const QString path = lectures_[i];
    QAction* a = lectureMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(path).completeBaseName()),
                                         this, [this, path] { openLecture(path); });
    a->setToolTip(path);
    a->setStatusTip(path);
  }
  lectureMenu_->setEnabled(!lectures_.isEmpty());
}

void MainWindow::rememberRecent(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  recent_.removeAll(absolute);
  recent_.prepend(absolute);
  while (recent_.size() > 10) recent_.removeLast();
  QSettings().setValue("recentFiles", recent_);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  for (const QString& path : recent_) recentMenu_->addAction(path, this, [this, path] { openFile(path); });
  recentMenu_->setEnabled(!recent_.isEmpty());
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

void MainWindow::requestUpdate() { runner_->request(workspace_->input(), workspace_->pipelineSpec()); }

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
  static const char* const kModes[] = {"convolution", "relu", "pooling", "fully-connected", "backward"};
  const QString mode = kModes[int(stepper_->mode())];
  AnimationDialog dialog(std::move(frames),
                         tr("the stepper's %1 over %2, %3 frames (one per output cell)")
                             .arg(mode, workspace_->inputName())
                             .arg(stepper_->cellCount()),
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
void MainWindow::showFeatureMaps() { tabs_->setCurrentWidget(featureScroll_); }
void MainWindow::showTraining() { tabs_->setCurrentWidget(trainingScroll_); }
void MainWindow::showArchitectures() { tabs_->setCurrentWidget(architectures_); }

void MainWindow::tabChanged() {
  // Training and the architectures take the whole width.
  const bool training = tabs_->currentWidget() == trainingScroll_ || tabs_->currentWidget() == architectures_;
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

// Presenter mode gives the stage to what is being explained: full screen, no side panels,
// menus or status bar (their shortcuts still work), large high-contrast text, the
// stepper's grids as large as the screen allows. F9 brings the settings back as an
// overlay over the stage, and takes them away again.
void MainWindow::setPresenterMode(bool on) {
  if (on == presenter_) return;
  presenter_ = on;
  presenterAction_->setChecked(on);
  settingsAction_->setEnabled(on);
  QFont font = QApplication::font();
  if (on) {
    stateBeforePresenter_ = saveState();
    paletteBeforePresenter_ = QApplication::palette();
    // High contrast for a projector: black on white, blue highlights (readable with
    // red-green colour blindness, like the maps' blue-white-red and the stepper's orange).
    QPalette contrast;
    for (auto role : {QPalette::Window, QPalette::Base, QPalette::Button, QPalette::AlternateBase})
      contrast.setColor(role, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) contrast.setColor(role, Qt::black);
    contrast.setColor(QPalette::Highlight, QColor(33, 102, 172));
    contrast.setColor(QPalette::HighlightedText, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) // disabled stays visibly so
      contrast.setColor(QPalette::Disabled, role, QColor(128, 128, 128));
    contrast.setColor(QPalette::Disabled, QPalette::Base, QColor(235, 235, 235));
    QApplication::setPalette(contrast);
    font.setPointSizeF(font.pointSizeF() * kPresenterScale);
    for (QDockWidget* d : findChildren<QDockWidget*>()) d->hide(); // the stage is the centre's
    menuBar()->hide();
    statusBar()->hide();
    showFullScreen();
    featureMaps_->setTileSize(260);
  } else {
    if (settingsOverlay_) settingsOverlay_->hide();
    QApplication::setPalette(paletteBeforePresenter_);
    font.setPointSizeF(font.pointSizeF() / kPresenterScale);
    menuBar()->show();
    statusBar()->show();
    restoreState(stateBeforePresenter_);
    showNormal();
    featureMaps_->setTileSize(150);
    stepper_->setCellSize(44);
  }
  QApplication::setFont(font);
  stepper_->setPresenterMode(on);
  training_->setPresenterMode(on);
}

// The convolution settings over the stage, top right, while presenting (F9 again hides them).
void MainWindow::toggleSettingsOverlay() {
  if (!presenter_) return;
  if (!settingsOverlay_) {
    settingsOverlay_ = new QFrame(this);
    settingsOverlay_->setObjectName("settingsOverlay");
    settingsOverlay_->setFrameShape(QFrame::Box);
    settingsOverlay_->setAutoFillBackground(true);
    auto* layout = new QVBoxLayout(settingsOverlay_);
    auto* title = new QLabel(tr("<b>Settings</b> (F9 hides them)"));
    layout->addWidget(title);
    overlayScroll_ = new QScrollArea;
    overlayScroll_->setWidgetResizable(true);
    overlayScroll_->setFrameShape(QFrame::NoFrame);
    layout->addWidget(overlayScroll_);
  }
  if (settingsOverlay_->isVisible()) {
    settingsOverlay_->hide();
    convolutionDock_->setWidget(overlayScroll_->takeWidget()); // the panel goes home
    return;
  }
  overlayScroll_->setWidget(convolutionDock_->widget() ? convolutionDock_->widget() : convolutionPanel_);
  // Top right, as small as its settings: the stage behind stays in view as far as it can.
  const QRect area = centralWidget()->geometry();
  settingsOverlay_->adjustSize();
  const QSize wanted = settingsOverlay_->sizeHint() + QSize(24, 24);
  const int width = std::min(area.width() / 2, std::max(360, wanted.width()));
  const int height = std::min(area.height() - 16, wanted.height());
  settingsOverlay_->setGeometry(area.right() - width - 8, area.top() + 8, width, height);
  settingsOverlay_->show();
  settingsOverlay_->raise();
  convolutionPanel_->setFocus();
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
