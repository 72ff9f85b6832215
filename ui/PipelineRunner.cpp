// PipelineRunner: jobs for the compute thread, results handed back as queued calls.
#include "PipelineRunner.h"

#include "ComputeThread.h"

namespace convscope::ui {

PipelineRunner::PipelineRunner(QObject* parent) : QObject(parent), backend_(makeBackend(BackendKind::Onednn)) {}

PipelineRunner::~PipelineRunner() {
  // The job hands its result to this object before it reports done; after the wait it no
  // longer touches it, and Qt drops the queued call to a deleted receiver.
  if (inflight_.valid()) inflight_.wait();
}

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
  auto done = std::make_shared<std::promise<void>>();
  inflight_ = done->get_future();
  ComputeThread::instance().post(
      [this, done, backend = backend_.get(), input = std::move(input), spec = std::move(spec)] {
        PipelineSnapshot result;
        try {
          result = std::make_shared<const PipelineResult>(runPipeline(*backend, input, spec));
        } catch (const std::exception& e) { // nothing crosses the thread but a result
          auto failed = std::make_shared<PipelineResult>();
          failed->error = e.what();
          result = failed;
        }
        QMetaObject::invokeMethod(
            this, [this, result] { finished(result); }, Qt::QueuedConnection);
        done->set_value();
      });
}

void PipelineRunner::finished(PipelineSnapshot result) {
  spare_ = std::move(latest_); // once the view lets go of it, its buffers serve the next update
  latest_ = std::move(result);
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
