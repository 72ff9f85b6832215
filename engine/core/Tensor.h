// Tensor: a dense float32 array with a shape, stored row-major.
// Letter legend used across the engine: N batch, C channels, H height, W width,
// F features (after Flatten). A rank-4 shape is always (N, C, H, W); the memory order is
// NCHW unless the tensor says NHWC (channels-last, which the oneDNN backend computes in,
// so a network keeps its activations that way between layers). Dense activations (N, F).
// Not for: views, strides or other element types; the engine only needs contiguous floats.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace convscope {

class Shape {
public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t operator[](int axis) const { return dims_.at(static_cast<size_t>(axis)); }
  int64_t& operator[](int axis) { return dims_.at(static_cast<size_t>(axis)); }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t elementCount() const;
  // "1x3x5x5"
  std::string toString() const;
  bool operator==(const Shape&) const = default;

private:
  std::vector<int64_t> dims_;
};

// Memory order of a rank-4 tensor; other ranks ignore it.
enum class Layout { NCHW, NHWC };

class Tensor {
public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f, Layout layout = Layout::NCHW);
  Tensor(Shape shape, std::vector<float> values); // NCHW; throws if the counts differ

  Layout layout() const { return layout_; }
  // Becomes a tensor of `shape` in `layout`, keeping its storage: the values are whatever
  // was there (callers overwrite them all), so a reused buffer costs no allocation or fill.
  void reuseAs(Shape shape, Layout layout);
  // The same values in `layout` (a copy; no work when it already is).
  Tensor inLayout(Layout layout) const;
  // This tensor when it already is in `layout` (or is not rank 4), else `converted` filled
  // with a copy in it: no copy in the common case.
  const Tensor& inLayout(Layout layout, Tensor& converted) const;

  const Shape& shape() const { return shape_; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::vector<float>& values() { return data_; }
  const std::vector<float>& values() const { return data_; }

  // Element (n, c, h, w) of a rank-4 tensor, in either layout; unchecked.
  size_t offset(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return static_cast<size_t>(layout_ == Layout::NCHW ? ((n * shape_[1] + c) * shape_[2] + h) * shape_[3] + w
                                                       : ((n * shape_[2] + h) * shape_[3] + w) * shape_[1] + c);
  }
  float& at(int64_t n, int64_t c, int64_t h, int64_t w) { return data_[offset(n, c, h, w)]; }
  float at(int64_t n, int64_t c, int64_t h, int64_t w) const { return data_[offset(n, c, h, w)]; }

  // Same data, another shape with the same element count (throws otherwise); NCHW only.
  Tensor reshaped(Shape shape) const;

private:
  Shape shape_;
  std::vector<float> data_;
  Layout layout_ = Layout::NCHW;
};

} // namespace convscope
