// IoU and non-maximum suppression against torchvision (box_iou, nms, batched_nms in
// tests/data/golden.json: ties, touching and nested boxes, empty inputs), and worked by hand.
#include "GoldenCases.h"

#include "engine/detection/Boxes.h"

#include <gtest/gtest.h>

using namespace convscope;

namespace {
std::vector<Box> boxesFromJson(const nlohmann::json& list) {
  std::vector<Box> out;
  for (const auto& b : list) out.push_back({b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()});
  return out;
}
} // namespace

TEST(Boxes, IouMatchesTorchvisionOnNestedTouchingAndEmptyCases) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] != "box_iou") continue;
    ++cases;
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<Box> a = boxesFromJson(c["a"]), b = boxesFromJson(c["b"]);
    const std::vector<double> m = iouMatrix(a, b);
    ASSERT_EQ(m.size(), a.size() * b.size());
    for (size_t i = 0; i < a.size(); ++i)
      for (size_t j = 0; j < b.size(); ++j) {
        EXPECT_NEAR(m[i * b.size() + j], c["iou"][i][j].get<double>(), 1e-12) << i << "," << j;
        EXPECT_DOUBLE_EQ(iou(a[i], b[j]), iou(b[j], a[i])); // symmetric
      }
  }
  EXPECT_EQ(cases, 2);
}

TEST(Boxes, OneIouIsWorkedOutInWords) {
  // Touching boxes share an edge, not area: IoU 0. A nested box: its area over the outer one's.
  EXPECT_EQ(iou({0, 0, 10, 10}, {10, 0, 20, 10}), 0.0);
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {2, 2, 8, 8}), 36.0 / 100.0);
  EXPECT_EQ(iou({0, 0, 0, 0}, {0, 0, 0, 0}), 0.0); // no union: 0, not NaN
  const IouExplanation e = explainIou({0, 0, 10, 10}, {5, 5, 15, 15});
  EXPECT_EQ(e.intersection, (Box{5, 5, 10, 10}));
  EXPECT_DOUBLE_EQ(e.unionArea, 175.0);
  EXPECT_EQ(e.text, "intersection [5, 5, 10, 10) = 5 \u00d7 5 = 25; union = 100 + 100 \u2212 25 = 175; "
                    "IoU = 25 / 175 = 0.1429");
  EXPECT_EQ(explainIou({0, 0, 2, 2}, {3, 3, 4, 4}).text,
            "no intersection (0); union = 4 + 1 \u2212 0 = 5; IoU = 0 / 5 = 0");
  EXPECT_EQ(boxText({1.5, 2.25, 10, 12.127}), "[1.5, 2.25, 10, 12.13)");
}

TEST(Boxes, ABoxIsReadFromTextOrRefusedByName) {
  EXPECT_EQ(parseBox("1,2,3.5,4"), (Box{1, 2, 3.5, 4}));
  EXPECT_EQ(parseBox(" 1, 2 ,3,4"), (Box{1, 2, 3, 4}));
  for (const char* bad : {"1,2,3", "1,2,3,4,5", "a,2,3,4", "5,0,5,10", "0,9,10,3", "1,2,3,inf", "", "0,0,1e300,5"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parseBox(bad), std::invalid_argument);
  }
  try {
    parseBox("5,0,5,10");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("0 wide"), std::string::npos) << e.what();
  }
}

TEST(Boxes, NmsMatchesTorchvisionWithTiesAndPerClass) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] != "nms") continue;
    ++cases;
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<Box> boxes = boxesFromJson(c["boxes"]);
    const std::vector<double> scores = c["scores"].get<std::vector<double>>();
    const std::vector<int> classes = c["classes"].get<std::vector<int>>();
    const double threshold = c["iou"];
    const NmsResult r = nms(boxes, scores, threshold);
    EXPECT_EQ(r.keep, c["keep"].get<std::vector<size_t>>());
    EXPECT_EQ(nmsPerClass(boxes, scores, classes, threshold).keep, c["keep_per_class"].get<std::vector<size_t>>());
    // Every candidate has one decision; a struck one names a kept one it overlaps above the threshold.
    ASSERT_EQ(r.decisions.size(), boxes.size());
    for (const NmsDecision& d : r.decisions)
      if (!d.kept) {
        EXPECT_GT(d.iou, threshold);
        EXPECT_DOUBLE_EQ(d.iou, iou(boxes[d.candidate], boxes[d.suppressedBy]));
        EXPECT_NE(std::find(r.keep.begin(), r.keep.end(), d.suppressedBy), r.keep.end());
      }
  }
  EXPECT_EQ(cases, 7);
}

TEST(Boxes, NmsDecisionsComeInScoreOrderAndReadAsSentences) {
  // Two overlapping boxes and a third apart: keep the best, strike its neighbour, keep the third.
  const std::vector<Box> boxes{{0, 0, 10, 10}, {1, 0, 11, 10}, {30, 30, 40, 40}};
  const std::vector<double> scores{0.6, 0.9, 0.6};
  const NmsResult r = nms(boxes, scores, 0.5);
  EXPECT_EQ(r.order, (std::vector<size_t>{1, 0, 2})); // equal scores: the earlier first
  ASSERT_EQ(r.decisions.size(), 3u);
  EXPECT_TRUE(r.decisions[0].kept);
  EXPECT_FALSE(r.decisions[1].kept);
  EXPECT_EQ(r.decisions[1].suppressedBy, 1u);
  EXPECT_NEAR(r.decisions[1].iou, 90.0 / 110.0, 1e-12);
  EXPECT_EQ(nmsDecisionText(r.decisions[0], scores, 0.5), "keep #1 (0.9)");
  EXPECT_EQ(nmsDecisionText(r.decisions[1], scores, 0.5), "strike #0 (0.6): IoU 0.818 with #1 > 0.5");
  EXPECT_EQ(nmsDecisionText(r.decisions[1], scores, 0.5, {10, 11, 12}), "strike #10 (0.6): IoU 0.818 with #11 > 0.5");
  EXPECT_EQ(r.keep, (std::vector<size_t>{1, 2}));
  // IoU equal to the threshold is not above it: kept.
  EXPECT_EQ(nms({{0, 0, 10, 10}, {0, 0, 10, 5}}, {0.9, 0.8}, 0.5).keep, (std::vector<size_t>{0, 1}));
  EXPECT_THROW(nms(boxes, {0.1, 0.2}, 0.5), std::invalid_argument);
  EXPECT_THROW(nms(boxes, scores, 1.5), std::invalid_argument);
  EXPECT_THROW(nms(boxes, {0.1, NAN, 0.3}, 0.5), std::invalid_argument);
}
