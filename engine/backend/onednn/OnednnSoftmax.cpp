// oneDNN softmax over the features of an (N, F) tensor.
#include "OnednnPrimitives.h"

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
