// Frames from a camera or a video file through OpenCV's VideoCapture, as ConvScope's images are:
// (1, C, H, W), RGB (or gray), values 0–255. A file gives its frames at the rate its header
// states (frameInterval); a camera at its own pace. What does not open is named with the reason.
// Not for: pacing, dropping or threads (the window's LiveFeed does those).
#pragma once

#include "engine/core/Tensor.h"

#include <memory>
#include <string>

namespace cv {
class VideoCapture;
}

namespace convscope {

// Where live frames come from, for the window's reader thread: a camera or a video file
// (VideoSource), or a test's own source.
class FrameSource {
public:
  virtual ~FrameSource() = default;
  // The next frame; false at the end of a file or when a camera stops answering. May block (a
  // camera waits for its next frame; a stalled driver for its own timeout).
  virtual bool read(Tensor& frame) = 0;
  // A file from its first frame again; false when the source cannot (a camera).
  virtual bool rewind() = 0;
  virtual bool isFile() const = 0;
  virtual const std::string& name() const = 0;
  virtual double framesPerSecond() const = 0;
};

class VideoSource final : public FrameSource {
public:
  // Throws std::invalid_argument naming the camera or the file and why it cannot be read.
  static std::unique_ptr<VideoSource> openCamera(int index);
  static std::unique_ptr<VideoSource> openFile(const std::string& path);
  ~VideoSource() override;

  bool read(Tensor& frame) override;
  // Opened anew: not every format can seek.
  bool rewind() override;
  bool isFile() const override { return file_; }
  const std::string& name() const override { return name_; } // "camera 0", or the file's name
  double framesPerSecond() const override { return fps_; }   // the file's rate (30 when it states none)
  int64_t frameCount() const { return count_; }              // a file's, as its header states; −1 for a camera

private:
  VideoSource() = default;
  std::unique_ptr<cv::VideoCapture> capture_;
  std::string name_, path_;
  bool file_ = false;
  double fps_ = 30.0;
  int64_t count_ = -1;
};

} // namespace convscope
