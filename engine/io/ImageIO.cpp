// Image reading and writing with OpenCV; cv::Exception never leaves this file.
#include "engine/io/ImageIO.h"

#include "engine/network/LayerList.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace convscope {

namespace {
void requireReadableFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::invalid_argument(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw std::invalid_argument(path + ": is a folder, not an image file");
  if (!std::ifstream(path, std::ios::binary)) throw std::invalid_argument(path + ": cannot open the file for reading");
}

uint32_t bigEndian32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// The width and height a PNG, JPEG or BMP file declares in its header (0, 0 when it is none
// of these or the header is cut short), read before decoding so that a decompression bomb is
// refused without allocating. Other formats are bounded by OpenCV's own pixel limit, which
// loadImage sets to the same number.
// A PNG's chunks, walked before libpng sees them: a chunk declaring more bytes than the file
// has left is damage, and libpng would allocate (and clear) what it declares — gigabytes for
// a file of a few hundred bytes (found by the fuzzer). Throws naming the chunk.
void checkPngChunks(std::istream& file, const std::string& path) {
  file.seekg(0, std::ios::end);
  const int64_t size = int64_t(file.tellg());
  int64_t at = 8; // after the signature
  while (at + 8 <= size) {
    unsigned char head[8];
    file.seekg(at);
    if (!file.read(reinterpret_cast<char*>(head), 8)) return;
    const int64_t length = bigEndian32(head);
    const std::string type(reinterpret_cast<const char*>(head + 4), 4);
    if (at + 12 + length > size)
      throw std::invalid_argument(path + ": a damaged PNG: its chunk '" + type + "' declares " +
                                  std::to_string(length) + " bytes, more than the " + std::to_string(size - at - 12) +
                                  " left in the file");
    if (type == "IEND") return;
    at += 12 + length;
  }
}

std::pair<int64_t, int64_t> declaredSize(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::string head(1 << 16, '\0');
  file.read(head.data(), std::streamsize(head.size()));
  head.resize(size_t(file.gcount()));
  const auto* b = reinterpret_cast<const unsigned char*>(head.data());
  const size_t n = head.size();
  if (n >= 24 && head.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 && head.compare(12, 4, "IHDR") == 0) {
    std::ifstream whole(path, std::ios::binary);
    checkPngChunks(whole, path);
    return {bigEndian32(b + 16), bigEndian32(b + 20)};
  }
  if (n >= 26 && b[0] == 'B' && b[1] == 'M') {
    int32_t w, h;
    std::memcpy(&w, b + 18, 4);
    std::memcpy(&h, b + 22, 4);
    return {std::abs(int64_t(w)), std::abs(int64_t(h))};
  }
  if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) { // JPEG: walk the markers to a start-of-frame
    size_t at = 2;
    while (at + 9 < n && b[at] == 0xFF) {
      const unsigned marker = b[at + 1];
      const size_t length = size_t(b[at + 2]) << 8 | b[at + 3];
      const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame) return {int64_t(b[at + 7]) << 8 | b[at + 8], int64_t(b[at + 5]) << 8 | b[at + 6]};
      if (length < 2) break;
      at += 2 + length;
    }
  }
  return {0, 0};
}

// OpenCV's 8-bit decode flags; ANYDEPTH keeps 16-bit data, and leaving out
// IMREAD_IGNORE_ORIENTATION applies the EXIF orientation.
int readFlags(int channels) {
  if (channels == 1) return cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH;
  if (channels == 3) return cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH;
  return cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH;
}
} // namespace

Tensor decodePng(const std::vector<uint8_t>& bytes, const std::string& name) {
  const std::string head(reinterpret_cast<const char*>(bytes.data()), std::min<size_t>(bytes.size(), 24));
  if (head.size() < 24 || head.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || head.compare(12, 4, "IHDR") != 0)
    throw std::invalid_argument(name + ": not a PNG image");
  std::istringstream stream(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  checkPngChunks(stream, name);
  const auto* b = reinterpret_cast<const unsigned char*>(head.data());
  const uint64_t w = bigEndian32(b + 16), h = bigEndian32(b + 20);
  if (w * h > uint64_t(kMaxImagePixels))
    throw std::invalid_argument(name + ": the image declares " + std::to_string(w) + "×" + std::to_string(h) +
                                " pixels; ConvScope opens images up to " + withCommas(kMaxImagePixels) + " pixels");
  const cv::Mat image = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw std::invalid_argument(name + ": not an 8-bit gray or RGB PNG image");
  const int c = image.channels();
  Tensor t(Shape{1, c, image.rows, image.cols});
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x)
      for (int k = 0; k < c; ++k) t.at(0, k, y, x) = image.ptr<uint8_t>(y)[x * c + (c == 3 ? 2 - k : 0)];
  return t;
}

