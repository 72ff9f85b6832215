// oneDNN backend: the engine, the stream, the primitive caches and the layout bridges.
// The per-family primitives live in OnednnConv.cpp, OnednnPool.cpp, OnednnEltwise.cpp,
// OnednnInnerProduct.cpp, OnednnSoftmax.cpp, OnednnNorm.cpp (batch normalization) and
// OnednnJoin.cpp (sum, concatenation).
#include "engine/backend/onednn/OnednnBackend.h"

#include "engine/backend/onednn/OnednnPrimitives.h"
#include "engine/backend/onednn/PlaneFilter.h"

#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace convscope {

namespace onednn {

LayoutBridge::LayoutBridge(const dnnl::engine& engine, const dnnl::memory::desc& user,
                           const dnnl::memory::desc& preferred, bool toPreferred)
    : user_(user), userMemory_(user, engine, DNNL_MEMORY_NONE), toPreferred_(toPreferred) {
  if (user == preferred) return;
  preferred_ = dnnl::memory(preferred, engine);
  reorder_ = toPreferred ? dnnl::reorder(dnnl::reorder::primitive_desc(engine, user, engine, preferred))
                         : dnnl::reorder(dnnl::reorder::primitive_desc(engine, preferred, engine, user));
}

dnnl::memory LayoutBridge::bind(const dnnl::engine&, float* userData) {
  userMemory_.set_data_handle(userData);
  return reorder_ ? preferred_ : userMemory_;
}

void LayoutBridge::run(dnnl::stream& stream) {
  if (!reorder_) return;
  if (toPreferred_)
    reorder_->execute(stream, userMemory_, preferred_);
  else
    reorder_->execute(stream, preferred_, userMemory_);
}

// Vectorized (64-bit multiplies want AVX-512 or AVX2, picked at run time); memory-bound then:
// 25 M floats (ResNet-50) in 2.5 ms on 2 cores against 8 ms for the scalar loop.
// (Not under ThreadSanitizer: the clones' resolver runs before TSan's runtime is up.)
#ifndef __SANITIZE_THREAD__
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
uint64_t
weightsFingerprint(const float* values, int64_t n) {
  uint64_t sum = uint64_t(n);
#pragma omp parallel for simd reduction(+ : sum) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, values + i, sizeof bits);
    sum += (uint64_t(bits) + 1) * ((0x9E3779B97F4A7C15ull * uint64_t(i)) | 1);
  }
  return sum;
}

ReorderedWeights::ReorderedWeights(const dnnl::engine& engine, const dnnl::memory::desc& user,
                                   const dnnl::memory::desc& preferred)
    : user_(user), preferred_(preferred) {
  if (user == preferred) return;
  reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine, user, engine, preferred));
}

dnnl::memory ReorderedWeights::get(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& weights) {
  dnnl::memory user(user_, engine, const_cast<float*>(weights.data()));
  if (!reorder_) return user;
  constexpr int64_t kCachedFrom = 16384; // floats: 64 KiB
  if (weights.size() < kCachedFrom) {
    if (!shared_) shared_ = dnnl::memory(preferred_, engine);
    reorder_->execute(stream, user, shared_);
    return shared_;
  }
  const uint64_t fingerprint = weightsFingerprint(weights.data(), weights.size());
  if (copies_.size() > 1024) copies_.clear(); // networks come and go; keep the cache bounded
  Copy& copy = copies_[weights.data()];
  if (copy.memory && copy.fingerprint == fingerprint) return copy.memory;
  if (!copy.memory) copy.memory = dnnl::memory(preferred_, engine);
  reorder_->execute(stream, user, copy.memory);
  copy.fingerprint = fingerprint;
  return copy.memory;
}

void rethrow(const std::string& what, const dnnl::error& e) {
  throw std::runtime_error("oneDNN " + what + ": " + e.what() + " (status " + std::to_string(int(e.status)) + ")");
}

} // namespace onednn

using namespace onednn;

