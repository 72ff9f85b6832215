// Internal to the oneDNN backend: one class per primitive family, each built once for a
// configuration and then only executed. Implemented in Onednn<Family>.cpp.
// Not for: use outside engine/backend/onednn (it exposes dnnl types).
#pragma once

#include "../../Geometry.h"
#include "../../Tensor.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <optional>
#include <string>

namespace convscope::onednn {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
constexpr auto f32 = dnnl::memory::data_type::f32;

// A tensor in the user's plain layout, moved into (or out of) the layout a primitive
// prefers. When the two layouts agree there is no reorder and no copy.
class LayoutBridge {
public:
  LayoutBridge() = default;
  LayoutBridge(const dnnl::engine& engine, const dnnl::memory::desc& user, const dnnl::memory::desc& preferred,
               bool toPreferred);
  // The memory the primitive reads or writes: the user's buffer itself, or the bridge's own.
  dnnl::memory bind(const dnnl::engine& engine, float* userData);
  // Runs the reorder, if any (before the primitive for inputs, after it for outputs).
  void run(dnnl::stream& stream);

private:
  dnnl::memory::desc user_;
  dnnl::memory preferred_;
  std::optional<dnnl::reorder> reorder_;
  dnnl::memory userMemory_;
  bool toPreferred_ = true;
};

// Wraps a dnnl::error with what the backend was doing.
[[noreturn]] void rethrow(const std::string& what, const dnnl::error& e);

class OnednnConv {
public:
  OnednnConv(const dnnl::engine& engine, const Conv2DGeometry& g, const Shape& src, const Shape& weights, bool hasBias,
             const Shape& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& weights,
               const Tensor* bias, Tensor& dst);

private:
  dnnl::convolution_forward primitive_;
  LayoutBridge src_, weights_, dst_;
  dnnl::memory::desc biasDesc_;
};

class OnednnPool {
public:
  OnednnPool(const dnnl::engine& engine, const Pool2DGeometry& g, const Shape& src, const Shape& dst);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::pooling_forward primitive_;
  dnnl::memory::desc srcDesc_, dstDesc_;
  std::optional<dnnl::memory> workspace_;
  float scale_ = 1.0f; // sum pooling = average over the window × window size
};

class OnednnEltwise {
public:
  OnednnEltwise(const dnnl::engine& engine, ActivationKind kind, float alpha, const Shape& shape);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::eltwise_forward primitive_;
  dnnl::memory::desc desc_;
};

class OnednnInnerProduct {
public:
  OnednnInnerProduct(const dnnl::engine& engine, const Shape& src, const Shape& weights, bool hasBias);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, const Tensor& weights,
               const Tensor* bias, Tensor& dst);

private:
  dnnl::inner_product_forward primitive_;
  LayoutBridge weights_;
  dnnl::memory::desc srcDesc_, dstDesc_, biasDesc_;
};

class OnednnSoftmax {
public:
  OnednnSoftmax(const dnnl::engine& engine, const Shape& shape);
  void execute(const dnnl::engine& engine, dnnl::stream& stream, const Tensor& src, Tensor& dst);

private:
  dnnl::softmax_forward primitive_;
  dnnl::memory::desc desc_;
};

} // namespace convscope::onednn
