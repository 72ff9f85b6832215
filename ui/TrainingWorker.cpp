// TrainingWorker: the engine's Trainer, driven from a worker thread.
#include "TrainingWorker.h"

#include "ComputeThread.h"

#include <QCoreApplication>

#include "engine/LayerList.h"
#include "engine/ModelFile.h"
#include "engine/Presets.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/layers/Conv2D.h"

#include <chrono>

namespace convscope::ui {

void TrainingWorker::pause() {
  if (Trainer* t = trainer_) t->pause();
}
void TrainingWorker::resume() {
  if (Trainer* t = trainer_) t->resume();
}
void TrainingWorker::step() {
  if (Trainer* t = trainer_) t->step();
}
void TrainingWorker::stop() {
  stopRequested_ = true;
  if (Trainer* t = trainer_) t->cancel();
}

std::unique_ptr<Network> TrainingWorker::takeNetwork() { return std::move(network_); }

void TrainingWorker::start(TrainingRequest request) {
  if (running_) return; // one run at a time (the panel disables Start meanwhile)
  running_ = true;
  stopRequested_ = false;
  try {
    // A typed layer list, a preset, a layer-list file, or a model file (trained further
    // from its weights when it has them).
    const std::string spec = request.preset.toStdString();
    Model model = !request.layers.isEmpty()         ? Model{buildLayerList(request.layers.toStdString()), {}, false}
                  : isPreset(spec)                  ? Model{makePreset(spec), {}, false}
                  : request.preset.endsWith(".txt") ? Model{loadLayerList(spec), {}, false}
                                                    : loadModel(spec);
    auto network = std::make_unique<Network>(std::move(model.network));
    const Shape in = network->inputShape();
    if (in.rank() != 3) throw std::invalid_argument("the model's input must be an image (C, H, W)");
    const DatasetSplit data = loadDataset(request.dataset.toStdString(), int(in[0]), int(in[1]), int(in[2]));
    if (!model.hasWeights) initialize(*network, InitScheme::Auto, request.config.seed);
    preprocess_ = model.hasWeights && model.info.preprocess ? *model.info.preprocess : preprocessFor(in, data.train);
    classNames_ = data.train.classNames;
    emit prepared(
        {serializeModel(*network, {}, false), preprocess_, classNames_, std::make_shared<const Dataset>(data.test)});
    OnednnBackend backend;
    Trainer trainer(*network, data, preprocess_, request.config, backend);
    trainer_ = &trainer;
    if (stopRequested_) trainer.cancel();
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
      send(r.batch + 1 == r.batchesPerEpoch || trainer.isPaused());
      // Filter copies a few times a second are plenty for the eye.
      const auto now = Clock::now();
      if (first && now - lastFilters > std::chrono::milliseconds(250)) {
        lastFilters = now;
        emit filtersChanged({first->weights(), network->copyState(), r.imagesSeen});
      }
    };
    callbacks.onEpoch = [&](const EpochReport& r) { emit epochDone(r); };
    // Between batches: the window's other compute jobs, and what a pause must show at once.
    callbacks.betweenBatches = [&] {
      // The GUI's queued commands (pause, step, resume, stop) for this worker, now.
      QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
      send(trainer.isPaused());
      if (compute_) compute_->runPending();
    };
    const TrainResult result = trainer.run(callbacks);
    send(true);
    trainer_ = nullptr;
    if (first) emit filtersChanged({first->weights(), network->copyState(), 0});
    network_ = std::move(network);
    running_ = false;
    emit finished(result.status == TrainResult::Status::Finished, result.status == TrainResult::Status::Finished
                                                                      ? QStringLiteral("training finished")
                                                                      : QString::fromStdString(result.message));
  } catch (const std::exception& e) {
    trainer_ = nullptr;
    running_ = false;
    emit finished(false, QString::fromStdString(e.what()));
  }
}

} // namespace convscope::ui
