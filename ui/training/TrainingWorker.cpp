// TrainingWorker: the engine's TrainingJob, driven from a worker thread.
#include "ui/training/TrainingWorker.h"

#include "ui/core/ThreadSanitizer.h"

#include "ui/core/ComputeThread.h"

#include <QCoreApplication>
#include <QScopeGuard>

#include "engine/io/ModelFile.h"
#include "engine/lessons/LearnedFilters.h"

#include <chrono>
#include <utility>

namespace convscope::ui {

// Under jobMutex_: the job is not destroyed while a control reaches it (the panel's
// destructor calls stop() from the GUI thread as a run may be ending).
void TrainingWorker::control(void (TrainingJob::*command)()) {
  std::lock_guard lock(jobMutex_);
  if (job_) (job_->*command)();
}
void TrainingWorker::pause() { control(&TrainingJob::pause); }
void TrainingWorker::resume() { control(&TrainingJob::resume); }
void TrainingWorker::step() { control(&TrainingJob::step); }
void TrainingWorker::stop() {
  stopRequested_ = true;
  control(&TrainingJob::cancel);
}

std::unique_ptr<Network> TrainingWorker::takeNetwork() { return std::move(network_); }

TrainingReports TrainingWorker::takeReports() {
  std::lock_guard lock(mailboxMutex_);
  announced_ = false;
  return std::exchange(mailbox_, {});
}

template <class Fill> void TrainingWorker::deliver(Fill fill) {
  {
    std::lock_guard lock(mailboxMutex_);
    fill(mailbox_);
    if (std::exchange(announced_, true)) return;
  }
  emit reportsReady();
}

void TrainingWorker::start(TrainingRequest request) {
  if (running_) return; // one run at a time (the panel disables Start meanwhile)
  running_ = true;
  stopRequested_ = false;
  try {
    // The command line's run: a typed layer list, a preset, a layer-list file, or a model
    // file (trained further from its weights when it has them).
    TrainingJob job(request.spec);
    if (request.refuseGenerative && (job.discriminator() || isVae(job.network())))
      throw std::invalid_argument(request.spec.model + " is a generative model (" +
                                  (job.discriminator() ? "a GAN" : "a VAE") +
                                  "): train it on Applications → Generation, or with convscope train");
    Network* network = &job.network();
    TrainingSetup setup{serializeModel(*network, {}, false), job.preprocess(), job.data().train.classNames,
                        std::make_shared<const Dataset>(job.data().test)};
    deliver([&](TrainingReports& m) { m.setup = std::move(setup); });
    {
      std::lock_guard lock(jobMutex_);
      job_ = &job;
    }
    // Forgotten under the lock before the job goes, however this scope ends.
    const auto forget = qScopeGuard([this] {
      std::lock_guard lock(jobMutex_);
      job_ = nullptr;
    });
    if (stopRequested_) job.cancel();
    // The first convolution's weights, shown as they learn.
    const std::vector<size_t> convolutions = convolutionNodes(*network);
    const Tensor* first = convolutions.empty() ? nullptr : network->layer(convolutions.front()).parameters().front();
    const Network* gan = job.discriminator(); // a GAN's: both networks are sent
    using Clock = std::chrono::steady_clock;
    auto lastFilters = Clock::now() - std::chrono::seconds(1), lastSent = lastFilters;
    std::vector<BatchReport> unsent;
    const auto send = [&](bool now) {
      if (unsent.empty() || (!now && Clock::now() - lastSent < std::chrono::milliseconds(50))) return;
      lastSent = Clock::now();
      deliver([&](TrainingReports& m) {
        m.batches.insert(m.batches.end(), std::make_move_iterator(unsent.begin()),
                         std::make_move_iterator(unsent.end()));
      });
      unsent.clear();
    };
    TrainerCallbacks callbacks;
    callbacks.onBatch = [&](const BatchReport& r) {
      unsent.push_back(r);
      send(r.batch + 1 == r.batchesPerEpoch || job.isPaused());
      // Filter copies a few times a second are plenty for the eye.
      const auto now = Clock::now();
      if ((first || gan) && (now - lastFilters > std::chrono::milliseconds(250) || job.isPaused())) {
        lastFilters = now;
        FilterSnapshot snapshot{first ? *first : Tensor(), network->copyState(), r.imagesSeen,
                                gan ? gan->copyState() : std::vector<Tensor>{}};
        deliver([&](TrainingReports& m) { m.filters = std::move(snapshot); });
      }
    };
    int epochsRun = 0;
    EpochReport last;
    callbacks.onEpoch = [&](const EpochReport& r) {
      ++epochsRun, last = r;
      deliver([&](TrainingReports& m) { m.epochs.push_back(r); });
    };
    if (!request.checkpoint.isEmpty())
      callbacks.onCheckpoint = [&](const TrainingState& state) {
        const ModelInfo info = job.modelInfo(epochsRun, &last, &state);
        try {
          saveModel(request.checkpoint.toStdString(), job.network(), info, job.discriminator());
          deliver([&](TrainingReports& m) {
            m.checkpoints.push_back({request.checkpoint, info.training->epochs, {}});
          });
        } catch (const std::exception& e) {
          const QString problem = QString::fromStdString(e.what());
          deliver([&](TrainingReports& m) {
            m.checkpoints.push_back({request.checkpoint, info.training->epochs, problem});
          });
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
    if (first || gan) {
      FilterSnapshot snapshot{first ? *first : Tensor(), network->copyState(), 0,
                              gan ? gan->copyState() : std::vector<Tensor>{}};
      deliver([&](TrainingReports& m) { m.filters = std::move(snapshot); });
    }
    modelInfo_ = job.modelInfo(result);
    network_ = std::make_unique<Network>(std::move(job.network()));
    running_ = false;
    const bool ok = result.status == TrainResult::Status::Finished;
    const QString message = ok ? QStringLiteral("training finished") : QString::fromStdString(result.message);
    deliver([&](TrainingReports& m) { m.finished = TrainingReports::Finish{ok, message}; });
  } catch (const std::exception& e) {
    running_ = false;
    const QString message = QString::fromStdString(e.what());
    deliver([&](TrainingReports& m) { m.finished = TrainingReports::Finish{false, message}; });
  }
}

bool TrainingWorker::event(QEvent* e) {
  queuedCallArrived();
  return QObject::event(e);
}

TrainingWorker* makeTrainingWorker() {
  ComputeThread& compute = ComputeThread::instance();
  auto* worker = new TrainingWorker(&compute);
  worker->moveToThread(compute.thread());
  return worker;
}

void disposeTrainingWorker(TrainingWorker* worker) {
  worker->stop(); // directly: thread-safe; a run ends before its next batch
  if (worker->thread()->isRunning())
    ComputeThread::instance().deleteAndWait(worker);
  else
    delete worker;
}

} // namespace convscope::ui
