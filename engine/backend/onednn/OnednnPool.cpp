// oneDNN pooling (forward inference). Sum pooling is average pooling (padding counted)
// scaled by the window size; oneDNN has no sum algorithm.
#include "engine/backend/onednn/OnednnPrimitives.h"

namespace convscope::onednn {

OnednnPool::OnednnPool(const dnnl::engine& engine, const Pool2DGeometry& g, const Tensor& src, const Tensor& dst) {
  srcDesc_ = userDesc(src);
  dstDesc_ = userDesc(dst);
  const auto algorithm = g.mode == PoolMode::Max ? dnnl::algorithm::pooling_max
                         : g.countPadding        ? dnnl::algorithm::pooling_avg_include_padding
                                                 : dnnl::algorithm::pooling_avg_exclude_padding;
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

namespace convscope::onednn {

OnednnPoolBackward::OnednnPoolBackward(const dnnl::engine& engine, const Pool2DGeometry& g, const Tensor& src,
                                       const Tensor& diffDst) {
  srcDesc_ = userDesc(src);
  dstDesc_ = userDesc(diffDst);
  const auto algorithm = g.mode == PoolMode::Max ? dnnl::algorithm::pooling_max
                         : g.countPadding        ? dnnl::algorithm::pooling_avg_include_padding
                                                 : dnnl::algorithm::pooling_avg_exclude_padding;
  if (g.mode == PoolMode::Sum) scale_ = static_cast<float>(g.kernelH * g.kernelW);
  const dims strides{g.strideH, g.strideW}, kernel{g.kernelH, g.kernelW}, padBegin{g.padTop, g.padLeft},
      padEnd{g.padBottom, g.padRight};
  const dnnl::pooling_forward::desc forwardDesc(dnnl::prop_kind::forward_training, algorithm, srcDesc_, dstDesc_,
                                                strides, kernel, padBegin, padEnd);
  const dnnl::pooling_forward::primitive_desc forwardPd(forwardDesc, engine);
  const dnnl::pooling_backward::desc desc(algorithm, srcDesc_, dstDesc_, strides, kernel, padBegin, padEnd);
  const dnnl::pooling_backward::primitive_desc pd(desc, engine, forwardPd);
  hasWorkspace_ = forwardPd.workspace_desc().get_size() > 0;
  if (hasWorkspace_) {
    forward_ = dnnl::pooling_forward(forwardPd);
    dst_ = dnnl::memory(dstDesc_, engine);
    workspace_ = dnnl::memory(forwardPd.workspace_desc(), engine);
  }
  primitive_ = dnnl::pooling_backward(pd);
}

void OnednnPoolBackward::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                 const Tensor& diffDst, Tensor& diffSrc) {
  if (hasWorkspace_)
    forward_.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(srcDesc_, engine, const_cast<float*>(src.data()))},
                              {DNNL_ARG_DST, dst_},
                              {DNNL_ARG_WORKSPACE, workspace_}});
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_DIFF_DST, dnnl::memory(dstDesc_, engine, const_cast<float*>(diffDst.data()))},
      {DNNL_ARG_DIFF_SRC, dnnl::memory(srcDesc_, engine, diffSrc.data())}};
  if (hasWorkspace_) args.emplace(DNNL_ARG_WORKSPACE, workspace_);
  primitive_.execute(stream, args);
  stream.wait();
  if (scale_ != 1.0f)
    for (float& v : diffSrc.values()) v *= scale_;
}

} // namespace convscope::onednn
