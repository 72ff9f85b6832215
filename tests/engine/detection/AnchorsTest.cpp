// Anchors, box coding, matching and SSD's loss: the layout against a network's own flattened
// heads, the coding worked by hand and inverted, the matching's two rules, the loss and its
// gradient against PyTorch's autograd (tests/data/golden.json) and finite differences, and the
// decoding of an output into detections.
#include "GoldenCases.h"
#include "TestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/detection/AveragePrecision.h"
#include "engine/detection/DetectionLoss.h"
#include "engine/detection/Detector.h"
#include "engine/layers/Conv2D.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace convscope;
using convscope::test::tensorFromJson;

namespace {
DetectorSpec smallSpec() { // the golden case's: two levels on a 32×32 image, 3 classes
  DetectorSpec spec;
  spec.classNames = {"a", "b", "c"};
  spec.levels = {{"head1", 8, {10}, {1.0, 0.5}}, {"head2", 16, {20}, {1.0}}};
  return spec;
}
} // namespace

TEST(Anchors, TheLayoutIsTheNetworksFlattenedHeads) {
  Network net = makePreset("mini-ssd");
  const DetectorSpec spec = presetDetectorSpec("mini-ssd");
  const AnchorGrid grid = makeAnchors(net, spec);
  ASSERT_EQ(grid.levels.size(), 2u);
  EXPECT_EQ(grid.levels[0].height, 16);
  EXPECT_EQ(grid.levels[1].width, 8);
  EXPECT_EQ(grid.size(), size_t(16 * 16 * 4 + 8 * 8 * 2));
  EXPECT_EQ(grid.valuesPerImage, size_t(16 * 16 * 4 * 15 + 8 * 8 * 2 * 15));
  // Each head's bias alone (weights 0): channel c of head1 is 1000 + c, of head2 2000 + c. Value j
  // of anchor a then reads 1000 + a·15 + j wherever the anchor is.
  for (const char* head : {"head1", "head2"}) {
    Layer& layer = net.layer(size_t(net.nodeIndex(head)));
    auto tensors = layer.stateTensors();
    std::fill(tensors[0].second->values().begin(), tensors[0].second->values().end(), 0.0f);
    for (size_t c = 0; c < tensors[1].second->values().size(); ++c)
      tensors[1].second->values()[c] = float((head == std::string("head1") ? 1000 : 2000) + int(c));
  }
  OnednnBackend backend;
  const Tensor& out = net.forward(backend, Tensor(net.batchInputShape(1)));
  for (size_t i = 0; i < grid.size(); i += 37)
    for (int j = 0; j < 15; ++j) {
      const AnchorPlace& p = grid.places[i];
      EXPECT_EQ(out.data()[grid.valueIndex(i, j)], float((p.level ? 2000 : 1000) + p.a * 15 + j)) << i << " " << j;
    }
  // Anchor boxes: centred on their cells, width/height = ratio, √(w·h) = size.
  const std::vector<size_t> cell = grid.cellAnchors(0, 2, 3);
  ASSERT_EQ(cell.size(), 4u);
  const Box& b = grid.boxes[cell[3]]; // size 17, ratio 0.6
  EXPECT_NEAR(b.centreX(), 3.5 * 4, 1e-12);
  EXPECT_NEAR(b.centreY(), 2.5 * 4, 1e-12);
  EXPECT_NEAR(b.width() / b.height(), 0.6, 1e-12);
  EXPECT_NEAR(std::sqrt(b.area()), 17.0, 1e-12);
  EXPECT_TRUE(grid.cellAnchors(0, 16, 0).empty());
  // A network that is not the spec's detector is refused by name.
  DetectorSpec wrong = spec;
  wrong.levels[0].layer = "head9";
  EXPECT_THROW(makeAnchors(net, wrong), std::invalid_argument);
  wrong = spec;
  wrong.levels[0].ratios.push_back(2.0); // 6 anchors a cell: head1 would need 90 channels
  try {
    makeAnchors(net, wrong);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("90 channels"), std::string::npos) << e.what();
  }
  wrong = spec;
  wrong.levels[0].stride = 8; // a 16×16 head at stride 8 would cover twice the input
  try {
    makeAnchors(net, wrong);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("stride 8 over the 64x64 input needs 8x8"), std::string::npos) << e.what();
  }
  // Anchors are counted before any is made: a few kilobytes of file cannot ask for gigabytes.
  DetectorSpec many = spec;
  many.levels = {{"head", 1, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8}}};
  EXPECT_THROW(makeAnchors(many, {{1000, 1000}}, 1000, 1000), std::invalid_argument);
  wrong = spec;
  std::swap(wrong.levels[0], wrong.levels[1]); // each head right, but joined in the other order
  try {
    makeAnchors(net, wrong);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("in level order"), std::string::npos) << e.what();
  }
}

