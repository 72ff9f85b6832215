// Anchor layout, box coding and matching.
#include "engine/detection/Anchors.h"

#include "engine/core/NumberText.h"
#include "engine/layers/LayerKind.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

namespace {
// torchvision's bbox_xform_clip: exp never sees more than ln(1000/16).
const double kMaxLogScale = std::log(1000.0 / 16.0);

std::string sizeText(double w, double h) { return formatRounded(w, 3) + "\u00d7" + formatRounded(h, 3); }

size_t shapeElements(const Shape& s) {
  size_t n = 1;
  for (int i = 1; i < s.rank(); ++i) n *= size_t(s[i]);
  return n;
}
} // namespace

std::string DetectorSpec::problem() const {
  if (levels.empty()) return "a detector needs at least one level of anchors";
  if (classNames.empty()) return "a detector needs at least one class";
  if (classNames.size() > 1000) return std::to_string(classNames.size()) + " classes are too many (at most 1000)";
  if (!(centreVariance > 0 && centreVariance <= 10 && sizeVariance > 0 && sizeVariance <= 10))
    return "the variances " + formatRounded(centreVariance, 3) + " and " + formatRounded(sizeVariance, 3) +
           " must be above 0 and at most 10";
  if (!(matchIou > 0 && matchIou <= 1)) return "the matching IoU " + formatRounded(matchIou, 3) + " must be in (0, 1]";
  if (negativesPerPositive < 0 || negativesPerPositive > 100)
    return "negatives per positive " + std::to_string(negativesPerPositive) + " must be from 0 to 100";
  if (!(scoreThreshold >= 0 && scoreThreshold <= 1)) return "the score threshold must be from 0 to 1";
  if (!(nmsIou >= 0 && nmsIou <= 1)) return "the NMS IoU threshold must be from 0 to 1";
  for (size_t l = 0; l < levels.size(); ++l) {
    const AnchorLevel& level = levels[l];
    const std::string name = "level " + std::to_string(l + 1) + " ('" + level.layer + "')";
    if (level.layer.empty()) return "level " + std::to_string(l + 1) + " names no head layer";
    if (level.stride < 1 || level.stride > 4096) return name + ": stride " + std::to_string(level.stride) + " must be 1 to 4096";
    if (level.sizes.empty() || level.ratios.empty()) return name + ": it needs at least one anchor size and one ratio";
    if (level.anchorsPerCell() > 64) return name + ": " + std::to_string(level.anchorsPerCell()) + " anchors per cell (at most 64)";
    for (double s : level.sizes)
      if (!(s >= 1 && s <= 4096)) return name + ": anchor size " + formatRounded(s, 4) + " must be 1 to 4096 pixels";
    for (double r : level.ratios)
      if (!(r >= 0.05 && r <= 20)) return name + ": aspect ratio " + formatRounded(r, 4) + " must be 0.05 to 20";
  }
  return "";
}

std::vector<size_t> AnchorGrid::cellAnchors(int level, int y, int x) const {
  std::vector<size_t> out;
  if (level < 0 || size_t(level) >= levels.size()) return out;
  const Level& l = levels[size_t(level)];
  if (y < 0 || y >= l.height || x < 0 || x >= l.width) return out;
  const size_t first = l.firstAnchor + (size_t(y) * size_t(l.width) + size_t(x)) * size_t(l.anchorsPerCell);
  for (int a = 0; a < l.anchorsPerCell; ++a) out.push_back(first + size_t(a));
  return out;
}

