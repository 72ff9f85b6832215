// Internal to the oneDNN backend: one class per primitive family, each built once for a
// configuration and then only executed. Implemented in Onednn<Family>.cpp.
// Not for: use outside engine/backend/onednn (it exposes dnnl types).
#pragma once

#include "engine/core/Geometry.h"
#include "engine/core/Tensor.h"
#include "engine/backend/Backend.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace convscope::onednn {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
constexpr auto f32 = dnnl::memory::data_type::f32;

// A tensor in the user's plain layout, moved into (or out of) the layout a primitive
// prefers. When the two layouts agree there is no reorder and no copy.
class LayoutBridge {
public:
  LayoutBridge() = default;
  LayoutBridge(const dnnl::engine& engine, const dnnl::memory::desc& user, const dnnl::memory::desc& preferred,
               bool toPreferred);
  // The memory the primitive reads or writes: the user's buffer itself, or the bridge's own.
  dnnl::memory bind(const dnnl::engine& engine, float* userData);
  // Runs the reorder, if any (before the primitive for inputs, after it for outputs).
  void run(dnnl::stream& stream);

private:
  dnnl::memory::desc user_;
  dnnl::memory preferred_;
  std::optional<dnnl::reorder> reorder_;
  dnnl::memory userMemory_;
  bool toPreferred_ = true;
};

// Forward weights moved into the layout a primitive prefers, reordered only when they
// changed. Inference calls a layer with the same weights again and again, and for large
// layers the reorder costs as much as the convolution (ResNet-50: 19 ms of 45 ms per
// image). Each large weight tensor keeps its own reordered copy, found by its address and
// checked by a fingerprint of its contents (reading the weights once is several times
// cheaper than reordering them; any change of a single value always changes it). Small
// weights (the lecture's kernels, edited by hand) are reordered every time.
class ReorderedWeights {
public:
  ReorderedWeights() = default;
  ReorderedWeights(const dnnl::engine& engine, const dnnl::memory::desc& user, const dnnl::memory::desc& preferred);
  dnnl::memory get(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& weights);

private:
  struct Copy {
    uint64_t fingerprint = 0;
    dnnl::memory memory;
  };
  dnnl::memory::desc user_, preferred_;
  std::optional<dnnl::reorder> reorder_;
  dnnl::memory shared_; // for small weights
  std::unordered_map<const float*, Copy> copies_;
};

// A fingerprint of n floats: Σ (bits_i + 1)·k_i mod 2^64 with odd, position-dependent k_i.
uint64_t weightsFingerprint(const float* values, int64_t n);

// Wraps a dnnl::error with what the backend was doing.
[[noreturn]] void rethrow(const std::string& what, const dnnl::error& e);

class OnednnConv {
public:
  OnednnConv(const dnnl::engine& engine, const Conv2DGeometry& g, const Tensor& src, const Shape& weights, bool hasBias,
             const Tensor& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& weights,
               const Tensor* bias, Tensor& dst);

private:
  dnnl::convolution_forward primitive_;
  LayoutBridge src_, dst_;
  ReorderedWeights weights_;
  dnnl::memory::desc biasDesc_;
};

// Convolution backward: diff_src from diff_dst and weights.
class OnednnConvBackwardData {
public:
  OnednnConvBackwardData(const dnnl::engine& engine, const Conv2DGeometry& g, const Tensor& diffSrc,
                         const Shape& weights, const Tensor& diffDst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& weights, const Tensor& diffDst,
               Tensor& diffSrc);

private:
  dnnl::convolution_backward_data primitive_;
  LayoutBridge weights_, diffDst_, diffSrc_;
};

// Convolution backward: diff_weights (and diff_bias) from src and diff_dst.
class OnednnConvBackwardWeights {
public:
  OnednnConvBackwardWeights(const dnnl::engine& engine, const Conv2DGeometry& g, const Tensor& src,
                            const Shape& weights, bool hasBias, const Tensor& diffDst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& diffDst,
               Tensor& diffWeights, Tensor* diffBias);

private:
  dnnl::convolution_backward_weights primitive_;
  LayoutBridge src_, diffDst_, diffWeights_;
  dnnl::memory::desc biasDesc_;
};

