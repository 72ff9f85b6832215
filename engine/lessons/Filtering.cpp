// Kernel banks on images (see Filtering.h for the channel rules).
#include "engine/lessons/Filtering.h"

#include "engine/core/OutputSize.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

namespace convscope {

namespace {
std::vector<int64_t> parseIntegers(const std::string& text, const std::string& what) {
  std::vector<int64_t> values;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size())
      throw std::invalid_argument(what + " '" + text + "' is not a whole number or a comma-separated list of them");
    values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}
} // namespace

PaddingSpec PaddingSpec::parse(const std::string& text) {
  PaddingSpec p;
  if (text == "same") {
    p.mode = Mode::Same;
    return p;
  }
  if (text == "valid") {
    p.mode = Mode::Valid;
    return p;
  }
  const std::vector<int64_t> v = parseIntegers(text, "padding");
  for (int64_t x : v)
    if (x < 0) throw std::invalid_argument("padding '" + text + "' must not be negative");
  if (v.size() == 1)
    p.top = p.bottom = p.left = p.right = v[0];
  else if (v.size() == 2) {
    p.top = p.bottom = v[0];
    p.left = p.right = v[1];
  } else if (v.size() == 4) {
    p.top = v[0];
    p.bottom = v[1];
    p.left = v[2];
    p.right = v[3];
  } else
    throw std::invalid_argument("padding '" + text +
                                "' needs 1, 2 (rows,cols) or 4 (top,bottom,left,right) numbers, or same/valid");
  return p;
}

KernelConvolution kernelConvolution(const NamedKernel& kernel, const Shape& input, const FilterOptions& options) {
  const Shape& k = kernel.weights.shape();
  if (k.rank() != 3)
    throw std::invalid_argument("kernel '" + kernel.name + "': expects (blocks, KH, KW), got " + k.toString());
  if (input.rank() != 4 || input[0] != 1)
    throw std::invalid_argument("filtering: expects one (1, C, H, W) image, got " + input.toString());
  const int64_t channels = input[1], blocks = k[0];
  if (blocks != 1 && blocks != channels)
    throw std::invalid_argument("kernel '" + kernel.name + "' has " + std::to_string(blocks) +
                                " channel blocks but the input has " + std::to_string(channels) +
                                " channels (use 1 block, used on every channel, or " + std::to_string(channels) +
                                " blocks, one for each; the maps are summed over the channels)");
  KernelConvolution conv;
  Conv2DGeometry& g = conv.geometry;
  g.kernelH = k[1];
  g.kernelW = k[2];
  g.strideH = options.strideH;
  g.strideW = options.strideW;
  g.dilationH = options.dilationH;
  g.dilationW = options.dilationW;
  switch (options.padding.mode) {
  case PaddingSpec::Mode::Explicit:
    g.padTop = options.padding.top, g.padBottom = options.padding.bottom;
    g.padLeft = options.padding.left, g.padRight = options.padding.right;
    break;
  case PaddingSpec::Mode::Valid: break;
  case PaddingSpec::Mode::Same: {
    const AxisPadding rows = samePadding(input[2], g.kernelH, g.strideH, g.dilationH);
    const AxisPadding cols = samePadding(input[3], g.kernelW, g.strideW, g.dilationW);
    g.padTop = rows.begin, g.padBottom = rows.end, g.padLeft = cols.begin, g.padRight = cols.end;
    break;
  }
  }
  if (blocks == 1 && channels > 1 && options.perChannel) {
    // Asked for: the one block applied to each channel on its own, a depthwise convolution
    // (groups = C), C maps.
    g.groups = channels;
    conv.weights = Tensor(Shape{channels, 1, k[1], k[2]});
    for (int64_t c = 0; c < channels; ++c)
      std::copy(kernel.weights.values().begin(), kernel.weights.values().end(),
                conv.weights.values().begin() + c * k[1] * k[2]);
    conv.bias = Tensor(Shape{channels}, options.bias);
  } else {
    // One output map: Σ over the input channels, as in the lecture's RGB example; a one-block
    // kernel's block is used on every channel.
    conv.weights = Tensor(Shape{1, channels, k[1], k[2]});
    const int64_t plane = k[1] * k[2];
    for (int64_t c = 0; c < channels; ++c)
      std::copy_n(kernel.weights.values().begin() + (blocks == 1 ? 0 : c * plane), plane,
                  conv.weights.values().begin() + c * plane);
    conv.bias = Tensor(Shape{1}, options.bias);
  }
  return conv;
}

