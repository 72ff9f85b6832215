// Batches from 8-bit images: channel conversion, centring/padding or resizing, normalization.
#include "engine/training/Preprocess.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace convscope {

Preprocess plainPreprocess(const Shape& modelInput) {
  if (modelInput.rank() != 3)
    throw std::invalid_argument("a model reading " + modelInput.toString() + " values does not read images");
  Preprocess p;
  p.channels = int(modelInput[0]), p.height = int(modelInput[1]), p.width = int(modelInput[2]);
  p.sourceHeight = p.height, p.sourceWidth = p.width;
  p.mean.assign(size_t(p.channels), 0.0f);
  p.stddev.assign(size_t(p.channels), 1.0f);
  return p;
}

Preprocess preprocessFor(const Shape& modelInput, const Dataset& train) {
  if (modelInput.rank() != 3)
    throw std::invalid_argument("preprocess: the model input must be (C, H, W), got " + modelInput.toString());
  Preprocess p;
  p.channels = static_cast<int>(modelInput[0]);
  p.height = static_cast<int>(modelInput[1]);
  p.width = static_cast<int>(modelInput[2]);
  if (p.channels != 1 && p.channels != 3)
    throw std::invalid_argument("preprocess: models take 1 or 3 input channels, this one takes " +
                                std::to_string(p.channels));
  p.sourceHeight = train.height;
  p.sourceWidth = train.width;
  // Statistics of the training pixels as the model will see them (after channel conversion).
  std::vector<double> sum(p.channels, 0.0), squares(p.channels, 0.0);
  const size_t area = size_t(train.height) * train.width;
  for (size_t i = 0; i < train.size(); ++i) {
    const uint8_t* img = train.image(i);
    for (size_t k = 0; k < area; ++k)
      for (int c = 0; c < p.channels; ++c) {
        double v;
        if (train.channels == p.channels)
          v = img[c * area + k];
        else if (train.channels == 1)
          v = img[k];
        else
          v = 0.299 * img[k] + 0.587 * img[area + k] + 0.114 * img[2 * area + k];
        v /= 255.0;
        sum[c] += v;
        squares[c] += v * v;
      }
  }
  const double count = double(train.size()) * double(area);
  p.mean.assign(p.channels, 0.0f);
  p.stddev.assign(p.channels, 1.0f);
  if (count > 0)
    for (int c = 0; c < p.channels; ++c) {
      const double mean = sum[c] / count;
      p.mean[c] = static_cast<float>(mean);
      p.stddev[c] = static_cast<float>(std::max(1e-3, std::sqrt(std::max(0.0, squares[c] / count - mean * mean))));
    }
  return p;
}

namespace {
// Writes one (C_src, H_src, W_src) 8-bit image into out (C, H, W) floats, normalized.
void fitImage(const uint8_t* img, int srcChannels, int srcHeight, int srcWidth, const Preprocess& p, float* out) {
  const size_t srcArea = size_t(srcHeight) * srcWidth;
  const bool pad = srcHeight <= p.height && srcWidth <= p.width;
  const int top = (p.height - srcHeight) / 2, left = (p.width - srcWidth) / 2;
  for (int c = 0; c < p.channels; ++c) {
    const float scale = 1.0f / (255.0f * p.stddev[c]), shift = -p.mean[c] / p.stddev[c];
    float* plane = out + size_t(c) * p.height * p.width;
    // Channel c of the source, converted if the channel counts differ.
    cv::Mat source;
    if (srcChannels == p.channels) {
      source = cv::Mat(srcHeight, srcWidth, CV_8U, const_cast<uint8_t*>(img) + c * srcArea);
    } else if (srcChannels == 1) {
      source = cv::Mat(srcHeight, srcWidth, CV_8U, const_cast<uint8_t*>(img));
    } else {
      cv::Mat r(srcHeight, srcWidth, CV_8U, const_cast<uint8_t*>(img)),
          g(srcHeight, srcWidth, CV_8U, const_cast<uint8_t*>(img) + srcArea),
          b(srcHeight, srcWidth, CV_8U, const_cast<uint8_t*>(img) + 2 * srcArea);
      cv::addWeighted(r, 0.299, g, 0.587, 0, source);
      cv::scaleAdd(b, 0.114, source, source);
    }
    if (pad) {
      std::fill(plane, plane + size_t(p.height) * p.width, shift); // padding is a black (0) pixel
      for (int y = 0; y < srcHeight; ++y) {
        const uint8_t* row = source.ptr<uint8_t>(y);
        float* dst = plane + size_t(top + y) * p.width + left;
        for (int x = 0; x < srcWidth; ++x) dst[x] = row[x] * scale + shift;
      }
    } else {
      cv::Mat resized;
      cv::resize(source, resized, cv::Size(p.width, p.height), 0, 0, cv::INTER_AREA);
      cv::Mat target(p.height, p.width, CV_32F, plane);
      resized.convertTo(target, CV_32F, scale, shift);
    }
  }
}
} // namespace