class OnednnPool {
public:
  // src and dst in the same layout.
  OnednnPool(const dnnl::engine& engine, const Pool2DGeometry& g, const Tensor& src, const Tensor& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::pooling_forward primitive_;
  dnnl::memory::desc srcDesc_, dstDesc_;
  std::optional<dnnl::memory> workspace_;
  float scale_ = 1.0f; // sum pooling = average over the window × window size
};

// Pooling backward. Max pooling needs the forward pass's workspace (where each maximum
// was), so the backward runs a training forward first; pooling is cheap next to convolution.
class OnednnPoolBackward {
public:
  // src, diff_src and diff_dst in the same layout.
  OnednnPoolBackward(const dnnl::engine& engine, const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& diffDst,
               Tensor& diffSrc);

private:
  dnnl::pooling_forward forward_;
  dnnl::pooling_backward primitive_;
  dnnl::memory::desc srcDesc_, dstDesc_;
  dnnl::memory dst_, workspace_;
  bool hasWorkspace_ = false;
  float scale_ = 1.0f;
};

class OnednnEltwise {
public:
  OnednnEltwise(const dnnl::engine& engine, ActivationKind kind, float alpha, const Shape& shape);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::eltwise_forward primitive_;
  std::optional<dnnl::eltwise_forward> then_; // hard sigmoid: α·x + ½, then clipped to [0, 1] in place
  dnnl::memory::desc desc_;
};

class OnednnEltwiseBackward {
public:
  OnednnEltwiseBackward(const dnnl::engine& engine, ActivationKind kind, float alpha, const Shape& shape);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& dst,
               const Tensor& diffDst, Tensor& diffSrc);

private:
  dnnl::eltwise_backward primitive_;
  dnnl::memory::desc desc_;
  bool useDst_ = false;          // tanh and sigmoid differentiate from their output
  std::optional<dnnl::eltwise_forward> scaleDiff_; // SELU: γ times ELU's diff_src, in place
  bool hardSigmoid_ = false; // no oneDNN primitive: α (hardSigmoidSlope_) where 0 < α·x + ½ < 1, a loop
  float hardSigmoidSlope_ = 0.0f;
};

class OnednnInnerProduct {
public:
  OnednnInnerProduct(const dnnl::engine& engine, const Shape& src, const Shape& weights, bool hasBias);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& weights,
               const Tensor* bias, Tensor& dst);

private:
  dnnl::inner_product_forward primitive_;
  ReorderedWeights weights_;
  dnnl::memory::desc srcDesc_, dstDesc_, biasDesc_;
};

class OnednnInnerProductBackward {
public:
  OnednnInnerProductBackward(const dnnl::engine& engine, const Shape& src, const Shape& weights, bool hasBias);
  void executeData(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& weights, const Tensor& diffDst,
                   Tensor& diffSrc);
  void executeWeights(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& diffDst,
                      Tensor& diffWeights, Tensor* diffBias);

private:
  dnnl::inner_product_backward_data data_;
  dnnl::inner_product_backward_weights weights_;
  LayoutBridge dataWeights_, diffWeights_;
  dnnl::memory::desc srcDesc_, dstDesc_, biasDesc_;
};

class OnednnSoftmax {
public:
  OnednnSoftmax(const dnnl::engine& engine, const Shape& shape);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::softmax_forward primitive_;
  dnnl::memory::desc desc_;
};

class OnednnSoftmaxBackward {
public:
  OnednnSoftmaxBackward(const dnnl::engine& engine, const Shape& shape);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& dst, const Tensor& diffDst,
               Tensor& diffSrc);

private:
  dnnl::softmax_backward primitive_;
  dnnl::memory::desc desc_;
};

// Batch normalization forward: training uses the batch's statistics and writes them to
// mean and variance; otherwise it reads the running statistics from them.
class OnednnBatchNorm {
public:
  OnednnBatchNorm(const dnnl::engine& engine, const Tensor& src, bool training, float epsilon);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& gamma,
               const Tensor& beta, Tensor& mean, Tensor& variance, Tensor& dst);

