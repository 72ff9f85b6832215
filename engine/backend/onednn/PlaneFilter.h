// The convolutions that are image filters — one plane in, one plane out, stride 1, no more
// padding than keeps the size ("same" or "valid", say) — computed by OpenCV's filter2D, band by band on every
// core. oneDNN vectorizes over channels (16 lanes on AVX-512), so a single plane leaves
// most lanes idle: a 3x3 filter over a 1024x1024 gray photo took 2-4x longer through oneDNN
// than through filter2D. filter2D computes the same cross-correlation (no flip) with a
// constant zero border; its sums run in another order, so values agree with the reference
// backend to float rounding (tested), not bit for bit.
// Not for: multi-channel sums (oneDNN's home ground), strides, dilations, large kernels
// (filter2D switches to the DFT from 50 taps on), backward passes (oneDNN computes those; a
// network's one-plane convolution takes this path forward only).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"

namespace convscope::onednn {

// Whether filterPlanes computes this convolution: every output channel from its own input
// channel (groups = channels, one filter each, or a single channel), stride 1, dilation 1,
// padding no larger than keeps the size (top + bottom <= KH - 1, left + right <= KW - 1), fewer than 50
// taps, and NCHW planes in and out or at most 4 channels (NHWC, or one layout to the other).
bool isPlaneFilter(const Conv2DGeometry& g, const Tensor& src, const Shape& weights, const Tensor& dst);

void filterPlanes(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias, Tensor& dst);

} // namespace convscope::onednn