struct OnednnBackend::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<std::string, std::unique_ptr<OnednnConv>> conv;
  std::unordered_map<std::string, std::unique_ptr<OnednnPool>> pool;
  std::unordered_map<std::string, std::unique_ptr<OnednnEltwise>> eltwise;
  std::unordered_map<std::string, std::unique_ptr<OnednnInnerProduct>> innerProduct;
  std::unordered_map<std::string, std::unique_ptr<OnednnSoftmax>> softmax;
  std::unordered_map<std::string, std::unique_ptr<OnednnConvBackwardData>> convData;
  std::unordered_map<std::string, std::unique_ptr<OnednnConvBackwardWeights>> convWeights;
  std::unordered_map<std::string, std::unique_ptr<OnednnPoolBackward>> poolBackward;
  std::unordered_map<std::string, std::unique_ptr<OnednnEltwiseBackward>> eltwiseBackward;
  std::unordered_map<std::string, std::unique_ptr<OnednnInnerProductBackward>> innerProductBackward;
  std::unordered_map<std::string, std::unique_ptr<OnednnSoftmaxBackward>> softmaxBackward;
  std::unordered_map<std::string, std::unique_ptr<OnednnBatchNorm>> batchNorm;
  std::unordered_map<std::string, std::unique_ptr<OnednnBatchNormBackward>> batchNormBackward;
  std::unordered_map<std::string, std::unique_ptr<OnednnSum>> sum;
  std::unordered_map<std::string, std::unique_ptr<OnednnConcat>> concat;
  std::unordered_map<std::string, std::unique_ptr<OnednnArithmetic>> arithmetic;
  std::unordered_map<std::string, std::unique_ptr<OnednnConcatBackward>> concatBackward;
  std::unordered_map<std::string, std::unique_ptr<OnednnLrn>> lrn;
  std::unordered_map<std::string, std::unique_ptr<OnednnLrnBackward>> lrnBackward;
};

OnednnBackend::OnednnBackend() {
  try {
    state_ = std::make_unique<State>();
  } catch (const dnnl::error& e) {
    rethrow("engine creation", e);
  }
}

OnednnBackend::~OnednnBackend() = default;

size_t OnednnBackend::cachedPrimitiveCount() const {
  return state_->conv.size() + state_->pool.size() + state_->eltwise.size() + state_->innerProduct.size() +
         state_->softmax.size() + state_->convData.size() + state_->convWeights.size() + state_->poolBackward.size() +
         state_->eltwiseBackward.size() + state_->innerProductBackward.size() + state_->softmaxBackward.size() +
         state_->batchNorm.size() + state_->batchNormBackward.size() + state_->sum.size() + state_->concat.size() + state_->arithmetic.size() +
         state_->concatBackward.size() + state_->lrn.size() + state_->lrnBackward.size();
}

namespace {
// Finds the cached primitive for `key` or builds it with `make`, wrapping oneDNN errors.
template <typename Primitive, typename Make>
Primitive& cached(std::unordered_map<std::string, std::unique_ptr<Primitive>>& cache, const std::string& key,
                  const std::string& what, Make&& make) {
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  try {
    return *cache.emplace(key, make()).first->second;
  } catch (const dnnl::error& e) {
    rethrow(what + " " + key, e);
  }
}

// Runs `body`, turning a dnnl::error into one that says what was running.
template <typename Body> void guarded(const std::string& what, Body&& body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    rethrow(what, e);
  }
}

const char* layoutName(const Tensor& t) { return t.layout() == Layout::NHWC ? "nhwc" : "nchw"; }

// "1x64x56x56nhwc 1x64x56x56nchw …": the shapes and layouts a join primitive is built for.
template <typename TensorPointer> std::string joinKey(const std::vector<TensorPointer>& tensors) {
  std::string key;
  for (const auto* t : tensors) key += t->shape().toString() + layoutName(*t) + " ";
  return key;
}

std::string convKey(const Conv2DGeometry& g, const Tensor& src, const Shape& weights, const Tensor& dst, bool bias) {
  return g.toString() + " " + src.shape().toString() + layoutName(src) + " w" + weights.toString() + "->" +
         dst.shape().toString() + layoutName(dst) + (bias ? " bias" : "");
}
} // namespace

void OnednnBackend::conv2dForward(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                                  Tensor& dst) {
  checkConv2DArguments(g, src, weights, bias, dst);
  // An image filter (one plane in, one out, the size kept): OpenCV's filter2D, 2-8x faster
  // there than oneDNN, whose kernels vectorize over channels (PlaneFilter.h).
  if (onednn::isPlaneFilter(g, src, weights.shape(), dst)) return onednn::filterPlanes(g, src, weights, bias, dst);
  const std::string key = convKey(g, src, weights.shape(), dst, bias != nullptr);
  auto& primitive = cached(state_->conv, key, "conv2d", [&] {
    return std::make_unique<OnednnConv>(state_->engine, g, src, weights.shape(), bias != nullptr, dst);
  });
  try {
    primitive.execute(state_->engine, state_->stream, src, weights, bias, dst);
  } catch (const dnnl::error& e) {
    rethrow("conv2d " + key, e);
  }
}

