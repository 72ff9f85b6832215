// Images in and out through OpenCV: any format it reads (8/16-bit, gray/RGB/RGBA, EXIF
// orientation honoured) into a (1, C, H, W) tensor, and feature maps out as PNG/JPEG/...
// Not for: datasets (they have their own readers) or the GUI's display conversion.
#pragma once

#include "engine/core/Tensor.h"

#include <string>
#include <vector>

namespace convscope {

struct ImageLoadOptions {
  int channels = 0;       // 1 gray, 3 RGB, 0 as stored (gray stays gray, colour becomes RGB)
  bool normalize = false; // values in [0, 1] instead of 0–255
};

// The most pixels an image may have: 64 Mi (a 61-megapixel camera's photo fits; as floats
// in RGB that is 768 MiB). A file declaring more (a "decompression bomb": a few kilobytes
// that decode to 100000×100000 pixels) is refused before it is decoded.
constexpr int64_t kMaxImagePixels = int64_t(1) << 26;

// Throws std::invalid_argument naming the path: missing, unreadable, too large, or not an image.
Tensor loadImage(const std::string& path, const ImageLoadOptions& options = {});
// An 8-bit gray or RGB PNG held in memory (a lecture file's input) as (1, C, H, W) 0–255,
// with loadImage's guards (damaged chunks, declared size). Throws std::invalid_argument
// naming `name`.
Tensor decodePng(const std::vector<uint8_t>& bytes, const std::string& name);

// True when `path` looks like an image OpenCV can decode (by content, not by name).
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
