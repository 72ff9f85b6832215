// Turning maps into displayable 8-bit images: palette indices (gray for non-negative maps,
// a diverging blue–white–red scale around 0 for signed ones) or RGB bytes for a colour
// input, each map on its own exact range, sampled down to a size the view shows. The live
// pipeline, a model's layers and the architecture browser all render through here; the GUI
// wraps the bytes in QImages. Not for: computing maps (Pipeline.h, Network.h).
#pragma once

#include "engine/core/Tensor.h"

#include <cstdint>
#include <vector>

namespace convscope {

// One map rendered for display as 8-bit palette indices (the GUI shows it as an indexed
// QImage): the gray palette for non-negative maps (index 0 is 0, 255 the maximum), the
// diverging blue–white–red palette for signed ones (index 128 is 0, the scale symmetric
// around it), or an RGB colour image (3 bytes a pixel) for a colour input.
enum class Palette { Gray, Diverging, Rgb };

struct MapImage {
  int width = 0, height = 0;
  Palette palette = Palette::Gray;
  std::vector<uint8_t> pixels;    // width·height indices (or ·3 bytes for Rgb), row-major
  float minimum = 0, maximum = 0; // of the map's values (of the displayed pixels, for Rgb)
  float scale = 0;                // the value at index 255 (gray) or at either end (diverging: −scale, +scale)
  int step = 1;                   // the image shows every step-th row and column of the map
};

// Every channel of a (1, C, H, W) tensor (either layout) as a displayable map, each on its
// own scale (from every value, or the given per-map ranges when they are known), the image
// sampled down to at most maxSide pixels a side.
std::vector<MapImage> renderMaps(const Tensor& maps, int maxSide, const std::vector<float>* lo = nullptr,
                                 const std::vector<float>* hi = nullptr);
// The maps and their ReLU (max(0, maps), whose ranges follow from the maps' known ones) in
// one sampled pass over the maps: the live view's convolution and ReLU stages.
void renderMapsAndRelu(const Tensor& maps, int maxSide, const std::vector<float>& lo, const std::vector<float>& hi,
                       std::vector<MapImage>& images, std::vector<MapImage>& reluImages);
MapImage renderMap(const Tensor& maps, int64_t channel); // one channel (for tests and exports)
// A colour input (1, 3, H, W), either layout, with values 0..maxValue as one RGB image, sampled down
// to at most maxSide pixels a side.
MapImage renderColour(const Tensor& rgb, float maxValue, int maxSide);

// The palette colour of index i (0..255), for legends and the GUI's colour tables.
void paletteColour(Palette palette, int index, uint8_t rgb[3]);

} // namespace convscope
