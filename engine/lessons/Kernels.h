// The library of classic image kernels the lecture shows (edge, sharpen, blur, Sobel...),
// by name. Not for: learned filters (they come from model files).
#pragma once

#include "engine/core/Tensor.h"

#include <string>
#include <vector>

namespace convscope {

struct ClassicKernel {
  std::string name;        // "sobel-x"
  std::string description; // one line for --help and tooltips
  Tensor weights;          // (1, KH, KW): one channel block
};

// All kernels in a stable order (identity first).
const std::vector<ClassicKernel>& classicKernels();
// The kernel called `name`, or null.
const ClassicKernel* findClassicKernel(const std::string& name);
// "identity, edge-cross, ...": for error messages and help.
std::string classicKernelNames();

} // namespace convscope
