// The output-size arithmetic of a window (kernel or pooling window) sliding over one axis.
// This is the only place the formula lives: layers, shape inference, the model summary and
// the GUI's stepper all call it. Not for: choosing padding (see samePadding below, which is
// defined by this formula) or anything about channels.
#pragma once

#include <cstdint>
#include <string>

namespace convscope {

// One axis of a sliding window. Dilation d spreads the kernel's k taps d apart, so the
// window covers d*(k-1)+1 input cells; padding may differ at the two ends.
struct AxisWindow {
  int64_t input = 0;    // i: input length along the axis
  int64_t kernel = 1;   // k: taps along the axis
  int64_t stride = 1;   // s
  int64_t padBegin = 0; // p_begin: zeros before the first input cell
  int64_t padEnd = 0;   // p_end: zeros after the last one
  int64_t dilation = 1; // d (1 = dense kernel)
  bool ceil = false;    // pooling's ceil mode: a last, partial window counts (below)
};

// Output length:
//
//     o = floor((i + p_begin + p_end - d*(k-1) - 1) / s) + 1
//
// For d = 1 and p_begin = p_end = p this is the lecture's o = floor((i - k + 2p)/s) + 1.
// In ceil mode (pooling, as PyTorch and Caffe define it; GoogLeNet uses it) the floor is a
// ceiling, so a last window hanging over the end counts, but never one that starts in the
// end padding: if (o − 1)·s ≥ i + p_begin, o is one less.
// Throws std::invalid_argument naming `what` and the numbers when the window is invalid:
// stride, kernel, dilation or input below 1, negative padding, or a dilated kernel larger
// than the padded input.
int64_t outputSize(const AxisWindow& window, const std::string& what = "window");

// The reason `window` is invalid, in words with its numbers, or "" when it is valid.
std::string windowProblem(const AxisWindow& window, const std::string& what = "window");

// The formula with the current numbers, as the lecture writes it, e.g.
// "o = ⌊(6 − 3 + 2·0) / 2⌋ + 1 = 2"; with dilation or asymmetric padding the general form
// "o = ⌊(6 + 1 + 0 − 2·(3 − 1) − 1) / 1⌋ + 1 = 3". For an invalid window it ends with the reason.
std::string outputSizeFormula(const AxisWindow& window);

// "Same" padding: the smallest total padding for which o = ceil(i / s), split with the
// extra cell at the end (as TensorFlow and PyTorch's padding='same' do).
struct AxisPadding {
  int64_t begin = 0;
  int64_t end = 0;
};
AxisPadding samePadding(int64_t input, int64_t kernel, int64_t stride, int64_t dilation);

} // namespace convscope
