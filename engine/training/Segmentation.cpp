// Per-pixel losses in double, each pixel's softmax computed once; the metrics' confusion matrix.
#include "engine/training/Segmentation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace convscope {

std::string toString(PixelLossKind kind) {
  switch (kind) {
  case PixelLossKind::CrossEntropy: return "ce";
  case PixelLossKind::Dice: return "dice";
  case PixelLossKind::CrossEntropyDice: return "ce+dice";
  }
  return "?";
}

PixelLossKind pixelLossKindFromString(const std::string& text) {
  if (text == "ce" || text == "cross-entropy") return PixelLossKind::CrossEntropy;
  if (text == "dice") return PixelLossKind::Dice;
  if (text == "ce+dice") return PixelLossKind::CrossEntropyDice;
  throw std::invalid_argument("unknown per-pixel loss '" + text + "' (expected ce, dice or ce+dice)");
}

namespace {
void checkPixelArguments(const Tensor& logits, const std::vector<uint8_t>& classes, const Tensor* diff, int ignore) {
  const Shape& s = logits.shape();
  if (s.rank() != 4 || s[1] > 256)
    throw std::invalid_argument("per-pixel loss: expects scores (N, K, H, W) of at most 256 classes, got " +
                                s.toString() + " (a segmentation network ends in maps of one channel per class)");
  if (int64_t(classes.size()) != s[0] * s[2] * s[3])
    throw std::invalid_argument("per-pixel loss: " + std::to_string(classes.size()) + " target pixels for scores " +
                                s.toString() + " (" + std::to_string(s[0] * s[2] * s[3]) + " pixels)");
  if (diff && diff->shape() != s)
    throw std::invalid_argument("per-pixel loss: diff_logits is " + diff->shape().toString() + ", expected " +
                                s.toString());
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i] >= s[1] && int(classes[i]) != ignore)
      throw std::invalid_argument("per-pixel loss: pixel " + std::to_string(i) + " has class " +
                                  std::to_string(classes[i]) + ", outside 0.." + std::to_string(s[1] - 1) +
                                  (ignore >= 0 ? " (and not the ignored " + std::to_string(ignore) + ")" : ""));
}
} // namespace

LossResult pixelLoss(PixelLossKind kind, const Tensor& logits, const std::vector<uint8_t>& classes,
                          Tensor* diffLogits, int ignore) {
  checkPixelArguments(logits, classes, diffLogits, ignore);
  const Shape& s = logits.shape();
  const int64_t n = s[0], k = s[1], h = s[2], w = s[3], pixels = n * h * w;
  // Each pixel's softmax (K values, pixel-major), and which pixels count.
  std::vector<double> p(size_t(pixels * k));
  LossResult result;
  double crossEntropy = 0.0;
  int64_t correct = 0, counted = 0;
#pragma omp parallel for reduction(+ : crossEntropy, correct, counted)
  for (int64_t i = 0; i < pixels; ++i) {
    const int64_t b = i / (h * w), y = i / w % h, x = i % w;
    double* q = p.data() + i * k;
    double zMax = -std::numeric_limits<double>::infinity();
    int64_t best = 0;
    for (int64_t c = 0; c < k; ++c) {
      q[c] = logits.at(b, c, y, x);
      if (q[c] > zMax) zMax = q[c], best = c;
    }
    double total = 0.0;
    for (int64_t c = 0; c < k; ++c) total += q[c] = std::exp(q[c] - zMax);
    for (int64_t c = 0; c < k; ++c) q[c] /= total;
    const int label = classes[size_t(i)];
    if (label == ignore) continue;
    ++counted;
    correct += best == label;
    crossEntropy += std::log(total) + zMax - double(logits.at(b, label, y, x));
  }
  result.correct = correct, result.counted = counted;
  const bool ce = kind != PixelLossKind::Dice, dice = kind != PixelLossKind::CrossEntropy;
  const double perPixel = counted > 0 ? 1.0 / double(counted) : 0.0;
  if (ce) result.loss += crossEntropy * perPixel;
  // Dice's sums per class over the counted pixels: Σ p·t, and Σ p + Σ t + 1; an ignored class
  // among the K is no class of the mean.
  const int64_t diceClasses = ignore >= 0 && ignore < k ? k - 1 : k;
  std::vector<double> intersection(size_t(k), 0.0), sums(size_t(k), 1.0);
  if (dice) {
    for (int64_t i = 0; i < pixels; ++i) {
      const int label = classes[size_t(i)];
      if (label == ignore) continue;
      for (int64_t c = 0; c < k; ++c) sums[size_t(c)] += p[size_t(i * k + c)];
      intersection[size_t(label)] += p[size_t(i * k + label)];
      sums[size_t(label)] += 1.0;
    }
    double meanScore = 0.0;
    for (int64_t c = 0; c < k; ++c)
      if (c != ignore) meanScore += (2.0 * intersection[size_t(c)] + 1.0) / sums[size_t(c)];
    result.loss += counted > 0 ? 1.0 - meanScore / double(diceClasses) : 0.0;
  }
  if (!diffLogits) return result;
#pragma omp parallel for
  for (int64_t i = 0; i < pixels; ++i) {
    const int64_t b = i / (h * w), y = i / w % h, x = i % w;
    const int label = classes[size_t(i)];
    const double* q = p.data() + i * k;
    if (label == ignore) {
      for (int64_t c = 0; c < k; ++c) diffLogits->at(b, c, y, x) = 0.0f;
      continue;
    }
    double g[256] = {}; // ∂L/∂p for Dice (K ≤ 256: classes are bytes); then through the softmax
    double dot = 0.0;
    if (dice) {
      for (int64_t c = 0; c < k; ++c) {
        if (c == ignore) continue;
        const double t = c == label ? 1.0 : 0.0, sum = sums[size_t(c)];
        g[c] = -(2.0 * t * sum - (2.0 * intersection[size_t(c)] + 1.0)) / (sum * sum * double(diceClasses));
        dot += g[c] * q[c];
      }
    }
    for (int64_t c = 0; c < k; ++c) {
      double d = dice ? q[c] * (g[c] - dot) : 0.0;
      if (ce) d += (q[c] - (c == label ? 1.0 : 0.0)) * perPixel;
      diffLogits->at(b, c, y, x) = float(d);
    }
  }
  return result;
}

