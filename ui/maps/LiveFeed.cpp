// LiveFeed: a reader thread, a one-frame mailbox, and the counts the window shows.
#include "ui/maps/LiveFeed.h"

#include "ui/core/ThreadSanitizer.h"

#include <chrono>

namespace convscope::ui {

LiveFeed::LiveFeed(QObject* parent) : QObject(parent) {}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::start(std::unique_ptr<VideoSource> source, bool loop) {
  stop();
  name_ = QString::fromStdString(source->name());
  {
    const std::lock_guard lock(mutex_);
    waiting_.reset();
    counts_ = {};
  }
  stop_ = false;
  notified_ = false;
  running_ = true;
  reader_ = std::thread([this, loop, s = std::move(source)]() mutable { readLoop(std::move(s), loop); });
}

void LiveFeed::stop() {
  if (!reader_.joinable()) return;
  stop_ = true;
  reader_.join();
  running_ = false;
  const std::lock_guard lock(mutex_);
  waiting_.reset();
}

std::optional<LiveFeed::Frame> LiveFeed::take() {
  const std::lock_guard lock(mutex_);
  notified_ = false; // the next frame may call again
  if (!waiting_) return std::nullopt;
  std::optional<Frame> frame = std::move(waiting_);
  waiting_.reset();
  ++counts_.taken;
  return frame;
}

LiveFeed::Counts LiveFeed::counts() const {
  const std::lock_guard lock(mutex_);
  return counts_;
}

void LiveFeed::readLoop(std::unique_ptr<VideoSource> source, bool loop) {
  using Clock = std::chrono::steady_clock;
  const auto begin = Clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / source->framesPerSecond());
  for (int64_t number = 1; !stop_; ++number) {
    Tensor image;
    bool got = source->read(image);
    if (!got && loop && number > 1 && source->rewind()) { // a looping file: from the start again
      got = source->read(image);
      const std::lock_guard lock(mutex_);
      ++counts_.loops;
    }
    if (!got) {
      {
        const std::lock_guard lock(mutex_);
        counts_.ended = true;
      }
      QMetaObject::invokeMethod(this, queuedCall([this] { emit ended(); }), Qt::QueuedConnection);
      return;
    }
    if (source->isFile()) { // a file plays at its own rate, not as fast as it decodes
      const auto due = begin + std::chrono::duration_cast<Clock::duration>(interval * double(number - 1));
      while (!stop_ && Clock::now() < due)
        std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(20)));
      if (stop_) return;
    }
    {
      const std::lock_guard lock(mutex_);
      if (waiting_) ++counts_.dropped; // the window has not taken the one before: it goes
      waiting_ = Frame{std::make_shared<const Tensor>(std::move(image)), number};
      ++counts_.read;
    }
    if (!notified_.exchange(true))
      QMetaObject::invokeMethod(this, queuedCall([this] { emit frameWaiting(); }), Qt::QueuedConnection);
  }
}

} // namespace convscope::ui
