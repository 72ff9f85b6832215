// What an image file says it is before anything is decoded: its format and the width and
// height its header declares, for every format ConvScope lets OpenCV decode. loadImage reads
// this first and refuses a file that declares more pixels than kMaxImagePixels (a
// "decompression bomb": a TIFF of 1 MB that decodes to 20000×20000) or whose format it does
// not know, so no decoder is ever handed such a file. TIFF is read by libtiff and WebP by
// libwebp (their own header readers); the others' headers are a few fixed fields.
// Not for: decoding pixels (ImageIO.h does, through OpenCV).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace convscope {

// The most pixels an image may have: 64 Mi (a 61-megapixel camera's photo fits; as floats
// in RGB that is 768 MiB).
constexpr int64_t kMaxImagePixels = int64_t(1) << 26;

struct ImageHeader {
  std::string format; // "PNG", "JPEG", "BMP", "TIFF", "WebP", "PNM", "PAM", "PFM", "Sun raster", "Radiance HDR", "JPEG 2000"
  int64_t width = 0, height = 0;
};

// The formats readImageHeader knows, for messages: "PNG, JPEG, BMP, ...".
std::string knownImageFormats();

// The format the first bytes name, or "" when none of the known ones (cheap: reads 16 bytes).
std::string imageFormatOf(const std::string& path);

// The header of the file at `path` / of `bytes` (named `name` in messages). Throws
// std::invalid_argument naming the file when it is not one of the known formats, when its
// header is damaged or cut short, or when it declares more than kMaxImagePixels pixels (the
// message names the size, the count and the limit). Reads only the header: a TIFF's first
// directory, a JPEG's markers up to its frame, at most a few kilobytes of any other.
ImageHeader readImageHeader(const std::string& path);
ImageHeader readImageHeader(std::span<const uint8_t> bytes, const std::string& name);

} // namespace convscope
