// MainWindow and lecture files (.convscope): the window's state written out and read back.
#include "ui/window/MainWindow.h"

#include "ui/architectures/ArchitectureTab.h"
#include "ui/maps/ControlPanels.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/TransposedStepper.h"
#include "ui/applications/ApplicationsTab.h"
#include "ui/applications/DetectionPage.h"
#include "ui/applications/SegmentationPage.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"
#include "ui/window/RecentFiles.h"
#include "ui/architectures/SeparableView.h"

#include <QDir>
#include <QLabel>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include <climits>

namespace convscope::ui {

namespace {
const char* const kTabNames[] = {"maps", "stepper", "training", "architectures", "applications"};
const char* const kStepNames[] = {"convolution", "relu", "pooling", "fc", "backward", "deconv"};
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
  if (workspace_->hasNormalizationOverride())
    s.modelMean = workspace_->modelPreprocess().mean, s.modelStd = workspace_->modelPreprocess().stddev,
    s.modelResize = workspace_->modelPreprocess().resize;
  const int tab = tabs_->currentIndex();
  s.tab = tab >= 0 && tab < 5 ? kTabNames[tab] : "maps";
  s.segmentationScene = applications_->segmentation()->sceneIndex();
  if (tabs_->currentWidget() == applications_ && applications_->currentWidget() == applications_->detection())
    s.tab = "detection";
  const DetectionPage* detection = applications_->detection();
  s.detection = {std::max(-1, detection->sceneIndex()), detection->scoreThreshold(), detection->iouThreshold(),
                 detection->nmsStep() >= int(detection->suppression().keep.size()) ? -1 : detection->nmsStep(),
                 std::max(0, detection->selectedLevel()), detection->selectedCellY(), detection->selectedCellX()};
  if (tabs_->currentWidget() == architectures_ && architectures_->separableView()->isVisible()) s.tab = "depthwise";
  s.stepMode = kStepNames[int(stepper_->mode())];
  s.stepPosition = stepper_->position();
  s.stepKernel = stepper_->kernelIndex();
  s.stepChannel = stepper_->outputChannel();
  if (const BackwardStepper* b = stepper_->backward(); b && b->lesson())
    s.backwardLoop = b->loop(), s.backwardStage = int(b->stage()), s.backwardCell = b->cell();
  if (const TransposedStepper* t = stepper_->transposed()) {
    s.deconv.sample = TransposedStepper::sampleName(t->sample());
    s.deconv.stride = t->stride(), s.deconv.padding = t->padding(), s.deconv.outputPadding = t->outputPadding();
    s.deconv.view = t->view() == TransposedStepper::View::ZeroInserted ? "zero-inserted" : "scatter";
    s.deconv.selected = t->selectedCell();
    s.deconv.compare = t->upsampleCompared();
    if (stepper_->mode() == Stepper::Mode::Transposed) s.stepPosition = t->position();
  }
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
  recentLectures_->remember(lecturePath_);
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
    if (!workspace_->loadModel(model, &error)) {
      problem = tr("its model %1 did not open: %2").arg(model, error);
    } else if (!s.modelMean.empty()) {
      try {
        workspace_->setModelNormalization(s.modelMean, s.modelStd, s.modelResize);
      } catch (const std::invalid_argument& e) {
        problem = tr("its model's normalization does not fit %1: %2").arg(model, QString::fromStdString(e.what()));
      }
    }
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
  stepper_->setMode(static_cast<Stepper::Mode>(std::min(mode, 5)));
  stepper_->setKernelIndex(s.stepKernel);
  stepper_->setOutputChannel(s.stepChannel);
  { // the transposed convolution's sample, geometry and view, whatever mode shows
    TransposedStepper* t = stepper_->transposed();
    t->setSample(TransposedStepper::sampleNamed(s.deconv.sample));
    t->setGeometry(s.deconv.stride, s.deconv.padding, s.deconv.outputPadding);
    t->setUpsampleCompared(s.deconv.compare);
    t->setView(s.deconv.view == "zero-inserted" ? TransposedStepper::View::ZeroInserted
                                                : TransposedStepper::View::Scatter);
    if (s.deconv.selected >= 0) t->selectCell(s.deconv.selected);
    if (!t->problemText().isEmpty() && stepper_->mode() == Stepper::Mode::Transposed)
      problem = tr("the transposed convolution does not fit: %1").arg(t->problemText());
  }
  if (stepper_->mode() == Stepper::Mode::Transposed) {
    stepper_->transposed()->setPosition(int(std::min<int64_t>(s.stepPosition, INT_MAX)));
  } else if (stepper_->mode() == Stepper::Mode::Backward) {
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
  if (s.tab == "applications") showApplications();
  if (s.segmentationScene > 0 || (s.tab == "applications" && s.segmentationScene == 0))
    applications_->segmentation()->showTestScene(s.segmentationScene);
  if (s.tab == "detection" || s.detection != LectureState::DetectionView{}) {
    DetectionPage* d = applications_->detection();
    if (s.tab == "detection") showDetection();
    if (s.detection.scene >= 0) d->showTestScene(s.detection.scene);
    d->setThresholds(s.detection.score, s.detection.iou);
    d->selectCell(s.detection.level, s.detection.cellY, s.detection.cellX);
    if (s.detection.nmsStep >= 0) d->setNmsStep(s.detection.nmsStep);
  }
  if (s.presenter) setPresenterMode(true);
  lecturePath_ = QFileInfo(path).absoluteFilePath();
  recentLectures_->remember(lecturePath_);
  QSettings().setValue("lectureFolder", QFileInfo(path).absolutePath());
  setWindowTitle(tr("%1 — ConvScope %2").arg(QFileInfo(path).completeBaseName(), CONVSCOPE_VERSION));
  if (!problem.isEmpty())
    showError(tr("Opened the lecture %1, but %2").arg(QFileInfo(path).fileName(), problem));
  else
    statusBar()->showMessage(tr("Opened the lecture %1").arg(path), 6000);
  return true;
}

} // namespace convscope::ui
