// Main window: assembly, menus, shortcuts, input handling and settings.
#include "MainWindow.h"

#include "ControlPanels.h"
#include "FeatureMapView.h"
#include "PipelineRunner.h"
#include "Stepper.h"
#include "TrainingPanel.h"
#include "Workspace.h"

#include "engine/Dataset.h"
#include "engine/ImageIO.h"
#include "engine/Kernels.h"
#include "engine/MatrixText.h"
#include "engine/Pipeline.h"

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
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

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
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoreState(settings.value("window/state").toByteArray());
  if (!settings.contains("window/geometry")) resize(1400, 900);
  recent_ = settings.value("recentFiles").toStringList();
  rebuildRecentMenu();
  workspace_->setWorkingSide(settings.value("input/workingSide", 512).toInt());
  featureMaps_->setContrast(settings.value("view/contrast", 1).toInt());
  const QString last = settings.value("input/lastFile").toString();
  if (!last.isEmpty() && QFileInfo::exists(last)) workspace_->loadFile(last, nullptr);
  const QString kernel = settings.value("kernels/last").toString();
  if (!kernel.isEmpty()) kernelPanel_->useClassic(kernel, false);
  requestUpdate();
}

MainWindow::~MainWindow() = default;

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
  createSamplesMenu(file->addMenu(tr("&Samples")));
  file->addAction(tr("&Paste"), this, &MainWindow::paste)->setShortcut(QKeySequence::Paste);
  file->addSeparator();
  file->addAction(tr("Open &Model…"), this,
                  [this] {
                    const QString path = QFileDialog::getOpenFileName(this, tr("Open a trained model"), QString(),
                                                                      tr("ConvScope models (*.json);;All files (*)"));
                    if (!path.isEmpty()) openModel(path);
                  })
      ->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
  file->addAction(tr("&Close Model"), this, [this] { workspace_->closeModel(); });
  file->addAction(tr("Edit &Matrix…"), this, &MainWindow::editMatrix)->setShortcut(QKeySequence(tr("Ctrl+M")));
  file->addSeparator();
  file->addAction(tr("&Export View as PNG…"), this, &MainWindow::exportView)->setShortcut(QKeySequence(tr("Ctrl+E")));
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Feature Maps"), this, &MainWindow::showFeatureMaps)->setShortcut(QKeySequence(tr("Ctrl+1")));
  view->addAction(tr("&Stepper"), this, &MainWindow::showStepper)->setShortcut(QKeySequence(tr("Ctrl+2")));
  view->addAction(tr("&Training"), this, &MainWindow::showTraining)->setShortcut(QKeySequence(tr("Ctrl+3")));
  QAction* presenter = view->addAction(tr("&Presenter Mode"));
  presenter->setCheckable(true);
  presenter->setShortcut(QKeySequence(Qt::Key_F11));
  connect(presenter, &QAction::toggled, this, &MainWindow::setPresenterMode);
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
  // Contrast of the feature maps: faint maps (a photo's edges) read on a projector.
  const auto contrast = [this](int gain) {
    featureMaps_->setContrast(gain);
    QSettings().setValue("view/contrast", featureMaps_->contrast());
    statusBar()->showMessage(featureMaps_->contrast() > 1
                                 ? tr("Feature maps: contrast ×%1 (colours saturate at 1/%1 of each map's range; "
                                      "values stay exact)")
                                       .arg(featureMaps_->contrast())
                                 : tr("Feature maps: true contrast"),
                             5000);
  };
  QAction* more =
      view->addAction(tr("More &Contrast"), this, [this, contrast] { contrast(featureMaps_->contrast() * 2); });
  more->setShortcut(QKeySequence(tr("Ctrl+]")));
  more->setToolTip(tr("Feature maps: double the contrast (up to ×16)"));
  QAction* less =
      view->addAction(tr("&Less Contrast"), this, [this, contrast] { contrast(featureMaps_->contrast() / 2); });
  less->setShortcut(QKeySequence(tr("Ctrl+[")));

  QMenu* step = menuBar()->addMenu(tr("&Step"));
  auto stepAction = [&](const QString& text, const QKeySequence& key, auto slot) {
    QAction* a = step->addAction(text, this, [this, slot] {
      showStepper();
      (stepper_->*slot)();
    });
    a->setShortcut(key);
    return a;
  };
  stepAction(tr("&Forward"), QKeySequence(Qt::Key_Right), &Stepper::stepForward);
  stepAction(tr("&Back"), QKeySequence(Qt::Key_Left), &Stepper::stepBack);
  stepAction(tr("&Play / Pause"), QKeySequence(Qt::Key_Space), &Stepper::togglePlay);
  stepAction(tr("&Reset"), QKeySequence(Qt::Key_Home), &Stepper::reset);
  step->addSeparator();
  step->addAction(tr("&Convolution"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Convolution); });
  step->addAction(tr("&ReLU"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::ReLU); });
  step->addAction(tr("&Pooling"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Pooling); });
  step->addAction(tr("&Fully Connected"), this,
                  [this] { showStepper(), stepper_->setMode(Stepper::Mode::FullyConnected); });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts)->setShortcut(QKeySequence::HelpContents);
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
  list.push_back({tr("6×6 image, filters 1 and 2"),
                  ex + "six.txt",
                  {ex + "filter1.txt", ex + "filter2.txt"},
                  "valid",
                  0,
                  1,
                  true});
  list.push_back({tr("RGB example, bias 1"), ex + "rgb5.txt", {ex + "rgb-kernel.txt"}, "1", 1, 1, true});
  list.push_back({tr("Padding example, sharpen"), ex + "padding5.txt", {"sharpen"}, "1", 0, 1, true});
  list.push_back({tr("Stride example, stride 2"), ex + "stride5.txt", {ex + "stride-kernel.txt"}, "1", 0, 2, true});
  list.push_back({tr("Max pooling example"), ex + "pool-max.txt", {"identity"}, "same", 0, 1, true});
  list.push_back({tr("Average pooling example"), ex + "pool-avg.txt", {"identity"}, "same", 0, 1, true});
  list.push_back({tr("Pooling feature map"), ex + "feature-map.txt", {"identity"}, "same", 0, 1, true});
  list.push_back({tr("A handwritten digit"), ex + "digit.png", {}, "", 0, 1, false});
  const QDir photos(root + "/samples");
  for (const QFileInfo& photo : photos.entryInfoList({"*.png", "*.jpg"}, QDir::Files, QDir::Name))
    list.push_back({photo.baseName(), photo.absoluteFilePath(), {}, "", 0, 1, false});
  list.erase(std::remove_if(list.begin(), list.end(), [](const Sample& x) { return !QFileInfo::exists(x.path); }),
             list.end());
  return list;
}