void makeBatch(const Dataset& data, const size_t* indices, size_t count, const Preprocess& p, Tensor& batch,
               std::vector<int>& labels, std::vector<uint8_t>* pixels) {
  const Shape expected{static_cast<int64_t>(count), p.channels, p.height, p.width};
  if (pixels) {
    if (data.masks.empty())
      throw std::invalid_argument("dataset '" + data.name + "' has no masks (a class per pixel) to segment with");
    if (data.height != p.height || data.width != p.width)
      throw std::invalid_argument("segmentation: the network takes " + std::to_string(p.height) + "x" +
                                  std::to_string(p.width) + " images, the masks of '" + data.name + "' are " +
                                  std::to_string(data.height) + "x" + std::to_string(data.width));
    const size_t area = size_t(p.height) * size_t(p.width);
    pixels->resize(count * area);
    for (size_t i = 0; i < count; ++i) std::copy_n(data.mask(indices[i]), area, pixels->data() + i * area);
  }
  if (batch.shape() != expected) batch = Tensor(expected);
  labels.resize(count);
  const size_t plane = size_t(p.channels) * p.height * p.width;
  for (size_t i = 0; i < count; ++i) {
    fitImage(data.image(indices[i]), data.channels, data.height, data.width, p, batch.data() + i * plane);
    labels[i] = data.labels[indices[i]];
  }
}

Tensor preprocessImage(const Tensor& image, const Preprocess& p) {
  const Shape& s = image.shape();
  if (s.rank() != 4 || s[0] != 1 || (s[1] != 1 && s[1] != 3))
    throw std::invalid_argument("preprocess: expects one gray or RGB image (1, C, H, W), got " + s.toString());
  // Resize each channel to the training images' size, as 8-bit like the dataset; with a resize,
  // the shorter side to it first (the longer as torchvision's Resize: truncated), then the centre.
  const int channels = static_cast<int>(s[1]);
  std::vector<uint8_t> bytes(size_t(channels) * p.sourceHeight * p.sourceWidth);
  const ResizeCrop crop = p.resize > 0 ? resizeCrop(p, s[2], s[3]) : ResizeCrop{};
  for (int c = 0; c < channels; ++c) {
    cv::Mat plane(static_cast<int>(s[2]), static_cast<int>(s[3]), CV_32F,
                  const_cast<float*>(image.data()) + c * s[2] * s[3]);
    cv::Mat resized;
    if (p.resize > 0) {
      cv::Mat scaled;
      cv::resize(plane, scaled, cv::Size(crop.scaledW, crop.scaledH), 0, 0,
                 crop.scaledH < s[2] ? cv::INTER_AREA : cv::INTER_LINEAR);
      resized = scaled(cv::Rect(crop.left, crop.top, p.sourceWidth, p.sourceHeight));
    } else {
      cv::resize(plane, resized, cv::Size(p.sourceWidth, p.sourceHeight), 0, 0, cv::INTER_AREA);
    }
    cv::Mat target(p.sourceHeight, p.sourceWidth, CV_8U, bytes.data() + size_t(c) * p.sourceHeight * p.sourceWidth);
    resized.convertTo(target, CV_8U);
  }
  Tensor out(Shape{1, p.channels, p.height, p.width});
  fitImage(bytes.data(), channels, p.sourceHeight, p.sourceWidth, p, out.data());
  return out;
}

