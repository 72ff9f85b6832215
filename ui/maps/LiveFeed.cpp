// LiveFeed: a reader thread, a one-frame mailbox, and the counts the window shows.
#include "ui/maps/LiveFeed.h"

#include "ui/core/ThreadSanitizer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>

namespace convscope::ui {

// What a reader's thread shares with the feed. `owner` is the feed while it listens: the thread
// posts its calls to it under `mutex`, and stop() clears it under `mutex`, so a call is never posted
// to a feed that is gone; a posted call checks on arrival that its reader is still the feed's.
struct LiveFeed::Reader {
  std::atomic<bool> stop{false};
  std::atomic<bool> notified{false};
  std::mutex mutex; // guards everything below
  std::condition_variable finishedChanged;
  bool finished = false;
  LiveFeed* owner = nullptr;
  std::optional<Frame> waiting;
  Counts counts;
  bool letGo = false; // stop() stopped waiting for it (guarded by letGoMutex)

  // Runs `call` on the feed's thread if the feed still listens to this reader.
  template <class Call> void post(const std::shared_ptr<Reader>& self, Call call) {
    const std::lock_guard lock(mutex);
    if (!owner) return;
    LiveFeed* feed = owner;
    QMetaObject::invokeMethod(
        feed, queuedCall([feed, self, call] { if (feed->reader_ == self) call(feed); }), Qt::QueuedConnection);
  }
};

namespace {
// The readers stop() let go, until they end (each removes itself).
std::mutex letGoMutex;
std::condition_variable letGoChanged;
int letGo = 0;
} // namespace

int LiveFeed::readersLetGo() {
  const std::lock_guard lock(letGoMutex);
  return letGo;
}

bool LiveFeed::waitForReadersLetGo(int ms) {
  std::unique_lock lock(letGoMutex);
  return letGoChanged.wait_for(lock, std::chrono::milliseconds(ms), [] { return letGo == 0; });
}

LiveFeed::LiveFeed(QObject* parent) : QObject(parent) {
  installQueuedCallHooks(); // ThreadSanitizer builds: the GUI thread's side of the reader's calls
}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::start(std::unique_ptr<FrameSource> source, bool loop) {
  stop();
  name_ = QString::fromStdString(source->name());
  last_ = {};
  auto reader = std::make_shared<Reader>();
  reader->owner = this;
  std::thread thread(readLoop, reader, std::move(source), loop); // (if this throws, nothing has changed)
  reader_ = std::move(reader);
  thread_ = std::move(thread);
}

void LiveFeed::stop() {
  if (!reader_) return;
  std::shared_ptr<Reader> reader = std::move(reader_);
  bool finished = false;
  {
    std::unique_lock lock(reader->mutex);
    reader->owner = nullptr; // nothing more is posted to this feed
    reader->stop = true;
    finished = reader->finishedChanged.wait_for(lock, std::chrono::milliseconds(kStopWaitMs),
                                                [&] { return reader->finished; });
    last_ = reader->counts;
    if (!finished) { // marked while the reader cannot end unseen (it sets `finished` under this mutex)
      const std::lock_guard letGoLock(letGoMutex);
      ++letGo;
      reader->letGo = true;
    }
  }
  // A source that has not answered in kStopWaitMs (a stalled camera driver holds its read for
  // seconds) is left to end by itself: its thread holds only its Reader and its source.
  if (finished)
    thread_.join();
  else
    thread_.detach();
}

std::optional<LiveFeed::Frame> LiveFeed::take() {
  if (!reader_) return std::nullopt;
  const std::lock_guard lock(reader_->mutex);
  reader_->notified = false; // the next frame may call again
  if (!reader_->waiting) return std::nullopt;
  std::optional<Frame> frame = std::move(reader_->waiting);
  reader_->waiting.reset();
  ++reader_->counts.taken;
  return frame;
}

LiveFeed::Counts LiveFeed::counts() const {
  if (!reader_) return last_;
  const std::lock_guard lock(reader_->mutex);
  return reader_->counts;
}

void LiveFeed::readLoop(std::shared_ptr<Reader> reader, std::unique_ptr<FrameSource> source, bool loop) {
  using Clock = std::chrono::steady_clock;
  const auto begin = Clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / source->framesPerSecond());
  for (int64_t number = 1; !reader->stop; ++number) {
    Tensor image;
    bool got = source->read(image);
    if (!got && loop && number > 1 && !reader->stop && source->rewind()) { // a looping file: from the start again
      got = source->read(image);
      const std::lock_guard lock(reader->mutex);
      ++reader->counts.loops;
    }
    if (reader->stop) break;
    if (!got) {
      {
        const std::lock_guard lock(reader->mutex);
        reader->counts.ended = true;
      }
      reader->post(reader, [](LiveFeed* feed) { emit feed->ended(); });
      break;
    }
    if (source->isFile()) { // a file plays at its own rate, not as fast as it decodes
      const auto due = begin + std::chrono::duration_cast<Clock::duration>(interval * double(number - 1));
      while (!reader->stop && Clock::now() < due)
        std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(20)));
      if (reader->stop) break;
    }
    {
      const std::lock_guard lock(reader->mutex);
      if (reader->waiting) ++reader->counts.dropped; // the window has not taken the one before: it goes
      reader->waiting = Frame{std::make_shared<const Tensor>(std::move(image)), number};
      ++reader->counts.read;
    }
    if (!reader->notified.exchange(true)) reader->post(reader, [](LiveFeed* feed) { emit feed->frameWaiting(); });
  }
  source.reset(); // the camera or file closed before the feed hears the reader is done
  {
    const std::lock_guard lock(reader->mutex);
    reader->finished = true;
  }
  reader->finishedChanged.notify_all();
  const std::lock_guard lock(letGoMutex);
  if (reader->letGo) {
    --letGo;
    letGoChanged.notify_all();
  }
}

} // namespace convscope::ui
