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

// OpenCV's 8-bit decode flags; ANYDEPTH keeps 16-bit data, and leaving out
// IMREAD_IGNORE_ORIENTATION applies the EXIF orientation.
int readFlags(int channels) {
  if (channels == 1) return cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH;
  if (channels == 3) return cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH;
  return cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH;
}
} // namespace

Tensor decodePng(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (readImageHeader(bytes, name).format != "PNG") throw std::invalid_argument(name + ": not a PNG image");
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
  // The header first: an unknown format, a damaged header or more than kMaxImagePixels is
  // refused before any decoder sees the file. (OpenCV's own limit, OPENCV_IO_MAX_IMAGE_PIXELS,
  // is read once when its library loads, before any of ConvScope's code runs: it stays at
  // OpenCV's 2³⁰ pixels.)
  (void)readImageHeader(path);
  cv::Mat image;
  try {
    image = cv::imread(path, readFlags(options.channels));
  } catch (const cv::Exception& e) {
    throw std::invalid_argument(path + ": cannot decode the image (" + e.err + ")");
  }
  if (image.empty()) throw std::invalid_argument(path + ": OpenCV cannot decode the image (damaged, or an unusual kind of its format)");

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
  return tensorFromMat(image, scale);
}

Tensor tensorFromMat(cv::Mat image, double scale) {
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
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
  if (!imageFormatOf(path).empty()) return true;
  try {
    return cv::haveImageReader(path); // a format ConvScope refuses (DICOM, OpenEXR), refused by loadImage by name
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
