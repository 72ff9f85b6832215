// Output-size arithmetic for sliding windows (see OutputSize.h for the formula).
#include "engine/core/OutputSize.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

namespace {
std::string num(int64_t v) {
  // Typographic minus for the teaching text.
  return v < 0 ? "−" + std::to_string(-v) : std::to_string(v);
}
int64_t span(const AxisWindow& w) { return w.dilation * (w.kernel - 1) + 1; }
} // namespace

std::string windowProblem(const AxisWindow& w, const std::string& what) {
  if (w.input < 1) return what + ": input size " + std::to_string(w.input) + " must be at least 1";
  if (w.kernel < 1) return what + ": kernel size " + std::to_string(w.kernel) + " must be at least 1";
  if (w.stride < 1) return what + ": stride " + std::to_string(w.stride) + " must be at least 1";
  if (w.dilation < 1) return what + ": dilation " + std::to_string(w.dilation) + " must be at least 1";
  if (w.padBegin < 0 || w.padEnd < 0)
    return what + ": padding " + std::to_string(w.padBegin) + "," + std::to_string(w.padEnd) + " must not be negative";
  const int64_t padded = w.input + w.padBegin + w.padEnd;
  if (span(w) > padded) {
    std::string kernelText = "kernel " + std::to_string(w.kernel);
    if (w.dilation > 1) kernelText += " (dilated " + std::to_string(span(w)) + ")";
    return what + ": " + kernelText + " is larger than the padded input " + std::to_string(padded) + " (input " +
           std::to_string(w.input) + " + padding " + std::to_string(w.padBegin) + " + " + std::to_string(w.padEnd) +
           ")";
  }
  return {};
}

int64_t outputSize(const AxisWindow& w, const std::string& what) {
  if (std::string problem = windowProblem(w, what); !problem.empty()) throw std::invalid_argument(problem);
  const int64_t span = w.input + w.padBegin + w.padEnd - w.dilation * (w.kernel - 1) - 1;
  if (!w.ceil) return span / w.stride + 1;
  int64_t o = (span + w.stride - 1) / w.stride + 1;
  if ((o - 1) * w.stride >= w.input + w.padBegin) --o;
  return o;
}

std::string outputSizeFormula(const AxisWindow& w) {
  std::string text;
  const bool lectureForm = w.dilation == 1 && w.padBegin == w.padEnd;
  if (lectureForm) {
    text =
        "o = ⌊(" + num(w.input) + " − " + num(w.kernel) + " + 2·" + num(w.padBegin) + ") / " + num(w.stride) + "⌋ + 1";
  } else {
    text = "o = ⌊(" + num(w.input) + " + " + num(w.padBegin) + " + " + num(w.padEnd) + " − " + num(w.dilation) + "·(" +
           num(w.kernel) + " − 1) − 1) / " + num(w.stride) + "⌋ + 1";
  }
  const std::string problem = windowProblem(w, "window");
  if (!problem.empty()) return text + ": invalid, " + problem.substr(std::string("window: ").size());
  const int64_t numerator = lectureForm ? w.input - w.kernel + 2 * w.padBegin
                                        : w.input + w.padBegin + w.padEnd - w.dilation * (w.kernel - 1) - 1;
  return text + " = ⌊" + num(numerator) + " / " + num(w.stride) + "⌋ + 1 = " + num(outputSize(w));
}

AxisPadding samePadding(int64_t input, int64_t kernel, int64_t stride, int64_t dilation) {
  if (input < 1 || kernel < 1 || stride < 1 || dilation < 1)
    throw std::invalid_argument("same padding: input " + std::to_string(input) + ", kernel " + std::to_string(kernel) +
                                ", stride " + std::to_string(stride) + " and dilation " + std::to_string(dilation) +
                                " must all be at least 1");
  const int64_t out = (input + stride - 1) / stride;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - input);
  return {total / 2, total - total / 2};
}

} // namespace convscope
