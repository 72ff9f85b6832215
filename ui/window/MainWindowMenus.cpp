// MainWindow's menus and their shortcuts: File, View, Step, Help. The window also holds every
// shortcut, so they work while presenter mode hides the menu bar.
#include "ui/window/MainWindow.h"

#include "ui/architectures/ArchitectureTab.h"
#include "ui/maps/ControlPanels.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/maps/LiveFeed.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/TransposedStepper.h"
#include "ui/stepper/LessonPanels.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"
#include "ui/window/RecentFiles.h"
#include "ui/window/Samples.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

namespace convscope::ui {

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open an image or a matrix"), QString(),
                                                      tr("Images and matrices (*.png *.jpg *.jpeg *.bmp *.tif *.tiff "
                                                         "*.webp *.pgm *.ppm *.txt *.csv);;All files (*)"));
    if (!path.isEmpty()) openFile(path);
  });
  open->setShortcut(QKeySequence::Open);
  recentFiles_ = new RecentFiles(file->addMenu(tr("Open &Recent")), "recentFiles",
                                 [this](const QString& path) { openFile(path); }, this);
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
  recentLectures_ = new RecentFiles(file->addMenu(tr("Recent Lec&tures")), "recentLectures",
                                    [this](const QString& path) { openLecture(path); }, this);
  file->addSeparator();
  fillSamplesMenu(file->addMenu(tr("&Samples")), lectureSamples(),
                  [this](const Sample& sample) { openSample(sample); });
  // Page Down and Page Up (a presenter's clicker) while presenting only: otherwise they
  // scroll the maps, the arithmetic and the tables (setPresenterMode gives them the keys).
  nextSampleAction_ = file->addAction(tr("&Next Sample"), this, [this] { stepSample(1); });
  nextSampleAction_->setToolTip(tr("The next sample with its slide's settings (Page Down while presenting)"));
  previousSampleAction_ = file->addAction(tr("Pre&vious Sample"), this, [this] { stepSample(-1); });
  previousSampleAction_->setToolTip(tr("The previous sample (Page Up while presenting)"));
  addAction(nextSampleAction_), addAction(previousSampleAction_); // the keys work with the menu bar hidden
  file->addAction(tr("&Paste"), this, &MainWindow::paste)->setShortcut(QKeySequence::Paste);
  QAction* camera = file->addAction(tr("&Camera"), this, [this] {
    if (liveFeed_->isRunning())
      stopLive();
    else
      startCamera(QSettings().value("live/camera", 0).toInt());
  });
  camera->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));
  camera->setToolTip(tr("The feature maps (and an open model's layers) live on the camera's picture; again to stop "
                        "(--camera N chooses another camera)"));
  QAction* video = file->addAction(tr("Open &Video…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Play a video through the maps"),
                                                      QSettings().value("live/videoFolder").toString(),
                                                      tr("Videos (*.mp4 *.avi *.mkv *.mov *.webm *.mpg *.gif);;All files (*)"));
    if (path.isEmpty()) return;
    QSettings().setValue("live/videoFolder", QFileInfo(path).absolutePath());
    openVideo(path);
  });
  video->setShortcut(QKeySequence(tr("Ctrl+Shift+V")));
  video->setToolTip(tr("A video file through the maps at its own frame rate; frames the maps cannot keep up with "
                       "are dropped, not queued"));
  addAction(camera), addAction(video); // the keys work with the menu bar hidden
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
  QAction* normalization = file->addAction(tr("Model &Normalization…"), this, [this] { showNormalization(); });
  normalization->setShortcut(QKeySequence(tr("Ctrl+Shift+N")));
  normalization->setToolTip(tr("The mean and standard deviation the open model's images are normalized with "
                               "(ImageNet's for torchvision's classifiers)"));
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
  view->addAction(tr("A&pplications"), this, &MainWindow::showApplications)->setShortcut(QKeySequence(tr("Ctrl+5")));
  view->addAction(tr("&Inspect"), this, [this] { showInspection(); })->setShortcut(QKeySequence(tr("Ctrl+6")));
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
  step->addAction(tr("&Activation"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Activation); });
  step->addAction(tr("&Pooling"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Pooling); });
  step->addAction(tr("&Fully Connected"), this,
                  [this] { showStepper(), stepper_->setMode(Stepper::Mode::FullyConnected); });
  step->addAction(tr("&Backward Pass"), this, [this] { showStepper(), stepper_->setMode(Stepper::Mode::Backward); });
  step->addAction(tr("&Transposed Convolution"), this,
                  [this] { showStepper(), stepper_->setMode(Stepper::Mode::Transposed); });
  step->addSeparator();
  step->addAction(tr("Convolution as a &Matrix"), this, [this] {
        showStepper(), stepper_->setMode(Stepper::Mode::Convolution);
        stepper_->setMatrixShown(!stepper_->matrixPanel()->isVisibleTo(stepper_));
      })
      ->setShortcut(QKeySequence(Qt::Key_M));
  step->addAction(tr("Pooling After a &Shift"), this, [this] {
        showStepper(), stepper_->setMode(Stepper::Mode::Pooling);
        stepper_->setShiftShown(!stepper_->shiftPanel()->isVisibleTo(stepper_));
      })
      ->setShortcut(QKeySequence(Qt::Key_S));
  step->addAction(tr("Transposed: &Zero-Inserted View"), this, [this] {
        showStepper(), stepper_->setMode(Stepper::Mode::Transposed);
        TransposedStepper* t = stepper_->transposed();
        t->setView(t->view() == TransposedStepper::View::Scatter ? TransposedStepper::View::ZeroInserted
                                                                 : TransposedStepper::View::Scatter);
      })
      ->setShortcut(QKeySequence(Qt::Key_Z));
  step->addAction(tr("Transposed: Overlap vs &Upsample + Conv"), this, [this] {
        showStepper(), stepper_->setMode(Stepper::Mode::Transposed);
        stepper_->transposed()->setUpsampleCompared(!stepper_->transposed()->upsampleCompared());
      })
      ->setShortcut(QKeySequence(Qt::Key_U));

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

} // namespace convscope::ui