std::vector<uint8_t> pixelClasses(const Tensor& logits) {
  const Shape& s = logits.shape();
  if (s.rank() != 4 || s[1] > 256)
    throw std::invalid_argument("pixel classes: expects scores (N, K, H, W) of at most 256 classes, got " +
                                s.toString());
  std::vector<uint8_t> out(size_t(s[0] * s[2] * s[3]));
#pragma omp parallel for
  for (int64_t i = 0; i < int64_t(out.size()); ++i) {
    const int64_t b = i / (s[2] * s[3]), y = i / s[3] % s[2], x = i % s[3];
    int64_t best = 0;
    for (int64_t c = 1; c < s[1]; ++c)
      if (logits.at(b, c, y, x) > logits.at(b, best, y, x)) best = c;
    out[size_t(i)] = uint8_t(best);
  }
  return out;
}

SegmentationMetrics::SegmentationMetrics(int classes) : classes_(classes) {
  if (classes < 1 || classes > 256)
    throw std::invalid_argument("segmentation metrics: " + std::to_string(classes) + " classes (1 to 256)");
  confusion_.assign(size_t(classes) * size_t(classes), 0);
}

void SegmentationMetrics::add(const std::vector<uint8_t>& predicted, const std::vector<uint8_t>& target, int ignore) {
  if (predicted.size() != target.size())
    throw std::invalid_argument("segmentation metrics: " + std::to_string(predicted.size()) + " predicted pixels for " +
                                std::to_string(target.size()) + " target pixels");
  for (size_t i = 0; i < target.size(); ++i) {
    if (int(target[i]) == ignore) continue;
    if (target[i] >= classes_ || predicted[i] >= classes_)
      throw std::invalid_argument("segmentation metrics: pixel " + std::to_string(i) + " has class " +
                                  std::to_string(std::max(target[i], predicted[i])) + ", outside 0.." +
                                  std::to_string(classes_ - 1));
    ++confusion_[size_t(target[i]) * size_t(classes_) + predicted[i]];
  }
}

int64_t SegmentationMetrics::pixels() const {
  int64_t total = 0;
  for (int64_t c : confusion_) total += c;
  return total;
}

double SegmentationMetrics::pixelAccuracy() const {
  int64_t right = 0;
  for (int c = 0; c < classes_; ++c) right += count(c, c);
  const int64_t all = pixels();
  return all > 0 ? double(right) / double(all) : 0.0;
}

bool SegmentationMetrics::present(int k) const {
  for (int c = 0; c < classes_; ++c)
    if (count(k, c) > 0) return true;
  return false;
}

double SegmentationMetrics::iou(int k) const {
  int64_t target = 0, predicted = 0;
  for (int c = 0; c < classes_; ++c) target += count(k, c), predicted += count(c, k);
  const int64_t both = count(k, k), either = target + predicted - both;
  return either > 0 ? double(both) / double(either) : std::numeric_limits<double>::quiet_NaN();
}

double SegmentationMetrics::meanIou() const {
  double sum = 0.0;
  int present = 0;
  for (int k = 0; k < classes_; ++k)
    if (this->present(k)) sum += iou(k), ++present;
  return present > 0 ? sum / present : 0.0;
}

} // namespace convscope