Tensor prepareMatrix(const Tensor& matrix, const Preprocess& p) {
  const Shape& s = matrix.shape();
  if (s.rank() != 4 || s[0] != 1)
    throw std::invalid_argument("preprocess: expects one matrix (1, C, H, W), got " + s.toString());
  const Tensor m = matrix.inLayout(Layout::NCHW);
  const int64_t area = s[2] * s[3];
  // Channels first: the model's count, gray repeated or channels averaged.
  Tensor channels(Shape{1, p.channels, s[2], s[3]});
  for (int c = 0; c < p.channels; ++c)
    for (int64_t k = 0; k < area; ++k) {
      float v;
      if (s[1] == p.channels) {
        v = m.data()[c * area + k];
      } else if (s[1] == 1) {
        v = m.data()[k];
      } else {
        v = 0;
        for (int64_t from = 0; from < s[1]; ++from) v += m.data()[from * area + k];
        v /= float(s[1]);
      }
      channels.data()[c * area + k] = v;
    }
  if (s[2] == p.height && s[3] == p.width) return channels;
  Tensor out(Shape{1, p.channels, p.height, p.width});
  for (int c = 0; c < p.channels; ++c) {
    cv::Mat plane(static_cast<int>(s[2]), static_cast<int>(s[3]), CV_32F, channels.data() + c * area);
    cv::Mat target(p.height, p.width, CV_32F, out.data() + int64_t(c) * p.height * p.width);
    // Larger: area averaging; smaller: each value a block of cells, as the lecture draws it.
    cv::resize(plane, target, target.size(), 0, 0,
               p.height * p.width < area ? cv::INTER_AREA : cv::INTER_NEAREST);
  }
  return out;
}

Tensor prepareInput(const Tensor& input, const Preprocess& p, bool matrix) {
  return matrix ? prepareMatrix(input, p) : preprocessImage(input, p);
}

const std::vector<float>& imageNetMean() {
  static const std::vector<float> mean{0.485f, 0.456f, 0.406f};
  return mean;
}
const std::vector<float>& imageNetStd() {
  static const std::vector<float> stddev{0.229f, 0.224f, 0.225f};
  return stddev;
}

namespace {
// One value a channel, each within −10 … 10 and above 0 when `positive`; one value serves
// every channel.
std::vector<float> checkedChannels(std::vector<float> values, const std::vector<std::string>& written, int channels,
                                   bool positive, const std::string& what) {
  for (size_t k = 0; k < values.size(); ++k) {
    const std::string& number = written[k];
    if (!std::isfinite(values[k]) || values[k] < -10 || values[k] > 10)
      throw std::invalid_argument(what + ": " + number + " is outside −10 … 10 (values are on the [0, 1] scale)");
    if (positive && values[k] <= 0) throw std::invalid_argument(what + ": " + number + " must be above 0 (a standard deviation)");
  }
  if (values.empty()) throw std::invalid_argument(what + ": no values (give one number a channel: 0.485,0.456,0.406)");
  if (values.size() == 1) values.assign(size_t(channels), values[0]);
  if (int(values.size()) != channels)
    throw std::invalid_argument(what + ": " + std::to_string(values.size()) + " values for a model of " +
                                std::to_string(channels) + (channels == 1 ? " input channel" : " input channels"));
  return values;
}

std::string shortText(float x) {
  std::ostringstream one;
  one << x;
  return one.str();
}
} // namespace

