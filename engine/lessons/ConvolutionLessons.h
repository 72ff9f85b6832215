// Two of the lecture's claims about convolution and pooling, computed on the student's own
// numbers rather than asserted:
//   convolution is a fully connected layer that is sparse and shares its weights: the matrix
//   M, one row per output cell, one column per input cell, whose row holds the kernel's
//   weights where the cell's window lies and zeros elsewhere — y = M·x + b is the
//   convolution's output, every row holds the same k² weights;
//   pooling makes a map nearly invariant to small shifts: the input shifted by a pixel,
//   pooled, compared with the original's pooled map cell by cell.
// Not for: computing layers (the backends do; these call them).
#pragma once

#include "engine/backend/Backend.h"
#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"

#include <cstdint>
#include <vector>

namespace convscope {

// The largest matrix convolutionMatrix builds (entries; 8 bytes each with its taps, built on
// the GUI thread): a 32×32 input with a 3×3 kernel is 900 × 1,024 = 0.92 M; a digit's
// 676 × 784 = 0.53 M; a photo is refused, naming the sizes.
constexpr int64_t kMaxMatrixEntries = int64_t(1) << 20;

struct ConvolutionMatrix {
  int64_t rows = 0, columns = 0; // Ho·Wo output cells, C·H·W input cells (channel, row, column order)
  Tensor matrix;                 // (rows, columns)
  // Per entry, row-major: the kernel weight it holds (c·KH·KW + i·KW + j), −1 for a zero
  // (padding taps fall outside the input: they hold no column).
  std::vector<int32_t> tap;
  int64_t weightsPerRow = 0; // C·KH·KW: what every row shares
  int64_t nonZero = 0;       // entries holding a weight (fewer than rows × weightsPerRow at the borders with padding)
};

// For output channel `outChannel` of weights (C_out, C, KH, KW) (groups 1) on an input
// (1, C, H, W) with geometry g. Throws std::invalid_argument naming what does not fit or a
// matrix above kMaxMatrixEntries.
ConvolutionMatrix convolutionMatrix(const Conv2DGeometry& g, const Shape& input, const Tensor& weights,
                                    int64_t outChannel);
// y = M·x + bias as the backend's fully connected layer computes it: (1, 1, Ho, Wo).
Tensor convolveAsMatrix(Backend& backend, const ConvolutionMatrix& m, const Tensor& input, float bias,
                        int64_t outRows, int64_t outColumns);

struct ShiftComparison {
  Tensor shifted;                // the map moved by (dy, dx), zeros where nothing moved in: (1, 1, H, W)
  Tensor pooled, shiftedPooled;  // both pooled
  std::vector<bool> unchanged;   // per pooled cell
  int64_t same = 0;              // cells whose pooled value did not change
  int64_t changedInput = 0;      // input cells whose value changed (how much the shift disturbed)
};

// map (1, 1, H, W) shifted by dy rows and dx columns (each −2 … 2), both pooled by g on
// `backend`. Throws std::invalid_argument for a shift out of range or a geometry that does
// not fit.
ShiftComparison compareShifted(Backend& backend, const Tensor& map, const Pool2DGeometry& g, int dy, int dx);

} // namespace convscope
