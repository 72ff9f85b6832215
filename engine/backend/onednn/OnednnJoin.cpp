// oneDNN's joins of branches: sum (residual addition) and concatenation along the
// channels, forward, and concatenation's backward as reorders out of diff_dst's slices.
#include "engine/backend/onednn/OnednnPrimitives.h"

namespace convscope::onednn {

namespace {
// A rank-4 tensor in its own layout, or a rank-2 (N, F) one.
dnnl::memory::desc joinDesc(const Tensor& t) {
  if (t.shape().rank() == 4) return userDesc(t);
  return dnnl::memory::desc({t.shape()[0], t.shape()[1]}, f32, tag::ab);
}

// DST and MULTIPLE_SRC + i, as sum and concat both take them.
std::unordered_map<int, dnnl::memory> joinArguments(const dnnl::engine& engine,
                                                    const std::vector<dnnl::memory::desc>& srcDescs,
                                                    const std::vector<const Tensor*>& srcs,
                                                    const dnnl::memory::desc& dstDesc, Tensor& dst) {
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, dnnl::memory(dstDesc, engine, dst.data())}};
  for (size_t i = 0; i < srcs.size(); ++i)
    args.emplace(DNNL_ARG_MULTIPLE_SRC + int(i),
                 dnnl::memory(srcDescs[i], engine, const_cast<float*>(srcs[i]->data())));
  return args;
}
} // namespace

OnednnSum::OnednnSum(const dnnl::engine& engine, const std::vector<const Tensor*>& srcs, const Tensor& dst)
    : dstDesc_(joinDesc(dst)) {
  for (const Tensor* s : srcs) srcDescs_.push_back(joinDesc(*s));
  const std::vector<float> scales(srcs.size(), 1.0f);
  primitive_ = dnnl::sum(dnnl::sum::primitive_desc(dstDesc_, scales, srcDescs_, engine));
}

void OnednnSum::execute(const dnnl::engine& engine, dnnl::stream& stream, const std::vector<const Tensor*>& srcs,
                        Tensor& dst) {
  primitive_.execute(stream, joinArguments(engine, srcDescs_, srcs, dstDesc_, dst));
  stream.wait();
}

OnednnArithmetic::OnednnArithmetic(const dnnl::engine& engine, ArithmeticOp op, const Tensor& a, const Tensor& b,
                                   const Tensor& dst)
    : aDesc_(joinDesc(a)), bDesc_(joinDesc(b)), dstDesc_(joinDesc(dst)) {
  const dnnl::algorithm algorithm = op == ArithmeticOp::Add        ? dnnl::algorithm::binary_add
                                    : op == ArithmeticOp::Subtract ? dnnl::algorithm::binary_sub
                                    : op == ArithmeticOp::Multiply ? dnnl::algorithm::binary_mul
                                                                   : dnnl::algorithm::binary_div;
  const dnnl::binary::desc desc(algorithm, aDesc_, bDesc_, dstDesc_);
  primitive_ = dnnl::binary(dnnl::binary::primitive_desc(desc, engine));
}

void OnednnArithmetic::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& a, const Tensor& b,
                             Tensor& dst) {
  primitive_.execute(stream, {{DNNL_ARG_SRC_0, dnnl::memory(aDesc_, engine, const_cast<float*>(a.data()))},
                              {DNNL_ARG_SRC_1, dnnl::memory(bDesc_, engine, const_cast<float*>(b.data()))},
                              {DNNL_ARG_DST, dnnl::memory(dstDesc_, engine, dst.data())}});
  stream.wait();
}

OnednnConcat::OnednnConcat(const dnnl::engine& engine, const std::vector<const Tensor*>& srcs, const Tensor& dst)
    : dstDesc_(joinDesc(dst)) {
  for (const Tensor* s : srcs) srcDescs_.push_back(joinDesc(*s));
  primitive_ = dnnl::concat(dnnl::concat::primitive_desc(dstDesc_, 1, srcDescs_, engine));
}

void OnednnConcat::execute(const dnnl::engine& engine, dnnl::stream& stream, const std::vector<const Tensor*>& srcs,
                           Tensor& dst) {
  primitive_.execute(stream, joinArguments(engine, srcDescs_, srcs, dstDesc_, dst));
  stream.wait();
}

OnednnConcatBackward::OnednnConcatBackward(const dnnl::engine& engine, const Tensor& diffDst,
                                           const std::vector<Tensor*>& diffSrcs) {
  const dnnl::memory::desc whole = joinDesc(diffDst);
  dims offsets(size_t(diffDst.shape().rank()), 0);
  for (const Tensor* s : diffSrcs) {
    dims sizes(s->shape().dims().begin(), s->shape().dims().end());
    Slice slice;
    slice.from = whole.submemory_desc(sizes, offsets);
    slice.to = joinDesc(*s);
    slice.copy = dnnl::reorder(dnnl::reorder::primitive_desc(engine, slice.from, engine, slice.to));
    slices_.push_back(std::move(slice));
    offsets[1] += s->shape()[1];
  }
}

void OnednnConcatBackward::execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& diffDst,
                                   const std::vector<Tensor*>& diffSrcs) {
  for (size_t i = 0; i < slices_.size(); ++i) {
    dnnl::memory from(slices_[i].from, engine, const_cast<float*>(diffDst.data()));
    dnnl::memory to(slices_[i].to, engine, diffSrcs[i]->data());
    slices_[i].copy.execute(stream, from, to);
  }
  stream.wait();
}

} // namespace convscope::onednn
