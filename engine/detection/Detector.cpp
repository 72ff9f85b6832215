// Decoding a detector's output.
#include "engine/detection/Detector.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace convscope {

namespace {
Box clipped(Box b, int width, int height) {
  b.x0 = std::clamp(b.x0, 0.0, double(width)), b.x1 = std::clamp(b.x1, 0.0, double(width));
  b.y0 = std::clamp(b.y0, 0.0, double(height)), b.y1 = std::clamp(b.y1, 0.0, double(height));
  return b;
}

void checkOptions(const DetectOptions& o) {
  if (!(o.scoreThreshold >= 0 && o.scoreThreshold <= 1))
    throw std::invalid_argument("detect: the score threshold " + std::to_string(o.scoreThreshold) + " must be from 0 to 1");
  if (!(o.nmsIou >= 0 && o.nmsIou <= 1))
    throw std::invalid_argument("detect: the IoU threshold " + std::to_string(o.nmsIou) + " must be from 0 to 1");
}

} // namespace

double anchorSoftmax(const AnchorGrid& grid, int K, const float* image, size_t anchor, std::vector<double>& p) {
  p.resize(size_t(K) + 1);
  double top = -INFINITY;
  for (int j = 0; j <= K; ++j) top = std::max(top, double(image[grid.valueIndex(anchor, 4 + j)]));
  double sum = 0;
  for (int j = 0; j <= K; ++j) sum += p[size_t(j)] = std::exp(double(image[grid.valueIndex(anchor, 4 + j)]) - top);
  for (double& v : p) v /= sum;
  return top + std::log(sum);
}

DetectOptions detectOptions(const DetectorSpec& spec) {
  DetectOptions o;
  o.scoreThreshold = spec.scoreThreshold, o.nmsIou = spec.nmsIou;
  return o;
}

AnchorOutput anchorOutput(const AnchorGrid& grid, const DetectorSpec& spec, const float* image, size_t anchor) {
  AnchorOutput out;
  out.offsets = {image[grid.valueIndex(anchor, 0)], image[grid.valueIndex(anchor, 1)], image[grid.valueIndex(anchor, 2)],
                 image[grid.valueIndex(anchor, 3)]};
  anchorSoftmax(grid, spec.classes(), image, anchor, out.probabilities);
  out.decoded = decodeBox(out.offsets, grid.boxes[anchor], spec.centreVariance, spec.sizeVariance);
  return out;
}

std::vector<Detection> detectionCandidates(const AnchorGrid& grid, const DetectorSpec& spec, const float* image,
                                           const DetectOptions& options) {
  checkOptions(options);
  const int K = spec.classes();
  std::vector<std::vector<Detection>> perClass(static_cast<size_t>(K));
  std::vector<double> p;
  for (size_t i = 0; i < grid.size(); ++i) {
    anchorSoftmax(grid, K, image, i, p);
    bool decoded = false;
    Box box;
    for (int k = 0; k < K; ++k) {
      const double score = p[size_t(k) + 1];
      if (!(score >= options.scoreThreshold) || !(score > 0)) continue; // NaN (a diverging network) never passes
      if (!decoded) {
        const Offsets t{image[grid.valueIndex(i, 0)], image[grid.valueIndex(i, 1)], image[grid.valueIndex(i, 2)],
                        image[grid.valueIndex(i, 3)]};
        box = clipped(decodeBox(t, grid.boxes[i], spec.centreVariance, spec.sizeVariance), grid.imageWidth,
                      grid.imageHeight);
        decoded = true;
      }
      if (box.area() > 0 && std::isfinite(box.area())) perClass[size_t(k)].push_back({k, score, box, i});
    }
  }
  // Each class's best candidatesPerClass (equal scores: the earlier anchor first).
  std::vector<Detection> out;
  for (auto& c : perClass) {
    std::stable_sort(c.begin(), c.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    if (c.size() > options.candidatesPerClass) c.resize(options.candidatesPerClass);
    out.insert(out.end(), c.begin(), c.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const Detection& a, const Detection& b) { return a.anchor < b.anchor; });
  return out;
}

std::vector<Detection> suppress(const std::vector<Detection>& candidates, const DetectOptions& options) {
  checkOptions(options);
  std::vector<Box> boxes;
  std::vector<double> scores;
  std::vector<int> classes;
  for (const Detection& d : candidates) boxes.push_back(d.box), scores.push_back(d.score), classes.push_back(d.label);
  const NmsResult r = nmsPerClass(boxes, scores, classes, options.nmsIou);
  std::vector<Detection> out;
  for (size_t i : r.keep) {
    if (out.size() >= options.maxDetections) break;
    out.push_back(candidates[i]);
  }
  return out;
}

std::vector<std::vector<Detection>> detect(const AnchorGrid& grid, const DetectorSpec& spec, const Tensor& output,
                                           const DetectOptions& options) {
  const Shape& s = output.shape();
  if (s.rank() != 2 || size_t(s[1]) != grid.valuesPerImage)
    throw std::invalid_argument("detect: the output is " + s.toString() + "; the anchors need " +
                                std::to_string(grid.valuesPerImage) + " values per image");
  std::vector<std::vector<Detection>> out(static_cast<size_t>(s[0]));
  for (size_t n = 0; n < out.size(); ++n)
    out[n] = suppress(detectionCandidates(grid, spec, output.data() + n * grid.valuesPerImage, options), options);
  return out;
}

std::vector<float> classHeatmap(const AnchorGrid& grid, const DetectorSpec& spec, const float* image, int level, int k) {
  if (level < 0 || size_t(level) >= grid.levels.size() || k < 0 || k >= spec.classes()) return {};
  const AnchorGrid::Level& l = grid.levels[size_t(level)];
  std::vector<float> map(size_t(l.height) * size_t(l.width), 0.0f);
  std::vector<double> p;
  for (int y = 0; y < l.height; ++y)
    for (int x = 0; x < l.width; ++x)
      for (size_t i : grid.cellAnchors(level, y, x)) {
        anchorSoftmax(grid, spec.classes(), image, i, p);
        float& v = map[size_t(y) * size_t(l.width) + size_t(x)];
        v = std::max(v, float(p[size_t(k) + 1]));
      }
  return map;
}

} // namespace convscope