AnchorGrid makeAnchors(const DetectorSpec& spec, const std::vector<std::pair<int, int>>& mapSizes, int imageWidth,
                       int imageHeight) {
  if (std::string p = spec.problem(); !p.empty()) throw std::invalid_argument("detector: " + p);
  if (mapSizes.size() != spec.levels.size())
    throw std::invalid_argument("detector: " + std::to_string(spec.levels.size()) + " levels but " +
                                std::to_string(mapSizes.size()) + " map sizes");
  int64_t total = 0; // anchors in all: refused past kMaxAnchors before any is made
  for (size_t l = 0; l < spec.levels.size(); ++l)
    total += int64_t(std::max(0, mapSizes[l].first)) * std::max(0, mapSizes[l].second) * spec.levels[l].anchorsPerCell();
  if (total > kMaxAnchors)
    throw std::invalid_argument("detector: " + std::to_string(total) + " anchors in all; at most " +
                                std::to_string(kMaxAnchors) + " (mini-ssd has 1,152)");
  AnchorGrid g;
  g.imageWidth = imageWidth, g.imageHeight = imageHeight;
  g.boxes.reserve(size_t(total)), g.places.reserve(size_t(total));
  const int values = spec.valuesPerAnchor();
  for (size_t l = 0; l < spec.levels.size(); ++l) {
    const AnchorLevel& level = spec.levels[l];
    const auto [h, w] = mapSizes[l];
    if (h < 1 || w < 1 || int64_t(h) * w > 1'000'000)
      throw std::invalid_argument("detector: level " + std::to_string(l + 1) + "'s map " + std::to_string(h) + "x" +
                                  std::to_string(w) + " is empty or too large");
    AnchorGrid::Level lv{h, w, level.anchorsPerCell(), g.boxes.size(), g.valuesPerImage};
    const size_t plane = size_t(h) * size_t(w);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        int a = 0;
        for (double s : level.sizes)
          for (double r : level.ratios) {
            const double cx = (x + 0.5) * level.stride, cy = (y + 0.5) * level.stride;
            const double aw = s * std::sqrt(r), ah = s / std::sqrt(r);
            g.boxes.push_back({cx - aw / 2, cy - ah / 2, cx + aw / 2, cy + ah / 2});
            AnchorPlace p;
            p.level = int(l), p.y = y, p.x = x, p.a = a;
            p.offset = lv.offset + size_t(a) * size_t(values) * plane + size_t(y) * size_t(w) + size_t(x);
            p.stride = plane;
            p.size = s, p.ratio = r;
            g.places.push_back(p);
            ++a;
          }
      }
    g.valuesPerImage += plane * size_t(values) * size_t(level.anchorsPerCell());
    g.levels.push_back(lv);
  }
  return g;
}

AnchorGrid makeAnchors(const Network& network, const DetectorSpec& spec) {
  if (std::string p = spec.problem(); !p.empty()) throw std::invalid_argument("detector: " + p);
  const Shape in = network.inputShape();
  if (in.rank() != 3) throw std::invalid_argument("detector: the network's input must be an image (C, H, W), it is " + in.toString());
  const std::vector<Shape> shapes = network.shapes(1);
  std::vector<std::pair<int, int>> maps;
  std::vector<int> headNodes;
  for (size_t l = 0; l < spec.levels.size(); ++l) {
    const AnchorLevel& level = spec.levels[l];
    int node = -1;
    try {
      node = network.nodeIndex(level.layer);
    } catch (const std::exception&) {
      throw std::invalid_argument("detector: level " + std::to_string(l + 1) + "'s head '" + level.layer +
                                  "' is not a layer of the network");
    }
    if (node < 0) throw std::invalid_argument("detector: level " + std::to_string(l + 1) + "'s head cannot be the input");
    const Shape& s = shapes[size_t(node)];
    const int64_t want = int64_t(level.anchorsPerCell()) * spec.valuesPerAnchor();
    if (s.rank() != 4 || s[1] != want)
      throw std::invalid_argument("detector: head '" + level.layer + "' gives " + oneSample(s).toString() + "; it needs " +
                                  std::to_string(want) + " channels (" + std::to_string(level.anchorsPerCell()) +
                                  " anchors × (4 offsets + background + " + std::to_string(spec.classes()) + " classes))");
    // The anchors' centres, (x + ½)·stride, must cover the input as the map's cells do.
    const int64_t wantH = (in[1] + level.stride - 1) / level.stride, wantW = (in[2] + level.stride - 1) / level.stride;
    if (s[2] != wantH || s[3] != wantW)
      throw std::invalid_argument("detector: head '" + level.layer + "' is " + std::to_string(s[2]) + "x" +
                                  std::to_string(s[3]) + " but stride " + std::to_string(level.stride) + " over the " +
                                  std::to_string(in[1]) + "x" + std::to_string(in[2]) + " input needs " +
                                  std::to_string(wantH) + "x" + std::to_string(wantW));
    maps.emplace_back(int(s[2]), int(s[3]));
    headNodes.push_back(node);
  }
  AnchorGrid g = makeAnchors(spec, maps, int(in[2]), int(in[1]));
  const Shape out = network.outputShape(1);
  if (out.rank() != 2 || size_t(out[1]) != g.valuesPerImage)
    throw std::invalid_argument("detector: the network's output must be its heads flattened and joined, " +
                                std::to_string(g.valuesPerImage) + " values per image; it is " + oneSample(out).toString());
  // The output joins, level by level, the flattened heads: its inputs (or, for one level, the
  // output itself) read the heads in order.
  const auto& nodes = network.nodes();
  std::vector<int> joined = spec.levels.size() == 1 ? std::vector<int>{int(nodes.size()) - 1} : nodes.back().inputs;
  bool fits = joined.size() == headNodes.size();
  for (size_t l = 0; fits && l < joined.size(); ++l) {
    const int n = joined[l];
    fits = n >= 0 && nodes[size_t(n)].inputs.size() == 1 && nodes[size_t(n)].inputs[0] == headNodes[l] &&
           shapeElements(shapes[size_t(n)]) == shapeElements(shapes[size_t(headNodes[l])]);
  }
  if (!fits)
    throw std::invalid_argument("detector: the network's last layer must join its heads, each flattened, in level order (" +
                                spec.levels.front().layer + (spec.levels.size() > 1 ? " first" : "") + ")");
  return g;
}

