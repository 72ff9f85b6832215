// Saliency maps: the input gradient, Grad-CAM and occlusion, through the Network's own
// forward and backward passes (either backend), and their picture over the image.
#include "engine/lessons/Saliency.h"

#include "engine/layers/Conv2D.h"
#include "engine/layers/LayerKind.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <stdexcept>

namespace convscope {

namespace {

// The node whose output is the class scores: the softmax's input, else the last node.

bool isConv2D(const Layer& layer) { return layerAs<Conv2D>(layer) != nullptr; }

std::string conv2dNames(const Network& network) {
  std::string names;
  for (const std::string& name : gradCamLayers(network)) names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "none" : names;
}

// The Grad-CAM layer's node: the one named, or the default (see SaliencyOptions::layer).
size_t gradCamNode(const Network& network, const std::string& name) {
  const std::vector<Shape> shapes = network.shapes(1);
  const size_t last = network.scoreNode(); // maps after the scores would not feed them
  if (!name.empty()) {
    for (size_t i = 0; i < last; ++i) {
      if (network.layer(i).name() != name) continue;
      if (shapes[i].rank() != 4)
        throw std::invalid_argument("Grad-CAM: layer '" + name + "' has no feature maps (its output is " +
                                    shapes[i].toString() + "); choose a Conv2D layer: " + conv2dNames(network));
      return i;
    }
    throw std::invalid_argument("Grad-CAM: the model has no layer '" + name +
                                "' before its scores; its Conv2D layers are " + conv2dNames(network));
  }
  std::optional<size_t> lastConv, lastConvWithArea, lastMaps;
  for (size_t i = 0; i < last; ++i) {
    if (shapes[i].rank() != 4) continue;
    lastMaps = i;
    if (!isConv2D(network.layer(i))) continue;
    lastConv = i;
    if (shapes[i][2] * shapes[i][3] > 1) lastConvWithArea = i;
  }
  if (lastConvWithArea) return *lastConvWithArea;
  if (lastConv) return *lastConv;
  if (lastMaps) return *lastMaps;
  throw std::invalid_argument("Grad-CAM: the model has no layer with feature maps (no Conv2D layer) to weight");
}

// ∂score/∂input (1, C, H, W) → (H, W): one channel as it is; several, the largest magnitude.
Tensor gradientMap(const Tensor& gradient) {
  const Tensor g = gradient.inLayout(Layout::NCHW);
  const Shape& s = g.shape();
  Tensor map(Shape{s[2], s[3]});
  for (int64_t y = 0; y < s[2]; ++y)
    for (int64_t x = 0; x < s[3]; ++x) {
      float v = s[1] == 1 ? g.at(0, 0, y, x) : 0.0f;
      for (int64_t c = 0; s[1] > 1 && c < s[1]; ++c) v = std::max(v, std::abs(g.at(0, c, y, x)));
      map.data()[y * s[3] + x] = v;
    }
  return map;
}

// ReLU(Σ_k α_k A_k), α_k = the mean of ∂score/∂A_k over the map; upsampled to height x width.
Tensor gradCamMap(const Tensor& maps, const Tensor& gradient, int64_t height, int64_t width) {
  const Tensor a = maps.inLayout(Layout::NCHW), g = gradient.inLayout(Layout::NCHW); // (1, K, h, w)
  const int64_t k = a.shape()[1], h = a.shape()[2], w = a.shape()[3];
  cv::Mat cam(static_cast<int>(h), static_cast<int>(w), CV_32F, cv::Scalar(0));
  for (int64_t c = 0; c < k; ++c) {
    double alpha = 0;
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) alpha += g.at(0, c, y, x);
    alpha /= double(h * w);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        cam.at<float>(static_cast<int>(y), static_cast<int>(x)) += static_cast<float>(alpha) * a.at(0, c, y, x);
  }
  cam = cv::max(cam, 0.0f);
  Tensor map(Shape{height, width});
  cv::Mat target(static_cast<int>(height), static_cast<int>(width), CV_32F, map.data());
  cv::resize(cam, target, target.size(), 0, 0, cv::INTER_LINEAR);
  for (float& v : map.values()) v = std::max(v, 0.0f); // bilinear weights are convex; keep it exact
  return map;
}

// Top-left corners of a square of side `patch` every `stride` cells along `size`, the last
// one flush with the end so that every cell is covered.
std::vector<int64_t> placements(int64_t size, int64_t patch, int64_t stride) {
  std::vector<int64_t> starts;
  for (int64_t s = 0; s + patch <= size; s += stride) starts.push_back(s);
  if (starts.back() != size - patch) starts.push_back(size - patch);
  return starts;
}

// The mean drop of the class score over the placements of a fill square that cover each pixel.
Tensor occlusionMap(Network& network, Backend& backend, const Tensor& input, int64_t classIndex, float score,
                    const SaliencyOptions& options) {
  const Shape& s = input.shape();
  const int64_t channels = s[1], height = s[2], width = s[3];
  if (options.patch < 0 || options.stride < 0)
    throw std::invalid_argument("occlusion: patch " + std::to_string(options.patch) + " and stride " +
                                std::to_string(options.stride) + " must be positive (or 0 for the default)");
  const int64_t patch = options.patch > 0 ? options.patch : std::max<int64_t>(3, std::min(height, width) / 4);
  int64_t stride = options.stride;
  if (stride == 0) stride = height <= 32 && width <= 32 ? 1 : std::max<int64_t>(1, patch / 4);
  if (patch > height || patch > width)
    throw std::invalid_argument("occlusion: patch " + std::to_string(patch) + " is larger than the input " +
                                std::to_string(height) + "x" + std::to_string(width));
  float fill = options.fill;
  if (std::isnan(fill)) {
    double sum = 0;
    for (float v : input.values()) sum += v;
    fill = static_cast<float>(sum / double(input.size()));
  }
  std::vector<std::pair<int64_t, int64_t>> corners;
  for (int64_t y : placements(height, patch, stride))
    for (int64_t x : placements(width, patch, stride)) corners.emplace_back(y, x);

  // Occluded copies go through the network in batches: one forward per batch, not per square.
  constexpr int64_t kBatch = 32;
  const size_t scores = network.scoreNode();
  const int64_t area = height * width, image = channels * area;
  std::vector<double> sum(static_cast<size_t>(area), 0.0);
  std::vector<int> count(static_cast<size_t>(area), 0);
  for (size_t first = 0; first < corners.size(); first += kBatch) {
    const int64_t n = std::min<int64_t>(kBatch, int64_t(corners.size() - first));
    Tensor batch(Shape{n, channels, height, width}); // NCHW
    for (int64_t b = 0; b < n; ++b) {
      float* dst = batch.data() + b * image;
      std::copy(input.data(), input.data() + image, dst);
      const auto [top, left] = corners[first + size_t(b)];
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t y = top; y < top + patch; ++y) std::fill_n(dst + c * area + y * width + left, patch, fill);
    }
    network.forward(backend, batch);
    const Tensor& out = network.output(scores); // (n, K)
    const int64_t classes = out.shape()[1];
    for (int64_t b = 0; b < n; ++b) {
      const double drop = double(score) - double(out.data()[b * classes + classIndex]);
      const auto [top, left] = corners[first + size_t(b)];
      for (int64_t y = top; y < top + patch; ++y)
        for (int64_t x = left; x < left + patch; ++x) {
          sum[size_t(y * width + x)] += drop;
          ++count[size_t(y * width + x)];
        }
    }
  }
  Tensor map(Shape{height, width});
  for (size_t i = 0; i < sum.size(); ++i) map.data()[i] = count[i] ? static_cast<float>(sum[i] / count[i]) : 0.0f;
  return map;
}

} // namespace

