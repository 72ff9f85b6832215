// oneDNN softmax over the features of an (N, F) tensor.
#include "engine/backend/onednn/OnednnPrimitives.h"

namespace convscope::onednn {

OnednnSoftmax::OnednnSoftmax(const dnnl::engine& engine, const Shape& shape) {
  desc_ = dnnl::memory::desc({shape[0], shape[1]}, f32, tag::nc);
  const dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference, desc_, 1);
  primitive_ = dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(desc, engine));
}

void OnednnSoftmax::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst) {
  primitive_.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(desc_, engine, const_cast<float*>(src.data()))},
                              {DNNL_ARG_DST, dnnl::memory(desc_, engine, dst.data())}});
  stream.wait();
}

} // namespace convscope::onednn

namespace convscope::onednn {

OnednnSoftmaxBackward::OnednnSoftmaxBackward(const dnnl::engine& engine, const Shape& shape) {
  desc_ = dnnl::memory::desc({shape[0], shape[1]}, f32, tag::nc);
  const dnnl::softmax_forward::desc forwardDesc(dnnl::prop_kind::forward_training, desc_, 1);
  const dnnl::softmax_forward::primitive_desc hint(forwardDesc, engine);
  const dnnl::softmax_backward::desc desc(desc_, desc_, 1);
  primitive_ = dnnl::softmax_backward(dnnl::softmax_backward::primitive_desc(desc, engine, hint));
}

void OnednnSoftmaxBackward::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& dst,
                                    const Tensor& diffDst, Tensor& diffSrc) {
  primitive_.execute(stream, {{DNNL_ARG_DST, dnnl::memory(desc_, engine, const_cast<float*>(dst.data()))},
                              {DNNL_ARG_DIFF_DST, dnnl::memory(desc_, engine, const_cast<float*>(diffDst.data()))},
                              {DNNL_ARG_DIFF_SRC, dnnl::memory(desc_, engine, diffSrc.data())}});
  stream.wait();
}

} // namespace convscope::onednn
