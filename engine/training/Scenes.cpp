// Composed scenes: each digit is placed where its ink (its nonzero pixels) stays one pixel
// clear of every digit placed before; the canvas keeps the brighter pixel (the backgrounds are
// black), the mask the digit's class where the digit is bright.
#include "engine/training/Scenes.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace convscope {

namespace {
// The tight box of a digit's pixels ≥ threshold (empty: x1 ≤ x0).
struct InkBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0; }
};

InkBox inkBox(const uint8_t* image, int width, int height, int threshold) {
  InkBox box{width, height, 0, 0};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (image[y * width + x] >= threshold) {
        box.x0 = std::min(box.x0, x), box.y0 = std::min(box.y0, y);
        box.x1 = std::max(box.x1, x + 1), box.y1 = std::max(box.y1, y + 1);
      }
  return box;
}

// Whether two boxes come closer than one clear pixel.
bool touching(const InkBox& a, const InkBox& b) {
  return a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
}
} // namespace

std::vector<std::string> sceneClassNames() {
  std::vector<std::string> names{"background"};
  for (int d = 0; d < 10; ++d) names.push_back(std::to_string(d));
  return names;
}

Rgb sceneClassColour(int k) {
  static const Rgb colours[kSceneClasses] = {{0, 0, 0},       {31, 119, 180}, {255, 127, 14}, {44, 160, 44},
                                             {214, 39, 40},   {148, 103, 189}, {140, 86, 75},  {227, 119, 194},
                                             {127, 127, 127}, {188, 189, 34},  {23, 190, 207}};
  return k >= 0 && k < kSceneClasses ? colours[k] : Rgb{160, 160, 160};
}

Tensor classOverlay(const std::vector<float>& grey, int height, int width, const std::vector<uint8_t>& classes, int scale,
                    double opacity) {
  const size_t pixels = size_t(std::max(0, height)) * size_t(std::max(0, width));
  if (height < 1 || width < 1 || scale < 1 || grey.size() != pixels || classes.size() != pixels)
    throw std::invalid_argument("class overlay: " + std::to_string(grey.size()) + " grey values and " +
                                std::to_string(classes.size()) + " classes for " + std::to_string(height) + "x" +
                                std::to_string(width) + " pixels at scale " + std::to_string(scale));
  const int64_t h = int64_t(height) * scale, w = int64_t(width) * scale;
  Tensor overlay(Shape{1, 3, h, w});
  const size_t plane = size_t(h * w);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const size_t source = size_t(y / scale) * size_t(width) + size_t(x / scale);
      const double g = std::clamp(double(grey[source]), 0.0, 255.0);
      const int k = classes[source];
      const Rgb colour = sceneClassColour(k);
      const double a = k == 0 ? 0.0 : opacity;
      const size_t at = size_t(y * w + x);
      overlay.data()[at] = float((1 - a) * g + a * colour.r);
      overlay.data()[plane + at] = float((1 - a) * g + a * colour.g);
      overlay.data()[2 * plane + at] = float((1 - a) * g + a * colour.b);
    }
  return overlay;
}

Dataset composeScenes(const Dataset& digits, size_t count, uint64_t seed, const SceneOptions& o) {
  if (count < 1 || count > 100000)
    throw std::invalid_argument("scenes: " + std::to_string(count) + " scenes asked for (1 to 100000)");
  if (o.size < 32 || o.size > 512)
    throw std::invalid_argument("scenes: a canvas of " + std::to_string(o.size) + " pixels (32 to 512)");
  if (o.minDigits < 1 || o.maxDigits < o.minDigits || o.maxDigits > 8)
    throw std::invalid_argument("scenes: " + std::to_string(o.minDigits) + " to " + std::to_string(o.maxDigits) +
                                " digits per scene (at least 1, at most 8)");
  if (o.threshold < 1 || o.threshold > 255)
    throw std::invalid_argument("scenes: a mask threshold of " + std::to_string(o.threshold) + " (1 to 255)");
  if (digits.size() == 0 || digits.channels != 1 || digits.width > o.size || digits.height > o.size)
    throw std::invalid_argument("scenes: needs grey digit images no larger than the canvas, got " +
                                std::to_string(digits.size()) + " images of " + std::to_string(digits.channels) + "×" +
                                std::to_string(digits.height) + "×" + std::to_string(digits.width));
  for (int label : digits.labels)
    if (label < 0 || label > 9) throw std::invalid_argument("scenes: a digit labelled " + std::to_string(label));

  const int s = o.size, w = digits.width, h = digits.height;
  Dataset d;
  d.name = "scenes";
  d.channels = 1, d.height = s, d.width = s;
  d.pixels.assign(count * size_t(s) * size_t(s), 0);
  d.masks.assign(d.pixels.size(), 0);
  d.boxes.resize(count);
  d.labels.resize(count);
  for (int k = 1; k <= o.maxDigits; ++k) d.classNames.push_back(std::to_string(k) + (k == 1 ? " digit" : " digits"));
  d.pixelClassNames = sceneClassNames();

  std::mt19937_64 random(seed);
  const auto below = [&random](uint64_t n) { return int(random() % n); }; // the same on every platform
  for (size_t i = 0; i < count; ++i) {
    uint8_t* canvas = d.pixels.data() + i * size_t(s) * size_t(s);
    uint8_t* mask = d.masks.data() + i * size_t(s) * size_t(s);
    const int wanted = o.minDigits + below(uint64_t(o.maxDigits - o.minDigits + 1));
    std::vector<InkBox> placed;
    for (int attempt = 0; int(placed.size()) < wanted && attempt < 400; ++attempt) {
      const size_t index = size_t(below(digits.size()));
      const uint8_t* image = digits.image(index);
      const InkBox ink = inkBox(image, w, h, 1), strong = inkBox(image, w, h, o.threshold);
      if (strong.empty()) continue; // a digit too faint to have a class anywhere
      const int x = below(uint64_t(s - (ink.x1 - ink.x0) + 1)) - ink.x0; // its ink inside the canvas
      const int y = below(uint64_t(s - (ink.y1 - ink.y0) + 1)) - ink.y0;
      const InkBox here{ink.x0 + x, ink.y0 + y, ink.x1 + x, ink.y1 + y};
      if (std::any_of(placed.begin(), placed.end(), [&](const InkBox& p) { return touching(p, here); })) continue;
      const int label = digits.labels[index];
      for (int r = ink.y0; r < ink.y1; ++r)
        for (int c = ink.x0; c < ink.x1; ++c) {
          const uint8_t v = image[r * w + c];
          uint8_t& out = canvas[(r + y) * s + c + x];
          out = std::max(out, v);
          if (v >= o.threshold) mask[(r + y) * s + c + x] = uint8_t(label + 1);
        }
      d.boxes[i].push_back(ObjectBox{label, strong.x0 + x, strong.y0 + y, strong.x1 + x, strong.y1 + y});
      placed.push_back(here);
    }
    if (placed.empty()) throw std::logic_error("scenes: no digit fits a scene"); // a canvas ≥ 32 holds one 28×28
    d.labels[i] = int(placed.size()) - 1;
  }
  return d;
}

DatasetSplit loadScenes(size_t trainCount, size_t testCount, uint64_t seed, const SceneOptions& options) {
  const DatasetSplit digits = loadDataset("digits");
  return {composeScenes(digits.train, trainCount, seed, options),
          composeScenes(digits.test, testCount, seed + 1, options)};
}

} // namespace convscope