SaliencyMap computeSaliency(Network& network, Backend& backend, const Tensor& input, const SaliencyOptions& options) {
  if (network.size() == 0) throw std::invalid_argument("saliency: the model has no layers");
  if (network.inputShape().rank() != 3)
    throw std::invalid_argument("saliency: the model's input must be an image (C, H, W), it is " +
                                network.inputShape().toString());
  if (input.shape() != network.batchInputShape(1))
    throw std::invalid_argument("saliency: expects one input " + network.batchInputShape(1).toString() +
                                " (the model's, preprocessed), got " + input.shape().toString());
  const size_t scores = network.scoreNode();
  const Shape scoreShape = network.shapes(1)[scores];
  if (scoreShape.rank() != 2)
    throw std::invalid_argument("saliency: the model's class scores must be (N, classes), its output is " +
                                scoreShape.toString());
  const Tensor src = input.inLayout(Layout::NCHW); // kept alive: forward keeps a pointer to it for backward

  network.forward(backend, src);
  const Tensor& logits = network.output(scores); // (1, K)
  const int64_t classes = scoreShape[1];
  SaliencyMap result;
  result.classIndex = options.classIndex;
  if (result.classIndex == -1)
    result.classIndex = std::max_element(logits.values().begin(), logits.values().end()) - logits.values().begin();
  if (result.classIndex < 0 || result.classIndex >= classes)
    throw std::invalid_argument("class " + std::to_string(options.classIndex) + " is out of range: the model has " +
                                std::to_string(classes) + " classes");
  result.score = logits.data()[result.classIndex];
  if (network.endsInSoftmax()) result.probability = network.output(network.size() - 1).data()[result.classIndex];

  const int64_t height = src.shape()[2], width = src.shape()[3];
  if (options.method == SaliencyMethod::Occlusion) {
    result.map = occlusionMap(network, backend, src, result.classIndex, result.score, options);
    return result;
  }
  // Gradient and Grad-CAM: back-propagate ∂score/∂scores = one-hot from the scores (below a softmax).
  size_t camNode = 0;
  if (options.method == SaliencyMethod::GradCam) {
    camNode = gradCamNode(network, options.layer);
    result.layer = network.layer(camNode).name();
  }
  Tensor oneHot(scoreShape, 0.0f);
  oneHot.data()[result.classIndex] = 1.0f;
  const bool gradient = options.method == SaliencyMethod::Gradient;
  network.backward(backend, oneHot, scores + 1, gradient);
  if (gradient)
    result.map = gradientMap(network.networkInputGradient());
  else
    result.map = gradCamMap(network.output(camNode), network.outputGradient(camNode), height, width);
  return result;
}

