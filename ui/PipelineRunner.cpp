// PipelineRunner: QtConcurrent for the work, a watcher to hand results back.
#include "PipelineRunner.h"

#include <QtConcurrent/QtConcurrentRun>

namespace convscope::ui {

PipelineRunner::PipelineRunner(QObject* parent) : QObject(parent), backend_(makeBackend(BackendKind::Onednn)) {
  connect(&watcher_, &QFutureWatcher<PipelineSnapshot>::finished, this, &PipelineRunner::finished);
}

PipelineRunner::~PipelineRunner() { watcher_.waitForFinished(); }

void PipelineRunner::request(const Tensor& input, const PipelineSpec& spec) {
  ++requested_;
  // Busy until finished() has delivered: between a job's end and that, a new job must
  // wait too, or an older waiting request could overtake it.
  if (busy_) {
    pending_ = std::make_pair(input, spec); // replaces any older waiting request
    pendingNumber_ = requested_;
    return;
  }
  running_ = requested_;
  start(input, spec);
}

void PipelineRunner::start(Tensor input, PipelineSpec spec) {
  busy_ = true;
  Backend* backend = backend_.get();
  watcher_.setFuture(
      QtConcurrent::run([backend, input = std::move(input), spec = std::move(spec)]() -> PipelineSnapshot {
        try {
          return std::make_shared<const PipelineResult>(runPipeline(*backend, input, spec));
        } catch (const std::exception& e) { // nothing crosses the thread but a result
          auto failed = std::make_shared<PipelineResult>();
          failed->error = e.what();
          return failed;
        }
      }));
}

void PipelineRunner::finished() {
  spare_ = std::move(latest_); // once the view lets go of it, its buffers serve the next update
  latest_ = watcher_.result();
  delivered_ = running_;
  busy_ = false;
  if (pending_) {
    auto [input, spec] = std::move(*pending_);
    pending_.reset();
    running_ = pendingNumber_;
    start(std::move(input), std::move(spec));
  }
  emit resultReady(latest_);
}

} // namespace convscope::ui
