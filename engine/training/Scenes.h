// Composed scenes: grey canvases (64×64) holding one to three digits of the bundled set,
// placed at random without touching — the lecture's data for segmentation and detection. Each
// scene carries its per-pixel mask (a digit's pixels of value ≥ 128 are its class, 1–10 for
// the digits 0–9; everything else is the background, 0) and each digit's box (the tight box of
// those pixels, x1 and y1 exclusive). The training scenes are made of training digits, the test
// scenes of test digits, so a test scene's digits were never seen in training.
// Not for: drawing or writing them (the scenes command, the Applications tab).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/training/Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

struct SceneOptions {
  int size = 64;                     // the canvas's width and height: 32 to 512
  int minDigits = 1, maxDigits = 3;  // per scene, 1 ≤ min ≤ max ≤ 8
  int threshold = 128;               // a digit's pixel ≥ this is the digit's class in the mask
};

constexpr int kSceneClasses = 11;           // the background and the digits 0–9
std::vector<std::string> sceneClassNames(); // "background", "0", …, "9"
// The colour a mask draws class k in (0–10): black for the background, ten colours easy to
// tell apart for the digits (Tableau's ten, as Matplotlib's tab10). Other k: grey.
struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};
Rgb sceneClassColour(int k);
// A grey image (height·width values 0–255, row by row) with each pixel's class (0–10, row by
// row) over it in its colour: the background shows the image, a digit's class is mixed in at
// `opacity`; each pixel becomes a scale×scale square. (1, 3, height·scale, width·scale), 0–255.
// Throws std::invalid_argument when the sizes do not fit.
Tensor classOverlay(const std::vector<float>& grey, int height, int width, const std::vector<uint8_t>& classes,
                    int scale = 1, double opacity = 0.75);

// `count` scenes (1 to 100,000) of digits drawn from `digits` (28×28 grey images labelled
// 0–9), the same for the same seed. The scene's label is its digit count less one ("1 digit",
// "2 digits", …); masks, pixelClassNames and boxes are filled. Throws std::invalid_argument
// naming a count, size or digit range out of bounds.
Dataset composeScenes(const Dataset& digits, size_t count, uint64_t seed, const SceneOptions& options = {});
// Training scenes of the bundled training digits, test scenes of the test digits (seeds
// `seed` and `seed` + 1).
DatasetSplit loadScenes(size_t trainCount, size_t testCount, uint64_t seed = 1, const SceneOptions& options = {});
// The counts `--dataset scenes` trains and tests on.
constexpr size_t kSceneTrainCount = 4000, kSceneTestCount = 500;

} // namespace convscope
