// oneDNN batch normalization, forward (batch statistics in training, running statistics
// otherwise) and backward, on activations in their own layout (NHWC or NCHW).
#include "OnednnPrimitives.h"

namespace convscope::onednn {

namespace {
dnnl::normalization_flags batchNormFlags(bool training) {
  auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  return training ? flags : flags | dnnl::normalization_flags::use_global_stats;
}

dnnl::memory::desc channelDesc(int64_t channels) { return dnnl::memory::desc({channels}, f32, tag::a); }

dnnl::memory bindConst(const dnnl::memory::desc& desc, const dnnl::engine& engine, const Tensor& t) {
  return dnnl::memory(desc, engine, const_cast<float*>(t.data()));
}
} // namespace

OnednnBatchNorm::OnednnBatchNorm(const dnnl::engine& engine, const Tensor& src, bool training, float epsilon)
    : dataDesc_(userDesc(src)), channelDesc_(channelDesc(src.shape()[1])) {
  const dnnl::batch_normalization_forward::desc desc(training ? dnnl::prop_kind::forward_training
                                                              : dnnl::prop_kind::forward_inference,
                                                     dataDesc_, epsilon, batchNormFlags(training));
  primitive_ = dnnl::batch_normalization_forward(dnnl::batch_normalization_forward::primitive_desc(desc, engine));
}

void OnednnBatchNorm::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& gamma,
                              const Tensor& beta, Tensor& mean, Tensor& variance, Tensor& dst) {
  primitive_.execute(stream, {{DNNL_ARG_SRC, bindConst(dataDesc_, engine, src)},
                              {DNNL_ARG_DST, dnnl::memory(dataDesc_, engine, dst.data())},
                              {DNNL_ARG_SCALE, bindConst(channelDesc_, engine, gamma)},
                              {DNNL_ARG_SHIFT, bindConst(channelDesc_, engine, beta)},
                              {DNNL_ARG_MEAN, dnnl::memory(channelDesc_, engine, mean.data())},
                              {DNNL_ARG_VARIANCE, dnnl::memory(channelDesc_, engine, variance.data())}});
  stream.wait();
}

OnednnBatchNormBackward::OnednnBatchNormBackward(const dnnl::engine& engine, const Tensor& src, bool training,
                                                 float epsilon)
    : dataDesc_(userDesc(src)), channelDesc_(channelDesc(src.shape()[1])) {
  const auto flags = batchNormFlags(training);
  const dnnl::batch_normalization_forward::desc forwardDesc(dnnl::prop_kind::forward_training, dataDesc_, epsilon,
                                                            flags);
  const dnnl::batch_normalization_forward::primitive_desc hint(forwardDesc, engine);
  const dnnl::batch_normalization_backward::desc desc(dnnl::prop_kind::backward, dataDesc_, dataDesc_, epsilon, flags);
  primitive_ =
      dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(desc, engine, hint));
  unusedShift_ = Tensor(Shape{src.shape()[1]});
}

void OnednnBatchNormBackward::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                      const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                                      const Tensor& diffDst, Tensor* diffSrc, Tensor& diffGamma, Tensor& diffBeta) {
  // oneDNN always writes diff_src; when nobody wants it, it goes to a scratch buffer.
  if (!diffSrc) scratch_.reuseAs(src.shape(), src.layout());
  Tensor& out = diffSrc ? *diffSrc : scratch_;
  primitive_.execute(stream, {{DNNL_ARG_SRC, bindConst(dataDesc_, engine, src)},
                              {DNNL_ARG_DIFF_DST, bindConst(dataDesc_, engine, diffDst)},
                              {DNNL_ARG_SCALE, bindConst(channelDesc_, engine, gamma)},
                              {DNNL_ARG_SHIFT, dnnl::memory(channelDesc_, engine, unusedShift_.data())},
                              {DNNL_ARG_MEAN, bindConst(channelDesc_, engine, mean)},
                              {DNNL_ARG_VARIANCE, bindConst(channelDesc_, engine, variance)},
                              {DNNL_ARG_DIFF_SRC, dnnl::memory(dataDesc_, engine, out.data())},
                              {DNNL_ARG_DIFF_SCALE, dnnl::memory(channelDesc_, engine, diffGamma.data())},
                              {DNNL_ARG_DIFF_SHIFT, dnnl::memory(channelDesc_, engine, diffBeta.data())}});
  stream.wait();
}

} // namespace convscope::onednn
