// Box drawing through OpenCV.
#include "engine/detection/BoxDrawing.h"

#include "engine/io/ImageHeader.h"
#include "engine/training/Scenes.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

Tensor drawBoxes(const Tensor& image, const std::vector<LabelledBox>& boxes, int scale) {
  const Shape& s = image.shape();
  if (s.rank() != 4 || s[0] != 1 || (s[1] != 1 && s[1] != 3))
    throw std::invalid_argument("drawing boxes: the image must be (1, 1 or 3, H, W), it is " + s.toString());
  if (scale < 1 || scale > 64) throw std::invalid_argument("drawing boxes: scale " + std::to_string(scale) + " must be 1 to 64");
  if (s[2] * scale * s[3] * scale > kMaxImagePixels)
    throw std::invalid_argument("drawing boxes: " + std::to_string(s[3]) + "x" + std::to_string(s[2]) + " enlarged " +
                                std::to_string(scale) + " times is more than " + std::to_string(kMaxImagePixels) +
                                " pixels");
  const int h = int(s[2]), w = int(s[3]), c = int(s[1]);
  cv::Mat rgb(h * scale, w * scale, CV_8UC3);
  for (int y = 0; y < h * scale; ++y)
    for (int x = 0; x < w * scale; ++x) {
      cv::Vec3b& px = rgb.at<cv::Vec3b>(y, x);
      for (int k = 0; k < 3; ++k)
        px[k] = cv::saturate_cast<uint8_t>(image.at(0, c == 3 ? k : 0, y / scale, x / scale));
    }
  const int thickness = std::max(1, scale / 2);
  const double fontScale = std::max(0.4, 0.12 * scale);
  for (const LabelledBox& b : boxes) {
    const Rgb colour = sceneClassColour(b.colourClass);
    const cv::Scalar ink(colour.r, colour.g, colour.b);
    const cv::Point p0(int(std::lround(b.box.x0 * scale)), int(std::lround(b.box.y0 * scale)));
    const cv::Point p1(int(std::lround(b.box.x1 * scale)) - 1, int(std::lround(b.box.y1 * scale)) - 1);
    cv::rectangle(rgb, p0, p1, ink, thickness);
    if (b.text.empty()) continue;
    int baseline = 0;
    const cv::Size size = cv::getTextSize(b.text, cv::FONT_HERSHEY_SIMPLEX, fontScale, thickness, &baseline);
    // Above the box when there is room, else inside its top.
    const int top = p0.y - size.height - baseline - 2 >= 0 ? p0.y - size.height - baseline - 2 : p0.y;
    const int left = std::clamp(p0.x, 0, std::max(0, rgb.cols - size.width - 2));
    cv::rectangle(rgb, cv::Point(left, top), cv::Point(left + size.width + 2, top + size.height + baseline + 2), ink,
                  cv::FILLED);
    const bool light = 0.299 * colour.r + 0.587 * colour.g + 0.114 * colour.b > 150;
    cv::putText(rgb, b.text, cv::Point(left + 1, top + size.height + 1), cv::FONT_HERSHEY_SIMPLEX, fontScale,
                light ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
  }
  Tensor out(Shape{1, 3, int64_t(h) * scale, int64_t(w) * scale});
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x)
      for (int k = 0; k < 3; ++k) out.at(0, k, y, x) = rgb.at<cv::Vec3b>(y, x)[k];
  return out;
}

} // namespace convscope
