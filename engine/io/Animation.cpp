// GIF through giflib, MP4 through OpenCV's video writer.
#include "engine/io/Animation.h"

#include <gif_lib.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace convscope {

namespace {

void checkFrames(const std::string& path, const std::vector<RgbImage>& frames, double fps) {
  if (frames.empty()) throw std::invalid_argument(path + ": no frames to write");
  if (!(fps >= kMinFps && fps <= kMaxFps))
    throw std::invalid_argument(path + ": frame rate " + std::to_string(fps) + " is outside 0.5 to 60 frames a second");
  const RgbImage& first = frames.front();
  if (first.width < 1 || first.height < 1 || first.width > 8192 || first.height > 8192)
    throw std::invalid_argument(path + ": frames of " + std::to_string(first.width) + "x" +
                                std::to_string(first.height) + " (1 to 8192 pixels a side)");
  for (size_t i = 0; i < frames.size(); ++i)
    if (frames[i].width != first.width || frames[i].height != first.height ||
        frames[i].pixels.size() != size_t(first.width) * size_t(first.height) * 3)
      throw std::invalid_argument(path + ": frame " + std::to_string(i + 1) + " is " + std::to_string(frames[i].width) +
                                  "x" + std::to_string(frames[i].height) + ", the first " +
                                  std::to_string(first.width) + "x" + std::to_string(first.height));
}

std::string extensionOf(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

} // namespace

void writeAnimation(const std::string& path, const std::vector<RgbImage>& frames, double fps) {
  const std::string ext = extensionOf(path);
  if (ext == ".gif") return writeGif(path, frames, fps);
  if (ext == ".mp4") {
    writeMp4(path, frames, fps);
    return;
  }
  throw std::invalid_argument(path + ": an animation is written as .gif or .mp4, not '" + ext + "'");
}

void writeGif(const std::string& path, const std::vector<RgbImage>& frames, double fps) {
  checkFrames(path, frames, fps);
  const int w = frames.front().width, h = frames.front().height;
  // Written to a temporary file beside the target, then renamed over it: an old file stays
  // whole until the new one is, and the file gets the usual permissions (giflib's own
  // EGifOpenFileName would make it readable by its owner only).
  const std::string temporary = path + ".part";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw std::invalid_argument(path + ": cannot be written (" + std::strerror(errno) + ")");
  std::error_code ec;
  int error = 0;
  GifFileType* raw = EGifOpenFileHandle(fd, &error); // closes fd when closed
  if (!raw) {
    ::close(fd);
    std::filesystem::remove(temporary, ec);
    throw std::invalid_argument(path + ": cannot be written (" + GifErrorString(error) + ")");
  }
  const auto close = [](GifFileType* g) {
    int ignored = 0;
    EGifCloseFile(g, &ignored);
  };
  std::unique_ptr<GifFileType, decltype(close)> gif(raw, close);
  const auto fail = [&path, &gif, &temporary, &ec](const char* what) {
    const std::string reason = GifErrorString(gif->Error);
    gif.reset();
    std::filesystem::remove(temporary, ec);
    throw std::invalid_argument(path + ": " + what + " (" + reason + ")");
  };
  EGifSetGifVersion(gif.get(), true); // GIF89a: delays and looping
  if (EGifPutScreenDesc(gif.get(), w, h, 8, 0, nullptr) == GIF_ERROR) fail("cannot write the screen");
  // NETSCAPE2.0: loop forever, as a slide's animation does.
  const GifByteType loop[3] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
      EGifPutExtensionBlock(gif.get(), 11, "NETSCAPE2.0") == GIF_ERROR ||
      EGifPutExtensionBlock(gif.get(), 3, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif.get()) == GIF_ERROR)
    fail("cannot write the loop");
  GraphicsControlBlock control{};
  control.DisposalMode = DISPOSE_DO_NOT;
  control.DelayTime = std::max(1, int(std::lround(100.0 / fps)));
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType controlBytes[4];
  EGifGCBToExtension(&control, controlBytes);
  const size_t n = size_t(w) * size_t(h);
  std::vector<GifByteType> r(n), g(n), b(n), indices(n);
  for (const RgbImage& frame : frames) {
    for (size_t i = 0; i < n; ++i)
      r[i] = frame.pixels[3 * i], g[i] = frame.pixels[3 * i + 1], b[i] = frame.pixels[3 * i + 2];
    int colours = 256;
    GifColorType palette[256];
    if (GifQuantizeBuffer(unsigned(w), unsigned(h), &colours, r.data(), g.data(), b.data(), indices.data(), palette) ==
        GIF_ERROR)
      fail("cannot reduce a frame to 256 colours");
    std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> map(GifMakeMapObject(256, palette), GifFreeMapObject);
    if (EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, 4, controlBytes) == GIF_ERROR ||
        EGifPutImageDesc(gif.get(), 0, 0, w, h, false, map.get()) == GIF_ERROR)
      fail("cannot write a frame");
    for (int y = 0; y < h; ++y)
      if (EGifPutLine(gif.get(), indices.data() + size_t(y) * size_t(w), w) == GIF_ERROR) fail("cannot write a frame");
  }
  GifFileType* done = gif.release();
  if (EGifCloseFile(done, &error) == GIF_ERROR) {
    std::filesystem::remove(temporary, ec);
    throw std::invalid_argument(path + ": cannot be finished (" + GifErrorString(error) + ")");
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    const std::string reason = ec.message();
    std::filesystem::remove(temporary, ec);
    throw std::invalid_argument(path + ": cannot be written (" + reason + ")");
  }
}

std::string writeMp4(const std::string& path, const std::vector<RgbImage>& frames, double fps) {
  checkFrames(path, frames, fps);
  // H.264's 4:2:0 sampling wants even sides: the frames are padded with white by one pixel
  // where needed.
  const int w = frames.front().width + frames.front().width % 2, h = frames.front().height + frames.front().height % 2;
  std::error_code ec;
  std::filesystem::remove(path, ec); // a writer that cannot open leaves no stale file behind
  cv::VideoWriter writer;
  std::string codec;
  for (const char* fourcc : {"avc1", "mp4v"}) {
    if (writer.open(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc(fourcc[0], fourcc[1], fourcc[2], fourcc[3]), fps,
                    cv::Size(w, h))) {
      codec = fourcc;
      break;
    }
  }
  if (codec.empty()) throw std::invalid_argument(path + ": cannot be written as MP4 (no H.264 or MPEG-4 encoder)");
  cv::Mat bgr(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  for (const RgbImage& frame : frames) {
    const cv::Mat rgb(frame.height, frame.width, CV_8UC3, const_cast<uint8_t*>(frame.pixels.data()));
    cv::cvtColor(rgb, bgr(cv::Rect(0, 0, frame.width, frame.height)), cv::COLOR_RGB2BGR);
    writer.write(bgr);
  }
  writer.release();
  if (!std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0 || ec)
    throw std::invalid_argument(path + ": the video writer wrote nothing");
  return codec;
}

} // namespace convscope
