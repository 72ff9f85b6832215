// oneDNN batch normalization, forward (batch statistics in training, running statistics
// otherwise) and backward, and local response normalization across channels (forward;
// backward after a training forward for its workspace), on activations in their own layout.
#include "engine/backend/onednn/OnednnPrimitives.h"

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

namespace {
dnnl::lrn_forward::desc lrnDesc(dnnl::prop_kind prop, const dnnl::memory::desc& data, const LrnParams& p) {
  // oneDNN's alpha is divided by the size as PyTorch's is: (k + α/size · Σ x²)^β.
  return dnnl::lrn_forward::desc(prop, dnnl::algorithm::lrn_across_channels, data, p.size, p.alpha, p.beta, p.k);
}
} // namespace

OnednnLrn::OnednnLrn(const dnnl::engine& engine, const LrnParams& p, const Tensor& src) : desc_(userDesc(src)) {
  primitive_ = dnnl::lrn_forward(
      dnnl::lrn_forward::primitive_desc(lrnDesc(dnnl::prop_kind::forward_inference, desc_, p), engine));
}

void OnednnLrn::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst) {
  primitive_.execute(
      stream, {{DNNL_ARG_SRC, bindConst(desc_, engine, src)}, {DNNL_ARG_DST, dnnl::memory(desc_, engine, dst.data())}});
  stream.wait();
}

OnednnLrnBackward::OnednnLrnBackward(const dnnl::engine& engine, const LrnParams& p, const Tensor& src)
    : desc_(userDesc(src)) {
  const dnnl::lrn_forward::primitive_desc hint(lrnDesc(dnnl::prop_kind::forward_training, desc_, p), engine);
  forward_ = dnnl::lrn_forward(hint);
  dst_ = dnnl::memory(desc_, engine);
  workspace_ = dnnl::memory(hint.workspace_desc(), engine);
  const dnnl::lrn_backward::desc desc(dnnl::algorithm::lrn_across_channels, desc_, desc_, p.size, p.alpha, p.beta, p.k);
  primitive_ = dnnl::lrn_backward(dnnl::lrn_backward::primitive_desc(desc, engine, hint));
}

void OnednnLrnBackward::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                const Tensor& diffDst, Tensor& diffSrc) {
  dnnl::memory source = bindConst(desc_, engine, src);
  forward_.execute(stream, {{DNNL_ARG_SRC, source}, {DNNL_ARG_DST, dst_}, {DNNL_ARG_WORKSPACE, workspace_}});
  primitive_.execute(stream, {{DNNL_ARG_SRC, source},
                              {DNNL_ARG_DIFF_DST, bindConst(desc_, engine, diffDst)},
                              {DNNL_ARG_WORKSPACE, workspace_},
                              {DNNL_ARG_DIFF_SRC, dnnl::memory(desc_, engine, diffSrc.data())}});
  stream.wait();
}

} // namespace convscope::onednn