void OnednnBackend::pool2dForward(const Pool2DGeometry& g, const Tensor& src, Tensor& dst) {
  checkPool2DArguments(g, src, dst);
  if (src.layout() != dst.layout()) return pool2dForward(g, src.inLayout(dst.layout()), dst);
  const std::string key = g.toString() + " " + src.shape().toString() + layoutName(src);
  auto& primitive =
      cached(state_->pool, key, "pool2d", [&] { return std::make_unique<OnednnPool>(state_->engine, g, src, dst); });
  try {
    primitive.execute(state_->engine, state_->stream, src, dst);
  } catch (const dnnl::error& e) {
    rethrow("pool2d " + key, e);
  }
}

void OnednnBackend::activationForward(ActivationKind kind, float alpha, const Tensor& src, Tensor& dst) {
  checkSameShape("activation", src, dst);
  if (kind == ActivationKind::None) {
    if (&src != &dst) dst.values() = src.values();
    return;
  }
  const std::string key = toString(kind) + " " + std::to_string(alpha) + " " + src.shape().toString();
  auto& primitive = cached(state_->eltwise, key, "activation",
                           [&] { return std::make_unique<OnednnEltwise>(state_->engine, kind, alpha, src.shape()); });
  try {
    primitive.execute(state_->engine, state_->stream, src, dst);
  } catch (const dnnl::error& e) {
    rethrow("activation " + key, e);
  }
}

void OnednnBackend::denseForward(const Tensor& src, const Tensor& weights, const Tensor* bias, Tensor& dst) {
  checkDenseArguments(src, weights, bias, dst);
  const std::string key = src.shape().toString() + " w" + weights.shape().toString() + (bias ? " bias" : "");
  auto& primitive = cached(state_->innerProduct, key, "dense", [&] {
    return std::make_unique<OnednnInnerProduct>(state_->engine, src.shape(), weights.shape(), bias != nullptr);
  });
  try {
    primitive.execute(state_->engine, state_->stream, src, weights, bias, dst);
  } catch (const dnnl::error& e) {
    rethrow("dense " + key, e);
  }
}

void OnednnBackend::softmaxForward(const Tensor& src, Tensor& dst) {
  checkSameShape("softmax", src, dst);
  if (src.shape().rank() != 2) throw std::invalid_argument("softmax: expects (N, F), got " + src.shape().toString());
  const std::string key = src.shape().toString();
  auto& primitive = cached(state_->softmax, key, "softmax",
                           [&] { return std::make_unique<OnednnSoftmax>(state_->engine, src.shape()); });
  try {
    primitive.execute(state_->engine, state_->stream, src, dst);
  } catch (const dnnl::error& e) {
    rethrow("softmax " + key, e);
  }
}

void OnednnBackend::conv2dBackwardData(const Conv2DGeometry& g, const Tensor& weights, const Tensor& diffDst,
                                       Tensor& diffSrc) {
  checkConv2DBackward(g, diffSrc.shape(), weights.shape(), diffDst.shape());
  const std::string key = convKey(g, diffSrc, weights.shape(), diffDst, false);
  auto& primitive = cached(state_->convData, key, "conv2d backward data", [&] {
    return std::make_unique<OnednnConvBackwardData>(state_->engine, g, diffSrc, weights.shape(), diffDst);
  });
  guarded("conv2d backward data " + key,
          [&] { primitive.execute(state_->engine, state_->stream, weights, diffDst, diffSrc); });
}

void OnednnBackend::conv2dBackwardWeights(const Conv2DGeometry& g, const Tensor& src, const Tensor& diffDst,
                                          Tensor& diffWeights, Tensor* diffBias) {
  checkConv2DBackward(g, src.shape(), diffWeights.shape(), diffDst.shape());
  const std::string key = convKey(g, src, diffWeights.shape(), diffDst, diffBias != nullptr);
  auto& primitive = cached(state_->convWeights, key, "conv2d backward weights", [&] {
    return std::make_unique<OnednnConvBackwardWeights>(state_->engine, g, src, diffWeights.shape(), diffBias != nullptr,
                                                       diffDst);
  });
  guarded("conv2d backward weights " + key,
          [&] { primitive.execute(state_->engine, state_->stream, src, diffDst, diffWeights, diffBias); });
}

