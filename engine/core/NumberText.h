// How ConvScope writes a number, on every screen: one home for the choice of digits.
//   formatNumber: exact, the shortest text that reads back as the same float (files, the
//     command line's matrices, a value a test compares);
//   formatRounded: to a number of significant digits, the whole part kept (12346, 0.1235);
//   formatSlide: as a slide prints it (three significant digits unless told), and a typed
//     fraction kept as typed: a weight that is exactly the float of 1/9 reads "1/9".
// All write "−" for minus; formatRounded and formatSlide drop trailing zeros and write the
// very small as "1.5e−7" (formatNumber, the shortest exact text, as "1.5e-07").
// Not for: counts with separators (withCommas) or sizes in bytes.
#pragma once

#include <string>

namespace convscope {

// The digits a slide prints: three significant by default (0.24, 5.15, 0.0417, 1.44).
constexpr int kSlideDigits = 3;

std::string formatNumber(float value);
// digits <= 0 is formatNumber.
std::string formatRounded(double value, int digits);
// `fractions`: a value whose decimal needs more than `digits` significant digits but is
// exactly the float of p/q (q ≤ 32, or 49, 64, 81, 100, 128, 256 — the box and Gaussian kernels
// the lecture types) is written "p/q": for weights a user typed. Computed values (an average,
// an output) pass false: a slide writes 1.44, not 13/9.
std::string formatSlide(double value, int digits = kSlideDigits, bool fractions = false);
// The explanations' choice: digits <= 0 exact (formatNumber), else formatSlide(value, digits).
std::string formatValue(double value, int digits);

// Exact, for a text the user edits and ConvScope reads back: the typed fraction ("1/9") when
// the value is one, else formatNumber.
std::string formatTyped(float value);

} // namespace convscope
