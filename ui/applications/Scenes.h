// What the Applications tab's pages share about their scenes: the held-out composed test scenes
// (made once, shared by every page), the first with a given number of digits, any image made a
// 64×64 grey scene, and the file dialog that opens one.
// Not for: composing scenes (engine/training/Scenes.h) or drawing them (SceneCanvas).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/training/Dataset.h"

#include <QString>

#include <memory>
#include <vector>

class QWidget;

namespace convscope::ui {

constexpr int kSceneSide = 64;          // the scenes' canvas, the applications' models' input
constexpr int kHeldOutScenes = 500;     // the scenes dataset's test split (Dataset.cpp)

// The 500 test scenes of test digits, the scenes dataset's own (its seed), composed on the first
// call; std::invalid_argument when the bundled digits are missing.
std::shared_ptr<const Dataset> heldOutScenes();
// The index of the first scene holding `digits` digits (0 when none does).
int firstSceneWith(const Dataset& scenes, size_t digits);

// Any image (1, C, H, W) 0–255 as a scene: grey, fitted into 64×64 keeping its proportions,
// black around, inverted when its mean is light (the scenes' digits are white on black).
// kSceneSide² values, row by row; `inverted` says whether it was.
std::vector<float> sceneFromImage(const Tensor& image, bool* inverted);
// "name, in grey at 64×64[, inverted (a light background)]".
QString sceneFromImageText(const QString& name, bool inverted);
// A file dialog for an image; the image loaded, or an empty tensor (cancelled). On a file that
// does not load: an empty tensor and `error` naming the file and the reason.
Tensor openSceneImage(QWidget* parent, const QString& title, QString* name, QString* error);

} // namespace convscope::ui
