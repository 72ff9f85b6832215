// The matrix text format for lecture examples and kernels:
//   numbers (or fractions: 1/9) separated by spaces, tabs or commas; one row a line; a blank line starts the
//   next channel; '#' starts a comment; every row of a channel and every channel the same size.
// Not for: images (ImageIO.h) or model files.
#pragma once

#include "engine/core/Tensor.h"

#include <optional>
#include <string>

namespace convscope {

// The most numbers a matrix may hold: 64 Mi, as many as an image's pixels (ImageIO.h); and
// the largest matrix file read, 1 GiB.
constexpr int64_t kMaxMatrixValues = int64_t(1) << 26;
constexpr int64_t kMaxMatrixFileBytes = int64_t(1) << 30;

// One number or fraction of the format ("0.5", "−2", "1/9"); nullopt when it is neither.
// A finite fraction may still overflow to infinity (1e38/1e-38): the caller checks.
std::optional<float> parseNumberText(std::string token);

// Parses `text` into a (C, H, W) tensor. `source` names the text in error messages
// ("six.txt line 3: 'x' is not a number"). Throws std::invalid_argument.
Tensor parseMatrixText(const std::string& text, const std::string& source = "matrix");

// Reads and parses a file; a missing or unreadable file is an std::invalid_argument too.
Tensor loadMatrixFile(const std::string& path);

// Writes a (C, H, W) tensor back in the same format (shortest exact numbers).
std::string formatMatrixText(const Tensor& chw);

} // namespace convscope
