// Reading a whole file into memory with a limit, for every reader of ConvScope's own and
// others' files (matrix text, layer lists, model files, ONNX, lecture files): one place that
// says what is missing, a folder, too large, or unreadable, and that never reads more than
// the limit (a FIFO or /dev/zero has no size to check first).
// Not for: images (ImageHeader.h and OpenCV) or datasets (Dataset.h reads its own formats).
#pragma once

#include <cstdint>
#include <string>

namespace convscope {

// The bytes of `path`. `what` names the kind of file in messages ("an ONNX file", "a lecture
// file"). Throws std::invalid_argument: "PATH: no such file", "PATH: is a folder, not WHAT",
// "PATH: the file is N MiB; ConvScope reads WHAT of up to M MiB", "PATH: cannot open the file
// for reading".
std::string readFileText(const std::string& path, int64_t maxBytes, const std::string& what);

} // namespace convscope