void OnednnBackend::pool2dBackward(const Pool2DGeometry& g, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) {
  checkPool2DBackward(g, src.shape(), diffDst.shape());
  checkSameShape("pool2d backward", src, diffSrc);
  if (diffDst.layout() != src.layout()) return pool2dBackward(g, src, diffDst.inLayout(src.layout()), diffSrc);
  const std::string key = g.toString() + " " + src.shape().toString() + layoutName(src);
  auto& primitive = cached(state_->poolBackward, key, "pool2d backward",
                           [&] { return std::make_unique<OnednnPoolBackward>(state_->engine, g, src, diffDst); });
  guarded("pool2d backward " + key, [&] { primitive.execute(state_->engine, state_->stream, src, diffDst, diffSrc); });
}

void OnednnBackend::activationBackward(ActivationKind kind, float alpha, const Tensor& src, const Tensor& dst,
                                       const Tensor& diffDst, Tensor& diffSrc) {
  checkSameShape("activation backward", src, diffDst);
  checkSameShape("activation backward", src, diffSrc);
  checkSameShape("activation backward", src, dst);
  if (kind == ActivationKind::None) {
    if (&diffDst != &diffSrc) diffSrc.values() = diffDst.values();
    return;
  }
  const std::string key = toString(kind) + " " + std::to_string(alpha) + " " + src.shape().toString();
  auto& primitive = cached(state_->eltwiseBackward, key, "activation backward", [&] {
    return std::make_unique<OnednnEltwiseBackward>(state_->engine, kind, alpha, src.shape());
  });
  guarded("activation backward " + key,
          [&] { primitive.execute(state_->engine, state_->stream, src, dst, diffDst, diffSrc); });
}

namespace {
void checkDenseBackward(const Shape& src, const Shape& weights, const Shape& diffDst) {
  if (src.rank() != 2 || weights.rank() != 2 || diffDst.rank() != 2 || src[1] != weights[1] ||
      diffDst != Shape{src[0], weights[0]})
    throw std::invalid_argument("dense backward: src " + src.toString() + ", weights " + weights.toString() +
                                " and diff_dst " + diffDst.toString() + " do not fit together");
}
} // namespace

void OnednnBackend::denseBackwardData(const Tensor& weights, const Tensor& diffDst, Tensor& diffSrc) {
  checkDenseBackward(diffSrc.shape(), weights.shape(), diffDst.shape());
  // oneDNN 2.6's brgemm backward-data kernel crashes on this machine (AVX-512) for inner products
  // of few inputs and many outputs — a VAE decoder's dense 16 → 3136; seen for 16 → 2048,
  // 16 → 3136 and 32 → 3136, while 32 → 1568 and 64 → 4096 run. With under 64 inputs the product
  // diff_src = diff_dst · W is small (at most 63 multiply-adds per output per sample): done here.
  const int64_t n = diffSrc.shape()[0], in = weights.shape()[1], out = weights.shape()[0];
  if (in < 64) {
#pragma omp parallel for
    for (int64_t b = 0; b < n; ++b) {
      float* d = diffSrc.data() + b * in;
      std::fill(d, d + in, 0.0f);
      const float* g = diffDst.data() + b * out;
      for (int64_t o = 0; o < out; ++o) {
        const float* w = weights.data() + o * in;
        for (int64_t i = 0; i < in; ++i) d[i] += g[o] * w[i];
      }
    }
    return;
  }
  const std::string key = diffSrc.shape().toString() + " w" + weights.shape().toString();
  auto& primitive = cached(state_->innerProductBackward, key, "dense backward", [&] {
    return std::make_unique<OnednnInnerProductBackward>(state_->engine, diffSrc.shape(), weights.shape(), true);
  });
  guarded("dense backward data " + key,
          [&] { primitive.executeData(state_->engine, state_->stream, weights, diffDst, diffSrc); });
}

