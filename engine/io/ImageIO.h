// Images in and out through OpenCV: the formats ImageHeader.h knows (8/16-bit, gray/RGB/RGBA,
// EXIF orientation honoured) into a (1, C, H, W) tensor, and feature maps out as PNG/JPEG/...
// Not for: datasets (they have their own readers) or the GUI's display conversion.
#pragma once

#include "engine/core/Tensor.h"
#include "engine/io/ImageHeader.h"

#include <string>
#include <vector>

namespace cv {
class Mat;
}

namespace convscope {

struct ImageLoadOptions {
  int channels = 0;       // 1 gray, 3 RGB, 0 as stored (gray stays gray, colour becomes RGB)
  bool normalize = false; // values in [0, 1] instead of 0–255
};

// Throws std::invalid_argument naming the path: missing, unreadable, not an image of a
// format ImageHeader.h knows, damaged, or larger than kMaxImagePixels (refused by its header,
// before decoding: ImageHeader.h).
Tensor loadImage(const std::string& path, const ImageLoadOptions& options = {});
// An image OpenCV holds (gray, BGR or BGRA, as imread and VideoCapture give them) as (1, C, H, W),
// RGB, each value times `scale` (1 for 8-bit 0–255).
Tensor tensorFromMat(cv::Mat image, double scale = 1.0);
// An 8-bit gray or RGB PNG held in memory (a lecture file's input) as (1, C, H, W) 0–255,
// with loadImage's guards (damaged chunks, declared size). Throws std::invalid_argument
// naming `name`.
Tensor decodePng(const std::vector<uint8_t>& bytes, const std::string& name);

// True when `path` looks like an image (by content, not by name): one of the formats
// ImageHeader.h knows, or another that OpenCV recognizes (which loadImage then refuses by name).
bool isImageFile(const std::string& path);

enum class MapImageStyle {
  Grid,   // each channel a grey tile, scaled from its own min..max, laid out in a grid
  Colour, // three channels as one RGB image, values clamped to 0..maxValue
};

// Writes a (C, H, W) or (1, C, H, W) tensor; the format follows the file's extension.
// maxValue is the value that maps to white in Colour style (255, or 1 for normalized input).
void saveFeatureMapImage(const Tensor& maps, const std::string& path, MapImageStyle style = MapImageStyle::Grid,
                         float maxValue = 255.0f);

} // namespace convscope