Offsets encodeBox(const Box& box, const Box& anchor, double vc, double vs) {
  const double aw = anchor.width(), ah = anchor.height();
  return {(box.centreX() - anchor.centreX()) / (vc * aw), (box.centreY() - anchor.centreY()) / (vc * ah),
          std::log(box.width() / aw) / vs, std::log(box.height() / ah) / vs};
}

Box decodeBox(const Offsets& t, const Box& anchor, double vc, double vs) {
  const double aw = anchor.width(), ah = anchor.height();
  const double cx = anchor.centreX() + t.tx * vc * aw, cy = anchor.centreY() + t.ty * vc * ah;
  const double w = aw * std::exp(std::min(t.tw * vs, kMaxLogScale)), h = ah * std::exp(std::min(t.th * vs, kMaxLogScale));
  return {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
}

int Matching::positives() const {
  return int(std::count_if(truth.begin(), truth.end(), [](int t) { return t >= 0; }));
}

Matching matchAnchors(const std::vector<Box>& anchors, const std::vector<Box>& truths, double matchIou) {
  Matching m;
  m.truth.assign(anchors.size(), -1);
  m.iou.assign(anchors.size(), 0.0);
  m.forced.assign(anchors.size(), 0);
  if (truths.empty() || anchors.empty()) return m;
  std::vector<size_t> bestAnchor(truths.size(), 0);
  std::vector<double> bestIou(truths.size(), -1.0);
  for (size_t i = 0; i < anchors.size(); ++i) {
    int best = -1;
    double bestHere = 0.0;
    for (size_t t = 0; t < truths.size(); ++t) {
      const double o = iou(anchors[i], truths[t]);
      if (o > bestHere) bestHere = o, best = int(t);
      if (o > bestIou[t]) bestIou[t] = o, bestAnchor[t] = i; // the first anchor of the highest IoU
    }
    m.iou[i] = bestHere;
    if (best >= 0 && bestHere >= matchIou) m.truth[i] = best;
  }
  for (size_t t = 0; t < truths.size(); ++t) {
    if (bestIou[t] <= 0) continue; // a box no anchor touches stays unlearned
    const size_t a = bestAnchor[t];
    m.forced[a] = m.truth[a] != int(t) && iou(anchors[a], truths[t]) < matchIou;
    if (m.truth[a] != int(t)) m.iou[a] = iou(anchors[a], truths[t]);
    m.truth[a] = int(t);
  }
  return m;
}

std::string explainMatch(const AnchorGrid& grid, size_t anchor, const std::vector<ObjectBox>& truths,
                         const DetectorSpec& spec, const Matching& matching) {
  if (anchor >= grid.size()) return "no anchor " + std::to_string(anchor);
  const AnchorPlace& p = grid.places[anchor];
  const Box& a = grid.boxes[anchor];
  std::string text = "anchor " + std::to_string(anchor) + " (level " + std::to_string(p.level + 1) + ", cell (" +
                     std::to_string(p.y) + ", " + std::to_string(p.x) + "), " + sizeText(a.width(), a.height()) + "):";
  const auto name = [&](size_t t) {
    const int k = truths[t].label;
    return "box " + std::to_string(t) + " '" +
           (k >= 0 && k < spec.classes() ? spec.classNames[size_t(k)] : std::to_string(k)) + "'";
  };
  if (truths.empty()) text += " no true boxes";
  for (size_t t = 0; t < truths.size(); ++t) {
    const double o = iou(a, toBox(truths[t]));
    text += (t ? ", " : " IoU ") + formatRounded(o, 3) + " with " + name(t) + (o >= spec.matchIou ? " \u2265 " : " < ") +
            formatRounded(spec.matchIou, 3);
  }
  const int t = anchor < matching.truth.size() ? matching.truth[anchor] : -1;
  if (t < 0)
    text += " \u2192 background";
  else
    text += " \u2192 learns " + name(size_t(t)) +
            (matching.forced[anchor] ? " (its best anchor, taken whatever the IoU)" : "");
  return text;
}

} // namespace convscope
