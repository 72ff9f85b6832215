// Runs the live pipeline off the GUI thread, on the compute thread (ComputeThread). Requests coalesce: while one update
// runs, only the newest request waits, so dragging a slider never queues up stale work. Results arrive as immutable
// shared snapshots on the GUI thread. Not for: training (the trainer's worker does that).
#pragma once

#include "engine/lessons/Pipeline.h"
#include "engine/backend/Backend.h"

#include <QObject>

#include <future>
#include <memory>
#include <optional>

namespace convscope::ui {

using PipelineSnapshot = std::shared_ptr<const PipelineResult>;

class PipelineRunner : public QObject {
  Q_OBJECT
public:
  explicit PipelineRunner(QObject* parent = nullptr);
  ~PipelineRunner() override; // waits for a running update

  // The input is shared, not copied (a photo is megabytes; the workspace replaces, never changes it).
  void request(std::shared_ptr<const Tensor> input, const PipelineSpec& spec);
  bool isBusy() const { return busy_; }
  // True when the newest request's result has been delivered.
  bool isSettled() const { return delivered_ == requested_; }
  const PipelineSnapshot& latest() const { return latest_; }
  // Updates that reused the buffers of an earlier result (the one before the view's).
  uint64_t recycledUpdates() const { return recycled_; }
  // How long the newest delivered result took on the compute thread, from the job's start.
  double lastJobMilliseconds() const { return lastJobMs_; }

signals:
  void resultReady(convscope::ui::PipelineSnapshot result);

private:
  void start(std::shared_ptr<const Tensor> input, PipelineSpec spec);
  void finished(PipelineSnapshot result, double jobMs);

  std::unique_ptr<Backend> backend_; // used by one update at a time
  std::future<void> inflight_;       // the running update, on the compute thread
  std::optional<std::pair<std::shared_ptr<const Tensor>, PipelineSpec>> pending_;
  PipelineSnapshot latest_;
  PipelineSnapshot spare_;                               // the result before latest_
  uint64_t requested_ = 0, delivered_ = 0, running_ = 0; // request numbers
  uint64_t pendingNumber_ = 0;
  uint64_t recycled_ = 0;
  double lastJobMs_ = 0;
  bool busy_ = false;
};

} // namespace convscope::ui
