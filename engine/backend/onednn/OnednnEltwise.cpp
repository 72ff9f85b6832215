// oneDNN element-wise activations (ReLU, leaky ReLU, tanh, sigmoid, ReLU6, ELU, hard sigmoid,
// hard swish, SiLU, SELU, GELU), in place or not. oneDNN 2.6 has no hard sigmoid (forward, a linear map
// and a clip; backward, a loop) and no SELU (ELU, then a linear map, both ways).
#include "engine/backend/onednn/OnednnPrimitives.h"

#include <stdexcept>

namespace convscope::onednn {

OnednnEltwise::OnednnEltwise(const dnnl::engine& engine, ActivationKind kind, float alpha, const Shape& shape) {
  // Any rank: oneDNN sees the tensor as a flat vector, which is all an element-wise op needs.
  desc_ = dnnl::memory::desc({shape.elementCount()}, f32, tag::a);
  dnnl::algorithm algorithm = dnnl::algorithm::eltwise_relu;
  float slope = 0.0f, beta = 0.0f;
  switch (kind) {
  case ActivationKind::ReLU: break;
  case ActivationKind::LeakyReLU: slope = alpha; break; // oneDNN's ReLU alpha is the negative slope
  case ActivationKind::Tanh: algorithm = dnnl::algorithm::eltwise_tanh; break;
  case ActivationKind::Sigmoid: algorithm = dnnl::algorithm::eltwise_logistic; break;
  case ActivationKind::ReLU6: algorithm = dnnl::algorithm::eltwise_clip_v2, beta = 6.0f; break; // clip to [0, 6]
  case ActivationKind::ELU: algorithm = dnnl::algorithm::eltwise_elu, slope = alpha; break;
  case ActivationKind::HardSwish: algorithm = dnnl::algorithm::eltwise_hardswish; break; // x·relu6(x + 3)/6
  case ActivationKind::SiLU: algorithm = dnnl::algorithm::eltwise_swish, slope = 1.0f; break; // x·σ(1·x)
  case ActivationKind::GELU: algorithm = dnnl::algorithm::eltwise_gelu_erf; break;           // x·Φ(x), exact
  case ActivationKind::GELUTanh: algorithm = dnnl::algorithm::eltwise_gelu_tanh; break;
  case ActivationKind::HardSigmoid: { // α·x + ½ (eltwise_linear), then min(max(0, ·), 1)
    algorithm = dnnl::algorithm::eltwise_linear, slope = alpha, beta = 0.5f;
    const dnnl::eltwise_forward::desc clip(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_clip_v2, desc_,
                                           0.0f, 1.0f);
    then_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(clip, engine));
    break;
  }
  case ActivationKind::SELU: { // γ·ELU(α): eltwise_elu, then eltwise_linear (γ·y) in place
    algorithm = dnnl::algorithm::eltwise_elu, slope = float(kSeluAlpha);
    const dnnl::eltwise_forward::desc scale(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_linear,
                                            desc_, float(kSeluScale), 0.0f);
    then_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(scale, engine));
    break;
  }
  case ActivationKind::None: throw std::logic_error("OnednnEltwise: 'none' needs no primitive");
  }
  const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, desc_, slope, beta);
  primitive_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(desc, engine));
}

void OnednnEltwise::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst) {
  primitive_.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(desc_, engine, const_cast<float*>(src.data()))},
                              {DNNL_ARG_DST, dnnl::memory(desc_, engine, dst.data())}});
  if (then_) {
    const dnnl::memory out(desc_, engine, dst.data());
    then_->execute(stream, {{DNNL_ARG_SRC, out}, {DNNL_ARG_DST, out}});
  }
  stream.wait();
}

} // namespace convscope::onednn

