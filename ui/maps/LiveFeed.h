// Live input for the window: a VideoSource (camera or file) read on its own thread — a file at the
// rate its header states, a camera at its own — into a one-frame mailbox. The window takes the
// newest frame when its pipeline is free (take); a frame that arrives while the one before still
// waits replaces it and is counted as dropped. Frames are dropped, never queued: the GUI thread
// hears at most one frameWaiting at a time, and holds at most one frame.
// Not for: computing the maps (PipelineRunner does) or showing them.
#pragma once

#include "engine/core/Tensor.h"
#include "engine/io/VideoSource.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace convscope::ui {

class LiveFeed : public QObject {
  Q_OBJECT
public:
  explicit LiveFeed(QObject* parent = nullptr);
  ~LiveFeed() override; // stops the reader

  // Starts reading `source` (stopping any feed before); a file starts again from its first frame
  // at its end when `loop`. GUI thread.
  void start(std::unique_ptr<VideoSource> source, bool loop = false);
  void stop();
  bool isRunning() const { return running_; }
  QString sourceName() const { return name_; }

  struct Frame {
    std::shared_ptr<const Tensor> image; // (1, C, H, W) 0–255
    int64_t number = 0;                  // from 1, in the source's order
  };
  // The waiting frame, if one waits (it is then no longer waiting).
  std::optional<Frame> take();

  struct Counts {
    int64_t read = 0, taken = 0, dropped = 0;
    int64_t loops = 0;  // times a looping file started again
    bool ended = false; // the file's last frame was read (or the camera stopped answering)
  };
  Counts counts() const;

signals:
  void frameWaiting(); // queued to the GUI thread; not again until take() was called
  void ended();        // the source has no more frames

private:
  void readLoop(std::unique_ptr<VideoSource> source, bool loop);

  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> notified_{false};
  mutable std::mutex mutex_; // guards waiting_ and counts_
  std::optional<Frame> waiting_;
  Counts counts_;
  bool running_ = false;
  QString name_;
};

} // namespace convscope::ui
