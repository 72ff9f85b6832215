// ComputeThread: a QThread with an event loop, plus a job queue that both that loop and
// the trainer (between batches) drain.
#include "ComputeThread.h"

#include <QCoreApplication>

namespace convscope::ui {

namespace {
ComputeThread* gInstance = nullptr;
}

ComputeThread& ComputeThread::instance() {
  if (!gInstance) {
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
