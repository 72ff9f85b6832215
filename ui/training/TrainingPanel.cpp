// TrainingPanel: the run's controls, the worker and what its reports feed.
#include "ui/training/TrainingPanel.h"
#include "ui/core/ThreadSanitizer.h"

#include "ui/core/ComputeThread.h"
#include "ui/training/TrainingCurves.h"
#include "ui/training/TrainingForm.h"
#include "ui/training/TrainingInspector.h"
#include "ui/training/TrainingViews.h"

#include "engine/io/ModelFile.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLocale>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {
// "0:42", "12:05", "1:02:09".
QString formatDuration(double seconds) {
  const qint64 s = qint64(std::max(0.0, seconds) + 0.5);
  return s >= 3600 ? QStringLiteral("%1:%2:%3")
                         .arg(s / 3600)
                         .arg(s / 60 % 60, 2, 10, QChar('0'))
                         .arg(s % 60, 2, 10, QChar('0'))
                   : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}
} // namespace

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("trainingPanel");

  form_ = new TrainingForm;
  curves_ = new TrainingCurves;
  inspector_ = new TrainingInspector(this);
  startButton_ = new QPushButton(tr("Start"));
  pauseButton_ = new QPushButton(tr("Pause"));
  stepButton_ = new QPushButton(tr("Step"));
  stepButton_->setToolTip(tr("While paused: train exactly one more batch"));
  resumeButton_ = new QPushButton(tr("Resume"));
  stopButton_ = new QPushButton(tr("Stop"));
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setValue(0);
  status_ = new StatusLine(tr("Ready: choose a model and a dataset, then Start."));
  status_->setObjectName("trainingStatus");

  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {startButton_, pauseButton_, stepButton_, resumeButton_, stopButton_}) buttons->addWidget(b);
  auto* middle = new QVBoxLayout;
  middle->addLayout(buttons);
  middle->addWidget(progress_);
  middle->addWidget(status_);
  middle->addWidget(curves_, 5);
  middle->addWidget(inspector_->mapsPane(), 2);
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(form_);
  layout->addLayout(middle, 5);
  layout->addWidget(inspector_->drawingPane(), 3);

  connect(form_, &TrainingForm::message, this, [this](const QString& text) { status_->setText(text); });
  connect(inspector_, &TrainingInspector::message, this, [this](const QString& text) { status_->setText(text); });
  connect(form_, &TrainingForm::smoothingChanged, curves_, &TrainingCurves::setSmoothing);
  connect(form_, &TrainingForm::resetClicked, this, [this] { reset(); });
  connect(form_, &TrainingForm::resumeChosen, this, [this](const QString& path) { resumeFrom(path); });
  connect(form_, &TrainingForm::exportClicked, this, &TrainingPanel::exportCurves);
  connect(form_, &TrainingForm::saveClicked, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save the trained model"), "model.json", tr("ConvScope models (*.json)"));
    if (!path.isEmpty()) saveModel(path);
  });

  worker_ = makeTrainingWorker();
  // Commands as queued signals (the worker lives on another thread); what it reports waits
  // in its mailbox until takeReports() empties it.
  connect(this, &TrainingPanel::pauseRequested, worker_, &TrainingWorker::pause);
  connect(this, &TrainingPanel::stepRequested, worker_, &TrainingWorker::step);
  connect(this, &TrainingPanel::resumeRequested, worker_, &TrainingWorker::resume);
  connect(this, &TrainingPanel::stopRequested, worker_, &TrainingWorker::stop);
  connect(worker_, &TrainingWorker::reportsReady, this, &TrainingPanel::takeReports);

  timer_ = new QTimer(this);
  timer_->setInterval(50); // 20 updates a second: smooth to the eye, few wake-ups of this thread
  connect(timer_, &QTimer::timeout, this, &TrainingPanel::drain);
  connect(startButton_, &QPushButton::clicked, this, &TrainingPanel::start);
  connect(pauseButton_, &QPushButton::clicked, this, &TrainingPanel::pause);
  connect(stepButton_, &QPushButton::clicked, this, &TrainingPanel::step);
  connect(resumeButton_, &QPushButton::clicked, this, &TrainingPanel::resume);
  connect(stopButton_, &QPushButton::clicked, this, &TrainingPanel::stop);
  setRunning(false);
}