std::vector<std::string> gradCamLayers(const Network& network) {
  std::vector<std::string> names;
  for (size_t i = 0; i < network.size(); ++i)
    if (isConv2D(network.layer(i))) names.push_back(network.layer(i).name());
  return names;
}

std::string saliencyMethodName(SaliencyMethod method) {
  switch (method) {
  case SaliencyMethod::Gradient: return "gradient";
  case SaliencyMethod::GradCam: return "gradcam";
  case SaliencyMethod::Occlusion: return "occlusion";
  }
  return "gradient";
}

SaliencyMethod parseSaliencyMethod(const std::string& text) {
  for (SaliencyMethod m : {SaliencyMethod::Gradient, SaliencyMethod::GradCam, SaliencyMethod::Occlusion})
    if (saliencyMethodName(m) == text) return m;
  throw std::invalid_argument("unknown saliency method '" + text + "' (expected gradient, gradcam or occlusion)");
}

Tensor saliencyForImage(const Tensor& map, const Preprocess& p, int64_t height, int64_t width) {
  if (map.shape() != Shape{p.height, p.width})
    throw std::invalid_argument("saliency: the map is " + map.shape().toString() + ", the model's input " +
                                std::to_string(p.height) + "x" + std::to_string(p.width));
  if (height < 1 || width < 1)
    throw std::invalid_argument("saliency: an image of " + std::to_string(height) + "x" + std::to_string(width));
  // The same fit as preprocessImage's: padded centred when the training size fits, else resized;
  // with a resize, the centre of the image scaled.
  const cv::Mat model(p.height, p.width, CV_32F, const_cast<float*>(map.data()));
  cv::Mat source;
  if (p.sourceHeight <= p.height && p.sourceWidth <= p.width) {
    const int top = (p.height - p.sourceHeight) / 2, left = (p.width - p.sourceWidth) / 2;
    source = model(cv::Rect(left, top, p.sourceWidth, p.sourceHeight)).clone();
  } else {
    cv::resize(model, source, cv::Size(p.sourceWidth, p.sourceHeight), 0, 0, cv::INTER_LINEAR);
  }
  if (p.resize > 0) { // the model saw the centre of the image scaled: nothing outside it counts
    const ResizeCrop crop = resizeCrop(p, height, width);
    cv::Mat scaled(crop.scaledH, crop.scaledW, CV_32F, cv::Scalar(0));
    source.copyTo(scaled(cv::Rect(crop.left, crop.top, p.sourceWidth, p.sourceHeight)));
    source = scaled;
  }
  Tensor result(Shape{height, width});
  cv::Mat target(static_cast<int>(height), static_cast<int>(width), CV_32F, result.data());
  cv::resize(source, target, target.size(), 0, 0, cv::INTER_LINEAR);
  return result;
}

