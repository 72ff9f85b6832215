// Receptive fields: how much of the input one unit of a layer sees. The theoretical one by the
// standard recurrence over each layer's window (Layer::spatialWindow: kernel extent with its
// dilation, stride, padding), per axis, from the input (size 1, jump 1, the first cell's centre at
// 0) layer by layer:
//   size_out  = size_in + (extent − 1) · jump_in
//   jump_out  = jump_in · stride
//   start_out = start_in + (offset + (extent − 1)/2) · jump_in
// where a node that reads several (a residual addition, a concatenation of branches) takes the
// input with the largest field, and a layer that reads the whole map (global pooling, flatten, a
// fully connected layer) sees everything its input's units see together. Sizes are unclipped by
// the image's border (AlexNet's last pooling: 195 on a 224 input), as the papers count them.
// The effective one: the magnitude of one unit's gradient with respect to the input image, which
// is where inside that window the unit actually depends on the pixels (Luo et al., 2016).
// Not for: drawing either (the window's Receptive field view).
#pragma once

#include "engine/backend/Backend.h"
#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

struct ReceptiveField {
  std::string layer;
  double size[2] = {1, 1};  // input cells one unit's window spans (height, width)
  double jump[2] = {1, 1};  // input cells between neighbouring units (0 once the map is read whole)
  double start[2] = {0, 0}; // the centre of the first (top-left) unit's window, in input cells
  bool whole = false;       // every unit reads the whole image (after global pooling or flatten)
};

// One per node, in the network's order. Throws std::invalid_argument when the network's input is
// not an image (C, H, W).
std::vector<ReceptiveField> receptiveFields(const Network& network);

// |∂ unit / ∂ input| summed over the input's channels, (H, W) of the input, for the unit at
// (channel, y, x) of node `node`'s output (channel −1: the sum over its channels) given `image`
// (1, C, H, W). Throws std::invalid_argument naming what is out of range.
Tensor effectiveReceptiveField(Network& network, Backend& backend, const Tensor& image, size_t node, int64_t channel,
                               int64_t y, int64_t x);

} // namespace convscope
