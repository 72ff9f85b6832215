// PipelineRunner: jobs for the compute thread, results handed back as queued calls.
#include "ui/maps/PipelineRunner.h"
#include "ui/core/ThreadSanitizer.h"

#include "ui/core/ComputeThread.h"

#include <chrono>

namespace convscope::ui {

PipelineRunner::PipelineRunner(QObject* parent) : QObject(parent), backend_(makeBackend(BackendKind::Onednn)) {}

PipelineRunner::~PipelineRunner() {
  // The job hands its result to this object before it reports done; after the wait it no
  // longer touches it, and Qt drops the queued call to a deleted receiver.
  if (inflight_.valid()) inflight_.wait();
}

void PipelineRunner::request(std::shared_ptr<const Tensor> input, const PipelineSpec& spec) {
  ++requested_;
  // Busy until finished() has delivered: between a job's end and that, a new job must
  // wait too, or an older waiting request could overtake it.
  if (busy_) {
    pending_ = std::make_pair(std::move(input), spec); // replaces any older waiting request
    pendingNumber_ = requested_;
    return;
  }
  pending_.reset(); // (a request made while the last result was being handed out is older)
  running_ = requested_;
  start(std::move(input), spec);
}

void PipelineRunner::start(std::shared_ptr<const Tensor> input, PipelineSpec spec) {
  busy_ = true;
  auto done = std::make_shared<std::promise<void>>();
  inflight_ = done->get_future();
  // The result before the one on screen, when nobody holds it any more (the view's tiles
  // hold the result they draw, and let go of it when the view takes the next one): its large
  // buffers serve this update, as `bench live` times
  // it. Results are made non-const (below), so taking the const away is allowed.
  std::shared_ptr<PipelineResult> recycle;
  if (spare_ && spare_.use_count() == 1) {
    recycle = std::const_pointer_cast<PipelineResult>(std::move(spare_));
    ++recycled_;
  }
  spare_.reset();
  ComputeThread::instance().post(
      [this, done, backend = backend_.get(), input = std::move(input), spec = std::move(spec), recycle] {
        const auto begun = std::chrono::steady_clock::now();
        PipelineSnapshot result;
        try {
          result = std::make_shared<PipelineResult>(runPipeline(*backend, *input, spec, recycle.get()));
        } catch (const std::exception& e) { // nothing crosses the thread but a result
          auto failed = std::make_shared<PipelineResult>();
          failed->error = e.what();
          result = failed;
        }
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begun).count();
        QMetaObject::invokeMethod(
            this, queuedCall([this, result, ms] { finished(result, ms); }), Qt::QueuedConnection);
        done->set_value();
      });
}

void PipelineRunner::finished(PipelineSnapshot result, double jobMs) {
  lastJobMs_ = jobMs;
  spare_ = std::move(latest_); // once the view lets go of it, its buffers serve the next update
  latest_ = std::move(result);
  delivered_ = running_;
  busy_ = false;
  // The view takes the new result first, letting go of the one before: the waiting request
  // can then reuse that one's buffers.
  emit resultReady(latest_);
  if (pending_ && !busy_) {
    auto [input, spec] = std::move(*pending_);
    pending_.reset();
    running_ = pendingNumber_;
    start(std::move(input), std::move(spec));
  }
}

} // namespace convscope::ui