TEST(Anchors, BoxesAreCodedAsSsdOffsetsAndBack) {
  const Box anchor{10, 10, 30, 50}; // 20×40 at (20, 30)
  const Box box{14, 12, 38, 52};    // 24×40 at (26, 32)
  const Offsets t = encodeBox(box, anchor);
  EXPECT_NEAR(t.tx, 6.0 / (0.1 * 20), 1e-12);
  EXPECT_NEAR(t.ty, 2.0 / (0.1 * 40), 1e-12);
  EXPECT_NEAR(t.tw, std::log(24.0 / 20.0) / 0.2, 1e-12);
  EXPECT_NEAR(t.th, 0.0, 1e-12);
  const Box back = decodeBox(t, anchor);
  EXPECT_NEAR(back.x0, box.x0, 1e-9);
  EXPECT_NEAR(back.y1, box.y1, 1e-9);
  // A wild size offset is clamped: at most 62.5 times the anchor.
  EXPECT_NEAR(decodeBox({0, 0, 1e6, 0}, anchor).width(), 20 * 1000.0 / 16.0, 1e-6);
}

TEST(Anchors, MatchingTakesEveryGoodAnchorAndEachBoxsBest) {
  const std::vector<Box> anchors{{0, 0, 10, 10}, {1, 0, 11, 10}, {20, 20, 30, 30}, {50, 50, 60, 60}, {52, 50, 62, 60}};
  const std::vector<Box> truths{{0, 0, 10, 10}, {22, 24, 26, 28}};
  const Matching m = matchAnchors(anchors, truths, 0.5);
  EXPECT_EQ(m.truth, (std::vector<int>{0, 0, 1, -1, -1}));
  EXPECT_FALSE(m.forced[0]);
  EXPECT_FALSE(m.forced[1]); // IoU 0.818 ≥ 0.5
  EXPECT_TRUE(m.forced[2]);  // 16 / 100: the small box's best anchor, taken whatever the IoU
  EXPECT_NEAR(m.iou[2], 0.16, 1e-12);
  EXPECT_EQ(m.positives(), 3);
  EXPECT_EQ(matchAnchors(anchors, {}, 0.5).positives(), 0);
  DetectorSpec spec;
  spec.classNames = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  spec.levels = {{"head", 10, {10}, {1.0}}};
  const AnchorGrid grid = makeAnchors(spec, {{1, 2}}, 20, 10);
  const std::vector<ObjectBox> objects{{3, 0, 0, 10, 10}, {7, 12, 0, 18, 10}};
  const std::vector<Box> boxes{toBox(objects[0]), toBox(objects[1])};
  const Matching mm = matchAnchors(grid.boxes, boxes, spec.matchIou);
  EXPECT_EQ(explainMatch(grid, 0, objects, spec, mm),
            "anchor 0 (level 1, cell (0, 0), 10\u00d710): IoU 1 with box 0 '3' \u2265 0.5, 0 with box 1 '7' < 0.5 "
            "\u2192 learns box 0 '3'");
  EXPECT_EQ(explainMatch(grid, 1, objects, spec, mm),
            "anchor 1 (level 1, cell (0, 1), 10\u00d710): IoU 0 with box 0 '3' < 0.5, 0.6 with box 1 '7' \u2265 0.5 "
            "\u2192 learns box 1 '7'");
}