namespace convscope::onednn {

OnednnEltwiseBackward::OnednnEltwiseBackward(const dnnl::engine& engine, ActivationKind kind, float alpha,
                                             const Shape& shape) {
  desc_ = dnnl::memory::desc({shape.elementCount()}, f32, tag::a);
  dnnl::algorithm algorithm = dnnl::algorithm::eltwise_relu;
  float slope = 0.0f, beta = 0.0f;
  switch (kind) {
  case ActivationKind::ReLU: break;
  case ActivationKind::LeakyReLU: slope = alpha; break;
  case ActivationKind::Tanh: algorithm = dnnl::algorithm::eltwise_tanh_use_dst_for_bwd, useDst_ = true; break;
  case ActivationKind::Sigmoid: algorithm = dnnl::algorithm::eltwise_logistic_use_dst_for_bwd, useDst_ = true; break;
  case ActivationKind::ReLU6: algorithm = dnnl::algorithm::eltwise_clip_v2, beta = 6.0f; break;
  case ActivationKind::ELU: algorithm = dnnl::algorithm::eltwise_elu, slope = alpha; break;
  case ActivationKind::HardSwish: algorithm = dnnl::algorithm::eltwise_hardswish; break;
  case ActivationKind::SiLU: algorithm = dnnl::algorithm::eltwise_swish, slope = 1.0f; break;
  case ActivationKind::GELU: algorithm = dnnl::algorithm::eltwise_gelu_erf; break;
  case ActivationKind::GELUTanh: algorithm = dnnl::algorithm::eltwise_gelu_tanh; break;
  case ActivationKind::HardSigmoid: hardSigmoid_ = true, hardSigmoidSlope_ = alpha; return; // the loop in execute
  // γ times ELU's derivative: oneDNN's ELU backward, then diff_src scaled in place.
  case ActivationKind::SELU: {
    algorithm = dnnl::algorithm::eltwise_elu, slope = float(kSeluAlpha);
    const dnnl::eltwise_forward::desc scale(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_linear,
                                            desc_, float(kSeluScale), 0.0f);
    scaleDiff_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(scale, engine));
    break;
  }
  case ActivationKind::None: throw std::logic_error("OnednnEltwiseBackward: 'none' needs no primitive");
  }
  const dnnl::eltwise_forward::desc forwardDesc(dnnl::prop_kind::forward_training, algorithm, desc_, slope, beta);
  const dnnl::eltwise_forward::primitive_desc hint(forwardDesc, engine);
  const dnnl::eltwise_backward::desc desc(algorithm, desc_, desc_, slope, beta);
  primitive_ = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(desc, engine, hint));
}

void OnednnEltwiseBackward::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                    const Tensor& dst, const Tensor& diffDst, Tensor& diffSrc) {
  if (hardSigmoid_) {
    const float a = hardSigmoidSlope_, *x = src.data(), *gy = diffDst.data();
    float* gx = diffSrc.data();
    const int64_t n = src.size();
#pragma omp parallel for simd if (n > (1 << 16))
    for (int64_t i = 0; i < n; ++i) {
      const float z = a * x[i] + 0.5f;
      gx[i] = z > 0.0f && z < 1.0f ? a * gy[i] : 0.0f;
    }
    return;
  }
  const Tensor& data = useDst_ ? dst : src;
  primitive_.execute(
      stream, {{useDst_ ? DNNL_ARG_DST : DNNL_ARG_SRC, dnnl::memory(desc_, engine, const_cast<float*>(data.data()))},
               {DNNL_ARG_DIFF_DST, dnnl::memory(desc_, engine, const_cast<float*>(diffDst.data()))},
               {DNNL_ARG_DIFF_SRC, dnnl::memory(desc_, engine, diffSrc.data())}});
  if (scaleDiff_) {
    const dnnl::memory diff(desc_, engine, diffSrc.data());
    scaleDiff_->execute(stream, {{DNNL_ARG_SRC, diff}, {DNNL_ARG_DST, diff}});
  }
  stream.wait();
}

} // namespace convscope::onednn