TrainingPanel::~TrainingPanel() {
  disposeTrainingWorker(worker_); // nothing of it is left when this panel's connections go
}

void TrainingPanel::setRunning(bool running) {
  training_ = running;
  startButton_->setEnabled(!running);
  stopButton_->setEnabled(running);
  setPaused(false);
  form_->setRunning(running);
  form_->setVisible(!(running && presenter_)); // presenting a run: the curves and maps get the room
  if (running)
    timer_->start();
  else
    timer_->stop();
}

// Presenter mode: the plots' text at least 16 px (the curves and the inspector set their
// own); the form hides while a run goes on.
void TrainingPanel::setPresenterMode(bool on) {
  presenter_ = on;
  curves_->setPresenterMode(on);
  inspector_->setPresenterMode(on);
  form_->setVisible(!(training_ && on));
}

bool TrainingPanel::isFormShown() const { return !form_->isHidden(); }

void TrainingPanel::start() {
  if (training_) return;
  startRun(TrainingRequest{});
}

void TrainingPanel::startRun(TrainingRequest request) {
  if (otherTraining_ && otherTraining_()) {
    status_->setText(tr("The Applications tab is training: one run at a time (stop it there, or wait for it)."));
    return;
  }
  form_->fill(request);
  request.refuseGenerative = true; // the curves, confusion matrix and drawing pad are for classifiers and segmenters
  const TrainingSpec& spec = request.spec;
  network_ = spec.resume ? QString::fromStdString(spec.model) : form_->modelName();
  if (const std::string problem = spec.config.problem(); !problem.empty()) {
    status_->setText(tr("Cannot train: %1").arg(QString::fromStdString(problem)));
    return;
  }
  curves_->clear(form_->smoothingBox()->value(), spec.config.epochs);
  marks_.clear();
  frameInterval_ = 500;
  pendingBatches_.clear();
  pendingEpochs_.clear();
  history_.clear();
  batches_ = 0;
  runProgress_ = TrainingProgress(spec.config.epochs);
  totalEpochs_ = spec.config.epochs;
  progress_->setFormat("%p%");
  progress_->setValue(0);
  status_->setText(spec.resume ? tr("Resuming %1…").arg(QFileInfo(network_).fileName())
                               : tr("Loading %1…").arg(form_->datasetName()));
  setRunning(true);
  QMetaObject::invokeMethod(
      worker_, queuedCall([worker = worker_, request] { worker->start(request); }), Qt::QueuedConnection);
}

void TrainingPanel::takeReports() {
  TrainingReports r = worker_->takeReports();
  if (r.setup) inspector_->setSetup(*r.setup);
  pendingBatches_.insert(pendingBatches_.end(), r.batches.begin(), r.batches.end());
  for (const EpochReport& e : r.epochs) {
    pendingEpochs_.push_back(e);
    emit epochReported(network_, form_->datasetName(), e.epoch + 1, e.testAccuracy, e.seconds);
  }
  if (r.filters) inspector_->setSnapshot(*r.filters);
  for (const TrainingReports::Checkpoint& c : r.checkpoints) form_->showCheckpointSaved(c.path, c.epochs, c.problem);
  if (!r.finished) return;
  drain();
  curves_->replot(true);
  // The last frame: the run as it ended (unless the last epoch's mark already shows it).
  if (r.finished->ok && (marks_.empty() || marks_.back().points != curves_->lossPoints())) recordFrame(true);
  setRunning(false);
  unsaved_ = r.finished->ok || batches_ > 0;
  form_->setSaveEnabled(unsaved_);
  status_->setText(r.finished->ok ? tr("Finished: %1").arg(status_->text()) : r.finished->message);
  if (r.finished->ok) progress_->setValue(100);
  emit trainingFinished(r.finished->ok, r.finished->message);
}