TEST(DetectionLoss, MatchesPyTorchsAutogradAndFiniteDifferences) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] != "ssd_loss") continue;
    ++cases;
    const DetectorSpec spec = smallSpec();
    const AnchorGrid grid = makeAnchors(spec, {{4, 4}, {2, 2}}, 32, 32);
    std::vector<std::vector<ObjectBox>> truths;
    for (const auto& image : c["truths"]) {
      truths.emplace_back();
      for (const auto& t : image)
        truths.back().push_back({t["class"].get<int>(), t["box"][0].get<int>(), t["box"][1].get<int>(),
                                 t["box"][2].get<int>(), t["box"][3].get<int>()});
    }
    const Tensor output = tensorFromJson(c["output"]);
    Tensor diff;
    DetectionLossParts parts;
    const LossResult r = detectionLoss(grid, spec, output, truths, &diff, &parts);
    EXPECT_NEAR(r.loss, c["value"].get<double>(), 1e-4);
    EXPECT_NEAR(parts.boxLoss + parts.classLoss, r.loss, 1e-9);
    EXPECT_EQ(parts.negatives, 3 * parts.positives); // plenty of unmatched anchors: 3 per match
    EXPECT_TRUE(test::tensorsClose(diff, tensorFromJson(c["diff_output"]), 1e-6f, 1e-4f));
    // Finite differences on a few values of each kind (offsets, background, classes).
    Tensor probe = output;
    for (size_t anchor : {size_t(0), size_t(5), size_t(17), size_t(33)})
      for (int j : {0, 3, 4, 6}) {
        const size_t at = grid.valueIndex(anchor, j) + grid.valuesPerImage; // image 1
        const float keep = probe.data()[at];
        const float h = 1e-2f;
        probe.data()[at] = keep + h;
        const double up = detectionLoss(grid, spec, probe, truths, nullptr).loss;
        probe.data()[at] = keep - h;
        const double down = detectionLoss(grid, spec, probe, truths, nullptr).loss;
        probe.data()[at] = keep;
        EXPECT_NEAR((up - down) / (2 * h), diff.data()[at], 2e-3) << anchor << " " << j;
      }
  }
  EXPECT_EQ(cases, 1);
  // A class outside the detector's, or a shape that does not fit, is refused by name.
  const AnchorGrid grid = makeAnchors(smallSpec(), {{4, 4}, {2, 2}}, 32, 32);
  Tensor out(Shape{1, int64_t(grid.valuesPerImage)});
  EXPECT_THROW(detectionLoss(grid, smallSpec(), out, {{{3, 0, 0, 5, 5}}}, nullptr), std::invalid_argument);
  EXPECT_THROW(detectionLoss(grid, smallSpec(), out, {{}, {}}, nullptr), std::invalid_argument);
  // No true box anywhere: nothing matched, no negatives mined, loss 0.
  EXPECT_EQ(detectionLoss(grid, smallSpec(), out, {{}}, nullptr).loss, 0.0);
}

TEST(Detector, AnOutputBecomesBoxesAfterSuppression) {
  const DetectorSpec spec = smallSpec();
  const AnchorGrid grid = makeAnchors(spec, {{4, 4}, {2, 2}}, 32, 32);
  Tensor out(Shape{1, int64_t(grid.valuesPerImage)});
  // Every anchor sure of the background; two neighbouring anchors of level 1 say class 'b'
  // (0.97 and less), one anchor of level 2 says 'c'.
  for (size_t i = 0; i < grid.size(); ++i) out.data()[grid.valueIndex(i, 4)] = 8.0f;
  const size_t first = grid.cellAnchors(0, 1, 1)[0], second = grid.cellAnchors(0, 1, 1)[1];
  const size_t third = grid.cellAnchors(1, 1, 0)[0];
  out.data()[grid.valueIndex(first, 4)] = 0.0f, out.data()[grid.valueIndex(first, 6)] = 4.0f;
  out.data()[grid.valueIndex(second, 4)] = 0.0f, out.data()[grid.valueIndex(second, 6)] = 2.0f;
  out.data()[grid.valueIndex(third, 4)] = 0.0f, out.data()[grid.valueIndex(third, 7)] = 3.0f;
  out.data()[grid.valueIndex(third, 0)] = 1.0f; // moved right by 0.1·20 = 2 pixels
  DetectOptions options = detectOptions(spec);
  options.scoreThreshold = 0.5, options.nmsIou = 0.3;
  const std::vector<Detection> found = detect(grid, spec, out, options).front();
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].label, 1);
  EXPECT_EQ(found[0].anchor, first);
  EXPECT_NEAR(found[0].score, std::exp(4.0) / (1 + 2 + std::exp(4.0)), 1e-6);
  EXPECT_EQ(found[0].box, grid.boxes[first]); // zero offsets: the anchor itself
  EXPECT_EQ(found[1].label, 2);
  EXPECT_NEAR(found[1].box.x1, grid.boxes[third].x1 + 2, 1e-5); // [0, 14, 20, 34) clipped to the image
  EXPECT_EQ(found[1].box.y1, 32.0);
  // The second anchor's 'b' (IoU with the first above 0.3) is a candidate that NMS strikes.
  const std::vector<Detection> candidates = detectionCandidates(grid, spec, out.data(), options);
  EXPECT_EQ(candidates.size(), 3u);
  // Class heatmaps: level 1's cell (1, 1) holds the 'b'.
  const std::vector<float> heat = classHeatmap(grid, spec, out.data(), 0, 1);
  ASSERT_EQ(heat.size(), 16u);
  EXPECT_NEAR(heat[1 * 4 + 1], found[0].score, 1e-6);
  EXPECT_LT(heat[0], 0.01f);
  // A diverging network's scores (not numbers) are never candidates: nothing to suppress, no throw.
  Tensor broken = out;
  std::fill(broken.values().begin(), broken.values().end(), NAN);
  EXPECT_TRUE(detect(grid, spec, broken, options).front().empty());
  options.scoreThreshold = 2;
  EXPECT_THROW(detect(grid, spec, out, options), std::invalid_argument);
}