void MainWindow::openSample(const Sample& sample) {
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
    workspace_->setKernels(kernels);
    workspace_->setConvolution(o);
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
    item->setData(Qt::UserRole, int(i));
    QImage thumb;
    if (isImageFile(all[i].path.toStdString())) {
      thumb.load(all[i].path);
    } else {
      try { // a matrix: its first channel on the map palette
        const Tensor m = loadMatrixFile(all[i].path.toStdString());
        const Shape& sh = m.shape();
        thumb = toQImage(renderMap(m.reshaped(Shape{1, sh[0], sh[1], sh[2]}), 0)).copy();
      } catch (const std::exception&) {
      }
    }
    if (!thumb.isNull())
      item->setIcon(QIcon(QPixmap::fromImage(thumb.scaled(72, 72, Qt::KeepAspectRatio, Qt::FastTransformation))));
  }
  connect(gallery, &QListWidget::itemClicked, this,
          [this, all](QListWidgetItem* item) { openSample(all[size_t(item->data(Qt::UserRole).toInt())]); });
  return gallery;
}

bool MainWindow::openFile(const QString& path) {
  QString error;
  if (!workspace_->loadFile(path, &error)) {
    showError(tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  errorBanner_->hide();
  rememberRecent(path);
  QSettings().setValue("input/lastFile", QFileInfo(path).absoluteFilePath());
  statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
  return true;
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

void MainWindow::exportView() {
  QWidget* view = tabs_->currentIndex() == 0 ? static_cast<QWidget*>(featureMaps_) : static_cast<QWidget*>(stepper_);
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export the view as PNG"), "convscope.png", tr("PNG (*.png)"));
  if (path.isEmpty()) return;
  if (!view->grab().save(path, "PNG"))
    showError(tr("Could not write %1").arg(path));
  else
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
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

void MainWindow::tabChanged() {
  const bool training = tabs_->currentWidget() == trainingScroll_;
  if (training && !docksHiddenForTraining_) {
    stateBeforeTraining_ = saveState();
    for (QDockWidget* d : findChildren<QDockWidget*>()) d->hide();
    docksHiddenForTraining_ = true;
    statusBar()->showMessage(tr("Training uses the whole window; the side panels come back on the other tabs "
                                "(View → Panels shows them here too)."),
                             6000);
  } else if (!training && docksHiddenForTraining_) {
    restoreState(stateBeforeTraining_);
    docksHiddenForTraining_ = false;
  }
}

void MainWindow::setPresenterMode(bool on) {
  if (on == presenter_) return;
  presenter_ = on;
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
    font.setPointSizeF(font.pointSizeF() * 1.6);
    for (QDockWidget* d : findChildren<QDockWidget*>())
      if (d->objectName() == "kernelDock" || d->objectName() == "samplesDock") d->hide(); // only the essentials
    statusBar()->hide();
    showFullScreen();
    featureMaps_->setTileSize(260);
    stepper_->setCellSize(std::max(64, stepper_->zoom()));
  } else {
    QApplication::setPalette(paletteBeforePresenter_);
    font.setPointSizeF(font.pointSizeF() / 1.6);
    statusBar()->show();
    restoreState(stateBeforePresenter_);
    showNormal();
    featureMaps_->setTileSize(150);
    stepper_->setCellSize(44);
  }
  QApplication::setFont(font);
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