namespace {
// The convolution kernels [first, last) make together, `last` found here: consecutive
// full-depth kernels of one size run as one convolution with several output channels (oneDNN
// vectorizes over them) instead of one convolution each.
KernelConvolution runOfKernels(const std::vector<NamedKernel>& kernels, size_t first, const Shape& image,
                               const FilterOptions& options, size_t& last) {
  KernelConvolution conv = kernelConvolution(kernels[first], image, options);
  last = first + 1;
  if (conv.geometry.groups != 1) return conv;
  while (last < kernels.size() && kernels[last].weights.shape() == kernels[first].weights.shape()) ++last;
  if (last == first + 1) return conv;
  const Shape& k = conv.weights.shape(); // (1, C, KH, KW)
  Tensor weights(Shape{static_cast<int64_t>(last - first), k[1], k[2], k[3]});
  auto out = weights.values().begin();
  for (size_t i = first; i < last; ++i) {
    const KernelConvolution each = i == first ? conv : kernelConvolution(kernels[i], image, options);
    out = std::copy(each.weights.values().begin(), each.weights.values().end(), out);
  }
  conv.weights = std::move(weights);
  conv.bias = Tensor(Shape{static_cast<int64_t>(last - first)}, options.bias);
  return conv;
}
} // namespace

std::optional<KernelConvolution> wholeBank(const std::vector<NamedKernel>& kernels, const Shape& image,
                                           const FilterOptions& options) {
  if (kernels.empty()) return std::nullopt;
  try {
    size_t last = 0;
    KernelConvolution conv = runOfKernels(kernels, 0, image, options, last);
    if (last != kernels.size() || conv.geometry.groups != 1) return std::nullopt;
    return conv;
  } catch (const std::invalid_argument&) { // applyFilterBank names the problem
    return std::nullopt;
  }
}

Tensor applyFilterBank(Backend& backend, const Tensor& image, const std::vector<NamedKernel>& kernels,
                       const FilterOptions& options, Layout layout, Tensor* storage) {
  if (kernels.empty()) throw std::invalid_argument("filtering: no kernel given");
  std::vector<Tensor> outputs;
  int64_t totalChannels = 0;
  for (size_t first = 0; first < kernels.size();) {
    size_t last = first;
    const KernelConvolution conv = runOfKernels(kernels, first, image.shape(), options, last);
    const std::string who = "kernel '" + kernels[first].name + "'";
    const bool whole = first == 0 && last == kernels.size(); // one convolution: straight into `layout`
    const Shape shape = conv2dOutputShape(image.shape(), conv.weights.shape()[0], conv.geometry, who);
    Tensor dst;
    if (whole && storage) {
      dst = std::move(*storage);
      dst.reuseAs(shape, layout);
    } else {
      dst = Tensor(shape, 0.0f, whole ? layout : Layout::NCHW);
    }
    if (!outputs.empty() && (dst.shape()[2] != outputs[0].shape()[2] || dst.shape()[3] != outputs[0].shape()[3]))
      throw std::invalid_argument(who + " gives a " + std::to_string(dst.shape()[2]) + "x" +
                                  std::to_string(dst.shape()[3]) + " map but kernel '" + kernels[0].name + "' gives " +
                                  std::to_string(outputs[0].shape()[2]) + "x" + std::to_string(outputs[0].shape()[3]) +
                                  "; a bank needs one output size (try --padding same)");
    backend.conv2dForward(conv.geometry, image, conv.weights, &conv.bias, dst);
    totalChannels += dst.shape()[1];
    outputs.push_back(std::move(dst));
    first = last;
  }
  if (outputs.size() == 1) {
    if (options.activation != ActivationKind::None)
      backend.activationForward(options.activation, defaultActivationAlpha(options.activation), outputs[0], outputs[0]);
    return std::move(outputs[0]);
  }
  Tensor stacked(Shape{1, totalChannels, outputs[0].shape()[2], outputs[0].shape()[3]});
  auto out = stacked.values().begin();
  for (const Tensor& t : outputs) out = std::copy(t.values().begin(), t.values().end(), out);
  if (options.activation != ActivationKind::None)
    backend.activationForward(options.activation, defaultActivationAlpha(options.activation), stacked, stacked);
  return stacked;
}

Layout filterBankLayout(const Backend& backend, const std::vector<NamedKernel>& kernels, int64_t channels,
                        bool perChannel) {
  const bool planes = !kernels.empty() && std::all_of(kernels.begin(), kernels.end(), [&](const NamedKernel& k) {
    return k.weights.shape().rank() == 3 && ((k.weights.shape()[0] == 1 && perChannel) || channels == 1);
  });
  return planes ? Layout::NCHW : backend.preferredLayout();
}

std::vector<std::string> filterBankMapNames(const std::vector<NamedKernel>& kernels, int64_t channels,
                                            bool perChannel) {
  std::vector<std::string> names;
  for (const NamedKernel& k : kernels) {
    if (k.weights.shape()[0] == channels || channels == 1 || !perChannel) {
      names.push_back(k.name);
      continue;
    }
    for (int64_t c = 0; c < channels; ++c)
      names.push_back(k.name + " · " + (channels == 3 ? std::string(1, "RGB"[c]) : "ch " + std::to_string(c + 1)));
  }
  return names;
}

} // namespace convscope
