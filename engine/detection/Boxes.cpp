// Box arithmetic and non-maximum suppression.
#include "engine/detection/Boxes.h"

#include "engine/core/NumberText.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace convscope {

namespace {
// A coordinate or an area as the lecture writes it: up to two decimals, trailing zeros dropped.
std::string coordinate(double v) {
  char text[48];
  std::snprintf(text, sizeof text, "%.2f", v);
  std::string s = text;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  if (!s.empty() && s[0] == '-') s = "\u2212" + s.substr(1);
  return s;
}

Box intersectionOf(const Box& a, const Box& b) {
  Box i{std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
  if (i.x1 < i.x0) i.x1 = i.x0;
  if (i.y1 < i.y0) i.y1 = i.y0;
  return i;
}

// Candidates by score, highest first; equal scores keep their order.
std::vector<size_t> byScore(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return order;
}

void checkCandidates(const std::vector<Box>& boxes, const std::vector<double>& scores, double iouThreshold) {
  if (boxes.size() != scores.size())
    throw std::invalid_argument("non-maximum suppression: " + std::to_string(boxes.size()) + " boxes but " +
                                std::to_string(scores.size()) + " scores");
  if (!(iouThreshold >= 0.0 && iouThreshold <= 1.0))
    throw std::invalid_argument("non-maximum suppression: the IoU threshold " + coordinate(iouThreshold) +
                                " must be from 0 to 1");
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i]))
      throw std::invalid_argument("non-maximum suppression: box " + std::to_string(i) + "'s score is not a finite number");
}
} // namespace

double Box::area() const { return x1 > x0 && y1 > y0 ? (x1 - x0) * (y1 - y0) : 0.0; }

Box toBox(const ObjectBox& o) { return {double(o.x0), double(o.y0), double(o.x1), double(o.y1)}; }

std::string boxText(const Box& b) {
  return "[" + coordinate(b.x0) + ", " + coordinate(b.y0) + ", " + coordinate(b.x1) + ", " + coordinate(b.y1) + ")";
}

Box parseBox(const std::string& text) {
  std::vector<double> v;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    size_t used = 0;
    double x = 0;
    try {
      x = std::stod(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < part.size() && std::isspace(static_cast<unsigned char>(part[used]))) ++used;
    if (used == 0 || used != part.size() || !std::isfinite(x))
      throw std::invalid_argument("box '" + text + "': '" + part + "' is not a number");
    if (std::abs(x) > kMaxCoordinate)
      throw std::invalid_argument("box '" + text + "': " + part + " is out of range (coordinates are at most 10⁹ "
                                  "pixels from 0)");
    v.push_back(x);
  }
  if (v.size() != 4)
    throw std::invalid_argument("box '" + text + "': " + std::to_string(v.size()) +
                                " numbers; a box is four, x0,y0,x1,y1 (x1 and y1 exclusive)");
  const Box b{v[0], v[1], v[2], v[3]};
  if (!(b.x0 < b.x1) || !(b.y0 < b.y1))
    throw std::invalid_argument("box '" + text + "': x0 < x1 and y0 < y1 are needed (the box is " +
                                coordinate(b.width()) + " wide and " + coordinate(b.height()) + " high)");
  return b;
}

double iou(const Box& a, const Box& b) {
  const double inter = intersectionOf(a, b).area();
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<double> iouMatrix(const std::vector<Box>& a, const std::vector<Box>& b) {
  std::vector<double> m(a.size() * b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b.size(); ++j) m[i * b.size() + j] = iou(a[i], b[j]);
  return m;
}

IouExplanation explainIou(const Box& a, const Box& b) {
  IouExplanation e;
  e.intersection = intersectionOf(a, b);
  e.intersectionArea = e.intersection.area();
  e.areaA = a.area(), e.areaB = b.area();
  e.unionArea = e.areaA + e.areaB - e.intersectionArea;
  e.iou = e.unionArea > 0 ? e.intersectionArea / e.unionArea : 0.0;
  std::string inter = e.intersectionArea > 0
                          ? "intersection " + boxText(e.intersection) + " = " + coordinate(e.intersection.width()) +
                                " \u00d7 " + coordinate(e.intersection.height()) + " = " + coordinate(e.intersectionArea)
                          : std::string("no intersection (0)");
  e.text = inter + "; union = " + coordinate(e.areaA) + " + " + coordinate(e.areaB) + " \u2212 " +
           coordinate(e.intersectionArea) + " = " + coordinate(e.unionArea) + "; IoU = " +
           coordinate(e.intersectionArea) + " / " + coordinate(e.unionArea) + " = " + formatRounded(e.iou, 4);
  return e;
}

NmsResult nms(const std::vector<Box>& boxes, const std::vector<double>& scores, double iouThreshold) {
  return nmsPerClass(boxes, scores, std::vector<int>(boxes.size(), 0), iouThreshold);
}

NmsResult nmsPerClass(const std::vector<Box>& boxes, const std::vector<double>& scores, const std::vector<int>& classes,
                      double iouThreshold) {
  checkCandidates(boxes, scores, iouThreshold);
  if (classes.size() != boxes.size())
    throw std::invalid_argument("non-maximum suppression: " + std::to_string(boxes.size()) + " boxes but " +
                                std::to_string(classes.size()) + " classes");
  NmsResult r;
  r.order = byScore(scores);
  // Each class's candidates in score order, and where each candidate sits among them: a kept
  // box looks only at the later boxes of its own class.
  std::map<int, std::vector<size_t>> byClass;
  std::vector<size_t> place(boxes.size());
  for (size_t i : r.order) {
    std::vector<size_t>& list = byClass[classes[i]];
    place[i] = list.size();
    list.push_back(i);
  }
  std::vector<char> struck(boxes.size(), 0);
  std::vector<NmsDecision> decision(boxes.size());
  for (size_t i : r.order) {
    decision[i].candidate = i;
    if (struck[i]) continue;
    decision[i].kept = true;
    r.keep.push_back(i);
    const std::vector<size_t>& same = byClass[classes[i]];
    for (size_t k = place[i] + 1; k < same.size(); ++k) {
      const size_t j = same[k];
      if (struck[j]) continue;
      const double o = iou(boxes[i], boxes[j]);
      if (o > iouThreshold) {
        struck[j] = 1;
        decision[j].suppressedBy = i;
        decision[j].iou = o;
      }
    }
  }
  for (size_t i : r.order) r.decisions.push_back(decision[i]);
  return r;
}

std::string nmsDecisionText(const NmsDecision& d, const std::vector<double>& scores, double iouThreshold,
                            const std::vector<size_t>& numbers) {
  const auto score = [&](size_t i) { return i < scores.size() ? formatRounded(scores[i], 3) : std::string("?"); };
  const auto name = [&](size_t i) { return "#" + std::to_string(i < numbers.size() ? numbers[i] : i); };
  if (d.kept) return "keep " + name(d.candidate) + " (" + score(d.candidate) + ")";
  return "strike " + name(d.candidate) + " (" + score(d.candidate) + "): IoU " + formatRounded(d.iou, 3) + " with " +
         name(d.suppressedBy) + " > " + coordinate(iouThreshold);
}

} // namespace convscope
