// Tensor and Shape: construction, element counts and readable shape strings.
#include "Tensor.h"

#include <stdexcept>

namespace convscope {

int64_t Shape::elementCount() const {
  int64_t count = 1;
  for (int64_t d : dims_) count *= d;
  return dims_.empty() ? 0 : count;
}

std::string Shape::toString() const {
  std::string text;
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) text += "x";
    text += std::to_string(dims_[i]);
  }
  return text.empty() ? "(empty)" : text;
}

static void checkShape(const Shape& shape) {
  for (int64_t d : shape.dims())
    if (d < 0) throw std::invalid_argument("Tensor: negative dimension in shape " + shape.toString());
}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)) {
  checkShape(shape_);
  data_.assign(static_cast<size_t>(shape_.elementCount()), fill);
}

Tensor::Tensor(Shape shape, std::vector<float> values) : shape_(std::move(shape)), data_(std::move(values)) {
  checkShape(shape_);
  if (static_cast<int64_t>(data_.size()) != shape_.elementCount())
    throw std::invalid_argument("Tensor: shape " + shape_.toString() + " holds " +
                                std::to_string(shape_.elementCount()) + " values, got " + std::to_string(data_.size()));
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape.elementCount() != shape_.elementCount())
    throw std::invalid_argument("Tensor: cannot reshape " + shape_.toString() + " to " + shape.toString());
  return Tensor(std::move(shape), data_);
}

} // namespace convscope