void TrainingPanel::pause() {
  emit pauseRequested();
  setPaused(true);
  status_->setText(tr("Paused (Step trains one batch, Resume goes on)"));
}
void TrainingPanel::step() { emit stepRequested(); }
void TrainingPanel::resume() {
  emit resumeRequested();
  setPaused(false);
}

void TrainingPanel::setPaused(bool paused) {
  pauseButton_->setEnabled(training_ && !paused);
  stepButton_->setEnabled(training_ && paused);
  resumeButton_->setEnabled(training_ && paused);
}
void TrainingPanel::stop() { emit stopRequested(); }

int TrainingPanel::progress() const { return progress_->value(); }
QString TrainingPanel::statusText() const { return status_->text(); }

void TrainingPanel::drain() {
  inspector_->flush();
  if (pendingBatches_.empty() && pendingEpochs_.empty()) return;
  if (!pendingBatches_.empty()) {
    batches_ += int64_t(pendingBatches_.size());
    curves_->addBatches(pendingBatches_);
    for (const BatchReport& b : pendingBatches_) runProgress_.batch(b); // as the command line's bar counts
    showProgress(pendingBatches_.back());
  }
  for (const EpochReport& r : pendingEpochs_) {
    inspector_->showEpoch(r);
    curves_->addEpoch(r);
    history_.push_back(r);
    history_.back().testPredictions.clear();
  }
  const bool epochEnded = !pendingEpochs_.empty();
  pendingBatches_.clear();
  pendingEpochs_.clear();
  curves_->replot(!training_);
  recordFrame(epochEnded);
}

void TrainingPanel::recordFrame(bool force) {
  if (!force && frameClock_.isValid() && frameClock_.elapsed() < frameInterval_) return;
  if (inspector_->filters().empty()) return; // nothing trained yet
  frameClock_.start();
  marks_.push_back({curves_->lossPoints(), int(history_.size()), inspector_->filters()});
  if (marks_.size() > 600) {
    std::vector<RunMark> kept;
    for (size_t i = 0; i < marks_.size(); i += 2) kept.push_back(std::move(marks_[i]));
    marks_ = std::move(kept);
    frameInterval_ *= 2;
  }
}

std::vector<QImage> TrainingPanel::runFrames() {
  curves_->replot(true);
  std::vector<QImage> frames;
  QProgressDialog progress(tr("Drawing the frames…"), tr("Cancel"), 0, int(marks_.size()), this);
  progress.setMinimumDuration(500);
  progress.setWindowModality(Qt::WindowModal);
  // A copy: the progress dialog runs the event loop, and a run still going adds marks.
  const std::vector<RunMark> marks = marks_;
  progress.setMaximum(int(marks.size()));
  for (const RunMark& mark : marks) {
    const QImage curves = curves_->curvesAt(mark.points, mark.epochs);
    const QImage filters = inspector_->filtersImage(mark.filters);
    QImage frame(std::max(curves.width(), filters.width()), curves.height() + filters.height(), QImage::Format_RGB888);
    frame.fill(Qt::white);
    {
      QPainter p(&frame);
      p.drawImage(0, 0, curves);
      p.drawImage(0, curves.height(), filters);
    }
    frames.push_back(std::move(frame));
    progress.setValue(int(frames.size()));
    if (progress.wasCanceled()) return {};
  }
  return frames;
}

