// ComputeThread: a QThread with an event loop, plus a job queue that both that loop and
// the trainer (between batches) drain.
#include "ui/core/ComputeThread.h"

#include "ui/core/ThreadSanitizer.h"

#include <QCoreApplication>

namespace convscope::ui {

namespace {
ComputeThread* gInstance = nullptr;
}

ComputeThread& ComputeThread::instance() {
  if (!gInstance) {
    installQueuedCallHooks(); // ThreadSanitizer builds: the GUI thread's side of queued calls
    gInstance = new ComputeThread;
    // Before the application object is gone, while QThread can still be stopped cleanly.
    qAddPostRoutine([] {
      delete gInstance;
      gInstance = nullptr;
    });
  }
  return *gInstance;
}

ComputeThread::ComputeThread() {
  thread_.setObjectName("ConvScope compute");
  moveToThread(&thread_);
  thread_.start();
}

ComputeThread::~ComputeThread() {
  thread_.quit();
  thread_.wait();
  // The queue's last use on the compute thread, ordered before its destruction through the
  // mutex (ThreadSanitizer cannot see QThread::wait's join, which orders it already).
  std::lock_guard lock(mutex_);
}

bool ComputeThread::event(QEvent* e) {
  queuedCallArrived();
  return QObject::event(e);
}

void ComputeThread::post(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  jobs_.push_back(std::move(job));
  if (!scheduled_) {
    scheduled_ = true;
    // Runs when the thread's event loop is free; if the trainer holds the thread, it drains
    // the queue sooner and this call finds nothing left.
    QMetaObject::invokeMethod(this, &ComputeThread::runPending, Qt::QueuedConnection);
  }
}

void ComputeThread::deleteAndWait(QObject* object) {
  // The object goes through a member under the mutex, and the call by name carries no
  // argument: nothing the compute thread reads lives on this thread's stack, where QtCore
  // writes a call's argument array out of ThreadSanitizer's sight. No slot object either,
  // that the two threads would share (a lambda's would be freed on whichever lets go last).
  {
    std::lock_guard lock(mutex_);
    doomed_ = object;
  }
  queuedCallSent(); // ThreadSanitizer.h: a call by name, which the wrappers do not see
  QMetaObject::invokeMethod(this, "deleteHere", Qt::BlockingQueuedConnection);
  queuedCallArrived(); // and the wait's end (QtCore's semaphore, unseen by ThreadSanitizer)
}

void ComputeThread::deleteHere() {
  QObject* object = nullptr;
  {
    std::lock_guard lock(mutex_);
    std::swap(object, doomed_);
  }
  delete object;
  queuedCallSent();
}

void ComputeThread::runPending() {
  for (;;) {
    std::function<void()> job;
    {
      std::lock_guard lock(mutex_);
      if (jobs_.empty()) {
        scheduled_ = false;
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void ComputeJobs::post(std::function<void()> job) {
  auto done = std::make_shared<std::promise<void>>();
  last_ = done->get_future();
  ComputeThread::instance().post([job = std::move(job), done] {
    job();
    done->set_value();
  });
}

void ComputeJobs::wait() {
  if (last_.valid()) last_.wait();
}

} // namespace convscope::ui
