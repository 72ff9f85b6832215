// oneDNN convolution: forward (inference), backward data and backward weights, one
// primitive each per geometry and shapes.
#include "engine/backend/onednn/OnednnPrimitives.h"

namespace convscope::onednn {

dnnl::memory::desc userDesc(const Tensor& t) {
  const Shape& s = t.shape();
  return dnnl::memory::desc({s[0], s[1], s[2], s[3]}, f32, t.layout() == Layout::NHWC ? tag::nhwc : tag::nchw);
}

ConvDescs convDescs(const Conv2DGeometry& g, const Tensor& srcTensor, const Shape& weights, const Tensor& dstTensor) {
  const Shape& src = srcTensor.shape();
  const Shape& dst = dstTensor.shape();
  ConvDescs d;
  const dims srcDims{src[0], src[1], src[2], src[3]};
  const dims dstDims{dst[0], dst[1], dst[2], dst[3]};
  // Grouped weights are 5-D for oneDNN: (G, C_out/G, C_in/G, KH, KW); same bytes as ours.
  const bool grouped = g.groups > 1;
  const dims weightDims = grouped ? dims{g.groups, weights[0] / g.groups, weights[1], weights[2], weights[3]}
                                  : dims{weights[0], weights[1], weights[2], weights[3]};
  d.srcUser = userDesc(srcTensor);
  d.weightsUser = dnnl::memory::desc(weightDims, f32, grouped ? tag::goihw : tag::oihw);
  d.dstUser = userDesc(dstTensor);
  // Activations channels-last (NHWC) in forward and both backward passes, weights as
  // oneDNN likes them; the bridges reorder from and to NCHW tensors (NHWC ones pass as they are). On AVX-512 oneDNN's
  // brgconv computes NHWC directly and NHWC reorders are cheaper than the blocked nChw16c
  // ones `any` picks. LeNet-5 training, images/s: NHWC 24,000; any 19,800; NHWC forward
  // with `any` backward 20,000-21,000; plain NCHW 14,800 (a gemm fallback).
  d.srcAny = dnnl::memory::desc(srcDims, f32, tag::nhwc);
  d.weightsAny = dnnl::memory::desc(weightDims, f32, tag::any);
  d.dstAny = dnnl::memory::desc(dstDims, f32, tag::nhwc);
  d.bias = dnnl::memory::desc({weights[0]}, f32, tag::x);
  d.strides = {g.strideH, g.strideW};
  // oneDNN counts dilation from 0: a dilation of 1 here (dense kernel) is 0 there.
  d.dilation = {g.dilationH - 1, g.dilationW - 1};
  d.padBegin = {g.padTop, g.padLeft};
  d.padEnd = {g.padBottom, g.padRight};
  return d;
}

dnnl::convolution_forward::primitive_desc convForwardDesc(const dnnl::engine& engine, const ConvDescs& d, bool hasBias,
                                                          dnnl::prop_kind prop) {
  using dnnl::convolution_forward;
  const auto desc = hasBias
                        ? convolution_forward::desc(prop, dnnl::algorithm::convolution_direct, d.srcAny, d.weightsAny,
                                                    d.bias, d.dstAny, d.strides, d.dilation, d.padBegin, d.padEnd)
                        : convolution_forward::desc(prop, dnnl::algorithm::convolution_direct, d.srcAny, d.weightsAny,
                                                    d.dstAny, d.strides, d.dilation, d.padBegin, d.padEnd);
  return convolution_forward::primitive_desc(desc, engine);
}

OnednnConv::OnednnConv(const dnnl::engine& engine, const Conv2DGeometry& g, const Tensor& src, const Shape& weights,
                       bool hasBias, const Tensor& dst) {
  const ConvDescs d = convDescs(g, src, weights, dst);
  biasDesc_ = d.bias;
  const auto pd = convForwardDesc(engine, d, hasBias, dnnl::prop_kind::forward_inference);
  src_ = LayoutBridge(engine, d.srcUser, pd.src_desc(), true);
  weights_ = ReorderedWeights(engine, d.weightsUser, pd.weights_desc());
  dst_ = LayoutBridge(engine, d.dstUser, pd.dst_desc(), false);
  primitive_ = dnnl::convolution_forward(pd);
}

void OnednnConv::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& weights,
                         const Tensor* bias, Tensor& dst) {
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src_.bind(engine, const_cast<float*>(src.data()))},
                                             {DNNL_ARG_WEIGHTS, weights_.get(engine, stream, weights)},
                                             {DNNL_ARG_DST, dst_.bind(engine, dst.data())}};
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(biasDesc_, engine, const_cast<float*>(bias->data())));
  src_.run(stream);
  primitive_.execute(stream, args);
  dst_.run(stream);
  stream.wait();
}