void TrainingPanel::showProgress(const BatchReport& r) {
  progress_->setValue(int(100 * runProgress_.fraction()));
  const double left = runProgress_.secondsLeft();
  // The bar: where the run is and how fast; the line under it: how the loss is doing.
  // Presenting, the large text has room for the essentials only.
  progress_->setFormat(
      presenter_ ? tr("epoch %1/%2 · ETA %3 · %p%").arg(r.epoch + 1).arg(totalEpochs_).arg(formatDuration(left))
                 : tr("epoch %1/%2 · batch %3/%4 · %5 images/s · ETA %6 · %p%")
                       .arg(r.epoch + 1)
                       .arg(totalEpochs_)
                       .arg(r.batch + 1)
                       .arg(r.batchesPerEpoch)
                       .arg(QLocale().toString(qint64(runProgress_.imagesPerSecond())))
                       .arg(formatDuration(left)));
  status_->setText(tr("loss %1 (smoothed %2) · %3 images seen")
                       .arg(r.loss, 0, 'f', 4)
                       .arg(curves_->smoothedValue(), 0, 'f', 4)
                       .arg(QLocale().toString(qint64(r.imagesSeen))));
}

bool TrainingPanel::reset() {
  if (training_) return false;
  if (unsaved_ && !qEnvironmentVariableIsSet("CONVSCOPE_NO_PROMPTS") &&
      QMessageBox::question(this, tr("Reset"), tr("The trained model is not saved. Forget it?"),
                            QMessageBox::Discard | QMessageBox::Cancel) != QMessageBox::Discard)
    return false;
  worker_->takeNetwork(); // dropped
  unsaved_ = false;
  form_->setSaveEnabled(false);
  curves_->clear(form_->smoothingBox()->value(), form_->epochsBox()->value());
  inspector_->clear();
  history_.clear();
  batches_ = 0;
  progress_->setValue(0);
  progress_->setFormat("%p%");
  status_->setText(tr("Ready: choose a model and a dataset, then Start."));
  return true;
}

bool TrainingPanel::saveModel(const QString& path) {
  if (training_ || !unsaved_) {
    status_->setText(tr("Nothing to save yet: train first."));
    return false;
  }
  std::unique_ptr<Network> network = worker_->takeNetwork();
  if (!network) {
    status_->setText(tr("The model was saved already."));
    return false;
  }
  try { // what the command line's train --save writes: preprocessing, classes, the training note
    convscope::saveModel(path.toStdString(), *network, worker_->modelInfo());
  } catch (const std::exception& e) {
    status_->setText(tr("Could not save: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  unsaved_ = false;
  form_->setSaveEnabled(false);
  status_->setText(tr("Saved %1").arg(path));
  emit modelSaved(path);
  return true;
}

void TrainingPanel::exportCurves() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the curves"), "training.png",
                                                    tr("SVG (*.svg);;PDF (*.pdf);;PNG (*.png);;CSV (*.csv)"));
  if (!path.isEmpty() && !curves_->exportTo(path)) status_->setText(tr("Could not write %1").arg(path));
}

bool TrainingPanel::resumeFrom(const QString& checkpoint) {
  if (training_) return false;
  try { // said here, before anything changes: a file that is no checkpoint, or one already done
    const Model model = loadModel(checkpoint.toStdString());
    if (!model.info.checkpoint)
      throw std::invalid_argument("not a checkpoint (a run with Checkpoint ticked, or "
                                  "convscope train --checkpoint, writes one)");
    const int done = model.info.checkpoint->state.epochsDone;
    QSpinBox* epochs = form_->epochsBox();
    if (epochs->value() <= done) epochs->setValue(done + 1); // Epochs is the total: at least one more
  } catch (const std::exception& e) {
    status_->setText(
        tr("Cannot resume from %1: %2").arg(QFileInfo(checkpoint).fileName(), QString::fromStdString(e.what())));
    return false;
  }
  TrainingRequest request;
  request.spec.model = checkpoint.toStdString();
  request.spec.resume = true;
  startRun(request);
  return true;
}

std::vector<Figure> TrainingPanel::figures() const {
  std::vector<Figure> list = curves_->figures();
  for (Figure& f : inspector_->figures()) list.push_back(std::move(f));
  return list;
}

} // namespace convscope::ui
