// Animations for slides: frames written as an animated GIF (giflib, looping, each frame
// quantized to its own 256 colours) or an MP4 video (OpenCV's FFmpeg writer: H.264 when the
// system's FFmpeg has an encoder for it, else MPEG-4 part 2). The conv_arithmetic-style
// animation of the lecturer's own numbers: the GUI renders the frames (ui/export/AnimationExport).
// Not for: drawing frames.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels; // R, G, B per pixel, row by row
};

constexpr double kMinFps = 0.5, kMaxFps = 60.0;

// By the path's extension, .gif or .mp4. Every frame must have the first frame's size (at
// most 8192 × 8192); fps from 0.5 to 60 (a GIF counts in hundredths of a second, so its
// frames last round(100 / fps) of them). Throws std::invalid_argument naming the problem
// (no frames, sizes differ, a bad rate, an unknown extension, a file that cannot be written).
void writeAnimation(const std::string& path, const std::vector<RgbImage>& frames, double fps);
void writeGif(const std::string& path, const std::vector<RgbImage>& frames, double fps);
// Returns the codec used: "avc1" (H.264) or "mp4v" (MPEG-4 part 2).
std::string writeMp4(const std::string& path, const std::vector<RgbImage>& frames, double fps);

} // namespace convscope