Tensor loadImage(const std::string& path, const ImageLoadOptions& options) {
  if (options.channels != 0 && options.channels != 1 && options.channels != 3)
    throw std::invalid_argument("image channels must be 1 (gray) or 3 (RGB), got " + std::to_string(options.channels));
  requireReadableFile(path);
  // OpenCV reads its limit once, from the environment, on the first decode.
  static const bool limitSet = ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxImagePixels).c_str(), 0) == 0;
  (void)limitSet;
  // Each side is at most 2³², so the product fits in 64 unsigned bits (found by the fuzzer).
  if (const auto [w, h] = declaredSize(path); uint64_t(w) * uint64_t(h) > uint64_t(kMaxImagePixels)) {
    const uint64_t pixels = uint64_t(w) * uint64_t(h);
    const std::string count = pixels > uint64_t(INT64_MAX) ? std::to_string(pixels) : withCommas(int64_t(pixels));
    throw std::invalid_argument(path + ": the image declares " + std::to_string(w) + "×" + std::to_string(h) + " = " +
                                count + " pixels; ConvScope opens images up to " + withCommas(kMaxImagePixels) +
                                " pixels (64 megapixels)");
  }
  cv::Mat image;
  try {
    image = cv::imread(path, readFlags(options.channels));
  } catch (const cv::Exception& e) {
    throw std::invalid_argument(path + ": cannot decode the image (" + e.err + ")");
  }
  if (image.empty())
    throw std::invalid_argument(path + ": not an image file OpenCV can read (not an image, damaged, or larger than " +
                                withCommas(kMaxImagePixels) + " pixels)");
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);

  // Values 0–255 whatever the depth (16-bit / 257), or [0, 1] when normalizing.
  double scale = 1.0;
  switch (image.depth()) {
  case CV_8U: scale = 1.0; break;
  case CV_16U: scale = 255.0 / 65535.0; break;
  case CV_32F:
  case CV_64F: scale = 255.0; break; // float images are stored in [0, 1]
  default: throw std::invalid_argument(path + ": unsupported pixel depth " + std::to_string(image.depth()));
  }
  if (options.normalize) scale /= 255.0;
  cv::Mat floats;
  image.convertTo(floats, CV_32F, scale);

  const int64_t c = floats.channels(), h = floats.rows, w = floats.cols;
  Tensor tensor(Shape{1, c, h, w});
  std::vector<cv::Mat> planes;
  cv::split(floats, planes);
  for (int64_t k = 0; k < c; ++k) {
    cv::Mat plane(static_cast<int>(h), static_cast<int>(w), CV_32F, tensor.data() + k * h * w);
    planes[static_cast<size_t>(k)].copyTo(plane);
  }
  return tensor;
}

bool isImageFile(const std::string& path) {
  try {
    return cv::haveImageReader(path);
  } catch (const cv::Exception&) {
    return false;
  }
}

void saveFeatureMapImage(const Tensor& maps, const std::string& path, MapImageStyle style, float maxValue) {
  Shape s = maps.shape();
  if (s.rank() == 4 && s[0] == 1) s = Shape{s[1], s[2], s[3]};
  if (s.rank() != 3)
    throw std::invalid_argument("feature map image: expects (C, H, W), got " + maps.shape().toString());
  const int c = static_cast<int>(s[0]), h = static_cast<int>(s[1]), w = static_cast<int>(s[2]);
  const float* data = maps.data();
  cv::Mat out;
  if (style == MapImageStyle::Colour) {
    if (c != 3 && c != 1)
      throw std::invalid_argument("feature map image: colour style needs 1 or 3 channels, got " + std::to_string(c));
    std::vector<cv::Mat> planes;
    for (int k = c - 1; k >= 0; --k) // OpenCV writes BGR
      planes.emplace_back(h, w, CV_32F, const_cast<float*>(data) + static_cast<size_t>(k) * h * w);
    cv::Mat merged;
    cv::merge(planes, merged);
    merged.convertTo(out, CV_8U, 255.0 / maxValue); // saturates: clamps to 0..255
  } else {
    // Tiles in a near-square grid with a 2-pixel grey gutter.
    const int columns = static_cast<int>(std::ceil(std::sqrt(double(c))));
    const int rows = (c + columns - 1) / columns;
    constexpr int gap = 2;
    out = cv::Mat(rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap, CV_8U, cv::Scalar(128));
    for (int k = 0; k < c; ++k) {
      cv::Mat plane(h, w, CV_32F, const_cast<float*>(data) + static_cast<size_t>(k) * h * w);
      double lo = 0, hi = 0;
      cv::minMaxLoc(plane, &lo, &hi);
      cv::Mat tile = out(cv::Rect((k % columns) * (w + gap), (k / columns) * (h + gap), w, h));
      if (hi > lo)
        plane.convertTo(tile, CV_8U, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));
      else
        tile.setTo(cv::Scalar(hi > 0 ? 255 : 0));
    }
  }
  try {
    if (!cv::imwrite(path, out)) throw std::invalid_argument(path + ": could not write the image");
  } catch (const cv::Exception& e) {
    throw std::invalid_argument(path + ": cannot write an image here (" + e.err + "); use .png, .jpg, .bmp or .tif");
  }
}

} // namespace convscope
