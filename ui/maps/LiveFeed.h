// Live input for the window: a VideoSource (camera or file) read on its own thread — a file at the
// rate its header states, a camera at its own — into a one-frame mailbox. The window takes the
// newest frame when its pipeline is free (take); a frame that arrives while the one before still
// waits replaces it and is counted as dropped. Frames are dropped, never queued: the GUI thread
// hears at most one frameWaiting at a time, and holds at most one frame. Stopping never waits
// long for a source that does not answer (a camera whose driver stalls): the reader is let go,
// and ends by itself when its read returns.
// Not for: computing the maps (PipelineRunner does) or showing them.
#pragma once

#include "engine/core/Tensor.h"
#include "engine/io/VideoSource.h"

#include <QObject>
#include <QString>

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
  void start(std::unique_ptr<FrameSource> source, bool loop = false);
  // Stops the reader: waits at most kStopWait for it to end (a read in progress finishes), then
  // lets it go on its own. No frame or signal of the stopped reader reaches the window after.
  void stop();
  static constexpr int kStopWaitMs = 250;
  bool isRunning() const { return reader_ != nullptr; }
  // Readers that were let go and have not ended yet (a camera still inside a stalled read; it is
  // still held open). waitForReadersLetGo waits up to `ms` for them: false if one still reads, and
  // the process should then end without running static destructors under it (main does).
  static int readersLetGo();
  static bool waitForReadersLetGo(int ms);
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
  struct Reader; // one per start(): the mailbox and counts its thread shares with the feed
  static void readLoop(std::shared_ptr<Reader> reader, std::unique_ptr<FrameSource> source, bool loop);
  std::shared_ptr<Reader> reader_;
  std::thread thread_;
  Counts last_; // the stopped reader's counts
  QString name_;
};

} // namespace convscope::ui