void OnednnBackend::denseBackwardWeights(const Tensor& src, const Tensor& diffDst, Tensor& diffWeights,
                                         Tensor* diffBias) {
  checkDenseBackward(src.shape(), diffWeights.shape(), diffDst.shape());
  // With and without bias are different primitives: the key says which.
  const std::string key = src.shape().toString() + " w" + diffWeights.shape().toString() + (diffBias ? "" : " nobias");
  auto& primitive = cached(state_->innerProductBackward, key, "dense backward", [&] {
    return std::make_unique<OnednnInnerProductBackward>(state_->engine, src.shape(), diffWeights.shape(),
                                                        diffBias != nullptr);
  });
  guarded("dense backward weights " + key,
          [&] { primitive.executeWeights(state_->engine, state_->stream, src, diffDst, diffWeights, diffBias); });
}

void OnednnBackend::softmaxBackward(const Tensor& dst, const Tensor& diffDst, Tensor& diffSrc) {
  checkSameShape("softmax backward", dst, diffDst);
  checkSameShape("softmax backward", dst, diffSrc);
  if (dst.shape().rank() != 2)
    throw std::invalid_argument("softmax backward: expects (N, F), got " + dst.shape().toString());
  const std::string key = dst.shape().toString();
  auto& primitive = cached(state_->softmaxBackward, key, "softmax backward",
                           [&] { return std::make_unique<OnednnSoftmaxBackward>(state_->engine, dst.shape()); });
  guarded("softmax backward " + key, [&] { primitive.execute(state_->engine, state_->stream, dst, diffDst, diffSrc); });
}

void OnednnBackend::sumForward(const std::vector<const Tensor*>& srcs, Tensor& dst) {
  checkSumArguments(srcs, dst);
  if (dst.shape().rank() != 2 && dst.shape().rank() != 4) return Backend::sumForward(srcs, dst);
  const std::string key = joinKey(srcs) + "-> " + layoutName(dst);
  auto& primitive =
      cached(state_->sum, key, "sum", [&] { return std::make_unique<OnednnSum>(state_->engine, srcs, dst); });
  guarded("sum " + key, [&] { primitive.execute(state_->engine, state_->stream, srcs, dst); });
}

void OnednnBackend::arithmeticForward(ArithmeticOp op, const Tensor& a, const Tensor& b, Tensor& dst) {
  const Shape shape = arithmeticShape(op, a.shape(), b.shape());
  // oneDNN's binary primitive broadcasts its second source only: a + b and a × b swap when a is
  // the broadcast one; a − b and a ÷ b then run as the reference loops.
  const bool commutes = op == ArithmeticOp::Add || op == ArithmeticOp::Multiply;
  const bool swap = a.shape() != shape && commutes;
  const Tensor& first = swap ? b : a;
  const Tensor& second = swap ? a : b;
  if (first.shape() != shape || dst.shape() != shape) return Backend::arithmeticForward(op, a, b, dst);
  const std::string key =
      toString(op) + " " + joinKey(std::vector<const Tensor*>{&first, &second}) + "-> " + layoutName(dst);
  auto& primitive = cached(state_->arithmetic, key, toString(op),
                           [&] { return std::make_unique<OnednnArithmetic>(state_->engine, op, first, second, dst); });
  guarded(key, [&] { primitive.execute(state_->engine, state_->stream, first, second, dst); });
}

void OnednnBackend::concatForward(const std::vector<const Tensor*>& srcs, Tensor& dst) {
  std::vector<Shape> shapes;
  for (const Tensor* s : srcs) shapes.push_back(s->shape());
  checkConcatArguments(shapes, dst.shape());
  const std::string key = joinKey(srcs) + "-> " + layoutName(dst);
  auto& primitive =
      cached(state_->concat, key, "concat", [&] { return std::make_unique<OnednnConcat>(state_->engine, srcs, dst); });
  guarded("concat " + key, [&] { primitive.execute(state_->engine, state_->stream, srcs, dst); });
}

void OnednnBackend::concatBackward(const Tensor& diffDst, const std::vector<Tensor*>& diffSrcs) {
  std::vector<Shape> shapes;
  for (const Tensor* s : diffSrcs) shapes.push_back(s->shape());
  checkConcatArguments(shapes, diffDst.shape());
  const std::string key = diffDst.shape().toString() + layoutName(diffDst) + " -> " + joinKey(diffSrcs);
  auto& primitive = cached(state_->concatBackward, key, "concat backward",
                           [&] { return std::make_unique<OnednnConcatBackward>(state_->engine, diffDst, diffSrcs); });
  guarded("concat backward " + key, [&] { primitive.execute(state_->engine, state_->stream, diffDst, diffSrcs); });
}

