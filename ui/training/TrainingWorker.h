// A TrainingJob on the compute thread (ComputeThread): the GUI sends commands as queued
// calls (start, pause, step, resume, stop); the worker puts what it reports — immutable
// value snapshots: the run's setup, batch and epoch reports, copies of the weights, the end
// — in a mailbox the GUI empties at once (takeReports) when reportsReady() says there is
// something. Moved across under a mutex, not copied by Qt's queued signals: cheaper for a
// network's weights, and visible to ThreadSanitizer. No exception crosses the thread:
// failures arrive as a message. Not for: drawing (TrainingPanel does) or the GUI's state.
#pragma once

#include "engine/training/Dataset.h"
#include "engine/io/ModelFile.h"
#include "engine/network/Network.h"
#include "engine/training/Trainer.h"
#include "engine/training/TrainingJob.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace convscope::ui {

class ComputeThread;

// What the panel asks for: the same run the command line's train sets up (TrainingJob.h).
struct TrainingRequest {
  TrainingSpec spec;
  QString checkpoint; // when not empty: a checkpoint saved here after every epoch
  // The Training tab's runs: networks that classify or segment; a VAE or a GAN is refused by name
  // (the Generation page trains those).
  bool refuseGenerative = false;
};

// Copies taken after a batch: conv1's weights (C_out, C_in, KH, KW) and every parameter,
// so the GUI can run the current network itself (drawing pad, test image maps); a GAN's both
// networks (a generator has no convolution: `weights` is then empty). At most 4 a second, and
// after every batch run while paused (step mode).
struct FilterSnapshot {
  Tensor weights;
  std::vector<Tensor> parameters;
  int64_t imagesSeen = 0;
  std::vector<Tensor> discriminator; // a GAN's, its state as copyState lists it (the network is the generator)
};

// What the GUI needs once the data is loaded: how inputs are prepared, the class names
// and the test set (for the confusion matrix and the misclassified images).
struct TrainingSetup {
  std::string architecture; // the network without weights, as a model file's text
  Preprocess preprocess;
  std::vector<std::string> classNames;
  std::shared_ptr<const Dataset> test;
};

// Everything the worker reported that the GUI has not taken yet, in the order to handle it:
// the setup comes before any batch, and `finished` after everything else of the run.
struct TrainingReports {
  struct Checkpoint {
    QString path;
    int epochs = 0;
    QString problem; // empty when saved
  };
  struct Finish {
    bool ok = false;
    QString message;
  };
  std::optional<TrainingSetup> setup; // the data is loaded
  std::vector<BatchReport> batches;
  std::vector<EpochReport> epochs;
  std::optional<FilterSnapshot> filters; // the latest copy only
  std::vector<Checkpoint> checkpoints;
  std::optional<Finish> finished;
};

class TrainingWorker;
// A worker living on the compute thread (ComputeThread::instance()), and its end: stopped, then
// deleted on its own thread once a running start() has returned, while the caller waits —
// nothing of it is left when the widget that owned it goes.
TrainingWorker* makeTrainingWorker();
void disposeTrainingWorker(TrainingWorker* worker);

class TrainingWorker : public QObject {
  Q_OBJECT
public:
  // Between batches the worker runs the compute thread's other queued jobs (see ComputeThread).
  explicit TrainingWorker(ComputeThread* compute) : compute_(compute) {}

  bool isRunning() const { return running_; }

  // The trained network after finished() (moved out), for saving and the model view, and
  // what its model file carries (preprocessing, classes, the training note).
  std::unique_ptr<Network> takeNetwork();
  const ModelInfo& modelInfo() const { return modelInfo_; }
  // What arrived since the last call (thread-safe; the GUI calls it after reportsReady()).
  TrainingReports takeReports();

public slots:
  void start(convscope::ui::TrainingRequest request); // runs until done, on the worker's thread
  // The controls. The GUI sends them as queued calls; while start() runs, the worker
  // delivers them between batches (and every 20 ms while paused), so they take effect
  // before the next batch. They are thread-safe as direct calls too (the panel's
  // destructor stops the worker that way).
  void pause();
  void resume();
  void step();
  void stop();

protected:
  bool event(QEvent* e) override; // ThreadSanitizer.h: a queued call arrives

signals:
  // The mailbox has something new. Batches come at most 20 times a second (each wakes the
  // GUI thread, which takes a core from the trainer), and at once when paused or an epoch
  // ends; one signal stands for everything until the GUI takes it.
  void reportsReady();

private:
  ComputeThread* compute_;
  void control(void (TrainingJob::*command)());
  std::mutex jobMutex_;
  TrainingJob* job_ = nullptr; // the running job; guarded by jobMutex_
  std::atomic<bool> running_{false};
  std::atomic<bool> stopRequested_{false};
  std::unique_ptr<Network> network_;
  ModelInfo modelInfo_;

  // Puts a report in the mailbox and says so, unless a signal is still waiting to be taken.
  template <class Fill> void deliver(Fill fill);
  std::mutex mailboxMutex_;
  TrainingReports mailbox_; // guarded by mailboxMutex_
  bool announced_ = false;  // reportsReady() sent and not yet taken; guarded by mailboxMutex_
};

} // namespace convscope::ui
