// The live pipeline's stages after the convolution in one pass over its maps: ReLU, max
// pooling and every map's range, computed while a few rows are in cache, instead of one
// pass per stage (each a read of the 32 MB a 1024x1024 bank of 8 filters makes). The results
// are the same values the backends give stage by stage (ReLU and max are exact).
// And for the live view's commonest case, a small bank of filters on a large photo, the
// convolution itself in the same pass (fusedBank), a band of its rows at a time and never written
// whole: with 2x2 pooling (or none), two rows at a time in registers, from which the ranges,
// the pooled maps and the pictures' samples are taken before anything is stored; with other
// windows, into a buffer that stays in cache.
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

// A small bank — at most 4 input channels, at most 8 filters, kernels up to 7x7, groups 1,
// stride 1, dilation 1, padding smaller than the kernel — on at least 65,536 output pixels, on
// a processor with AVX-512: a direct loop, 16 output columns a register and one register per
// filter. oneDNN vectorizes over output channels 16 at a time there (its weights padded to 16
// filters): a bank of 8 leaves half of every lane empty. Its sums run in its own order: values
// agree with the backends to float rounding (tested against the reference loops and PyTorch),
// and fusedBank and bankConvolution compute every value alike, bit for bit.
bool canFuseBank(const Conv2DGeometry& g, const Shape& image, const Shape& weights);

// The bank's whole convolution: image (1, C, H, W) in planes (NCHW), weights (K, C, KH, KW),
// bias (K) → out (1, K, H_out, W_out) in planes (reshaped in place). The live view's
// convolution stage, made when something reads it (fusedBank does not keep it). It and fusedBank
// take any size within canFuseBank's other limits: the pixel floor is where the pass pays.
void bankConvolution(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias,
                     Tensor& out);

// One value (filter, y, x) of bankConvolution's maps, computed alone: its row by the same loop.
float bankValue(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias, int64_t filter,
                int64_t y, int64_t x);

// Whether fusedBank can pool maps of `shape` with `pool` (nullptr: no pooling).
bool canFusePool(const Shape& maps, const Pool2DGeometry* pool);

// The convolution, ReLU and max pooling in one pass, a band of rows at a time: pooled = max
// pooling of max(0, conv) in planes (when `pool` is given; reshaped in place), the ranges of the
// convolution's maps and of the pooled ones, and `samples` (1, K, ⌈H_out/step⌉, ⌈W_out/step⌉):
// the convolution at every step-th row and column, for its pictures (MapRendering samples alike).
// With `dense` (and pooling): a fully connected layer on the pooled maps too, summed while each
// band's pooled rows are still in cache (the live view's demonstration classifier, which would
// otherwise read a photo's half-million pooled features again). Its weights are one byte each,
// in the order the pass reads them, one band after another so that they stream: for each band
// of denseBandRows(pool) pooled rows (the last may be shorter), for each class, map, row and
// column. dense->sums[k] = Σ weight · feature in the weights' units, summed a band at a time in a
// fixed order: the same sums on every run, at any thread count.
struct PooledDense {
  const int8_t* weights = nullptr;
  int64_t classes = 0;
  std::vector<double> sums; // out: one per class
};
int64_t denseBandRows(const Pool2DGeometry& pool);
// With `pooledSamples` (2x2 pooling only): the pooled maps at every step-th row and column too,
// for their pictures (as MapRendering samples them), in values (1, K, ⌈H_pooled/step⌉, ⌈W_pooled/step⌉).
struct PooledSamples {
  int64_t step = 1;
  Tensor values; // reshaped in place
};
void fusedBank(const Conv2DGeometry& g, const Tensor& image, const Tensor& weights, const Tensor& bias,
               const Pool2DGeometry* pool, Tensor* pooled, StageRanges& mapRanges, StageRanges* pooledRanges,
               int64_t step, Tensor& samples, PooledDense* dense = nullptr, PooledSamples* pooledSamples = nullptr);

} // namespace convscope
