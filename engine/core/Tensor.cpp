// Tensor and Shape: construction, element counts and readable shape strings.
#include "engine/core/Tensor.h"

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

Tensor::Tensor(Shape shape, float fill, Layout layout) : shape_(std::move(shape)), layout_(layout) {
  checkShape(shape_);
  data_.assign(static_cast<size_t>(shape_.elementCount()), fill);
  if (shape_.rank() != 4) layout_ = Layout::NCHW;
}

void Tensor::reuseAs(Shape shape, Layout layout) {
  checkShape(shape);
  data_.resize(static_cast<size_t>(shape.elementCount())); // no work when the size is the same
  shape_ = std::move(shape);
  layout_ = shape_.rank() == 4 ? layout : Layout::NCHW;
}

const Tensor& Tensor::inLayout(Layout layout, Tensor& converted) const {
  if (layout == layout_ || shape_.rank() != 4) return *this;
  converted = inLayout(layout);
  return converted;
}

Tensor Tensor::inLayout(Layout layout) const {
  if (layout == layout_ || shape_.rank() != 4) return *this;
  Tensor out(shape_, 0.0f, layout);
  for (int64_t n = 0; n < shape_[0]; ++n)
    for (int64_t c = 0; c < shape_[1]; ++c)
      for (int64_t h = 0; h < shape_[2]; ++h)
        for (int64_t w = 0; w < shape_[3]; ++w) out.at(n, c, h, w) = at(n, c, h, w);
  return out;
}

Tensor::Tensor(Shape shape, std::vector<float> values) : shape_(std::move(shape)), data_(std::move(values)) {
  checkShape(shape_);
  if (static_cast<int64_t>(data_.size()) != shape_.elementCount())
    throw std::invalid_argument("Tensor: shape " + shape_.toString() + " holds " +
                                std::to_string(shape_.elementCount()) + " values, got " + std::to_string(data_.size()));
}

Tensor Tensor::reshaped(Shape shape) const {
  if (layout_ != Layout::NCHW) return inLayout(Layout::NCHW).reshaped(std::move(shape));
  if (shape.elementCount() != shape_.elementCount())
    throw std::invalid_argument("Tensor: cannot reshape " + shape_.toString() + " to " + shape.toString());
  return Tensor(std::move(shape), data_);
}

} // namespace convscope
