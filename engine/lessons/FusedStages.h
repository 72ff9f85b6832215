// The live pipeline's stages after the convolution in one pass over its maps: ReLU, max
// pooling and every map's range, computed while a few rows are in cache, instead of one
// pass per stage (each a read of the 32 MB a 1024x1024 bank of 8 filters makes). The results
// are the same values the backends give stage by stage (ReLU and max are exact).
// Not for: networks (each layer runs on its own there) or other activations and pooling
// modes (the pipeline takes the stage-by-stage path for them).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"

#include <vector>

namespace convscope {

struct StageRanges {
  std::vector<float> lo, hi; // one per map
};

// Whether reluMaxPool takes these maps and this pooling (nullptr: none): NCHW planes, or
// channels-last maps of 1, 2, 3, 4, 6, 8, 12 or 16 channels, and max pooling whose windows tile the map (kernel =
// stride, no padding, no ceil mode); any map size (rows and columns beyond the last window are not pooled).
bool canFuseReluPool(const Tensor& maps, const Pool2DGeometry* pool);

// relu = max(0, maps) (when `relu` is given: the live view makes its ReLU maps only when
// read); pooled = max pooling of relu (when `pool` is given); the ranges of maps and of pooled.
// relu and pooled are reshaped in place (their buffers reused).
void reluMaxPool(const Tensor& maps, Tensor* relu, const Pool2DGeometry* pool, Tensor* pooled, StageRanges& mapRanges,
                 StageRanges* pooledRanges);

} // namespace convscope
