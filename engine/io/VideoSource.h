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

class VideoSource {
public:
  // Throws std::invalid_argument naming the camera or the file and why it cannot be read.
  static std::unique_ptr<VideoSource> openCamera(int index);
  static std::unique_ptr<VideoSource> openFile(const std::string& path);
  ~VideoSource();

  // The next frame; false at the end of a file or when a camera stops answering.
  bool read(Tensor& frame);
  // A file from its first frame again (opened anew: not every format can seek); false for a camera.
  bool rewind();
  bool isFile() const { return file_; }
  const std::string& name() const { return name_; } // "camera 0", or the file's name
  double framesPerSecond() const { return fps_; }   // the file's rate (30 when it states none)
  int64_t frameCount() const { return count_; }     // a file's, as its header states; −1 for a camera

private:
  VideoSource() = default;
  std::unique_ptr<cv::VideoCapture> capture_;
  std::string name_, path_;
  bool file_ = false;
  double fps_ = 30.0;
  int64_t count_ = -1;
};

} // namespace convscope
