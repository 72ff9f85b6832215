// oneDNN convolution (forward inference), one primitive per geometry and shapes.
#include "OnednnPrimitives.h"

namespace convscope::onednn {

OnednnConv::OnednnConv(const dnnl::engine& engine, const Conv2DGeometry& g, const Shape& src, const Shape& weights,
                       bool hasBias, const Shape& dst) {
  const dims srcDims{src[0], src[1], src[2], src[3]};
  const dims dstDims{dst[0], dst[1], dst[2], dst[3]};
  // Grouped weights are 5-D for oneDNN: (G, C_out/G, C_in/G, KH, KW); same bytes as ours.
  const bool grouped = g.groups > 1;
  const dims weightDims = grouped ? dims{g.groups, weights[0] / g.groups, weights[1], weights[2], weights[3]}
                                  : dims{weights[0], weights[1], weights[2], weights[3]};
  const dnnl::memory::desc srcUser(srcDims, f32, tag::nchw);
  const dnnl::memory::desc weightsUser(weightDims, f32, grouped ? tag::goihw : tag::oihw);
  const dnnl::memory::desc dstUser(dstDims, f32, tag::nchw);
  biasDesc_ = dnnl::memory::desc({weights[0]}, f32, tag::x);

  // Let oneDNN choose the layouts it computes fastest in; the bridges reorder to and from ours.
  const dnnl::memory::desc srcAny(srcDims, f32, tag::any);
  const dnnl::memory::desc weightsAny(weightDims, f32, tag::any);
  const dnnl::memory::desc dstAny(dstDims, f32, tag::any);
  const dims strides{g.strideH, g.strideW};
  // oneDNN counts dilation from 0: a dilation of 1 here (dense kernel) is 0 there.
  const dims dilation{g.dilationH - 1, g.dilationW - 1};
  const dims padBegin{g.padTop, g.padLeft};
  const dims padEnd{g.padBottom, g.padRight};
  using dnnl::convolution_forward;
  const auto desc =
      hasBias ? convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                          srcAny, weightsAny, biasDesc_, dstAny, strides, dilation, padBegin, padEnd)
              : convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                          srcAny, weightsAny, dstAny, strides, dilation, padBegin, padEnd);
  const convolution_forward::primitive_desc pd(desc, engine);
  src_ = LayoutBridge(engine, srcUser, pd.src_desc(), true);
  weights_ = LayoutBridge(engine, weightsUser, pd.weights_desc(), true);
  dst_ = LayoutBridge(engine, dstUser, pd.dst_desc(), false);
  primitive_ = convolution_forward(pd);
}

void OnednnConv::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& weights,
                         const Tensor* bias, Tensor& dst) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src_.bind(engine, const_cast<float*>(src.data()))},
      {DNNL_ARG_WEIGHTS, weights_.bind(engine, const_cast<float*>(weights.data()))},
      {DNNL_ARG_DST, dst_.bind(engine, dst.data())}};
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(biasDesc_, engine, const_cast<float*>(bias->data())));
  src_.run(stream);
  weights_.run(stream);
  primitive_.execute(stream, args);
  dst_.run(stream);
  stream.wait();
}

} // namespace convscope::onednn
