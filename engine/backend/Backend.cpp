// Backend factory and the argument checks both backends share.
#include "Backend.h"

#include "onednn/OnednnBackend.h"
#include "reference/ReferenceBackend.h"

#include <stdexcept>

namespace convscope {

std::unique_ptr<Backend> makeBackend(BackendKind kind) {
  if (kind == BackendKind::Reference) return std::make_unique<ReferenceBackend>();
  return std::make_unique<OnednnBackend>();
}

BackendKind backendKindFromString(const std::string& text) {
  if (text == "reference") return BackendKind::Reference;
  if (text == "onednn") return BackendKind::Onednn;
  throw std::invalid_argument("unknown backend '" + text + "' (expected reference or onednn)");
}

void checkConv2DArguments(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                          const Tensor& dst) {
  const Shape& w = weights.shape();
  if (w.rank() != 4)
    throw std::invalid_argument("conv2d: weights must be (C_out, C_in/groups, KH, KW), got " + w.toString());
  if (w[2] != g.kernelH || w[3] != g.kernelW)
    throw std::invalid_argument("conv2d: weights " + w.toString() + " do not match the kernel " +
                                std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW));
  const Shape expected = conv2dOutputShape(src.shape(), w[0], g, "conv2d");
  if (w[1] * g.groups != src.shape()[1])
    throw std::invalid_argument("conv2d: weights " + w.toString() + " expect " + std::to_string(w[1] * g.groups) +
                                " input channels, the input has " + std::to_string(src.shape()[1]));
  if (bias && bias->size() != w[0])
    throw std::invalid_argument("conv2d: bias has " + std::to_string(bias->size()) + " values for " +
                                std::to_string(w[0]) + " output channels");
  if (dst.shape() != expected)
    throw std::invalid_argument("conv2d: dst is " + dst.shape().toString() + ", expected " + expected.toString());
}

void checkPool2DArguments(const Pool2DGeometry& g, const Tensor& src, const Tensor& dst) {
  const Shape expected = pool2dOutputShape(src.shape(), g, "pool2d");
  if (dst.shape() != expected)
    throw std::invalid_argument("pool2d: dst is " + dst.shape().toString() + ", expected " + expected.toString());
}

void checkDenseArguments(const Tensor& src, const Tensor& weights, const Tensor* bias, const Tensor& dst) {
  const Shape& s = src.shape();
  const Shape& w = weights.shape();
  if (s.rank() != 2 || w.rank() != 2)
    throw std::invalid_argument("dense: expects src (N, F_in) and weights (F_out, F_in), got " + s.toString() +
                                " and " + w.toString());
  if (s[1] != w[1])
    throw std::invalid_argument("dense: input has " + std::to_string(s[1]) + " features, weights expect " +
                                std::to_string(w[1]));
  if (bias && bias->size() != w[0])
    throw std::invalid_argument("dense: bias has " + std::to_string(bias->size()) + " values for " +
                                std::to_string(w[0]) + " outputs");
  if (dst.shape() != Shape{s[0], w[0]})
    throw std::invalid_argument("dense: dst is " + dst.shape().toString() + ", expected " +
                                Shape{s[0], w[0]}.toString());
}

void checkSameShape(const std::string& what, const Tensor& src, const Tensor& dst) {
  if (src.shape() != dst.shape())
    throw std::invalid_argument(what + ": dst is " + dst.shape().toString() + ", src is " + src.shape().toString());
  if (src.layout() != dst.layout()) // element-wise work goes flat over memory
    throw std::invalid_argument(what + ": src and dst of shape " + src.shape().toString() + " differ in memory layout");
}

void checkConv2DBackward(const Conv2DGeometry& g, const Shape& src, const Shape& weights, const Shape& diffDst) {
  if (weights.rank() != 4 || weights[2] != g.kernelH || weights[3] != g.kernelW)
    throw std::invalid_argument("conv2d backward: weights " + weights.toString() + " do not match the kernel " +
                                std::to_string(g.kernelH) + "x" + std::to_string(g.kernelW));
  const Shape expected = conv2dOutputShape(src, weights[0], g, "conv2d backward");
  if (weights[1] * g.groups != src[1])
    throw std::invalid_argument("conv2d backward: weights " + weights.toString() + " expect " +
                                std::to_string(weights[1] * g.groups) + " input channels, src has " +
                                std::to_string(src[1]));
  if (diffDst != expected)
    throw std::invalid_argument("conv2d backward: diff_dst is " + diffDst.toString() + ", expected " +
                                expected.toString());
}

void checkPool2DBackward(const Pool2DGeometry& g, const Shape& src, const Shape& diffDst) {
  const Shape expected = pool2dOutputShape(src, g, "pool2d backward");
  if (diffDst != expected)
    throw std::invalid_argument("pool2d backward: diff_dst is " + diffDst.toString() + ", expected " +
                                expected.toString());
}

} // namespace convscope
