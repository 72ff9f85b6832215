// oneDNN pooling (forward inference). Sum pooling is average pooling (padding counted)
// scaled by the window size; oneDNN has no sum algorithm.
#include "OnednnPrimitives.h"

namespace convscope::onednn {

OnednnPool::OnednnPool(const dnnl::engine& engine, const Pool2DGeometry& g, const Shape& src, const Shape& dst) {
  srcDesc_ = dnnl::memory::desc({src[0], src[1], src[2], src[3]}, f32, tag::nchw);
  dstDesc_ = dnnl::memory::desc({dst[0], dst[1], dst[2], dst[3]}, f32, tag::nchw);
  const auto algorithm =
      g.mode == PoolMode::Max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding;
  if (g.mode == PoolMode::Sum) scale_ = static_cast<float>(g.kernelH * g.kernelW);
  const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, srcDesc_, dstDesc_,
                                         {g.strideH, g.strideW}, {g.kernelH, g.kernelW}, {g.padTop, g.padLeft},
                                         {g.padBottom, g.padRight});
  primitive_ = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(desc, engine));
}

void OnednnPool::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst) {
  primitive_.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(srcDesc_, engine, const_cast<float*>(src.data()))},
                              {DNNL_ARG_DST, dnnl::memory(dstDesc_, engine, dst.data())}});
  stream.wait();
  if (scale_ != 1.0f)
    for (float& v : dst.values()) v *= scale_;
}

} // namespace convscope::onednn
