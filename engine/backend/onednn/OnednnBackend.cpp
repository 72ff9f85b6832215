// oneDNN backend: the engine, the stream, the primitive caches and the layout bridges.
// The per-family primitives live in OnednnConv.cpp, OnednnPool.cpp, OnednnEltwise.cpp,
// OnednnInnerProduct.cpp and OnednnSoftmax.cpp.
#include "OnednnBackend.h"

#include "OnednnPrimitives.h"

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
         state_->softmax.size();
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
} // namespace

void OnednnBackend::conv2dForward(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias,
                                  Tensor& dst) {
  checkConv2DArguments(g, src, weights, bias, dst);
  const std::string key =
      g.toString() + " " + src.shape().toString() + "->" + dst.shape().toString() + (bias ? " bias" : "");
  auto& primitive = cached(state_->conv, key, "conv2d", [&] {
    return std::make_unique<OnednnConv>(state_->engine, g, src.shape(), weights.shape(), bias != nullptr, dst.shape());
  });
  try {
    primitive.execute(state_->engine, state_->stream, src, weights, bias, dst);
  } catch (const dnnl::error& e) {
    rethrow("conv2d " + key, e);
  }
}

void OnednnBackend::pool2dForward(const Pool2DGeometry& g, const Tensor& src, Tensor& dst) {
  checkPool2DArguments(g, src, dst);
  const std::string key = g.toString() + " " + src.shape().toString();
  auto& primitive = cached(state_->pool, key, "pool2d",
                           [&] { return std::make_unique<OnednnPool>(state_->engine, g, src.shape(), dst.shape()); });
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

} // namespace convscope
