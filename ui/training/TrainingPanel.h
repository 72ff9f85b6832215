// Train from the window: the Training tab. It holds a run: the form's recipe goes to the
// worker on the compute thread (Start, Pause, Step, Resume, Stop); what the worker reports
// (value snapshots, taken from its mailbox) goes to the inspector (TrainingInspector) as it
// comes, and batches and epochs to the curves (TrainingCurves), the progress bar and the
// status line here on a 50 ms timer.
// It also keeps the run's result: saving the model, reset, resuming from a checkpoint.
// Not for: the engine's training loop itself, or drawing.
#pragma once

#include "ui/export/Figure.h"

#include "ui/training/TrainingWorker.h"

#include <QElapsedTimer>
#include <QImage>
#include <QWidget>

#include <functional>

#include <vector>

class QProgressBar;
class QPushButton;
class QTimer;

namespace convscope::ui {

class StatusLine;
class TrainingCurves;
class TrainingForm;
class TrainingInspector;

class TrainingPanel : public QWidget {
  Q_OBJECT
public:
  explicit TrainingPanel(QWidget* parent = nullptr);
  ~TrainingPanel() override; // stops the worker and waits until it has returned

  TrainingForm* form() const { return form_; }
  TrainingCurves* curves() const { return curves_; }
  TrainingInspector* inspector() const { return inspector_; }
  std::vector<Figure> figures() const; // the curves' and the inspector's, for export
  // The run as an animation (File → Export Animation): twice a second and after every
  // epoch the run's point is marked (the curves' length and the first layer's filters: a
  // count and a copy of a few hundred numbers, nothing drawn while training). At most 600
  // marks: past that every other goes and the interval doubles, so a long run stays evenly
  // sampled. runFrames() draws them: the curves on the run's final axes, the filters below.
  int runFrameCount() const { return int(marks_.size()); }
  std::vector<QImage> runFrames();

  bool isTraining() const { return training_; }
  // Another training run in the window (the Applications tab's): this panel waits for it.
  void setOtherTraining(std::function<bool()> busy) { otherTraining_ = std::move(busy); }
  bool hasUnsavedModel() const { return unsaved_; }
  int progress() const;
  QString statusText() const;
  int64_t batchesReceived() const { return batches_; }
  // This run's epoch reports so far (without their test predictions).
  const std::vector<EpochReport>& epochReports() const { return history_; }
  void setPresenterMode(bool on);
  bool isFormShown() const; // the recipe form (hidden while presenting a run)

public slots:
  void start();
  void pause();
  void step();
  void resume();
  void stop();
  bool saveModel(const QString& path); // false (with a message) when there is nothing to save
  // Clears the curves and views and forgets the trained model (asking first when unsaved);
  // false when training or when the user keeps the model.
  bool reset();
  // Goes on from a checkpoint (train --checkpoint, or this tab's own) to the Epochs box's
  // total, with the checkpoint's recipe and dataset; false, with a message, when it cannot.
  bool resumeFrom(const QString& checkpoint);

signals:
  void pauseRequested();
  void stepRequested();
  void resumeRequested();
  void stopRequested();
  void trainingFinished(bool ok, const QString& message);
  void modelSaved(const QString& path);
  // After each epoch of a run: the network (preset name or layer-list title), its dataset,
  // the epochs done, the test accuracy (0–1) and the epoch's wall time.
  void epochReported(const QString& network, const QString& dataset, int epochs, double testAccuracy, double seconds);

private:
  void startRun(TrainingRequest request); // start() and resumeFrom(): the form's recipe, or the checkpoint's
  void takeReports();                     // the worker's mailbox, emptied
  void drain();                           // the coalescing timer: hand out what arrived
  void showProgress(const BatchReport& last);
  void exportCurves(); // asks where, then the curves' export
  void setRunning(bool running);
  void setPaused(bool paused); // Pause while running; Step and Resume while paused
  void recordFrame(bool force);

  TrainingForm* form_;
  TrainingCurves* curves_;
  TrainingInspector* inspector_;
  TrainingWorker* worker_; // lives on the compute thread
  QPushButton *startButton_, *pauseButton_, *stepButton_, *resumeButton_, *stopButton_;
  QProgressBar* progress_;
  StatusLine* status_;
  QTimer* timer_;

  QString network_; // the run's network: a preset, a file or the edited layer list's name
  std::vector<EpochReport> history_;
  std::vector<BatchReport> pendingBatches_;
  std::vector<EpochReport> pendingEpochs_;
  bool training_ = false, unsaved_ = false, presenter_ = false;
  int64_t batches_ = 0;
  TrainingProgress runProgress_{1}; // fraction, pace and time left, as the command line's bar
  int totalEpochs_ = 1;
  struct RunMark {
    int points = 0, epochs = 0; // the loss curve's points and the epochs done
    Tensor filters;
  };
  std::vector<RunMark> marks_;
  QElapsedTimer frameClock_;
  int frameInterval_ = 500; // milliseconds
  std::function<bool()> otherTraining_;
};

} // namespace convscope::ui
