// A TrainingJob on the compute thread (ComputeThread): the GUI sends commands as queued
// signals (start, pause, step, resume, stop) and receives
// immutable value snapshots: batch and epoch reports and copies of the first layer's
// filters. No exception crosses the thread: failures arrive as a message.
// Not for: drawing (TrainingPanel does) or holding the GUI's state.
#pragma once

#include "engine/Dataset.h"
#include "engine/ModelFile.h"
#include "engine/Network.h"
#include "engine/Trainer.h"
#include "engine/TrainingJob.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace convscope::ui {

class ComputeThread;

// What the panel asks for: the same run the command line's train sets up (TrainingJob.h).
struct TrainingRequest {
  TrainingSpec spec;
  QString checkpoint; // when not empty: a checkpoint saved here after every epoch
};

// Copies taken after a batch: conv1's weights (C_out, C_in, KH, KW) and every parameter,
// so the GUI can run the current network itself (drawing pad, test image maps).
struct FilterSnapshot {
  Tensor weights;
  std::vector<Tensor> parameters;
  int64_t imagesSeen = 0;
};

// What the GUI needs once the data is loaded: how inputs are prepared, the class names
// and the test set (for the confusion matrix and the misclassified images).
struct TrainingSetup {
  std::string architecture; // the network without weights, as a model file's text
  Preprocess preprocess;
  std::vector<std::string> classNames;
  std::shared_ptr<const Dataset> test;
};

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

public slots:
  void start(convscope::ui::TrainingRequest request); // runs until done, on the worker's thread
  // The controls. The GUI sends them as queued signals; while start() runs, the worker
  // delivers them between batches (and every 20 ms while paused), so they take effect
  // before the next batch. They are thread-safe as direct calls too (the panel's
  // destructor stops the worker that way).
  void pause();
  void resume();
  void step();
  void stop();

signals:
  // The batches since the last call, at most 20 times a second (each call wakes the GUI
  // thread, which takes a core from the trainer), and at once when paused or an epoch ends.
  void batchesDone(std::vector<convscope::BatchReport> reports);
  void epochDone(convscope::EpochReport report);
  void filtersChanged(convscope::ui::FilterSnapshot filters);
  void prepared(convscope::ui::TrainingSetup setup);
  void finished(bool ok, QString message);
  // After every epoch when the request asked for checkpoints: saved (the epochs done so far),
  // or why not (training goes on either way).
  void checkpointSaved(QString path, int epochs, QString problem);

private:
  ComputeThread* compute_;
  std::atomic<TrainingJob*> job_{nullptr};
  std::atomic<bool> running_{false};
  std::atomic<bool> stopRequested_{false};
  std::unique_ptr<Network> network_;
  ModelInfo modelInfo_;
};

} // namespace convscope::ui

Q_DECLARE_METATYPE(convscope::ui::TrainingRequest)
Q_DECLARE_METATYPE(convscope::ui::FilterSnapshot)
Q_DECLARE_METATYPE(convscope::ui::TrainingSetup)
Q_DECLARE_METATYPE(std::vector<convscope::BatchReport>)
Q_DECLARE_METATYPE(convscope::EpochReport)
