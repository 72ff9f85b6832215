// oneDNN inner product: the fully connected (Dense) layer, dst = src · weightsᵀ + bias.
#include "OnednnPrimitives.h"

namespace convscope::onednn {

OnednnInnerProduct::OnednnInnerProduct(const dnnl::engine& engine, const Shape& src, const Shape& weights,
                                       bool hasBias) {
  srcDesc_ = dnnl::memory::desc({src[0], src[1]}, f32, tag::nc);
  dstDesc_ = dnnl::memory::desc({src[0], weights[0]}, f32, tag::nc);
  biasDesc_ = dnnl::memory::desc({weights[0]}, f32, tag::x);
  const dnnl::memory::desc weightsUser({weights[0], weights[1]}, f32, tag::oi);
  const dnnl::memory::desc weightsAny({weights[0], weights[1]}, f32, tag::any);
  using dnnl::inner_product_forward;
  const auto desc =
      hasBias
          ? inner_product_forward::desc(dnnl::prop_kind::forward_inference, srcDesc_, weightsAny, biasDesc_, dstDesc_)
          : inner_product_forward::desc(dnnl::prop_kind::forward_inference, srcDesc_, weightsAny, dstDesc_);
  const inner_product_forward::primitive_desc pd(desc, engine);
  weights_ = LayoutBridge(engine, weightsUser, pd.weights_desc(), true);
  primitive_ = inner_product_forward(pd);
}

void OnednnInnerProduct::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                 const Tensor& weights, const Tensor* bias, Tensor& dst) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(srcDesc_, engine, const_cast<float*>(src.data()))},
      {DNNL_ARG_WEIGHTS, weights_.bind(engine, const_cast<float*>(weights.data()))},
      {DNNL_ARG_DST, dnnl::memory(dstDesc_, engine, dst.data())}};
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(biasDesc_, engine, const_cast<float*>(bias->data())));
  weights_.run(stream);
  primitive_.execute(stream, args);
  stream.wait();
}

} // namespace convscope::onednn
