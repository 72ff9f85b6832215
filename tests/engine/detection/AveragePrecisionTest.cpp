// Average precision against a plain VOC computation in Python (tests/data/golden.json: a
// duplicate, a miss, the wrong class, a tie in score, a class without true boxes, an empty set),
// and a curve worked by hand.
#include "GoldenCases.h"

#include "engine/detection/AveragePrecision.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace convscope;

TEST(AveragePrecision, MatchesAPlainVocComputation) {
  int cases = 0;
  for (const auto& c : test::goldenCases()) {
    if (c["op"] != "average_precision") continue;
    ++cases;
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<std::vector<ObjectBox>> truths;
    for (const auto& image : c["truths"]) {
      truths.emplace_back();
      for (const auto& t : image)
        truths.back().push_back({t["class"].get<int>(), t["box"][0].get<int>(), t["box"][1].get<int>(),
                                 t["box"][2].get<int>(), t["box"][3].get<int>()});
    }
    std::vector<std::vector<Detection>> detections(truths.size());
    for (const auto& d : c["detections"])
      detections[d["image"].get<size_t>()].push_back(
          {d["class"].get<int>(), d["score"].get<double>(),
           Box{d["box"][0].get<double>(), d["box"][1].get<double>(), d["box"][2].get<double>(), d["box"][3].get<double>()},
           0});
    const DetectionMetrics m = averagePrecision(detections, truths, c["classes"], c["iou"]);
    ASSERT_EQ(m.classes.size(), c["per_class"].size());
    for (size_t k = 0; k < m.classes.size(); ++k) {
      SCOPED_TRACE("class " + std::to_string(k));
      const auto& want = c["per_class"][k];
      if (want["ap"].is_null()) { // no true box: no AP; its detections (if any) all false positives
        EXPECT_TRUE(std::isnan(m.classes[k].ap));
        for (const PrecisionRecallPoint& p : m.classes[k].curve) EXPECT_FALSE(p.truePositive);
        continue;
      }
      EXPECT_NEAR(m.classes[k].ap, want["ap"].get<double>(), 1e-12);
      ASSERT_EQ(m.classes[k].curve.size(), want["curve"].size());
      for (size_t i = 0; i < want["curve"].size(); ++i) {
        EXPECT_NEAR(m.classes[k].curve[i].precision, want["curve"][i][0].get<double>(), 1e-12);
        EXPECT_NEAR(m.classes[k].curve[i].recall, want["curve"][i][1].get<double>(), 1e-12);
      }
    }
    EXPECT_NEAR(m.map, c["map"].get<double>(), 1e-12);
  }
  EXPECT_EQ(cases, 2);
}

TEST(AveragePrecision, TheCurveIsBuiltPointByPoint) {
  // Two true 7s; detections 0.9 (hit), 0.8 (miss), 0.7 (the second 7): precision 1, ½, ⅔ at
  // recall ½, ½, 1; the envelope makes the ½-recall step worth 1 and the last ⅔: AP = ½·1 + ½·⅔.
  const std::vector<std::vector<ObjectBox>> truths{{{7, 0, 0, 10, 10}, {7, 20, 0, 30, 10}}};
  const std::vector<std::vector<Detection>> detections{
      {{7, 0.9, {0, 0, 10, 10}, 0}, {7, 0.8, {40, 40, 50, 50}, 0}, {7, 0.7, {21, 0, 30, 10}, 0}}};
  const DetectionMetrics m = averagePrecision(detections, truths, 10);
  const ClassAveragePrecision& seven = m.classes[7];
  EXPECT_EQ(seven.truths, 2);
  ASSERT_EQ(seven.curve.size(), 3u);
  EXPECT_TRUE(seven.curve[0].truePositive);
  EXPECT_FALSE(seven.curve[1].truePositive);
  EXPECT_EQ(seven.curve[1].iou, 0.0);
  EXPECT_TRUE(seven.curve[2].truePositive);
  EXPECT_NEAR(seven.curve[2].iou, 0.9, 1e-12);
  EXPECT_NEAR(seven.ap, 0.5 + 0.5 * 2.0 / 3.0, 1e-12);
  EXPECT_EQ(m.classesCounted, 1); // the other nine have no true box
  EXPECT_NEAR(m.map, seven.ap, 1e-12);
  EXPECT_TRUE(std::isnan(m.classes[3].ap));
  EXPECT_THROW(averagePrecision(detections, {}, 10), std::invalid_argument);
}
