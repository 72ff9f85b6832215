// Tensor: a dense float32 array with a shape, stored row-major.
// Letter legend used across the engine: N batch, C channels, H height, W width,
// F features (after Flatten). Images and feature maps are NCHW; dense activations (N, F).
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

class Tensor {
public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f);
  Tensor(Shape shape, std::vector<float> values); // throws if the counts differ

  const Shape& shape() const { return shape_; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::vector<float>& values() { return data_; }
  const std::vector<float>& values() const { return data_; }

  // Element access for rank-4 (N, C, H, W) tensors, unchecked.
  float& at(int64_t n, int64_t c, int64_t h, int64_t w) {
    return data_[static_cast<size_t>(((n * shape_[1] + c) * shape_[2] + h) * shape_[3] + w)];
  }
  float at(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data_[static_cast<size_t>(((n * shape_[1] + c) * shape_[2] + h) * shape_[3] + w)];
  }

  // Same data, another shape with the same element count (throws otherwise).
  Tensor reshaped(Shape shape) const;

private:
  Shape shape_;
  std::vector<float> data_;
};

} // namespace convscope
