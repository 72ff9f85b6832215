// The one thread that runs the window's heavy engine work: the live pipeline's updates and
// the trainer. libgomp keeps an OpenMP thread pool for every thread that ever ran a
// parallel region, and once a process has more OpenMP threads than cores it throttles the
// spinning of all of them; with the pipeline and the trainer on threads of their own,
// training in the window ran at 0.6 of the command line's speed. One compute thread keeps
// one pool. Jobs run in the order posted; while the trainer holds the thread it runs the
// queued jobs between batches (and while paused), so the feature maps stay live.
// Not for: small work the GUI thread does itself with one OpenMP thread (thumbnails, the
// stepper, the drawing pad).
#pragma once

#include <QObject>
#include <QThread>

#include <deque>
#include <functional>
#include <future>
#include <mutex>

namespace convscope::ui {

class ComputeThread : public QObject {
  Q_OBJECT
public:
  // The process's compute thread, started on first use and stopped when the application
  // object goes away. Call from the GUI thread.
  static ComputeThread& instance();

  QThread* thread() { return &thread_; }
  // Thread-safe. The job must not throw; it runs on the compute thread.
  void post(std::function<void()> job);
  // On the compute thread only: run the jobs queued so far (the trainer calls this between batches).
  void runPending();
  // From the GUI thread: deletes an object that lives on the compute thread, from the
  // thread's event loop (after a running TrainingWorker::start() has returned), and waits.
  void deleteAndWait(QObject* object);

protected:
  bool event(QEvent* e) override; // ThreadSanitizer.h: a queued call arrives

private:
  Q_INVOKABLE void deleteHere(); // deletes doomed_
  ComputeThread();
  ~ComputeThread() override;

  QThread thread_;
  std::mutex mutex_;
  std::deque<std::function<void()>> jobs_; // guarded by mutex_
  bool scheduled_ = false;                 // a runPending() call is queued; guarded by mutex_
  QObject* doomed_ = nullptr;              // deleteAndWait's object, for deleteHere; guarded by mutex_
};

// The jobs one widget posts to the compute thread. They run in order, so waiting for the
// last one (the destructor does) means none is left to report to a widget that is gone:
// keep it as a member of the widget whose `this` the jobs report to.
class ComputeJobs {
public:
  ComputeJobs() = default;
  ComputeJobs(const ComputeJobs&) = delete;
  ComputeJobs& operator=(const ComputeJobs&) = delete;
  ~ComputeJobs() { wait(); }
  void post(std::function<void()> job); // the job must not throw
  void wait();                          // until every job posted so far has run

private:
  std::future<void> last_;
};

} // namespace convscope::ui
