// Boxes drawn over an image for files (`convscope detect --output`, `convscope scenes`): each
// box a rectangle in its class's colour (the scenes' colours: Scenes.h) with its label above it.
// Not for: the window, which draws with Qt (ui/applications).
#pragma once

#include "engine/core/Tensor.h"
#include "engine/detection/Boxes.h"

#include <string>
#include <vector>

namespace convscope {

struct LabelledBox {
  Box box;          // in the image's pixels
  int colourClass = 0; // sceneClassColour's index: 1 + the digit for the scenes
  std::string text; // drawn above the box's top left corner ("7 0.98")
};

// image (1, 1 or 3, H, W) with values 0–255, enlarged `scale` times (nearest neighbour) and
// made RGB, the boxes drawn on it: (1, 3, H·scale, W·scale). Throws std::invalid_argument for
// another shape, a scale outside 1–64, or a result of more than kMaxImagePixels pixels.
Tensor drawBoxes(const Tensor& image, const std::vector<LabelledBox>& boxes, int scale);

} // namespace convscope