private:
  dnnl::batch_normalization_forward primitive_;
  dnnl::memory::desc dataDesc_, channelDesc_;
};

class OnednnBatchNormBackward {
public:
  OnednnBatchNormBackward(const dnnl::engine& engine, const Tensor& src, bool training, float epsilon);
  // diffSrc may be null (the first layer's): oneDNN writes it to a scratch buffer then.
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& gamma,
               const Tensor& mean, const Tensor& variance, const Tensor& diffDst, Tensor* diffSrc, Tensor& diffGamma,
               Tensor& diffBeta);

private:
  dnnl::batch_normalization_backward primitive_;
  dnnl::memory::desc dataDesc_, channelDesc_;
  Tensor scratch_;
  Tensor unusedShift_; // oneDNN 2.6 refuses to run the backward without a shift argument
};

// Local response normalization across channels, src and dst in one layout.
class OnednnLrn {
public:
  OnednnLrn(const dnnl::engine& engine, const LrnParams& p, const Tensor& src);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::lrn_forward primitive_;
  dnnl::memory::desc desc_;
};

// Its backward needs the forward pass's workspace, so it runs a training forward first.
class OnednnLrnBackward {
public:
  OnednnLrnBackward(const dnnl::engine& engine, const LrnParams& p, const Tensor& src);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& diffDst,
               Tensor& diffSrc);

private:
  dnnl::lrn_forward forward_;
  dnnl::lrn_backward primitive_;
  dnnl::memory::desc desc_;
  dnnl::memory dst_, workspace_;
};

// Sum of tensors of one shape, each in its own layout (residual addition).
class OnednnSum {
public:
  OnednnSum(const dnnl::engine& engine, const std::vector<const Tensor*>& srcs, const Tensor& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const std::vector<const Tensor*>& srcs, Tensor& dst);

private:
  dnnl::sum primitive_;
  std::vector<dnnl::memory::desc> srcDescs_;
  dnnl::memory::desc dstDesc_;
};

// dst = a ∘ b (+ − × ÷), b of a's shape or 1 on some axes (oneDNN's binary primitive broadcasts it).
class OnednnArithmetic {
public:
  OnednnArithmetic(const dnnl::engine& engine, ArithmeticOp op, const Tensor& a, const Tensor& b, const Tensor& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& a, const Tensor& b, Tensor& dst);

private:
  dnnl::binary primitive_;
  dnnl::memory::desc aDesc_, bDesc_, dstDesc_;
};

// Concatenation along axis 1 of rank-2 or rank-4 tensors.
class OnednnConcat {
public:
  OnednnConcat(const dnnl::engine& engine, const std::vector<const Tensor*>& srcs, const Tensor& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const std::vector<const Tensor*>& srcs, Tensor& dst);

private:
  dnnl::concat primitive_;
  std::vector<dnnl::memory::desc> srcDescs_;
  dnnl::memory::desc dstDesc_;
};

// Concatenation's backward: each diff_src is a reorder of its slice of diff_dst.
class OnednnConcatBackward {
public:
  OnednnConcatBackward(const dnnl::engine& engine, const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& diffDst,
               const std::vector<Tensor*>& diffSrcs);

private:
  struct Slice {
    dnnl::memory::desc from, to;
    dnnl::reorder copy;
  };
  std::vector<Slice> slices_;
};

// The convolution descriptor shared by forward (as a hint) and the backward passes.
struct ConvDescs {
  dnnl::memory::desc srcUser, weightsUser, dstUser, srcAny, weightsAny, dstAny, bias;
  dnnl::memory::dims strides, dilation, padBegin, padEnd;
};
ConvDescs convDescs(const Conv2DGeometry& g, const Tensor& src, const Shape& weights, const Tensor& dst);
// The memory descriptor of a rank-4 tensor in its own layout.
dnnl::memory::desc userDesc(const Tensor& t);
dnnl::convolution_forward::primitive_desc convForwardDesc(const dnnl::engine& engine, const ConvDescs& d, bool hasBias,
                                                          dnnl::prop_kind prop);

} // namespace convscope::onednn