void OnednnBackend::batchNormForward(const Tensor& src, const Tensor& gamma, const Tensor& beta, Tensor& mean,
                                     Tensor& variance, bool training, float epsilon, Tensor& dst) {
  checkBatchNormArguments(src, {&gamma, &beta, &mean, &variance}, dst, "dst");
  if (src.layout() != dst.layout())
    return Backend::batchNormForward(src, gamma, beta, mean, variance, training, epsilon, dst);
  const std::string key =
      src.shape().toString() + layoutName(src) + (training ? " training " : " inference ") + std::to_string(epsilon);
  auto& primitive = cached(state_->batchNorm, key, "batch norm",
                           [&] { return std::make_unique<OnednnBatchNorm>(state_->engine, src, training, epsilon); });
  guarded("batch norm " + key,
          [&] { primitive.execute(state_->engine, state_->stream, src, gamma, beta, mean, variance, dst); });
}

void OnednnBackend::batchNormBackward(const Tensor& src, const Tensor& gamma, const Tensor& mean,
                                      const Tensor& variance, const Tensor& diffDst, bool training, float epsilon,
                                      Tensor* diffSrc, Tensor& diffGamma, Tensor& diffBeta) {
  checkBatchNormArguments(src, {&gamma, &mean, &variance, &diffGamma, &diffBeta}, diffDst, "diff_dst");
  if (diffSrc) checkBatchNormArguments(src, {}, *diffSrc, "diff_src");
  if (diffDst.layout() != src.layout() || (diffSrc && diffSrc->layout() != src.layout()))
    return Backend::batchNormBackward(src, gamma, mean, variance, diffDst, training, epsilon, diffSrc, diffGamma,
                                      diffBeta);
  const std::string key =
      src.shape().toString() + layoutName(src) + (training ? " training " : " inference ") + std::to_string(epsilon);
  auto& primitive = cached(state_->batchNormBackward, key, "batch norm backward", [&] {
    return std::make_unique<OnednnBatchNormBackward>(state_->engine, src, training, epsilon);
  });
  guarded("batch norm backward " + key, [&] {
    primitive.execute(state_->engine, state_->stream, src, gamma, mean, variance, diffDst, diffSrc, diffGamma,
                      diffBeta);
  });
}

namespace {
// oneDNN 2.6's channels-last LRN kernel (lrn_jit, AVX-512) crashes for a window of one
// channel; that case runs in NCHW, where oneDNN picks its reference kernel.
bool lrnNeedsNchw(const LrnParams& p, const Tensor& src) { return p.size == 1 && src.layout() == Layout::NHWC; }
} // namespace

void OnednnBackend::lrnForward(const LrnParams& p, const Tensor& src, Tensor& dst) {
  checkLrnArguments(p, src, dst, "dst");
  if (lrnNeedsNchw(p, src)) {
    Tensor out(dst.shape());
    lrnForward(p, src.inLayout(Layout::NCHW), out);
    dst = out.inLayout(Layout::NHWC);
    return;
  }
  const std::string key = p.toString() + " " + src.shape().toString() + layoutName(src);
  auto& primitive =
      cached(state_->lrn, key, "lrn", [&] { return std::make_unique<OnednnLrn>(state_->engine, p, src); });
  guarded("lrn " + key, [&] { primitive.execute(state_->engine, state_->stream, src, dst); });
}

void OnednnBackend::lrnBackward(const LrnParams& p, const Tensor& src, const Tensor& diffDst, Tensor& diffSrc) {
  checkLrnArguments(p, src, diffDst, "diff_dst");
  checkLrnArguments(p, src, diffSrc, "diff_src");
  if (lrnNeedsNchw(p, src)) {
    Tensor out(diffSrc.shape());
    lrnBackward(p, src.inLayout(Layout::NCHW), diffDst.inLayout(Layout::NCHW), out);
    diffSrc = out.inLayout(Layout::NHWC);
    return;
  }
  const std::string key = p.toString() + " " + src.shape().toString() + layoutName(src);
  auto& primitive = cached(state_->lrnBackward, key, "lrn backward",
                           [&] { return std::make_unique<OnednnLrnBackward>(state_->engine, p, src); });
  guarded("lrn backward " + key, [&] { primitive.execute(state_->engine, state_->stream, src, diffDst, diffSrc); });
}

} // namespace convscope
