// oneDNN inner product: the fully connected (Dense) layer, dst = src · weightsᵀ + bias.
#include "engine/backend/onednn/OnednnPrimitives.h"

namespace convscope::onednn {

namespace {
// The forward descriptor, for the forward primitive and as the backward passes' hint.
dnnl::inner_product_forward::primitive_desc forwardDesc(const dnnl::engine& engine, dnnl::prop_kind prop,
                                                        const dnnl::memory::desc& src,
                                                        const dnnl::memory::desc& weights,
                                                        const dnnl::memory::desc* bias, const dnnl::memory::desc& dst) {
  using dnnl::inner_product_forward;
  const auto desc = bias ? inner_product_forward::desc(prop, src, weights, *bias, dst)
                         : inner_product_forward::desc(prop, src, weights, dst);
  return inner_product_forward::primitive_desc(desc, engine);
}
} // namespace

OnednnInnerProduct::OnednnInnerProduct(const dnnl::engine& engine, const Shape& src, const Shape& weights,
                                       bool hasBias) {
  srcDesc_ = dnnl::memory::desc({src[0], src[1]}, f32, tag::nc);
  dstDesc_ = dnnl::memory::desc({src[0], weights[0]}, f32, tag::nc);
  biasDesc_ = dnnl::memory::desc({weights[0]}, f32, tag::x);
  const dnnl::memory::desc weightsUser({weights[0], weights[1]}, f32, tag::oi);
  // Large weights (4 MB and up) at a small batch stay as they are (a matrix-vector product
  // reads each weight once in either layout): a blocked copy of VGG-16's fully connected
  // layers would be another 471 MB for nothing, and the blocked layout pads a few outputs to
  // 16 (the live view's demonstration classifier, 1 × 524 288 → 4: 1.7 ms blocked, 0.37 ms
  // plain). Otherwise the layout oneDNN prefers, copied once.
  const bool asTheyAre = src[0] <= 16 && weights[0] * weights[1] >= (int64_t(1) << 20); // 4 MB
  const dnnl::memory::desc weightsAny({weights[0], weights[1]}, f32, asTheyAre ? tag::oi : tag::any);
  const auto pd = forwardDesc(engine, dnnl::prop_kind::forward_inference, srcDesc_, weightsAny,
                              hasBias ? &biasDesc_ : nullptr, dstDesc_);
  weights_ = ReorderedWeights(engine, weightsUser, pd.weights_desc());
  primitive_ = dnnl::inner_product_forward(pd);
}

void OnednnInnerProduct::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                 const Tensor& weights, const Tensor* bias, Tensor& dst) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(srcDesc_, engine, const_cast<float*>(src.data()))},
      {DNNL_ARG_WEIGHTS, weights_.get(engine, stream, weights)},
      {DNNL_ARG_DST, dnnl::memory(dstDesc_, engine, dst.data())}};
  if (bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(biasDesc_, engine, const_cast<float*>(bias->data())));
  primitive_.execute(stream, args);
  stream.wait();
}

} // namespace convscope::onednn

namespace convscope::onednn {

OnednnInnerProductBackward::OnednnInnerProductBackward(const dnnl::engine& engine, const Shape& src,
                                                       const Shape& weights, bool hasBias) {
  srcDesc_ = dnnl::memory::desc({src[0], src[1]}, f32, tag::nc);
  dstDesc_ = dnnl::memory::desc({src[0], weights[0]}, f32, tag::nc);
  biasDesc_ = dnnl::memory::desc({weights[0]}, f32, tag::x);
  const dnnl::memory::desc weightsUser({weights[0], weights[1]}, f32, tag::oi);
  // Large weights (4 MB and up) at a small batch stay as they are (a matrix-vector product
  // reads each weight once in either layout): a blocked copy of VGG-16's fully connected
  // layers would be another 471 MB for nothing, and the blocked layout pads a few outputs to
  // 16 (the live view's demonstration classifier, 1 × 524 288 → 4: 1.7 ms blocked, 0.37 ms
  // plain). Otherwise the layout oneDNN prefers, copied once.
  const bool asTheyAre = src[0] <= 16 && weights[0] * weights[1] >= (int64_t(1) << 20); // 4 MB
  const dnnl::memory::desc weightsAny({weights[0], weights[1]}, f32, asTheyAre ? tag::oi : tag::any);
  const auto hint = forwardDesc(engine, dnnl::prop_kind::forward_training, srcDesc_, weightsAny,
                                hasBias ? &biasDesc_ : nullptr, dstDesc_);

  const dnnl::inner_product_backward_data::desc dataDesc(srcDesc_, weightsAny, dstDesc_);
  const dnnl::inner_product_backward_data::primitive_desc dataPd(dataDesc, engine, hint);
  dataWeights_ = LayoutBridge(engine, weightsUser, dataPd.weights_desc(), true);
  data_ = dnnl::inner_product_backward_data(dataPd);

  using dnnl::inner_product_backward_weights;
  const auto weightsDesc = hasBias ? inner_product_backward_weights::desc(srcDesc_, weightsAny, biasDesc_, dstDesc_)
                                   : inner_product_backward_weights::desc(srcDesc_, weightsAny, dstDesc_);
  const inner_product_backward_weights::primitive_desc weightsPd(weightsDesc, engine, hint);
  diffWeights_ = LayoutBridge(engine, weightsUser, weightsPd.diff_weights_desc(), false);
  weights_ = inner_product_backward_weights(weightsPd);
}

void OnednnInnerProductBackward::executeData(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& weights,
                                             const Tensor& diffDst, Tensor& diffSrc) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_WEIGHTS, dataWeights_.bind(engine, const_cast<float*>(weights.data()))},
      {DNNL_ARG_DIFF_DST, dnnl::memory(dstDesc_, engine, const_cast<float*>(diffDst.data()))},
      {DNNL_ARG_DIFF_SRC, dnnl::memory(srcDesc_, engine, diffSrc.data())}};
  dataWeights_.run(stream);
  data_.execute(stream, args);
  stream.wait();
}

void OnednnInnerProductBackward::executeWeights(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src,
                                                const Tensor& diffDst, Tensor& diffWeights, Tensor* diffBias) {
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(srcDesc_, engine, const_cast<float*>(src.data()))},
      {DNNL_ARG_DIFF_DST, dnnl::memory(dstDesc_, engine, const_cast<float*>(diffDst.data()))},
      {DNNL_ARG_DIFF_WEIGHTS, diffWeights_.bind(engine, diffWeights.data())}};
  if (diffBias) args.emplace(DNNL_ARG_DIFF_BIAS, dnnl::memory(biasDesc_, engine, diffBias->data()));
  weights_.execute(stream, args);
  diffWeights_.run(stream);
  stream.wait();
}

} // namespace convscope::onednn