OnednnConvBackwardData::OnednnConvBackwardData(const dnnl::engine& engine, const Conv2DGeometry& g,
                                               const Tensor& diffSrc, const Shape& weights, const Tensor& diffDst) {
  const ConvDescs d = convDescs(g, diffSrc, weights, diffDst);
  const auto hint = convForwardDesc(engine, d, false, dnnl::prop_kind::forward_training);
  const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.srcAny, d.weightsAny,
                                                   d.dstAny, d.strides, d.dilation, d.padBegin, d.padEnd);
  const dnnl::convolution_backward_data::primitive_desc pd(desc, engine, hint);
  weights_ = LayoutBridge(engine, d.weightsUser, pd.weights_desc(), true);
  diffDst_ = LayoutBridge(engine, d.dstUser, pd.diff_dst_desc(), true);
  diffSrc_ = LayoutBridge(engine, d.srcUser, pd.diff_src_desc(), false);
  primitive_ = dnnl::convolution_backward_data(pd);
}

void OnednnConvBackwardData::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& weights,
                                     const Tensor& diffDst, Tensor& diffSrc) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_WEIGHTS, weights_.bind(engine, const_cast<float*>(weights.data()))},
      {DNNL_ARG_DIFF_DST, diffDst_.bind(engine, const_cast<float*>(diffDst.data()))},
      {DNNL_ARG_DIFF_SRC, diffSrc_.bind(engine, diffSrc.data())}};
  weights_.run(stream);
  diffDst_.run(stream);
  primitive_.execute(stream, args);
  diffSrc_.run(stream);
  stream.wait();
}

OnednnConvBackwardWeights::OnednnConvBackwardWeights(const dnnl::engine& engine, const Conv2DGeometry& g,
                                                     const Tensor& src, const Shape& weights, bool hasBias,
                                                     const Tensor& diffDst) {
  const ConvDescs d = convDescs(g, src, weights, diffDst);
  biasDesc_ = d.bias;
  const auto hint = convForwardDesc(engine, d, hasBias, dnnl::prop_kind::forward_training);
  using dnnl::convolution_backward_weights;
  const auto desc =
      hasBias ? convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, d.srcAny, d.weightsAny, d.bias,
                                                   d.dstAny, d.strides, d.dilation, d.padBegin, d.padEnd)
              : convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, d.srcAny, d.weightsAny,
                                                   d.dstAny, d.strides, d.dilation, d.padBegin, d.padEnd);
  const convolution_backward_weights::primitive_desc pd(desc, engine, hint);
  src_ = LayoutBridge(engine, d.srcUser, pd.src_desc(), true);
  diffDst_ = LayoutBridge(engine, d.dstUser, pd.diff_dst_desc(), true);
  diffWeights_ = LayoutBridge(engine, d.weightsUser, pd.diff_weights_desc(), false);
  primitive_ = convolution_backward_weights(pd);
}

void OnednnConvBackwardWeights::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                        const Tensor& diffDst, Tensor& diffWeights, Tensor* diffBias) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src_.bind(engine, const_cast<float*>(src.data()))},
      {DNNL_ARG_DIFF_DST, diffDst_.bind(engine, const_cast<float*>(diffDst.data()))},
      {DNNL_ARG_DIFF_WEIGHTS, diffWeights_.bind(engine, diffWeights.data())}};
  if (diffBias) args.emplace(DNNL_ARG_DIFF_BIAS, dnnl::memory(biasDesc_, engine, diffBias->data()));
  src_.run(stream);
  diffDst_.run(stream);
  primitive_.execute(stream, args);
  diffWeights_.run(stream);
  stream.wait();
}

} // namespace convscope::onednn
