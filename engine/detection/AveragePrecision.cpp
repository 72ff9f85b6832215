// VOC average precision.
#include "engine/detection/AveragePrecision.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace convscope {

double interpolatedArea(const std::vector<PrecisionRecallPoint>& curve) {
  double area = 0, best = 0;
  // From the right: the envelope max_{j ≥ i} p_j, times the recall each point adds.
  for (size_t i = curve.size(); i-- > 0;) {
    best = std::max(best, curve[i].precision);
    const double before = i ? curve[i - 1].recall : 0.0;
    area += (curve[i].recall - before) * best;
  }
  return area;
}

DetectionMetrics averagePrecision(const std::vector<std::vector<Detection>>& detections,
                                  const std::vector<std::vector<ObjectBox>>& truths, int classes, double iouThreshold) {
  if (detections.size() != truths.size())
    throw std::invalid_argument("average precision: detections for " + std::to_string(detections.size()) +
                                " images but true boxes for " + std::to_string(truths.size()));
  if (classes < 1) throw std::invalid_argument("average precision: at least one class is needed");
  DetectionMetrics m;
  double sum = 0;
  for (int k = 0; k < classes; ++k) {
    ClassAveragePrecision c;
    c.label = k;
    struct Ref {
      size_t image, detection;
      double score;
    };
    std::vector<Ref> refs;
    for (size_t n = 0; n < detections.size(); ++n) {
      for (size_t d = 0; d < detections[n].size(); ++d)
        if (detections[n][d].label == k) refs.push_back({n, d, detections[n][d].score});
      for (const ObjectBox& b : truths[n]) c.truths += b.label == k;
    }
    std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.score > b.score; });
    std::vector<std::vector<char>> taken(truths.size());
    for (size_t n = 0; n < truths.size(); ++n) taken[n].assign(truths[n].size(), 0);
    int64_t tp = 0, fp = 0;
    for (const Ref& r : refs) {
      const Box& box = detections[r.image][r.detection].box;
      double best = 0;
      int which = -1;
      for (size_t t = 0; t < truths[r.image].size(); ++t) {
        if (truths[r.image][t].label != k) continue;
        const double o = iou(box, toBox(truths[r.image][t]));
        if (o > best) best = o, which = int(t);
      }
      PrecisionRecallPoint p;
      p.image = r.image, p.detection = r.detection, p.score = r.score, p.iou = best;
      p.truePositive = which >= 0 && best >= iouThreshold && !taken[r.image][size_t(which)];
      if (p.truePositive) taken[r.image][size_t(which)] = 1;
      (p.truePositive ? tp : fp) += 1;
      p.precision = double(tp) / double(tp + fp);
      p.recall = c.truths ? double(tp) / double(c.truths) : 0.0;
      c.curve.push_back(p);
    }
    if (c.truths) {
      c.ap = interpolatedArea(c.curve);
      sum += c.ap;
      ++m.classesCounted;
    } else {
      c.ap = std::numeric_limits<double>::quiet_NaN();
    }
    m.classes.push_back(std::move(c));
  }
  m.map = m.classesCounted ? sum / m.classesCounted : 0.0;
  return m;
}

} // namespace convscope
