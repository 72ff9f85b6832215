// Composed scenes (Scenes.h): each digit's pixels land unchanged, its mask is exactly its
// bright pixels in its class, its box is their tight box, digits never touch, and the same seed
// gives the same scenes.
#include "TestUtils.h"

#include "engine/training/Scenes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace convscope;

namespace {
// One 28×28 digit: a bar of 200 from (4, 10) to (23, 13), a faint halo of 60 around it.
Dataset oneBar(int label) {
  Dataset d;
  d.channels = 1, d.height = 28, d.width = 28;
  d.pixels.assign(28 * 28, 0);
  for (int y = 3; y <= 24; ++y)
    for (int x = 9; x <= 14; ++x) d.pixels[size_t(y * 28 + x)] = 60;
  for (int y = 4; y <= 23; ++y)
    for (int x = 10; x <= 13; ++x) d.pixels[size_t(y * 28 + x)] = 200;
  d.labels = {label};
  return d;
}
} // namespace

TEST(Scenes, MasksAndBoxesAreTheDigitsBrightPixels) {
  const DatasetSplit split = loadScenes(60, 40, 7);
  for (const Dataset* d : {&split.train, &split.test}) {
    ASSERT_EQ(d->width, 64);
    ASSERT_EQ(d->masks.size(), d->pixels.size());
    ASSERT_EQ(d->boxes.size(), d->size());
    EXPECT_EQ(d->pixelClassNames.size(), size_t(kSceneClasses));
    std::set<size_t> counts;
    for (size_t i = 0; i < d->size(); ++i) {
      const auto& boxes = d->boxes[i];
      counts.insert(boxes.size());
      ASSERT_GE(boxes.size(), 1u);
      ASSERT_LE(boxes.size(), 3u);
      EXPECT_EQ(d->labels[i], int(boxes.size()) - 1);
      const uint8_t* image = d->image(i);
      const uint8_t* mask = d->mask(i);
      for (int k = 0; k < 64 * 64; ++k) // a class exactly where a digit is bright
        ASSERT_EQ(mask[k] != 0, image[k] >= 128) << "scene " << i << " pixel " << k;
      for (size_t a = 0; a < boxes.size(); ++a) {
        const ObjectBox& b = boxes[a];
        ASSERT_TRUE(b.x0 >= 0 && b.y0 >= 0 && b.x1 <= 64 && b.y1 <= 64 && b.x0 < b.x1 && b.y0 < b.y1);
        // The box is the tight box of the class's pixels (one digit per class region here: two
        // digits of one class in one scene are told apart by their boxes, which never touch).
        int x0 = 64, y0 = 64, x1 = 0, y1 = 0;
        for (int y = b.y0; y < b.y1; ++y)
          for (int x = b.x0; x < b.x1; ++x)
            if (mask[y * 64 + x] == b.label + 1)
              x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x + 1), y1 = std::max(y1, y + 1);
        EXPECT_EQ((std::vector<int>{x0, y0, x1, y1}), (std::vector<int>{b.x0, b.y0, b.x1, b.y1}));
        for (size_t c = a + 1; c < boxes.size(); ++c) { // boxes apart
          const ObjectBox& o = boxes[c];
          EXPECT_TRUE(b.x1 <= o.x0 || o.x1 <= b.x0 || b.y1 <= o.y0 || o.y1 <= b.y0);
        }
      }
      int classPixels = 0, boxPixels = 0; // every class pixel lies in one of the boxes
      for (int k = 0; k < 64 * 64; ++k) classPixels += mask[k] != 0;
      for (const ObjectBox& b : boxes)
        for (int y = b.y0; y < b.y1; ++y)
          for (int x = b.x0; x < b.x1; ++x) boxPixels += mask[y * 64 + x] == b.label + 1;
      EXPECT_EQ(classPixels, boxPixels) << "scene " << i;
    }
    EXPECT_EQ(counts, (std::set<size_t>{1, 2, 3})); // 1, 2 and 3 digits all occur
  }
}

TEST(Scenes, TheSameSeedGivesTheSameScenesAndTheDigitLandsUnchanged) {
  const DatasetSplit a = loadScenes(20, 10, 3), b = loadScenes(20, 10, 3), c = loadScenes(20, 10, 4);
  EXPECT_EQ(a.train.pixels, b.train.pixels);
  EXPECT_EQ(a.test.masks, b.test.masks);
  EXPECT_NE(a.train.pixels, c.train.pixels);
  EXPECT_NE(a.train.pixels, a.test.pixels); // test scenes are composed of other digits
  // One known digit: its pixels appear unchanged where its box says, its halo is no class.
  SceneOptions one;
  one.minDigits = one.maxDigits = 1;
  const Dataset scene = composeScenes(oneBar(7), 5, 11, one);
  for (size_t i = 0; i < scene.size(); ++i) {
    ASSERT_EQ(scene.boxes[i].size(), 1u);
    const ObjectBox& box = scene.boxes[i][0];
    EXPECT_EQ(box.label, 7);
    EXPECT_EQ(box.x1 - box.x0, 4);
    EXPECT_EQ(box.y1 - box.y0, 20);
    int bright = 0, halo = 0, classed = 0;
    for (int k = 0; k < 64 * 64; ++k) {
      bright += scene.image(i)[k] == 200, halo += scene.image(i)[k] == 60, classed += scene.mask(i)[k] == 8;
      EXPECT_TRUE(scene.mask(i)[k] == 0 || scene.mask(i)[k] == 8);
    }
    EXPECT_EQ(bright, 80);
    EXPECT_EQ(halo, 6 * 22 - 80);
    EXPECT_EQ(classed, 80);
    EXPECT_EQ(scene.image(i)[box.y0 * 64 + box.x0], 200);
    EXPECT_EQ(scene.image(i)[(box.y0 - 1) * 64 + box.x0 - 1], 60);
  }
}

TEST(Scenes, OutOfRangeRequestsAreRefusedByName) {
  const Dataset digits = oneBar(3);
  const auto refused = [&](size_t count, SceneOptions o, const std::string& expected) {
    try {
      composeScenes(digits, count, 1, o);
      ADD_FAILURE() << "accepted: " << expected;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused(0, {}, "0 scenes asked for (1 to 100000)");
  SceneOptions small;
  small.size = 16;
  refused(1, small, "a canvas of 16 pixels (32 to 512)");
  SceneOptions many;
  many.maxDigits = 9;
  refused(1, many, "1 to 9 digits per scene");
  Dataset wrong = digits;
  wrong.labels = {12};
  EXPECT_THROW(composeScenes(wrong, 1, 1), std::invalid_argument);
}
