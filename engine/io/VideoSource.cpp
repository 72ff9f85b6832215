// VideoSource: OpenCV's VideoCapture, its frames as tensors.
#include "engine/io/VideoSource.h"

#include "engine/io/ImageIO.h"

#include <opencv2/videoio.hpp>

#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace convscope {

std::unique_ptr<VideoSource> VideoSource::openCamera(int index) {
  if (index < 0 || index > 63) throw std::invalid_argument("camera " + std::to_string(index) + ": must be from 0 to 63");
  std::unique_ptr<VideoSource> v(new VideoSource);
  v->name_ = "camera " + std::to_string(index);
  v->capture_ = std::make_unique<cv::VideoCapture>();
  try {
    v->capture_->open(index, cv::CAP_V4L2); // Linux's cameras; no plugin probing (GStreamer, USB depth cameras)
  } catch (const cv::Exception& e) {
    throw std::invalid_argument(v->name_ + ": OpenCV cannot open it (" + e.err + ")");
  }
  if (!v->capture_->isOpened())
    throw std::invalid_argument(v->name_ + ": no such camera, or it is in use (on Linux: /dev/video" +
                                std::to_string(index) + ")");
  const double fps = v->capture_->get(cv::CAP_PROP_FPS);
  if (std::isfinite(fps) && fps > 0 && fps <= 1000) v->fps_ = fps;
  return v;
}

std::unique_ptr<VideoSource> VideoSource::openFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::invalid_argument(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw std::invalid_argument(path + ": is a folder, not a video file");
  std::unique_ptr<VideoSource> v(new VideoSource);
  v->name_ = std::filesystem::path(path).filename().string();
  v->path_ = path;
  v->file_ = true;
  v->capture_ = std::make_unique<cv::VideoCapture>();
  // FFmpeg reads the usual files (MP4, WebM, AVI, MKV, animated GIF); OpenCV's own reader MJPEG in
  // AVI where FFmpeg is missing. Not OpenCV's other backends: GStreamer's plugin scan at the first
  // open is slow and leaves its plugins' memory behind, and the image-sequence reader would take
  // any file name with a number in it for a sequence.
  try {
    if (!v->capture_->open(path, cv::CAP_FFMPEG)) v->capture_->open(path, cv::CAP_OPENCV_MJPEG);
  } catch (const cv::Exception& e) {
    throw std::invalid_argument(path + ": OpenCV cannot read it as a video (" + e.err + ")");
  }
  cv::Mat first;
  if (!v->capture_->isOpened() || !v->capture_->read(first) || first.empty())
    throw std::invalid_argument(path + ": not a video OpenCV can read (or it has no frames)");
  v->capture_->set(cv::CAP_PROP_POS_FRAMES, 0);
  const double fps = v->capture_->get(cv::CAP_PROP_FPS);
  if (std::isfinite(fps) && fps > 0 && fps <= 1000) v->fps_ = fps;
  const double count = v->capture_->get(cv::CAP_PROP_FRAME_COUNT);
  if (std::isfinite(count) && count > 0) v->count_ = int64_t(count);
  return v;
}

VideoSource::~VideoSource() = default;

bool VideoSource::rewind() {
  if (!file_) return false;
  try {
    return (capture_->open(path_, cv::CAP_FFMPEG) || capture_->open(path_, cv::CAP_OPENCV_MJPEG)) &&
           capture_->isOpened();
  } catch (const cv::Exception&) {
    return false;
  }
}

bool VideoSource::read(Tensor& frame) {
  cv::Mat image;
  try {
    if (!capture_->read(image) || image.empty()) return false;
  } catch (const cv::Exception&) {
    return false; // a damaged frame ends the video
  }
  if (image.depth() != CV_8U) return false;
  frame = tensorFromMat(image, 1.0);
  return true;
}

} // namespace convscope
