// TrainingWorker: the engine's TrainingJob, driven from a worker thread.
#include "TrainingWorker.h"

#include "ComputeThread.h"

#include <QCoreApplication>

#include "engine/ModelFile.h"
#include "engine/layers/Conv2D.h"

#include <chrono>

namespace convscope::ui {

void TrainingWorker::pause() {
  if (TrainingJob* j = job_) j->pause();
}
void TrainingWorker::resume() {
  if (TrainingJob* j = job_) j->resume();
}
void TrainingWorker::step() {
  if (TrainingJob* j = job_) j->step();
}
void TrainingWorker::stop() {
  stopRequested_ = true;
  if (TrainingJob* j = job_) j->cancel();
}

std::unique_ptr<Network> TrainingWorker::takeNetwork() { return std::move(network_); }

void TrainingWorker::start(TrainingRequest request) {
  if (running_) return; // one run at a time (the panel disables Start meanwhile)
  running_ = true;
  stopRequested_ = false;
  try {
    // The command line's run: a typed layer list, a preset, a layer-list file, or a model
    // file (trained further from its weights when it has them).
    TrainingJob job(request.spec);
    Network* network = &job.network();
    emit prepared({serializeModel(*network, {}, false), job.preprocess(), job.data().train.classNames,
                   std::make_shared<const Dataset>(job.data().test)});
    job_ = &job;
    if (stopRequested_) job.cancel();
    const Conv2D* first = nullptr;
    for (size_t i = 0; i < network->size() && !first; ++i) first = dynamic_cast<const Conv2D*>(&network->layer(i));
    using Clock = std::chrono::steady_clock;
    auto lastFilters = Clock::now() - std::chrono::seconds(1), lastSent = lastFilters;
    std::vector<BatchReport> unsent;
    const auto send = [&](bool now) {
      if (unsent.empty() || (!now && Clock::now() - lastSent < std::chrono::milliseconds(50))) return;
      lastSent = Clock::now();
      emit batchesDone(std::move(unsent));
      unsent.clear();
    };
    TrainerCallbacks callbacks;
    callbacks.onBatch = [&](const BatchReport& r) {
      unsent.push_back(r);
      send(r.batch + 1 == r.batchesPerEpoch || job.isPaused());
      // Filter copies a few times a second are plenty for the eye.
      const auto now = Clock::now();
      if (first && now - lastFilters > std::chrono::milliseconds(250)) {
        lastFilters = now;
        emit filtersChanged({first->weights(), network->copyState(), r.imagesSeen});
      }
    };
    int epochsRun = 0;
    EpochReport last;
    callbacks.onEpoch = [&](const EpochReport& r) {
      ++epochsRun, last = r;
      emit epochDone(r);
    };
    if (!request.checkpoint.isEmpty())
      callbacks.onCheckpoint = [&](const TrainingState& state) {
        const ModelInfo info = job.modelInfo(epochsRun, &last, &state);
        try {
          saveModel(request.checkpoint.toStdString(), job.network(), info);
          emit checkpointSaved(request.checkpoint, info.training->epochs, {});
        } catch (const std::exception& e) {
          emit checkpointSaved(request.checkpoint, info.training->epochs, QString::fromStdString(e.what()));
        }
      };
    // Between batches: the window's other compute jobs, and what a pause must show at once.
    callbacks.betweenBatches = [&] {
      // The GUI's queued commands (pause, step, resume, stop) for this worker, now.
      QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
      send(job.isPaused());
      if (compute_) compute_->runPending();
    };
    const TrainResult result = job.run(callbacks);
    send(true);
    job_ = nullptr;
    if (first) emit filtersChanged({first->weights(), network->copyState(), 0});
    modelInfo_ = job.modelInfo(result);
    network_ = std::make_unique<Network>(std::move(job.network()));
    running_ = false;
    emit finished(result.status == TrainResult::Status::Finished, result.status == TrainResult::Status::Finished
                                                                      ? QStringLiteral("training finished")
                                                                      : QString::fromStdString(result.message));
  } catch (const std::exception& e) {
    job_ = nullptr;
    running_ = false;
    emit finished(false, QString::fromStdString(e.what()));
  }
}

} // namespace convscope::ui
