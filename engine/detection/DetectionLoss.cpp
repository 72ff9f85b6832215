// SSD's MultiBox loss with hard negative mining.
#include "engine/detection/DetectionLoss.h"

#include "engine/detection/Detector.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace convscope {

namespace {
// Smooth L1 with β = 1 (PyTorch's F.smooth_l1_loss): ½d² below 1, |d| − ½ above; its derivative.
double smoothL1(double d) { return std::abs(d) < 1 ? 0.5 * d * d : std::abs(d) - 0.5; }
double smoothL1Slope(double d) { return std::clamp(d, -1.0, 1.0); }
} // namespace

LossResult detectionLoss(const AnchorGrid& grid, const DetectorSpec& spec, const Tensor& output,
                         const std::vector<std::vector<ObjectBox>>& truths, Tensor* diffOutput,
                         DetectionLossParts* parts) {
  const Shape& s = output.shape();
  if (s.rank() != 2 || size_t(s[1]) != grid.valuesPerImage || size_t(s[0]) != truths.size())
    throw std::invalid_argument("detection loss: the output is " + s.toString() + " for " +
                                std::to_string(truths.size()) + " images of " + std::to_string(grid.valuesPerImage) +
                                " values each");
  const int K = spec.classes();
  for (const auto& image : truths)
    for (const ObjectBox& b : image)
      if (b.label < 0 || b.label >= K)
        throw std::invalid_argument("detection loss: a box of class " + std::to_string(b.label) +
                                    " for a detector of " + std::to_string(K) + " classes (0 to " +
                                    std::to_string(K - 1) + ")");
  const size_t images = truths.size(), anchors = grid.size(), D = grid.valuesPerImage;
  if (diffOutput) {
    if (diffOutput->shape() != s) *diffOutput = Tensor(s);
    std::fill(diffOutput->values().begin(), diffOutput->values().end(), 0.0f);
  }
  // Per image: the matching (N, the batch's matched anchors, divides every term), then each
  // anchor's softmax and background loss. Images are independent: the threads take one each, and
  // each image's sums are added in image order afterwards (the same total whatever the threads).
  std::vector<Matching> matchings(images);
#pragma omp parallel for schedule(dynamic)
  for (int64_t n = 0; n < int64_t(images); ++n) {
    std::vector<Box> boxes;
    for (const ObjectBox& b : truths[size_t(n)]) boxes.push_back(toBox(b));
    matchings[size_t(n)] = matchAnchors(grid.boxes, boxes, spec.matchIou);
  }
  int64_t positives = 0;
  for (const Matching& m : matchings) positives += m.positives();
  const double N = double(std::max<int64_t>(1, positives));
  struct ImageSums {
    double box = 0, cls = 0;
    int64_t correct = 0, negatives = 0;
  };
  std::vector<ImageSums> sums(images);
#pragma omp parallel
  {
    std::vector<double> p(size_t(K) + 1);
    std::vector<double> backgroundLoss(anchors);
    std::vector<size_t> negatives;
#pragma omp for schedule(dynamic)
    for (int64_t image = 0; image < int64_t(images); ++image) {
      const size_t n = size_t(image);
      ImageSums& sum = sums[n];
      const float* z = output.data() + n * D;
      float* dz = diffOutput ? diffOutput->data() + n * D : nullptr;
      const Matching& m = matchings[n];
      const auto softmax = [&](size_t i) { return anchorSoftmax(grid, K, z, i, p); };
      // Cross-entropy of anchor i against target j (0 background, 1 + k class k), with its gradient.
      const auto crossEntropy = [&](size_t i, int target) {
        const double lse = softmax(i);
        sum.cls += lse - double(z[grid.valueIndex(i, 4 + target)]);
        if (dz)
          for (int j = 0; j <= K; ++j)
            dz[grid.valueIndex(i, 4 + j)] += float((p[size_t(j)] - (j == target ? 1.0 : 0.0)) / N);
      };
      negatives.clear();
      for (size_t i = 0; i < anchors; ++i) {
        const int t = m.truth[i];
        if (t < 0) {
          backgroundLoss[i] = softmax(i) - double(z[grid.valueIndex(i, 4)]);
          negatives.push_back(i);
          continue;
        }
        const ObjectBox& truth = truths[n][size_t(t)];
        const Offsets target = encodeBox(toBox(truth), grid.boxes[i], spec.centreVariance, spec.sizeVariance);
        const double want[4] = {target.tx, target.ty, target.tw, target.th};
        for (int j = 0; j < 4; ++j) {
          const double d = double(z[grid.valueIndex(i, j)]) - want[j];
          sum.box += smoothL1(d);
          if (dz) dz[grid.valueIndex(i, j)] += float(smoothL1Slope(d) / N);
        }
        crossEntropy(i, 1 + truth.label);
        // The highest score among background and classes (softmax filled p); the first on a tie.
        if (std::max_element(p.begin(), p.end()) - p.begin() == 1 + truth.label) ++sum.correct;
      }
      // Hard negatives: the unmatched anchors the network finds least like background.
      const size_t take = std::min(negatives.size(), size_t(m.positives()) * size_t(spec.negativesPerPositive));
      std::partial_sort(negatives.begin(), negatives.begin() + std::ptrdiff_t(take), negatives.end(),
                        [&](size_t a, size_t b) {
                          return backgroundLoss[a] > backgroundLoss[b] || (backgroundLoss[a] == backgroundLoss[b] && a < b);
                        });
      for (size_t k = 0; k < take; ++k) crossEntropy(negatives[k], 0);
      sum.negatives = int64_t(take);
    }
  }
  double boxSum = 0, classSum = 0;
  int64_t correct = 0, negativesCounted = 0;
  for (const ImageSums& sum : sums)
    boxSum += sum.box, classSum += sum.cls, correct += sum.correct, negativesCounted += sum.negatives;
  if (parts) *parts = {boxSum / N, classSum / N, positives, negativesCounted};
  LossResult r;
  r.loss = (boxSum + classSum) / N;
  r.correct = correct;
  r.counted = positives;
  return r;
}

} // namespace convscope