std::vector<float> channelValues(const std::string& text, int channels, bool positive, const std::string& what) {
  std::vector<float> values;
  std::vector<std::string> written;
  std::stringstream parts(text);
  for (std::string part; std::getline(parts, part, ',');) {
    const size_t first = part.find_first_not_of(" \t"), last = part.find_last_not_of(" \t");
    const std::string number = first == std::string::npos ? "" : part.substr(first, last - first + 1);
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(number, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (number.empty() || used != number.size())
      throw std::invalid_argument(what + ": '" + number + "' is not a number (give one number a channel: 0.485,0.456,0.406)");
    values.push_back(float(v));
    written.push_back(number);
  }
  return checkedChannels(std::move(values), written, channels, positive, what);
}

Preprocess withNormalization(Preprocess p, std::vector<float> mean, std::vector<float> stddev) {
  std::vector<std::string> meanText, stdText;
  for (float x : mean) meanText.push_back(shortText(x));
  for (float x : stddev) stdText.push_back(shortText(x));
  p.mean = checkedChannels(std::move(mean), meanText, p.channels, false, "mean");
  p.stddev = checkedChannels(std::move(stddev), stdText, p.channels, true, "std");
  return p;
}

ResizeCrop resizeCrop(const Preprocess& p, int64_t height, int64_t width) {
  ResizeCrop c;
  const int64_t shorter = std::min(height, width);
  c.scaledH = int(height == shorter ? p.resize : int64_t(p.resize) * height / shorter);
  c.scaledW = int(width == shorter ? p.resize : int64_t(p.resize) * width / shorter);
  if (c.scaledH < p.sourceHeight || c.scaledW < p.sourceWidth)
    throw std::invalid_argument("preprocess: resized to " + std::to_string(c.scaledH) + "x" + std::to_string(c.scaledW) +
                                ", the image cannot give a " + std::to_string(p.sourceHeight) + "x" +
                                std::to_string(p.sourceWidth) + " centre");
  // torchvision's CenterCrop: Python's round, halves to even (58.5 → 58).
  c.top = int(std::nearbyint((c.scaledH - p.sourceHeight) / 2.0));
  c.left = int(std::nearbyint((c.scaledW - p.sourceWidth) / 2.0));
  return c;
}

int imageNetResize(const Preprocess& p) {
  return int(std::lround(std::max(p.sourceHeight, p.sourceWidth) * 256.0 / 224.0));
}

Preprocess withResize(Preprocess p, int64_t resize, const std::string& what) {
  if (resize != 0 && (resize < std::max(p.sourceHeight, p.sourceWidth) || resize > 16384))
    throw std::invalid_argument(what + " " + std::to_string(resize) + (resize > 16384 ? " is more than 16384" :
                                " is smaller than the model's " + std::to_string(p.sourceHeight) + "x" +
                                std::to_string(p.sourceWidth) + " input: its centre would not fit") +
                                " (0: the whole image resized to the input)");
  p.resize = int(resize);
  return p;
}

std::string normalizationText(const Preprocess& p) {
  const std::string crop = p.resize > 0 ? "; shorter side to " + std::to_string(p.resize) + ", centre " +
                                              std::to_string(p.sourceHeight) + "×" + std::to_string(p.sourceWidth)
                                        : std::string();
  bool plain = true;
  for (size_t c = 0; c < p.mean.size(); ++c) plain = plain && p.mean[c] == 0 && p.stddev[c] == 1;
  if (plain) return "none ([0, 1])" + crop;
  const auto list = [](const std::vector<float>& v) {
    std::string text;
    for (float x : v) text += (text.empty() ? "" : ", ") + shortText(x);
    return text;
  };
  return "mean " + list(p.mean) + "; std " + list(p.stddev) + crop;
}

std::vector<size_t> shuffledOrder(size_t n, std::mt19937_64& random) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  // Fisher–Yates with our own bounded draw, so the order is the same with any standard library.
  for (size_t i = n; i > 1; --i) {
    const size_t j = static_cast<size_t>(random() % i);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

namespace {
// Each (image, channel) plane of x (N, C, H, W, NCHW) with f(value, mean, deviation) applied.
template <typename F> void perChannel(Tensor& x, const Preprocess& p, F f) {
  if (p.mean.empty() || p.stddev.empty()) throw std::invalid_argument("preprocessing without a normalization");
  const Shape s = x.shape();
  const int64_t plane = s[2] * s[3];
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c) {
      const float mean = p.mean[size_t(c) % p.mean.size()], deviation = p.stddev[size_t(c) % p.stddev.size()];
      float* v = x.data() + (n * s[1] + c) * plane;
      for (int64_t k = 0; k < plane; ++k) v[k] = f(v[k], mean, deviation);
    }
}
} // namespace

Preprocess withoutNormalization(const Preprocess& p) {
  Preprocess plain = p;
  std::fill(plain.mean.begin(), plain.mean.end(), 0.0f);
  std::fill(plain.stddev.begin(), plain.stddev.end(), 1.0f);
  return plain;
}

Tensor normalizeImages(const Tensor& images, const Preprocess& p) {
  Tensor x = images.inLayout(Layout::NCHW);
  perChannel(x, p, [](float v, float mean, float deviation) { return (v - mean) / deviation; });
  return x;
}

void gradientToImages(Tensor& gradient, const Preprocess& p) {
  gradient = gradient.inLayout(Layout::NCHW);
  perChannel(gradient, p, [](float v, float, float deviation) { return v / deviation; });
}

} // namespace convscope
