// Applying hand-made kernels to an image, as the lecture and the command line do. One rule,
// the lecture's "depth = number of filters": a kernel spans the input's channels and gives
// one output map (the sum over channels plus bias). A kernel with as many channel blocks as
// the input uses its own block for each; a one-block kernel uses its block on every channel.
// Only when per-channel (depthwise) is asked for does a one-block kernel filter each channel
// on its own, keeping the channels (C maps). Several kernels form a bank whose outputs are
// stacked. Not for: layers of a network (layers/Conv2D.h).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"
#include "engine/backend/Backend.h"

#include <optional>
#include <string>
#include <vector>

namespace convscope {

struct PaddingSpec {
  enum class Mode { Explicit, Same, Valid };
  Mode mode = Mode::Explicit;
  int64_t top = 0, bottom = 0, left = 0, right = 0;

  // "1", "1,2" (rows, columns), "1,2,3,4" (top, bottom, left, right), "same", "valid".
  // Throws std::invalid_argument naming the text.
  static PaddingSpec parse(const std::string& text);
};


struct FilterOptions {
  int64_t strideH = 1, strideW = 1;
  PaddingSpec padding;
  int64_t dilationH = 1, dilationW = 1;
  float bias = 0.0f;
  ActivationKind activation = ActivationKind::None;
  // A one-block kernel on C channels: each channel on its own (a depthwise convolution, C
  // maps) instead of spanning them (one map).
  bool perChannel = false;
};

// A named kernel: (blocks, KH, KW), blocks 1 or the input's channel count.
struct NamedKernel {
  std::string name;
  Tensor weights;
};

// The convolution one kernel becomes on a given input: geometry (with "same"/"valid"
// resolved), weights (C_out, C_in/groups, KH, KW) and bias (C_out).
struct KernelConvolution {
  Conv2DGeometry geometry;
  Tensor weights;
  Tensor bias;
};
KernelConvolution kernelConvolution(const NamedKernel& kernel, const Shape& input, const FilterOptions& options);

// The whole bank as one convolution — (K, C, KH, KW) weights, K biases — when applyFilterBank
// runs it as one (kernels of one size spanning the channels); nothing otherwise, or when the
// geometry does not fit (applyFilterBank names the problem).
std::optional<KernelConvolution> wholeBank(const std::vector<NamedKernel>& kernels, const Shape& image,
                                           const FilterOptions& options);

// image (1, C, H, W) → (1, C_out, H_out, W_out), in `layout` when the bank is one
// convolution (else NCHW); throws std::invalid_argument with the numbers.
// `storage`, when given, is a tensor whose buffer may be reused for the result.
Tensor applyFilterBank(Backend& backend, const Tensor& image, const std::vector<NamedKernel>& kernels,
                       const FilterOptions& options, Layout layout = Layout::NCHW, Tensor* storage = nullptr);

// The layout a bank's maps are best made in on `backend`: its preferred one, or NCHW planes
// when every kernel is one block filtering each of the image's channels on its own (image
// filters, which the oneDNN backend computes plane by plane with OpenCV: planes need no
// interleaving pass).
Layout filterBankLayout(const Backend& backend, const std::vector<NamedKernel>& kernels, int64_t channels,
                        bool perChannel);

// The name of each of applyFilterBank's output maps, in its order: the kernel's name for a
// kernel that spans the channels, "name · R" (G, B; or "· ch 2" beyond three channels) for a
// one-block kernel filtering each of the `channels` input channels on its own (perChannel).
std::vector<std::string> filterBankMapNames(const std::vector<NamedKernel>& kernels, int64_t channels,
                                            bool perChannel);

} // namespace convscope