Tensor saliencyOverlay(const Tensor& image, const Tensor& map, int minWidth) {
  const Tensor img = image.inLayout(Layout::NCHW);
  const Shape& s = img.shape();
  if (s.rank() != 4 || s[0] != 1 || (s[1] != 1 && s[1] != 3))
    throw std::invalid_argument("saliency picture: expects one gray or RGB image (1, C, H, W), got " + s.toString());
  if (map.shape() != Shape{s[2], s[3]})
    throw std::invalid_argument("saliency picture: the map is " + map.shape().toString() + " but the image is " +
                                std::to_string(s[2]) + "x" + std::to_string(s[3]));
  const int h = static_cast<int>(s[2]), w = static_cast<int>(s[3]);
  const int scale = std::max(1, (minWidth + w - 1) / w);
  const int rows = std::max(h * scale, 96), cols = w * scale + kSaliencyLegendWidth;
  cv::Mat picture(rows, cols, CV_8UC3, cv::Scalar(255, 255, 255)); // BGR, white around

  const auto [lowest, highest] = std::minmax_element(map.values().begin(), map.values().end());
  const bool diverging = *lowest < 0;
  const float magnitude = std::max(std::abs(*lowest), std::abs(*highest));
  const float lo = diverging ? -magnitude : *lowest, hi = diverging ? magnitude : *highest;
  // Colour and opacity for a map value.
  cv::Mat ramp(256, 1, CV_8U), inferno;
  for (int i = 0; i < 256; ++i) ramp.at<uint8_t>(i) = static_cast<uint8_t>(i);
  cv::applyColorMap(ramp, inferno, cv::COLORMAP_INFERNO);
  const auto colourOf = [&](float v, float& alpha) -> cv::Vec3f {
    if (diverging) {
      const float t = magnitude > 0 ? v / magnitude : 0.0f; // −1 … 1
      alpha = 0.85f * std::abs(t);
      return t >= 0 ? cv::Vec3f(43, 24, 178) : cv::Vec3f(172, 102, 33); // ColorBrewer RdBu's ends, BGR
    }
    const float t = hi > lo ? (v - lo) / (hi - lo) : 0.0f; // 0 … 1
    alpha = 0.35f + 0.5f * t;
    const cv::Vec3b c = inferno.at<cv::Vec3b>(static_cast<int>(std::lround(t * 255)));
    return cv::Vec3f(c[0], c[1], c[2]);
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float grey = img.at(0, 0, y, x);
      if (s[1] == 3) grey = 0.299f * img.at(0, 0, y, x) + 0.587f * img.at(0, 1, y, x) + 0.114f * img.at(0, 2, y, x);
      grey = 0.6f * std::clamp(grey, 0.0f, 255.0f); // dimmed, so that the colours stand out
      float alpha = 0;
      const cv::Vec3f colour = colourOf(map.data()[size_t(y) * w + x], alpha);
      cv::Vec3b pixel;
      for (int c = 0; c < 3; ++c) pixel[c] = cv::saturate_cast<uint8_t>(grey * (1 - alpha) + colour[c] * alpha);
      picture(cv::Rect(x * scale, y * scale, scale, scale)).setTo(pixel);
    }

  // The colour bar: hi at the top, lo at the bottom, as it looks over a white pixel.
  const int barLeft = w * scale + 8, barWidth = 16, barTop = 8, barHeight = rows - 16;
  for (int y = 0; y < barHeight; ++y) {
    const float v = hi - (hi - lo) * float(y) / float(std::max(1, barHeight - 1));
    float alpha = 0;
    const cv::Vec3f colour = colourOf(v, alpha);
    cv::Vec3b pixel;
    for (int c = 0; c < 3; ++c) pixel[c] = cv::saturate_cast<uint8_t>(255 * (1 - alpha) + colour[c] * alpha);
    picture(cv::Rect(barLeft, barTop + y, barWidth, 1)).setTo(pixel);
  }
  cv::rectangle(picture, cv::Rect(barLeft, barTop, barWidth, barHeight), cv::Scalar(96, 96, 96), 1);
  const auto label = [&](float v, int y) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", double(v));
    cv::putText(picture, text, cv::Point(barLeft + barWidth + 4, y), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0),
                1, cv::LINE_AA);
  };
  label(hi, barTop + 10);
  label(lo, barTop + barHeight);
  if (diverging) label(0.0f, barTop + barHeight / 2 + 4);

  Tensor result(Shape{1, 3, rows, cols}); // RGB planes
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x)
        result.data()[(size_t(c) * rows + y) * cols + x] = picture.at<cv::Vec3b>(y, x)[2 - c];
  return result;
}

} // namespace convscope
